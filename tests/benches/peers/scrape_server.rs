//! Workload 8: the standalone scrape endpoint (`edgeprom_std::ScrapeServer`) over loopback.
//!
//! - latency: a fresh connection per scrape (the server answers one request per connection, as
//!   Prometheus' scrapes of it are), `GET /metrics` of a small registry, read to the end;
//!   p50 and p99 of [`SCRAPES`] scrapes, each after a pause drawn evenly from 1 to 23 ms (so
//!   scrapes arrive at an idle server at no fixed phase to any timer the server may keep: what
//!   a scraper sees, not a burst's throughput);
//! - idle wake-ups: the context switches (voluntary and not) of the server's threads, from
//!   `/proc/self/task/<tid>/status`, over [`IDLE`] with no client, after the last scrape's
//!   threads have ended. A server that polls wakes on every poll; one that blocks, never.
//!
//! The same two measures for the axum route (`edgeprom_std::metrics_route`) served by axum on
//! a two-worker tokio runtime, for comparison (its idle threads: the runtime's workers).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use edgeprom::{Counter, Gauge};
use edgeprom_std::{DynMetric, DynRegistry, ScrapeServer};

/// Scrapes timed for the latency quantiles.
pub const SCRAPES: usize = 400;
/// Pauses between two scrapes: 1 to this many milliseconds, pseudo-random.
pub const MAX_GAP_MS: u64 = 23;
/// How long the idle server is watched.
pub const IDLE: Duration = Duration::from_secs(5);

/// What the workload measured.
pub struct Figures {
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    /// Context switches of the server's threads while idle, over [`IDLE`].
    pub idle_switches: u64,
    /// Server threads seen while idle.
    pub threads: usize,
}

/// The server's threads' context switches, by thread id (threads named `edgeprom-scrape*`;
/// the kernel keeps 15 bytes of a name, so both the accepting and connection threads match).
fn switches(prefix: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for task in tasks.flatten() {
        let dir = task.path();
        let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        if !comm.starts_with(prefix) {
            continue;
        }
        let status = std::fs::read_to_string(dir.join("status")).unwrap_or_default();
        let n: u64 = status
            .lines()
            .filter(|l| {
                l.starts_with("voluntary_ctxt_switches")
                    || l.starts_with("nonvoluntary_ctxt_switches")
            })
            .filter_map(|l| l.split(':').nth(1)?.trim().parse::<u64>().ok())
            .sum();
        out.push((task.file_name().to_string_lossy().into_owned(), n));
    }
    out
}

fn scrape(addr: SocketAddr, buf: &mut Vec<u8>) -> Duration {
    let start = Instant::now();
    let mut c = TcpStream::connect(addr).expect("connect to the scrape server");
    c.write_all(
        b"GET /metrics HTTP/1.1\r\nHost: bench\r\nAccept: text/plain;version=0.0.4\r\nConnection: close\r\n\r\n",
    )
    .expect("send the request");
    buf.clear();
    c.read_to_end(buf).expect("read the answer");
    let took = start.elapsed();
    assert!(buf.starts_with(b"HTTP/1.1 200 OK\r\n"), "scrape failed");
    took
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The bench's registry and its counter.
fn registry() -> (Arc<DynRegistry>, Arc<DynMetric<Counter>>) {
    let registry = Arc::new(DynRegistry::new());
    let up = Arc::new(DynMetric::<Gauge>::new("bench_up", "Up").expect("valid name"));
    let hits = Arc::new(DynMetric::<Counter>::new("bench_hits", "Hits").expect("valid name"));
    registry.register(up.clone()).expect("registers");
    registry.register(hits.clone()).expect("registers");
    up.set(1.0);
    (registry, hits)
}

/// Runs the workload on the standalone server (`quick`: a tenth of the scrapes, one second
/// idle).
pub fn measure(quick: bool) -> Figures {
    let (registry, hits) = registry();
    let server = ScrapeServer::bind("127.0.0.1:0", registry).expect("bind the scrape server");
    let figures = scrapes_and_idle(server.local_addr(), &hits, "edgeprom-scrape", quick);
    server.stop();
    figures
}

/// Runs the workload on the axum route, served by axum on a tokio runtime of two workers.
pub fn measure_axum(quick: bool) -> Figures {
    let (registry, hits) = registry();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("bench-axum")
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("bound");
    let app = axum::Router::new().route("/metrics", edgeprom_std::metrics_route(registry));
    rt.spawn(async move { axum::serve(listener, app).await });
    let figures = scrapes_and_idle(addr, &hits, "bench-axum", quick);
    rt.shutdown_background();
    figures
}

fn scrapes_and_idle(
    addr: SocketAddr,
    hits: &DynMetric<Counter>,
    threads: &str,
    quick: bool,
) -> Figures {
    let mut buf = Vec::new();
    for _ in 0..10 {
        scrape(addr, &mut buf);
    }
    let n = if quick { SCRAPES / 10 } else { SCRAPES };
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut took: Vec<Duration> = (0..n)
        .map(|_| {
            hits.inc();
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            thread::sleep(Duration::from_micros(
                1000 + (seed >> 33) % (MAX_GAP_MS * 1000),
            ));
            scrape(addr, &mut buf)
        })
        .collect();
    took.sort();
    // Let the connection threads end (each drains its socket briefly after answering).
    thread::sleep(Duration::from_millis(500));
    let idle = if quick { Duration::from_secs(1) } else { IDLE };
    let before = switches(threads);
    thread::sleep(idle);
    let after = switches(threads);
    let idle_switches = after
        .iter()
        .filter_map(|(tid, n)| {
            let (_, b) = before.iter().find(|(t, _)| t == tid)?;
            Some(n - b)
        })
        .sum::<u64>()
        * IDLE.as_millis() as u64
        / idle.as_millis() as u64;
    Figures {
        p50: quantile(&took, 0.5),
        p99: quantile(&took, 0.99),
        max: *took.last().expect("scrapes were taken"),
        idle_switches,
        threads: after.len(),
    }
}

pub fn print(standalone: &Figures, axum: &Figures) {
    println!("8. scrape endpoints over loopback, a new connection per scrape");
    println!("| measure | ScrapeServer | axum route (tokio, 2 workers) |");
    println!("|---|--:|--:|");
    let us = |d: Duration| format!("{:.1} µs", d.as_secs_f64() * 1e6);
    println!(
        "| scrape latency p50 | {} | {} |",
        us(standalone.p50),
        us(axum.p50)
    );
    println!(
        "| scrape latency p99 | {} | {} |",
        us(standalone.p99),
        us(axum.p99)
    );
    println!(
        "| scrape latency max | {} | {} |",
        us(standalone.max),
        us(axum.max)
    );
    let idle = |f: &Figures| {
        format!(
            "{} ({:.1}/s, {} threads)",
            f.idle_switches,
            f.idle_switches as f64 / IDLE.as_secs_f64(),
            f.threads
        )
    };
    println!(
        "| idle wake-ups (context switches in {} s) | {} | {} |",
        IDLE.as_secs(),
        idle(standalone),
        idle(axum)
    );
}
