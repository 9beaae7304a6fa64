//! [`Histogram`]: observations counted into buckets fixed by a [`Buckets`] type.

use core::fmt;
use core::time::Duration;

use crate::buckets::{BucketCounts, Buckets, DefaultBuckets};
use crate::clock::Clock;
use crate::created::Created;
use crate::encode::{Encoder, Labels, Series};
use crate::metric::State;
use crate::name::{Desc, MetricType};
use crate::number::{Float, Number, SumBits};
use crate::tally::Tally;
use crate::timer::{self, NotAFuture, Observe, Timer};

/// An observation was rejected; nothing was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ObserveError {
    /// The value was NaN or infinite, which would poison `_sum` for good.
    NotFinite,
    /// The value was negative, and `_sum` is a counter: a summary, or a histogram whose
    /// bounds are all at or above zero, takes no negative observation (OpenMetrics). A
    /// histogram with a negative bound takes them, and writes no `_sum` (nor `_count`).
    Negative,
    /// A [`NativeHistogram`](crate::NativeHistogram) would need more buckets for the value
    /// than it has, even at its lowest resolution (schema -4).
    TooManyBuckets,
}

impl fmt::Display for ObserveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ObserveError::NotFinite => "the observed value is NaN or infinite",
            ObserveError::Negative => {
                "the observed value is negative, and the sum of this histogram or summary is a counter"
            }
            ObserveError::TooManyBuckets => {
                "the observed value needs more native histogram buckets than there are"
            }
        })
    }
}

impl core::error::Error for ObserveError {}

/// Counts observations into buckets with upper bounds `B::BOUNDS` (and `+Inf`), and keeps
/// their count and sum. Observing is lock-free: a branch-free bucket search, then one atomic
/// update (an add for integers, a compare-and-swap for floats) of that bucket's 128-bit
/// [`Tally`] (its count and the sum of its observations). The count and the sum are the totals over the buckets, so every encoded
/// document is consistent by construction even while other threads observe: `_count` equals
/// the `+Inf` bucket, buckets are cumulative, and `_sum` and `_count` cover the same
/// observations (each lives in exactly one bucket, read by one atomic load).
///
/// `_sum` adds the buckets' sums in bucket order, which for floats can differ in the last bits
/// from adding the observations in the order they came (never for integers, and never when
/// the sums are exact, e.g. multiples of a power of two).
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
    /// Observations above the last finite bound (the `+Inf` bucket minus the finite ones).
    inf: Tally<B::Value>,
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

impl<B: Buckets> Histogram<B> {
    /// An empty histogram.
    pub const fn new() -> Self {
        // Holds for every `Buckets` (sealed: declared by `buckets!` or this crate).
        if B::BOUNDS.len() != <B::Counts as BucketCounts<B::Value>>::LEN {
            crate::buckets::BucketsError::CountsMismatch.fail();
        }
        Histogram {
            counts: <B::Counts as BucketCounts<B::Value>>::INIT,
            inf: Tally::new(),
            created: Created::new(),
        }
    }

    /// Whether a bound is below zero: then observations may be negative, and no `_sum` (nor,
    /// as OpenMetrics ties them, `_count`) is written.
    #[inline]
    fn negative_buckets() -> bool {
        B::BOUNDS.first().is_some_and(|b| b.is_negative())
    }

    /// Records `v`. A NaN or infinite value is rejected, and so is a negative one unless a
    /// bound is below zero (the sum would not be a counter, see [`ObserveError::Negative`]);
    /// nothing is recorded then.
    #[inline]
    pub fn observe(&self, v: B::Value) -> Result<(), ObserveError> {
        Self::check(v)?;
        self.record(v);
        Ok(())
    }

    /// Whether `v` may be observed (see [`observe`](Self::observe)).
    #[inline]
    pub(crate) fn check(v: B::Value) -> Result<(), ObserveError> {
        if !v.is_finite() {
            return Err(ObserveError::NotFinite);
        }
        if v.is_negative() && !Self::negative_buckets() {
            return Err(ObserveError::Negative);
        }
        Ok(())
    }

    /// Records a checked `v`; returns the index of its bucket (`BOUNDS.len()` for `+Inf`).
    #[inline]
    pub(crate) fn record(&self, v: B::Value) -> usize {
        let i = bucket_index(B::BOUNDS, v);
        let cell = self.counts.as_slice().get(i).unwrap_or(&self.inf);
        cell.add(v);
        i
    }

