//! The scrape endpoint under a burst of hostile clients, on loopback: malformed request lines,
//! binary garbage, a 1 MiB request head, an endless one, slow trickles, idle connections,
//! clients that leave mid-request and requests declaring a huge body, from several threads at
//! once, while a well-behaved scraper asks for `/metrics` every 20 ms. Every scrape must
//! succeed, quickly, with the right `Content-Type` and the counter's current value; every attack
//! must get its status (or a closed connection) within the limits of [`ScrapeConfig`].
//!
//! A second test holds more slow connections than the server handles at once, reconnecting as
//! they are cut, and checks that the scraper still gets through every time.
//!
//! Both print their figures (`--nocapture` shows them).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use edgeprom::{Counter, Format};
use edgeprom_std::{DynMetric, DynRegistry, ScrapeConfig, ScrapeServer};

/// The server's limit for a whole request head.
const READ_TIMEOUT: Duration = Duration::from_secs(1);
/// How long attacks are launched; the slow ones end up to [`READ_TIMEOUT`] later.
const BURST: Duration = Duration::from_secs(3);
/// Leeway past a server limit: the accept poll, scheduling, the client noticing.
const SLACK: Duration = Duration::from_millis(500);
/// The client side's own limit, so that a server that hangs fails the test instead.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
/// The well-behaved scraper's pace.
const SCRAPE_EVERY: Duration = Duration::from_millis(20);
/// The series the scraper looks for.
const SERIES: &str = "burst_ticks_total";

/// How an exchange ended, as the client saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// An answer with this status.
    Status(u16),
    /// Closed by the server without an answer.
    Closed,
    /// Reset by the server (or the write broke) without an answer.
    Reset,
    /// The client left before the server did anything (on purpose).
    Left,
    /// Still open when the client gave up: the server failed to cut it.
    StillOpen,
}

/// Tallies of outcomes per attack, and what went wrong.
#[derive(Default)]
struct Report {
    tally: Mutex<BTreeMap<(&'static str, Outcome), u32>>,
    failures: Mutex<Vec<String>>,
}

impl Report {
    fn fail(&self, what: String) {
        self.failures.lock().unwrap().push(what);
    }

    /// Counts `outcome` for `kind`, and records a failure if it is not one of `allowed`.
    fn check(&self, kind: &'static str, outcome: Outcome, allowed: &[Outcome], detail: &str) {
        *self
            .tally
            .lock()
            .unwrap()
            .entry((kind, outcome))
            .or_default() += 1;
        if !allowed.contains(&outcome) {
            self.fail(format!(
                "{kind}: {outcome:?}, expected one of {allowed:?} ({detail})"
            ));
        }
    }

    fn connections(&self) -> u32 {
        self.tally.lock().unwrap().values().sum()
    }

    fn summary(&self) -> String {
        let mut s = String::new();
        for ((kind, outcome), n) in self.tally.lock().unwrap().iter() {
            let _ = writeln!(s, "  {kind:<16} {outcome:?}: {n}");
        }
        s
    }

