//! [`PeriodicRemoteWriter`]: snapshots a registry every interval into a bounded queue, from
//! which a second thread sends them oldest first, retrying while the receiver is down.
//!
//! Two threads, so that snapshots are taken on schedule whatever the receiver does:
//!
//! - the **snapshotter** encodes the source stamped with the wall-clock time (never earlier
//!   than the previous snapshot's time plus 1 ms), counts its `TimeSeries`, compresses it and
//!   queues it; when the queue is over its bound the oldest waiting snapshot is dropped and
//!   its samples counted;
//! - the **sender** sends the oldest snapshot, one request at a time, by the specification's
//!   rules: 2xx sent; 5xx, 429 and transport failures (unreachable, timeout, reset, a reply
//!   cut short) retried with the client's backoff, or after a 429's `Retry-After`, for as long
//!   as the snapshot is in the queue; any other 4xx rejected: dropped, counted, reported.

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::mem;
use std::ops::Deref;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use edgeprom::encode::remote_write::RemoteWrite;
use edgeprom::WallClock;

use super::client::{compress, pause, Attempt};
use super::{
    count_timeseries, RemoteWriteClient, RemoteWriteError, RemoteWriteMetrics, RemoteWriteSource,
};
use crate::SystemClock;

/// What a queued snapshot costs besides its compressed body: the queue's slot and the
/// body's reference count.
pub const SNAPSHOT_OVERHEAD: usize = mem::size_of::<Snapshot>() + 2 * mem::size_of::<usize>();

/// What a [`PeriodicRemoteWriter`] has done so far (the values of its
/// [`RemoteWriteMetrics`]).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RemoteWriteStats {
    /// Snapshots taken and queued.
    pub snapshots: u64,
    /// Snapshots the source could not write.
    pub snapshot_failures: u64,
    /// Snapshots the receiver accepted.
    pub sent_snapshots: u64,
    /// Samples the receiver accepted.
    pub sent_samples: u64,
    /// Compressed bytes the receiver accepted.
    pub sent_bytes: u64,
    /// Requests made.
    pub requests: u64,
    /// Requests that failed.
    pub failed_requests: u64,
    /// Samples sent again after a failure.
    pub retried_samples: u64,
    /// Samples the receiver rejected (not retried).
    pub failed_samples: u64,
    /// Snapshots dropped unsent.
    pub dropped_snapshots: u64,
    /// Samples dropped unsent.
    pub dropped_samples: u64,
    /// Snapshots in the queue.
    pub pending_snapshots: u64,
    /// Samples in the queue.
    pub pending_samples: u64,
    /// The queue's memory in bytes.
    pub pending_bytes: u64,
    /// The most recent error (of the source or of a request), if the latest snapshot or
    /// request failed.
    pub last_error: Option<RemoteWriteError>,
}

/// Stopping a [`PeriodicRemoteWriter`] did not end with everything sent.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RemoteWriteStopError {
    /// The deadline passed with snapshots unsent: they were dropped (and counted).
    Unsent {
        /// The snapshots dropped.
        snapshots: u64,
        /// Their samples.
        samples: u64,
        /// Why the last request failed, if one did.
        last_error: Option<RemoteWriteError>,
    },
    /// The source panicked; the snapshots queued before were sent (or dropped) as usual.
    Panicked,
}

impl fmt::Display for RemoteWriteStopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteWriteStopError::Unsent {
                snapshots, samples, ..
            } => write!(
                f,
                "{snapshots} snapshots ({samples} samples) were still unsent at the deadline"
            ),
            RemoteWriteStopError::Panicked => f.write_str("the snapshot source panicked"),
        }
    }
}

impl std::error::Error for RemoteWriteStopError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RemoteWriteStopError::Unsent {
                last_error: Some(e),
                ..
            } => Some(e),
            _ => None,
        }
    }
}

/// One queued request.
#[derive(Debug, Clone)]
struct Snapshot {
    timestamp_ms: i64,
    samples: u64,
    body: Arc<[u8]>,
}

impl Snapshot {
    fn cost(&self) -> usize {
        self.body.len() + SNAPSHOT_OVERHEAD
    }
}

#[derive(Debug, Default)]
struct Queue {
    items: VecDeque<Snapshot>,
    /// Cost of every item.
    bytes: usize,
    /// The front item is in a request now (so it is not dropped).
    in_flight: bool,
    /// The sender waits until then before the next request (backoff).
    not_before: Option<Instant>,
    /// The snapshotter has ended (the final snapshot, if any, is queued).
    done: bool,
    /// Stop was asked for: what is unsent then is dropped.
    deadline: Option<Instant>,
    last_error: Option<RemoteWriteError>,
}

