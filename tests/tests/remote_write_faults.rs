//! The periodic remote writer (and the client's retries) against faults: a real
//! VictoriaMetrics stopped and restarted mid-run (same port, same data), and hostile loopback
//! receivers written here for what a real one cannot be made to do on cue: 5xx for a while,
//! 429 with `Retry-After`, 400, silence, replies cut short.
//!
//! Every snapshot carries a sequence number (the gauge `rwf_seq`, 1, 2, ...); the source
//! records each one's number and timestamp, the receivers what they got (decoded with snap
//! and prost, `edgeprom_tests::prompb`). Within the queue's bound every snapshot must be
//! stored exactly once, in timestamp order; beyond it the missing ones must be old ones, and
//! `edgeprom_remote_write_samples_dropped_total` must count exactly their samples.
//! `cargo test --test remote_write_faults -- --nocapture` prints what each test saw.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use edgeprom::encode::remote_write::RemoteWrite;
use edgeprom::{Counter, Family, Gauge, Histogram, Metric, Registry};
use edgeprom_std::{
    PeriodicRemoteWriter, PeriodicRemoteWriterBuilder, RemoteWriteClient, RemoteWriteError,
    RemoteWriteMetrics, RemoteWriteSource, RemoteWriteStats, RemoteWriteStopError,
    SNAPSHOT_OVERHEAD,
};
use edgeprom_tests::prompb::decode_body;
use edgeprom_tests::servers::{poll_until, Prometheus, VictoriaMetrics};

#[allow(dead_code)]
#[path = "../benches/peers/inputs.rs"]
mod inputs;

edgeprom::buckets!(Small: u64 = [1, 10]);

/// No hostile receiver lives longer than this.
const SERVER_LIFETIME: Duration = Duration::from_secs(30);

/// What the source recorded of each snapshot: sequence number and timestamp (ms).
type Taken = Arc<Mutex<Vec<(u64, i64)>>>;

/// A run's final stats, what the source took, what the receiver holds (`R`), and the series
/// per snapshot.
type Outcome<R> = (RemoteWriteStats, Vec<(u64, i64)>, R, u64);

/// A source of 7 series (the sequence gauge, a counter, a histogram of two buckets) plus,
/// with `metrics`, the writer's own 15, every series labelled `test=<test>`. Returns the
/// source, what it records, and the series per snapshot.
fn source(
    test: &'static str,
    metrics: Option<&'static RemoteWriteMetrics>,
) -> (impl RemoteWriteSource + 'static, Taken, u64) {
    let seq: &'static Metric<Gauge<i64>> = Box::leak(Box::new(Metric::new("rwf_seq", "Seq")));
    let ticks: &'static Metric<Counter> = Box::leak(Box::new(Metric::new("rwf_ticks", "Ticks")));
    let hist: &'static Metric<Histogram<Small>> =
        Box::leak(Box::new(Metric::new("rwf_size", "Sizes")));
    let mut registry: Registry<'static, 20> = Registry::new()
        .with_const_labels(Box::leak(Box::new([("test", test)])))
        .unwrap();
    registry.register(seq).unwrap();
    registry.register(ticks).unwrap();
    registry.register(hist).unwrap();
    if let Some(m) = metrics {
        m.register(&mut registry).unwrap();
    }
    let body =
        RemoteWriteClient::encode(&registry, &RemoteWrite::at(Duration::from_secs(1))).unwrap();
    let series = decode_body(&body).unwrap().timeseries.len() as u64;
    assert_eq!(series, 7 + metrics.map_or(0, |_| 15));
    let taken: Taken = Arc::default();
    let t = Arc::clone(&taken);
    let mut n = 0u64;
    let source = move |request: &RemoteWrite, buf: &mut Vec<u8>| {
        n += 1;
        seq.set(n as i64);
        ticks.inc();
        hist.observe(n % 20).unwrap();
        t.lock().unwrap().push((n, request.timestamp_ms()));
        registry.snapshot(request, buf)
    };
    (source, taken, series)
}

