//! A metric or label name as the binary encoders write it: up to four pieces
//! (`namespace`, `_`, `name`, `suffix`) never put together in memory.

/// A name or value made of up to four pieces (`namespace`, `_`, `name`, `suffix`).
pub(crate) type Parts<'a> = [&'a [u8]; 4];

/// The length of the name the pieces make.
pub(crate) fn parts_len(p: &Parts<'_>) -> usize {
    p.iter().map(|s| s.len()).sum()
}

/// A name of one piece.
pub(crate) fn one(s: &str) -> Parts<'_> {
    [s.as_bytes(), b"", b"", b""]
}

/// `namespace_name` + `suffix`, in pieces.
pub(crate) fn full_name<'s>(namespace: &'s str, name: &'s str, suffix: &'s str) -> Parts<'s> {
    let (ns, sep): (&[u8], &[u8]) = if namespace.is_empty() {
        (b"", b"")
    } else {
        (namespace.as_bytes(), b"_")
    };
    [ns, sep, name.as_bytes(), suffix.as_bytes()]
}
