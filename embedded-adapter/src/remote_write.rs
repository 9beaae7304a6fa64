//! Blocking Prometheus remote write 1.0 ([`RemoteWriteClient`]) and VictoriaMetrics' text
//! import ([`VictoriaImport`]) over any `embedded_io::Read + Write` transport, the reply
//! ([`Reply`]: status and `Date`) and [`RemoteWriteError`], which tells a retry loop what the
//! specification says to do.

use core::fmt;
use core::time::Duration;

use edgeprom::encode::remote_write::{snappy_len, RemoteWrite, CONTENT_TYPE};
use edgeprom::{Exposition, Format};
use embedded_io::{Read, Write};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::chunk::ChunkWriter;
use crate::error::StreamError;
use crate::request::{validate_credentials, validate_host, ConfigError, Head};
use crate::response::{HeadReader, Meta, ResponseError};
use crate::stream::{rendered_len, Render};

/// The most body bytes of a reply skipped on a kept-alive connection (receivers answer with
/// an empty body or a line of error text); a longer body is left unread.
const MAX_SKIP: usize = 64 * 1024;

/// The headers of a remote write request after its `Content-Type`.
const REMOTE_WRITE_HEADERS: &str = concat!(
    "Content-Encoding: snappy\r\n",
    "X-Prometheus-Remote-Write-Version: 0.1.0\r\n"
);

/// A receiver's answer: a 2xx status and, when it sent one, its `Date` as Unix time (to set
/// an [`OffsetClock`](crate::OffsetClock) from, on a device without a clock of its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply {
    status: u16,
    date: Option<Duration>,
}

impl Reply {
    /// The status (2xx: 200 or 204).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The reply's `Date` header as time since the Unix epoch, when present and an
    /// IMF-fixdate (see [`parse_http_date`](crate::parse_http_date)). It is the receiver's
    /// clock when it answered, to about a second.
    pub fn date(&self) -> Option<Duration> {
        self.date
    }
}

/// A remote write or import failed. `E` is the transport's error.
///
/// The remote write specification says what to do with each: retry (with a backoff) after
/// [`is_retryable`](Self::is_retryable) ones, after at least
/// [`retry_after`](Self::retry_after) when the receiver said so; drop the request after any
/// other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RemoteWriteError<E> {
    /// The transport reported an error while writing or reading (retryable: on a new
    /// connection).
    Transport(E),
    /// The transport accepted no bytes of a non-empty write (retryable).
    WriteZero,
    /// A collector failed while encoding.
    Encode,
    /// The text exposition changed length between measuring and sending it (an import; a
    /// remote write request always has the length it announced). The request was not
    /// completed: retry on a new connection.
    Changed,
    /// The buffer is empty (it holds request chunks and then the reply's head).
    NoBuffer,
    /// The connection closed before the reply's head arrived (retryable).
    Closed,
    /// The reply is not an HTTP/1.x response.
    Malformed,
    /// The reply's head does not fit in the buffer (or has more than 16 headers).
    TooLarge,
    /// The receiver refused the request for good: a 4xx other than 429 (400: a sample it
    /// will not store, such as one too old or out of order; 401: credentials; 404: wrong
    /// path), or another non-2xx status. Sending it again would fail again.
    Rejected {
        /// The status.
        status: u16,
        /// The reply's `Date` (a 400 for samples too old may mean the device's clock is off).
        date: Option<Duration>,
    },
    /// The receiver could not take the request now: 5xx, or 429 (too many requests).
    Retryable {
        /// The status.
        status: u16,
        /// `Retry-After`, in seconds, when the receiver sent it.
        retry_after: Option<u64>,
        /// The reply's `Date`.
        date: Option<Duration>,
    },
}

