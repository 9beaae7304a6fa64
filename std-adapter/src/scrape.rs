//! [`ScrapeServer`]: `/metrics` over HTTP/1.1 from background threads, for pull mode.
//!
//! A deliberately small server: it answers `GET`/`HEAD /metrics` and nothing else, reads at
//! most [`ScrapeConfig::max_request_bytes`] of request head within
//! [`ScrapeConfig::read_timeout`], serves at most [`ScrapeConfig::max_connections`] clients at
//! once, and closes every connection after one response.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::gather::Gather;
use crate::http_request::{head_end, route, Route};

/// How often the accepting thread looks for new connections and for a stop request.
const POLL: Duration = Duration::from_millis(20);

/// Limits of a [`ScrapeServer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScrapeConfig {
    /// Largest request head accepted (default 8 KiB); beyond it the answer is 431.
    pub max_request_bytes: usize,
    /// How long a client may take to send its request head, and to take the answer
    /// (default 10 s).
    pub read_timeout: Duration,
    /// Clients served at once (default 32); more get 503 at once.
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
/// another method 405, a malformed request 400, and the server keeps serving.
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

    /// Stops accepting, waits for the clients being served, and joins the thread.
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

fn accept_loop(
    listener: &TcpListener,
    source: &Arc<dyn Gather>,
    config: ScrapeConfig,
    stop: &AtomicBool,
) {
    let active = Arc::new(AtomicUsize::new(0));
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                workers.retain(|w| !w.is_finished());
                if active.load(Ordering::Relaxed) >= config.max_connections {
                    let _ = prepare(&stream, config).and_then(|()| {
                        respond(
                            &stream,
                            "503 Service Unavailable",
                            "text/plain",
                            b"busy\n",
                            false,
                        )
                    });
                    continue;
                }
                active.fetch_add(1, Ordering::Relaxed);
                let source = Arc::clone(source);
                let done = Arc::clone(&active);
                let spawned = thread::Builder::new()
                    .name("edgeprom-scrape-conn".into())
                    .spawn(move || {
                        let _ = serve(&stream, &*source, config);
                        done.fetch_sub(1, Ordering::Relaxed);
                    });
                match spawned {
                    Ok(w) => workers.push(w),
                    Err(_) => {
                        active.fetch_sub(1, Ordering::Relaxed);
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => thread::sleep(POLL),
            // Out of file descriptors, a connection reset before accept: wait and go on.
            Err(_) => thread::sleep(POLL),
        }
    }
    for w in workers {
        let _ = w.join();
    }
}

fn prepare(stream: &TcpStream, config: ScrapeConfig) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(config.read_timeout))?;
    stream.set_write_timeout(Some(config.read_timeout))
}

fn serve(stream: &TcpStream, source: &dyn Gather, config: ScrapeConfig) -> io::Result<()> {
    prepare(stream, config)?;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let end = loop {
        if let Some(end) = head_end(&buf) {
            break end;
        }
        if buf.len() > config.max_request_bytes {
            return respond(
                stream,
                "431 Request Header Fields Too Large",
                "text/plain",
                b"request head too large\n",
                false,
            );
        }
        let n = match (&*stream).read(&mut chunk) {
            Ok(0) if buf.is_empty() => return Ok(()),
            Ok(0) => {
                return respond(
                    stream,
                    "400 Bad Request",
                    "text/plain",
                    b"incomplete request\n",
                    false,
                )
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if buf.is_empty() => return Err(e),
            Err(_) => {
                return respond(
                    stream,
                    "408 Request Timeout",
                    "text/plain",
                    b"request timeout\n",
                    false,
                )
            }
        };
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    };
    if end > config.max_request_bytes {
        return respond(
            stream,
            "431 Request Header Fields Too Large",
            "text/plain",
            b"request head too large\n",
            false,
        );
    }
    match route(buf.get(..end).unwrap_or_default()) {
        Route::Metrics { format, head } => match source.gather(format) {
            Ok(body) => respond(
                stream,
                "200 OK",
                format.content_type(),
                body.as_bytes(),
                head,
            ),
            Err(e) => respond(
                stream,
                "500 Internal Server Error",
                "text/plain",
                format!("{e}\n").as_bytes(),
                head,
            ),
        },
        Route::NotFound => respond(
            stream,
            "404 Not Found",
            "text/plain",
            b"not found: try /metrics\n",
            false,
        ),
        Route::MethodNotAllowed => respond(
            stream,
            "405 Method Not Allowed\r\nAllow: GET, HEAD",
            "text/plain",
            b"only GET and HEAD\n",
            false,
        ),
        Route::BadRequest => respond(
            stream,
            "400 Bad Request",
            "text/plain",
            b"bad request\n",
            false,
        ),
    }
}

fn respond(
    stream: &TcpStream,
    status: &str,
    content_type: &str,
    body: &[u8],
    head_only: bool,
) -> io::Result<()> {
    let mut out = Vec::with_capacity(body.len() + 160);
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if !head_only {
        out.extend_from_slice(body);
    }
    let mut w = stream;
    w.write_all(&out)?;
    w.flush()?;
    // Let the client read everything before the socket closes.
    let _ = stream.shutdown(std::net::Shutdown::Write);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DynRegistry;
    use edgeprom::Format;

    fn ask(addr: SocketAddr, request: &[u8]) -> String {
        let mut c = TcpStream::connect(addr).unwrap();
        c.write_all(request).unwrap();
        let mut s = String::new();
        c.read_to_string(&mut s).unwrap();
        s
    }

    #[test]
    fn answers_routes_and_limits() {
        let registry = Arc::new(DynRegistry::new());
        let config = ScrapeConfig {
            max_request_bytes: 256,
            read_timeout: Duration::from_millis(300),
            max_connections: 4,
        };
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
        // A client that never finishes its head gets 408 after the read timeout.
        assert!(ask(addr, b"GET /metrics HTTP/1.1\r\n").starts_with("HTTP/1.1 408 "));
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
}
