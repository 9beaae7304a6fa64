//! The name and label rules every sample line follows, written once for any writer (and
//! compiled for the two an encoder has: a byte buffer written in place, or any
//! `fmt::Write`), and the prefix a histogram series' `_bucket` lines share.

use core::fmt::{self, Write};

use super::Labels;
use crate::name::Desc;
use crate::number::SampleValue;

/// Bytes the shared prefix of `_bucket` lines may take on the stack; a series with a longer
/// one has its lines written in full.
pub(crate) const PREFIX: usize = 128;

/// The shared start of a histogram series' `_bucket` lines (`name_bucket{labels,le="`).
/// Writing past its capacity fails, and the caller writes each line in full instead.
pub(crate) type Prefix = heapless::String<PREFIX>;

/// What the sample names and label sets of one encoder share: the namespace and the constant
/// labels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Names<'a> {
    pub(crate) namespace: &'a str,
    pub(crate) const_labels: &'a [(&'a str, &'a str)],
}

impl Names<'_> {
    /// `namespace_` (when there is one), the family name and `suffix`.
    #[inline]
    pub(crate) fn name<W: Write + ?Sized>(
        self,
        w: &mut W,
        desc: &Desc<'_>,
        suffix: &str,
    ) -> fmt::Result {
        if !self.namespace.is_empty() {
            w.write_str(self.namespace)?;
            w.write_char('_')?;
        }
        w.write_str(desc.name())?;
        w.write_str(suffix)
    }

    /// `{` and the constant labels, `labels` and `extra`, comma-separated, leaving the brace
    /// open. Returns whether nothing was written (no labels at all).
    pub(crate) fn label_pairs<W: Write>(
        self,
        w: &mut W,
        labels: &Labels<'_>,
        extra: Option<(&str, &str)>,
    ) -> Result<bool, fmt::Error> {
        let mut first = true;
        let pairs = self
            .const_labels
            .iter()
            .copied()
            .chain(labels.iter())
            .chain(extra);
        for (name, value) in pairs {
            w.write_char(if first { '{' } else { ',' })?;
            first = false;
            w.write_str(name)?;
            w.write_str("=\"")?;
            escaped(w, value, true)?;
            w.write_char('"')?;
        }
        Ok(first)
    }

    /// A whole sample line: name, labels, value, newline.
    #[inline]
    pub(crate) fn sample<W: Write>(
        self,
        w: &mut W,
        desc: &Desc<'_>,
        suffix: &str,
        labels: &Labels<'_>,
        extra: Option<(&str, &str)>,
        value: SampleValue,
    ) -> fmt::Result {
        self.name(w, desc, suffix)?;
        let first = self.label_pairs(w, labels, extra)?;
        w.write_str(if first { " " } else { "} " })?;
        value.write_into(w)?;
        w.write_char('\n')
    }

    /// A state set's sample line: `<name>{...,<name>="<state>"} <value>`.
    pub(crate) fn state_sample<W: Write>(
        self,
        w: &mut W,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        state: &str,
        value: SampleValue,
    ) -> fmt::Result {
        self.name(w, desc, "")?;
        let first = self.label_pairs(w, labels, None)?;
        w.write_char(if first { '{' } else { ',' })?;
        self.name(w, desc, "")?;
        w.write_str("=\"")?;
        escaped(w, state, true)?;
        w.write_str("\"} ")?;
        value.write_into(w)?;
        w.write_char('\n')
    }

    /// What the `_bucket` lines of one histogram series start with: the name, the labels
    /// and `le="`.
    pub(crate) fn bucket_prefix<W: Write>(
        self,
        w: &mut W,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
    ) -> fmt::Result {
        self.name(w, desc, "_bucket")?;
        let first = self.label_pairs(w, labels, None)?;
        w.write_str(if first { "{le=\"" } else { ",le=\"" })
    }
}

/// One `_bucket` line after its [`Names::bucket_prefix`]: `le` (a number, which needs no
/// escaping), the cumulative count and a newline.
#[inline]
pub(crate) fn bucket<W: Write>(w: &mut W, prefix: &str, le: &str, count: u64) -> fmt::Result {
    w.write_str(prefix)?;
    w.write_str(le)?;
    w.write_str("\"} ")?;
    w.write_str(itoa::Buffer::new().format(count))?;
    w.write_char('\n')
}

