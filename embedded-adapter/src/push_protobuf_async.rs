//! Async Pushgateway pushes in the protobuf exposition (features `async` and `protobuf`),
//! streamed in passes as the async text push is.

use edgeprom::Exposition;
use embedded_io_async::{Read, Write};

use crate::error::StreamError;
use crate::push::PushError;
use crate::push_async::read_status_async;
use crate::push_protobuf::encode_failure;
use crate::request::{Method, Pushgateway};
use crate::skip::SkipWriter;
use crate::stream_async::write_passes_async;

#[cfg_attr(docsrs, doc(cfg(all(feature = "async", feature = "protobuf"))))]
impl Pushgateway<'_> {
    /// The async [`Pushgateway::push_protobuf`] (`PUT`). The request is streamed in passes
    /// (see [`write_exposition_async`](crate::write_exposition_async) for their cost); a
    /// metric that changes between passes fails the push with [`PushError::Changed`] before
    /// the request is complete.
    pub async fn push_protobuf_async<T: Read + Write + ?Sized>(
        &self,
        io: &mut T,
        registry: &(impl Exposition + ?Sized),
        buf: &mut [u8],
    ) -> Result<u16, PushError<T::Error>> {
        self.send_protobuf_async(Method::Put, io, registry, buf)
            .await
    }

    /// The async [`Pushgateway::push_add_protobuf`] (`POST`).
    pub async fn push_add_protobuf_async<T: Read + Write + ?Sized>(
        &self,
        io: &mut T,
        registry: &(impl Exposition + ?Sized),
        buf: &mut [u8],
    ) -> Result<u16, PushError<T::Error>> {
        self.send_protobuf_async(Method::Post, io, registry, buf)
            .await
    }

    async fn send_protobuf_async<T: Read + Write + ?Sized>(
        &self,
        method: Method,
        io: &mut T,
        registry: &(impl Exposition + ?Sized),
        buf: &mut [u8],
    ) -> Result<u16, PushError<T::Error>> {
        let (body_len, total) = self.measure_protobuf(method, registry, buf)?;
        let render =
            |w: &mut SkipWriter<'_>| self.write_protobuf_request(w, method, registry, body_len);
        match write_passes_async(&render, Some(total), io, buf).await {
            Ok(_) => {}
            Err(StreamError::Encode) => return Err(encode_failure(registry, body_len)),
            Err(e) => return Err(e.into()),
        }
        read_status_async(io, buf).await
    }
}