    fn assert_clean(&self) {
        let failures = self.failures.lock().unwrap();
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let c = TcpStream::connect_timeout(&addr, CLIENT_TIMEOUT).unwrap();
    c.set_write_timeout(Some(CLIENT_TIMEOUT)).unwrap();
    c.set_read_timeout(Some(CLIENT_TIMEOUT)).unwrap();
    c
}

/// The status of an answer, if `bytes` starts with a status line.
fn status_of(bytes: &[u8]) -> Option<u16> {
    let rest = bytes.strip_prefix(b"HTTP/1.1 ")?;
    std::str::from_utf8(rest.get(..3)?).ok()?.parse().ok()
}

/// Reads the server's whole answer.
fn read_answer(c: &mut TcpStream) -> (Outcome, Vec<u8>) {
    let mut buf = Vec::new();
    let read = c.read_to_end(&mut buf);
    let outcome = match (status_of(&buf), read) {
        (Some(status), _) => Outcome::Status(status),
        (None, Ok(_)) if buf.is_empty() => Outcome::Closed,
        (None, Err(e))
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            Outcome::StillOpen
        }
        (None, Err(_)) if buf.is_empty() => Outcome::Reset,
        (None, _) => panic!("not an HTTP answer: {:?}", String::from_utf8_lossy(&buf)),
    };
    (outcome, buf)
}

/// Sends `request` (as far as the server takes it) and reads the answer.
fn exchange(addr: SocketAddr, request: &[u8]) -> Outcome {
    let mut c = connect(addr);
    let _ = c.write_all(request);
    read_answer(&mut c).0
}

/// Runs `one` until `until` or `max` times, pausing between runs; how many ran.
fn repeat(until: Instant, pause: Duration, max: usize, mut one: impl FnMut(usize)) -> usize {
    let mut n = 0;
    while n < max && Instant::now() < until {
        one(n);
        n += 1;
        thread::sleep(pause);
    }
    n
}

/// Malformed or misdirected requests, with the status each must get.
const MALFORMED: [(&[u8], u16); 10] = [
    (b"GET\r\n\r\n", 400),
    (b"\r\n\r\n", 400),
    (b"GET /metrics HTTP/2.0\r\n\r\n", 400),
    (b"GET metrics HTTP/1.1\r\n\r\n", 400),
    (b"GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n", 400),
    (b"GET /metrics HTTP/1.1\r\nBad Name: x\r\n\r\n", 400),
    (b"G\x00T /metrics HTTP/1.1\r\n\r\n", 400),
    (b"GET /\xff\xfe HTTP/1.1\r\n\r\n", 400),
    (b"BREW /metrics HTTP/1.1\r\n\r\n", 405),
    (b"GET /admin HTTP/1.1\r\n\r\n", 404),
];

/// `len` pseudo-random bytes without a line feed (xorshift from `seed`), then a blank line.
fn garbage(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            match (x >> 32) as u8 {
                b'\n' => b'.',
                b => b,
            }
        })
        .collect();
    out.extend_from_slice(b"\r\n\r\n");
    out
}

/// A 1 MiB request head: a valid request line and many well-formed headers.
fn oversized_head() -> Vec<u8> {
    let mut head = String::from("GET /metrics HTTP/1.1\r\n");
    let pad = "a".repeat(100);
    let mut i = 0;
    while head.len() < 1 << 20 {
        let _ = write!(head, "X-Pad-{i:06}: {pad}\r\n");
        i += 1;
    }
    head.push_str("\r\n");
    head.into_bytes()
}

/// Writes `head` in pieces until done or the server stops taking it; the bytes taken.
fn push_head(c: &mut TcpStream, head: &[u8]) -> usize {
    let mut sent = 0;
    for piece in head.chunks(64 * 1024) {
        match c.write(piece) {
            Ok(n) => sent += n,
            Err(_) => break,
        }
    }
    sent
}

/// Sends header lines without end, up to `cap` bytes; the bytes the kernel took before the
/// server cut the connection (`cap` if it never did).
fn endless_head(c: &mut TcpStream, cap: usize) -> usize {
    let line = format!("X-More: {}\r\n", "b".repeat(1000));
    let mut block = String::from("GET /metrics HTTP/1.1\r\n");
    while block.len() < 64 * 1024 {
        block.push_str(&line);
    }
    let mut sent = 0;
    while sent < cap {
        match c.write(block.as_bytes()) {
            Ok(n) => sent += n,
            Err(_) => return sent,
        }
        block = line.repeat(64);
    }
    sent
}

