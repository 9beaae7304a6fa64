//! A metric or label name as the binary encoders write it: up to four pieces
//! (`namespace`, `_`, `name`, `suffix`) never put together in memory, and a label value that
//! is such pieces or what a family stores.

use super::label_value::LabelValue;

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

/// A label's value: pieces of strings, or what a family stores.
#[derive(Clone, Copy)]
pub(crate) enum Val<'a> {
    Parts(Parts<'a>),
    Stored(LabelValue<'a>),
}

impl Val<'_> {
    pub(crate) fn len(&self) -> usize {
        match self {
            Val::Parts(p) => parts_len(p),
            Val::Stored(v) => v.len(),
        }
    }
}
