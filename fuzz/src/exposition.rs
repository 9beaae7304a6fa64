//! A strict line checker for the documents edgeprom writes, in Prometheus text 0.0.4 and
//! OpenMetrics 1.0.0. Strict means: only what a correct encoder may write passes, so that a
//! label value or help text that broke out of its line, or escaped badly, is an error.
//!
//! Each line is one of `# HELP name text`, `# TYPE name type`, `# UNIT name unit`
//! (OpenMetrics), `# EOF` (OpenMetrics, last), or `name{label="value",...} value`. Checked:
//! names, escapes (`\\`, `\n`, and `\"` where the format allows it), metadata order (HELP
//! then TYPE in Prometheus text; TYPE, UNIT, HELP in OpenMetrics), that every sample belongs
//! to the family declared above it (by the suffixes its type allows), that no family, sample
//! or label repeats, and that values are numbers.

use std::collections::HashSet;

use edgeprom::Format;

use crate::names::{label_name_syntax, metric_name_syntax};

/// A metric family's metadata, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    /// The name in `# TYPE`.
    pub name: String,
    /// The type keyword.
    pub ty: String,
    /// The help text, unescaped.
    pub help: String,
    /// The unit (OpenMetrics only).
    pub unit: Option<String>,
}

/// One sample line, unescaped.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Index into [`Document::families`].
    pub family: usize,
    /// The sample name (family name plus suffix).
    pub name: String,
    /// Label names and unescaped values, in order.
    pub labels: Vec<(String, String)>,
    /// The value.
    pub value: f64,
}

/// A checked document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    /// Families in order.
    pub families: Vec<Family>,
    /// Samples in order.
    pub samples: Vec<Sample>,
}

impl Document {
    /// The samples of the family named `name` (its `# TYPE` name).
    pub fn samples_of<'d>(&'d self, name: &str) -> impl Iterator<Item = &'d Sample> + 'd {
        let index = self.families.iter().position(|f| f.name == name);
        self.samples.iter().filter(move |s| Some(s.family) == index)
    }

    /// The family named `name`.
    pub fn family(&self, name: &str) -> Option<&Family> {
        self.families.iter().find(|f| f.name == name)
    }
}

