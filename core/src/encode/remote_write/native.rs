//! A native histogram series in remote write: one `TimeSeries` named after the family (no
//! suffix) with one `Histogram` (`prompb/types.proto`): `count_int`, `sum`, `schema`,
//! `zero_threshold`, `zero_count_int`, per sign spans and packed delta-encoded counts (laid
//! out as the protobuf exposition lays them out, [`native_spans`](crate::encode::native_spans)),
//! and the request's timestamp. No reset hint (`UNKNOWN`: Prometheus detects resets itself).

use super::wire::{field_len, varint_len};
use super::{Encoder, Fns, Wire};
use crate::encode::native_spans::{delta, span_field, walk, zigzag};
use crate::encode::wire::Head;
use crate::encode::{Labels, NativeBuckets};
use crate::name::Desc;

/// `TimeSeries.histograms` (4, length-delimited).
const HISTOGRAMS: u8 = 0x22;
/// `Histogram.count_int` (1, varint).
const COUNT_INT: u8 = 0x08;
/// `Histogram.sum` (3, double).
const SUM: u8 = 0x19;
/// `Histogram.schema` (4, sint32).
const SCHEMA: u8 = 0x20;
/// `Histogram.zero_threshold` (5, double).
const ZERO_THRESHOLD: u8 = 0x29;
/// `Histogram.zero_count_int` (6, varint).
const ZERO_COUNT_INT: u8 = 0x30;
/// `Histogram.negative_spans` (8), `negative_deltas` (9, packed sint64).
const NEGATIVE: (u8, u8) = (0x42, 0x4a);
/// `Histogram.positive_spans` (11), `positive_deltas` (12, packed sint64).
const POSITIVE: (u8, u8) = (0x5a, 0x62);
/// `Histogram.timestamp` (15, varint).
const TIMESTAMP: u8 = 0x78;

/// One sign's bytes: its span fields in all, and the packed deltas' body.
fn side_len(first: i32, counts: &[u64]) -> (usize, usize) {
    let (mut spans, mut deltas, mut prev) = (0, 0, 0);
    walk(
        first,
        counts,
        &mut |offset, len| spans += span_field(0, offset, len).bytes().len(),
        &mut |c| {
            deltas += varint_len(delta(prev, c));
            prev = c;
        },
    );
    (spans, deltas)
}

/// The packed deltas' field length: none without buckets.
fn packed_len(deltas: usize) -> usize {
    if deltas == 0 {
        0
    } else {
        field_len(deltas)
    }
}

/// The body of the fields before the buckets, after them, and the `Histogram`'s body length.
fn histogram_len(b: &NativeBuckets<'_>, timestamp_ms: u64) -> usize {
    let mut len = 1 + varint_len(b.count) + 9; // count, sum
    len += 1 + varint_len(zigzag(i64::from(b.schema))) + 9; // schema, zero threshold
    len += 1 + varint_len(b.zero_count);
    for (first, counts) in [b.negative, b.positive] {
        let (spans, deltas) = side_len(first, counts);
        len += spans + packed_len(deltas);
    }
    len + 1 + varint_len(timestamp_ms)
}

/// One sign's spans, then its packed deltas.
fn write_side(
    w: &mut Wire<'_, '_>,
    (span_tag, delta_tag): (u8, u8),
    (first, counts): (i32, &[u64]),
) {
    walk(
        first,
        counts,
        &mut |offset, len| w.put(span_field(span_tag, offset, len).bytes()),
        &mut |_| {},
    );
    let (_, deltas) = side_len(first, counts);
    if deltas == 0 {
        return;
    }
    w.head(delta_tag, deltas);
    let mut prev = 0;
    walk(first, counts, &mut |_, _| {}, &mut |c| {
        w.varint(delta(prev, c), 0);
        prev = c;
    });
}

/// The `Histogram` field of `body` bytes.
fn write_histogram(w: &mut Wire<'_, '_>, body: usize, b: &NativeBuckets<'_>, sum: f64, ts: u64) {
    let mut h = Head::<48>::new();
    h.field(HISTOGRAMS, body);
    h.push(&[COUNT_INT]);
    h.varint(b.count);
    h.push(&[SUM]);
    h.push(&sum.to_bits().to_le_bytes());
    h.push(&[SCHEMA]);
    h.varint(zigzag(i64::from(b.schema)));
    h.push(&[ZERO_THRESHOLD]);
    h.push(&b.zero_threshold.to_bits().to_le_bytes());
    h.push(&[ZERO_COUNT_INT]);
    h.varint(b.zero_count);
    w.put(h.bytes());
    write_side(w, NEGATIVE, b.negative);
    write_side(w, POSITIVE, b.positive);
    let mut t = Head::<11>::new();
    t.push(&[TIMESTAMP]);
    t.varint(ts);
    w.put(t.bytes());
}

/// A native histogram series (whose observations add up to `sum`) as one `TimeSeries`, if it
/// fits (see `Pass::fits`): the labels through the table's `series_with` (linked by every
/// remote write encoder), the `Histogram` here (linked only where a native histogram is
/// encoded).
pub(super) fn write(
    enc: &mut Encoder<'_>,
    f: &Fns,
    desc: &Desc<'_>,
    labels: &Labels<'_>,
    b: &NativeBuckets<'_>,
    sum: f64,
) {
    let ts = enc.rw.timestamp_ms;
    let body = histogram_len(b, ts);
    (f.series_with)(enc, desc, labels, field_len(body), &mut |w| {
        write_histogram(w, body, b, sum, ts)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_of_sides() {
        // Buckets 1, 2 and 6: spans (1, 2) and (3, 1); deltas 3, -2, 4.
        let counts = [3, 1, 0, 0, 0, 5];
        assert_eq!(side_len(1, &counts), (12, 3));
        assert_eq!(side_len(0, &[0, 0]), (0, 0));
        assert_eq!((packed_len(0), packed_len(3)), (0, 5));
    }
}
