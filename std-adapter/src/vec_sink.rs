//! [`VecSink`]: a `Vec<u8>` as the core's [`ByteWrite`], where the binary encoders (remote
//! write, the protobuf exposition) stream into memory.

use std::fmt;

use edgeprom::encode::ByteWrite;

/// A `Vec` as a byte sink: appended to.
pub(crate) struct VecSink<'a>(pub(crate) &'a mut Vec<u8>);

impl ByteWrite for VecSink<'_> {
    fn write_bytes(&mut self, bytes: &[u8]) -> fmt::Result {
        self.0.extend_from_slice(bytes);
        Ok(())
    }
}
