//! `edgeprom-embedded`'s Pushgateway client on the host: over TCP against a real
//! `prometheus-pushgateway` (push, push_add, delete, basic auth, a 400), blocking and async,
//! and over scripted in-memory transports for every way a reply can go wrong.

use std::collections::VecDeque;
use std::future::Future;
use std::net::TcpStream;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use edgeprom::{buckets, Counter, Family, Format, Gauge, Histogram, Metric, Registry};
use edgeprom_embedded::{embedded_io, embedded_io_async, PushError, Pushgateway, StdIo};
use edgeprom_tests::qemu::{self, Samples};
use edgeprom_tests::servers::poll_until;

/// Polls a future to completion. The transports here never return `Pending` for long (the
/// in-memory ones never, `StdIo` blocks inside `poll`), so a busy loop with a no-op waker is
/// enough.
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}

// ---------------------------------------------------------------------------------------------
// In-memory transports.

/// A transport that records what is written (in short writes of at most 7 bytes) and replies
/// from a script of reads.
#[derive(Default)]
struct Script {
    sent: Vec<u8>,
    /// Each read returns the next entry: bytes (at most what fits; the rest stays queued) or
    /// an error. An empty script reads as a closed connection.
    replies: VecDeque<Result<Vec<u8>, embedded_io::ErrorKind>>,
    /// Fail writes once this many bytes were written.
    write_error_after: Option<usize>,
    /// Accept no bytes (return `Ok(0)`).
    zero_writes: bool,
    /// Called before every write with the number of bytes sent so far.
    on_write: Option<Box<dyn FnMut(usize)>>,
}

impl Script {
    fn replying(parts: &[&[u8]]) -> Self {
        Script {
            replies: parts.iter().map(|p| Ok(p.to_vec())).collect(),
            ..Script::default()
        }
    }

    fn do_write(&mut self, buf: &[u8]) -> Result<usize, embedded_io::ErrorKind> {
        if let Some(f) = self.on_write.as_mut() {
            f(self.sent.len());
        }
        if self.zero_writes {
            return Ok(0);
        }
        if self.write_error_after.is_some_and(|n| self.sent.len() >= n) {
            return Err(embedded_io::ErrorKind::BrokenPipe);
        }
        let n = buf.len().min(7);
        self.sent.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn do_read(&mut self, buf: &mut [u8]) -> Result<usize, embedded_io::ErrorKind> {
        match self.replies.pop_front() {
            None => Ok(0),
            Some(Err(e)) => Err(e),
            Some(Ok(mut bytes)) => {
                let n = bytes.len().min(buf.len());
                buf[..n].copy_from_slice(&bytes[..n]);
                if n < bytes.len() {
                    self.replies.push_front(Ok(bytes.split_off(n)));
                }
                Ok(n)
            }
        }
    }

    /// The request head and body as sent.
    fn request(&self) -> (String, String) {
        let text = String::from_utf8(self.sent.clone()).expect("UTF-8 request");
        let (head, body) = text.split_once("\r\n\r\n").expect("a request head");
        (head.to_owned(), body.to_owned())
    }
}

impl embedded_io::ErrorType for Script {
    type Error = embedded_io::ErrorKind;
}

impl embedded_io::Write for Script {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        self.do_write(buf)
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

impl embedded_io::Read for Script {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        self.do_read(buf)
    }
}

impl embedded_io_async::Write for Script {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        self.do_write(buf)
    }
    async fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

impl embedded_io_async::Read for Script {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        self.do_read(buf)
    }
}

/// Splits `bytes` into reads of `n` bytes.
fn in_reads_of(bytes: &[u8], n: usize) -> Vec<&[u8]> {
    bytes.chunks(n).collect()
}

const OK_REPLY: &[u8] =
    b"HTTP/1.1 200 OK\r\nDate: Tue, 25 Nov 2025 05:00:00 GMT\r\nContent-Length: 0\r\n\r\n";

