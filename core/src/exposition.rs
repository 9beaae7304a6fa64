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
//!
//! With the feature `protobuf`, an `Exposition` is also the protobuf exposition
//! ([`encode_protobuf`](Exposition::encode_protobuf),
//! [`protobuf_len`](Exposition::protobuf_len), [`write_protobuf`](Exposition::write_protobuf)).

use core::fmt;

#[cfg(feature = "remote-write")]
use crate::encode::remote_write::RemoteWrite;
#[cfg(any(feature = "remote-write", feature = "protobuf"))]
use crate::encode::ByteWrite;
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
    /// The protobuf exposition in `buf` (see [`Registry::encode_protobuf`]).
    #[cfg(feature = "protobuf")]
    #[cfg_attr(docsrs, doc(cfg(feature = "protobuf")))]
    fn encode_protobuf(&self, buf: &mut [u8]) -> Result<usize, EncodeError>;
    /// The length of the protobuf exposition (see [`Registry::protobuf_len`]).
    #[cfg(feature = "protobuf")]
    #[cfg_attr(docsrs, doc(cfg(feature = "protobuf")))]
    fn protobuf_len(&self) -> Result<usize, EncodeError>;
    /// Streams the protobuf exposition to `sink` (see [`Registry::write_protobuf`]).
    #[cfg(feature = "protobuf")]
    #[cfg_attr(docsrs, doc(cfg(feature = "protobuf")))]
    fn write_protobuf(&self, sink: &mut dyn ByteWrite) -> Result<usize, EncodeError>;
}

/// The trait's protobuf methods, forwarded to the registry's own.
#[cfg(feature = "protobuf")]
macro_rules! protobuf_methods {
    ($ty:ident) => {
        fn encode_protobuf(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
            $ty::encode_protobuf(self, buf)
        }
        fn protobuf_len(&self) -> Result<usize, EncodeError> {
            $ty::protobuf_len(self)
        }
        fn write_protobuf(&self, sink: &mut dyn ByteWrite) -> Result<usize, EncodeError> {
            $ty::write_protobuf(self, sink)
        }
    };
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
    #[cfg(feature = "protobuf")]
    protobuf_methods!(Registry);
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
    #[cfg(feature = "protobuf")]
    protobuf_methods!(StaticRegistry);
}
