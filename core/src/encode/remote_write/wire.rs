//! The protobuf wire format, as much of it as a `WriteRequest` needs: varints, tags, lengths,
//! and the snappy block preamble around a request. Sizes are computed exactly before anything
//! is written, since every message is preceded by its length.

/// `WriteRequest.timeseries` (field 1, length-delimited).
pub(super) const TIMESERIES: u8 = 0x0a;
/// `WriteRequest.metadata` (field 3, length-delimited).
pub(super) const METADATA: u8 = 0x1a;
/// An unknown field (15, length-delimited) that fills the request up to the length measured
/// in the first pass, when a series went away between the passes; decoders skip it.
pub(super) const PADDING: u8 = 0x7a;
/// `TimeSeries.labels` (1), `Label.name` (1): length-delimited.
pub(super) const FIELD1_LEN: u8 = 0x0a;
/// `TimeSeries.samples` (2), `Label.value` (2), `MetricMetadata.metric_family_name` (2).
pub(super) const FIELD2_LEN: u8 = 0x12;
/// `Sample.value` (1, 64-bit).
pub(super) const SAMPLE_VALUE: u8 = 0x09;
/// `Sample.timestamp` (2, varint).
pub(super) const SAMPLE_TIMESTAMP: u8 = 0x10;
/// `MetricMetadata.type` (1, varint).
pub(super) const METADATA_TYPE: u8 = 0x08;
/// `MetricMetadata.help` (4, length-delimited).
pub(super) const METADATA_HELP: u8 = 0x22;
/// `MetricMetadata.unit` (5, length-delimited).
pub(super) const METADATA_UNIT: u8 = 0x2a;

/// The bytes of `v` as a varint.
#[inline]
pub(super) const fn varint_len(v: u64) -> usize {
    // Most lengths in a request are short: one or two bytes, without the arithmetic.
    if v < 1 << 7 {
        return 1;
    }
    if v < 1 << 14 {
        return 2;
    }
    // Seven bits a byte: the bits `v` needs, rounded up to sevens.
    let bits = 64 - v.leading_zeros() as usize;
    bits.div_ceil(7)
}

/// `v` as a varint in the first [`varint_len`] bytes of the result; with `width` larger, as
/// many bytes with continuation bits (a longer encoding of the same value, which decoders
/// accept, used for padding of an exact length).
pub(super) fn varint(v: u64, width: usize) -> ([u8; 10], usize) {
    let mut b = [0u8; 10];
    let width = width.clamp(varint_len(v), 10);
    let mut v = v;
    for (i, byte) in b.iter_mut().enumerate().take(width) {
        let last = i + 1 == width;
        *byte = (v & 0x7f) as u8 | if last { 0 } else { 0x80 };
        v >>= 7;
    }
    (b, width)
}

/// A length-delimited field with a body of `len` bytes: tag, length, body.
pub(super) const fn field_len(len: usize) -> usize {
    1 + varint_len(len as u64) + len
}

/// The bytes before the body of a literal-only snappy block of `n` bytes: the uncompressed
/// length as a varint, then one literal element's tag (with up to 4 bytes of length).
pub(super) fn snappy_preamble(n: usize) -> ([u8; 15], usize) {
    let mut b = [0u8; 15];
    let (len, k) = varint(n as u64, 0);
    let mut at = 0;
    for byte in len.iter().take(k) {
        if let Some(d) = b.get_mut(at) {
            *d = *byte;
        }
        at += 1;
    }
    if n == 0 {
        return (b, at); // no element at all
    }
    let m = (n - 1) as u64;
    // Lengths up to 60 are in the tag; longer ones follow it in 1 to 4 bytes.
    let extra = match m {
        0..60 => 0,
        60..0x100 => 1,
        0x100..0x1_0000 => 2,
        0x1_0000..0x100_0000 => 3,
        _ => 4,
    };
    let tag = if extra == 0 {
        m << 2
    } else {
        (59 + extra) << 2
    };
    if let Some(d) = b.get_mut(at) {
        *d = tag as u8;
    }
    at += 1;
    for i in 0..extra {
        if let Some(d) = b.get_mut(at) {
            *d = (m >> (8 * i)) as u8;
        }
        at += 1;
    }
    (b, at)
}

/// The length of a literal-only snappy block holding `n` bytes (for a `Content-Length`).
pub(super) fn snappy_len(n: usize) -> usize {
    snappy_preamble(n).1 + n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints() {
        for (v, want) in [
            (0u64, &[0u8][..]),
            (1, &[1]),
            (127, &[0x7f]),
            (128, &[0x80, 1]),
        ] {
            let (b, n) = varint(v, 0);
            assert_eq!(&b[..n], want);
            assert_eq!(varint_len(v), n);
        }
        assert_eq!(varint_len(u64::MAX), 10);
        for shift in 0..64 {
            for v in [1u64 << shift, (1u64 << shift) - 1, (1u64 << shift) + 1] {
                assert_eq!(varint_len(v), varint(v, 0).1, "{v}");
                let mut n = 1;
                while n < 10 && v >> (7 * n) != 0 {
                    n += 1;
                }
                assert_eq!(varint_len(v), n, "{v}");
            }
        }
        // A longer encoding of 5.
        let (b, n) = varint(5, 3);
        assert_eq!(&b[..n], &[0x85, 0x80, 0x00]);
    }

    #[test]
    fn preambles() {
        let (b, n) = snappy_preamble(0);
        assert_eq!(&b[..n], &[0]);
        let (b, n) = snappy_preamble(60);
        assert_eq!(&b[..n], &[60, 59 << 2]);
        let (b, n) = snappy_preamble(61);
        assert_eq!(&b[..n], &[61, 60 << 2, 60]);
        let (b, n) = snappy_preamble(300);
        assert_eq!(&b[..n], &[0xac, 0x02, 61 << 2, 0x2b, 0x01]);
        assert_eq!(snappy_len(300), 305);
    }
}
