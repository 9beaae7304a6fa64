//! Property tests of the round trips the fuzz targets check (fuzz/), in the normal test suite:
//!
//! - arbitrary label values, constant-label values, info values and help text through both
//!   encoders parse back (with the small unescape-and-split parser below) to exactly the values
//!   given, with exactly the series the registry holds: nothing injected, nothing lost;
//! - arbitrary `f64`, `u64`, `i64` and timestamps round-trip through the number formatting
//!   (parsed with Rust's `from_str`, compared bit for bit; NaN as NaN);
//! - arbitrary grouping keys round-trip through `edgeprom::push::write_path` (decoded with the
//!   `base64` and `percent-encoding` crates), each value confined to its own path segment.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use edgeprom::push::write_path;
use edgeprom::{Counter, Family, Format, Info, Number, Registry, SampleValue};
use proptest::prelude::*;

/// Bytes a family stores per label value in these tests.
const S: usize = 48;

/// Strings rich in what must be escaped or could break a line: quotes, backslashes, newlines,
/// carriage returns, braces, commas, `#`, plus any other character.
fn nasty() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        4 => any::<char>(),
        1 => Just('"'),
        1 => Just('\\'),
        1 => Just('\n'),
        1 => Just('\r'),
        1 => Just('{'),
        1 => Just('}'),
        1 => Just(','),
        1 => Just('='),
        1 => Just(' '),
        1 => Just('#'),
        1 => Just('n'),
    ];
    proptest::collection::vec(c, 0..12).prop_map(String::from_iter)
}

/// A label value that fits the family.
fn value() -> impl Strategy<Value = String> {
    nasty().prop_filter("fits the family", |v| v.len() <= S)
}

// --- the small parser ---------------------------------------------------------------------

/// One sample: its name and its labels (unescaped), in order.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    name: String,
    labels: Vec<(String, String)>,
    value: String,
}

/// Splits a document into its `# HELP` texts (unescaped, by family name) and its samples.
/// Panics on anything malformed: a line that is neither metadata nor `name{labels} value`,
/// an unknown escape, an unterminated value.
fn parse(doc: &str, format: Format) -> (BTreeMap<String, String>, Vec<Line>) {
    let mut help = BTreeMap::new();
    let mut samples = Vec::new();
    assert!(doc.is_empty() || doc.ends_with('\n'), "no final newline");
    // Lines end at `\n` only: a raw `\r` is part of a value, as both formats define it.
    for line in doc.split_terminator('\n') {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, text) = rest.split_once(' ').expect("HELP name text");
            help.insert(
                name.to_owned(),
                unescape(text, format == Format::OpenMetrics),
            );
        } else if line.starts_with("# TYPE ") || line.starts_with("# UNIT ") || line == "# EOF" {
        } else {
            samples.push(sample(line));
        }
    }
    (help, samples)
}

fn unescape(text: &str, quotes: bool) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('\\') => out.push('\\'),
                Some('n') => out.push('\n'),
                Some('"') if quotes => out.push('"'),
                other => panic!("bad escape \\{other:?} in {text:?}"),
            },
            '"' if quotes => panic!("raw quote in {text:?}"),
            c => out.push(c),
        }
    }
    out
}

fn sample(line: &str) -> Line {
    let end = line.find(['{', ' ']).expect("name then labels or value");
    let (name, mut rest) = line.split_at(end);
    assert!(
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
        "sample name {name:?} in {line:?}"
    );
    let mut labels = Vec::new();
    if let Some(r) = rest.strip_prefix('{') {
        rest = r;
        loop {
            let (lname, r) = rest.split_once("=\"").expect("label=\"");
            let mut value = String::new();
            let mut chars = r.char_indices();
            let after = loop {
                match chars.next().expect("unterminated label value") {
                    (i, '"') => break &r[i + 1..],
                    (_, '\\') => match chars.next().map(|(_, c)| c) {
                        Some('\\') => value.push('\\'),
                        Some('n') => value.push('\n'),
                        Some('"') => value.push('"'),
                        other => panic!("bad escape {other:?} in {line:?}"),
                    },
                    (_, c) => value.push(c),
                }
            };
            labels.push((lname.to_owned(), value));
            match after.split_at_checked(1) {
                Some((",", r)) => rest = r,
                Some(("}", r)) => {
                    rest = r;
                    break;
                }
                _ => panic!("expected , or }} in {line:?}"),
            }
        }
    }
    let value = rest.strip_prefix(' ').expect("space before the value");
    assert!(!value.is_empty() && !value.contains(' '), "{line:?}");
    Line {
        name: name.to_owned(),
        labels,
        value: value.to_owned(),
    }
}

