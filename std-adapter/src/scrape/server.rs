//! [`ScrapeServer`]: `/metrics` over HTTP/1.1 from background threads, for pull mode.
//!
//! A deliberately small server: it answers `GET`/`HEAD /metrics` and nothing else, one request
//! per connection, each connection on its own thread. It is built to survive bursts of
//! malformed, oversized, slow and idle clients while it keeps answering the scrapers:
//!
//! - it reads at most [`ScrapeConfig::max_request_bytes`] of request head (431 beyond) and never
//!   reads a request body (a request that declares one gets 413);
//! - the whole head must arrive within [`ScrapeConfig::read_timeout`] of the connection being
//!   accepted, however often the client sends a byte (408 after it; a client that sent nothing
//!   is closed without an answer), and the answer must be taken within the same time;
//! - at most [`ScrapeConfig::max_connections`] clients are handled at once, and when all are
//!   taken a newcomer displaces the client that has waited longest for its head to arrive, so
//!   slow and idle clients cannot lock scrapers out by holding every connection;
//! - malformed requests get 400, other paths 404, other methods 405, and a collector that fails
//!   or panics gets 500; none of them stops the server.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::http_request::{head_end, route, Route};
use crate::gather::Gather;

/// How often the accepting thread looks for new connections and for a stop request.
const POLL: Duration = Duration::from_millis(20);
/// After its answer, how long a connection is drained of what the client still sends (a body
/// it declared, the rest of an oversized head) before it is closed, so that the close does not
/// reset the connection before the client has read the answer.
const LINGER: Duration = Duration::from_millis(100);
/// At most this much is drained after the answer.
const LINGER_BYTES: usize = 64 * 1024;

/// Limits of a [`ScrapeServer`]. They bound what any client can cost the server, so that a
/// burst of malformed, oversized, slow or idle clients neither exhausts it nor starves the
/// well-behaved scrapers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(docsrs, doc(cfg(feature = "scrape")))]
pub struct ScrapeConfig {
    /// Largest request head, request line and headers, accepted (default 8 KiB). The server
    /// never reads more than this plus one byte of head from a client: a longer head gets 431
    /// and the connection is closed. It reads no request body either: a request for `/metrics`
    /// that declares one (a `Content-Length` other than 0, or a `Transfer-Encoding`) gets 413.
    pub max_request_bytes: usize,
    /// How long a client may take to send its whole request head, counted from the moment its
    /// connection is accepted (default 10 s). It is a total, not a limit per read: a client
    /// trickling its head a byte at a time is cut when it runs out, and gets 408; a client that
    /// sent nothing at all is closed without an answer. Writing the answer gets the same time
    /// in total, so a client that does not read it cannot hold its connection longer either.
    pub read_timeout: Duration,
    /// Clients handled at once, each on its own thread (default 32; 0 counts as 1). When all
    /// are taken, a new client displaces one that is not being answered: first one already
    /// answered (still draining what it sends), then the one that has waited longest for the
    /// rest of its request head, which is closed without an answer. A client whose whole head
    /// had arrived when it was accepted, as a scraper's has, is answered and never displaced.
    /// Only when every connection is being answered does a new client get 503 at once.
    /// Displaced connections close within moments, and the server never runs more than twice
    /// this many connection threads.
    pub max_connections: usize,
}

impl Default for ScrapeConfig {
    fn default() -> Self {
        ScrapeConfig {
            max_request_bytes: 8 * 1024,
            read_timeout: Duration::from_secs(10),
            max_connections: 32,
        }
    }
}

/// Serves `/metrics` on an address you pick, from a background thread, until stopped.
///
/// OpenMetrics when the `Accept` header asks for `application/openmetrics-text` (as Prometheus
/// does), Prometheus text 0.0.4 otherwise, each with its `Content-Type`. Any other path gets 404,
/// another method 405, a malformed request 400, and the server keeps serving; see
/// [`ScrapeConfig`] for the limits that keep slow, idle and oversized requests at bay.
///
/// ```
/// use std::io::{Read, Write};
/// use std::sync::Arc;
/// use edgeprom::Gauge;
/// use edgeprom_std::{DynMetric, DynRegistry, ScrapeServer};
///
/// let registry = Arc::new(DynRegistry::new());
/// let up = Arc::new(DynMetric::<Gauge>::new("up_gauge", "Up")?);
/// registry.register(up.clone())?;
/// up.set(1.0);
/// let server = ScrapeServer::bind("127.0.0.1:0", registry)?;
///
/// let mut conn = std::net::TcpStream::connect(server.local_addr())?;
/// conn.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")?;
/// let mut answer = String::new();
/// conn.read_to_string(&mut answer)?;
/// assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"));
/// assert!(answer.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
/// assert!(answer.ends_with("up_gauge 1.0\n"));
/// server.stop();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "scrape")))]
pub struct ScrapeServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for ScrapeServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScrapeServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl ScrapeServer {
    /// Binds `addr` (port 0 picks a free one) and serves `source` with the default limits.
    pub fn bind(addr: impl ToSocketAddrs, source: Arc<dyn Gather>) -> io::Result<Self> {
        Self::bind_with(addr, source, ScrapeConfig::default())
    }