/// Trickles a request head one byte every `every`, never finishing it, until the server
/// answers or closes, or `give_up` passes; the outcome and how long the connection lasted.
fn trickle(addr: SocketAddr, every: Duration, give_up: Instant) -> (Outcome, Duration) {
    let start = Instant::now();
    let mut c = connect(addr);
    let request = b"GET /metrics HTTP/1.1\r\nX-Slow: ";
    for i in 0.. {
        let byte = request.get(i).copied().unwrap_or(b'z');
        let sent = c.write_all(&[byte]).is_ok();
        thread::sleep(every);
        // Has the server answered or closed meanwhile?
        c.set_nonblocking(true).unwrap();
        let peeked = c.peek(&mut [0u8; 1]);
        c.set_nonblocking(false).unwrap();
        let waiting = matches!(&peeked, Err(e) if e.kind() == io::ErrorKind::WouldBlock);
        if !(sent && waiting) {
            break;
        }
        if Instant::now() >= give_up {
            return (Outcome::Left, start.elapsed());
        }
    }
    let took = start.elapsed();
    (read_answer(&mut c).0, took)
}

/// The registry the server serves, its counter, and the count recorded after each increment.
struct Ticking {
    counter: Arc<DynMetric<Counter>>,
    recorded: AtomicU64,
}

impl Ticking {
    fn new(registry: &DynRegistry) -> Self {
        let counter = Arc::new(DynMetric::<Counter>::new("burst_ticks", "Ticks").unwrap());
        registry.register(counter.clone()).unwrap();
        Ticking {
            counter,
            recorded: AtomicU64::new(0),
        }
    }

    /// Increments every millisecond until `done`.
    fn tick_until(&self, done: &AtomicBool) {
        while !done.load(Ordering::Relaxed) {
            self.counter.inc();
            self.recorded.fetch_add(1, Ordering::SeqCst);
            thread::sleep(Duration::from_millis(1));
        }
    }
}

/// What the well-behaved scraper saw.
#[derive(Default)]
struct Scrapes {
    latencies: Vec<Duration>,
    openmetrics: usize,
    last_value: u64,
}

impl Scrapes {
    fn worst(&self) -> Duration {
        self.latencies.iter().copied().max().unwrap_or_default()
    }

    fn median(&self) -> Duration {
        let mut l = self.latencies.clone();
        l.sort();
        l.get(l.len() / 2).copied().unwrap_or_default()
    }
}

/// Scrapes `/metrics` every [`SCRAPE_EVERY`] until `done`, alternating Prometheus text and
/// OpenMetrics, and checks every answer against the counter's recorded values.
fn scrape_until(addr: SocketAddr, ticks: &Ticking, done: &AtomicBool, report: &Report) -> Scrapes {
    let mut seen = Scrapes::default();
    let mut n = 0usize;
    while !done.load(Ordering::Relaxed) {
        let openmetrics = n % 2 == 1;
        n += 1;
        let (format, accept) = if openmetrics {
            (
                Format::OpenMetrics,
                "Accept: application/openmetrics-text;version=1.0.0,text/plain;q=0.5\r\n",
            )
        } else {
            (Format::Prometheus, "")
        };
        let request = format!("GET /metrics HTTP/1.1\r\nHost: burst\r\n{accept}\r\n");
        let floor = ticks.recorded.load(Ordering::SeqCst);
        let start = Instant::now();
        let mut c = connect(addr);
        c.write_all(request.as_bytes()).unwrap();
        let (outcome, bytes) = read_answer(&mut c);
        let latency = start.elapsed();
        drop(c);
        // The counter is incremented before it is recorded: it is at most one ahead.
        let ceiling = ticks.recorded.load(Ordering::SeqCst) + 1;
        let text = String::from_utf8_lossy(&bytes);
        match check_scrape(&text, outcome, format, floor, ceiling, seen.last_value) {
            Ok(value) => {
                seen.last_value = value;
                seen.latencies.push(latency);
                seen.openmetrics += usize::from(openmetrics);
            }
            Err(e) => report.fail(format!("scrape {n} ({format:?}, {latency:?}): {e}\n{text}")),
        }
        thread::sleep(SCRAPE_EVERY);
    }
    seen
}

