//! Serving one connection: reading its request head within the limits, answering it, and
//! draining what the client still sends.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use super::config::ScrapeConfig;
use super::conn::{Conn, ConnState};
use super::http_request::{head_end, route, Route};
use crate::gather::{Gather, GatherError};
use edgeprom::{Format, Negotiated};

/// After its answer, how long a connection is drained of what the client still sends (a body
/// it declared, the rest of an oversized head) before it is closed, so that the close does not
/// reset the connection before the client has read the answer.
const LINGER: Duration = Duration::from_millis(100);
/// At most this much is drained after the answer.
const LINGER_BYTES: usize = 64 * 1024;

/// What a connection is answered.
struct Answer {
    /// The status line's code and reason (and any further header lines).
    status: &'static str,
    content_type: &'static str,
    body: Vec<u8>,
    /// Only the head, for `HEAD`.
    head_only: bool,
}

impl Answer {
    fn text(status: &'static str, body: &str) -> Self {
        Answer {
            status,
            content_type: "text/plain",
            body: body.as_bytes().to_vec(),
            head_only: false,
        }
    }
}

/// What came of reading a request head.
enum Head {
    /// The complete head, up to and including its blank line.
    Complete(Vec<u8>),
    /// An answer without looking further: too large, incomplete, too slow.
    Reject(Answer),
    /// Nothing to answer: the client sent nothing, went away, or was displaced.
    Silent,
}

/// `deadline - now`, zero once passed; `None` when there is no deadline.
fn remaining(deadline: Option<Instant>) -> Option<Duration> {
    deadline.map(|d| d.saturating_duration_since(Instant::now()))
}

/// Reads the request head of one connection and answers it, then drains what the client still
/// sends; all within the limits of `config`.
pub(super) fn serve(stream: &TcpStream, conn: &Conn, source: &dyn Gather, config: ScrapeConfig) {
    if stream.set_nonblocking(false).is_err() {
        return;
    }
    let head = read_head(stream, conn, config);
    if matches!(head, Head::Silent)
        || !(conn.advance(ConnState::Head, ConnState::Busy)
            || conn.advance(ConnState::Ready, ConnState::Busy))
    {
        return;
    }
    let answer = match head {
        Head::Complete(head) => answer(&head, source),
        Head::Reject(answer) => answer,
        Head::Silent => return,
    };
    let deadline = Instant::now().checked_add(config.read_timeout);
    let written = respond(stream, &answer, deadline);
    if written.is_ok() && conn.advance(ConnState::Busy, ConnState::Draining) {
        drain(stream);
    }
}

/// Reads the request head: at most `max_request_bytes + 1` bytes, all within `read_timeout` of
/// the accept.
fn read_head(stream: &TcpStream, conn: &Conn, config: ScrapeConfig) -> Head {
    let too_large = || {
        Head::Reject(Answer::text(
            "431 Request Header Fields Too Large",
            "request head too large\n",
        ))
    };
    let deadline = conn.accepted().checked_add(config.read_timeout);
    let limit = config.max_request_bytes.saturating_add(1);
    let mut buf: Vec<u8> = Vec::with_capacity(limit.min(1024));
    let mut chunk = [0u8; 1024];
    loop {
        let want = chunk.len().min(limit.saturating_sub(buf.len()));
        if want == 0 {
            return too_large();
        }
        let timeout = remaining(deadline);
        if timeout.is_some_and(|t| t.is_zero()) {
            return if buf.is_empty() {
                Head::Silent
            } else {
                Head::Reject(Answer::text("408 Request Timeout", "request timeout\n"))
            };
        }
        if stream.set_read_timeout(timeout).is_err() {
            return Head::Silent;
        }
        let into = chunk.get_mut(..want).unwrap_or_default();
        match (&*stream).read(into) {
            Ok(0) if buf.is_empty() || conn.state() == ConnState::Closed => return Head::Silent,
            Ok(0) => {
                return Head::Reject(Answer::text("400 Bad Request", "incomplete request\n"));
            }
            Ok(n) => {
                // Only the new bytes (and the three before them) can complete the blank line.
                let from = buf.len().saturating_sub(3);
                buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
                if let Some(end) = head_end(buf.get(from..).unwrap_or_default()) {
                    let end = from + end;
                    if end > config.max_request_bytes {
                        return too_large();
                    }
                    buf.truncate(end);
                    return Head::Complete(buf);
                }
            }
            Err(_) if conn.state() == ConnState::Closed => return Head::Silent,
            // The read timed out (the deadline decides, at the top of the loop) or was
            // interrupted.
            Err(e) if try_again(&e) => {}
            // Reset by the client: there is no one to answer.
            Err(_) => return Head::Silent,
        }
    }
}

