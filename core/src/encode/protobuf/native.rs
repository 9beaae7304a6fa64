//! A native histogram's fields in the open `Histogram` message: `schema`, `zero_threshold`,
//! `zero_count`, and per sign its spans and delta-encoded counts, laid out as client_golang's
//! `makeBuckets` lays them out.

use super::fields::*;
use super::message::METRIC;
use crate::encode::wire::{varint_len, Head};
use crate::encode::{Encoder, NativeBuckets};
use crate::name::MetricType;

const fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// Walks the buckets of one sign as spans: `span(offset, length)` for each (the first offset
/// the first index, the others the gap since the span before), `bucket(count)` for each
/// bucket in them. Runs of up to two empty buckets stay inside a span (a zero delta is
/// shorter than a new span), longer ones end it.
fn walk(first: i32, counts: &[u64], span: &mut dyn FnMut(i32, u32), bucket: &mut dyn FnMut(u64)) {
    let mut open: Option<(i32, u32)> = None;
    let mut last = first;
    for (i, &c) in (first..).zip(counts) {
        if c == 0 {
            continue;
        }
        open = match open {
            None => Some((i, 1)),
            Some((offset, len)) => {
                let gap = i - last - 1;
                if gap <= 2 {
                    for _ in 0..gap {
                        bucket(0);
                    }
                    Some((offset, len + gap as u32 + 1))
                } else {
                    span(offset, len);
                    Some((gap, 1))
                }
            }
        };
        bucket(c);
        last = i;
    }
    if let Some((offset, len)) = open {
        span(offset, len);
    }
}

impl Encoder<'_> {
    /// A `BucketSpan` field.
    fn pb_span(&mut self, tag: u8, offset: i32, len: u32) {
        let off = zigzag(i64::from(offset));
        let body = 2 + varint_len(off) + varint_len(u64::from(len));
        let mut h = Head::<24>::new();
        h.field(tag, body);
        h.push(&[SPAN_OFFSET]);
        h.varint(off);
        h.push(&[SPAN_LENGTH]);
        h.varint(u64::from(len));
        self.pb_put(h.bytes());
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
            self.pb_varint(delta_tag, zigzag(c.wrapping_sub(prev) as i64));
            prev = c;
        });
        any
    }
}

/// The native fields of the open histogram `Metric`; true (the protobuf exposition has native
/// histograms, so no classic `+Inf` bucket is written for them).
pub(super) fn write_native(enc: &mut Encoder<'_>, b: &NativeBuckets<'_>) -> bool {
    if !(enc.pb.is_open(METRIC) && enc.pb.ty == MetricType::Histogram) {
        return true;
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
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(first: i32, counts: &[u64]) -> (heapless::Vec<(i32, u32), 8>, heapless::Vec<u64, 16>) {
        let (mut s, mut b) = (heapless::Vec::new(), heapless::Vec::new());
        walk(
            first,
            counts,
            &mut |o, l| s.push((o, l)).unwrap(),
            &mut |c| b.push(c).unwrap(),
        );
        (s, b)
    }

    #[test]
    fn spans_as_client_golang() {
        // Buckets -2, -1, 3, 5, 6: a gap of three after -1 starts a span (offset 3, the
        // gap), the gap of one after 3 is filled with a zero.
        let (s, b) = spans(-3, &[0, 4, 1, 0, 0, 0, 2, 0, 5, 6]);
        assert_eq!(&s[..], &[(-2, 2), (3, 4)]);
        assert_eq!(&b[..], &[4, 1, 2, 0, 5, 6]);
        let (s, b) = spans(7, &[0, 0]);
        assert!(s.is_empty() && b.is_empty());
        let (s, _) = spans(0, &[1, 0, 0, 1]);
        assert_eq!(&s[..], &[(0, 4)], "two empty buckets stay in the span");
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(2), 4);
    }
}
