//! The tags of a `WriteRequest`'s fields and the snappy block preamble around a request (the
//! varints and lengths are the shared ones of `encode/wire.rs`). Sizes are
//! computed exactly before anything is written, since every message is preceded by its length.

pub(super) use crate::encode::wire::{field_len, varint, varint_len};

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

/// The longest preamble of a literal-only snappy block: a 10-byte varint, a tag, 4 bytes of
/// length.
pub(super) const SNAPPY_PREAMBLE_MAX: usize = 15;

/// The bytes before the body of a literal-only snappy block of `n` bytes: the uncompressed
/// length as a varint, then one literal element's tag (with up to 4 bytes of length).
pub(super) fn snappy_preamble(n: usize) -> ([u8; SNAPPY_PREAMBLE_MAX], usize) {
    let mut b = [0u8; SNAPPY_PREAMBLE_MAX];
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