    /// Every bucket's tally, the finite ones in order, then the one above the last bound.
    pub(crate) fn tallies(&self) -> impl Iterator<Item = &Tally<B::Value>> + '_ {
        self.counts.as_slice().iter().chain([&self.inf])
    }

    /// Number of observations.
    pub fn count(&self) -> u64 {
        self.tallies()
            .fold(0u64, |acc, t| acc.wrapping_add(t.get().0))
    }

    /// Sum of observations (the buckets' sums added in bucket order).
    pub fn sum(&self) -> B::Value {
        let bits = self
            .tallies()
            .fold(Self::zero_bits(), |acc, t| t.get().1.add_to_sum_bits(acc));
        <B::Value as SumBits>::from_sum_bits(bits)
    }

    /// Zero in the form of [`Number::to_sum_bits`].
    fn zero_bits() -> u64 {
        <B::Value as Number>::ZERO.to_sum_bits()
    }

    /// Cumulative counts per finite bound, in order (the `+Inf` bucket is [`count`](Self::count)).
    pub fn buckets(&self) -> impl Iterator<Item = (B::Value, u64)> + '_ {
        let mut acc = 0u64;
        B::BOUNDS
            .iter()
            .zip(self.counts.as_slice())
            .map(move |(b, c)| {
                acc = acc.wrapping_add(c.get().0);
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
}

/// The index of the first bound `>= v` (`bounds.len()` for the `+Inf` bucket), for strictly
/// increasing `bounds`. Counting the bounds below `v` has no data-dependent branch, so values
/// that land in random buckets cost no mispredictions; long bucket lists use binary search.
#[inline]
fn bucket_index<V: Number>(bounds: &[V], v: V) -> usize {
    if bounds.len() <= 32 {
        bounds.iter().filter(|b| b.less(v)).count()
    } else {
        bounds.partition_point(|b| b.less(v))
    }
}

impl<B: Buckets> Histogram<B>
where
    B::Value: Float,
{
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

impl<B: Buckets> Observe for Histogram<B>
where
    B::Value: Float,
{
    fn observe_duration(&self, elapsed: Duration) {
        // A duration in seconds is always finite and not negative.
        let _ = self.observe(B::Value::from_duration(elapsed));
    }
}

impl<B: Buckets> Default for Histogram<B> {
    fn default() -> Self {
        Self::new()
    }
}

impl<B: Buckets> Histogram<B> {
    /// The series' samples, the `_bucket` ones by `buckets(enc, cumulative)` (with or without
    /// exemplars).
    #[inline(always)]
    pub(crate) fn write_with(
        &self,
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        buckets: impl FnOnce(&mut Encoder<'_>, &mut dyn FnMut() -> Option<u64>),
    ) {
        // Each tally is read once, by one atomic load, and gives the cumulative counts (finite
        // buckets first, then `+Inf`), `_count` (the last of them) and `_sum`: all three
        // describe the same observations whatever other threads do meanwhile.
        let mut count = 0u64;
        let mut sum = Self::zero_bits();
        let mut tallies = self.tallies();
        let mut cumulative = || {
            let (n, s) = tallies.next()?.get();
            count = count.wrapping_add(n);
            sum = s.add_to_sum_bits(sum);
            Some(count)
        };
        // Consumes every tally (it writes one line per item, `+Inf` included).
        buckets(enc, &mut cumulative);
        // No `_sum` when buckets reach below zero (OpenMetrics: the sum would not be a
        // counter), and then no `_count` either (OpenMetrics writes both or neither; the
        // count is the `+Inf` bucket's). Python's client writes `_count` alone here.
        if !Self::negative_buckets() {
            enc.put_sample(desc, "_count", labels, count);
            let sum = <B::Value as SumBits>::from_sum_bits(sum);
            enc.put_sample(desc, "_sum", labels, sum);
        }
    }
}

impl<B: Buckets> Series for Histogram<B> {
    fn write_samples(
        &self,
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
    ) -> fmt::Result {
        self.write_with(enc, desc, labels, |enc, cumulative| {
            enc.put_bucket_samples(desc, labels, B::BOUNDS, cumulative)
        });
        Ok(())
    }
    fn created(&self) -> Option<Duration> {
        self.created.get()
    }
}

impl<B: Buckets> State for Histogram<B> {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = Self::new();
    const TYPE: MetricType = MetricType::Histogram;

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
        for v in [0.5, 1.0, 1.5, 4.0, 9.0, 0.0] {
            h.observe(v).unwrap();
        }
        let b: heapless::Vec<(f64, u64), 4> = h.buckets().collect();
        assert_eq!(&b[..], &[(1.0, 3), (2.0, 4), (5.0, 5)]);
        assert_eq!(h.count(), 6);
        assert_eq!(h.sum(), 16.0);
        // Bounds at or above zero: `_sum` is a counter, so no negative observation.
        assert_eq!(h.observe(-3.0), Err(ObserveError::Negative));
        assert_eq!(h.observe(-0.0), Ok(()), "-0.0 is not below zero");
        assert_eq!((h.count(), h.sum()), (7, 16.0), "nothing recorded");
    }

    crate::buckets!(Signed: f64 = [-1.0, 0.0, 1.0]);

    #[test]
    fn negative_bounds_take_negative_observations_and_write_neither_count_nor_sum() {
        static H: crate::Metric<Histogram<Signed>> = crate::Metric::new("h", "h");
        H.observe(-3.0).unwrap();
        H.observe(0.5).unwrap();
        assert_eq!((H.count(), H.sum()), (2, -2.5));
        let mut r: crate::Registry<'_, 1> = crate::Registry::new();
        r.register(&H).unwrap();
        for format in [crate::Format::Prometheus, crate::Format::OpenMetrics] {
            let mut buf = [0u8; 1024];
            let n = r.encode(format, &mut buf).unwrap();
            let doc = core::str::from_utf8(&buf[..n]).unwrap();
            assert!(doc.contains("h_bucket{le=\"-1.0\"} 1\n"), "{doc}");
            assert!(doc.contains("h_bucket{le=\"+Inf\"} 2\n"), "{doc}");
            assert!(!doc.contains("h_sum") && !doc.contains("h_count"), "{doc}");
        }
    }

    #[test]
    fn bucket_index_matches_a_linear_search() {
        let long: [f64; 40] = crate::linear_buckets(-2.0, 0.25);
        for bounds in [&DEFAULT_BUCKETS_FOR_TEST[..], &long[..], &[1.0][..]] {
            for i in -100..=200 {
                let v = f64::from(i) * 0.0625;
                let want = bounds.iter().position(|b| v <= *b).unwrap_or(bounds.len());
                assert_eq!(bucket_index(bounds, v), want, "{v} in {bounds:?}");
            }
            for &b in bounds {
                let want = bounds.iter().position(|x| b <= *x).unwrap();
                assert_eq!(
                    bucket_index(bounds, b),
                    want,
                    "bound {b} is in its own bucket"
                );
            }
        }
    }

    const DEFAULT_BUCKETS_FOR_TEST: [f64; 14] = crate::DEFAULT_BUCKETS;

    #[test]
    fn count_is_the_bucket_total_with_inf() {
        let h: Histogram<Small> = Histogram::new();
        for v in [0.5, 7.0, 8.0, 5.0] {
            h.observe(v).unwrap();
        }
        assert_eq!(h.count(), 4);
        let b: heapless::Vec<(f64, u64), 4> = h.buckets().collect();
        assert_eq!(&b[..], &[(1.0, 1), (2.0, 1), (5.0, 2)]);
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
    fn sum_adds_the_bucket_sums_in_bucket_order() {
        let h: Histogram<Small> = Histogram::new();
        // A running sum would round each 1.0 away (1e16 + 1 == 1e16 in f64); the `1.0`
        // bucket adds them first, then the `+Inf` bucket's 1e16 is added.
        for v in [1e16, 1.0, 1.0] {
            h.observe(v).unwrap();
        }
        assert_eq!(h.sum(), 1e16 + 2.0);
        assert_ne!(h.sum(), 1e16 + 1.0 + 1.0);
        let i: Histogram<IntB> = Histogram::new();
        i.observe(u64::MAX).unwrap();
        i.observe(3).unwrap();
        assert_eq!(
            (i.count(), i.sum()),
            (2, u64::MAX),
            "integer sums saturate: a sum never goes down"
        );
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
        let want = cfg!(feature = "created").then_some(Duration::from_secs(3));
        assert_eq!(h.created(), want);
    }
}