enum Metrics {
    Own(Box<RemoteWriteMetrics>),
    Static(&'static RemoteWriteMetrics),
}

impl Deref for Metrics {
    type Target = RemoteWriteMetrics;
    fn deref(&self) -> &RemoteWriteMetrics {
        match self {
            Metrics::Own(m) => m,
            Metrics::Static(m) => m,
        }
    }
}

struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
    metrics: Metrics,
    max_snapshots: usize,
    max_bytes: usize,
}

fn to_i64(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The gauges, from the queue.
    fn gauges(&self, q: &Queue) {
        let m = &self.metrics;
        m.snapshots_pending.set(to_i64(q.items.len()));
        m.samples_pending
            .set(to_i64(q.items.iter().map(|s| s.samples).sum::<u64>()));
        m.bytes_pending.set(to_i64(q.bytes));
    }

    fn drop_snapshot(&self, s: &Snapshot) {
        self.metrics.snapshots_dropped.inc();
        self.metrics.samples_dropped.inc_by(s.samples);
    }

    fn pop_front(&self, q: &mut Queue) -> Option<Snapshot> {
        let s = q.items.pop_front()?;
        q.bytes -= s.cost();
        Some(s)
    }

    /// Queues `s`, then drops the oldest waiting snapshots while over the bound.
    fn push(&self, s: Snapshot) {
        let mut q = self.lock();
        q.bytes += s.cost();
        q.items.push_back(s);
        self.metrics.snapshots.inc();
        loop {
            let (mut waiting, mut bytes) = (q.items.len(), q.bytes);
            let first = if q.in_flight {
                waiting -= 1;
                bytes -= q.items.front().map_or(0, Snapshot::cost);
                1
            } else {
                0
            };
            if waiting <= self.max_snapshots && bytes <= self.max_bytes {
                break;
            }
            match q.items.remove(first) {
                Some(old) => {
                    q.bytes -= old.cost();
                    self.drop_snapshot(&old);
                }
                None => break,
            }
        }
        self.gauges(&q);
        drop(q);
        self.wake.notify_all();
    }
}

/// Marks the snapshotter done however it ends (a panicking source included), so the sender
/// does not wait for it forever.
struct Done<'a>(&'a Shared);

impl Drop for Done<'_> {
    fn drop(&mut self) {
        self.0.lock().done = true;
        self.0.wake.notify_all();
    }
}

/// Settings of a [`PeriodicRemoteWriter`].
pub struct PeriodicRemoteWriterBuilder {
    interval: Duration,
    max_snapshots: usize,
    max_bytes: usize,
    metadata: bool,
    final_snapshot: bool,
    clock: Box<dyn WallClock + Send>,
    metrics: Option<&'static RemoteWriteMetrics>,
}

impl fmt::Debug for PeriodicRemoteWriterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeriodicRemoteWriterBuilder")
            .field("interval", &self.interval)
            .field("max_snapshots", &self.max_snapshots)
            .field("max_bytes", &self.max_bytes)
            .field("metadata", &self.metadata)
            .field("final_snapshot", &self.final_snapshot)
            .finish_non_exhaustive()
    }
}

impl PeriodicRemoteWriterBuilder {
    /// At most `n` snapshots wait in the queue (at least 1; default 1,000), besides the one
    /// in a request at the moment.
    pub fn max_snapshots(mut self, n: usize) -> Self {
        self.max_snapshots = n.max(1);
        self
    }

    /// At most `bytes` of waiting snapshots (compressed body plus [`SNAPSHOT_OVERHEAD`] each;
    /// default 64 MiB), besides the one in a request. A snapshot larger than that alone is
    /// dropped at once.
    pub fn max_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// Sends each family's metadata (type, help, unit) with every snapshot (default: no).
    pub fn metadata(mut self, metadata: bool) -> Self {
        self.metadata = metadata;
        self
    }

    /// Whether [`stop`](PeriodicRemoteWriter::stop) takes one last snapshot before sending
    /// what is queued (default: yes).
    pub fn final_snapshot(mut self, final_snapshot: bool) -> Self {
        self.final_snapshot = final_snapshot;
        self
    }

