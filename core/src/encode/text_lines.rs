//! The lines of the text formats (Prometheus text 0.0.4 and OpenMetrics 1.0.0 share them):
//! names with the namespace, label sets with the constant labels, escaping, sample lines up
//! to their value, metadata lines. Each format's file uses these for what its
//! [`Dialect`](super::syntax::Dialect) writes, and [`TextLines`] is the
//! [`Syntax`] they share.
//!
//! Nothing here returns an error: a failing writer is remembered by [`Out`], and the
//! encoder's public methods report it (which spares a test and a branch after every write).

use core::time::Duration;

use super::digits::{put_timestamp, put_u64};
use super::escaping::{is_legacy, EscapeName};
use super::exemplar::{BucketExemplars, ExemplarRef};
use super::label_value::{escaped, LabelValue};
use super::out::Out;
use super::syntax::Syntax;
use super::value::sealed::WriteValue;
use super::value::SampleValue;
use super::{Encoder, Labels};
use crate::name::Desc;

/// The [`Syntax`] of every text format: a sample is one line.
pub(crate) struct TextLines;

impl Syntax for TextLines {
    fn sample<V: WriteValue>(
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        suffix: &str,
        labels: &Labels<'_>,
        extra: Option<&(&str, &str)>,
        value: V,
    ) {
        enc.head(desc, suffix, labels, extra);
        value.put(&mut enc.out);
        enc.out.put("\n");
    }

    fn sample_value(
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        suffix: &str,
        labels: &Labels<'_>,
        extra: Option<&(&str, &str)>,
        value: SampleValue,
    ) {
        enc.head(desc, suffix, labels, extra);
        value.put(&mut enc.out);
        enc.out.put("\n");
    }

    fn state_sample<V: WriteValue>(
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        state: &str,
        value: V,
    ) {
        enc.state_head(desc, labels, state);
        value.put(&mut enc.out);
        enc.out.put("\n");
    }

    fn created_sample(enc: &mut Encoder<'_>, desc: &Desc<'_>, labels: &Labels<'_>, at: Duration) {
        enc.head(desc, "_created", labels, None);
        put_timestamp(&mut enc.out, at);
        enc.out.put("\n");
    }

    fn bucket_samples<V: WriteValue>(
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        bounds: &'static [V],
        cumulative: &mut dyn FnMut() -> Option<u64>,
    ) {
        let le = |i: usize, out: &mut Out<'_>| match bounds.get(i) {
            Some(b) => b.put_canonical(out),
            None => out.put("+Inf"),
        };
        // Integer bounds are cheap to format: no caching, and no caching code linked.
        let key = V::FLOAT.then_some((bounds.as_ptr() as usize, bounds.len()));
        enc.bucket_lines(desc, labels, key, &le, cumulative);
    }

    fn sample_exemplar<V: WriteValue>(
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        suffix: &str,
        labels: &Labels<'_>,
        value: V,
        exemplar: &ExemplarRef<'_, V>,
    ) {
        enc.head(desc, suffix, labels, None);
        value.put(&mut enc.out);
        if enc.text_exemplars() {
            enc.exemplar_text(exemplar);
        }
        enc.out.put("\n");
    }

    fn bucket_samples_exemplars<V: WriteValue>(
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        bounds: &'static [V],
        cumulative: &mut dyn FnMut() -> Option<u64>,
        exemplars: BucketExemplars<'_, V>,
    ) {
        if !enc.text_exemplars() {
            return Self::bucket_samples(enc, desc, labels, bounds, cumulative);
        }
        // Every line in full: the exemplars make them differ past the count anyway.
        let mut i = 0;
        while let Some(count) = cumulative() {
            enc.bucket_prefix(desc, labels);
            match bounds.get(i) {
                Some(b) => b.put_canonical(&mut enc.out),
                None => enc.out.put("+Inf"),
            }
            enc.out.put("\"} ");
            put_u64(&mut enc.out, count);
            exemplars(i, &mut |ex| enc.exemplar_text(ex));
            enc.out.put("\n");
            i += 1;
        }
    }
}

