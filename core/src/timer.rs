//! Timers: guards that measure elapsed time on a [`Clock`] and record it when dropped
//! (Python's `with h.time():`), and the [`Observe`] trait they record through.

use core::time::Duration;

use crate::clock::Clock;

/// Something that records a duration: a histogram or summary observes it in seconds, a gauge
/// is set to it.
pub trait Observe {
    /// Records `elapsed`.
    fn observe_duration(&self, elapsed: Duration);
}

/// Measures the time from its creation to [`Timer::stop`] or its drop, and records it.
///
/// ```
/// use core::time::Duration;
/// use edgeprom::{FixedClock, Histogram, Metric};
/// static LATENCY: Metric<Histogram> = Metric::new("request_latency_seconds", "Latency");
/// let clock = FixedClock(Duration::from_secs(5));
/// {
///     let _t = LATENCY.start_timer(&clock);
///     // ... work ...
/// } // observed here
/// assert_eq!(LATENCY.count(), 1);
/// ```
#[must_use = "a timer records when it is dropped; dropping it at once records ~0"]
#[derive(Debug)]
pub struct Timer<'a, M: Observe + ?Sized, C: Clock + ?Sized> {
    metric: &'a M,
    clock: &'a C,
    start: Duration,
    armed: bool,
}

impl<'a, M: Observe + ?Sized, C: Clock + ?Sized> Timer<'a, M, C> {
    /// Starts timing now.
    pub fn new(metric: &'a M, clock: &'a C) -> Self {
        Timer {
            metric,
            clock,
            start: clock.now(),
            armed: true,
        }
    }

    /// Time elapsed so far (zero if the clock went backwards).
    pub fn elapsed(&self) -> Duration {
        self.clock.now().saturating_sub(self.start)
    }

    /// Records now and returns the recorded duration.
    pub fn stop(mut self) -> Duration {
        self.armed = false;
        let d = self.elapsed();
        self.metric.observe_duration(d);
        d
    }

    /// Drops the timer without recording.
    pub fn discard(mut self) {
        self.armed = false;
    }
}

impl<M: Observe + ?Sized, C: Clock + ?Sized> Drop for Timer<'_, M, C> {
    fn drop(&mut self) {
        if self.armed {
            self.metric.observe_duration(self.elapsed());
        }
    }
}

/// Runs `f`, recording its duration even if it unwinds.
pub(crate) fn time<M: Observe + ?Sized, C: Clock + ?Sized, R>(
    metric: &M,
    clock: &C,
    f: impl FnOnce() -> R,
) -> R {
    let _t = Timer::new(metric, clock);
    f()
}
