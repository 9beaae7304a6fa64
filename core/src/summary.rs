//! [`Summary`]: the count and sum of observations (what Python's client exposes; no
//! quantiles).

use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;

use crate::clock::Clock;
use crate::created::Created;
use crate::encode::{Encoder, Labels, Series};
use crate::histogram::ObserveError;
use crate::metric::State;
use crate::name::{Desc, MetricType};
use crate::number::{Float, Number};
use crate::tally::Tally;
use crate::timer::{self, NotAFuture, Observe, Timer};

/// Count and sum of observations, exposed as `_count` and `_sum`. Both live in one 128-bit
/// [`Tally`], updated by one lock-free atomic operation and read by one atomic load, so
/// `_count` and `_sum` always cover the same observations, even while other threads observe.
///
/// ```
/// use edgeprom::{Metric, Summary};
/// static LATENCY: Metric<Summary> = Metric::new("request_latency_seconds", "Latency");
/// LATENCY.observe(0.25).unwrap();
/// assert_eq!((LATENCY.count(), LATENCY.sum()), (1, 0.25));
/// ```
pub struct Summary<V: Number = f64> {
    tally: Tally<V>,
    created: Created,
    _value: PhantomData<V>,
}

impl<V: Number> fmt::Debug for Summary<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (count, sum) = self.tally.get();
        f.debug_struct("Summary")
            .field("count", &count)
            .field("sum", &sum)
            .finish_non_exhaustive()
    }
}

impl<V: Number> Summary<V> {
    /// An empty summary.
    pub const fn new() -> Self {
        Summary {
            tally: Tally::new(),
            created: Created::new(),
            _value: PhantomData,
        }
    }

    /// Records `v`. A NaN or infinite value is rejected and nothing is recorded.
    #[inline]
    pub fn observe(&self, v: V) -> Result<(), ObserveError> {
        if !v.is_finite() {
            return Err(ObserveError::NotFinite);
        }
        // `_count` and `_sum` are counters (OpenMetrics): no negative observation.
        if v.is_negative() {
            return Err(ObserveError::Negative);
        }
        self.tally.add(v);
        Ok(())
    }

    /// Number of observations.
    pub fn count(&self) -> u64 {
        self.tally.get().0
    }

    /// Sum of observations.
    pub fn sum(&self) -> V {
        self.tally.get().1
    }

    /// When this summary was created, if known.
    pub fn created(&self) -> Option<Duration> {
        self.created.get()
    }

    /// Sets the creation time (the `_created` sample).
    pub fn set_created(&self, unix: Duration) {
        self.created.set(unix)
    }
}

impl<V: Float> Summary<V> {
    /// Starts a timer that observes the elapsed seconds when dropped.
    pub fn start_timer<'a, C: Clock + ?Sized>(&'a self, clock: &'a C) -> Timer<'a, Self, C> {
        Timer::new(self, clock)
    }

    /// Runs `f` and observes how long it took, in seconds.
    ///
    /// For `async` code use [`time_async`](Self::time_async): a closure that returns a future
    /// is refused here ([`NotAFuture`]), as timing it would time only the
    /// future's creation.
    pub fn time<R: NotAFuture>(&self, clock: &(impl Clock + ?Sized), f: impl FnOnce() -> R) -> R {
        timer::time(self, clock, f)
    }
}

impl<V: Float> Observe for Summary<V> {
    fn observe_duration(&self, elapsed: Duration) {
        let _ = self.observe(V::from_duration(elapsed));
    }
}

impl<V: Number> Default for Summary<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V: Number> Series for Summary<V> {
    fn write_samples(
        &self,
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
    ) -> fmt::Result {
        // One load: `_count` and `_sum` of the same observations.
        let (count, sum) = self.tally.get();
        enc.put_sample(desc, "_count", labels, count);
        enc.put_sample(desc, "_sum", labels, sum);
        Ok(())
    }
    fn created(&self) -> Option<Duration> {
        self.created.get()
    }
}

impl<V: Number> State for Summary<V> {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = Self::new();
    const TYPE: MetricType = MetricType::Summary;

    fn init_created(&self, unix: Duration) {
        self.created.init(unix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;

    #[test]
    fn count_and_sum() {
        let s: Summary = Summary::new();
        s.observe(1.5).unwrap();
        s.observe(0.5).unwrap();
        assert_eq!(s.observe(f64::NAN), Err(ObserveError::NotFinite));
        // `_count` and `_sum` are counters (OpenMetrics): no negative observation.
        assert_eq!(s.observe(-0.5), Err(ObserveError::Negative));
        assert_eq!((s.count(), s.sum()), (2, 2.0));
        let signed: Summary<i64> = Summary::new();
        assert_eq!(signed.observe(-1), Err(ObserveError::Negative));
        signed.observe(i64::MAX).unwrap();
        signed.observe(1).unwrap();
        assert_eq!((signed.count(), signed.sum()), (2, i64::MAX), "saturates");
        let i: Summary<u64> = Summary::default();
        i.observe(7).unwrap();
        assert_eq!((i.count(), i.sum()), (1, 7));
    }

    #[test]
    fn timers_and_created() {
        let s: Summary = Summary::new();
        let c = FixedClock(Duration::from_secs(2));
        s.time(&c, || ());
        drop(s.start_timer(&c));
        assert_eq!(s.count(), 2);
        assert_eq!(s.sum(), 0.0);
        s.set_created(Duration::from_secs(1));
        let want = cfg!(feature = "created").then_some(Duration::from_secs(1));
        assert_eq!(s.created(), want);
    }
}
