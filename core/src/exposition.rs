//! [`Exposition`]: what can be written as a document, a [`Registry`] or a
//! [`StaticRegistry`], so that transports (the embedded adapter's push and streaming, your
//! own) take either.
//!
//! With the feature `remote-write`, an `Exposition` is also a remote write request
//! ([`remote_write_len`](Exposition::remote_write_len),
//! [`write_remote_write_snappy`](Exposition::write_remote_write_snappy)), so a remote write
//! client takes either registry too. A registry of your own that builds its
//! [`Encoder`](crate::encode::Encoder) itself writes remote write with
//! [`Encoder::remote_write`](crate::encode::Encoder::remote_write).

use core::fmt;

#[cfg(feature = "remote-write")]
use crate::encode::remote_write::{ByteWrite, RemoteWrite};
use crate::encode::{EncodeError, Format};
use crate::registry::Registry;
use crate::static_registry::StaticRegistry;

/// A source of exposition documents, shared by reference with the tasks that write it.
pub trait Exposition: Sync {
    /// Writes the whole document into `buf` and returns its length; when it does not fit,
    /// [`EncodeError::BufferTooSmall`] with the size needed.
    fn encode(&self, format: Format, buf: &mut [u8]) -> Result<usize, EncodeError>;
    /// Writes the whole document into any [`fmt::Write`].
    fn encode_to(&self, format: Format, out: &mut dyn fmt::Write) -> fmt::Result;
    /// The length of the uncompressed remote write request (see
    /// [`Registry::remote_write_len`]).
    #[cfg(feature = "remote-write")]
    #[cfg_attr(docsrs, doc(cfg(feature = "remote-write")))]
    fn remote_write_len(&self, request: &RemoteWrite) -> Result<usize, EncodeError>;
    /// Streams the request, of `protobuf_len` bytes as measured by
    /// [`remote_write_len`](Self::remote_write_len), to `sink` in a literal-only snappy block
    /// (see [`Registry::write_remote_write_snappy`]).
    #[cfg(feature = "remote-write")]
    #[cfg_attr(docsrs, doc(cfg(feature = "remote-write")))]
    fn write_remote_write_snappy(
        &self,
        request: &RemoteWrite,
        protobuf_len: usize,
        sink: &mut dyn ByteWrite,
    ) -> Result<usize, EncodeError>;
}

/// The trait's remote write methods, forwarded to the registry's own.
#[cfg(feature = "remote-write")]
macro_rules! remote_write_methods {
    ($ty:ident) => {
        fn remote_write_len(&self, request: &RemoteWrite) -> Result<usize, EncodeError> {
            $ty::remote_write_len(self, request)
        }
        fn write_remote_write_snappy(
            &self,
            request: &RemoteWrite,
            protobuf_len: usize,
            sink: &mut dyn ByteWrite,
        ) -> Result<usize, EncodeError> {
            $ty::write_remote_write_snappy(self, request, protobuf_len, sink)
        }
    };
}

impl<const N: usize> Exposition for Registry<'_, N> {
    fn encode(&self, format: Format, buf: &mut [u8]) -> Result<usize, EncodeError> {
        Registry::encode(self, format, buf)
    }
    fn encode_to(&self, format: Format, out: &mut dyn fmt::Write) -> fmt::Result {
        Registry::encode_to(self, format, out)
    }
    #[cfg(feature = "remote-write")]
    remote_write_methods!(Registry);
}

impl<const N: usize> Exposition for StaticRegistry<N> {
    fn encode(&self, format: Format, buf: &mut [u8]) -> Result<usize, EncodeError> {
        StaticRegistry::encode(self, format, buf)
    }
    fn encode_to(&self, format: Format, out: &mut dyn fmt::Write) -> fmt::Result {
        StaticRegistry::encode_to(self, format, out)
    }
    #[cfg(feature = "remote-write")]
    remote_write_methods!(StaticRegistry);
}
