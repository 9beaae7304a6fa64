//! Exemplars in the protobuf exposition: `Counter.exemplar` (2) and `Bucket.exemplar` (3),
//! each an `io.prometheus.client.Exemplar` of `label`s, `value` (a double) and `timestamp`.
//!
//! Reached only from the exemplar methods of the format's `Syntax`, which only the metric types
//! that keep exemplars call: a firmware without them links none of this.

use core::time::Duration;

use super::fields::*;
use super::message::METRIC;
use crate::encode::exemplar::{BucketExemplars, ExemplarRef};
use crate::encode::name_parts::{one, Val};
use crate::encode::value::sealed::WriteValue;
use crate::encode::wire::{field_len, varint_len, Head};
use crate::encode::Encoder;
use crate::name::MetricType;

/// The body of a `google.protobuf.Timestamp` (zeros left out, as `pb_timestamp` writes it).
fn timestamp_len(at: Duration) -> usize {
    let len = |v: u64| if v == 0 { 0 } else { 1 + varint_len(v) };
    len(at.as_secs()) + len(u64::from(at.subsec_nanos()))
}

/// The body of an `Exemplar` message.
fn exemplar_len<V>(ex: &ExemplarRef<'_, V>) -> usize {
    let labels: usize = ex
        .pairs()
        .map(|(n, v)| field_len(field_len(n.len()) + field_len(v.len())))
        .sum();
    labels + 9 + ex.timestamp.map_or(0, |at| field_len(timestamp_len(at)))
}

impl Encoder<'_> {
    /// An `Exemplar` message as the field `tag`.
    fn pb_exemplar<V: WriteValue>(&mut self, tag: u8, ex: &ExemplarRef<'_, V>) {
        let mut h = Head::<11>::new();
        h.field(tag, exemplar_len(ex));
        self.pb_put(h.bytes());
        for (name, value) in ex.pairs() {
            // `Exemplar.label` has the tag of `Metric.label` (1, length-delimited).
            self.pb_label(&one(name), Val::Parts(one(value)));
        }
        self.pb_double(EXEMPLAR_VALUE, ex.value.to_f64());
        if let Some(at) = ex.timestamp {
            self.pb_timestamp(EXEMPLAR_TIMESTAMP, at.as_secs(), at.subsec_nanos());
        }
    }

    /// A `Histogram.bucket` with its exemplar.
    fn pb_bucket_exemplar<V: WriteValue>(
        &mut self,
        bound: f64,
        count: u64,
        ex: &ExemplarRef<'_, V>,
    ) {
        let body = 1 + varint_len(count) + 9 + field_len(exemplar_len(ex));
        let mut h = Head::<32>::new();
        h.field(HISTOGRAM_BUCKET, body);
        h.push(&[BUCKET_COUNT]);
        h.varint(count);
        h.push(&[BUCKET_BOUND]);
        h.push(&bound.to_bits().to_le_bytes());
        self.pb_put(h.bytes());
        self.pb_exemplar(BUCKET_EXEMPLAR, ex);
    }
}

/// A counter's `_total` sample written (its `Counter.value`): its exemplar after it.
pub(super) fn counter_exemplar<V: WriteValue>(
    enc: &mut Encoder<'_>,
    suffix: &str,
    ex: &ExemplarRef<'_, V>,
) {
    if enc.pb.ty == MetricType::Counter && suffix == "_total" && enc.pb.is_open(METRIC) {
        enc.pb_exemplar(COUNTER_EXEMPLAR, ex);
    }
}

/// A histogram's buckets with their exemplars, and its `sample_count` (the `+Inf` bucket's).
pub(super) fn buckets_exemplars<V: WriteValue>(
    enc: &mut Encoder<'_>,
    bounds: &'static [V],
    cumulative: &mut dyn FnMut() -> Option<u64>,
    exemplars: BucketExemplars<'_, V>,
) {
    let open = enc.pb.is_open(METRIC) && enc.pb.ty == MetricType::Histogram;
    let (mut i, mut count) = (0, None);
    while let Some(c) = cumulative() {
        if open {
            let bound = bounds.get(i).map_or(f64::INFINITY, |b| b.to_f64());
            enc.pb_value_msg();
            let mut written = false;
            exemplars(i, &mut |ex| {
                enc.pb_bucket_exemplar(bound, c, ex);
                written = true;
            });
            if !written {
                enc.pb_bucket(bound, c);
            }
        }
        count = Some(c);
        i += 1;
    }
    if let (true, Some(c)) = (open, count) {
        enc.pb_varint(SAMPLE_COUNT, c);
        enc.pb.count_written = true;
    }
}
