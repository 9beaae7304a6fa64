//! Blocking Pushgateway pushes over any `embedded_io::Read + Write` transport, and
//! [`PushError`].

use core::fmt;

use edgeprom::{Exposition, Format};
use embedded_io::{Read, Write};

use crate::error::StreamError;
use crate::request::{Method, Pushgateway};
use crate::response::{HeadReader, ResponseError};
use crate::stream::{rendered_len, write_rendered, Render};

/// A push, push-add or delete failed. `E` is the transport's error. Each way a request can
/// fail is its own variant; none of them panics or waits once the transport reports an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushError<E> {
    /// The transport reported an error while writing or reading.
    Transport(E),
    /// The transport accepted no bytes of a non-empty write.
    WriteZero,
    /// A collector failed while encoding the exposition.
    Encode,
    /// A metric changed the exposition's length between measuring it (for `Content-Length`)
    /// and sending it. The request was not completed, so the gateway keeps what it had: close
    /// the connection and push again.
    Changed,
    /// The buffer is empty (it holds request chunks and then the response head).
    NoBuffer,
    /// The connection closed before the response's status line and headers arrived.
    Closed,
    /// The reply is not an HTTP/1.x response.
    Malformed,
    /// The response head does not fit in the buffer (or has more than 16 headers).
    TooLarge,
    /// The gateway answered with this non-2xx status (400: it rejected the exposition; 401:
    /// credentials; 404: wrong path).
    Status(u16),
}

impl<E: fmt::Display> fmt::Display for PushError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushError::Transport(e) => write!(f, "transport error: {e}"),
            PushError::WriteZero => f.write_str("the transport accepted no bytes"),
            PushError::Encode => f.write_str("a collector failed while encoding"),
            PushError::Changed => f.write_str(
                "the exposition changed length while it was being sent; the request was not completed",
            ),
            PushError::NoBuffer => f.write_str("the buffer is empty"),
            PushError::Closed => f.write_str("the connection closed before a complete response"),
            PushError::Malformed => f.write_str("the reply is not an HTTP/1.x response"),
            PushError::TooLarge => f.write_str("the response head does not fit in the buffer"),
            PushError::Status(code) => write!(f, "the gateway answered with status {code}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> core::error::Error for PushError<E> {}

impl<E> PushError<E> {
    /// The same error with the transport's error mapped by `f` (to its
    /// [`embedded_io::ErrorKind`], say, to compare or store it).
    pub fn map_transport<F>(self, f: impl FnOnce(E) -> F) -> PushError<F> {
        match self {
            PushError::Transport(e) => PushError::Transport(f(e)),
            PushError::WriteZero => PushError::WriteZero,
            PushError::Encode => PushError::Encode,
            PushError::Changed => PushError::Changed,
            PushError::NoBuffer => PushError::NoBuffer,
            PushError::Closed => PushError::Closed,
            PushError::Malformed => PushError::Malformed,
            PushError::TooLarge => PushError::TooLarge,
            PushError::Status(code) => PushError::Status(code),
        }
    }
}

impl<E> From<StreamError<E>> for PushError<E> {
    fn from(e: StreamError<E>) -> Self {
        match e {
            StreamError::Transport(e) => PushError::Transport(e),
            StreamError::WriteZero => PushError::WriteZero,
            StreamError::Encode => PushError::Encode,
            StreamError::Changed => PushError::Changed,
            StreamError::NoBuffer => PushError::NoBuffer,
        }
    }
}

impl<E> From<ResponseError> for PushError<E> {
    fn from(e: ResponseError) -> Self {
        match e {
            ResponseError::Closed => PushError::Closed,
            ResponseError::Malformed => PushError::Malformed,
            ResponseError::TooLarge => PushError::TooLarge,
            ResponseError::Status(code) => PushError::Status(code),
        }
    }
}

/// A request about to be sent: its method, its renderer and its exact length.
pub(crate) struct Prepared<'r> {
    pub(crate) render: Render<'r>,
    pub(crate) len: usize,
}