/// The counter's value in a good answer, or what is wrong with it.
fn check_scrape(
    text: &str,
    outcome: Outcome,
    format: Format,
    floor: u64,
    ceiling: u64,
    last: u64,
) -> Result<u64, String> {
    if outcome != Outcome::Status(200) {
        return Err(format!("{outcome:?}"));
    }
    let (head, body) = text.split_once("\r\n\r\n").ok_or("no blank line")?;
    // The negotiated Content-Type names the escaping (no `escaping=` asked: underscores).
    let content_type = format!(
        "\r\nContent-Type: {}; escaping=underscores\r\n",
        format.content_type()
    );
    if !head.contains(&content_type) {
        return Err(format!("wrong content type, wanted {content_type:?}"));
    }
    if !head.contains(&format!("\r\nContent-Length: {}\r\n", body.len())) {
        return Err("Content-Length does not match the body".into());
    }
    if (format == Format::OpenMetrics) != body.ends_with("# EOF\n") {
        return Err("`# EOF` where it does not belong, or missing".into());
    }
    let value = body
        .lines()
        .find_map(|l| l.strip_prefix(SERIES)?.strip_prefix(' '))
        .ok_or("no counter sample")?;
    let value: u64 = value.parse().map_err(|e| format!("{value:?}: {e}"))?;
    if value < floor || value > ceiling || value < last {
        return Err(format!(
            "value {value} outside [{floor}, {ceiling}] or below the last seen {last}"
        ));
    }
    Ok(value)
}

fn start_server(config: ScrapeConfig) -> (ScrapeServer, Ticking) {
    let registry = Arc::new(DynRegistry::new());
    let ticks = Ticking::new(&registry);
    let server = ScrapeServer::bind_with("127.0.0.1:0", registry, config).unwrap();
    (server, ticks)
}

fn stop_server(server: ScrapeServer) -> Duration {
    let addr = server.local_addr();
    let start = Instant::now();
    server.stop();
    let took = start.elapsed();
    assert!(TcpStream::connect(addr).is_err(), "still listening");
    took
}

