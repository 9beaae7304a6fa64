//! Where an encoder writes: [`SliceWriter`] (a caller's byte buffer, written in place) and
//! [`Out`], which is either that or any [`fmt::Write`].
//!
//! Writing never returns an error: a writer that fails is remembered (and not written to
//! again), and [`Out::status`] reports it when the encoder is done with what it was asked to
//! write. Lines are made of many short writes, and without a test and a branch after each of
//! them the encoder is much smaller.

use core::fmt::{self, Write};

use super::EncodeError;

/// A [`Write`] into a byte slice that never fails: past the end it keeps counting, so that the
/// caller learns the size the whole document needs.
#[derive(Debug)]
pub struct SliceWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> SliceWriter<'b> {
    /// A writer at the start of `buf`.
    pub fn new(buf: &'b mut [u8]) -> Self {
        SliceWriter { buf, len: 0 }
    }

    /// Bytes written so far, or that would have been written.
    pub fn needed(&self) -> usize {
        self.len
    }

    /// The written length, or [`EncodeError::BufferTooSmall`] when anything did not fit.
    pub fn finish(self) -> Result<usize, EncodeError> {
        if self.len <= self.buf.len() {
            Ok(self.len)
        } else {
            Err(EncodeError::BufferTooSmall { needed: self.len })
        }
    }

    /// Appends `s` (or counts it, past the end).
    #[inline]
    pub(crate) fn put(&mut self, s: &[u8]) {
        let end = self.len.saturating_add(s.len());
        if let Some(dst) = self.buf.get_mut(self.len..end) {
            copy(dst, s);
        }
        self.len = end;
    }

    /// The rest of the buffer, after what was written: a remote write series is written
    /// there, then counted by [`commit`](Self::commit) when it fits.
    #[cfg(feature = "remote-write")]
    #[cfg_attr(edgeprom_small_code, allow(dead_code))] // a host's remote write only
    pub(crate) fn free(&mut self) -> &mut [u8] {
        self.buf.get_mut(self.len..).unwrap_or_default()
    }

    /// Takes back what was written after `to`.
    #[cfg(feature = "remote-write")]
    #[cfg_attr(edgeprom_small_code, allow(dead_code))] // a host's remote write only
    pub(crate) fn rewind(&mut self, to: usize) {
        self.len = self.len.min(to);
    }

    /// Counts `n` bytes written into [`free`](Self::free) (at most its length).
    #[cfg(feature = "remote-write")]
    #[cfg_attr(edgeprom_small_code, allow(dead_code))] // a host's remote write only
    pub(crate) fn commit(&mut self, n: usize) {
        self.len = self.len.saturating_add(n).min(self.buf.len().max(self.len));
    }

    /// What was written so far, and the next `n` bytes of the buffer, counted as written,
    /// when they fit (remote write copies parts of the series before into the next).
    #[cfg(feature = "remote-write")]
    #[cfg_attr(edgeprom_small_code, allow(dead_code))] // a host's remote write repeats series
    pub(crate) fn claim_after(&mut self, n: usize) -> Option<(&[u8], &mut [u8])> {
        let end = self.len.checked_add(n)?;
        if end > self.buf.len() {
            return None;
        }
        let (done, free) = self.buf.split_at_mut(self.len);
        self.len = end;
        Some((done, free.get_mut(..n)?))
    }

    /// Moves what was written from `at` on `by` bytes further (or counts them, past the end),
    /// leaving a gap of `by` bytes at `at`: room for a length prefix longer than the byte
    /// reserved for it (the protobuf exposition writes a message before its length).
    #[cfg(feature = "protobuf")]
    pub(crate) fn insert_gap(&mut self, at: usize, by: usize) {
        let end = self.len.saturating_add(by);
        if end <= self.buf.len() && at <= self.len {
            if let Some(region) = self.buf.get_mut(at..end) {
                move_right(region, by);
            }
        }
        self.len = end;
    }

    /// Overwrites the bytes at `at` (written before) with `bytes`, when they are in the buffer.
    #[cfg(feature = "protobuf")]
    pub(crate) fn patch(&mut self, at: usize, bytes: &[u8]) {
        let end = at.saturating_add(bytes.len());
        if end <= self.len {
            if let Some(dst) = self.buf.get_mut(at..end) {
                copy(dst, bytes);
            }
        }
    }

    /// Appends `b` (or counts it, past the end).
    #[inline]
    pub(crate) fn put_byte(&mut self, b: u8) {
        if let Some(dst) = self.buf.get_mut(self.len) {
            *dst = b;
        }
        self.len = self.len.saturating_add(1);
    }

    /// Appends a copy of the `len` bytes at `at`, which this writer wrote earlier (or counts
    /// them, past the end).
    #[cfg_attr(edgeprom_small_code, allow(dead_code))] // the host's bucket lines use it
    pub(crate) fn repeat(&mut self, at: usize, len: usize) {
        let end = self.len.saturating_add(len);
        if end <= self.buf.len() {
            let (done, free) = self.buf.split_at_mut(self.len);
            let src = at.checked_add(len).and_then(|e| done.get(at..e));
            if let (Some(src), Some(dst)) = (src, free.get_mut(..len)) {
                copy(dst, src);
            }
        }
        self.len = end;
    }

    /// Bytes written so far (never more than fit).
    #[cfg_attr(edgeprom_small_code, allow(dead_code))]
    pub(crate) fn pos(&self) -> usize {
        self.len
    }
}