impl<'g> Pushgateway<'g> {
    /// `PUT`: replaces every metric of the group with `registry`'s (Prometheus text). `io` is
    /// a fresh connection to the gateway (the request asks to close it); `buf` holds the
    /// request in chunks and then the response head (256 bytes is plenty). Returns the
    /// gateway's 2xx status.
    ///
    /// The request has an exact `Content-Length`: the exposition is encoded once to measure
    /// it and once more while streaming, so no buffer holds the whole document.
    pub fn push<T: Read + Write + ?Sized>(
        &self,
        io: &mut T,
        registry: &(impl Exposition + ?Sized),
        buf: &mut [u8],
    ) -> Result<u16, PushError<T::Error>> {
        self.send_body(Method::Put, io, registry, buf)
    }

    /// `POST`: replaces only the metrics of the group whose names are in `registry`. As
    /// [`Pushgateway::push`] otherwise.
    pub fn push_add<T: Read + Write + ?Sized>(
        &self,
        io: &mut T,
        registry: &(impl Exposition + ?Sized),
        buf: &mut [u8],
    ) -> Result<u16, PushError<T::Error>> {
        self.send_body(Method::Post, io, registry, buf)
    }

    /// `DELETE`: removes the whole group. As [`Pushgateway::push`] otherwise (the gateway
    /// answers 202).
    pub fn delete<T: Read + Write + ?Sized>(
        &self,
        io: &mut T,
        buf: &mut [u8],
    ) -> Result<u16, PushError<T::Error>> {
        let head = |w: &mut dyn fmt::Write| self.write_head(w, Method::Delete, None);
        let len = rendered_len(&head).map_err(|_| PushError::Encode)?;
        exchange(io, Prepared { render: &head, len }, buf)
    }

    fn send_body<T: Read + Write + ?Sized>(
        &self,
        method: Method,
        io: &mut T,
        registry: &(impl Exposition + ?Sized),
        buf: &mut [u8],
    ) -> Result<u16, PushError<T::Error>> {
        let body = |w: &mut dyn fmt::Write| registry.encode_to(Format::Prometheus, w);
        self.with_request(method, &body, |request| exchange(io, request, buf))
    }

    /// Measures the body, builds the request renderer (head and body) and hands it to `send`.
    pub(crate) fn with_request<R, E>(
        &self,
        method: Method,
        body: Render<'_>,
        send: impl FnOnce(Prepared<'_>) -> Result<R, PushError<E>>,
    ) -> Result<R, PushError<E>> {
        let body_len = rendered_len(body).map_err(|_| PushError::Encode)?;
        let body_type = Some((Format::Prometheus.content_type(), body_len));
        let head = |w: &mut dyn fmt::Write| self.write_head(w, method, body_type);
        let head_len = rendered_len(&head).map_err(|_| PushError::Encode)?;
        let request = |w: &mut dyn fmt::Write| {
            head(w)?;
            body(w)
        };
        send(Prepared {
            render: &request,
            len: head_len + body_len,
        })
    }
}

/// Sends `request` and reads the response head.
fn exchange<T: Read + Write + ?Sized>(
    io: &mut T,
    request: Prepared<'_>,
    buf: &mut [u8],
) -> Result<u16, PushError<T::Error>> {
    if buf.is_empty() {
        return Err(PushError::NoBuffer);
    }
    let sent = write_rendered(request.render, Some(request.len), io, buf)?;
    if sent != request.len {
        // Shorter than announced: the gateway is still waiting for the rest.
        return Err(PushError::Changed);
    }
    read_status(io, buf)
}

/// Reads the reply's status line and headers into `buf`: the 2xx status.
pub(crate) fn read_status<T: Read + ?Sized>(
    io: &mut T,
    buf: &mut [u8],
) -> Result<u16, PushError<T::Error>> {
    let mut head = HeadReader::new(buf);
    loop {
        let n = io.read(head.space()?).map_err(PushError::Transport)?;
        if let Some(code) = head.received(n)? {
            return Ok(code);
        }
    }
}