#[test]
fn scrapes_succeed_during_a_burst_of_bad_clients() {
    let config = ScrapeConfig {
        read_timeout: READ_TIMEOUT,
        max_connections: 16,
        ..ScrapeConfig::default()
    };
    let limit = config.max_request_bytes;
    let (server, ticks) = start_server(config);
    let addr = server.local_addr();
    let report = Report::default();
    let done = AtomicBool::new(false);
    let oversized = oversized_head();
    let mut taken_of_oversized = 0usize;
    let mut taken_of_endless = 0usize;

    let scrapes = thread::scope(|s| {
        let ticker = s.spawn(|| ticks.tick_until(&done));
        let scraper = s.spawn(|| scrape_until(addr, &ticks, &done, &report));
        // Let the scraper start before the burst, so it spans all of it.
        thread::sleep(SCRAPE_EVERY * 3);
        let until = Instant::now() + BURST;
        let report = &report;
        let mut attacks = Vec::new();

        attacks.push(s.spawn(move || {
            repeat(until, Duration::from_millis(10), 400, |i| {
                let (request, status) = MALFORMED[i % MALFORMED.len()];
                let outcome = exchange(addr, request);
                let detail = String::from_utf8_lossy(request);
                report.check("malformed", outcome, &[Outcome::Status(status)], &detail);
            })
        }));
        attacks.push(s.spawn(move || {
            repeat(until, Duration::from_millis(10), 400, |i| {
                let outcome = exchange(addr, &garbage(i as u64, 2048));
                report.check("garbage", outcome, &[Outcome::Status(400)], &i.to_string());
            })
        }));
        let oversized = &oversized;
        let taken_oversized = &mut taken_of_oversized;
        let taken_endless = &mut taken_of_endless;
        attacks.push(s.spawn(move || {
            let cut = [Outcome::Status(431), Outcome::Closed, Outcome::Reset];
            repeat(until, Duration::from_millis(50), 100, |i| {
                let mut c = connect(addr);
                if i % 2 == 0 {
                    let taken = push_head(&mut c, oversized);
                    *taken_oversized = (*taken_oversized).max(taken);
                    let outcome = read_answer(&mut c).0;
                    report.check("oversized 1 MiB", outcome, &cut, &format!("{taken} taken"));
                } else {
                    // A head without end: the server must stop reading it, so the kernel's
                    // buffers fill and the connection is cut long before 64 MiB.
                    let cap = 64 << 20;
                    let taken = endless_head(&mut c, cap);
                    *taken_endless = (*taken_endless).max(taken);
                    let outcome = if taken < cap {
                        read_answer(&mut c).0
                    } else {
                        Outcome::StillOpen
                    };
                    report.check("endless head", outcome, &cut, &format!("{taken} taken"));
                }
            })
        }));
        for every in [50, 75, 100] {
            attacks.push(s.spawn(move || {
                let every = Duration::from_millis(every);
                repeat(until, Duration::ZERO, 10, |_| {
                    let give_up = Instant::now() + READ_TIMEOUT * 3;
                    let (outcome, took) = trickle(addr, every, give_up);
                    // 408 at the deadline, or closed earlier if displaced by newcomers.
                    let allowed = [Outcome::Status(408), Outcome::Closed];
                    report.check("trickle", outcome, &allowed, &format!("{took:?}"));
                    if took > READ_TIMEOUT + every + SLACK
                        || (outcome == Outcome::Status(408) && took < READ_TIMEOUT)
                    {
                        report.fail(format!("trickle every {every:?} lasted {took:?}"));
                    }
                })
            }));
        }
        for _ in 0..3 {
            attacks.push(s.spawn(move || {
                repeat(until, Duration::ZERO, 10, |_| {
                    let start = Instant::now();
                    let outcome = read_answer(&mut connect(addr)).0;
                    let took = start.elapsed();
                    report.check("idle", outcome, &[Outcome::Closed], &format!("{took:?}"));
                    if took > READ_TIMEOUT + SLACK {
                        report.fail(format!("idle client held for {took:?}"));
                    }
                })
            }));
        }
        attacks.push(s.spawn(move || {
            repeat(until, Duration::from_millis(10), 400, |i| {
                let mut c = connect(addr);
                match i % 3 {
                    // Half a request line, then gone.
                    0 => {
                        let _ = c.write_all(b"GET /metrics HT");
                        drop(c);
                        report.check("disconnect", Outcome::Left, &[Outcome::Left], "");
                    }
                    // Half a request line, then the end of what it sends: incomplete.
                    1 => {
                        let _ = c.write_all(b"GET /metrics HT");
                        c.shutdown(Shutdown::Write).unwrap();
                        let outcome = read_answer(&mut c).0;
                        report.check("half close", outcome, &[Outcome::Status(400)], "");
                    }
                    // A whole request, gone before the answer.
                    _ => {
                        let _ = c.write_all(b"GET /metrics HTTP/1.1\r\n\r\n");
                        drop(c);
                        report.check("disconnect", Outcome::Left, &[Outcome::Left], "");
                    }
                }
            })
        }));
        attacks.push(s.spawn(move || {
            repeat(until, Duration::from_millis(10), 400, |i| {
                let (method, status) = if i % 2 == 0 {
                    ("GET", 413)
                } else {
                    ("POST", 405)
                };
                let mut request =
                    format!("{method} /metrics HTTP/1.1\r\nContent-Length: 1099511627776\r\n\r\n")
                        .into_bytes();
                request.extend_from_slice(&[b'x'; 4096]);
                let outcome = exchange(addr, &request);
                report.check("huge body", outcome, &[Outcome::Status(status)], method);
            })
        }));

        for a in attacks {
            a.join().unwrap();
        }
        done.store(true, Ordering::Relaxed);
        ticker.join().unwrap();
        scraper.join().unwrap()
    });
    let stopped_in = stop_server(server);

    println!(
        "scrape burst: {} attack connections over {BURST:?} (+ the slow ones' last {READ_TIMEOUT:?}); \
         {} good scrapes served ({} OpenMetrics), worst latency {:?}, median {:?}; \
         head limit {limit} bytes: a client could write at most {} bytes of a 1 MiB head and \
         {} bytes of an endless one (into socket buffers) before the cut; stopped in \
         {stopped_in:?}\n{}",
        report.connections(),
        scrapes.latencies.len(),
        scrapes.openmetrics,
        scrapes.worst(),
        scrapes.median(),
        taken_of_oversized,
        taken_of_endless,
        report.summary(),
    );
    report.assert_clean();
    // The scraper ran every 20 ms for the whole burst: well over 50 scrapes.
    assert!(scrapes.latencies.len() >= 50, "{}", scrapes.latencies.len());
    assert!(scrapes.openmetrics >= 25);
    assert!(scrapes.worst() < READ_TIMEOUT, "{:?}", scrapes.worst());
    assert!(scrapes.last_value > 0);
    assert!(taken_of_endless < 64 << 20);
    assert!(stopped_in < READ_TIMEOUT + SLACK, "{stopped_in:?}");
}

