//! Timing and error counting for `async` code: the forms that measure and count a
//! [`Future`]'s whole run, beside the closure forms of `timer.rs` and `counter.rs`.
//!
//! `histogram.time(&clock, || async { .. })` would time only the creation of the future (a
//! closure returning a future returns at once), so the closure forms refuse a closure whose
//! result is a future (see [`NotAFuture`]), and these take the future itself:
//! `histogram.time_async(&clock, fut).await`, `counter.count_errors_async(fut).await`.
//!
//! Each is an `async fn`: the compiler writes the wrapper future, so there is no `unsafe` and no
//! pin-projection crate. The clock starts at the first poll (when the future starts to run),
//! and the time is recorded when the future completes, or when it is dropped before that
//! (cancelled by `select!`, a timeout, an aborted task), as Python records an `async def`
//! that raises `CancelledError`. The returned future is `Send` when the wrapped one is and the
//! clock is `Sync`, so it can be given to `tokio::spawn`.

use core::future::Future;

use crate::buckets::Buckets;
use crate::clock::Clock;
use crate::counter::{Counter, CounterValue};
use crate::gauge::{Gauge, GaugeValue};
use crate::histogram::Histogram;
use crate::native_histogram::{DualHistogram, NativeHistogram, NativeValue};
use crate::number::Float;
use crate::summary::Summary;
use crate::timer::{Observe, Timer};

/// Awaits `fut`, recording on `metric` the time from the first poll to the end (or the drop).
async fn time_async<M, C, F>(metric: &M, clock: &C, fut: F) -> F::Output
where
    M: Observe + ?Sized,
    C: Clock + ?Sized,
    F: Future,
{
    let _t = Timer::new(metric, clock);
    fut.await
}

impl<B: Buckets> Histogram<B>
where
    B::Value: Float,
{
    /// Awaits `fut` and observes how long it ran, in seconds: from its first poll to its end,
    /// or to its drop if it is cancelled first. The `async` form of [`Histogram::time`].
    ///
    /// ```
    /// use core::time::Duration;
    /// use edgeprom::{FixedClock, Histogram, Metric};
    /// static LATENCY: Metric<Histogram> = Metric::new("request_latency_seconds", "Latency");
    /// let clock = FixedClock(Duration::from_secs(5));
    /// # fn block_on<F: core::future::Future>(f: F) -> F::Output {
    /// #     let mut f = core::pin::pin!(f);
    /// #     let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
    /// #     loop { if let core::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
    /// # }
    /// // In an async fn: `let body = LATENCY.time_async(&clock, fetch(url)).await;`
    /// let body = block_on(LATENCY.time_async(&clock, async { "body" }));
    /// assert_eq!(body, "body");
    /// assert_eq!(LATENCY.count(), 1);
    /// ```
    pub async fn time_async<F: Future>(&self, clock: &(impl Clock + ?Sized), fut: F) -> F::Output {
        time_async(self, clock, fut).await
    }
}

impl<V: NativeValue + Float, const N: usize, const NEG: usize> NativeHistogram<V, N, NEG> {
    /// Awaits `fut` and observes how long it ran, in seconds (from its first poll to its end or
    /// its drop). The `async` form of [`NativeHistogram::time`].
    pub async fn time_async<F: Future>(&self, clock: &(impl Clock + ?Sized), fut: F) -> F::Output {
        time_async(self, clock, fut).await
    }
}

impl<B: Buckets, const N: usize, const NEG: usize> DualHistogram<B, N, NEG>
where
    B::Value: NativeValue + Float,
{
    /// Awaits `fut` and observes how long it ran, in seconds (from its first poll to its end or
    /// its drop). The `async` form of [`DualHistogram::time`].
    pub async fn time_async<F: Future>(&self, clock: &(impl Clock + ?Sized), fut: F) -> F::Output {
        time_async(self, clock, fut).await
    }
}

impl<V: Float> Summary<V> {
    /// Awaits `fut` and observes how long it ran, in seconds (from its first poll to its end or
    /// its drop). The `async` form of [`Summary::time`].
    pub async fn time_async<F: Future>(&self, clock: &(impl Clock + ?Sized), fut: F) -> F::Output {
        time_async(self, clock, fut).await
    }
}

impl<V: GaugeValue> Gauge<V> {
    /// Awaits `fut` and sets the gauge to how long it ran (from its first poll to its end or its
    /// drop). The `async` form of [`Gauge::time`].
    pub async fn time_async<F: Future>(&self, clock: &(impl Clock + ?Sized), fut: F) -> F::Output {
        time_async(self, clock, fut).await
    }

    /// Awaits `fut` while counting it as in progress: one more from its first poll to its end
    /// or its drop. The `async` form of [`Gauge::track_inprogress_with`].
    pub async fn track_inprogress_async<F: Future>(&self, fut: F) -> F::Output {
        let _g = self.track_inprogress();
        fut.await
    }
}