impl<E> RemoteWriteError<E> {
    /// Whether sending the same request again may succeed: a transport failure, a closed
    /// connection, a changed exposition, or a 5xx or 429 reply.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            RemoteWriteError::Transport(_)
                | RemoteWriteError::WriteZero
                | RemoteWriteError::Changed
                | RemoteWriteError::Closed
                | RemoteWriteError::Retryable { .. }
        )
    }

    /// How long the receiver asked to wait before a retry (`Retry-After` of a 429 or 5xx).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            RemoteWriteError::Retryable {
                retry_after: Some(s),
                ..
            } => Some(Duration::from_secs(*s)),
            _ => None,
        }
    }

    /// The reply's status, when the receiver answered with a non-2xx one.
    pub fn status(&self) -> Option<u16> {
        match self {
            RemoteWriteError::Rejected { status, .. }
            | RemoteWriteError::Retryable { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The reply's `Date`, when the receiver answered with a non-2xx status and one.
    pub fn date(&self) -> Option<Duration> {
        match self {
            RemoteWriteError::Rejected { date, .. } | RemoteWriteError::Retryable { date, .. } => {
                *date
            }
            _ => None,
        }
    }

    /// The same error with the transport's error mapped by `f`.
    pub fn map_transport<F>(self, f: impl FnOnce(E) -> F) -> RemoteWriteError<F> {
        match self {
            RemoteWriteError::Transport(e) => RemoteWriteError::Transport(f(e)),
            RemoteWriteError::WriteZero => RemoteWriteError::WriteZero,
            RemoteWriteError::Encode => RemoteWriteError::Encode,
            RemoteWriteError::Changed => RemoteWriteError::Changed,
            RemoteWriteError::NoBuffer => RemoteWriteError::NoBuffer,
            RemoteWriteError::Closed => RemoteWriteError::Closed,
            RemoteWriteError::Malformed => RemoteWriteError::Malformed,
            RemoteWriteError::TooLarge => RemoteWriteError::TooLarge,
            RemoteWriteError::Rejected { status, date } => {
                RemoteWriteError::Rejected { status, date }
            }
            RemoteWriteError::Retryable {
                status,
                retry_after,
                date,
            } => RemoteWriteError::Retryable {
                status,
                retry_after,
                date,
            },
        }
    }
}

impl<E: fmt::Display> fmt::Display for RemoteWriteError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteWriteError::Transport(e) => write!(f, "transport error: {e}"),
            RemoteWriteError::WriteZero => f.write_str("the transport accepted no bytes"),
            RemoteWriteError::Encode => f.write_str("a collector failed while encoding"),
            RemoteWriteError::Changed => f.write_str(
                "the exposition changed length while it was being sent; the request was not completed",
            ),
            RemoteWriteError::NoBuffer => f.write_str("the buffer is empty"),
            RemoteWriteError::Closed => {
                f.write_str("the connection closed before a complete response")
            }
            RemoteWriteError::Malformed => f.write_str("the reply is not an HTTP/1.x response"),
            RemoteWriteError::TooLarge => {
                f.write_str("the response head does not fit in the buffer")
            }
            RemoteWriteError::Rejected { status, .. } => {
                write!(f, "the receiver rejected the request with status {status}")
            }
            RemoteWriteError::Retryable {
                status,
                retry_after,
                ..
            } => {
                write!(f, "the receiver answered {status}; retry")?;
                match retry_after {
                    Some(s) => write!(f, " after {s} s"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl<E: core::error::Error + 'static> core::error::Error for RemoteWriteError<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            RemoteWriteError::Transport(e) => Some(e),
            _ => None,
        }
    }
}

impl<E> From<StreamError<E>> for RemoteWriteError<E> {
    fn from(e: StreamError<E>) -> Self {
        match e {
            StreamError::Transport(e) => RemoteWriteError::Transport(e),
            StreamError::WriteZero => RemoteWriteError::WriteZero,
            StreamError::Encode => RemoteWriteError::Encode,
            StreamError::Changed => RemoteWriteError::Changed,
            StreamError::NoBuffer => RemoteWriteError::NoBuffer,
        }
    }
}

impl<E> RemoteWriteError<E> {
    /// A reply that is not a success, with what its head said.
    pub(crate) fn from_response(e: ResponseError, meta: Meta) -> Self {
        match e {
            ResponseError::Closed => RemoteWriteError::Closed,
            ResponseError::Malformed => RemoteWriteError::Malformed,
            ResponseError::TooLarge => RemoteWriteError::TooLarge,
            ResponseError::Status(status @ (429 | 500..=599)) => RemoteWriteError::Retryable {
                status,
                retry_after: meta.retry_after,
                date: meta.date,
            },
            ResponseError::Status(status) => RemoteWriteError::Rejected {
                status,
                date: meta.date,
            },
        }
    }
}

/// Where a client sends: host, credentials, and whether the connection is kept alive.
#[derive(Debug, Clone, Copy)]
struct Endpoint<'a> {
    host: &'a str,
    auth: Option<(&'a str, &'a str)>,
    keep_alive: bool,
}

impl<'a> Endpoint<'a> {
    fn new(host: &'a str) -> Result<Self, ConfigError> {
        validate_host(host)?;
        Ok(Endpoint {
            host,
            auth: None,
            keep_alive: false,
        })
    }

    fn head(&self, content_type: &'static str, extra: &'static str, len: usize) -> Head<'a> {
        Head {
            method: "POST",
            host: self.host,
            auth: self.auth,
            content_type: Some(content_type),
            extra,
            body_len: Some(len),
            close: !self.keep_alive,
        }
    }
}