impl Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.put(s.as_bytes());
        Ok(())
    }
}

/// `dst.copy_from_slice(src)` for slices of equal length. On a host, the short copies that
/// make up most of a line (names, labels, numbers) are done inline, as one or two overlapping
/// moves, instead of calling `memcpy`.
#[cfg(not(edgeprom_small_code))]
#[inline(always)]
pub(crate) fn copy(dst: &mut [u8], src: &[u8]) {
    fn both<const K: usize>(dst: &mut [u8], src: &[u8]) {
        if let (Some(d), Some(s)) = (dst.first_chunk_mut::<K>(), src.first_chunk::<K>()) {
            *d = *s;
        }
        if let (Some(d), Some(s)) = (dst.last_chunk_mut::<K>(), src.last_chunk::<K>()) {
            *d = *s;
        }
    }
    match src.len() {
        0 => {}
        n @ 1..=3 => {
            // First, middle and last byte cover 1, 2 and 3 bytes alike.
            for i in [0, n / 2, n - 1] {
                if let (Some(d), Some(s)) = (dst.get_mut(i), src.get(i)) {
                    *d = *s;
                }
            }
        }
        4..=7 => both::<4>(dst, src),
        8..=16 => both::<8>(dst, src),
        17..=32 => both::<16>(dst, src),
        33..=64 => both::<32>(dst, src),
        _ => dst.copy_from_slice(src),
    }
}

/// `dst.copy_from_slice(src)` for slices of equal length, on bare metal: a byte loop, kept
/// from being turned into a `memcpy` call (lines are short, and `memcpy` would be the largest
/// routine of a small firmware).
#[cfg(edgeprom_small_code)]
pub(crate) fn copy(dst: &mut [u8], src: &[u8]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = core::hint::black_box(*s);
    }
}

/// Moves the first `region.len() - by` bytes of `region` to its end (overlapping), on a host
/// by `copy_within` (a `memmove`).
#[cfg(all(feature = "protobuf", not(edgeprom_small_code)))]
fn move_right(region: &mut [u8], by: usize) {
    let n = region.len().saturating_sub(by);
    region.copy_within(..n, by);
}

/// [`move_right`] on bare metal: a byte loop from the end, kept from being turned into a
/// `memmove` call (see [`copy`]).
#[cfg(all(feature = "protobuf", edgeprom_small_code))]
fn move_right(region: &mut [u8], by: usize) {
    let mut i = region.len();
    while i > by {
        i -= 1;
        if let Some(b) = region.get(i - by).copied() {
            if let Some(d) = region.get_mut(i) {
                *d = core::hint::black_box(b);
            }
        }
    }
}