/// A read or write that timed out or was interrupted: the caller's deadline decides whether
/// to try again.
fn try_again(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

/// The answer to a complete request head.
fn answer(head: &[u8], source: &dyn Gather) -> Answer {
    match route(head) {
        Route::Metrics {
            protobuf,
            text,
            head: head_only,
        } => metrics_answer(source, protobuf, text, head_only),
        Route::NotFound => Answer::text("404 Not Found", "not found: try /metrics\n"),
        Route::MethodNotAllowed => Answer::text(
            "405 Method Not Allowed\r\nAllow: GET, HEAD",
            "only GET and HEAD\n",
        ),
        Route::BodyDeclared => Answer::text("413 Content Too Large", "no request body accepted\n"),
        Route::BadContentLength => Answer::text("400 Bad Request", "bad Content-Length\n"),
        Route::BadRequest => Answer::text("400 Bad Request", "bad request\n"),
    }
}

/// The answer to `GET /metrics`: protobuf when negotiated and `source` writes it, else text.
fn metrics_answer(
    source: &dyn Gather,
    protobuf: Negotiated,
    text: Negotiated,
    head_only: bool,
) -> Answer {
    #[cfg(feature = "protobuf")]
    if protobuf.format() == edgeprom::ScrapeFormat::Protobuf {
        if let Some(answer) = protobuf_answer(source, protobuf, head_only) {
            return answer;
        }
    }
    #[cfg(not(feature = "protobuf"))]
    let _ = protobuf;
    text_answer(source, text, head_only)
}

/// A `/metrics` document for an HTTP server of someone else's (the `axum` integration): what
/// the scrape endpoint answers a `GET` whose `Accept` headers, joined by commas, are `accept`.
#[cfg_attr(not(feature = "axum"), allow(dead_code))]
pub(crate) struct Document {
    /// 200, or 500 for a collector that failed or panicked.
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

/// The `/metrics` document negotiated from `accept`, exactly as [`serve`] answers it.
#[cfg_attr(not(feature = "axum"), allow(dead_code))]
pub(crate) fn document(accept: &str, source: &dyn Gather) -> Document {
    let answer = metrics_answer(
        source,
        edgeprom::negotiate(accept, true),
        edgeprom::negotiate(accept, false),
        false,
    );
    Document {
        status: if answer.status.starts_with("200") {
            200
        } else {
            500
        },
        content_type: answer.content_type,
        body: answer.body,
    }
}

/// The document in a negotiated text format (`Negotiated::new` never makes protobuf one
/// from a negotiation without protobuf; were it, Prometheus text 0.0.4 answers).
fn text_answer(source: &dyn Gather, n: Negotiated, head_only: bool) -> Answer {
    let n = match n.format().text_format() {
        Some(_) => n,
        None => Negotiated::default(),
    };
    let format = n.format().text_format().unwrap_or(Format::Prometheus);
    let gathered = catch_unwind(AssertUnwindSafe(|| {
        let mut out = String::new();
        source
            .gather_escaped_into(format, n.escaping(), &mut out)
            .map(|()| out.into_bytes())
    }));
    gathered_answer(gathered, n.content_type(), head_only)
}

/// The protobuf exposition with the negotiated escaping (`n`: `underscores` unless the
/// scraper named another, names as they are for `allow-utf-8`), when `source` writes it; the
/// Content-Type names the escaping.
#[cfg(feature = "protobuf")]
fn protobuf_answer(source: &dyn Gather, n: Negotiated, head_only: bool) -> Option<Answer> {
    let gathered = catch_unwind(AssertUnwindSafe(|| {
        source.gather_protobuf_escaped(n.escaping())
    }));
    let gathered = match gathered {
        Ok(None) => return None,
        Ok(Some(r)) => Ok(r),
        Err(panic) => Err(panic),
    };
    Some(gathered_answer(gathered, n.content_type(), head_only))
}

/// A gathered document of `content_type`, or a 500 for a failed or panicking collector.
fn gathered_answer(
    gathered: std::thread::Result<Result<Vec<u8>, GatherError>>,
    content_type: &'static str,
    head_only: bool,
) -> Answer {
    match gathered {
        Ok(Ok(body)) => Answer {
            status: "200 OK",
            content_type,
            body,
            head_only,
        },
        Ok(Err(e)) => Answer {
            head_only,
            ..Answer::text("500 Internal Server Error", &format!("{e}\n"))
        },
        Err(_) => Answer {
            head_only,
            ..Answer::text("500 Internal Server Error", "a collector panicked\n")
        },
    }
}

fn respond(stream: &TcpStream, answer: &Answer, deadline: Option<Instant>) -> io::Result<()> {
    let mut out = Vec::with_capacity(answer.body.len() + 160);
    write!(
        out,
        "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        answer.status,
        answer.content_type,
        answer.body.len()
    )?;
    if !answer.head_only {
        out.extend_from_slice(&answer.body);
    }
    let mut rest = out.as_slice();
    while !rest.is_empty() {
        let timeout = remaining(deadline);
        if timeout.is_some_and(|t| t.is_zero()) {
            return Err(io::ErrorKind::TimedOut.into());
        }
        stream.set_write_timeout(timeout)?;
        match (&*stream).write(rest) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => rest = rest.get(n..).unwrap_or_default(),
            Err(e) if try_again(&e) => {}
            Err(e) => return Err(e),
        }
    }
    // The answer is complete: tell the client, which may read it to the end.
    stream.shutdown(Shutdown::Write)
}

/// Reads and drops what the client still sends, for at most [`LINGER`] and [`LINGER_BYTES`],
/// until it closes its side.
fn drain(stream: &TcpStream) {
    let until = Instant::now() + LINGER;
    let mut sink = [0u8; 1024];
    let mut drained = 0;
    while drained < LINGER_BYTES {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match (&*stream).read(&mut sink) {
            Ok(0) => return,
            Ok(n) => drained += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}