impl Encoder<'_> {
    /// Whether `desc`'s name is outside the legacy character set (so written quoted or
    /// escaped); only a family that opted into UTF-8 names has such a name.
    fn utf8_name(desc: &Desc<'_>) -> bool {
        desc.utf8() && !is_legacy(desc.name(), true)
    }

    /// Whether `desc`'s name is written quoted (`{"my.metric"}`) rather than escaped.
    fn quoted(&self, desc: &Desc<'_>) -> bool {
        self.quote_utf8 && Self::utf8_name(desc)
    }

    /// `namespace_name`, escaped by the encoder's scheme as one name (a metric name when
    /// `colons`, else a label name), without its suffix.
    fn escaped_name(&mut self, desc: &Desc<'_>, colons: bool) {
        let (scheme, namespace) = (self.escaping, self.namespace);
        let out = &mut self.out;
        let mut put = |s: &str| out.put(s);
        let mut name = EscapeName::start(scheme, colons, &mut put);
        if !namespace.is_empty() {
            name.piece(namespace, &mut put);
            name.piece("_", &mut put);
        }
        name.piece(desc.name(), &mut put);
    }

    /// `"namespace_name<suffix>"`, with `\`, `"` and newline escaped.
    fn quoted_name(&mut self, desc: &Desc<'_>, suffix: &str) {
        self.out.put("\"");
        if !self.namespace.is_empty() {
            self.out.put(self.namespace);
            self.out.put("_");
        }
        escaped(&mut self.out, LabelValue::str(desc.name()), true);
        self.out.put(suffix);
        self.out.put("\"");
    }

    /// `namespace_` (when there is one), the family name and `suffix`; a name outside the
    /// legacy character set escaped (the callers quote it where it is quoted).
    pub(super) fn name(&mut self, desc: &Desc<'_>, suffix: &str) {
        if Self::utf8_name(desc) {
            self.escaped_name(desc, true);
        } else {
            if !self.namespace.is_empty() {
                self.out.put(self.namespace);
                self.out.put("_");
            }
            self.out.put(desc.name());
        }
        self.out.put(suffix);
    }

    /// A metadata line: `key`, the name with `suffix` (quoted when it is), a space, `text`
    /// escaped (`"` too when `quotes`), a newline.
    pub(super) fn meta(
        &mut self,
        key: &str,
        desc: &Desc<'_>,
        suffix: &str,
        text: &str,
        quotes: bool,
    ) {
        self.out.put(key);
        if self.quoted(desc) {
            self.quoted_name(desc, suffix);
        } else {
            self.name(desc, suffix);
        }
        self.out.put(" ");
        escaped(&mut self.out, LabelValue::str(text), quotes);
        self.out.put("\n");
    }

    /// A label name: as it is, or when `utf8` allows it to be outside the legacy character
    /// set and it is, quoted or escaped.
    fn label_name(&mut self, name: &str, utf8: bool) {
        if !utf8 || is_legacy(name, false) {
            self.out.put(name);
        } else if self.quote_utf8 {
            self.out.put("\"");
            escaped(&mut self.out, LabelValue::str(name), true);
            self.out.put("\"");
        } else {
            let scheme = self.escaping;
            let out = &mut self.out;
            let mut put = |s: &str| out.put(s);
            EscapeName::start(scheme, false, &mut put).piece(name, &mut put);
        }
    }

    /// `,name="value"`, or `{name="value"` for the first pair; `utf8`: whether the name may
    /// be outside the legacy character set.
    fn pair(&mut self, first: &mut bool, name: &str, utf8: bool, value: LabelValue<'_>) {
        self.out.put(if *first { "{" } else { "," });
        *first = false;
        self.label_name(name, utf8);
        self.out.put("=\"");
        escaped(&mut self.out, value, true);
        self.out.put("\"");
    }

    /// The name with `suffix`, then `{` and the constant labels, `labels` and `extra`,
    /// comma-separated, leaving the brace open. Returns whether no label was written (nor a
    /// quoted name, which goes inside the braces).
    fn name_and_labels(
        &mut self,
        desc: &Desc<'_>,
        suffix: &str,
        labels: &Labels<'_>,
        extra: Option<&(&str, &str)>,
    ) -> bool {
        let mut first = true;
        if self.quoted(desc) {
            self.out.put("{");
            self.quoted_name(desc, suffix);
            first = false;
        } else {
            self.name(desc, suffix);
        }
        for (name, value) in self.const_labels {
            self.pair(&mut first, name, false, LabelValue::str(value));
        }
        let mut i = 0;
        while let Some((name, value)) = labels.get(i) {
            self.pair(&mut first, name, desc.utf8(), value);
            i += 1;
        }
        if let Some(&(name, value)) = extra {
            self.pair(&mut first, name, false, LabelValue::str(value));
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
        // The label named after the family is a label name: quoted or escaped as one.
        if !Self::utf8_name(desc) {
            self.name(desc, "");
        } else if self.quote_utf8 {
            self.quoted_name(desc, "");
        } else {
            self.escaped_name(desc, false);
        }
        self.out.put("=\"");
        escaped(&mut self.out, LabelValue::str(state), true);
        self.out.put("\"} ");
    }

    /// What the `_bucket` lines of one histogram series start with: the name, the labels
    /// and `le="`.
    pub(super) fn bucket_prefix(&mut self, desc: &Desc<'_>, labels: &Labels<'_>) {
        let none = self.name_and_labels(desc, "_bucket", labels, None);
        self.out.put(if none { "{le=\"" } else { ",le=\"" });
    }
}

#[cfg(test)]
mod tests {
    use core::fmt;

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
                crate::Number::write_canonical(*bound, &mut le).unwrap();
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
    const MIRI_STEP: usize = if cfg!(miri) { 211 } else { 1 };

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
}
