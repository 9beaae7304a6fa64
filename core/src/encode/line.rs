//! The name and label rules every line follows, written once for both outputs of an
//! encoder (a byte buffer written in place, or any `fmt::Write`), and the `_bucket` lines of
//! histograms, which reuse what a buffer already holds.
//!
//! Nothing here returns an error: a failing writer is remembered by [`Out`], and the
//! encoder's public methods report it (which spares a test and a branch after every write).

#[cfg(edgeprom_small_code)]
use portable_atomic::Ordering;

use super::{Encoder, Labels, Out, Value};
use crate::name::Desc;
use crate::number::put_u64;

impl Encoder<'_> {
    /// `namespace_` (when there is one), the family name and `suffix`.
    fn name(&mut self, desc: &Desc<'_>, suffix: &str) {
        if !self.namespace.is_empty() {
            self.out.put(self.namespace);
            self.out.put("_");
        }
        self.out.put(desc.name());
        self.out.put(suffix);
    }

    /// A metadata line: `key`, the name with `suffix`, a space, `text` escaped (`"` too when
    /// `quotes`), a newline.
    pub(super) fn meta(
        &mut self,
        key: &str,
        desc: &Desc<'_>,
        suffix: &str,
        text: &str,
        quotes: bool,
    ) {
        self.out.put(key);
        self.name(desc, suffix);
        self.out.put(" ");
        escaped(&mut self.out, Value::Str(text), quotes);
        self.out.put("\n");
    }

    /// `,name="value"`, or `{name="value"` for the first pair.
    fn pair(&mut self, first: &mut bool, name: &str, value: Value<'_>) {
        self.out.put(if *first { "{" } else { "," });
        *first = false;
        self.out.put(name);
        self.out.put("=\"");
        escaped(&mut self.out, value, true);
        self.out.put("\"");
    }

    /// The name with `suffix`, then `{` and the constant labels, `labels` and `extra`,
    /// comma-separated, leaving the brace open. Returns whether no label was written.
    fn name_and_labels(
        &mut self,
        desc: &Desc<'_>,
        suffix: &str,
        labels: &Labels<'_>,
        extra: Option<&(&str, &str)>,
    ) -> bool {
        self.name(desc, suffix);
        let mut first = true;
        for (name, value) in self.const_labels {
            self.pair(&mut first, name, Value::Str(value));
        }
        let mut i = 0;
        while let Some((name, value)) = labels.get(i) {
            self.pair(&mut first, name, value);
            i += 1;
        }
        if let Some(&(name, value)) = extra {
            self.pair(&mut first, name, Value::Str(value));
        }
        first
    }

    /// A sample line up to its value: name, labels, the space before the value.
    pub(super) fn head(
        &mut self,
        desc: &Desc<'_>,
        suffix: &str,
        labels: &Labels<'_>,
        extra: Option<&(&str, &str)>,
    ) {
        let none = self.name_and_labels(desc, suffix, labels, extra);
        self.out.put(if none { " " } else { "} " });
    }

    /// A state set's sample line up to its value: `<name>{...,<name>="<state>"} `.
    pub(super) fn state_head(&mut self, desc: &Desc<'_>, labels: &Labels<'_>, state: &str) {
        let none = self.name_and_labels(desc, "", labels, None);
        self.out.put(if none { "{" } else { "," });
        self.name(desc, "");
        self.out.put("=\"");
        escaped(&mut self.out, Value::Str(state), true);
        self.out.put("\"} ");
    }

    /// What the `_bucket` lines of one histogram series start with: the name, the labels
    /// and `le="`.
    fn bucket_prefix(&mut self, desc: &Desc<'_>, labels: &Labels<'_>) {
        let none = self.name_and_labels(desc, "_bucket", labels, None);
        self.out.put(if none { "{le=\"" } else { ",le=\"" });
    }

    /// The `_bucket` lines of one series: `le(i, out)` writes the `i`th bound (`+Inf` past
    /// the last), `cumulative` yields the counts. On a host, the prefix of the first line is
    /// copied for the others (from the buffer, or from the stack for other writers), and
    /// with a `key` (float bounds) the `le` strings are formatted once for every series with
    /// the same bounds. Bare metal writes every line in full: less code, which counts more
    /// there.
    pub(super) fn buckets(
        &mut self,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        key: Option<(usize, usize)>,
        le: &dyn Fn(usize, &mut Out<'_>),
        cumulative: &mut dyn FnMut() -> Option<u64>,
    ) {
        let reuse = cfg!(not(edgeprom_small_code));
        let start = self.out.pos().filter(|_| reuse);
        self.bucket_prefix(desc, labels);
        let prefix = start.zip(self.out.pos()).map(|(s, e)| (s, e - s));
        #[cfg(not(edgeprom_small_code))]
        let mut text: heapless::String<128> = heapless::String::new();
        #[cfg(not(edgeprom_small_code))]
        let stacked = prefix.is_none() && {
            let (ns, labels_) = (self.namespace, self.const_labels);
            let mut tmp = Encoder::with_out(Out::new(&mut text), self.format, ns, labels_, false);
            tmp.bucket_prefix(desc, labels);
            tmp.out.status().is_ok()
        };
        #[cfg(not(edgeprom_small_code))]
        let cached = key.is_some_and(|key| self.le.prepare(key, le));
        #[cfg(edgeprom_small_code)]
        let cached = {
            let _ = key;
            false
        };
        let mut i = 0;
        while let Some(count) = cumulative() {
            if i > 0 {
                match (&mut self.out, prefix) {
                    (Out::Slice(w), Some((at, len))) => w.repeat(at, len),
                    #[cfg(not(edgeprom_small_code))]
                    (out, _) if stacked => out.put(&text),
                    _ => self.bucket_prefix(desc, labels),
                }
            }
            match cached {
                #[cfg(not(edgeprom_small_code))]
                true => match self.le.get(i) {
                    Some(s) => self.out.put(s),
                    None => le(i, &mut self.out),
                },
                _ => le(i, &mut self.out),
            }
            self.out.put("\"} ");
            put_u64(&mut self.out, count);
            self.out.put("\n");
            i += 1;
        }
    }
}

