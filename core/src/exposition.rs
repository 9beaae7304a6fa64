//! [`Exposition`]: what can be written as a document, a [`Registry`] or a
//! [`StaticRegistry`], so that transports (the embedded adapter's push and streaming, your
//! own) take either.

use core::fmt;

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
}

impl<const N: usize> Exposition for Registry<'_, N> {
    fn encode(&self, format: Format, buf: &mut [u8]) -> Result<usize, EncodeError> {
        Registry::encode(self, format, buf)
    }
    fn encode_to(&self, format: Format, out: &mut dyn fmt::Write) -> fmt::Result {
        Registry::encode_to(self, format, out)
    }
}

impl<const N: usize> Exposition for StaticRegistry<N> {
    fn encode(&self, format: Format, buf: &mut [u8]) -> Result<usize, EncodeError> {
        StaticRegistry::encode(self, format, buf)
    }
    fn encode_to(&self, format: Format, out: &mut dyn fmt::Write) -> fmt::Result {
        StaticRegistry::encode_to(self, format, out)
    }
}