/// Checks `doc` line by line; the error names the line and what is wrong with it.
pub fn check(doc: &str, format: Format) -> Result<Document, String> {
    let mut out = Document::default();
    if doc.is_empty() {
        return match format {
            Format::Prometheus | Format::PrometheusV1 => Ok(out),
            Format::OpenMetrics => Err("empty document: no # EOF".into()),
        };
    }
    let body = doc
        .strip_suffix('\n')
        .ok_or("the document does not end with a newline")?;
    let mut lines = body.split('\n').enumerate().peekable();
    let mut family_names = HashSet::new();
    let mut sample_keys = HashSet::new();
    let mut eof = false;
    while let Some((no, line)) = lines.next() {
        let at = |e: String| format!("line {}: {e}: {line:?}", no + 1);
        if eof {
            return Err(at("text after # EOF".into()));
        }
        if line == "# EOF" {
            if format != Format::OpenMetrics {
                return Err(at("# EOF in Prometheus text".into()));
            }
            eof = true;
            continue;
        }
        if line.starts_with('#') {
            // Metadata opens a family: HELP+TYPE (text) or TYPE [UNIT] HELP (OpenMetrics).
            let family = match format {
                Format::Prometheus | Format::PrometheusV1 => {
                    let (name, help) = meta(line, "HELP").map_err(at)?;
                    let help = unescape_help(help, format).map_err(at)?;
                    let (_, next) = lines.next().ok_or_else(|| at("HELP without TYPE".into()))?;
                    let (tname, ty) = meta(next, "TYPE").map_err(at)?;
                    if tname != name {
                        return Err(at(format!("TYPE names {tname}, HELP names {name}")));
                    }
                    Family {
                        name: name.into(),
                        ty: ty.into(),
                        help,
                        unit: None,
                    }
                }
                Format::OpenMetrics => {
                    let (name, ty) = meta(line, "TYPE").map_err(at)?;
                    let mut unit = None;
                    let (_, mut next) =
                        lines.next().ok_or_else(|| at("TYPE without HELP".into()))?;
                    if next.starts_with("# UNIT ") {
                        let (uname, u) = meta(next, "UNIT").map_err(at)?;
                        if uname != name {
                            return Err(at(format!("UNIT names {uname}, TYPE names {name}")));
                        }
                        let ends = name
                            .strip_suffix(u)
                            .is_some_and(|h| h.ends_with('_') && h.len() > 1);
                        if u.is_empty() || !ends {
                            return Err(at(format!("unit {u:?} is not the end of {name}")));
                        }
                        unit = Some(u.to_owned());
                        next = lines
                            .next()
                            .ok_or_else(|| at("UNIT without HELP".into()))?
                            .1;
                    }
                    let (hname, help) = meta(next, "HELP").map_err(at)?;
                    if hname != name {
                        return Err(at(format!("HELP names {hname}, TYPE names {name}")));
                    }
                    Family {
                        name: name.into(),
                        ty: ty.into(),
                        help: unescape_help(help, format).map_err(at)?,
                        unit,
                    }
                }
            };
            if !type_known(format, &family.ty) {
                return Err(at(format!("unknown type {:?}", family.ty)));
            }
            if !family_names.insert(family.name.clone()) {
                return Err(at(format!("family {} declared twice", family.name)));
            }
            out.families.push(family);
            continue;
        }
        let sample = sample(line).map_err(at)?;
        let index = out.families.len().checked_sub(1);
        let family = index
            .and_then(|i| out.families.get(i))
            .ok_or_else(|| at("sample before any family".into()))?;
        let suffix = sample
            .name
            .strip_prefix(family.name.as_str())
            .filter(|s| suffixes(format, &family.ty).contains(s))
            .ok_or_else(|| {
                at(format!(
                    "{} is not a sample of {} family {}",
                    sample.name, family.ty, family.name
                ))
            })?;
        // In a histogram, `le` is on the buckets, last, and only there (another type may have
        // a label of that name: the formats reserve it in histograms only).
        if family.ty.contains("histogram") {
            let le_last = sample.labels.last().is_some_and(|(n, _)| n == "le");
            let le_any = sample.labels.iter().any(|(n, _)| n == "le");
            if (suffix == "_bucket") != le_last || (suffix != "_bucket" && le_any) {
                return Err(at("`le` belongs on buckets, last, and only there".into()));
            }
        }
        if !sample_keys.insert((sample.name.clone(), sample.labels.clone())) {
            return Err(at("the same series twice".into()));
        }
        out.samples.push(Sample {
            family: index.unwrap_or(0),
            ..sample
        });
    }
    if format == Format::OpenMetrics && !eof {
        return Err("no # EOF at the end".into());
    }
    Ok(out)
}

/// `# KEYWORD name rest` → `(name, rest)`; `rest` may be empty but the space must be there.
fn meta<'l>(line: &'l str, keyword: &str) -> Result<(&'l str, &'l str), String> {
    let rest = line
        .strip_prefix("# ")
        .and_then(|l| l.strip_prefix(keyword))
        .and_then(|l| l.strip_prefix(' '))
        .ok_or_else(|| format!("expected # {keyword}"))?;
    let (name, text) = rest
        .split_once(' ')
        .ok_or_else(|| format!("# {keyword} without a space after the name"))?;
    if !metric_name_syntax(name) {
        return Err(format!("invalid metric name {name:?}"));
    }
    Ok((name, text))
}

fn type_known(format: Format, ty: &str) -> bool {
    match format {
        Format::Prometheus | Format::PrometheusV1 => {
            ["counter", "gauge", "histogram", "summary", "untyped"].contains(&ty)
        }
        Format::OpenMetrics => [
            "counter",
            "gauge",
            "histogram",
            "gaugehistogram",
            "stateset",
            "info",
            "summary",
            "unknown",
        ]
        .contains(&ty),
    }
}

