//! The protobuf wire format as the binary encoders (remote write, the protobuf exposition)
//! write it: varints and the length of a length-delimited field.

/// The bytes of `v` as a varint.
#[inline]
pub(crate) const fn varint_len(v: u64) -> usize {
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
pub(crate) fn varint(v: u64, width: usize) -> ([u8; 10], usize) {
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
pub(crate) const fn field_len(len: usize) -> usize {
    1 + varint_len(len as u64) + len
}

/// A few bytes of protobuf put together on the stack, to be written at once.
pub(crate) struct Head<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> Head<N> {
    pub(crate) fn new() -> Self {
        Head {
            bytes: [0; N],
            len: 0,
        }
    }

    pub(crate) fn push(&mut self, b: &[u8]) {
        let end = self.len + b.len();
        if let Some(dst) = self.bytes.get_mut(self.len..end) {
            dst.copy_from_slice(b);
            self.len = end;
        }
    }

    pub(crate) fn varint(&mut self, v: u64) {
        let (b, n) = varint(v, 0);
        self.push(b.get(..n).unwrap_or_default());
    }

    /// A length-delimited field's tag and length.
    pub(crate) fn field(&mut self, tag: u8, len: usize) {
        self.push(&[tag]);
        self.varint(len as u64);
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
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
}