/// An encoder's output: a byte buffer written in place, or any writer and whether it failed.
pub(crate) enum Out<'w> {
    /// Any writer, and whether it failed.
    Dyn(&'w mut dyn Write, bool),
    /// A byte buffer ([`Registry::encode`](crate::Registry::encode)): written in place.
    Slice(SliceWriter<'w>),
    /// Any sink of bytes (remote write's and the exposition's binary protobuf), and whether
    /// it failed.
    #[cfg(any(feature = "remote-write", feature = "protobuf"))]
    Bytes(&'w mut dyn super::ByteWrite, bool),
}

impl<'w> Out<'w> {
    /// Any writer, not failed yet.
    pub(crate) fn new(w: &'w mut dyn Write) -> Self {
        Out::Dyn(w, false)
    }

    /// Writes `s`.
    // Inlined where speed matters; one copy on bare metal, where flash does.
    #[cfg_attr(not(edgeprom_small_code), inline)]
    #[cfg_attr(edgeprom_small_code, inline(never))]
    pub(crate) fn put(&mut self, s: &str) {
        match self {
            Out::Slice(w) => w.put(s.as_bytes()),
            #[cfg(any(feature = "remote-write", feature = "protobuf"))]
            Out::Bytes(..) => self.put_bytes(s.as_bytes()),
            Out::Dyn(w, failed) => {
                if !*failed {
                    *failed = w.write_str(s).is_err();
                }
            }
        }
    }

    /// Writes `bytes`, which need not be UTF-8: into a buffer or a byte sink; a writer of
    /// characters cannot take them and fails.
    #[cfg(any(feature = "remote-write", feature = "protobuf"))]
    #[cfg_attr(not(edgeprom_small_code), inline)]
    pub(crate) fn put_bytes(&mut self, bytes: &[u8]) {
        match self {
            Out::Slice(w) => w.put(bytes),
            Out::Bytes(w, failed) => {
                if !*failed {
                    *failed = w.write_bytes(bytes).is_err();
                }
            }
            Out::Dyn(_, failed) => *failed = true,
        }
    }

    /// Writes one ASCII byte (a digit).
    #[cfg_attr(edgeprom_small_code, inline(never))]
    pub(crate) fn put_byte(&mut self, b: u8) {
        match self {
            Out::Slice(w) => w.put_byte(b),
            #[cfg(any(feature = "remote-write", feature = "protobuf"))]
            Out::Bytes(..) => self.put_bytes(&[b]),
            Out::Dyn(w, failed) => {
                if !*failed {
                    *failed = w.write_char(char::from(b)).is_err();
                }
            }
        }
    }

    /// Whether every write so far succeeded.
    pub(crate) fn status(&self) -> fmt::Result {
        match self {
            Out::Dyn(_, true) => Err(fmt::Error),
            #[cfg(any(feature = "remote-write", feature = "protobuf"))]
            Out::Bytes(_, true) => Err(fmt::Error),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_writer_counts_past_the_end() {
        let mut buf = [0u8; 4];
        let mut w = SliceWriter::new(&mut buf);
        w.write_str("ab").unwrap();
        w.write_str("cdef").unwrap();
        w.write_str("g").unwrap();
        assert_eq!(w.needed(), 7);
        assert_eq!(w.finish(), Err(EncodeError::BufferTooSmall { needed: 7 }));
        let mut buf = [0u8; 4];
        let mut w = SliceWriter::new(&mut buf);
        w.write_str("abcd").unwrap();
        assert_eq!(w.finish(), Ok(4));
        assert_eq!(&buf, b"abcd");
    }

    #[test]
    fn copies_of_every_short_length() {
        let src: [u8; 40] = core::array::from_fn(|i| i as u8 + 1);
        for n in 0..=40 {
            let mut dst = [0u8; 40];
            copy(&mut dst[..n], &src[..n]);
            assert_eq!(dst[..n], src[..n], "{n}");
            assert!(dst[n..].iter().all(|b| *b == 0), "{n}");
        }
    }

    #[cfg(feature = "protobuf")]
    #[test]
    fn gaps_move_what_follows() {
        let mut buf = [0u8; 8];
        let mut w = SliceWriter::new(&mut buf);
        w.put(b"abcde");
        w.insert_gap(1, 2);
        w.patch(1, b"XY");
        assert_eq!(w.pos(), 7);
        w.insert_gap(0, 2); // does not fit: counted only
        assert_eq!(w.finish(), Err(EncodeError::BufferTooSmall { needed: 9 }));
        assert_eq!(&buf[..7], b"aXYbcde");
    }

    #[test]
    fn repeats_what_was_written() {
        let mut buf = [0u8; 8];
        let mut w = SliceWriter::new(&mut buf);
        w.put(b"abc");
        w.repeat(1, 2);
        assert_eq!(w.pos(), 5);
        w.repeat(0, 5); // does not fit: counted only
        assert_eq!(w.finish(), Err(EncodeError::BufferTooSmall { needed: 10 }));
        assert_eq!(&buf[..5], b"abcbc");
    }
}