/// A Prometheus remote write 1.0 receiver (Prometheus' `/api/v1/write`, VictoriaMetrics,
/// Mimir, Thanos receive...): host, path and optional basic auth. Borrowed strings, no
/// allocation; [`write`](Self::write) takes the transport and a registry.
///
/// The request is `POST <path>` with the snappy-compressed `WriteRequest` (a literal-only
/// block, see [`edgeprom::encode::remote_write`]) as its body, with an exact
/// `Content-Length`: the request is measured once, then encoded again as it is streamed
/// through the caller's buffer. No buffer holds it whole.
///
/// ```
/// use core::time::Duration;
/// use edgeprom::encode::remote_write::RemoteWrite;
/// use edgeprom::{static_registry, Counter, Metric};
/// use edgeprom_embedded::RemoteWriteClient;
///
/// static_registry! {
///     static METRICS (namespace "", const_labels &[("device", "dev-01")]) {
///         static BOOTS: Metric<Counter> = Metric::new("boots", "Boots since flashing");
///     }
/// }
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
/// # let mut socket = Wire { sent: [0; 512], len: 0,
/// #     reply: b"HTTP/1.1 204 No Content\r\nDate: Tue, 25 Nov 2025 05:00:00 GMT\r\n\r\n" };
/// let client = RemoteWriteClient::new("10.0.0.2:8428", "/api/v1/write")?;
/// let request = RemoteWrite::at(Duration::from_secs(1_764_046_790)); // from the device's clock
/// let mut buf = [0u8; 256];
/// match client.write(&mut socket, &METRICS, &request, &mut buf) {
///     Ok(reply) => {
///         assert_eq!(reply.status(), 204);
///         assert_eq!(reply.date(), Some(Duration::from_secs(1_764_046_800)));
///     }
///     Err(e) if e.is_retryable() => { /* keep the samples, try again after e.retry_after() */ }
///     Err(e) => { /* drop them: the receiver will never take them */ }
/// }
/// assert!(socket.sent.starts_with(b"POST /api/v1/write HTTP/1.1\r\n"));
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RemoteWriteClient<'a> {
    endpoint: Endpoint<'a>,
    path: &'a str,
}

/// `path` can be a request target: starts with `/`, visible ASCII only.
fn validate_path(path: &str) -> Result<(), ConfigError> {
    if path.starts_with('/') && path.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(())
    } else {
        Err(ConfigError::InvalidPath)
    }
}

impl<'a> RemoteWriteClient<'a> {
    /// A receiver at `host` (`host:port`, sent as the `Host` header; the transport is
    /// connected to it) taking requests at `path` (`/api/v1/write`; a query is allowed).
    pub fn new(host: &'a str, path: &'a str) -> Result<Self, ConfigError> {
        validate_path(path)?;
        Ok(RemoteWriteClient {
            endpoint: Endpoint::new(host)?,
            path,
        })
    }

    /// Sends `Authorization: Basic` with these credentials.
    pub fn with_basic_auth(
        mut self,
        user: &'a str,
        password: &'a str,
    ) -> Result<Self, ConfigError> {
        validate_credentials(user, password)?;
        self.endpoint.auth = Some((user, password));
        Ok(self)
    }

