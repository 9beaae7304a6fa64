//! [`Histogram`]: observations counted into buckets fixed by a [`Buckets`] type.

use core::fmt;
use core::time::Duration;

use portable_atomic::{AtomicU64, Ordering};

use crate::buckets::{BucketCounts, Buckets, DefaultBuckets};
use crate::clock::Clock;
use crate::created::Created;
use crate::encode::{Encoder, Labels};
use crate::metric::{MetricType, State};
use crate::name::Desc;
use crate::number::{Number, SampleValue};
use crate::timer::{self, Observe, Timer};

/// An observation was rejected; nothing was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObserveError {
    /// The value was NaN or infinite, which would poison `_sum` for good.
    NotFinite,
}

impl fmt::Display for ObserveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the observed value is NaN or infinite")
    }
}

impl core::error::Error for ObserveError {}

/// Counts observations into buckets with upper bounds `B::BOUNDS` (and `+Inf`), and keeps
/// their count and sum. Observing is lock-free: a few relaxed atomic adds.
///
/// ```
/// use edgeprom::{Histogram, Metric};
/// static LATENCY: Metric<Histogram> = Metric::new("request_latency_seconds", "Latency");
/// LATENCY.observe(0.3).unwrap();
/// LATENCY.observe(42.0).unwrap();
/// assert_eq!(LATENCY.count(), 2);
/// assert!(LATENCY.observe(f64::NAN).is_err());
/// ```
pub struct Histogram<B: Buckets = DefaultBuckets> {
    counts: B::Counts,
    count: AtomicU64,
    sum: <B::Value as Number>::Atomic,
    created: Created,
}

impl<B: Buckets> fmt::Debug for Histogram<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Histogram")
            .field("bounds", &B::BOUNDS)
            .field("count", &self.count())
            .field("sum", &self.sum())
            .finish_non_exhaustive()
    }
}

/// A consistent-enough reading of a histogram: `count` is never below the cumulative finite
/// buckets.
#[derive(Debug, Clone, Copy)]
struct Reading<V> {
    count: u64,
    sum: V,
}

impl<B: Buckets> Histogram<B> {
    /// An empty histogram.
    pub const fn new() -> Self {
        if B::BOUNDS.len() != <B::Counts as BucketCounts>::LEN {
            crate::buckets::BucketsError::CountsMismatch.fail();
        }
        Histogram {
            counts: <B::Counts as BucketCounts>::INIT,
            count: AtomicU64::new(0),
            sum: <B::Value as Number>::ZERO_ATOMIC,
            created: Created::new(),
        }
    }

    /// Records `v`. A NaN or infinite value is rejected and nothing is recorded.
    #[inline]
    pub fn observe(&self, v: B::Value) -> Result<(), ObserveError> {
        if !v.is_finite() {
            return Err(ObserveError::NotFinite);
        }
        for (bound, c) in B::BOUNDS.iter().zip(self.counts.as_slice()) {
            if v <= *bound {
                c.fetch_add(1, Ordering::Relaxed);
                break;
            }
        }
        <B::Value as Number>::add(&self.sum, v);
        self.count.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Number of observations.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Sum of observations.
    pub fn sum(&self) -> B::Value {
        <B::Value as Number>::load(&self.sum)
    }

    /// Cumulative counts per finite bound, in order (the `+Inf` bucket is [`count`](Self::count)).
    pub fn buckets(&self) -> impl Iterator<Item = (B::Value, u64)> + '_ {
        let mut acc = 0u64;
        B::BOUNDS
            .iter()
            .zip(self.counts.as_slice())
            .map(move |(b, c)| {
                acc = acc.wrapping_add(c.load(Ordering::Relaxed));
                (*b, acc)
            })
    }

    /// When this histogram was created, if known.
    pub fn created(&self) -> Option<Duration> {
        self.created.get()
    }

    /// Sets the creation time (the `_created` sample).
    pub fn set_created(&self, unix: Duration) {
        self.created.set(unix)
    }

    fn reading(&self) -> Reading<B::Value> {
        // Buckets first, then count: a concurrent observation may be in a bucket but not yet
        // in count; the encoder raises count to the bucket total so the document stays valid.
        Reading {
            count: self.count(),
            sum: self.sum(),
        }
    }
}