impl<V: CounterValue> Counter<V> {
    /// Awaits `fut` and counts one if it ends in `Err`; the result is passed through. The
    /// `async` form of [`Counter::count_errors`] (Python's `count_exceptions` on an
    /// `async def`). A future dropped before it ends counts nothing.
    ///
    /// ```
    /// use edgeprom::{Counter, Metric};
    /// static FAILED: Metric<Counter> = Metric::new("fetch_failures", "Failed fetches");
    /// # fn block_on<F: core::future::Future>(f: F) -> F::Output {
    /// #     let mut f = core::pin::pin!(f);
    /// #     let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
    /// #     loop { if let core::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
    /// # }
    /// // In an async fn: `let page = FAILED.count_errors_async(fetch(url)).await?;`
    /// let r = block_on(FAILED.count_errors_async(async { "x".parse::<u8>() }));
    /// assert!(r.is_err());
    /// assert_eq!(FAILED.get(), 1);
    /// ```
    pub async fn count_errors_async<T, E, F>(&self, fut: F) -> Result<T, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        let r = fut.await;
        if r.is_err() {
            self.inc();
        }
        r
    }

    /// Awaits `fut` and counts one if it ends in an `Err` that `pick` selects. The `async`
    /// form of [`Counter::count_errors_matching`].
    pub async fn count_errors_matching_async<T, E, F>(
        &self,
        fut: F,
        pick: impl FnOnce(&E) -> bool,
    ) -> Result<T, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        let r = fut.await;
        if let Err(e) = &r {
            if pick(e) {
                self.inc();
            }
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use core::cell::Cell;
    use core::pin::pin;
    use core::task::{Context, Poll, Waker};
    use core::time::Duration;

    /// Polls `fut` to its end on this thread (its futures never wait for long).
    fn block_on<F: Future>(fut: F) -> F::Output {
        let mut fut = pin!(fut);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }

    /// A clock the test moves by hand.
    struct Hand(Cell<Duration>);
    impl Clock for Hand {
        fn now(&self) -> Duration {
            self.0.get()
        }
    }

    /// Pending once, then ready: a future that waits.
    struct Yield(bool);
    impl Future for Yield {
        type Output = ();
        fn poll(mut self: core::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                Poll::Ready(())
            } else {
                self.0 = true;
                Poll::Pending
            }
        }
    }

    #[test]
    fn the_whole_run_is_timed_not_the_creation() {
        let h: Histogram = Histogram::new();
        let clock = Hand(Cell::new(Duration::from_secs(10)));
        let fut = h.time_async(&clock, async {
            Yield(false).await;
            7
        });
        let mut fut = pin!(fut);
        let mut cx = Context::from_waker(Waker::noop());
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        assert_eq!(h.count(), 0, "nothing recorded while it runs");
        clock.0.set(Duration::from_millis(12_500));
        assert_eq!(fut.as_mut().poll(&mut cx), Poll::Ready(7));
        assert_eq!(h.count(), 1);
        assert_eq!(h.sum(), 2.5);
    }

    #[test]
    fn a_cancelled_future_records_until_its_drop() {
        let g: Gauge = Gauge::new();
        let clock = Hand(Cell::new(Duration::from_secs(1)));
        {
            let mut fut = pin!(g.time_async(&clock, Yield(false)));
            let mut cx = Context::from_waker(Waker::noop());
            assert!(fut.as_mut().poll(&mut cx).is_pending());
            clock.0.set(Duration::from_secs(4));
        }
        assert_eq!(g.get(), 3.0);
        // Never polled: never started, nothing recorded.
        drop(g.time_async(&clock, Yield(false)));
        assert_eq!(g.get(), 3.0);
    }

    #[test]
    fn in_progress_and_errors() {
        let g: Gauge<i64> = Gauge::new();
        let c: Counter = Counter::new();
        let clock = FixedClock(Duration::ZERO);
        let s: Summary = Summary::new();
        assert_eq!(block_on(s.time_async(&clock, async { 1 })), 1);
        assert_eq!(s.count(), 1);
        {
            let mut fut = pin!(g.track_inprogress_async(Yield(false)));
            let mut cx = Context::from_waker(Waker::noop());
            assert!(fut.as_mut().poll(&mut cx).is_pending());
            assert_eq!(g.get(), 1);
            assert!(fut.as_mut().poll(&mut cx).is_ready());
            assert_eq!(g.get(), 0);
        }
        let ok = block_on(c.count_errors_async(async { Ok::<u8, u8>(1) }));
        assert_eq!((ok, c.get()), (Ok(1), 0));
        let err = block_on(c.count_errors_async(async { Err::<u8, u8>(2) }));
        assert_eq!((err, c.get()), (Err(2), 1));
        let odd = |e: &u8| e % 2 == 1;
        let _ = block_on(c.count_errors_matching_async(async { Err::<(), u8>(2) }, odd));
        assert_eq!(c.get(), 1);
        let _ = block_on(c.count_errors_matching_async(async { Err::<(), u8>(3) }, odd));
        assert_eq!(c.get(), 2);
    }
}
