//! [`StreamError`]: why streaming an exposition into a transport failed.

use core::fmt;

/// Streaming a document into an `embedded_io` writer failed. `E` is the writer's error.
///
/// The blocking [`write_exposition`](crate::write_exposition) returns `Transport`, `WriteZero`
/// and `Encode`; the async flavour can also return `Changed` and `NoBuffer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamError<E> {
    /// The writer reported an error; what was written before it stays written.
    Transport(E),
    /// The writer accepted no bytes of a non-empty write (a closed sink).
    WriteZero,
    /// A collector failed while encoding (not the writer).
    Encode,
    /// The document changed while it was being sent in several passes, so the bytes already
    /// sent do not belong to one document. Nothing more was sent: drop the connection and
    /// retry.
    Changed,
    /// The chunk buffer is empty; the async flavour needs at least one byte.
    NoBuffer,
}

impl<E: fmt::Display> fmt::Display for StreamError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Transport(e) => write!(f, "transport error: {e}"),
            StreamError::WriteZero => f.write_str("the transport accepted no bytes"),
            StreamError::Encode => f.write_str("a collector failed while encoding"),
            StreamError::Changed => f.write_str("the exposition changed while it was being sent"),
            StreamError::NoBuffer => f.write_str("the chunk buffer is empty"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> core::error::Error for StreamError<E> {}

/// Writes all of `bytes`, turning a zero-length write into [`StreamError::WriteZero`]
/// (`embedded_io`'s own `write_all` panics there).
pub(crate) fn write_all<W: embedded_io::Write + ?Sized>(
    out: &mut W,
    mut bytes: &[u8],
) -> Result<(), StreamError<W::Error>> {
    while !bytes.is_empty() {
        match out.write(bytes) {
            Ok(0) => return Err(StreamError::WriteZero),
            Ok(n) => bytes = bytes.get(n..).unwrap_or_default(),
            Err(e) => return Err(StreamError::Transport(e)),
        }
    }
    Ok(())
}

/// The async [`write_all`].
#[cfg(feature = "async")]
pub(crate) async fn write_all_async<W: embedded_io_async::Write + ?Sized>(
    out: &mut W,
    mut bytes: &[u8],
) -> Result<(), StreamError<W::Error>> {
    while !bytes.is_empty() {
        match out.write(bytes).await {
            Ok(0) => return Err(StreamError::WriteZero),
            Ok(n) => bytes = bytes.get(n..).unwrap_or_default(),
            Err(e) => return Err(StreamError::Transport(e)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::fmt::Write;

    #[test]
    fn display() {
        let mut s: heapless::String<64> = heapless::String::new();
        let e: StreamError<embedded_io::ErrorKind> = StreamError::Changed;
        write!(s, "{e}").unwrap();
        assert_eq!(s, "the exposition changed while it was being sent");
    }

    /// A sink that accepts nothing, without an error.
    struct Zero;
    impl embedded_io::ErrorType for Zero {
        type Error = embedded_io::ErrorKind;
    }
    impl embedded_io::Write for Zero {
        fn write(&mut self, _: &[u8]) -> Result<usize, Self::Error> {
            Ok(0)
        }
        fn flush(&mut self) -> Result<(), Self::Error> {
            Ok(())
        }
    }

    #[test]
    fn write_zero_is_an_error_not_a_panic() {
        assert_eq!(write_all(&mut Zero, b""), Ok(()));
        assert_eq!(write_all(&mut Zero, b"x"), Err(StreamError::WriteZero));
        let mut full: &mut [u8] = &mut [];
        assert_eq!(
            write_all(&mut full, b"x"),
            Err(StreamError::Transport(embedded_io::SliceWriteError::Full))
        );
    }
}
