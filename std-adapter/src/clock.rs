//! [`SystemClock`]: the core's clock traits over `std::time`.

use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use edgeprom::{Clock, WallClock};

/// The operating system's clocks: monotonic time for timers ([`Clock`], from
/// [`Instant`] since a fixed origin taken the first time any `SystemClock` is read) and wall-clock
/// time for `_created` samples and `set_to_current_time` ([`WallClock`], Unix time from
/// [`SystemTime`]).
///
/// It is a unit struct, so `&SystemClock` is a `&'static` clock wherever the core wants one.
///
/// ```
/// use edgeprom::{Counter, FamilyBuilder, Family, Gauge, Histogram, Metric};
/// use edgeprom_std::SystemClock;
///
/// static LATENCY: Metric<Histogram> = Metric::new("job_latency_seconds", "Job latency");
/// static LAST_RUN: Metric<Gauge> = Metric::new("job_last_run_seconds", "Unix time of the last run");
/// static RUNS: Family<Counter, 1, 4> =
///     FamilyBuilder::new("job_runs", "Runs", ["kind"]).wall_clock(&SystemClock).build();
///
/// LATENCY.time(&SystemClock, || std::thread::sleep(std::time::Duration::from_millis(2)));
/// assert!(LATENCY.sum() >= 0.002);
/// LAST_RUN.set_to_current_time(&SystemClock);
/// assert!(LAST_RUN.get() > 1.6e9);
/// let nightly = RUNS.labels(["nightly"])?;
/// assert!(nightly.created().is_some()); // stamped by the family's wall clock
/// # Ok::<(), edgeprom::LabelError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SystemClock;

fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        origin().elapsed()
    }
}

impl WallClock for SystemClock {
    /// Time since the Unix epoch; zero if the system clock is set before 1970.
    fn unix_time(&self) -> Duration {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic_never_goes_back() {
        let a = SystemClock.now();
        let b = SystemClock.now();
        assert!(b >= a);
    }

    #[test]
    fn wall_clock_is_unix_time() {
        let t = SystemClock.unix_time();
        let reference = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        assert!(reference.abs_diff(t) < Duration::from_secs(5));
        assert!(t > Duration::from_secs(1_600_000_000));
    }
}
