//! Timers: guards that measure elapsed time on a [`Clock`] and record it when dropped
//! (Python's `with h.time():`), and the [`Observe`] trait they record through. For `async`
//! code, each timer's `time_async` measures a [`Future`](core::future::Future)'s whole run
//! (`future.rs`); the closure form `time` refuses a closure that returns a future
//! ([`NotAFuture`]).

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

/// The result of a closure given to a timer's `time` (and to `track_inprogress_with`): any
/// value but a future. Implemented for every [`Unpin`] type; what it leaves out are the
/// futures of `async` blocks and `async fn`s, which are never `Unpin`.
///
/// A closure that returns a future returns as soon as the future is *created*; timing it
/// would record about zero and not the future's run. So such a closure is refused at compile
/// time, with a message that points to the `async` forms (`time_async`,
/// `track_inprogress_async`), which take the future and measure it to its end:
///
/// ```compile_fail
/// use core::time::Duration;
/// use edgeprom::{FixedClock, Histogram, Metric};
/// static LATENCY: Metric<Histogram> = Metric::new("request_latency_seconds", "Latency");
/// let clock = FixedClock(Duration::from_secs(5));
/// // error: `time` would time only the creation of the future, not its run
/// let _ = LATENCY.time(&clock, || async { 42 });
/// ```
///
/// The same with `time_async` compiles and measures the whole run:
///
/// ```
/// # use core::time::Duration;
/// # use edgeprom::{FixedClock, Histogram, Metric};
/// # static LATENCY: Metric<Histogram> = Metric::new("request_latency_seconds", "Latency");
/// # let clock = FixedClock(Duration::from_secs(5));
/// async fn handler() -> u32 {
///     LATENCY.time_async(&FixedClock(Duration::ZERO), async { 42 }).await
/// }
/// let _future = handler(); // awaited by your executor
/// ```
///
/// What it cannot catch: a future boxed and pinned (`Pin<Box<dyn Future>>` is `Unpin`), and
/// a rare non-future result that is not `Unpin` (a type holding `PhantomPinned`; for it, use
/// [`Timer`] through `start_timer`).
#[diagnostic::on_unimplemented(
    message = "`time` would time only the creation of the future `{Self}`, not its run",
    label = "this closure returns a future (or another value that is not `Unpin`)",
    note = "for async code pass the future itself: `metric.time_async(&clock, async {{ .. }}).await` \
            (or `gauge.track_inprogress_async(fut).await`)",
    note = "for any other value that is not `Unpin`, time it with the guard of `metric.start_timer(&clock)`"
)]
pub trait NotAFuture {}

impl<T: Unpin + ?Sized> NotAFuture for T {}

/// Runs `f`, recording its duration even if it unwinds.
pub(crate) fn time<M: Observe + ?Sized, C: Clock + ?Sized, R: NotAFuture>(
    metric: &M,
    clock: &C,
    f: impl FnOnce() -> R,
) -> R {
    let _t = Timer::new(metric, clock);
    f()
}
