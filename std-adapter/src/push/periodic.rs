//! [`PeriodicPusher`]: pushes from a background thread every interval, retries with backoff
//! while the gateway is unreachable, and pushes once more on shutdown.

use std::fmt;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::error::PushError;

/// What the pusher has done so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(docsrs, doc(cfg(feature = "push")))]
pub struct PushStats {
    /// Pushes the gateway accepted.
    pub successes: u64,
    /// Pushes that failed (each retry counts).
    pub failures: u64,
    /// The most recent failure, if the most recent push failed.
    pub last_error: Option<PushError>,
}

#[derive(Default)]
struct Shared {
    successes: AtomicU64,
    failures: AtomicU64,
    last_error: Mutex<Option<PushError>>,
}

impl Shared {
    fn record(&self, r: &Result<(), PushError>) {
        let mut last = self
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match r {
            Ok(()) => {
                self.successes.fetch_add(1, Ordering::Relaxed);
                *last = None;
            }
            Err(e) => {
                self.failures.fetch_add(1, Ordering::Relaxed);
                *last = Some(e.clone());
            }
        }
    }
}

/// Stopping the pusher failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "push")))]
pub enum StopError {
    /// The final push on shutdown failed.
    FinalPush(PushError),
    /// The push closure panicked; the thread is gone.
    Panicked,
}

impl fmt::Display for StopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopError::FinalPush(e) => write!(f, "the final push failed: {e}"),
            StopError::Panicked => f.write_str("the push thread panicked"),
        }
    }
}

impl std::error::Error for StopError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StopError::FinalPush(e) => Some(e),
            StopError::Panicked => None,
        }
    }
}

/// Settings of a [`PeriodicPusher`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(docsrs, doc(cfg(feature = "push")))]
pub struct PeriodicPusherBuilder {
    interval: Duration,
    min_backoff: Duration,
    max_backoff: Duration,
}

impl PeriodicPusherBuilder {
    /// After a failed push, wait `min` before retrying, doubling each further failure up to
    /// `max` (defaults: a tenth of the interval, at least 10 ms; and the interval).
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.min_backoff = min;
        self.max_backoff = max.max(min);
        self
    }

    /// Starts the thread. `push` is called at once, then every interval; its state is
    /// cumulative (it pushes the current values), so counts made while the gateway was down
    /// arrive with the next successful push.
    pub fn start(
        self,
        push: impl FnMut() -> Result<(), PushError> + Send + 'static,
    ) -> io::Result<PeriodicPusher> {
        let (stop, rx) = mpsc::channel();
        let shared = Arc::new(Shared::default());
        let stats = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name("edgeprom-pusher".into())
            .spawn(move || run(self, push, &rx, &stats))?;
        Ok(PeriodicPusher {
            stop: Some(stop),
            thread: Some(thread),
            shared,
        })
    }
}

fn run(
    cfg: PeriodicPusherBuilder,
    mut push: impl FnMut() -> Result<(), PushError>,
    stop: &mpsc::Receiver<()>,
    stats: &Shared,
) -> Result<(), PushError> {
    let mut backoff = cfg.min_backoff;
    loop {
        let r = push();
        stats.record(&r);
        let wait = match r {
            Ok(()) => {
                backoff = cfg.min_backoff;
                cfg.interval
            }
            Err(_) => {
                let wait = backoff;
                backoff = backoff.saturating_mul(2).min(cfg.max_backoff);
                wait
            }
        };
        match stop.recv_timeout(wait) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    let r = push();
    stats.record(&r);
    r
}

/// A background thread that pushes every interval.
///
/// Stop it with [`stop`](PeriodicPusher::stop), which pushes a last time and reports how that
/// went; dropping it does the same and ignores the result.
///
/// ```no_run
/// use std::sync::Arc;
/// use std::time::Duration;
/// use edgeprom::Counter;
/// use edgeprom_std::{DynMetric, DynRegistry, PeriodicPusher, PushClient};
///
/// let registry = Arc::new(DynRegistry::new());
/// let done = Arc::new(DynMetric::<Counter>::new("items_done", "Items processed")?);
/// registry.register(done.clone())?;
/// let client = PushClient::new("http://127.0.0.1:9091")?;
/// let source = Arc::clone(&registry);
/// let pusher = PeriodicPusher::every(Duration::from_secs(10))
///     .start(move || client.push("worker", &[("instance", "w1")], &*source))?;
/// done.inc();
/// pusher.stop()?; // the last push carries the final count
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "push")))]
pub struct PeriodicPusher {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<Result<(), PushError>>>,
    shared: Arc<Shared>,
}