    /// The clock that stamps snapshots (default: [`SystemClock`]).
    pub fn wall_clock(mut self, clock: impl WallClock + Send + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    /// Counts into `metrics` (which can be registered, see [`RemoteWriteMetrics`]) instead of
    /// metrics of the writer's own.
    pub fn metrics(mut self, metrics: &'static RemoteWriteMetrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Starts the two threads: the first snapshot is taken at once, then one every interval
    /// (an interval missed, as the source took longer, is skipped).
    pub fn start(
        self,
        client: RemoteWriteClient,
        source: impl RemoteWriteSource + 'static,
    ) -> io::Result<PeriodicRemoteWriter> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            wake: Condvar::new(),
            metrics: match self.metrics {
                Some(m) => Metrics::Static(m),
                None => Metrics::Own(Box::default()),
            },
            max_snapshots: self.max_snapshots,
            max_bytes: self.max_bytes,
        });
        let s = Arc::clone(&shared);
        let sender = thread::Builder::new()
            .name("edgeprom-rw-sender".into())
            .spawn(move || send_loop(&client, &s))?;
        let (stop, rx) = mpsc::channel();
        let s = Arc::clone(&shared);
        let snapshotter = thread::Builder::new()
            .name("edgeprom-rw-snapshots".into())
            .spawn(move || snapshot_loop(self, source, &rx, &s));
        let snapshotter = match snapshotter {
            Ok(t) => t,
            Err(e) => {
                // No snapshot will come: let the sender end.
                drop(Done(&shared));
                return Err(e);
            }
        };
        Ok(PeriodicRemoteWriter {
            stop: Some(stop),
            threads: Some((snapshotter, sender)),
            shared,
        })
    }
}

fn snapshot_loop(
    cfg: PeriodicRemoteWriterBuilder,
    mut source: impl RemoteWriteSource,
    stop: &mpsc::Receiver<bool>,
    shared: &Shared,
) {
    let _done = Done(shared);
    let mut raw = Vec::new();
    let mut last_ms: Option<i64> = None;
    let mut take = |raw: &mut Vec<u8>| {
        let now = to_i64(cfg.clock.unix_time().as_millis());
        let ms = match last_ms {
            Some(last) if now <= last => last.saturating_add(1),
            _ => now,
        };
        last_ms = Some(ms);
        let request =
            RemoteWrite::at(Duration::from_millis(ms.unsigned_abs())).with_metadata(cfg.metadata);
        let snapshot = source
            .snapshot(&request, raw)
            .and_then(|()| Ok((count_timeseries(raw)?, compress(raw)?)));
        match snapshot {
            Ok((samples, body)) => shared.push(Snapshot {
                timestamp_ms: ms,
                samples,
                body: body.into(),
            }),
            Err(e) => {
                shared.metrics.snapshot_failures.inc();
                shared.lock().last_error = Some(e);
            }
        }
    };
    let mut next = Instant::now();
    let last = loop {
        take(&mut raw);
        let now = Instant::now();
        next += cfg.interval;
        if next <= now {
            // Behind (a slow source, a suspended host): the missed ticks are skipped.
            next = now + cfg.interval;
        }
        match stop.recv_timeout(next.saturating_duration_since(now)) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(last) => break last,
            Err(RecvTimeoutError::Disconnected) => break false,
        }
    };
    if last && cfg.final_snapshot {
        take(&mut raw);
    }
}

