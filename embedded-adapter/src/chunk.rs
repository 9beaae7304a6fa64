//! [`ChunkWriter`]: a [`core::fmt::Write`] that collects text in a small caller buffer and
//! writes it to an [`embedded_io::Write`] one full buffer at a time.

use core::fmt;

use embedded_io::Write;

use crate::error::{write_all, StreamError};

/// Buffers formatted text in `buf` and writes it to `out` whenever the buffer is full and more
/// text arrives, so that a document of any length passes through a buffer of a few hundred
/// bytes.
///
/// `core::fmt::Error` carries nothing, so the writer's error is kept here: after a failed
/// `write_str`, [`ChunkWriter::finish`] returns it. An empty `buf` is allowed and writes every
/// piece straight through.
///
/// ```
/// use core::fmt::Write as _;
/// use edgeprom_embedded::ChunkWriter;
///
/// let mut wire = [0u8; 64];
/// let mut sink: &mut [u8] = &mut wire;
/// let mut chunk = [0u8; 8];
/// let mut w = ChunkWriter::new(&mut sink, &mut chunk);
/// write!(w, "hello {}", "device")?;
/// assert_eq!(w.finish(), Ok(12));
/// assert_eq!(&wire[..12], b"hello device");
/// # Ok::<(), core::fmt::Error>(())
/// ```
pub struct ChunkWriter<'b, W: Write + ?Sized> {
    out: &'b mut W,
    buf: &'b mut [u8],
    filled: usize,
    written: usize,
    limit: Option<usize>,
    error: Option<StreamError<W::Error>>,
}

impl<W: Write + ?Sized> fmt::Debug for ChunkWriter<'_, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChunkWriter")
            .field("capacity", &self.buf.len())
            .field("filled", &self.filled)
            .field("written", &self.written)
            .field("failed", &self.error.is_some())
            .finish()
    }
}

impl<'b, W: Write + ?Sized> ChunkWriter<'b, W> {
    /// A writer into `out` through `buf`.
    pub fn new(out: &'b mut W, buf: &'b mut [u8]) -> Self {
        ChunkWriter {
            out,
            buf,
            filled: 0,
            written: 0,
            limit: None,
            error: None,
        }
    }

    /// Fails with [`StreamError::Changed`], before writing anything beyond it, when the text
    /// grows past `limit` bytes: for a body whose length was announced.
    pub(crate) fn with_limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Bytes accepted so far (written to `out` or waiting in the buffer).
    pub fn len(&self) -> usize {
        self.written
    }

    /// Whether nothing was accepted yet.
    pub fn is_empty(&self) -> bool {
        self.written == 0
    }

    /// The error that made a `write_str` fail, if any.
    pub fn error(&self) -> Option<&StreamError<W::Error>> {
        self.error.as_ref()
    }

    /// Writes out what is buffered and flushes `out`. Returns the total length, or the error
    /// that stopped an earlier `write_str`.
    pub fn finish(mut self) -> Result<usize, StreamError<W::Error>> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.flush_buffer()?;
        self.out.flush().map_err(StreamError::Transport)?;
        Ok(self.written)
    }

    fn flush_buffer(&mut self) -> Result<(), StreamError<W::Error>> {
        let pending = self.buf.get(..self.filled).unwrap_or_default();
        write_all(self.out, pending)?;
        self.filled = 0;
        Ok(())
    }

    fn push(&mut self, mut bytes: &[u8]) -> Result<(), StreamError<W::Error>> {
        if let Some(limit) = self.limit {
            if self.written.saturating_add(bytes.len()) > limit {
                return Err(StreamError::Changed);
            }
        }
        self.written += bytes.len();
        if self.buf.is_empty() {
            return write_all(self.out, bytes);
        }
        while !bytes.is_empty() {
            // Flush only when more text arrives for a full buffer: the last bytes of a
            // document leave in `finish`, after the length check above saw all of it.
            if self.filled == self.buf.len() {
                self.flush_buffer()?;
            }
            let room = self.buf.get_mut(self.filled..).unwrap_or_default();
            let n = room.len().min(bytes.len());
            let (now, later) = bytes.split_at(n);
            if let Some(dst) = room.get_mut(..n) {
                dst.copy_from_slice(now);
            }
            self.filled += n;
            bytes = later;
        }
        Ok(())
    }
}