/// Writes `s` escaping `\` and newline, and `"` too when `quotes` is set.
#[inline]
pub(crate) fn escaped<W: Write + ?Sized>(w: &mut W, s: &str, quotes: bool) -> fmt::Result {
    // Most values need no escape: look at every byte without stopping early (so the check
    // vectorizes) and write the value whole.
    let special = s.bytes().fold(false, |any, b| {
        any | (b == b'\\') | (b == b'\n') | (quotes & (b == b'"'))
    });
    if !special {
        return w.write_str(s);
    }
    let mut start = 0;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        let rep = match b {
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'"' if quotes => "\\\"",
            _ => continue,
        };
        // `i` is at an ASCII byte, so both cuts are on character boundaries.
        w.write_str(s.get(start..i).ok_or(fmt::Error)?)?;
        w.write_str(rep)?;
        start = i + 1;
    }
    w.write_str(s.get(start..).ok_or(fmt::Error)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_too_long_for_the_stack_fails_instead_of_truncating() {
        let mut long: heapless::String<{ PREFIX + 1 }> = heapless::String::new();
        while long.push('x').is_ok() {}
        let mut prefix = Prefix::new();
        assert!(prefix.write_str(&long).is_err());
        assert!(prefix.write_str(&long[1..]).is_ok());
    }

    crate::buckets!(Twenty: [f64; 20] = crate::linear_buckets(0.5, 0.5));
    crate::buckets!(Ints: u64 = [1, 2]);

    /// Encodes `r` both ways (in place into a buffer, and through `fmt::Write`), checks that
    /// they agree, and returns the document.
    fn both_ways<const N: usize>(
        r: &crate::Registry<'_, N>,
        f: crate::Format,
    ) -> std::string::String {
        let mut buf = std::vec![0u8; 1 << 16];
        let n = r.encode(f, &mut buf).unwrap();
        let mut s = std::string::String::new();
        r.encode_to(f, &mut s).unwrap();
        assert_eq!(core::str::from_utf8(&buf[..n]).unwrap(), s);
        s
    }

    extern crate std;

    #[test]
    fn long_labels_and_many_bounds_take_the_slow_paths_with_the_same_output() {
        use crate::{Buckets, Family, Format, Histogram, Registry};
        let long: std::string::String = "v\"".repeat(100);
        let f: Family<Histogram<Twenty>, 1, 2, 255> = Family::new("h", "h", ["k"]);
        f.labels([long.as_str()]).unwrap().observe(3.2).unwrap();
        f.labels(["short"]).unwrap().observe(30.0).unwrap();
        let mut r: Registry<'_, 1> = Registry::new().with_const_labels(&[("c", "1")]).unwrap();
        r.register(&f).unwrap();
        for format in [Format::Prometheus, Format::OpenMetrics] {
            let doc = both_ways(&r, format);
            let escaped = "v\\\"".repeat(100);
            for bound in Twenty::BOUNDS {
                let mut le: heapless::String<32> = heapless::String::new();
                crate::number::write_f64(&mut le, *bound).unwrap();
                let want = u8::from(*bound >= 3.2);
                let line = std::format!("h_bucket{{c=\"1\",k=\"{escaped}\",le=\"{le}\"}} {want}\n");
                assert!(doc.contains(&line), "{line}");
                let line = std::format!("h_bucket{{c=\"1\",k=\"short\",le=\"{le}\"}} 0\n");
                assert!(doc.contains(&line), "{line}");
            }
            assert!(doc.contains(&std::format!(
                "h_bucket{{c=\"1\",k=\"{escaped}\",le=\"+Inf\"}} 1\n"
            )));
            assert!(doc.contains("h_bucket{c=\"1\",k=\"short\",le=\"+Inf\"} 1\n"));
        }
    }

    #[test]
    fn bucket_strings_follow_each_family_s_own_bounds() {
        use crate::{Family, Format, Histogram, Metric, Registry};
        let a: Metric<Histogram> = Metric::new("a", "a");
        let b: Family<Histogram<Ints>, 1, 2> = Family::new("b", "b", ["x"]);
        let c: Metric<Histogram> = Metric::new("c", "c");
        b.labels(["y"]).unwrap().observe(2).unwrap();
        let mut r: Registry<'_, 3> = Registry::new().with_namespace("ns").unwrap();
        r.register(&a).unwrap();
        r.register(&b).unwrap();
        r.register(&c).unwrap();
        let doc = both_ways(&r, Format::Prometheus);
        assert!(doc.contains("ns_a_bucket{le=\"0.005\"} 0\nns_a_bucket{le=\"0.01\"} 0\n"));
        assert!(
            doc.contains("ns_b_bucket{x=\"y\",le=\"1.0\"} 0\nns_b_bucket{x=\"y\",le=\"2.0\"} 1\n")
        );
        assert!(doc.contains("ns_c_bucket{le=\"10.0\"} 0\nns_c_bucket{le=\"+Inf\"} 0\n"));
    }

    #[test]
    fn escapes() {
        let mut s: heapless::String<64> = heapless::String::new();
        escaped(&mut s, "plain-value_1", true).unwrap();
        assert_eq!(s, "plain-value_1");
        s.clear();
        escaped(&mut s, "a\\b\"c\nd é", true).unwrap();
        assert_eq!(s, "a\\\\b\\\"c\\nd é");
        s.clear();
        escaped(&mut s, "q\"\\", false).unwrap();
        assert_eq!(s, "q\"\\\\");
    }
}