impl<B: Buckets<Value = f64>> Histogram<B> {
    /// Starts a timer that observes the elapsed seconds when dropped.
    pub fn start_timer<'a, C: Clock + ?Sized>(&'a self, clock: &'a C) -> Timer<'a, Self, C> {
        Timer::new(self, clock)
    }

    /// Runs `f` and observes how long it took, in seconds.
    pub fn time<R>(&self, clock: &(impl Clock + ?Sized), f: impl FnOnce() -> R) -> R {
        timer::time(self, clock, f)
    }
}

impl<B: Buckets<Value = f64>> Observe for Histogram<B> {
    fn observe_duration(&self, elapsed: Duration) {
        // A duration in seconds is always finite.
        let _ = self.observe(elapsed.as_secs_f64());
    }
}

impl<B: Buckets> Default for Histogram<B> {
    fn default() -> Self {
        Self::new()
    }
}

impl<B: Buckets> State for Histogram<B> {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = Self::new();
    const TYPE: MetricType = MetricType::Histogram;

    fn write_samples(
        &self,
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
    ) -> fmt::Result {
        let mut le: heapless::String<32> = heapless::String::new();
        let mut cumulative = 0u64;
        for (bound, c) in B::BOUNDS.iter().zip(self.counts.as_slice()) {
            cumulative = cumulative.wrapping_add(c.load(Ordering::Relaxed));
            le.clear();
            bound.write_canonical(&mut le)?;
            let v = SampleValue::Unsigned(cumulative);
            enc.sample(desc, "_bucket", labels, Some(("le", &le)), v)?;
        }
        let r = self.reading();
        let count = r.count.max(cumulative);
        let total = SampleValue::Unsigned(count);
        enc.sample(desc, "_bucket", labels, Some(("le", "+Inf")), total)?;
        enc.sample(desc, "_count", labels, None, total)?;
        // As Python's client: no `_sum` when buckets reach below zero (OpenMetrics forbids it).
        let negative = B::BOUNDS.first().is_some_and(|b| b.is_negative());
        if !negative {
            enc.sample(desc, "_sum", labels, None, r.sum.sample())?;
        }
        Ok(())
    }
    fn created(&self) -> Option<Duration> {
        self.created.get()
    }
    fn init_created(&self, unix: Duration) {
        self.created.init(unix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;

    crate::buckets!(Small: f64 = [1.0, 2.0, 5.0]);
    crate::buckets!(IntB: u64 = [10, 100]);

    #[test]
    fn observes_into_buckets() {
        let h: Histogram<Small> = Histogram::new();
        for v in [0.5, 1.0, 1.5, 4.0, 9.0, -3.0] {
            h.observe(v).unwrap();
        }
        let b: heapless::Vec<(f64, u64), 4> = h.buckets().collect();
        assert_eq!(&b[..], &[(1.0, 3), (2.0, 4), (5.0, 5)]);
        assert_eq!(h.count(), 6);
        assert_eq!(h.sum(), 13.0);
    }

    #[test]
    fn rejects_non_finite_and_keeps_data() {
        let h: Histogram = Histogram::default();
        h.observe(0.2).unwrap();
        assert_eq!(h.observe(f64::NAN), Err(ObserveError::NotFinite));
        assert_eq!(h.observe(f64::INFINITY), Err(ObserveError::NotFinite));
        assert_eq!(h.count(), 1);
        assert_eq!(h.sum(), 0.2);
    }

    #[test]
    fn integer_histogram() {
        let h: Histogram<IntB> = Histogram::new();
        h.observe(10).unwrap();
        h.observe(11).unwrap();
        h.observe(1000).unwrap();
        let b: heapless::Vec<(u64, u64), 2> = h.buckets().collect();
        assert_eq!(&b[..], &[(10, 1), (100, 2)]);
        assert_eq!(h.sum(), 1021);
    }

    #[test]
    fn timers() {
        let h: Histogram<Small> = Histogram::new();
        let clock = FixedClock(Duration::from_secs(1));
        h.start_timer(&clock).stop();
        h.time(&clock, || ());
        h.start_timer(&clock).discard();
        assert_eq!(h.count(), 2);
        assert_eq!(h.created(), None);
        h.set_created(Duration::from_secs(3));
        assert_eq!(h.created(), Some(Duration::from_secs(3)));
    }
}