impl<W: Write + ?Sized> fmt::Write for ChunkWriter<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.error.is_some() {
            return Err(fmt::Error);
        }
        self.push(s.as_bytes()).map_err(|e| {
            self.error = Some(e);
            fmt::Error
        })
    }
}

/// Bytes that need not be UTF-8 (a remote write request, the protobuf exposition), with the
/// same buffering and error keeping as text.
#[cfg(any(feature = "remote-write", feature = "protobuf"))]
impl<W: Write + ?Sized> edgeprom::encode::ByteWrite for ChunkWriter<'_, W> {
    fn write_bytes(&mut self, bytes: &[u8]) -> fmt::Result {
        if self.error.is_some() {
            return Err(fmt::Error);
        }
        self.push(bytes).map_err(|e| {
            self.error = Some(e);
            fmt::Error
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::fmt::Write as _;

    /// Records how the writer was called: every `write` call's length.
    struct Recorder {
        data: heapless::Vec<u8, 256>,
        calls: heapless::Vec<usize, 64>,
        fail_after: Option<usize>,
    }

    impl embedded_io::ErrorType for Recorder {
        type Error = embedded_io::ErrorKind;
    }

    impl Write for Recorder {
        fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
            if self.fail_after.is_some_and(|n| self.data.len() >= n) {
                return Err(embedded_io::ErrorKind::BrokenPipe);
            }
            // Short writes: at most 3 bytes a call.
            let n = buf.len().min(3);
            self.data.extend_from_slice(&buf[..n]).unwrap();
            self.calls.push(n).unwrap();
            Ok(n)
        }
        fn flush(&mut self) -> Result<(), Self::Error> {
            Ok(())
        }
    }

    fn recorder(fail_after: Option<usize>) -> Recorder {
        Recorder {
            data: heapless::Vec::new(),
            calls: heapless::Vec::new(),
            fail_after,
        }
    }

    #[test]
    fn chunks_and_short_writes() {
        let mut r = recorder(None);
        let mut buf = [0u8; 4];
        let mut w = ChunkWriter::new(&mut r, &mut buf);
        w.write_str("abcdef").unwrap();
        w.write_str("g").unwrap();
        w.write_str("hi").unwrap();
        assert_eq!(w.len(), 9);
        assert_eq!(w.finish(), Ok(9));
        assert_eq!(&r.data[..], b"abcdefghi");
        // Two full buffers of 4 (each in two short writes), then the last byte.
        assert_eq!(&r.calls[..], &[3, 1, 3, 1, 1]);
    }

    #[test]
    fn empty_buffer_writes_through() {
        let mut r = recorder(None);
        let mut w = ChunkWriter::new(&mut r, &mut []);
        w.write_str("abcd").unwrap();
        assert_eq!(w.finish(), Ok(4));
        assert_eq!(&r.data[..], b"abcd");
    }

    #[test]
    fn writer_error_is_kept() {
        let mut r = recorder(Some(3));
        let mut buf = [0u8; 2];
        let mut w = ChunkWriter::new(&mut r, &mut buf);
        assert!(w.write_str("0123456789").is_err());
        assert!(w.write_str("more").is_err());
        assert_eq!(
            w.finish(),
            Err(StreamError::Transport(embedded_io::ErrorKind::BrokenPipe))
        );
    }

    #[test]
    fn limit_stops_before_the_excess_leaves() {
        let mut r = recorder(None);
        let mut buf = [0u8; 4];
        let mut w = ChunkWriter::new(&mut r, &mut buf).with_limit(8);
        w.write_str("abcdefgh").unwrap();
        assert!(w.write_str("i").is_err());
        assert_eq!(w.finish(), Err(StreamError::Changed));
        // The second full buffer (the document's last bytes) never left.
        assert_eq!(&r.data[..], b"abcd");
    }
}