/// What a hostile receiver does with one request.
#[derive(Debug, Clone, Copy)]
enum Reply {
    /// 204: stored.
    Store,
    /// This head (status line and headers), no body: not stored.
    Head(&'static str),
    /// Nothing, until the client gives up and closes.
    Silent,
    /// These bytes, then the connection closed: not stored.
    Cut(&'static [u8]),
}

/// One request a hostile receiver got.
#[derive(Debug, Clone)]
struct Seen {
    /// When, since the receiver started.
    at: Duration,
    /// The snapshot's sequence number and timestamp.
    seq: u64,
    ts: i64,
    /// Its `TimeSeries`.
    series: u64,
    /// Whether it was answered 2xx.
    stored: bool,
}

/// A loopback receiver that answers request `i`, arriving `t` after its start, with
/// `script(i, t)`, and records every request it got.
struct Hostile {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Hostile {
    fn start(script: impl Fn(usize, Duration) -> Reply + Send + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}/api/v1/write", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (s, log) = (Arc::clone(&stop), Arc::clone(&seen));
        let thread = thread::spawn(move || {
            let start = Instant::now();
            let mut i = 0;
            while !s.load(Ordering::SeqCst) && start.elapsed() < SERVER_LIFETIME {
                match listener.accept() {
                    Ok((mut conn, _)) => {
                        conn.set_nonblocking(false).unwrap();
                        let Some(body) = read_request(&mut conn) else {
                            continue;
                        };
                        let at = start.elapsed();
                        let req = decode_body(&body).expect("a valid request");
                        // Snapshots without a sequence number (another registry) are 0.
                        let seq = req
                            .timeseries
                            .iter()
                            .find(|t| t.label("__name__") == Some("rwf_seq"))
                            .map_or((0, 0), |t| {
                                (t.samples[0].value as u64, t.samples[0].timestamp)
                            });
                        let reply = script(i, at);
                        i += 1;
                        log.lock().unwrap().push(Seen {
                            at,
                            seq: seq.0,
                            ts: seq.1,
                            series: req.timeseries.len() as u64,
                            stored: matches!(reply, Reply::Store),
                        });
                        answer(&mut conn, reply, &s);
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(2))
                    }
                    Err(e) => panic!("accept: {e}"),
                }
            }
        });
        Hostile {
            url,
            seen,
            stop,
            thread: Some(thread),
        }
    }

    /// Stops the receiver and returns what it got.
    fn finish(mut self) -> Vec<Seen> {
        self.stop_and_join();
        self.seen.lock().unwrap().clone()
    }

    fn stop_and_join(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            // A test failing already need not hear that the receiver failed too.
            if t.join().is_err() && !thread::panicking() {
                panic!("the hostile receiver panicked");
            }
        }
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// Reads one request whole (head, then Content-Length bytes of body), or `None` if the client
/// went away first.
fn read_request(conn: &mut TcpStream) -> Option<Vec<u8>> {
    conn.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).to_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .expect("a Content-Length");
            if got.len() >= end + 4 + len {
                return Some(got[end + 4..end + 4 + len].to_vec());
            }
        }
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

fn answer(conn: &mut TcpStream, reply: Reply, stop: &AtomicBool) {
    match reply {
        Reply::Store => {
            let _ = conn.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
        }
        Reply::Head(head) => {
            let _ = conn.write_all(head.as_bytes());
        }
        Reply::Cut(bytes) => {
            let _ = conn.write_all(bytes);
        }
        Reply::Silent => {
            // Until the client closes (its timeout) or the receiver stops.
            conn.set_read_timeout(Some(Duration::from_millis(20)))
                .unwrap();
            let mut buf = [0u8; 512];
            while !stop.load(Ordering::SeqCst) {
                match conn.read(&mut buf) {
                    Ok(0) => return,
                    Ok(_) => {}
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                    Err(_) => return,
                }
            }
        }
    }
    let _ = conn.flush();
}

const UNAVAILABLE: &str =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy";
const TOO_MANY: &str = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 4\r\nConnection: close\r\n\r\nslow";
const BAD_REQUEST: &str =
    "HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbad";

/// A client with a short timeout and a fast backoff (20 ms to 200 ms).
fn client(url: &str, timeout: Duration) -> RemoteWriteClient {
    RemoteWriteClient::new(url)
        .unwrap()
        .with_timeout(timeout)
        .with_retries(5, Duration::from_millis(20), Duration::from_millis(200))
}

fn writer(interval_ms: u64) -> PeriodicRemoteWriterBuilder {
    PeriodicRemoteWriter::every(Duration::from_millis(interval_ms))
}

/// Runs a writer against `receiver` for `run`, stops it (5 s to send what is left) and
/// returns its final stats, what the source took and what the receiver got.
fn run_against(
    receiver: Hostile,
    builder: PeriodicRemoteWriterBuilder,
    timeout: Duration,
    run: Duration,
) -> Outcome<Vec<Seen>> {
    let (source, taken, series) = source("fake", None);
    let w = builder
        .start(client(&receiver.url, timeout), source)
        .unwrap();
    thread::sleep(run);
    let stats = w.stop(Duration::from_secs(5)).expect("everything sent");
    let seen = receiver.finish();
    let taken = taken.lock().unwrap().clone();
    println!(
        "{} snapshots, {} requests ({} failed), {} stored, {} dropped",
        stats.snapshots,
        seen.len(),
        stats.failed_requests,
        seen.iter().filter(|s| s.stored).count(),
        stats.dropped_snapshots
    );
    (stats, taken, seen, series)
}

/// Every snapshot taken was stored exactly once, in timestamp order, with every series, and
/// the stats agree.
fn assert_all_stored_once(
    stats: &RemoteWriteStats,
    taken: &[(u64, i64)],
    seen: &[Seen],
    series: u64,
) {
    let stored: Vec<(u64, i64)> = seen
        .iter()
        .filter(|s| s.stored)
        .map(|s| (s.seq, s.ts))
        .collect();
    assert_eq!(stored, taken, "stored exactly once each, in order");
    assert!(taken.windows(2).all(|w| w[0].1 < w[1].1), "timestamps rise");
    assert!(seen.iter().all(|s| s.series == series));
    assert_eq!(stats.snapshots, taken.len() as u64);
    assert_eq!(stats.sent_snapshots, taken.len() as u64);
    assert_eq!(stats.sent_samples, taken.len() as u64 * series);
    assert_eq!(stats.dropped_samples, 0);
    assert_eq!(stats.pending_snapshots, 0);
    assert_eq!(stats.requests, seen.len() as u64);
}

#[test]
fn five_hundreds_for_a_while_delay_but_lose_nothing() {
    let outage = Duration::from_millis(800);
    let receiver = Hostile::start(move |_, t| {
        if t < outage {
            Reply::Head(UNAVAILABLE)
        } else {
            Reply::Store
        }
    });
    let (stats, taken, seen, series) = run_against(
        receiver,
        writer(50),
        Duration::from_secs(2),
        Duration::from_millis(1300),
    );
    assert_all_stored_once(&stats, &taken, &seen, series);
    let failed = seen.iter().filter(|s| !s.stored).count() as u64;
    assert!(failed >= 3, "{failed} failures");
    assert_eq!(stats.failed_requests, failed);
    // Snapshots went on while the receiver refused: about one per 50 ms of the outage.
    assert_eq!(
        seen.iter().find(|s| s.stored).unwrap().seq,
        1,
        "the oldest goes first"
    );
    let t0 = taken[0].1;
    let during = taken
        .iter()
        .filter(|t| t.1 - t0 < outage.as_millis() as i64);
    assert!(
        during.count() >= 12,
        "snapshots were taken during the outage"
    );
}

#[test]
fn too_many_requests_waits_the_retry_after() {
    let receiver = Hostile::start(|i, _| {
        if i == 0 {
            Reply::Head(TOO_MANY)
        } else {
            Reply::Store
        }
    });
    let (stats, taken, seen, series) = run_against(
        receiver,
        writer(100),
        Duration::from_secs(2),
        Duration::from_millis(1500),
    );
    assert_all_stored_once(&stats, &taken, &seen, series);
    assert!(!seen[0].stored && seen[1].stored && seen[0].seq == seen[1].seq);
    let waited = seen[1].at - seen[0].at;
    println!("Retry-After: 1 waited {waited:?} (the backoff is 20 ms)");
    assert!(
        waited >= Duration::from_secs(1) && waited < Duration::from_millis(1500),
        "{waited:?}"
    );
    // Snapshots kept coming while the sender waited: ten a second.
    assert!(taken.len() >= 12, "{} snapshots", taken.len());
}

#[test]
fn bad_request_drops_that_snapshot_only_and_counts_it() {
    let receiver = Hostile::start(|i, _| {
        if i == 2 {
            Reply::Head(BAD_REQUEST)
        } else {
            Reply::Store
        }
    });
    let (stats, taken, seen, series) = run_against(
        receiver,
        writer(50),
        Duration::from_secs(2),
        Duration::from_millis(500),
    );
    let rejected = seen[2].seq;
    assert_eq!(
        seen.iter().filter(|s| s.seq == rejected).count(),
        1,
        "a 400 is not retried"
    );
    assert_eq!(stats.failed_samples, series);
    assert_eq!(stats.failed_requests, 1);
    assert_eq!(stats.dropped_samples, 0);
    let stored: Vec<(u64, i64)> = seen
        .iter()
        .filter(|s| s.stored)
        .map(|s| (s.seq, s.ts))
        .collect();
    let want: Vec<(u64, i64)> = taken.iter().copied().filter(|t| t.0 != rejected).collect();
    assert_eq!(stored, want);
    assert_eq!(
        stats.sent_samples + stats.failed_samples,
        stats.snapshots * series
    );
}

#[test]
fn a_silent_receiver_times_out_and_the_snapshot_is_sent_again() {
    let receiver = Hostile::start(|i, _| if i == 0 { Reply::Silent } else { Reply::Store });
    let timeout = Duration::from_millis(300);
    let (stats, taken, seen, series) =
        run_against(receiver, writer(50), timeout, Duration::from_millis(800));
    assert_all_stored_once(&stats, &taken, &seen, series);
    assert!(!seen[0].stored && seen[1].stored && seen[0].seq == seen[1].seq);
    let waited = seen[1].at - seen[0].at;
    println!("silent receiver: retried after {waited:?} (timeout {timeout:?})");
    assert!(waited >= timeout, "{waited:?}");
    assert_eq!(stats.failed_requests, 1);
}

#[test]
fn replies_cut_short_are_retried() {
    const CUTS: [&[u8]; 3] = [
        b"",                                    // closed without a word
        b"HTTP/1.1 20",                         // status line cut
        b"HTTP/1.1 204 No Content\r\nConnecti", // headers cut
    ];
    let receiver = Hostile::start(|i, _| match CUTS.get(i) {
        Some(cut) => Reply::Cut(cut),
        None => Reply::Store,
    });
    let (stats, taken, seen, series) = run_against(
        receiver,
        writer(50),
        Duration::from_secs(2),
        Duration::from_millis(600),
    );
    assert_all_stored_once(&stats, &taken, &seen, series);
    // The first snapshot was received four times, stored once.
    assert!(seen[..4].iter().all(|s| s.seq == 1));
    assert_eq!(stats.failed_requests, CUTS.len() as u64);
}

#[test]
fn beyond_the_bound_the_oldest_are_dropped_and_counted_exactly() {
    let outage = Duration::from_millis(1200);
    let receiver = Hostile::start(move |_, t| {
        if t < outage {
            Reply::Head(UNAVAILABLE)
        } else {
            Reply::Store
        }
    });
    let bound = 3;
    let (stats, taken, seen, series) = run_against(
        receiver,
        writer(50).max_snapshots(bound),
        Duration::from_secs(2),
        Duration::from_millis(1700),
    );
    let stored: Vec<u64> = seen.iter().filter(|s| s.stored).map(|s| s.seq).collect();
    assert!(
        stored.windows(2).all(|w| w[0] < w[1]),
        "in order, once each"
    );
    let missing: Vec<u64> = taken
        .iter()
        .map(|t| t.0)
        .filter(|n| !stored.contains(n))
        .collect();
    println!("dropped: {missing:?}");
    assert!(missing.len() > 10, "a long outage drops snapshots");
    assert_eq!(stats.dropped_snapshots, missing.len() as u64);
    assert_eq!(stats.dropped_samples, missing.len() as u64 * series);
    assert_eq!(stats.sent_snapshots, stored.len() as u64);
    // Only old ones went: at least `bound` newer snapshots were stored after each.
    for m in &missing {
        let newer = stored.iter().filter(|s| *s > m).count();
        assert!(newer >= bound, "{m} dropped with only {newer} newer stored");
    }
    // The receiver never saw a dropped snapshot succeed.
    assert!(seen.iter().all(|s| !s.stored || !missing.contains(&s.seq)));
}

#[test]
fn client_send_reports_attempts_through_resets_timeouts_and_5xx() {
    let receiver = Hostile::start(|i, _| match i {
        0 => Reply::Cut(b""),
        1 => Reply::Silent,
        2 => Reply::Head(UNAVAILABLE),
        _ => Reply::Store,
    });
    let (source, ..) = source("client", None);
    let mut source = source;
    let mut raw = Vec::new();
    source
        .snapshot(
            &RemoteWrite::at(Duration::from_secs(1_700_000_000)),
            &mut raw,
        )
        .unwrap();
    let body = snap::raw::Encoder::new().compress_vec(&raw).unwrap();
    let c = client(&receiver.url, Duration::from_millis(300));
    assert_eq!(c.send(&body).unwrap(), 4);
    // With fewer attempts, the last failure is reported with their number.
    let e = client(&receiver.url, Duration::from_millis(300))
        .with_retries(1, Duration::ZERO, Duration::ZERO)
        .send(&body);
    assert!(e.is_ok(), "the receiver stores from now on: {e:?}");
    let seen = receiver.finish();
    assert_eq!(seen.len(), 5);
    let always_503 = Hostile::start(|_, _| Reply::Head(UNAVAILABLE));
    let e = client(&always_503.url, Duration::from_secs(2))
        .with_retries(2, Duration::ZERO, Duration::ZERO)
        .send(&body)
        .unwrap_err();
    assert!(
        matches!(
            e,
            RemoteWriteError::Unavailable {
                status: 503,
                attempts: 2,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(always_503.finish().len(), 2);
}

#[test]
fn stop_drops_and_reports_what_its_deadline_leaves() {
    let receiver = Hostile::start(|_, _| Reply::Head(UNAVAILABLE));
    let (source, taken, series) = source("stop", None);
    let w = writer(50)
        .start(client(&receiver.url, Duration::from_secs(2)), source)
        .unwrap();
    thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    let e = w.stop(Duration::from_millis(200)).unwrap_err();
    let took = start.elapsed();
    let RemoteWriteStopError::Unsent {
        snapshots,
        samples,
        last_error,
    } = e
    else {
        panic!("{e}")
    };
    let taken = taken.lock().unwrap().len() as u64;
    println!("stop: {snapshots} of {taken} snapshots unsent after {took:?}");
    assert_eq!(snapshots, taken, "nothing was accepted, everything dropped");
    assert_eq!(samples, taken * series);
    assert!(matches!(
        last_error,
        Some(RemoteWriteError::Unavailable { status: 503, .. })
    ));
    assert!(took >= Duration::from_millis(200) && took < Duration::from_secs(3));
    assert!(receiver.finish().iter().all(|s| !s.stored));
}

/// The export of `rwf_seq{test=...}`: (value, timestamp) pairs in time order.
fn exported_seq(vm: &VictoriaMetrics, test: &str) -> Vec<(u64, i64)> {
    let series = vm
        .export(&format!("{{__name__=\"rwf_seq\",test=\"{test}\"}}"))
        .unwrap();
    assert!(series.len() <= 1);
    series
        .first()
        .map(|e| {
            e.values
                .iter()
                .zip(&e.timestamps)
                .map(|(v, t)| (*v as u64, *t))
                .collect()
        })
        .unwrap_or_default()
}

/// Writes to a real VictoriaMetrics that is stopped for a while and restarted (same port and
/// data); returns the stats, what was taken and what VictoriaMetrics holds.
fn victoria_outage(test: &'static str, bound: usize, outage: Duration) -> Outcome<Vec<(u64, i64)>> {
    let mut vm = VictoriaMetrics::start().expect("victoria-metrics starts");
    let metrics: &'static RemoteWriteMetrics = Box::leak(Box::default());
    let (source, taken, series) = source(test, Some(metrics));
    let w = writer(100)
        .max_snapshots(bound)
        .metrics(metrics)
        .start(
            client(
                &format!("{}/api/v1/write", vm.url()),
                Duration::from_secs(2),
            ),
            source,
        )
        .unwrap();
    // Running: wait until something is stored, then stop it gracefully, so that what it
    // accepted is on disk.
    poll_until(Duration::from_secs(10), || {
        (w.stats().sent_snapshots >= 5).then_some(())
    })
    .expect("the first snapshots are accepted");
    vm.stop_gracefully().unwrap();
    let down = Instant::now();
    thread::sleep(outage);
    vm.restart().expect("victoria-metrics restarts");
    println!("victoria-metrics down for {:?}", down.elapsed());
    poll_until(Duration::from_secs(10), || {
        (w.stats().pending_snapshots == 0).then_some(())
    })
    .expect("the queue drains");
    let stats = w.stop(Duration::from_secs(5)).expect("everything sent");
    let taken = taken.lock().unwrap().clone();
    let stored = poll_until(Duration::from_secs(10), || {
        let got = exported_seq(&vm, test);
        (got.len() as u64 == stats.sent_snapshots).then_some(got)
    })
    .unwrap_or_else(|| exported_seq(&vm, test));
    // The writer's own metrics were written too.
    let own = vm
        .export(&format!(
            "{{__name__=\"edgeprom_remote_write_samples_total\",test=\"{test}\"}}"
        ))
        .unwrap();
    assert_eq!(own.len(), 1, "the self-metrics are written");
    assert!(own[0].values.last().copied().unwrap_or(0.0) > 0.0);
    println!(
        "{test}: {} taken, {} stored, {} dropped, {} failed requests",
        taken.len(),
        stored.len(),
        stats.dropped_snapshots,
        stats.failed_requests
    );
    (stats, taken, stored, series)
}

#[test]
fn victoria_metrics_restart_loses_nothing_within_the_bound() {
    let (stats, taken, stored, series) =
        victoria_outage("vm-within", 100, Duration::from_millis(1500));
    assert!(stats.failed_requests > 0, "the outage was seen");
    assert_eq!(
        stored, taken,
        "every snapshot once, in order, at its timestamp"
    );
    assert_eq!(stats.dropped_samples, 0);
    assert_eq!(
        stats.failed_samples, 0,
        "none refused (out of order or else)"
    );
    assert_eq!(stats.sent_samples, taken.len() as u64 * series);
}

#[test]
fn victoria_metrics_restart_beyond_the_bound_counts_the_dropped() {
    let bound = 4;
    let (stats, taken, stored, series) =
        victoria_outage("vm-beyond", bound, Duration::from_millis(2000));
    let kept: Vec<u64> = stored.iter().map(|s| s.0).collect();
    assert!(
        stored.iter().all(|s| taken.contains(s)),
        "stored at their timestamps"
    );
    assert!(kept.windows(2).all(|w| w[0] < w[1]), "once each, in order");
    let missing: Vec<u64> = taken
        .iter()
        .map(|t| t.0)
        .filter(|n| !kept.contains(n))
        .collect();
    println!("dropped: {missing:?}");
    assert!(!missing.is_empty());
    assert_eq!(stats.dropped_samples, missing.len() as u64 * series);
    assert_eq!(stats.failed_samples, 0);
    for m in &missing {
        assert!(kept.iter().filter(|k| *k > m).count() >= bound, "{m}");
    }
}

/// Prometheus refuses a sample older than the newest of its series (400, out of order):
/// snapshots sent in timestamp order, each once, are all stored.
#[test]
fn prometheus_stores_every_snapshot_in_order() {
    let prom = Prometheus::start_receiver().expect("prometheus starts");
    let (source, taken, series) = source("prom", None);
    let w = writer(50)
        .start(
            client(
                &format!("{}/api/v1/write", prom.url()),
                Duration::from_secs(2),
            ),
            source,
        )
        .unwrap();
    thread::sleep(Duration::from_millis(800));
    let stats = w.stop(Duration::from_secs(5)).expect("everything sent");
    let n = taken.lock().unwrap().len() as u64;
    assert_eq!(
        stats.failed_samples, 0,
        "nothing refused: {:?}",
        stats.last_error
    );
    assert_eq!(stats.sent_samples, n * series);
    let expr = "count_over_time(rwf_seq{test=\"prom\"}[5m])";
    let count = poll_until(Duration::from_secs(10), || {
        prom.query(expr)
            .ok()
            .and_then(|s| s.first().map(|s| s.value))
            .filter(|v| *v == n as f64)
    });
    assert_eq!(count, Some(n as f64), "{n} snapshots stored");
    let sum = prom
        .query("sum_over_time(rwf_seq{test=\"prom\"}[5m])")
        .unwrap();
    assert_eq!(sum[0].value, (n * (n + 1) / 2) as f64, "1..={n} once each");
    println!(
        "prometheus: {n} snapshots stored, {} requests",
        stats.requests
    );
}

#[test]
fn queue_memory_per_snapshot() {
    // The scrape of `cargo xtask bench`: 1,000 labelled counters, 100 histograms (10
    // families of 10 series) of the 14 default buckets.
    type Counters = Family<Counter, 1, 1024, 16>;
    type Histograms = Family<Histogram, 1, 16, 16>;
    let values = inputs::values();
    let counters: &'static Counters = Box::leak(Box::new(Family::new(
        inputs::SCRAPE_COUNTER_NAME,
        inputs::SCRAPE_HELP,
        [inputs::SCRAPE_COUNTER_LABEL],
    )));
    for i in 0..inputs::SCRAPE_COUNTERS {
        let label = inputs::counter_label(i);
        counters
            .labels([label.as_str()])
            .unwrap()
            .inc_by(inputs::counter_value(i));
    }
    let mut registry: Registry<'static, 16> = Registry::new();
    registry.register(counters).unwrap();
    for f in 0..inputs::SCRAPE_HISTOGRAMS {
        let family: &'static Histograms = Box::leak(Box::new(Family::new(
            inputs::histogram_name(f),
            inputs::SCRAPE_HELP,
            [inputs::SCRAPE_HISTOGRAM_LABEL],
        )));
        for s in 0..inputs::SCRAPE_HISTOGRAM_SERIES {
            let h = family
                .labels([inputs::histogram_label(s).as_str()])
                .unwrap();
            for v in inputs::histogram_observations(&values, f, s) {
                h.observe(v).unwrap();
            }
        }
        registry.register(family).unwrap();
    }
    let want_series = 1000 + 100 * (inputs::BUCKETS.len() as u64 + 1 + 2);
    // Stamped now, as the writer's are (a timestamp's varint is 6 bytes, 1 for 1 s).
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let now = Duration::from_millis(now.as_millis() as u64);
    let body = RemoteWriteClient::encode(&registry, &RemoteWrite::at(now)).unwrap();
    assert_eq!(
        decode_body(&body).unwrap().timeseries.len() as u64,
        want_series
    );

    // What the queue holds: a receiver that is down keeps the snapshots in it.
    let receiver = Hostile::start(|_, _| Reply::Head(UNAVAILABLE));
    let w = PeriodicRemoteWriter::every(Duration::from_secs(3600))
        .wall_clock(edgeprom::FixedClock(now))
        .start(client(&receiver.url, Duration::from_secs(2)), registry)
        .unwrap();
    let stats = poll_until(Duration::from_secs(10), || {
        Some(w.stats()).filter(|s| s.failed_requests >= 1)
    })
    .unwrap();
    println!(
        "{want_series} series: uncompressed {} B, compressed {} B, queued {} B per snapshot \
         (overhead {SNAPSHOT_OVERHEAD} B)",
        snap::raw::Decoder::new()
            .decompress_vec(&body)
            .unwrap()
            .len(),
        body.len(),
        stats.pending_bytes
    );
    assert_eq!(stats.pending_snapshots, 1);
    assert_eq!(stats.pending_samples, want_series);
    // The same values and timestamp: the same request.
    assert_eq!(stats.pending_bytes, (body.len() + SNAPSHOT_OVERHEAD) as u64);
    drop(w);
}