fn encode<const N: usize>(registry: &Registry<'_, N>, format: Format) -> String {
    let mut doc = String::new();
    registry.encode_to(format, &mut doc).expect("encoding");
    let mut buf = vec![0u8; doc.len()];
    assert_eq!(registry.encode(format, &mut buf), Ok(doc.len()));
    assert_eq!(buf, doc.as_bytes(), "encode and encode_to differ");
    doc
}

// --- the properties -------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Label values, a constant-label value, info values and help text come back exactly,
    /// and the documents hold exactly the registry's series.
    #[test]
    fn label_values_and_help_round_trip(
        help in nasty(),
        const_value in nasty(),
        info_values in (nasty(), nasty()),
        series in proptest::collection::btree_map((value(), value()), 0..20u64, 0..8),
    ) {
        let help: &'static str = Box::leak(help.into_boxed_str());
        let family: Family<Counter, 2, 8, S> = Family::new("reqs", help, ["method", "path"]);
        let info = Info::new("build", help, [("version", &info_values.0), ("host", &info_values.1)]);
        let const_labels = [("device", const_value.as_str())];
        let mut registry: Registry<'_, 2> = Registry::new()
            .with_const_labels(&const_labels)
            .unwrap();
        registry.register(&family).unwrap();
        registry.register(&info).unwrap();
        for ((a, b), n) in &series {
            family.labels([a.as_str(), b.as_str()]).unwrap().inc_by(*n);
        }

        for format in [Format::Prometheus, Format::OpenMetrics] {
            let doc = encode(&registry, format);
            let (helps, samples) = parse(&doc, format);
            let om = format == Format::OpenMetrics;
            let counter = if om { "reqs" } else { "reqs_total" };
            prop_assert_eq!(helps.get(counter).map(String::as_str), Some(help));
            let info_name = if om { "build" } else { "build_info" };
            prop_assert_eq!(helps.get(info_name).map(String::as_str), Some(help));
            prop_assert_eq!(samples.len(), series.len() + 1, "{}", doc);

            let mut seen = BTreeMap::new();
            for s in samples.iter().filter(|s| s.name == "reqs_total") {
                let [(d, dv), (m, mv), (p, pv)] = &s.labels[..] else {
                    panic!("labels {:?}", s.labels);
                };
                prop_assert_eq!((d.as_str(), m.as_str(), p.as_str()), ("device", "method", "path"));
                prop_assert_eq!(dv, &const_value);
                let n: u64 = s.value.parse().unwrap();
                prop_assert!(seen.insert((mv.clone(), pv.clone()), n).is_none(), "{:?} twice", s);
            }
            prop_assert_eq!(&seen, &series);

            let infos: Vec<&Line> = samples.iter().filter(|s| s.name == "build_info").collect();
            prop_assert_eq!(infos.len(), 1);
            let want = vec![
                ("device".to_owned(), const_value.clone()),
                ("version".to_owned(), info_values.0.clone()),
                ("host".to_owned(), info_values.1.clone()),
            ];
            prop_assert_eq!(&infos[0].labels, &want);
            prop_assert_eq!(infos[0].value.as_str(), "1");
        }
    }
}

/// `v` written by the core and read back by `from_str`.
fn write(v: SampleValue) -> String {
    let mut s = String::new();
    v.write_to(&mut s).unwrap();
    s
}

