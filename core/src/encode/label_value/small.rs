//! Label values on bare metal: a `&str`, or the atomic bytes a family keeps (see the family's
//! label store), written byte by byte. That links no `memcpy`, `memcmp` or UTF-8 validation,
//! which would be most of a small firmware's label code.

use crate::sync::{AtomicU8, Ordering};

use crate::encode::out::Out;

/// One label value: a string, or the bytes of one a family stored.
#[derive(Clone, Copy)]
pub(crate) enum LabelValue<'a> {
    Str(&'a str),
    /// The bytes of a `&str`, so UTF-8.
    Atomic(&'a [AtomicU8]),
}

impl<'a> LabelValue<'a> {
    /// A string value.
    pub(crate) const fn str(s: &'a str) -> Self {
        LabelValue::Str(s)
    }

    /// Copies its bytes into `dst`, which has [`len`](Self::len) bytes.
    #[cfg(feature = "remote-write")]
    pub(crate) fn copy_to(&self, dst: &mut [u8]) {
        for (i, d) in dst.iter_mut().enumerate() {
            *d = self.byte(i);
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            LabelValue::Str(s) => s.len(),
            LabelValue::Atomic(bytes) => bytes.len(),
        }
    }

    pub(crate) fn byte(&self, i: usize) -> u8 {
        match self {
            LabelValue::Str(s) => s.as_bytes().get(i).copied(),
            LabelValue::Atomic(bytes) => bytes.get(i).map(|b| b.load(Ordering::Relaxed)),
        }
        .unwrap_or_default()
    }
}

/// Writes `value` escaping `\` and newline, and `"` too when `quotes` is set: as they are into
/// a buffer, decoded (they are UTF-8) for a writer of characters.
pub(crate) fn escaped(out: &mut Out<'_>, value: LabelValue<'_>, quotes: bool) {
    // The code point being decoded, and how many bytes it lacks.
    let (mut c, mut lacks) = (0u32, 0u32);
    for i in 0..value.len() {
        let b = value.byte(i);
        let rep = match b {
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'"' if quotes => "\\\"",
            _ => "",
        };
        match out {
            _ if !rep.is_empty() => out.put(rep),
            Out::Slice(w) => w.put_byte(b),
            #[cfg(any(feature = "remote-write", feature = "protobuf"))]
            Out::Bytes(..) => out.put_byte(b),
            Out::Dyn(w, failed) => {
                (c, lacks) = match (b, lacks) {
                    (0..0x80, _) => (u32::from(b), 0),
                    (0xc0..0xe0, _) => (u32::from(b & 0x1f), 1),
                    (0xe0..0xf0, _) => (u32::from(b & 0x0f), 2),
                    (0xf0.., _) => (u32::from(b & 0x07), 3),
                    (_, n) => ((c << 6) | u32::from(b & 0x3f), n.saturating_sub(1)),
                };
                if lacks == 0 && !*failed {
                    let ch = char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER);
                    *failed = w.write_char(ch).is_err();
                }
            }
        }
    }
}

/// Writes `value`'s bytes as they are (a protobuf string).
#[cfg(any(feature = "remote-write", feature = "protobuf"))]
pub(crate) fn raw(out: &mut Out<'_>, value: LabelValue<'_>) {
    for i in 0..value.len() {
        out.put_byte(value.byte(i));
    }
}