#[test]
fn slow_clients_beyond_max_connections_do_not_lock_scrapers_out() {
    // Few connections and a long timeout: without displacing the slow clients, the scraper
    // would be refused (or kept waiting) for seconds.
    let read_timeout = Duration::from_secs(5);
    let config = ScrapeConfig {
        read_timeout,
        max_connections: 4,
        ..ScrapeConfig::default()
    };
    let (server, ticks) = start_server(config);
    let addr = server.local_addr();
    let report = Report::default();
    let done = AtomicBool::new(false);
    let hold = Duration::from_secs(2);

    let scrapes = thread::scope(|s| {
        let ticker = s.spawn(|| ticks.tick_until(&done));
        let until = Instant::now() + hold;
        let report = &report;
        // Ten slow clients for four connections, each reconnecting 100 ms after it is cut.
        let holders: Vec<_> = (0..10)
            .map(|_| {
                s.spawn(move || {
                    repeat(until, Duration::from_millis(100), 100, |_| {
                        let (outcome, took) = trickle(addr, Duration::from_millis(50), until);
                        let allowed = [Outcome::Closed, Outcome::Left];
                        report.check("slow holder", outcome, &allowed, &format!("{took:?}"));
                    })
                })
            })
            .collect();
        // Let them take every connection first.
        thread::sleep(Duration::from_millis(300));
        let scraper = s.spawn(|| scrape_until(addr, &ticks, &done, report));
        for h in holders {
            h.join().unwrap();
        }
        done.store(true, Ordering::Relaxed);
        ticker.join().unwrap();
        scraper.join().unwrap()
    });
    let stopped_in = stop_server(server);

    let displaced = report
        .tally
        .lock()
        .unwrap()
        .get(&("slow holder", Outcome::Closed))
        .copied()
        .unwrap_or(0);
    println!(
        "slow clients: {} connections held by 10 clients against 4 places, {displaced} \
         displaced; {} good scrapes served, worst latency {:?}, median {:?}; stopped in \
         {stopped_in:?}\n{}",
        report.connections(),
        scrapes.latencies.len(),
        scrapes.worst(),
        scrapes.median(),
        report.summary(),
    );
    report.assert_clean();
    assert!(scrapes.latencies.len() >= 30, "{}", scrapes.latencies.len());
    assert!(displaced >= 30, "{displaced}");
    assert!(
        scrapes.worst() < Duration::from_secs(1),
        "{:?}",
        scrapes.worst()
    );
}