fn content_length(head: &str) -> usize {
    head.lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .expect("Content-Length")
        .parse()
        .expect("a number")
}

fn gateway() -> Pushgateway<'static> {
    Pushgateway::new("127.0.0.1:9091", "unit")
        .and_then(|g| g.with_grouping(&[("instance", "mem/1")]))
        .expect("valid config")
}

mod memory {
    use super::*;

    static REQUESTS: Metric<Counter> = Metric::new("mem_requests", "Requests");
    static TEMPERATURE: Metric<Gauge> = Metric::new("mem_temperature_celsius", "Temperature");
    static PORTS: Family<Counter, 1, 4> = Family::new("mem_frames", "Frames", ["port"]);

    fn registry() -> Registry<'static, 4> {
        let mut r = Registry::new();
        r.register(&REQUESTS).unwrap();
        r.register(&TEMPERATURE).unwrap();
        r.register(&PORTS).unwrap();
        r
    }

    #[test]
    fn request_is_exact_and_the_reply_is_read_one_byte_at_a_time() {
        REQUESTS.inc_by(42);
        TEMPERATURE.set(21.5);
        PORTS.labels(["uart0"]).unwrap().inc();
        let r = registry();
        let mut io = Script::replying(&in_reads_of(OK_REPLY, 1));
        let mut buf = [0u8; 128];
        assert_eq!(gateway().push(&mut io, &r, &mut buf), Ok(200));
        let (head, body) = io.request();
        assert!(
            head.starts_with("PUT /metrics/job/unit/instance@base64/bWVtLzE HTTP/1.1\r\n"),
            "{head}"
        );
        assert!(head.contains("\r\nHost: 127.0.0.1:9091\r\n"));
        assert!(head.contains("\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
        assert!(head.ends_with("\r\nConnection: close"));
        assert_eq!(content_length(&head), body.len());
        let mut whole = [0u8; 2048];
        let n = r.encode(Format::Prometheus, &mut whole).unwrap();
        assert_eq!(body.as_bytes(), &whole[..n]);
        assert!(io.replies.is_empty(), "the whole head was read");
    }

    #[test]
    fn push_add_and_delete_methods() {
        let r = registry();
        let mut io = Script::replying(&[OK_REPLY]);
        assert_eq!(gateway().push_add(&mut io, &r, &mut [0; 128]), Ok(200));
        assert!(io.request().0.starts_with("POST /metrics/job/unit/"));

        let mut io = Script::replying(&[b"HTTP/1.1 202 Accepted\r\n\r\n"]);
        assert_eq!(gateway().delete(&mut io, &mut [0; 64]), Ok(202));
        let (head, body) = io.request();
        assert!(head.starts_with("DELETE /metrics/job/unit/instance@base64/bWVtLzE HTTP/1.1"));
        assert!(!head.contains("Content-Length"), "{head}");
        assert!(body.is_empty());
    }

    #[test]
    fn every_failure_is_its_own_error() {
        let r = registry();
        let g = gateway();
        let push = |mut io: Script, buf: &mut [u8]| g.push(&mut io, &r, buf);
        let mut buf = [0u8; 128];

        assert_eq!(push(Script::default(), &mut buf), Err(PushError::Closed));
        assert_eq!(
            push(Script::replying(&[b"HTTP/1.1 200 OK\r\nDate: x"]), &mut buf),
            Err(PushError::Closed)
        );
        assert_eq!(
            push(
                Script::replying(&[b"\x16\x03\x01 not http at all\r\n\r\n"]),
                &mut buf
            ),
            Err(PushError::Malformed)
        );
        assert_eq!(
            push(Script::replying(&[b"HTTP/1.1 2x0 OK\r\n\r\n"]), &mut buf),
            Err(PushError::Malformed)
        );
        let long = format!("HTTP/1.1 200 OK\r\nX-Long: {}\r\n\r\n", "a".repeat(200));
        assert_eq!(
            push(Script::replying(&[long.as_bytes()]), &mut buf),
            Err(PushError::TooLarge)
        );
        assert_eq!(
            push(
                Script::replying(&[b"HTTP/1.1 400 Bad Request\r\nContent-Length: 5\r\n\r\nnope\n"]),
                &mut buf
            ),
            Err(PushError::Status(400))
        );
        let mut reset = Script::replying(&[b"HTTP/1.1 20"]);
        reset
            .replies
            .push_back(Err(embedded_io::ErrorKind::ConnectionReset));
        assert_eq!(
            push(reset, &mut buf),
            Err(PushError::Transport(
                embedded_io::ErrorKind::ConnectionReset
            ))
        );
        let broken = Script {
            write_error_after: Some(30),
            ..Script::replying(&[OK_REPLY])
        };
        assert_eq!(
            push(broken, &mut buf),
            Err(PushError::Transport(embedded_io::ErrorKind::BrokenPipe))
        );
        let zero = Script {
            zero_writes: true,
            ..Script::replying(&[OK_REPLY])
        };
        assert_eq!(push(zero, &mut buf), Err(PushError::WriteZero));
        assert_eq!(
            push(Script::replying(&[OK_REPLY]), &mut []),
            Err(PushError::NoBuffer)
        );
    }

    #[test]
    fn a_document_that_grows_while_it_is_sent_is_never_completed() {
        static GROWS: Metric<Counter> = Metric::new("mem_grows", "Grows while sending");
        let mut r: Registry<'_, 1> = Registry::new();
        r.register(&GROWS).unwrap();
        GROWS.inc_by(9);
        let mut io = Script::replying(&[OK_REPLY]);
        // 9 -> 10: one byte longer than measured, as an interrupt handler would do.
        io.on_write = Some(Box::new(|sent| {
            if sent == 0 {
                GROWS.inc();
            }
        }));
        assert_eq!(
            gateway().push(&mut io, &r, &mut [0; 32]),
            Err(PushError::Changed)
        );
        let sent = String::from_utf8(io.sent.clone()).unwrap();
        let (head, body) = sent.split_once("\r\n\r\n").unwrap();
        assert!(
            body.len() < content_length(head),
            "the gateway must not get a complete body: {body:?}"
        );
    }

    #[test]
    fn a_change_that_keeps_the_length_is_sent_as_one_consistent_document() {
        static SAME: Metric<Gauge> = Metric::new("mem_same_length", "Changes while sending");
        let mut r: Registry<'_, 1> = Registry::new();
        r.register(&SAME).unwrap();
        SAME.set(1.0);
        let mut io = Script::replying(&[OK_REPLY]);
        io.on_write = Some(Box::new(|sent| {
            if sent == 0 {
                SAME.set(2.0);
            }
        }));
        // A small buffer: the first write happens while the body is being encoded again.
        assert_eq!(gateway().push(&mut io, &r, &mut [0; 100]), Ok(200));
        let (head, body) = io.request();
        assert_eq!(content_length(&head), body.len());
        assert!(body.ends_with("mem_same_length 2.0\n"), "{body}");
    }

    #[test]
    fn async_push_matches_the_blocking_one() {
        let r = registry();
        let mut blocking = Script::replying(&[OK_REPLY]);
        assert_eq!(gateway().push(&mut blocking, &r, &mut [0; 128]), Ok(200));
        for size in [1, 16, 100, 4096] {
            let mut io = Script::replying(&in_reads_of(OK_REPLY, 3));
            let mut buf = vec![0u8; size];
            let got = block_on(gateway().push_async(&mut io, &r, &mut buf));
            if size < 64 {
                // The reply head is 77 bytes: it cannot fit.
                assert_eq!(got, Err(PushError::TooLarge), "buffer {size}");
            } else {
                assert_eq!(got, Ok(200), "buffer {size}");
            }
            assert_eq!(io.sent, blocking.sent, "buffer {size}");
        }
        let mut io = Script::replying(&[b"HTTP/1.1 202 Accepted\r\n\r\n"]);
        assert_eq!(
            block_on(gateway().delete_async(&mut io, &mut [0; 64])),
            Ok(202)
        );
        let mut io = Script::replying(&[b"HTTP/1.1 404 Not Found\r\n\r\n"]);
        assert_eq!(
            block_on(gateway().push_add_async(&mut io, &r, &mut [0; 64])),
            Err(PushError::Status(404))
        );
        assert_eq!(
            block_on(gateway().push_async(&mut Script::default(), &r, &mut [])),
            Err(PushError::NoBuffer)
        );
    }

    #[test]
    fn async_detects_a_change_in_bytes_already_sent() {
        static EARLY: Metric<Gauge> = Metric::new("mem_early", "Changes after it was sent");
        static LATE: Metric<Counter> = Metric::new("mem_late", "Padding after it");
        let mut r: Registry<'_, 2> = Registry::new();
        r.register(&EARLY).unwrap();
        r.register(&LATE).unwrap();
        EARLY.set(1.0);
        let mut io = Script::replying(&[OK_REPLY]);
        // Once the request is well past the gauge's line, change it (same length).
        io.on_write = Some(Box::new(|sent| {
            if sent > 330 {
                EARLY.set(2.0);
            }
        }));
        let got = block_on(gateway().push_async(&mut io, &r, &mut [0; 16]));
        assert_eq!(got, Err(PushError::Changed));
        let (head, body) = io.request();
        assert!(body.contains("mem_early 1.0\n"), "{body}");
        assert!(body.len() < content_length(&head));
    }
}

// ---------------------------------------------------------------------------------------------
// A real Pushgateway over TCP.

fn connect(port: u16) -> StdIo<TcpStream> {
    let s = TcpStream::connect(("127.0.0.1", port)).expect("connect to the gateway");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    StdIo(s)
}

/// A push's outcome with the transport's `std::io::Error` reduced to its kind, to compare.
fn kind(r: Result<u16, PushError<std::io::Error>>) -> Result<u16, PushError<std::io::ErrorKind>> {
    r.map_err(|e| e.map_transport(|e| e.kind()))
}

fn one(samples: &Samples, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let found = samples.find(name, labels);
    assert!(found.len() <= 1, "{name}{labels:?}: {found:?}");
    found.first().copied()
}

buckets!(SizeBuckets: f64 = [10.0, 100.0, 1000.0]);

#[test]
fn push_push_add_and_delete_against_a_real_gateway() {
    static UPLINKS: Metric<Counter> = Metric::new("tcp_uplinks", "Uplink sessions");
    static BATTERY: Metric<Gauge> = Metric::new("tcp_battery_volts", "Battery voltage");
    static SIZES: Metric<Histogram<SizeBuckets>> = Metric::new("tcp_frame_bytes", "Frame sizes");
    static ERRORS: Family<Counter, 1, 4> = Family::new("tcp_errors", "Errors", ["kind"]);
    UPLINKS.inc_by(5);
    BATTERY.set(3.3);
    for v in [5.0, 50.0, 500.0, 5000.0] {
        SIZES.observe(v).unwrap();
    }
    ERRORS.labels(["crc"]).unwrap().inc_by(2);
    ERRORS.labels(["with \"quotes\"\n"]).unwrap().inc();

    let gw = qemu::Pushgateway::start().unwrap_or_else(|e| panic!("{e}"));
    let host = format!("127.0.0.1:{}", gw.port());
    let client = Pushgateway::new(&host, "tcp job/1")
        .and_then(|c| c.with_grouping(&[("instance", ""), ("zone", "a b")]))
        .unwrap();
    let group = [("job", "tcp job/1"), ("instance", ""), ("zone", "a b")];
    let mut full: Registry<'_, 4> = Registry::new();
    for m in [
        &UPLINKS as &dyn edgeprom::Collect,
        &BATTERY,
        &SIZES,
        &ERRORS,
    ] {
        full.register(m).unwrap();
    }
    // A small buffer: the request goes out in many chunks.
    let mut buf = [0u8; 160];
    assert_eq!(
        kind(client.push(&mut connect(gw.port()), &full, &mut buf)),
        Ok(200)
    );

    let s = gw.metrics().unwrap();
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut l = group.to_vec();
        l.extend_from_slice(extra);
        l
    };
    assert_eq!(one(&s, "tcp_uplinks_total", &with(&[])), Some(5.0));
    assert_eq!(one(&s, "tcp_battery_volts", &with(&[])), Some(3.3));
    assert_eq!(
        one(&s, "tcp_frame_bytes_bucket", &with(&[("le", "100")])),
        Some(2.0)
    );
    assert_eq!(
        one(&s, "tcp_frame_bytes_bucket", &with(&[("le", "+Inf")])),
        Some(4.0)
    );
    assert_eq!(one(&s, "tcp_frame_bytes_sum", &with(&[])), Some(5555.0));
    assert_eq!(
        one(&s, "tcp_errors_total", &with(&[("kind", "crc")])),
        Some(2.0)
    );
    assert_eq!(
        one(
            &s,
            "tcp_errors_total",
            &with(&[("kind", "with \"quotes\"\n")])
        ),
        Some(1.0)
    );

    // POST replaces only the names in the body.
    BATTERY.set(3.1);
    let mut battery_only: Registry<'_, 1> = Registry::new();
    battery_only.register(&BATTERY).unwrap();
    assert_eq!(
        kind(client.push_add(&mut connect(gw.port()), &battery_only, &mut buf)),
        Ok(200)
    );
    let s = gw.metrics().unwrap();
    assert_eq!(one(&s, "tcp_battery_volts", &with(&[])), Some(3.1));
    assert_eq!(one(&s, "tcp_uplinks_total", &with(&[])), Some(5.0));

    // PUT replaces the whole group.
    assert_eq!(
        kind(client.push(&mut connect(gw.port()), &battery_only, &mut buf)),
        Ok(200)
    );
    let s = gw.metrics().unwrap();
    assert_eq!(one(&s, "tcp_uplinks_total", &with(&[])), None);
    assert_eq!(one(&s, "tcp_battery_volts", &with(&[])), Some(3.1));

    // DELETE removes it.
    assert_eq!(
        kind(client.delete(&mut connect(gw.port()), &mut buf)),
        Ok(202)
    );
    // The gateway answers 202 and applies the DELETE from its write queue: poll.
    let deleted = poll_until(Duration::from_secs(5), || {
        let s = gw.metrics().ok()?;
        (one(&s, "tcp_battery_volts", &with(&[])).is_none()).then_some(s)
    });
    let s = deleted.expect("the group is deleted within 5 s");
    assert_eq!(one(&s, "push_time_seconds", &with(&[])), None);
}

