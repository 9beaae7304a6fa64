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
//!
//! The accepting thread blocks in `accept` and sleeps while no client comes: a scrape is
//! accepted the moment it connects, and an idle server wakes no thread. [`ScrapeServer::stop`]
//! sets a flag and connects to the listener itself to wake that thread, which sees the flag
//! and ends (the standard library offers no other way to interrupt a blocking `accept`
//! without `unsafe`).

use std::fmt;
use std::io::{self, Write};
use std::net::{
    IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::config::ScrapeConfig;
use super::conn::{Conn, ConnState, Conns};
use super::http_request::head_end;
use super::serve::serve;
use crate::gather::Gather;

/// How long the accepting thread pauses after `accept` fails (out of file descriptors, say)
/// before it tries again; it never pauses otherwise.
const AFTER_ERROR: Duration = Duration::from_millis(20);
/// How long [`ScrapeServer::stop`] tries to connect to its own listener to wake the accepting
/// thread.
const WAKE_TIMEOUT: Duration = Duration::from_secs(1);

/// Serves `/metrics` on an address you pick, from a background thread, until stopped.
///
/// The format and name escaping are negotiated from the `Accept` headers by
/// [`edgeprom::negotiate`] (Prometheus' content negotiation: OpenMetrics, text 1.0.0 or
/// 0.0.4, protobuf when the source writes it; `escaping=allow-utf-8` quotes UTF-8 names in
/// the 1.0.0 formats), and the `Content-Type` names both. Any other path gets 404,
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
/// assert!(answer.contains(
///     "Content-Type: text/plain; version=0.0.4; charset=utf-8; escaping=underscores\r\n"
/// ));
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
    ///
    /// The accepting thread is woken by a connection to the listener from here. Should that
    /// connection fail (no file descriptor left, a firewall on loopback), the thread is left
    /// to end at the next client's connection instead of being waited for.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let Some(t) = self.thread.take() else {
            return;
        };
        if t.is_finished() || wake(self.addr) {
            let _ = t.join();
        }
    }
}

impl Drop for ScrapeServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn accept_loop(
    listener: &TcpListener,
    source: &Arc<dyn Gather>,
    config: ScrapeConfig,
    stop: &AtomicBool,
) {
    let conns = Arc::new(Conns::new(config.max_connections));
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    loop {
        let accepted = listener.accept();
        // A stop request comes with a connection that wakes this thread: never served.
        if stop.load(Ordering::SeqCst) {
            break;
        }
        match accepted {
            Ok((stream, _)) => {
                let accepted = Instant::now();
                workers.retain(|w| !w.is_finished());
                let Ok(handle) = stream.try_clone() else {
                    continue;
                };
                let state = if head_waiting(&stream) {
                    ConnState::Ready
                } else {
                    ConnState::Head
                };
                let conn = Arc::new(Conn::new(handle, accepted, state));
                let Some(leave) = conns.admit(&conn) else {
                    refuse(&stream);
                    continue;
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
            // A connection reset before it was accepted: go on at once.
            Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => {}
            // Out of file descriptors, say: give the connections a moment to close.
            Err(_) => thread::sleep(AFTER_ERROR),
        }
    }
    conns.close_waiting();
    for w in workers {
        let _ = w.join();
    }
}

/// Connects to the listener at `addr` to wake its accepting thread; whether that worked. An
/// unspecified address (`0.0.0.0`, `::`) is reached over loopback.
fn wake(addr: SocketAddr) -> bool {
    let mut to = addr;
    if to.ip().is_unspecified() {
        to.set_ip(match to.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        });
    }
    TcpStream::connect_timeout(&to, WAKE_TIMEOUT).is_ok()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DynRegistry, GatherError};
    use edgeprom::Format;
    use std::io::Read;

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
            b"GET /metrics HTTP/1.1\r\nAccept: application/openmetrics-text;version=1.0.0;\
              escaping=allow-utf-8\r\n\r\n",
        );
        assert!(om.starts_with("HTTP/1.1 200 OK\r\n"), "{om}");
        let ct = "Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8; \
                  escaping=allow-utf-8\r\n";
        assert!(om.contains(ct), "{om}");
        assert!(om.ends_with("\r\n\r\n# EOF\n"), "{om}");
        // Without a version, OpenMetrics 0.0.1 (Go's default): the same document, its own type.
        let old = ask(
            addr,
            b"GET /metrics HTTP/1.1\r\nAccept: application/openmetrics-text\r\n\r\n",
        );
        let ct = "Content-Type: application/openmetrics-text; version=0.0.1; charset=utf-8; \
                  escaping=underscores\r\n";
        assert!(old.contains(ct), "{old}");
        assert!(old.ends_with("\r\n\r\n# EOF\n"), "{old}");
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
    fn stop_wakes_a_server_bound_to_the_unspecified_address() {
        let server = ScrapeServer::bind("0.0.0.0:0", Arc::new(DynRegistry::new())).unwrap();
        let port = server.local_addr().port();
        let loopback = SocketAddr::from(([127, 0, 0, 1], port));
        assert!(ask(loopback, b"GET /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 200 "));
        let start = Instant::now();
        server.stop();
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
        assert!(TcpStream::connect(loopback).is_err());
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
        thread::sleep(Duration::from_millis(60));
        let mut second = TcpStream::connect(addr).unwrap();
        second.write_all(b"GET /met").unwrap();
        thread::sleep(Duration::from_millis(60));
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
        thread::sleep(Duration::from_millis(60));
        assert!(ask(addr, b"GET /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 200 "));
        second
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        second.read_to_string(&mut s).unwrap();
        assert_eq!(s, "");
        assert!(start.elapsed() < Duration::from_secs(5));
        // Stopping does not wait for idle clients either.
        let _idle = TcpStream::connect(addr).unwrap();
        thread::sleep(Duration::from_millis(60));
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
