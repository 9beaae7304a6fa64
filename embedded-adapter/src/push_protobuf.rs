//! Blocking Pushgateway pushes in the Prometheus protobuf exposition (feature `protobuf`):
//! length-delimited `io.prometheus.client.MetricFamily` messages, measured for the
//! `Content-Length` and then streamed through the caller's buffer.

use core::fmt;

use edgeprom::encode::protobuf::CONTENT_TYPE;
use edgeprom::encode::ByteWrite;
use edgeprom::Exposition;
use embedded_io::{Read, Write};

use crate::chunk::ChunkWriter;
use crate::push::{read_status, PushError};
use crate::request::{Method, Pushgateway};
use crate::stream::rendered_len;

#[cfg_attr(docsrs, doc(cfg(feature = "protobuf")))]
impl Pushgateway<'_> {
    /// [`Pushgateway::push`] (`PUT`) in the protobuf exposition (`Content-Type`
    /// [`CONTENT_TYPE`]) instead of Prometheus text: the same series, in fewer bytes, with
    /// creation times as the messages' `created_timestamp`. The body is measured with
    /// [`protobuf_len`](Exposition::protobuf_len) for the `Content-Length` and streamed
    /// through `buf` by [`write_protobuf`](Exposition::write_protobuf), each family measured
    /// before it is written; a metric that changes its length in between fails the push
    /// with [`PushError::Changed`] before the request is complete.
    ///
    /// ```
    /// use edgeprom::{Counter, Metric, Registry};
    /// use edgeprom_embedded::Pushgateway;
    ///
    /// static BOOTS: Metric<Counter> = Metric::new("boots", "Boots since flashing");
    /// let mut registry: Registry<'_, 1> = Registry::new();
    /// registry.register(&BOOTS)?;
    /// BOOTS.inc();
    /// # struct Wire { sent: [u8; 512], len: usize, reply: &'static [u8] }
    /// # impl embedded_io::ErrorType for Wire { type Error = core::convert::Infallible; }
    /// # impl embedded_io::Write for Wire {
    /// #     fn write(&mut self, b: &[u8]) -> Result<usize, Self::Error> {
    /// #         self.sent[self.len..self.len + b.len()].copy_from_slice(b);
    /// #         self.len += b.len();
    /// #         Ok(b.len())
    /// #     }
    /// #     fn flush(&mut self) -> Result<(), Self::Error> { Ok(()) }
    /// # }
    /// # impl embedded_io::Read for Wire {
    /// #     fn read(&mut self, b: &mut [u8]) -> Result<usize, Self::Error> {
    /// #         let n = b.len().min(self.reply.len());
    /// #         b[..n].copy_from_slice(&self.reply[..n]);
    /// #         self.reply = &self.reply[n..];
    /// #         Ok(n)
    /// #     }
    /// # }
    /// # let mut socket = Wire { sent: [0; 512], len: 0, reply: b"HTTP/1.1 200 OK\r\n\r\n" };
    /// let gateway = Pushgateway::new("10.0.0.2:9091", "sensor")?;
    /// let mut buf = [0u8; 128];
    /// assert_eq!(gateway.push_protobuf(&mut socket, &registry, &mut buf)?, 200);
    /// let sent = &socket.sent[..socket.len];
    /// let body_at = sent.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    /// let head = core::str::from_utf8(&sent[..body_at])?;
    /// assert!(head.contains("\r\nContent-Type: application/vnd.google.protobuf; \
    ///     proto=io.prometheus.client.MetricFamily; encoding=delimited\r\n"));
    /// let mut body = [0u8; 128];
    /// let n = registry.encode_protobuf(&mut body)?;
    /// assert_eq!(&sent[body_at..], &body[..n]);
    /// # Ok::<(), Box<dyn core::error::Error>>(())
    /// ```
    pub fn push_protobuf<T: Read + Write + ?Sized>(
        &self,
        io: &mut T,
        registry: &(impl Exposition + ?Sized),
        buf: &mut [u8],
    ) -> Result<u16, PushError<T::Error>> {
        self.send_protobuf(Method::Put, io, registry, buf)
    }

    /// [`Pushgateway::push_add`] (`POST`: replaces only the metrics whose names are in
    /// `registry`) in the protobuf exposition; as [`push_protobuf`](Self::push_protobuf)
    /// otherwise.
    pub fn push_add_protobuf<T: Read + Write + ?Sized>(
        &self,
        io: &mut T,
        registry: &(impl Exposition + ?Sized),
        buf: &mut [u8],
    ) -> Result<u16, PushError<T::Error>> {
        self.send_protobuf(Method::Post, io, registry, buf)
    }

    fn send_protobuf<T: Read + Write + ?Sized>(
        &self,
        method: Method,
        io: &mut T,
        registry: &(impl Exposition + ?Sized),
        buf: &mut [u8],
    ) -> Result<u16, PushError<T::Error>> {
        let (body_len, total) = self.measure_protobuf(method, registry, buf)?;
        let mut w = ChunkWriter::new(io, buf).with_limit(total);
        let written = self.write_protobuf_request(&mut w, method, registry, body_len);
        let sent = match (written, w.error()) {
            (Err(_), None) => return Err(encode_failure(registry, body_len)),
            _ => w.finish()?,
        };
        if sent != total {
            // Shorter than announced: the gateway is still waiting for the rest.
            return Err(PushError::Changed);
        }
        read_status(io, buf)
    }
}

impl Pushgateway<'_> {
    /// The body's length and the whole request's, measured (after checking `buf`, which
    /// must not be empty).
    pub(crate) fn measure_protobuf<E>(
        &self,
        method: Method,
        registry: &(impl Exposition + ?Sized),
        buf: &[u8],
    ) -> Result<(usize, usize), PushError<E>> {
        if buf.is_empty() {
            return Err(PushError::NoBuffer);
        }
        let body_len = registry.protobuf_len().map_err(|_| PushError::Encode)?;
        let head = |w: &mut dyn fmt::Write| self.protobuf_head(w, method, body_len);
        Ok((
            body_len,
            rendered_len(&head).map_err(|_| PushError::Encode)? + body_len,
        ))
    }

    /// Writes the request (head, then the body of `body_len` bytes) to `w`.
    pub(crate) fn write_protobuf_request<W: fmt::Write + ByteWrite>(
        &self,
        w: &mut W,
        method: Method,
        registry: &(impl Exposition + ?Sized),
        body_len: usize,
    ) -> fmt::Result {
        self.protobuf_head(w, method, body_len)?;
        registry
            .write_protobuf(w)
            .map(|_| ())
            .map_err(|_| fmt::Error)
    }

    fn protobuf_head(
        &self,
        w: &mut dyn fmt::Write,
        method: Method,
        body_len: usize,
    ) -> fmt::Result {
        self.write_head(w, method, Some((CONTENT_TYPE, body_len)))
    }
}

/// Why a protobuf body failed without a transport error: a family that changed length
/// between its measure and its write ([`PushError::Changed`]; the document's length then
/// usually differs from the one announced), or a collector's failure.
pub(crate) fn encode_failure<E>(
    registry: &(impl Exposition + ?Sized),
    announced: usize,
) -> PushError<E> {
    match registry.protobuf_len() {
        Ok(len) if len == announced => PushError::Encode,
        _ => PushError::Changed,
    }
}
