//! [`ByteWrite`]: where the binary encoders (remote write, the protobuf exposition) stream
//! their bytes, protobuf being binary so that a [`fmt::Write`] cannot take it.

use core::fmt;

use super::SliceWriter;

/// A sink of bytes, for a binary document streamed rather than written into a buffer.
pub trait ByteWrite {
    /// Writes all of `bytes`.
    fn write_bytes(&mut self, bytes: &[u8]) -> fmt::Result;
}

/// A byte buffer as a sink: written in place, counting past the end (see
/// [`SliceWriter::finish`]).
impl ByteWrite for SliceWriter<'_> {
    fn write_bytes(&mut self, bytes: &[u8]) -> fmt::Result {
        self.put(bytes);
        Ok(())
    }
}