impl fmt::Debug for PeriodicPusher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeriodicPusher")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl PeriodicPusher {
    /// Settings for a pusher that pushes every `interval`.
    pub fn every(interval: Duration) -> PeriodicPusherBuilder {
        let min = (interval / 10).max(Duration::from_millis(10));
        PeriodicPusherBuilder {
            interval,
            min_backoff: min,
            max_backoff: interval.max(min),
        }
    }

    /// Pushes so far.
    pub fn stats(&self) -> PushStats {
        PushStats {
            successes: self.shared.successes.load(Ordering::Relaxed),
            failures: self.shared.failures.load(Ordering::Relaxed),
            last_error: self
                .shared
                .last_error
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        }
    }

    /// Stops the thread after one last push, and returns that push's result.
    pub fn stop(mut self) -> Result<(), StopError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), StopError> {
        if let Some(stop) = self.stop.take() {
            // The thread may be gone already (panicked); then there is no one to tell.
            let _ = stop.send(());
        }
        match self.thread.take() {
            Some(t) => match t.join() {
                Ok(r) => r.map_err(StopError::FinalPush),
                Err(_) => Err(StopError::Panicked),
            },
            None => Ok(()),
        }
    }
}

impl Drop for PeriodicPusher {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PushErrorSource;
    use std::sync::atomic::AtomicU32;

    fn source(what: &str) -> PushErrorSource {
        PushErrorSource::new(io::Error::other(what.to_owned()))
    }

    #[test]
    fn pushes_retries_and_pushes_on_stop() {
        let calls = Arc::new(AtomicU32::new(0));
        let c = Arc::clone(&calls);
        let pusher = PeriodicPusher::every(Duration::from_secs(3600))
            .backoff(Duration::from_millis(1), Duration::from_millis(4))
            .start(move || {
                // Fails twice, then succeeds: the retries come after the backoff, not the hour.
                match c.fetch_add(1, Ordering::SeqCst) {
                    0 | 1 => Err(PushError::Connection(source("refused"))),
                    _ => Ok(()),
                }
            })
            .unwrap();
        while pusher.stats().successes == 0 {
            thread::sleep(Duration::from_millis(1));
        }
        let s = pusher.stats();
        assert_eq!((s.successes, s.failures, s.last_error), (1, 2, None));
        assert!(format!("{pusher:?}").contains("successes: 1"));
        pusher.stop().unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn stop_reports_the_final_push_and_panics() {
        let first = Arc::new(AtomicU32::new(0));
        let f = Arc::clone(&first);
        let pusher = PeriodicPusher::every(Duration::from_secs(3600))
            .start(move || match f.fetch_add(1, Ordering::SeqCst) {
                0 => Ok(()),
                _ => Err(PushError::Timeout(source("slow"))),
            })
            .unwrap();
        while first.load(Ordering::SeqCst) == 0 {
            thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(
            pusher.stop(),
            Err(StopError::FinalPush(PushError::Timeout(source("slow"))))
        );
        let pusher = PeriodicPusher::every(Duration::from_secs(3600))
            .start(|| panic!("push closure failed"))
            .unwrap();
        assert_eq!(pusher.stop(), Err(StopError::Panicked));
        drop(PeriodicPusher::every(Duration::from_secs(3600)).start(|| Ok(())));
    }
}
