//! A native histogram's fields in the open `Histogram` message: `schema`, `zero_threshold`,
//! `zero_count`, and per sign its spans and delta-encoded counts, laid out as client_golang's
//! `makeBuckets` lays them out.

use super::fields::*;
use super::message::METRIC;
use crate::encode::native_spans::{delta, span_field, walk, zigzag};
use crate::encode::{Encoder, NativeBuckets};
use crate::name::MetricType;

impl Encoder<'_> {
    /// A `BucketSpan` field.
    fn pb_span(&mut self, tag: u8, offset: i32, len: u32) {
        self.pb_put(span_field(tag, offset, len).bytes());
    }

    /// One sign's spans, then its deltas; whether it had a span.
    fn pb_native_side(
        &mut self,
        (span_tag, delta_tag): (u8, u8),
        (first, counts): (i32, &[u64]),
    ) -> bool {
        let mut any = false;
        walk(
            first,
            counts,
            &mut |offset, len| {
                self.pb_span(span_tag, offset, len);
                any = true;
            },
            &mut |_| {},
        );
        let mut prev = 0u64;
        walk(first, counts, &mut |_, _| {}, &mut |c| {
            self.pb_varint(delta_tag, delta(prev, c));
            prev = c;
        });
        any
    }
}

/// The native fields of the open histogram `Metric` (the protobuf exposition has native
/// histograms, so no classic `+Inf` bucket is written for them).
pub(super) fn write_native(enc: &mut Encoder<'_>, b: &NativeBuckets<'_>) {
    if !(enc.pb.is_open(METRIC) && enc.pb.ty == MetricType::Histogram) {
        return;
    }
    enc.pb_value_msg();
    enc.pb_varint(SCHEMA, zigzag(i64::from(b.schema)));
    enc.pb_double(ZERO_THRESHOLD, b.zero_threshold);
    enc.pb_varint(ZERO_COUNT, b.zero_count);
    let neg = enc.pb_native_side((NEGATIVE_SPAN, NEGATIVE_DELTA), b.negative);
    let pos = enc.pb_native_side((POSITIVE_SPAN, POSITIVE_DELTA), b.positive);
    if !neg && !pos {
        // No bucket yet: an empty span marks the histogram native (client_golang does the same
        // when the zero threshold and count are zero too).
        enc.pb_span(POSITIVE_SPAN, 0, 0);
    }
}