/// Sample-name suffixes a family of type `ty` may have.
fn suffixes(format: Format, ty: &str) -> &'static [&'static str] {
    match (format, ty) {
        (Format::Prometheus | Format::PrometheusV1, "histogram") => &["_bucket", "_count", "_sum"],
        (Format::Prometheus | Format::PrometheusV1, "summary") => &["", "_count", "_sum"],
        (Format::Prometheus | Format::PrometheusV1, _) => &[""],
        (Format::OpenMetrics, "counter") => &["_total", "_created"],
        (Format::OpenMetrics, "histogram") => &["_bucket", "_count", "_sum", "_created"],
        (Format::OpenMetrics, "gaugehistogram") => &["_bucket", "_gcount", "_gsum"],
        (Format::OpenMetrics, "summary") => &["", "_count", "_sum", "_created"],
        (Format::OpenMetrics, "info") => &["_info"],
        (Format::OpenMetrics, _) => &[""],
    }
}

/// Help text: `\\` and `\n` escapes; OpenMetrics also `\"`, and no raw `"`.
fn unescape_help(text: &str, format: Format) -> Result<String, String> {
    let om = format == Format::OpenMetrics;
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('\\') => out.push('\\'),
                Some('n') => out.push('\n'),
                Some('"') if om => out.push('"'),
                other => return Err(format!("bad escape in help: \\{other:?}")),
            },
            '"' if om => return Err("raw `\"` in OpenMetrics help".into()),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// `name{l="v",...} value` (no timestamp: edgeprom writes none).
fn sample(line: &str) -> Result<Sample, String> {
    let end = line.find(['{', ' ']).ok_or("sample without a value")?;
    let (name, mut rest) = line.split_at(end);
    if !metric_name_syntax(name) {
        return Err(format!("invalid sample name {name:?}"));
    }
    let mut labels: Vec<(String, String)> = Vec::new();
    if let Some(after) = rest.strip_prefix('{') {
        rest = after;
        loop {
            let (lname, after) = rest.split_once("=\"").ok_or("label without =\"")?;
            if !label_name_syntax(lname) {
                return Err(format!("invalid label name {lname:?}"));
            }
            if labels.iter().any(|(n, _)| n == lname) {
                return Err(format!("label {lname} twice"));
            }
            let (value, after) = label_value(after)?;
            labels.push((lname.to_owned(), value));
            if let Some(r) = after.strip_prefix(',') {
                rest = r;
            } else if let Some(r) = after.strip_prefix('}') {
                rest = r;
                break;
            } else {
                return Err("expected , or } after a label value".into());
            }
        }
    }
    let value = rest
        .strip_prefix(' ')
        .ok_or("expected one space before the value")?;
    Ok(Sample {
        family: 0,
        name: name.to_owned(),
        labels,
        value: number(value)?,
    })
}

/// An escaped label value up to its closing quote → (value, what follows the quote).
fn label_value(s: &str) -> Result<(String, &str), String> {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, s.get(i + 1..).unwrap_or_default())),
            '\\' => match chars.next() {
                Some((_, '\\')) => out.push('\\'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, '"')) => out.push('"'),
                other => return Err(format!("bad escape in a label value: {other:?}")),
            },
            c => out.push(c),
        }
    }
    Err("unterminated label value".into())
}