    /// Binds `addr` and serves `source` with these limits.
    pub fn bind_with(
        addr: impl ToSocketAddrs,
        source: Arc<dyn Gather>,
        config: ScrapeConfig,
    ) -> io::Result<Self> {
        let listener = TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = thread::Builder::new()
            .name("edgeprom-scrape".into())
            .spawn(move || accept_loop(&listener, &source, config, &flag))?;
        Ok(ScrapeServer {
            addr,
            stop,
            thread: Some(thread),
        })
    }

    /// The address it listens on (with the port picked when you asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes the connections still sending their request heads, waits for
    /// the answers being written, and joins the thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ScrapeServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Reading its request head: may be displaced.
const HEAD: u8 = 0;
/// Its whole request head had arrived when it was accepted: left alone, it is answered next.
const READY: u8 = 1;
/// Being answered: left alone.
const BUSY: u8 = 2;
/// Answered, draining what the client still sends: may be displaced.
const DRAINING: u8 = 3;
/// Displaced, or cut at stop: its socket is shut down and its thread is leaving.
const CLOSED: u8 = 4;
/// How many times [`Conns::admit`] waits a millisecond for displaced connections to close.
const ADMIT_TRIES: u32 = 20;

/// One accepted connection, as the accepting thread sees it.
struct Conn {
    /// A handle on the socket, to shut it down from the accepting thread.
    stream: TcpStream,
    accepted: Instant,
    state: AtomicU8,
}

impl Conn {
    fn state(&self) -> u8 {
        self.state.load(Ordering::Acquire)
    }