fn read_f64(text: &str) -> f64 {
    match text {
        "NaN" => f64::NAN,
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        _ => {
            assert!(
                text.bytes()
                    .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)),
                "{text:?} is not exposition syntax"
            );
            text.parse().unwrap_or_else(|e| panic!("{text:?}: {e}"))
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn floats_round_trip(v in any::<f64>()) {
        let text = write(SampleValue::Float(v));
        let back = read_f64(&text);
        if v.is_nan() {
            prop_assert!(back.is_nan(), "{} -> {}", v, text);
        } else {
            prop_assert_eq!(back.to_bits(), v.to_bits(), "{} -> {}", v, text);
        }
        // The canonical form of `le`/`quantile` bounds reads back the same, with a point or
        // an exponent so that it is never taken for an integer.
        if v.is_finite() {
            let mut canonical = String::new();
            v.write_canonical(&mut canonical).unwrap();
            prop_assert_eq!(read_f64(&canonical).to_bits(), v.to_bits(), "{}", canonical);
            prop_assert!(canonical.contains(['.', 'e', 'E']), "{}", canonical);
        }
    }

    #[test]
    fn integers_round_trip(u in any::<u64>(), i in any::<i64>()) {
        prop_assert_eq!(write(SampleValue::Unsigned(u)).parse::<u64>().unwrap(), u);
        prop_assert_eq!(write(SampleValue::Signed(i)).parse::<i64>().unwrap(), i);
    }

    #[test]
    fn timestamps_round_trip(secs in 0u64..=u64::MAX / 2, nanos in 0u32..1_000_000_000) {
        let d = Duration::new(secs, nanos);
        let text = write(SampleValue::Timestamp(d));
        let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
        prop_assert!(frac.len() <= 9 && frac.bytes().all(|b| b.is_ascii_digit()), "{}", text);
        let nanos_back: u32 = format!("{frac:0<9}").parse().unwrap();
        prop_assert_eq!(Duration::new(whole.parse().unwrap(), nanos_back), d, "{}", text);
    }
}

/// A valid grouping-key label name (not `job`).
fn label_name() -> impl Strategy<Value = String> {
    let first = prop_oneof![
        Just('_'),
        proptest::char::range('a', 'z'),
        proptest::char::range('A', 'Z')
    ];
    let rest = prop_oneof![
        Just('_'),
        proptest::char::range('a', 'z'),
        proptest::char::range('A', 'Z'),
        proptest::char::range('0', '9'),
    ];
    (first, proptest::collection::vec(rest, 0..8))
        .prop_map(|(f, r)| std::iter::once(f).chain(r).collect::<String>())
        .prop_filter("valid and not job", |n| n != "job" && !n.starts_with("__"))
}

/// Values the path rules treat specially, or anything.
fn path_value() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        1 => Just(".".to_owned()),
        1 => Just("..".to_owned()),
        1 => Just("/".to_owned()),
        1 => Just("%2F".to_owned()),
        6 => nasty(),
        2 => proptest::collection::vec(prop_oneof![Just('/'), Just('.'), Just('%'), any::<char>()], 0..8)
            .prop_map(String::from_iter),
    ]
}

fn decode(segment: &str, base64: bool) -> Vec<u8> {
    if base64 {
        if segment == "=" {
            return Vec::new();
        }
        return URL_SAFE_NO_PAD.decode(segment).expect("URL-safe base64");
    }
    assert!(
        segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
        "{segment:?} has a reserved character"
    );
    assert!(
        !matches!(segment, "" | "." | ".."),
        "{segment:?} would be resolved away"
    );
    percent_encoding::percent_decode_str(segment).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn grouping_keys_round_trip(
        job in path_value(),
        key in proptest::collection::btree_map(label_name(), path_value(), 0..5),
    ) {
        let grouping: Vec<(&str, &str)> =
            key.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let mut path = String::new();
        write_path(&mut path, &job, &grouping).unwrap();
        let rest = path.strip_prefix("/metrics/").unwrap();
        let segments: Vec<&str> = rest.split('/').collect();
        prop_assert_eq!(segments.len(), 2 + 2 * grouping.len(), "{}", path);
        let pairs = std::iter::once(("job", job.as_str())).chain(grouping.iter().copied());
        for ((name, value), seg) in pairs.zip(segments.chunks(2)) {
            let (label, base64) = match seg[0].strip_suffix("@base64") {
                Some(l) => (l, true),
                None => (seg[0], false),
            };
            prop_assert_eq!(label, name);
            prop_assert_eq!(decode(seg[1], base64), value.as_bytes(), "{}", path);
        }
    }
}