#[test]
fn async_push_against_a_real_gateway() {
    static PASSES: Metric<Counter> = Metric::new("async_passes", "Async pushes");
    static LEVEL: Metric<Gauge<i64>> = Metric::new("async_level", "A level");
    PASSES.inc_by(7);
    LEVEL.set(-12);
    let mut r: Registry<'_, 2> = Registry::new();
    r.register(&PASSES).unwrap();
    r.register(&LEVEL).unwrap();

    let gw = qemu::Pushgateway::start().unwrap_or_else(|e| panic!("{e}"));
    let host = format!("127.0.0.1:{}", gw.port());
    let client = Pushgateway::new(&host, "async").unwrap();
    let mut buf = [0u8; 128];
    let status = kind(block_on(client.push_async(
        &mut connect(gw.port()),
        &r,
        &mut buf,
    )));
    assert_eq!(status, Ok(200));
    let s = gw.metrics().unwrap();
    assert_eq!(
        one(&s, "async_passes_total", &[("job", "async")]),
        Some(7.0)
    );
    assert_eq!(one(&s, "async_level", &[("job", "async")]), Some(-12.0));
    let status = kind(block_on(
        client.delete_async(&mut connect(gw.port()), &mut buf),
    ));
    assert_eq!(status, Ok(202));
    assert_eq!(
        one(&gw.metrics().unwrap(), "async_level", &[("job", "async")]),
        None
    );
}

