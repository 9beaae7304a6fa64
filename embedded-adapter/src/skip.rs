//! [`SkipWriter`]: one pass of the async streaming: skip the bytes already sent (checking that
//! they are the same bytes), fill the chunk buffer with the next ones, stop when it is full.

use core::fmt;

/// FNV-1a, 32 bits: a cheap check that a pass re-encoded the bytes already sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fnv(u32);

impl Fnv {
    pub(crate) const fn new() -> Self {
        Fnv(0x811c_9dc5)
    }

    pub(crate) fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
    }
}

/// How a pass ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The buffer is full and more text follows.
    Full,
    /// The text grew past the announced limit.
    OverLimit,
}

/// A [`fmt::Write`] that drops the first `skip` bytes (hashing them) and then fills `buf`.
pub(crate) struct SkipWriter<'b> {
    skip: usize,
    pos: usize,
    limit: Option<usize>,
    prefix: Fnv,
    buf: &'b mut [u8],
    filled: usize,
    stop: Option<Stop>,
}

impl<'b> SkipWriter<'b> {
    pub(crate) fn new(skip: usize, limit: Option<usize>, buf: &'b mut [u8]) -> Self {
        SkipWriter {
            skip,
            pos: 0,
            limit,
            prefix: Fnv::new(),
            buf,
            filled: 0,
            stop: None,
        }
    }

    /// Why the pass stopped early, if it did.
    pub(crate) fn stopped(&self) -> Option<Stop> {
        self.stop
    }

    /// Bytes the renderer produced in this pass, up to where it stopped.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// The hash of the skipped prefix.
    pub(crate) fn prefix_hash(&self) -> Fnv {
        self.prefix
    }

    /// The number of new bytes at the start of the buffer.
    pub(crate) fn filled(&self) -> usize {
        self.filled
    }
}

impl fmt::Write for SkipWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push(s.as_bytes())
    }
}

/// Bytes that need not be UTF-8 (a remote write request's protobuf), skipped and buffered
/// as text is.
#[cfg(any(feature = "remote-write", feature = "protobuf"))]
impl edgeprom::encode::ByteWrite for SkipWriter<'_> {
    fn write_bytes(&mut self, bytes: &[u8]) -> fmt::Result {
        self.push(bytes)
    }
}

impl SkipWriter<'_> {
    fn push(&mut self, mut bytes: &[u8]) -> fmt::Result {
        if self.stop.is_some() {
            return Err(fmt::Error);
        }
        if self.pos < self.skip {
            let n = (self.skip - self.pos).min(bytes.len());
            let (old, new) = bytes.split_at(n);
            self.prefix.update(old);
            self.pos += n;
            bytes = new;
        }
        if bytes.is_empty() {
            return Ok(());
        }
        if self
            .limit
            .is_some_and(|l| self.pos.saturating_add(bytes.len()) > l)
        {
            self.stop = Some(Stop::OverLimit);
            return Err(fmt::Error);
        }
        let room = self.buf.get_mut(self.filled..).unwrap_or_default();
        let n = room.len().min(bytes.len());
        if let (Some(dst), Some(src)) = (room.get_mut(..n), bytes.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.filled += n;
        self.pos += n;
        if n < bytes.len() {
            self.stop = Some(Stop::Full);
            return Err(fmt::Error);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::fmt::Write;

    #[test]
    fn skips_hashes_and_fills() {
        let mut buf = [0u8; 4];
        let mut w = SkipWriter::new(3, None, &mut buf);
        w.write_str("ab").unwrap();
        w.write_str("cde").unwrap();
        assert!(w.write_str("fghi").is_err());
        assert_eq!(w.stopped(), Some(Stop::Full));
        assert_eq!(w.filled(), 4);
        assert_eq!(w.position(), 7);
        let mut h = Fnv::new();
        h.update(b"abc");
        assert_eq!(w.prefix_hash(), h);
        assert_eq!(&buf, b"defg");
    }

    #[test]
    fn limit() {
        let mut buf = [0u8; 8];
        let mut w = SkipWriter::new(0, Some(3), &mut buf);
        w.write_str("abc").unwrap();
        assert!(w.write_str("d").is_err());
        assert_eq!(w.stopped(), Some(Stop::OverLimit));
    }

    #[test]
    fn fnv_known_value() {
        let mut h = Fnv::new();
        h.update(b"a");
        assert_eq!(h, Fnv(0xe40c_292c));
    }
}