fn send_loop(client: &RemoteWriteClient, shared: &Shared) {
    let (min, max) = client.backoff();
    let mut backoff = min;
    let m = &shared.metrics;
    let mut q = shared.lock();
    loop {
        let now = Instant::now();
        if q.deadline.is_some_and(|d| now >= d) {
            // Stop's deadline: what is left is dropped.
            while let Some(s) = shared.pop_front(&mut q) {
                shared.drop_snapshot(&s);
            }
            shared.gauges(&q);
        }
        if q.items.is_empty() && q.done {
            return;
        }
        let wait_until = match (q.items.is_empty(), q.not_before) {
            (true, _) => q.deadline,
            (false, Some(t)) if t > now => Some(q.deadline.map_or(t, |d| d.min(t))),
            (false, _) => {
                q.not_before = None;
                None
            }
        };
        if !q.items.is_empty() && wait_until.is_none() {
            let Some(s) = q.items.front().cloned() else {
                continue;
            };
            q.in_flight = true;
            drop(q);
            m.requests.inc();
            let attempt = client.post_once(&s.body);
            q = shared.lock();
            q.in_flight = false;
            match attempt {
                Attempt::Accepted => {
                    shared.pop_front(&mut q);
                    m.sent_snapshots.inc();
                    m.samples.inc_by(s.samples);
                    m.bytes.inc_by(s.body.len() as u64);
                    m.highest_sent_timestamp.set(s.timestamp_ms as f64 / 1000.0);
                    backoff = min;
                    q.last_error = None;
                }
                Attempt::Final(e) => {
                    shared.pop_front(&mut q);
                    m.failed_requests.inc();
                    m.samples_failed.inc_by(s.samples);
                    q.last_error = Some(e);
                }
                Attempt::Retry(e, retry_after) => {
                    m.failed_requests.inc();
                    m.samples_retried.inc_by(s.samples);
                    q.not_before = Some(Instant::now() + pause(retry_after, backoff));
                    backoff = (backoff * 2).min(max);
                    q.last_error = Some(e);
                }
            }
            shared.gauges(&q);
            continue;
        }
        q = match wait_until {
            Some(t) => {
                let d = t.saturating_duration_since(Instant::now());
                shared
                    .wake
                    .wait_timeout(q, d)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
            None => shared.wake.wait(q).unwrap_or_else(PoisonError::into_inner),
        };
    }
}

/// A remote writer in the background: every interval a snapshot of the source (the
/// compressed `WriteRequest`, stamped with the time it was taken) goes into a bounded queue,
/// and the queue is sent oldest first, one request at a time, in timestamp order.
///
/// While the receiver is down (5xx, 429, unreachable, not answering within the client's
/// timeout), snapshots keep being taken on schedule and the oldest is retried with the
/// client's backoff (a 429's `Retry-After` honoured) for as long as it is queued: the
/// client's number of attempts does not apply. When the queue is over its bound
/// ([`max_snapshots`](PeriodicRemoteWriterBuilder::max_snapshots),
/// [`max_bytes`](PeriodicRemoteWriterBuilder::max_bytes)) the oldest waiting snapshot is
/// dropped and its samples counted in `edgeprom_remote_write_samples_dropped_total`. A 4xx
/// other than 429 (or a TLS failure) drops the snapshot at once (counted in
/// `edgeprom_remote_write_samples_failed_total`, reported in
/// [`stats`](Self::stats)`.last_error`).
///
/// **Memory**: a snapshot costs its compressed body plus [`SNAPSHOT_OVERHEAD`] (48 bytes on
/// a 64-bit host); the raw protobuf is a buffer of the snapshotter, reused. For the registry
/// of `cargo xtask bench` (1,000 labelled counters and 100 histograms of the 14 default
/// buckets: 2,700 series), the request is 236 KB, and a queued snapshot about 30 KB (29.5 to
/// 30.2 KB, as the timestamp compresses; `cargo test -p edgeprom-tests --test
/// remote_write_faults queue_memory -- --nocapture` prints it), so the default bound of 1,000
/// snapshots is about 30 MB (under the default 64 MiB of
/// [`max_bytes`](PeriodicRemoteWriterBuilder::max_bytes)).
///
/// ```no_run
/// use std::time::Duration;
/// use edgeprom::{Counter, Metric, Registry};
/// use edgeprom_std::{PeriodicRemoteWriter, RemoteWriteClient, RemoteWriteMetrics};
///
/// static JOBS: Metric<Counter> = Metric::new("jobs", "Jobs done");
/// static RW: RemoteWriteMetrics = RemoteWriteMetrics::new();
/// let mut registry: Registry<'static, 32> = Registry::new().with_const_labels(&[("host", "h1")])?;
/// registry.register(&JOBS)?;
/// RW.register(&mut registry)?; // the writer's own metrics are written too
///
/// let client = RemoteWriteClient::new("http://127.0.0.1:8428/api/v1/write")?;
/// let writer = PeriodicRemoteWriter::every(Duration::from_secs(15))
///     .max_snapshots(240) // an hour of outage
///     .metrics(&RW)
///     .start(client, registry)?;
/// JOBS.inc();
/// let stats = writer.stop(Duration::from_secs(10))?; // a last snapshot, all sent
/// assert_eq!(stats.pending_snapshots, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Dropping the writer without [`stop`](Self::stop) ends it at once: no final snapshot, and
/// what is queued is dropped (counted), after the request under way, if any, ends (within the
/// client's timeout).
pub struct PeriodicRemoteWriter {
    /// Tells the snapshotter to stop, and whether to take a final snapshot.
    stop: Option<mpsc::Sender<bool>>,
    threads: Option<(JoinHandle<()>, JoinHandle<()>)>,
    shared: Arc<Shared>,
}

impl fmt::Debug for PeriodicRemoteWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeriodicRemoteWriter")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl PeriodicRemoteWriter {
    /// Settings for a writer that takes a snapshot every `interval` (at least 1 ms).
    pub fn every(interval: Duration) -> PeriodicRemoteWriterBuilder {
        PeriodicRemoteWriterBuilder {
            interval: interval.max(Duration::from_millis(1)),
            max_snapshots: 1000,
            max_bytes: 64 << 20,
            metadata: false,
            final_snapshot: true,
            clock: Box::new(SystemClock),
            metrics: None,
        }
    }

    /// The metrics the writer counts into.
    pub fn metrics(&self) -> &RemoteWriteMetrics {
        &self.shared.metrics
    }

    /// What the writer has done so far.
    pub fn stats(&self) -> RemoteWriteStats {
        let q = self.shared.lock();
        let m = &self.shared.metrics;
        RemoteWriteStats {
            snapshots: m.snapshots.get(),
            snapshot_failures: m.snapshot_failures.get(),
            sent_snapshots: m.sent_snapshots.get(),
            sent_samples: m.samples.get(),
            sent_bytes: m.bytes.get(),
            requests: m.requests.get(),
            failed_requests: m.failed_requests.get(),
            retried_samples: m.samples_retried.get(),
            failed_samples: m.samples_failed.get(),
            dropped_snapshots: m.snapshots_dropped.get(),
            dropped_samples: m.samples_dropped.get(),
            pending_snapshots: q.items.len() as u64,
            pending_samples: q.items.iter().map(|s| s.samples).sum(),
            pending_bytes: q.bytes as u64,
            last_error: q.last_error.clone(),
        }
    }

    /// Stops taking snapshots (after a final one, unless
    /// [`final_snapshot`](PeriodicRemoteWriterBuilder::final_snapshot)`(false)`), sends what
    /// is queued until `deadline` has passed (plus at most the request then under way, bound
    /// by the client's timeout), and drops the rest. Returns the final stats, or what was
    /// left unsent.
    pub fn stop(mut self, deadline: Duration) -> Result<RemoteWriteStats, RemoteWriteStopError> {
        let dropped_before = self.shared.metrics.snapshots_dropped.get();
        let samples_before = self.shared.metrics.samples_dropped.get();
        let panicked = self.shutdown(deadline, true);
        let stats = self.stats();
        if panicked {
            return Err(RemoteWriteStopError::Panicked);
        }
        let snapshots = stats.dropped_snapshots - dropped_before;
        if snapshots > 0 {
            return Err(RemoteWriteStopError::Unsent {
                snapshots,
                samples: stats.dropped_samples - samples_before,
                last_error: stats.last_error,
            });
        }
        Ok(stats)
    }

    /// Ends both threads (with a final snapshot if `last` and so configured); whether one
    /// panicked.
    fn shutdown(&mut self, deadline: Duration, last: bool) -> bool {
        let Some((snapshotter, sender)) = self.threads.take() else {
            return false;
        };
        if let Some(stop) = self.stop.take() {
            // The snapshotter may be gone already (panicked).
            let _ = stop.send(last);
        }
        let mut panicked = snapshotter.join().is_err();
        {
            let mut q = self.shared.lock();
            q.deadline = Some(Instant::now() + deadline);
        }
        self.shared.wake.notify_all();
        panicked |= sender.join().is_err();
        panicked
    }
}