    /// Keeps the connection open for the next request (no `Connection: close`; the reply's
    /// body, when it announces a `Content-Length` of up to 64 KiB, is read and dropped).
    /// Receivers answer with an empty or short body; after one sent otherwise (chunked, or
    /// longer), the next reply on the connection reads as [`RemoteWriteError::Malformed`]:
    /// reconnect. Off by default.
    pub fn with_keep_alive(mut self, keep_alive: bool) -> Self {
        self.endpoint.keep_alive = keep_alive;
        self
    }

    /// The `Host` header value.
    pub fn host(&self) -> &'a str {
        self.endpoint.host
    }

    /// The request path.
    pub fn path(&self) -> &'a str {
        self.path
    }

    /// The request's head, for a request of `protobuf_len` bytes before compression.
    pub(crate) fn head(&self, protobuf_len: usize) -> Head<'a> {
        self.endpoint
            .head(CONTENT_TYPE, REMOTE_WRITE_HEADERS, snappy_len(protobuf_len))
    }

    /// Whether the connection is kept alive.
    pub(crate) fn keep_alive(&self) -> bool {
        self.endpoint.keep_alive
    }

    /// `POST`s `registry` as one remote write request stamped as `request` says, over `io`,
    /// streamed through `buf` (which then holds the reply's head: 256 bytes is plenty), and
    /// returns the receiver's 2xx [`Reply`].
    ///
    /// Build `request` with [`RemoteWrite::now`] from a wall clock; a device without one can
    /// set an [`OffsetClock`](crate::OffsetClock) from any earlier [`Reply::date`].
    pub fn write<T: Read + Write + ?Sized>(
        &self,
        io: &mut T,
        registry: &(impl Exposition + ?Sized),
        request: &RemoteWrite,
        buf: &mut [u8],
    ) -> Result<Reply, RemoteWriteError<T::Error>> {
        if buf.is_empty() {
            return Err(RemoteWriteError::NoBuffer);
        }
        let protobuf_len = registry
            .remote_write_len(request)
            .map_err(|_| RemoteWriteError::Encode)?;
        let head = self.head(protobuf_len);
        let target = |w: &mut dyn fmt::Write| w.write_str(self.path);
        let body = |w: &mut ChunkWriter<'_, T>| {
            registry
                .write_remote_write_snappy(request, protobuf_len, w)
                .map(|_| ())
                .map_err(|_| fmt::Error)
        };
        exchange(io, &head, &target, &body, self.keep_alive(), buf)
    }
}

/// Label values in a query: every byte but the unreserved ones (RFC 3986) percent-encoded.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// VictoriaMetrics' import of the Prometheus text exposition (`POST
/// /api/v1/import/prometheus`), for a device without a wall clock: the samples carry no
/// timestamp and are stored at the time they arrive; `extra_label`s are added to every series.
/// The reply's [`Reply::date`] can then set the device's clock for remote write.
///
/// ```
/// use edgeprom_embedded::VictoriaImport;
/// let import = VictoriaImport::new("10.0.0.2:8428", &[("device", "dev 01")])?;
/// # let _ = import;
/// # Ok::<(), edgeprom_embedded::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct VictoriaImport<'a> {
    endpoint: Endpoint<'a>,
    extra_labels: &'a [(&'a str, &'a str)],
}

impl<'a> VictoriaImport<'a> {
    /// VictoriaMetrics at `host` (`host:port`), adding `extra_labels` (valid label names; the
    /// values are percent-encoded in the query) to every series imported.
    pub fn new(host: &'a str, extra_labels: &'a [(&'a str, &'a str)]) -> Result<Self, ConfigError> {
        for (name, _) in extra_labels {
            edgeprom::name::validate_label_name(name).map_err(|_| ConfigError::InvalidLabel)?;
        }
        Ok(VictoriaImport {
            endpoint: Endpoint::new(host)?,
            extra_labels,
        })
    }

    /// Sends `Authorization: Basic` with these credentials.
    pub fn with_basic_auth(
        mut self,
        user: &'a str,
        password: &'a str,
    ) -> Result<Self, ConfigError> {
        validate_credentials(user, password)?;
        self.endpoint.auth = Some((user, password));
        Ok(self)
    }

