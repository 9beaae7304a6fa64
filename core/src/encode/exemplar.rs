//! Exemplars as the encoders see them: an [`ExemplarRef`] (a consistent copy of a series'
//! latest exemplar, read by the metric), the byte layout its labels are kept in, and how the
//! text formats write one (OpenMetrics only: ` # {trace_id="abc"} 1 1520879607.789` after
//! the sample's value). The protobuf exposition writes them in `protobuf/exemplar.rs`.
//!
//! Only the metric types that keep exemplars
//! ([`CounterWithExemplar`](crate::CounterWithExemplar),
//! [`HistogramWithExemplars`](crate::HistogramWithExemplars)) call the encoder methods that
//! take them, so a firmware without such a metric links none of this.

use core::time::Duration;

use super::digits::put_timestamp;
use super::label_value::{escaped, LabelValue};
use super::syntax::Kind;
use super::value::sealed::WriteValue;
use super::Encoder;

/// Ends a label name in an exemplar's stored labels: never a byte of UTF-8.
pub(crate) const NAME_END: u8 = 0xFF;
/// Ends a label value in an exemplar's stored labels: never a byte of UTF-8.
pub(crate) const VALUE_END: u8 = 0xFE;

/// The bytes `labels` take in the stored form: each name and value, and one end byte each.
pub(crate) fn stored_len(labels: &[(&str, &str)]) -> usize {
    labels.iter().map(|(n, v)| n.len() + v.len() + 2).sum()
}

/// One exemplar, read consistently: its labels in the stored form (`name`, [`NAME_END`],
/// `value`, [`VALUE_END`], for each label), its value (of the metric's value type) and its
/// timestamp.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExemplarRef<'a, V> {
    pub(crate) labels: &'a [u8],
    pub(crate) value: V,
    pub(crate) timestamp: Option<Duration>,
}

impl<'a, V> ExemplarRef<'a, V> {
    /// The labels, in the order they were given.
    pub(crate) fn pairs(&self) -> Pairs<'a> {
        Pairs(self.labels)
    }
}

/// The labels of an [`ExemplarRef`], decoded from the stored form.
#[derive(Debug, Clone)]
pub(crate) struct Pairs<'a>(&'a [u8]);

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        let n = self.0.iter().position(|&b| b == NAME_END)?;
        let (name, rest) = self.0.split_at_checked(n)?;
        let rest = rest.get(1..)?;
        let v = rest.iter().position(|&b| b == VALUE_END)?;
        let (value, rest) = rest.split_at_checked(v)?;
        self.0 = rest.get(1..)?;
        // Copied from `&str`s and read back whole (the sequence lock checked it): valid.
        Some((
            core::str::from_utf8(name).ok()?,
            core::str::from_utf8(value).ok()?,
        ))
    }
}

/// A visitor of a histogram's bucket exemplars: `exemplars(i, f)` calls `f` with the `i`th
/// bucket's (`+Inf` the last) if it has one that could be read.
pub(crate) type BucketExemplars<'a, V> = &'a dyn Fn(usize, &mut dyn FnMut(&ExemplarRef<'_, V>));

impl Encoder<'_> {
    /// Whether this format writes exemplars in its text lines (OpenMetrics only: Prometheus
    /// text 0.0.4 and 1.0.0 have no syntax for them).
    pub(super) fn text_exemplars(&self) -> bool {
        self.kind == Kind::OpenMetrics
    }

    /// ` # {name="value",...} value`, and ` timestamp` when it has one.
    pub(super) fn exemplar_text<V: WriteValue>(&mut self, ex: &ExemplarRef<'_, V>) {
        self.out.put(" # {");
        for (i, (name, value)) in ex.pairs().enumerate() {
            if i > 0 {
                self.out.put(",");
            }
            // Exemplar label names are legacy names (checked when stored): never quoted.
            self.out.put(name);
            self.out.put("=\"");
            escaped(&mut self.out, LabelValue::str(value), true);
            self.out.put("\"");
        }
        self.out.put("} ");
        ex.value.put(&mut self.out);
        if let Some(at) = ex.timestamp {
            self.out.put(" ");
            put_timestamp(&mut self.out, at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_decode_the_stored_form() {
        let stored = b"trace_id\xffabc\xfespan\xff\xc3\xa9\"\xfeempty\xff\xfe";
        let ex = ExemplarRef {
            labels: stored,
            value: 1u64,
            timestamp: None,
        };
        let got: heapless::Vec<(&str, &str), 4> = ex.pairs().collect();
        assert_eq!(
            &got[..],
            &[("trace_id", "abc"), ("span", "é\""), ("empty", "")]
        );
        assert_eq!(stored_len(&got), stored.len());
        let none = ExemplarRef {
            labels: b"",
            value: 1u64,
            timestamp: None,
        };
        assert_eq!(none.pairs().count(), 0);
    }
}