impl Drop for PeriodicRemoteWriter {
    /// Stops without a final snapshot and without time to send: what is queued is dropped
    /// and counted (the request under way ends first).
    fn drop(&mut self) {
        let _ = self.shutdown(Duration::ZERO, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgeprom::{Counter, Gauge, Metric, Registry};

    #[test]
    fn counts_timeseries_exactly() {
        // Two series, one metadata, padding (field 15), then garbage.
        let raw = [
            0x0a, 0x02, 0x0a, 0x00, // series
            0x1a, 0x01, 0x08, // metadata
            0x0a, 0x00, // empty series
            0x7a, 0x03, 1, 2, 3, // padding
            0x08, 0x96, 0x01, // a varint field
            0x09, 0, 0, 0, 0, 0, 0, 0, 0, // fixed64
            0x0d, 0, 0, 0, 0, // fixed32
        ];
        assert_eq!(count_timeseries(&raw).unwrap(), 2);
        assert!(count_timeseries(&[0x0a, 0x05, 0]).is_err()); // cut short
        assert!(count_timeseries(&[0x0b]).is_err()); // wire type 3
        assert_eq!(count_timeseries(&[]).unwrap(), 0);
    }

    #[test]
    fn a_registry_snapshot_counts_its_series() {
        static C: Metric<Counter> = Metric::new("c", "c");
        static G: Metric<Gauge> = Metric::new("g", "g");
        let mut r: Registry<'static, 2> = Registry::new();
        r.register(&C).unwrap();
        r.register(&G).unwrap();
        let mut buf = Vec::new();
        let req = RemoteWrite::at(Duration::from_secs(1)).with_metadata(true);
        r.snapshot(&req, &mut buf).unwrap();
        assert_eq!(count_timeseries(&buf).unwrap(), 2);
    }

    #[test]
    fn the_oldest_waiting_snapshot_is_dropped() {
        let shared = Shared {
            queue: Mutex::new(Queue::default()),
            wake: Condvar::new(),
            metrics: Metrics::Own(Box::default()),
            max_snapshots: 2,
            max_bytes: usize::MAX,
        };
        let snap = |ms, samples| Snapshot {
            timestamp_ms: ms,
            samples,
            body: vec![0u8; 10].into(),
        };
        shared.push(snap(1, 1));
        shared.push(snap(2, 2));
        shared.push(snap(3, 4));
        let ts = |s: &Shared| {
            s.lock()
                .items
                .iter()
                .map(|s| s.timestamp_ms)
                .collect::<Vec<_>>()
        };
        assert_eq!(ts(&shared), [2, 3]);
        assert_eq!(shared.metrics.samples_dropped.get(), 1);
        // The one in a request stays: the next oldest goes.
        shared.lock().in_flight = true;
        shared.push(snap(4, 8));
        assert_eq!(ts(&shared), [2, 3, 4]);
        shared.push(snap(5, 16));
        assert_eq!(ts(&shared), [2, 4, 5]);
        assert_eq!(shared.metrics.samples_dropped.get(), 1 + 4);
        assert_eq!(shared.metrics.snapshots_dropped.get(), 2);
        assert_eq!(
            shared.metrics.bytes_pending.get(),
            3 * (10 + SNAPSHOT_OVERHEAD) as i64
        );
        assert_eq!(shared.metrics.samples_pending.get(), 2 + 8 + 16);
    }

    #[test]
    fn a_panicking_source_ends_the_writer_and_is_reported() {
        static C: Metric<Counter> = Metric::new("c", "c");
        let mut r: Registry<'static, 1> = Registry::new();
        r.register(&C).unwrap();
        let mut calls = 0;
        let source = move |req: &RemoteWrite, buf: &mut Vec<u8>| {
            calls += 1;
            assert!(calls < 3, "the source fails");
            r.snapshot(req, buf)
        };
        // Nothing listens on the discard port: every request fails and is retried.
        let client = RemoteWriteClient::new("http://127.0.0.1:9/api/v1/write")
            .unwrap()
            .with_retries(1, Duration::from_millis(5), Duration::from_millis(5));
        let w = PeriodicRemoteWriter::every(Duration::from_millis(10))
            .start(client, source)
            .unwrap();
        while w.stats().snapshots < 2 {
            thread::sleep(Duration::from_millis(1));
        }
        let metrics = format!("{w:?}");
        assert!(metrics.contains("snapshots: 2"), "{metrics}");
        assert!(matches!(
            w.stop(Duration::from_millis(50)),
            Err(RemoteWriteStopError::Panicked)
        ));
    }

    #[test]
    fn an_invalid_snapshot_is_counted_not_queued() {
        let source = |_: &RemoteWrite, buf: &mut Vec<u8>| {
            buf.clear();
            buf.push(0x0b); // wire type 3
            Ok(())
        };
        let client = RemoteWriteClient::new("http://127.0.0.1:9/api/v1/write").unwrap();
        let w = PeriodicRemoteWriter::every(Duration::from_secs(3600))
            .final_snapshot(false)
            .start(client, source)
            .unwrap();
        while w.metrics().snapshot_failures.get() == 0 {
            thread::sleep(Duration::from_millis(1));
        }
        let stats = w.stop(Duration::ZERO).unwrap();
        assert_eq!((stats.snapshots, stats.snapshot_failures), (0, 1));
        assert!(matches!(
            stats.last_error,
            Some(RemoteWriteError::Malformed)
        ));
    }
}