    /// Keeps the connection open for the next request (see
    /// [`RemoteWriteClient::with_keep_alive`]).
    pub fn with_keep_alive(mut self, keep_alive: bool) -> Self {
        self.endpoint.keep_alive = keep_alive;
        self
    }

    /// The request's head, for a body of `len` bytes.
    pub(crate) fn head(&self, len: usize) -> Head<'a> {
        self.endpoint
            .head(Format::Prometheus.content_type(), "", len)
    }

    /// Whether the connection is kept alive.
    pub(crate) fn keep_alive(&self) -> bool {
        self.endpoint.keep_alive
    }

    /// Writes the request target: the path and one `extra_label=name=value` per label.
    pub(crate) fn write_target(&self, w: &mut dyn fmt::Write) -> fmt::Result {
        w.write_str("/api/v1/import/prometheus")?;
        let mut sep = "?";
        for (name, value) in self.extra_labels {
            w.write_str(sep)?;
            w.write_str("extra_label=")?;
            w.write_str(name)?;
            w.write_str("=")?;
            for piece in utf8_percent_encode(value, QUERY_VALUE) {
                w.write_str(piece)?;
            }
            sep = "&";
        }
        Ok(())
    }

    /// `POST`s `registry`'s Prometheus text exposition (exact `Content-Length`, streamed
    /// through `buf`, which then holds the reply's head) and returns VictoriaMetrics' 2xx
    /// [`Reply`] (204), with its `Date`.
    pub fn import<T: Read + Write + ?Sized>(
        &self,
        io: &mut T,
        registry: &(impl Exposition + ?Sized),
        buf: &mut [u8],
    ) -> Result<Reply, RemoteWriteError<T::Error>> {
        if buf.is_empty() {
            return Err(RemoteWriteError::NoBuffer);
        }
        let text = |w: &mut dyn fmt::Write| registry.encode_to(Format::Prometheus, w);
        let len = rendered_len(&text).map_err(|_| RemoteWriteError::Encode)?;
        let head = self.head(len);
        let target = |w: &mut dyn fmt::Write| self.write_target(w);
        let body = |w: &mut ChunkWriter<'_, T>| text(w);
        exchange(io, &head, &target, &body, self.keep_alive(), buf)
    }
}