/// `NaN`, `+Inf`, `-Inf`, or a decimal or exponent number (no `inf`, `nan`, hex...).
pub fn number(v: &str) -> Result<f64, String> {
    match v {
        "NaN" => return Ok(f64::NAN),
        "+Inf" => return Ok(f64::INFINITY),
        "-Inf" => return Ok(f64::NEG_INFINITY),
        _ => {}
    }
    let plain = !v.is_empty()
        && v.bytes().any(|b| b.is_ascii_digit())
        && v.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !plain {
        return Err(format!("not a number: {v:?}"));
    }
    v.parse::<f64>()
        .map_err(|e| format!("not a number: {v:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OM: Format = Format::OpenMetrics;
    const TEXT: Format = Format::Prometheus;

    #[test]
    fn accepts_what_a_correct_encoder_writes() {
        let doc =
            "# TYPE a counter\n# HELP a say \\\"hi\\\"\\n\\\\\na_total{x=\"q\\\"\\n\\\\\"} 1\n\
                   a_created{x=\"q\\\"\\n\\\\\"} 1.5\n# TYPE b_seconds histogram\n\
                   # UNIT b_seconds seconds\n# HELP b_seconds \n\
                   b_seconds_bucket{le=\"+Inf\"} 0\nb_seconds_count 0\n# EOF\n";
        let d = check(doc, OM).unwrap();
        assert_eq!(d.families[0].help, "say \"hi\"\n\\");
        assert_eq!(d.samples[0].labels[0].1, "q\"\n\\");
        assert_eq!(d.samples.len(), 4);
        assert_eq!(
            d.family("b_seconds").unwrap().unit.as_deref(),
            Some("seconds")
        );
        let text = "# HELP c_total say \"hi\" \\\\\n# TYPE c_total counter\nc_total 3\n";
        assert_eq!(check(text, TEXT).unwrap().families[0].help, "say \"hi\" \\");
        assert_eq!(check("", TEXT).unwrap(), Document::default());
    }

    #[test]
    fn rejects_breakouts_and_bad_escapes() {
        let head = "# TYPE a gauge\n# HELP a h\n";
        for bad in [
            "a{x=\"\\q\"} 1\n",       // unknown escape
            "a{x=\"1\"\"} 1\n",       // raw quote
            "a{x=\"1\"} 1 2\n",       // extra field
            "a{x=\"1\",x=\"2\"} 1\n", // label twice
            "a{} 1\n",                // empty label set
            "a 1\na 1\n",             // series twice
            "b 1\n",                  // not of this family
            "a inf\n",                // not exposition syntax
        ] {
            let doc = format!("{head}{bad}# EOF\n");
            assert!(check(&doc, OM).is_err(), "accepted {doc:?}");
        }
        assert!(check("# TYPE a gauge\n# HELP a \"\n# EOF\n", OM).is_err());
        let hist = "# TYPE h histogram\n# HELP h h\n";
        for bad in [
            "h_count{le=\"1\"} 1\n",
            "h_bucket 1\n",
            "h_bucket{le=\"1\",a=\"b\"} 1\n",
        ] {
            assert!(check(&format!("{hist}{bad}# EOF\n"), OM).is_err(), "{bad}");
        }
        // Outside histograms `le` is an ordinary label.
        assert!(check("# TYPE a gauge\n# HELP a h\na{le=\"1\"} 1\n# EOF\n", OM).is_ok());
        assert!(check("# HELP a \\\"\n# TYPE a gauge\n", TEXT).is_err());
        assert!(check("# TYPE a gauge\n# HELP a h\na 1\n", OM).is_err()); // no EOF
        assert!(check("# TYPE a gauge\n# HELP a h\n# EOF\na 1\n", OM).is_err());
        assert!(check("# HELP a h\n# TYPE a gauge\n# EOF\n", TEXT).is_err());
        assert!(check("# HELP a h\n# TYPE a gauge\na 1", TEXT).is_err()); // no newline
        let twice = "# HELP a h\n# TYPE a gauge\n# HELP a h\n# TYPE a gauge\n";
        assert!(check(twice, TEXT).is_err());
        assert!(check("# TYPE a_x gauge\n# UNIT a_x y\n# HELP a_x h\n# EOF\n", OM).is_err());
    }

    #[test]
    fn numbers() {
        assert_eq!(number("1e3"), Ok(1000.0));
        assert!(number("NaN").unwrap().is_nan());
        assert!(number("nan").is_err() && number("inf").is_err() && number("").is_err());
        assert!(number("-").is_err() && number("0x1").is_err());
    }
}