    /// Moves from `from` to `to`; false if the connection was elsewhere (closed, say).
    fn advance(&self, from: u8, to: u8) -> bool {
        self.state
            .compare_exchange(from, to, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Shuts the socket down if the connection is in state `from`, which wakes its thread.
    fn close_if(&self, from: u8) -> bool {
        let closed = self.advance(from, CLOSED);
        if closed {
            let _ = self.stream.shutdown(Shutdown::Both);
        }
        closed
    }
}

/// The connections being handled.
struct Conns {
    max: usize,
    list: Mutex<Vec<Arc<Conn>>>,
}

impl Conns {
    fn lock(&self) -> MutexGuard<'_, Vec<Arc<Conn>>> {
        self.list.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes `conn` in, displacing another if all `max` are taken; false if none could be.
    fn admit(&self, conn: Arc<Conn>) -> bool {
        for _ in 0..ADMIT_TRIES {
            {
                let mut list = self.lock();
                // Displaced connections still closing count here, so threads stay bounded.
                if list.len() < self.max.saturating_mul(2) {
                    let live = list.iter().filter(|c| c.state() != CLOSED).count();
                    if live >= self.max && !displace_one(&list) {
                        return false;
                    }
                    list.push(conn);
                    return true;
                }
            }
            // A burst displaced many at once: give their threads a moment to end.
            thread::sleep(Duration::from_millis(1));
        }
        false
    }

    fn leave(&self, conn: &Arc<Conn>) {
        self.lock().retain(|c| !Arc::ptr_eq(c, conn));
    }

    /// Closes every connection not being answered.
    fn close_waiting(&self) {
        for c in self.lock().iter() {
            let _ = c.close_if(HEAD) || c.close_if(DRAINING);
        }
    }
}

/// Closes one connection that is not being answered: one already answered if any, else the one
/// that has waited longest for its request head.
fn displace_one(list: &[Arc<Conn>]) -> bool {
    for state in [DRAINING, HEAD] {
        let mut candidates: Vec<&Arc<Conn>> = list.iter().filter(|c| c.state() == state).collect();
        candidates.sort_by_key(|c| c.accepted);
        // A candidate may move on meanwhile (its head arrived): then take the next.
        if candidates.into_iter().any(|c| c.close_if(state)) {
            return true;
        }
    }
    false
}

/// Takes a connection out of [`Conns`] when its thread ends, even by a panic.
struct Leave {
    conns: Arc<Conns>,
    conn: Arc<Conn>,
}

impl Drop for Leave {
    fn drop(&mut self) {
        self.conns.leave(&self.conn);
    }
}

fn accept_loop(
    listener: &TcpListener,
    source: &Arc<dyn Gather>,
    config: ScrapeConfig,
    stop: &AtomicBool,
) {
    let conns = Arc::new(Conns {
        max: config.max_connections.max(1),
        list: Mutex::new(Vec::new()),
    });
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                let accepted = Instant::now();
                workers.retain(|w| !w.is_finished());
                let Ok(handle) = stream.try_clone() else {
                    continue;
                };
                let state = if head_waiting(&stream) { READY } else { HEAD };
                let conn = Arc::new(Conn {
                    stream: handle,
                    accepted,
                    state: AtomicU8::new(state),
                });
                if !conns.admit(Arc::clone(&conn)) {
                    refuse(&stream);
                    continue;
                }
                let leave = Leave {
                    conns: Arc::clone(&conns),
                    conn: Arc::clone(&conn),
                };
                let source = Arc::clone(source);
                let spawned = thread::Builder::new()
                    .name("edgeprom-scrape-conn".into())
                    .spawn(move || {
                        let _leave = leave;
                        serve(&stream, &conn, &*source, config);
                    });
                // If the thread could not start, the closure and its `Leave` are dropped.
                if let Ok(w) = spawned {
                    workers.push(w);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => thread::sleep(POLL),
            // Out of file descriptors, a connection reset before accept: wait and go on.
            Err(_) => thread::sleep(POLL),
        }
    }
    conns.close_waiting();
    for w in workers {
        let _ = w.join();
    }
}

/// Whether a whole request head is already waiting on a new connection (as it is for a
/// scraper, which sends its request at once): such a connection is not displaced before its
/// thread reads it. Leaves the socket non-blocking; its thread makes it blocking again.
fn head_waiting(stream: &TcpStream) -> bool {
    let mut peek = [0u8; 2048];
    stream.set_nonblocking(true).is_ok()
        && matches!(stream.peek(&mut peek), Ok(n) if head_end(peek.get(..n).unwrap_or_default()).is_some())
}

/// 503 without reading the request, from the accepting thread, which must not block.
fn refuse(stream: &TcpStream) {
    if stream.set_nonblocking(true).is_ok() {
        let _ = (&*stream).write(
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n\
              Content-Length: 5\r\nConnection: close\r\n\r\nbusy\n",
        );
        let _ = stream.shutdown(Shutdown::Write);
    }
}

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

fn serve(stream: &TcpStream, conn: &Conn, source: &dyn Gather, config: ScrapeConfig) {
    if stream.set_nonblocking(false).is_err() {
        return;
    }
    let head = read_head(stream, conn, config);
    if matches!(head, Head::Silent) || !(conn.advance(HEAD, BUSY) || conn.advance(READY, BUSY)) {
        return;
    }
    let answer = match head {
        Head::Complete(head) => answer(&head, source),
        Head::Reject(answer) => answer,
        Head::Silent => return,
    };
    let deadline = Instant::now().checked_add(config.read_timeout);
    let written = respond(stream, &answer, deadline);
    if written.is_ok() && conn.advance(BUSY, DRAINING) {
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
    let deadline = conn.accepted.checked_add(config.read_timeout);
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
            Ok(0) if buf.is_empty() || conn.state() == CLOSED => return Head::Silent,
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
            Err(_) if conn.state() == CLOSED => return Head::Silent,
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
            format,
            head: head_only,
        } => {
            if let Some(reject) = declared_body(head) {
                return reject;
            }
            match catch_unwind(AssertUnwindSafe(|| source.gather(format))) {
                Ok(Ok(body)) => Answer {
                    status: "200 OK",
                    content_type: format.content_type(),
                    body: body.into_bytes(),
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
        Route::NotFound => Answer::text("404 Not Found", "not found: try /metrics\n"),
        Route::MethodNotAllowed => Answer::text(
            "405 Method Not Allowed\r\nAllow: GET, HEAD",
            "only GET and HEAD\n",
        ),
        Route::BadRequest => Answer::text("400 Bad Request", "bad request\n"),
    }
}

/// 413 if the head declares a body (which is never read), 400 if its length is not a number.
fn declared_body(head: &[u8]) -> Option<Answer> {
    let head = std::str::from_utf8(head).ok()?;
    for line in head.lines().skip(1).take_while(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let too_large = || Answer::text("413 Content Too Large", "no request body accepted\n");
        if name.eq_ignore_ascii_case("transfer-encoding") {
            return Some(too_large());
        }
        if name.eq_ignore_ascii_case("content-length") {
            match value.trim().parse::<u64>() {
                Ok(0) => {}
                Ok(_) => return Some(too_large()),
                Err(_) => return Some(Answer::text("400 Bad Request", "bad Content-Length\n")),
            }
        }
    }
    None
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DynRegistry, GatherError};
    use edgeprom::Format;

    fn ask(addr: SocketAddr, request: &[u8]) -> String {
        let mut c = TcpStream::connect(addr).unwrap();
        c.write_all(request).unwrap();
        let mut s = String::new();
        c.read_to_string(&mut s).unwrap();
        s
    }

    /// A server of an empty registry on a free loopback port.
    fn empty_server(config: ScrapeConfig) -> ScrapeServer {
        ScrapeServer::bind_with("127.0.0.1:0", Arc::new(DynRegistry::new()), config).unwrap()
    }

    fn small(read_timeout: Duration, max_connections: usize) -> ScrapeConfig {
        ScrapeConfig {
            max_request_bytes: 256,
            read_timeout,
            max_connections,
        }
    }

    #[test]
    fn answers_routes_and_limits() {
        let registry = Arc::new(DynRegistry::new());
        let config = small(Duration::from_millis(300), 4);
        let server = ScrapeServer::bind_with("127.0.0.1:0", registry, config).unwrap();
        let addr = server.local_addr();
        let om = ask(
            addr,
            b"GET /metrics HTTP/1.1\r\nAccept: application/openmetrics-text\r\n\r\n",
        );
        assert!(om.starts_with("HTTP/1.1 200 OK\r\n"), "{om}");
        assert!(om.contains(Format::OpenMetrics.content_type()));
        assert!(om.ends_with("\r\n\r\n# EOF\n"), "{om}");
        let head = ask(addr, b"HEAD /metrics HTTP/1.1\r\n\r\n");
        assert!(
            head.ends_with("Content-Length: 0\r\nConnection: close\r\n\r\n"),
            "{head}"
        );
        assert!(ask(addr, b"GET /other HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404 "));
        let post = ask(addr, b"POST /metrics HTTP/1.1\r\n\r\n");
        assert!(post.starts_with("HTTP/1.1 405 ") && post.contains("Allow: GET, HEAD\r\n"));
        assert!(ask(addr, b"garbage\r\n\r\n").starts_with("HTTP/1.1 400 "));
        let big = format!("GET /metrics HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(400));
        assert!(ask(addr, big.as_bytes()).starts_with("HTTP/1.1 431 "));
        // Exactly the limit is fine, one byte more is not.
        let fill = |n: usize| {
            let mut h = String::from("GET /metrics HTTP/1.1\r\nX: \r\n\r\n");
            h.insert_str(26, &"a".repeat(n - h.len()));
            h
        };
        assert!(ask(addr, fill(256).as_bytes()).starts_with("HTTP/1.1 200 "));
        assert!(ask(addr, fill(257).as_bytes()).starts_with("HTTP/1.1 431 "));
        // No body is read: declaring one gets 413, a length that is no number 400.
        let body = ask(
            addr,
            b"GET /metrics HTTP/1.1\r\nContent-Length: 1099511627776\r\n\r\nabc",
        );
        assert!(body.starts_with("HTTP/1.1 413 "), "{body}");
        let chunked = ask(
            addr,
            b"GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        );
        assert!(chunked.starts_with("HTTP/1.1 413 "), "{chunked}");
        assert!(
            ask(addr, b"GET /metrics HTTP/1.1\r\nContent-Length: x\r\n\r\n")
                .starts_with("HTTP/1.1 400 ")
        );
        assert!(
            ask(addr, b"GET /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
                .starts_with("HTTP/1.1 200 ")
        );
        // A client that never finishes its head gets 408 after the read timeout.
        assert!(ask(addr, b"GET /metrics HTTP/1.1\r\n").starts_with("HTTP/1.1 408 "));
        // A client that stops halfway gets 400.
        {
            let mut half = TcpStream::connect(addr).unwrap();
            half.write_all(b"GET /metr").unwrap();
            half.shutdown(Shutdown::Write).unwrap();
            let mut s = String::new();
            half.read_to_string(&mut s).unwrap();
            assert!(s.starts_with("HTTP/1.1 400 "), "{s}");
        }
        // A client that connects and says nothing is closed without an answer.
        {
            let mut idle = TcpStream::connect(addr).unwrap();
            let mut s = String::new();
            idle.read_to_string(&mut s).unwrap();
            assert_eq!(s, "");
        }
        // Still serving.
        assert!(ask(addr, b"GET /metrics HTTP/1.0\r\n\r\n").starts_with("HTTP/1.1 200 OK"));
        assert!(format!("{server:?}").contains("127.0.0.1"));
        server.stop();
        assert!(TcpStream::connect(addr).is_err());
    }

    #[test]
    fn a_trickling_client_is_cut_by_the_total_deadline() {
        let timeout = Duration::from_millis(400);
        let server = empty_server(small(timeout, 4));
        let mut c = TcpStream::connect(server.local_addr()).unwrap();
        c.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        let start = Instant::now();
        let mut answer = Vec::new();
        // One byte every 50 ms, far more often than the timeout: only a total deadline cuts it.
        for b in b"GET /metrics HTTP/1.1\r\nX-Slow: "
            .iter()
            .cycle()
            .take(100)
        {
            if c.write_all(&[*b]).is_err() {
                break;
            }
            match c.read_to_end(&mut answer) {
                Ok(_) => break,
                Err(_) if !answer.is_empty() => break,
                Err(_) => {}
            }
        }
        let took = start.elapsed();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
        assert!(took >= timeout && took < timeout * 3, "{took:?}");
        server.stop();
    }

    #[test]
    fn idle_clients_cannot_lock_scrapers_out() {
        let timeout = Duration::from_secs(20);
        let server = empty_server(small(timeout, 2));
        let addr = server.local_addr();
        let mut first = TcpStream::connect(addr).unwrap();
        thread::sleep(POLL * 3);
        let mut second = TcpStream::connect(addr).unwrap();
        second.write_all(b"GET /met").unwrap();
        thread::sleep(POLL * 3);
        // Both connections are taken by clients that do not finish: a scraper displaces the
        // one that has waited longest, which is closed without an answer.
        let start = Instant::now();
        assert!(ask(addr, b"GET /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 200 "));
        let mut s = String::new();
        first
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        first.read_to_string(&mut s).unwrap();
        assert_eq!(s, "");
        // With a third idle client in the freed place, the next scraper displaces the second.
        let _third = TcpStream::connect(addr).unwrap();
        thread::sleep(POLL * 3);
        assert!(ask(addr, b"GET /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 200 "));
        second
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        second.read_to_string(&mut s).unwrap();
        assert_eq!(s, "");
        assert!(start.elapsed() < Duration::from_secs(5));
        // Stopping does not wait for idle clients either.
        let _idle = TcpStream::connect(addr).unwrap();
        thread::sleep(POLL * 3);
        let start = Instant::now();
        server.stop();
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn a_panicking_collector_gets_500_and_the_server_goes_on() {
        struct Flaky(AtomicBool);
        impl Gather for Flaky {
            fn gather_into(&self, _: Format, out: &mut String) -> Result<(), GatherError> {
                if self.0.swap(false, Ordering::Relaxed) {
                    panic!("collector bug");
                }
                out.push_str("ok 1\n");
                Ok(())
            }
        }
        let config = small(Duration::from_secs(2), 1);
        let server = ScrapeServer::bind_with(
            "127.0.0.1:0",
            Arc::new(Flaky(AtomicBool::new(true))),
            config,
        )
        .unwrap();
        let addr = server.local_addr();
        let first = ask(addr, b"GET /metrics HTTP/1.1\r\n\r\n");
        assert!(first.starts_with("HTTP/1.1 500 "), "{first}");
        // The only connection slot was given back.
        let second = ask(addr, b"GET /metrics HTTP/1.1\r\n\r\n");
        assert!(second.starts_with("HTTP/1.1 200 ") && second.ends_with("ok 1\n"));
        server.stop();
    }
}
