//! Async Pushgateway pushes over any `embedded_io_async::Read + Write` transport (an
//! embassy-net TCP socket, say).

use core::fmt;

use edgeprom::{Exposition, Format};
use embedded_io_async::{Read, Write};

use crate::push::PushError;
use crate::request::{Method, Pushgateway};
use crate::response::HeadReader;
use crate::stream::{rendered_len, Render};
use crate::stream_async::write_rendered_async;

#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
impl Pushgateway<'_> {
    /// The async [`Pushgateway::push`] (`PUT`). The request is streamed in passes (see
    /// [`write_exposition_async`](crate::write_exposition_async) for their cost); a metric
    /// that changes between passes fails the push with [`PushError::Changed`] before the
    /// request is complete.
    pub async fn push_async<T: Read + Write + ?Sized>(
        &self,
        io: &mut T,
        registry: &(impl Exposition + ?Sized),
        buf: &mut [u8],
    ) -> Result<u16, PushError<T::Error>> {
        let body = |w: &mut dyn fmt::Write| registry.encode_to(Format::Prometheus, w);
        self.send_async(Method::Put, Some(&body), io, buf).await
    }

    /// The async [`Pushgateway::push_add`] (`POST`).
    pub async fn push_add_async<T: Read + Write + ?Sized>(
        &self,
        io: &mut T,
        registry: &(impl Exposition + ?Sized),
        buf: &mut [u8],
    ) -> Result<u16, PushError<T::Error>> {
        let body = |w: &mut dyn fmt::Write| registry.encode_to(Format::Prometheus, w);
        self.send_async(Method::Post, Some(&body), io, buf).await
    }

    /// The async [`Pushgateway::delete`] (`DELETE`).
    pub async fn delete_async<T: Read + Write + ?Sized>(
        &self,
        io: &mut T,
        buf: &mut [u8],
    ) -> Result<u16, PushError<T::Error>> {
        self.send_async(Method::Delete, None, io, buf).await
    }

    async fn send_async<T: Read + Write + ?Sized>(
        &self,
        method: Method,
        body: Option<Render<'_>>,
        io: &mut T,
        buf: &mut [u8],
    ) -> Result<u16, PushError<T::Error>> {
        if buf.is_empty() {
            return Err(PushError::NoBuffer);
        }
        let body_len = match body {
            Some(body) => Some(rendered_len(body).map_err(|_| PushError::Encode)?),
            None => None,
        };
        let body_type = body_len.map(|n| (Format::Prometheus.content_type(), n));
        let head = |w: &mut dyn fmt::Write| self.write_head(w, method, body_type);
        let head_len = rendered_len(&head).map_err(|_| PushError::Encode)?;
        let request = |w: &mut dyn fmt::Write| {
            head(w)?;
            match body {
                Some(body) => body(w),
                None => Ok(()),
            }
        };
        let len = head_len + body_len.unwrap_or(0);
        write_rendered_async(&request, Some(len), io, buf).await?;
        read_status_async(io, buf).await
    }
}

/// The async [`read_status`](crate::push::read_status).
pub(crate) async fn read_status_async<T: Read + ?Sized>(
    io: &mut T,
    buf: &mut [u8],
) -> Result<u16, PushError<T::Error>> {
    let mut reader = HeadReader::new(buf);
    loop {
        let n = io
            .read(reader.space()?)
            .await
            .map_err(PushError::Transport)?;
        if let Some(code) = reader.received(n)? {
            return Ok(code);
        }
    }
}