#[test]
fn the_gateway_rejects_an_inconsistent_push_with_400() {
    static AS_COUNTER: Metric<Counter> = Metric::new("clash_value", "As a counter");
    static AS_GAUGE: Metric<Gauge> = Metric::new("clash_value_total", "As a gauge");
    let mut counter: Registry<'_, 1> = Registry::new();
    counter.register(&AS_COUNTER).unwrap();
    let mut gauge: Registry<'_, 1> = Registry::new();
    gauge.register(&AS_GAUGE).unwrap();

    let gw = qemu::Pushgateway::start().unwrap_or_else(|e| panic!("{e}"));
    let host = format!("127.0.0.1:{}", gw.port());
    let a = Pushgateway::new(&host, "a").unwrap();
    let b = Pushgateway::new(&host, "b").unwrap();
    let mut buf = [0u8; 256];
    assert_eq!(
        kind(a.push(&mut connect(gw.port()), &counter, &mut buf)),
        Ok(200)
    );
    // The same sample name with another type in another group.
    assert_eq!(
        kind(b.push(&mut connect(gw.port()), &gauge, &mut buf)),
        Err(PushError::Status(400))
    );
}

/// Deletes a file when dropped.
struct RemoveOnDrop(std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// bcrypt of `s3cret-pass` (made with `perl -e 'print crypt("s3cret-pass",
/// "\$2b\$10\$abcdefghijklmnopqrstuu")'`).
const BCRYPT: &str = "$2b$10$abcdefghijklmnopqrstuuf8IDzradNoVu7dQxKrv4wH5ASwrrEI6";

#[test]
fn basic_auth_against_a_real_gateway() {
    static AUTHED: Metric<Counter> = Metric::new("authed_pushes", "Pushes with credentials");
    AUTHED.inc();
    let mut r: Registry<'_, 1> = Registry::new();
    r.register(&AUTHED).unwrap();

    static CONFIGS: AtomicUsize = AtomicUsize::new(0);
    let config = std::env::temp_dir().join(format!(
        "edgeprom-web-{}-{}.yml",
        std::process::id(),
        CONFIGS.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(
        &config,
        format!("basic_auth_users:\n  pusher: '{BCRYPT}'\n"),
    )
    .unwrap();
    // base64("pusher:s3cret-pass"), for the helper's own requests.
    let auth = "Basic cHVzaGVyOnMzY3JldC1wYXNz".to_owned();
    let gw = qemu::Pushgateway::start_with(
        &[format!("--web.config.file={}", config.display())],
        Some(auth),
    );
    // The gateway reads its web config at every request: keep the file until the end.
    let _remove = RemoveOnDrop(config);
    let gw = gw.unwrap_or_else(|e| panic!("{e}"));
    let host = format!("127.0.0.1:{}", gw.port());
    let mut buf = [0u8; 256];

    let anonymous = Pushgateway::new(&host, "auth").unwrap();
    assert_eq!(
        kind(anonymous.push(&mut connect(gw.port()), &r, &mut buf)),
        Err(PushError::Status(401))
    );
    let wrong = anonymous.with_basic_auth("pusher", "guess").unwrap();
    assert_eq!(
        kind(wrong.push(&mut connect(gw.port()), &r, &mut buf)),
        Err(PushError::Status(401))
    );
    let right = anonymous.with_basic_auth("pusher", "s3cret-pass").unwrap();
    assert_eq!(
        kind(right.push(&mut connect(gw.port()), &r, &mut buf)),
        Ok(200)
    );
    let s = gw.metrics().unwrap();
    assert_eq!(
        one(&s, "authed_pushes_total", &[("job", "auth")]),
        Some(1.0)
    );
}
