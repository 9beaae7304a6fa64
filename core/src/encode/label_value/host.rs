//! Label values on a host: always a `&str`, escaped by copying the runs between escapes.

use crate::encode::out::Out;

/// One label value: a string.
#[derive(Clone, Copy)]
pub(crate) struct LabelValue<'a>(&'a str);

impl<'a> LabelValue<'a> {
    /// A string value.
    pub(crate) const fn str(s: &'a str) -> Self {
        LabelValue(s)
    }

    /// Copies its bytes into `dst`, which has [`len`](Self::len) bytes.
    #[cfg(feature = "remote-write")]
    pub(crate) fn copy_to(&self, dst: &mut [u8]) {
        crate::encode::out::copy(dst, self.0.as_bytes());
    }

    /// Its length in bytes.
    #[cfg(any(feature = "remote-write", feature = "protobuf"))]
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

/// Writes `value`'s bytes as they are (a protobuf string).
#[cfg(any(feature = "remote-write", feature = "protobuf"))]
pub(crate) fn raw(out: &mut Out<'_>, value: LabelValue<'_>) {
    out.put(value.0);
}

/// Writes `value` escaping `\` and newline, and `"` too when `quotes` is set.
#[inline]
pub(crate) fn escaped(out: &mut Out<'_>, value: LabelValue<'_>, quotes: bool) {
    let s = value.0;
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'"' if quotes => "\\\"",
            _ => continue,
        };
        // `i` is at an ASCII byte, so both cuts are on character boundaries.
        out.put(s.get(start..i).unwrap_or_default());
        out.put(rep);
        start = i + 1;
    }
    out.put(s.get(start..).unwrap_or_default());
}