/// Writes a label value, help text or state name escaping `\` and newline, and `"` too when
/// `quotes` is set.
#[cfg_attr(not(edgeprom_small_code), inline)]
pub(crate) fn escaped(out: &mut Out<'_>, value: Value<'_>, quotes: bool) {
    // A host copies the runs between escapes as they are (its unit tests take the bare-metal
    // way, which the integration tests then compare with this one). Off bare metal, label
    // values are always strings.
    #[cfg(not(any(edgeprom_small_code, test)))]
    {
        let Value::Str(s) = value;
        escaped_runs(out, s, quotes);
    }
    #[cfg(any(edgeprom_small_code, test))]
    escaped_bytes(out, value, quotes);
}

/// [`escaped`] on a host: the runs between escapes copied as they are.
#[cfg(not(any(edgeprom_small_code, test)))]
#[inline]
fn escaped_runs(out: &mut Out<'_>, s: &str, quotes: bool) {
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'"' if quotes => "\\\"",
            _ => continue,
        };
        // `i` is at an ASCII byte, so both cuts are on character boundaries.
        out.put(s.get(start..i).unwrap_or_default());
        out.put(rep);
        start = i + 1;
    }
    out.put(s.get(start..).unwrap_or_default());
}

/// [`escaped`] on bare metal (and in the host's unit tests): byte by byte, which also serves
/// the bytes a family stores there.
#[cfg(any(edgeprom_small_code, test))]
fn escaped_bytes(out: &mut Out<'_>, value: Value<'_>, quotes: bool) {
    // As they are into a buffer, decoded (they are UTF-8) for a writer of characters.
    let len = match value {
        Value::Str(s) => s.len(),
        #[cfg(edgeprom_small_code)]
        Value::Stored(bytes) => bytes.len(),
    };
    // The code point being decoded, and how many bytes it lacks.
    let (mut c, mut lacks) = (0u32, 0u32);
    for i in 0..len {
        let b = match value {
            Value::Str(s) => s.as_bytes().get(i).copied(),
            #[cfg(edgeprom_small_code)]
            Value::Stored(bytes) => bytes.get(i).map(|b| b.load(Ordering::Relaxed)),
        }
        .unwrap_or_default();
        let rep = match b {
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'"' if quotes => "\\\"",
            _ => "",
        };
        match out {
            _ if !rep.is_empty() => out.put(rep),
            Out::Slice(w) => w.put_byte(b),
            Out::Dyn(w, failed) => {
                (c, lacks) = match (b, lacks) {
                    (0..0x80, _) => (u32::from(b), 0),
                    (0xc0..0xe0, _) => (u32::from(b & 0x1f), 1),
                    (0xe0..0xf0, _) => (u32::from(b & 0x0f), 2),
                    (0xf0.., _) => (u32::from(b & 0x07), 3),
                    (_, n) => ((c << 6) | u32::from(b & 0x3f), n.saturating_sub(1)),
                };
                if lacks == 0 && !*failed {
                    let ch = char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER);
                    *failed = w.write_char(ch).is_err();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use core::fmt;

    use super::*;

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

    /// Every point of a document in a normal run; every 37th under Miri, which is slow.
    const MIRI_STEP: usize = if cfg!(miri) { 37 } else { 1 };

    #[test]
    fn every_truncation_reports_the_size_of_the_whole_document() {
        use crate::{Family, Format, Histogram, Registry};
        let f: Family<Histogram, 1, 4, 16> = Family::new("h", "h", ["k"]);
        let g: Family<Histogram<Ints>, 1, 4, 16> = Family::new("g", "g", ["k"]);
        for k in ["a", "bb", "c\"c", "ü€𝄞\\\n"] {
            f.labels([k]).unwrap().observe(0.3).unwrap();
            g.labels([k]).unwrap().observe(2).unwrap();
        }
        let mut r: Registry<'_, 2> = Registry::new();
        r.register(&f).unwrap();
        r.register(&g).unwrap();
        for format in [Format::Prometheus, Format::OpenMetrics] {
            let doc = both_ways(&r, format);
            // Every length; under Miri, which interprets each encode, a spread of them.
            for short in (0..doc.len()).step_by(MIRI_STEP) {
                let mut buf = std::vec![0u8; short];
                assert_eq!(
                    r.encode(format, &mut buf),
                    Err(crate::EncodeError::BufferTooSmall { needed: doc.len() })
                );
            }
        }
    }

    #[test]
    fn a_writer_failing_anywhere_fails_the_encoding() {
        use crate::{Counter, Family, Format, Gauge, Histogram, Metric, Registry};
        /// Accepts `left` bytes, then fails.
        struct Failing {
            left: usize,
        }
        impl fmt::Write for Failing {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                self.left = self.left.checked_sub(s.len()).ok_or(fmt::Error)?;
                Ok(())
            }
        }
        let c: Metric<Counter> = Metric::new("c", "c");
        let g: Metric<Gauge> = Metric::new("g", "g");
        let h: Family<Histogram<Ints>, 1, 2> = Family::new("h", "h", ["k"]);
        c.set_created(core::time::Duration::new(5, 5));
        g.set(0.25);
        h.labels(["x"]).unwrap().observe(2).unwrap();
        let mut r: Registry<'_, 3> = Registry::new();
        r.register(&c).unwrap();
        r.register(&g).unwrap();
        r.register(&h).unwrap();
        for format in [Format::Prometheus, Format::OpenMetrics] {
            let len = both_ways(&r, format).len();
            for left in (0..len).step_by(MIRI_STEP) {
                assert_eq!(r.encode_to(format, &mut Failing { left }), Err(fmt::Error));
            }
            assert_eq!(r.encode_to(format, &mut Failing { left: len }), Ok(()));
        }
    }

    #[test]
    fn escapes() {
        let mut s: heapless::String<64> = heapless::String::new();
        let mut esc = |v: &str, quotes: bool| {
            s.clear();
            escaped(&mut Out::new(&mut s), Value::Str(v), quotes);
            s.clone()
        };
        assert_eq!(esc("plain-value_1", true), "plain-value_1");
        assert_eq!(esc("a\\b\"c\nd é", true), "a\\\\b\\\"c\\nd é");
        assert_eq!(esc("q\"\\", false), "q\"\\\\");
    }
}
