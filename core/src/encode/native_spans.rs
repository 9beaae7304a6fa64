//! A native histogram's buckets of one sign as the protobuf formats lay them out (the
//! exposition's `Histogram` and remote write's): spans of consecutive buckets and
//! delta-encoded counts, as client_golang's `makeBuckets` makes them. Shared by the protobuf
//! exposition and remote write.

use super::wire::{varint_len, Head};

/// `BucketSpan.offset` (1, `sint32`), in both formats.
const SPAN_OFFSET: u8 = 0x08;
/// `BucketSpan.length` (2, `uint32`), in both formats.
const SPAN_LENGTH: u8 = 0x10;

/// `v` as a `sint32`/`sint64` is sent.
pub(crate) const fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// A bucket's delta to the one before it (`prev`, 0 for the first), as sent (`sint64`).
pub(crate) const fn delta(prev: u64, count: u64) -> u64 {
    zigzag(count.wrapping_sub(prev) as i64)
}

/// Walks the buckets of one sign as spans: `span(offset, length)` for each (the first offset
/// the first index, the others the gap since the span before), `bucket(count)` for each
/// bucket in them. Runs of up to two empty buckets stay inside a span (a zero delta is
/// shorter than a new span), longer ones end it.
pub(crate) fn walk(
    first: i32,
    counts: &[u64],
    span: &mut dyn FnMut(i32, u32),
    bucket: &mut dyn FnMut(u64),
) {
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

/// A `BucketSpan` field tagged `tag`: tag, length, offset, length.
pub(crate) fn span_field(tag: u8, offset: i32, len: u32) -> Head<24> {
    let off = zigzag(i64::from(offset));
    let body = 2 + varint_len(off) + varint_len(u64::from(len));
    let mut h = Head::<24>::new();
    h.field(tag, body);
    h.push(&[SPAN_OFFSET]);
    h.varint(off);
    h.push(&[SPAN_LENGTH]);
    h.varint(u64::from(len));
    h
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
        assert_eq!((delta(4, 1), delta(1, 3)), (5, 4));
        assert_eq!(
            span_field(0x5a, -2, 3).bytes(),
            &[0x5a, 4, 0x08, 3, 0x10, 3]
        );
    }
}