/// Sends the head and the body (exactly as long as the head announces), reads the reply's
/// head and, on a kept-alive connection, skips its body.
fn exchange<T: Read + Write + ?Sized>(
    io: &mut T,
    head: &Head<'_>,
    target: Render<'_>,
    body: &dyn Fn(&mut ChunkWriter<'_, T>) -> fmt::Result,
    keep_alive: bool,
    buf: &mut [u8],
) -> Result<Reply, RemoteWriteError<T::Error>> {
    let head_len =
        rendered_len(&|w| head.write(w, target)).map_err(|_| RemoteWriteError::Encode)?;
    let total = head_len + head.body_len.unwrap_or(0);
    let mut w = ChunkWriter::new(io, buf).with_limit(total);
    let written = head.write(&mut w, target).and_then(|()| body(&mut w));
    let sent = match (written, w.error()) {
        (Err(_), None) => return Err(RemoteWriteError::Encode),
        _ => w.finish()?,
    };
    if sent != total {
        return Err(RemoteWriteError::Changed); // shorter than announced
    }
    let (result, meta) = {
        let mut reader = HeadReader::with_meta(buf);
        let result = loop {
            let space = match reader.space() {
                Ok(space) => space,
                Err(e) => break Err(e),
            };
            let n = io.read(space).map_err(RemoteWriteError::Transport)?;
            match reader.received(n) {
                Ok(None) => {}
                Ok(Some(code)) => break Ok(code),
                Err(e) => break Err(e),
            }
        };
        (result, reader.meta())
    };
    if keep_alive && complete(&result) {
        skip_body(io, meta, buf)?;
    }
    reply(result, meta)
}

/// Whether a reply's head arrived whole (its body, if any, follows).
pub(crate) fn complete(result: &Result<u16, ResponseError>) -> bool {
    matches!(result, Ok(_) | Err(ResponseError::Status(_)))
}

/// The outcome of a request, from its reply's head.
pub(crate) fn reply<E>(
    result: Result<u16, ResponseError>,
    meta: Meta,
) -> Result<Reply, RemoteWriteError<E>> {
    match result {
        Ok(status) => Ok(Reply {
            status,
            date: meta.date,
        }),
        Err(e) => Err(RemoteWriteError::from_response(e, meta)),
    }
}

/// The body bytes of a reply still to be read on a kept-alive connection.
pub(crate) fn body_left(meta: Meta) -> usize {
    meta.body_len
        .unwrap_or(0)
        .saturating_sub(meta.body_read)
        .min(MAX_SKIP)
}

/// Reads and drops the rest of a reply's body whose length was announced (up to
/// [`MAX_SKIP`] bytes), so that the next request on the connection reads its own reply.
fn skip_body<T: Read + ?Sized>(
    io: &mut T,
    meta: Meta,
    buf: &mut [u8],
) -> Result<(), RemoteWriteError<T::Error>> {
    let mut left = body_left(meta);
    while left > 0 {
        let room = buf.len().min(left);
        let n = io
            .read(buf.get_mut(..room).unwrap_or_default())
            .map_err(RemoteWriteError::Transport)?;
        if n == 0 {
            return Err(RemoteWriteError::Closed);
        }
        left = left.saturating_sub(n);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgeprom::{Counter, Family, Gauge, Metric, Registry};

    /// A connection: records what is sent, answers with `reply`, at most `step` bytes a read;
    /// each of `later` becomes readable once the previous reply was read and more was sent
    /// (as a server answers one request after the other).
    struct Wire {
        sent: heapless::Vec<u8, 4096>,
        reply: &'static [u8],
        later: &'static [&'static [u8]],
        step: usize,
    }

    impl Wire {
        fn new(reply: &'static [u8], step: usize) -> Self {
            Wire {
                sent: heapless::Vec::new(),
                reply,
                later: &[],
                step,
            }
        }
    }

    impl embedded_io::ErrorType for Wire {
        type Error = embedded_io::ErrorKind;
    }

    impl Write for Wire {
        fn write(&mut self, b: &[u8]) -> Result<usize, Self::Error> {
            if let (true, [next, rest @ ..]) = (self.reply.is_empty(), self.later) {
                self.reply = next;
                self.later = rest;
            }
            self.sent
                .extend_from_slice(b)
                .map_err(|_| embedded_io::ErrorKind::OutOfMemory)?;
            Ok(b.len())
        }
        fn flush(&mut self) -> Result<(), Self::Error> {
            Ok(())
        }
    }

    impl Read for Wire {
        fn read(&mut self, b: &mut [u8]) -> Result<usize, Self::Error> {
            let n = b.len().min(self.reply.len()).min(self.step);
            b[..n].copy_from_slice(&self.reply[..n]);
            self.reply = &self.reply[n..];
            Ok(n)
        }
    }

    static C: Metric<Counter> = Metric::new("rwc_boots", "Boots");
    static G: Metric<Gauge<f32>> = Metric::new("rwc_temp", "Temperature");
    static F: Family<Counter, 1, 4> = Family::new("rwc_frames", "Frames", ["port"]);

    fn registry() -> Registry<'static, 3> {
        let mut r = Registry::new()
            .with_const_labels(&[("device", "d1")])
            .unwrap();
        r.register(&C).unwrap();
        r.register(&G).unwrap();
        r.register(&F).unwrap();
        // Once for all tests: they run in parallel and compare requests of these values (an
        // increment per call raced a test between its two encodes).
        use portable_atomic::{AtomicU8, Ordering};
        static SET: AtomicU8 = AtomicU8::new(0); // 0: not yet, 1: being set, 2: set
        if SET
            .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            C.inc();
            G.set(0.1);
            F.labels(["uart0"]).unwrap().inc_by(3);
            SET.store(2, Ordering::Release);
        }
        while SET.load(Ordering::Acquire) != 2 {
            core::hint::spin_loop();
        }
        r
    }

    const OK: &[u8] = b"HTTP/1.1 204 No Content\r\nDate: Tue, 25 Nov 2025 05:00:00 GMT\r\n\r\n";

    /// The head and body of the one request in `sent`.
    fn split(sent: &[u8]) -> (&str, &[u8]) {
        let at = sent.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        (core::str::from_utf8(&sent[..at]).unwrap(), &sent[at..])
    }

    #[test]
    fn header_constants_match_the_core() {
        let want = [
            "Content-Encoding: ",
            edgeprom::encode::remote_write::CONTENT_ENCODING,
            "\r\nX-Prometheus-Remote-Write-Version: ",
            edgeprom::encode::remote_write::VERSION,
            "\r\n",
        ];
        let mut s: heapless::String<128> = heapless::String::new();
        for p in want {
            s.push_str(p).unwrap();
        }
        assert_eq!(REMOTE_WRITE_HEADERS, s.as_str());
    }

    #[test]
    fn remote_write_request_is_exact_for_every_buffer_size() {
        let r = registry();
        let request = RemoteWrite::at(Duration::from_secs(1_764_046_790));
        let mut whole = [0u8; 1024];
        let n = r.encode_remote_write_snappy(&request, &mut whole).unwrap();
        let client = RemoteWriteClient::new("10.0.0.2:8428", "/api/v1/write")
            .unwrap()
            .with_basic_auth("Aladdin", "open sesame")
            .unwrap();
        for size in [1, 7, 64, 256, 1024] {
            let mut wire = Wire::new(OK, 5);
            let mut buf = [0u8; 1024];
            let reply = client
                .write(&mut wire, &r, &request, &mut buf[..size.max(80)])
                .unwrap();
            assert_eq!(reply.status(), 204);
            assert_eq!(reply.date(), Some(Duration::from_secs(1_764_046_800)));
            let (head, body) = split(&wire.sent);
            let mut want: heapless::String<512> = heapless::String::new();
            core::fmt::write(
                &mut want,
                format_args!(
                    "POST /api/v1/write HTTP/1.1\r\nHost: 10.0.0.2:8428\r\n\
                     User-Agent: edgeprom-embedded\r\n\
                     Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\
                     Content-Type: application/x-protobuf\r\nContent-Encoding: snappy\r\n\
                     X-Prometheus-Remote-Write-Version: 0.1.0\r\nContent-Length: {n}\r\n\
                     Connection: close\r\n\r\n"
                ),
            )
            .unwrap();
            assert_eq!(head, want.as_str());
            assert_eq!(body, &whole[..n], "buffer {size}");
        }
    }

    #[test]
    fn statuses_tell_what_to_do() {
        let r = registry();
        let request = RemoteWrite::at(Duration::from_secs(1_764_046_790));
        let client = RemoteWriteClient::new("h", "/w").unwrap();
        let send = |reply: &'static [u8]| {
            let mut wire = Wire::new(reply, 64);
            let mut buf = [0u8; 256];
            client.write(&mut wire, &r, &request, &mut buf)
        };
        let e = send(b"HTTP/1.1 400 Bad Request\r\nDate: Tue, 25 Nov 2025 05:00:00 GMT\r\n\r\n")
            .unwrap_err();
        assert!(!e.is_retryable());
        assert_eq!(e.status(), Some(400));
        assert_eq!(e.date(), Some(Duration::from_secs(1_764_046_800)));
        assert_eq!(e.retry_after(), None);
        let e = send(b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\n\r\n").unwrap_err();
        assert!(e.is_retryable());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        let e = send(b"HTTP/1.1 503 Service Unavailable\r\n\r\n").unwrap_err();
        assert!(e.is_retryable());
        assert_eq!(e.retry_after(), None);
        let e = send(b"HTTP/1.1 404 Not Found\r\n\r\n").unwrap_err();
        assert_eq!(
            e,
            RemoteWriteError::Rejected {
                status: 404,
                date: None
            }
        );
        assert_eq!(send(b"HTTP/1.1 20"), Err(RemoteWriteError::Closed));
        assert!(send(b"HTTP/1.1 20").unwrap_err().is_retryable());
        assert_eq!(send(b"garbage\r\n\r\n"), Err(RemoteWriteError::Malformed));
        let mut wire = Wire::new(OK, 64);
        assert_eq!(
            client.write(&mut wire, &r, &request, &mut []),
            Err(RemoteWriteError::NoBuffer)
        );
        let mut s: heapless::String<128> = heapless::String::new();
        core::fmt::write(
            &mut s,
            format_args!(
                "{}",
                RemoteWriteError::<embedded_io::ErrorKind>::Retryable {
                    status: 429,
                    retry_after: Some(7),
                    date: None
                }
            ),
        )
        .unwrap();
        assert_eq!(s, "the receiver answered 429; retry after 7 s");
    }

    #[test]
    fn kept_alive_connections_carry_several_requests() {
        let r = registry();
        let request = RemoteWrite::at(Duration::from_secs(1_764_046_790));
        // A body announced and sent after each head: skipped, so the next reply reads right.
        let first: &'static [u8] =
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 12\r\n\r\nout of order";
        let later: &'static [&'static [u8]] = &[
            b"HTTP/1.1 204 No Content\r\nDate: Tue, 25 Nov 2025 05:00:00 GMT\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK",
        ];
        for step in [1, 3, 4096] {
            let mut wire = Wire::new(first, step);
            wire.later = later;
            let client = RemoteWriteClient::new("h", "/w")
                .unwrap()
                .with_keep_alive(true);
            let mut buf = [0u8; 128];
            let first = client.write(&mut wire, &r, &request, &mut buf);
            assert_eq!(first.unwrap_err().status(), Some(400));
            let second = client.write(&mut wire, &r, &request, &mut buf).unwrap();
            assert_eq!(second.status(), 204);
            let import = VictoriaImport::new("h", &[]).unwrap().with_keep_alive(true);
            assert_eq!(
                import.import(&mut wire, &r, &mut buf).unwrap().status(),
                200
            );
            assert!(
                wire.reply.is_empty() && wire.later.is_empty(),
                "step {step}"
            );
            let (head, _) = split(&wire.sent);
            assert!(!head.contains("Connection"), "{head}");
        }
    }

    #[test]
    fn import_sends_the_text_with_extra_labels() {
        let r = registry();
        let import =
            VictoriaImport::new("vm:8428", &[("device", "dev 1/é"), ("site", "a=b&c")]).unwrap();
        let mut wire = Wire::new(OK, 64);
        let mut buf = [0u8; 64];
        let reply = import.import(&mut wire, &r, &mut buf).unwrap();
        assert_eq!(reply.date(), Some(Duration::from_secs(1_764_046_800)));
        let (head, body) = split(&wire.sent);
        assert!(
            head.starts_with(
                "POST /api/v1/import/prometheus?extra_label=device=dev%201%2F%C3%A9\
                 &extra_label=site=a%3Db%26c HTTP/1.1\r\nHost: vm:8428\r\n"
            ),
            "{head}"
        );
        let mut text = [0u8; 1024];
        let n = r.encode(Format::Prometheus, &mut text).unwrap();
        assert_eq!(body, &text[..n]);
        let mut len: heapless::String<40> = heapless::String::new();
        core::fmt::write(&mut len, format_args!("Content-Length: {n}\r\n")).unwrap();
        assert!(head.contains(len.as_str()));
        assert!(head.contains("Content-Type: text/plain; version=0.0.4"));
    }

    #[test]
    fn bad_configuration_is_refused() {
        assert_eq!(
            RemoteWriteClient::new("h", "api/v1/write").err(),
            Some(ConfigError::InvalidPath)
        );
        assert_eq!(
            RemoteWriteClient::new("h", "/a b").err(),
            Some(ConfigError::InvalidPath)
        );
        assert_eq!(
            RemoteWriteClient::new("a b", "/w").err(),
            Some(ConfigError::InvalidHost)
        );
        assert_eq!(
            VictoriaImport::new("h", &[("bad-name", "x")]).err(),
            Some(ConfigError::InvalidLabel)
        );
        assert_eq!(
            VictoriaImport::new("h", &[])
                .unwrap()
                .with_basic_auth("a:b", "")
                .err(),
            Some(ConfigError::InvalidCredentials)
        );
    }
}
