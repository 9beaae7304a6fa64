//! Sample lines assembled on the stack and handed to the writer in one call, instead of a
//! dozen small dynamically dispatched writes per line; and the name and label rules every
//! line follows, written once for any writer.

use core::fmt::{self, Write};

use super::Labels;
use crate::name::Desc;
use crate::number::SampleValue;

/// Bytes a line may take on the stack; a longer line is written piece by piece instead.
pub(crate) const CAPACITY: usize = 256;

/// A line being assembled. Writing past its capacity fails, and the caller falls back to
/// writing the line piece by piece.
pub(crate) type Line = heapless::String<CAPACITY>;

/// What the sample names and label sets of one encoder share: the namespace and the constant
/// labels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Names<'a> {
    pub(crate) namespace: &'a str,
    pub(crate) const_labels: &'a [(&'a str, &'a str)],
}

impl Names<'_> {
    /// `namespace_` (when there is one), the family name and `suffix`.
    #[inline]
    pub(crate) fn name<W: Write + ?Sized>(
        self,
        w: &mut W,
        desc: &Desc<'_>,
        suffix: &str,
    ) -> fmt::Result {
        if !self.namespace.is_empty() {
            w.write_str(self.namespace)?;
            w.write_char('_')?;
        }
        w.write_str(desc.name())?;
        w.write_str(suffix)
    }

    /// `{` and the constant labels, `labels` and `extra`, comma-separated, leaving the brace
    /// open. Returns whether nothing was written (no labels at all).
    #[inline]
    pub(crate) fn label_pairs<W: Write + ?Sized>(
        self,
        w: &mut W,
        labels: &Labels<'_>,
        extra: Option<(&str, &str)>,
    ) -> Result<bool, fmt::Error> {
        let mut first = true;
        let pairs = self
            .const_labels
            .iter()
            .copied()
            .chain(labels.iter())
            .chain(extra);
        for (name, value) in pairs {
            w.write_char(if first { '{' } else { ',' })?;
            first = false;
            w.write_str(name)?;
            w.write_str("=\"")?;
            escaped(w, value, true)?;
            w.write_char('"')?;
        }
        Ok(first)
    }

    /// A whole sample line: name, labels, value, newline.
    #[inline]
    pub(crate) fn sample<W: Write + ?Sized>(
        self,
        w: &mut W,
        desc: &Desc<'_>,
        suffix: &str,
        labels: &Labels<'_>,
        extra: Option<(&str, &str)>,
        value: SampleValue,
    ) -> fmt::Result {
        self.name(w, desc, suffix)?;
        let first = self.label_pairs(w, labels, extra)?;
        w.write_str(if first { " " } else { "} " })?;
        value.write_into(w)?;
        w.write_char('\n')
    }

    /// A state set's sample line: `<name>{...,<name>="<state>"} <value>`.
    pub(crate) fn state_sample<W: Write + ?Sized>(
        self,
        w: &mut W,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        state: &str,
        value: SampleValue,
    ) -> fmt::Result {
        self.name(w, desc, "")?;
        let first = self.label_pairs(w, labels, None)?;
        w.write_char(if first { '{' } else { ',' })?;
        self.name(w, desc, "")?;
        w.write_str("=\"")?;
        escaped(w, state, true)?;
        w.write_str("\"} ")?;
        value.write_into(w)?;
        w.write_char('\n')
    }

    /// What the `_bucket` lines of one histogram series start with: the name, the labels
    /// and `le="`.
    pub(crate) fn bucket_prefix<W: Write + ?Sized>(
        self,
        w: &mut W,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
    ) -> fmt::Result {
        self.name(w, desc, "_bucket")?;
        let first = self.label_pairs(w, labels, None)?;
        w.write_str(if first { "{le=\"" } else { ",le=\"" })
    }
}

/// One `_bucket` line after its [`Names::bucket_prefix`]: `le` (a number, which needs no
/// escaping), the cumulative count and a newline.
#[inline]
pub(crate) fn bucket<W: Write + ?Sized>(
    w: &mut W,
    prefix: &str,
    le: &str,
    count: u64,
) -> fmt::Result {
    w.write_str(prefix)?;
    w.write_str(le)?;
    w.write_str("\"} ")?;
    w.write_str(itoa::Buffer::new().format(count))?;
    w.write_char('\n')
}

/// Writes `s` escaping `\` and newline, and `"` too when `quotes` is set.
#[inline]
pub(crate) fn escaped<W: Write + ?Sized>(w: &mut W, s: &str, quotes: bool) -> fmt::Result {
    // Most values need no escape: look at every byte without stopping early (so the check
    // vectorizes) and write the value whole.
    let special = s.bytes().fold(false, |any, b| {
        any | (b == b'\\') | (b == b'\n') | (quotes & (b == b'"'))
    });
    if !special {
        return w.write_str(s);
    }
    let mut start = 0;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        let rep = match b {
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'"' if quotes => "\\\"",
            _ => continue,
        };
        // `i` is at an ASCII byte, so both cuts are on character boundaries.
        w.write_str(s.get(start..i).ok_or(fmt::Error)?)?;
        w.write_str(rep)?;
        start = i + 1;
    }
    w.write_str(s.get(start..).ok_or(fmt::Error)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_too_long_for_the_stack_fails_instead_of_truncating() {
        let mut long: heapless::String<{ CAPACITY + 1 }> = heapless::String::new();
        while long.push('x').is_ok() {}
        let mut line = Line::new();
        assert!(line.write_str(&long).is_err());
        assert!(line.write_str(&long[1..]).is_ok());
    }

    #[test]
    fn escapes() {
        let mut s: heapless::String<64> = heapless::String::new();
        escaped(&mut s, "plain-value_1", true).unwrap();
        assert_eq!(s, "plain-value_1");
        s.clear();
        escaped(&mut s, "a\\b\"c\nd é", true).unwrap();
        assert_eq!(s, "a\\\\b\\\"c\\nd é");
        s.clear();
        escaped(&mut s, "q\"\\", false).unwrap();
        assert_eq!(s, "q\"\\\\");
    }
}
