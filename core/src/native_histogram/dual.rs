//! [`DualHistogram`]: a native histogram with classic buckets alongside (client_golang's
//! "dual mode"), so that scrapers of the text formats still get `_bucket` series.

use core::fmt;
use core::sync::atomic::{fence, Ordering};
use core::time::Duration;

use super::{NativeHistogram, NativeSnapshot, NativeValue};
use crate::buckets::{Buckets, DefaultBuckets};
use crate::clock::Clock;
use crate::encode::{Encoder, Labels, NativeWritten, Series};
use crate::histogram::{Histogram, ObserveError};
use crate::metric::State as MetricState;
use crate::name::{Desc, MetricType};
use crate::number::{Float, Number};
use crate::timer::{self, NotAFuture, Observe, Timer};

/// A [`NativeHistogram`] of at most `N` positive and `NEG` negative buckets and a classic
/// [`Histogram<B>`] fed the same observations: the Go client's dual mode.
///
/// | format | what is written |
/// |---|---|
/// | Prometheus text, text 1.0.0, OpenMetrics | the classic histogram: `_bucket` by `B`'s bounds, `_count`, `_sum` |
/// | protobuf exposition | one `Histogram` with both: the native fields and the classic `bucket`s (Prometheus keeps the native one, and the classic one too with `scrape_classic_histograms`) |
/// | remote write | the native series and the classic `_bucket`, `_count` and `_sum` series |
///
/// An observation goes into the native part first, then into the classic one; a value either
/// part refuses (NaN or infinite; below zero when the native part has no negative buckets or
/// the classic bounds start at zero; beyond the native buckets even at schema -4) is recorded
/// in neither. In the protobuf exposition the classic buckets are read before the native
/// part, so no classic bucket counts more than `sample_count` (the native count, also written
/// as the `+Inf` bucket) while other threads observe. Memory: the two parts' added.
///
/// ```
/// use edgeprom::{DualHistogram, Format, Metric, Registry};
///
/// static LATENCY: Metric<DualHistogram> = Metric::new("latency_seconds", "Latency");
/// LATENCY.observe(0.3)?;
/// LATENCY.observe(0.004)?;
/// assert_eq!(LATENCY.native().snapshot().count(), 2);
///
/// let mut registry: Registry<'_, 1> = Registry::new();
/// registry.register(&LATENCY)?;
/// let mut buf = [0u8; 2048];
/// let n = registry.encode(Format::Prometheus, &mut buf)?;
/// let text = core::str::from_utf8(&buf[..n])?;
/// assert!(text.contains("latency_seconds_bucket{le=\"0.005\"} 1\n"));
/// assert!(text.contains("latency_seconds_bucket{le=\"+Inf\"} 2\n"));
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub struct DualHistogram<B: Buckets = DefaultBuckets, const N: usize = 160, const NEG: usize = 0>
where
    B::Value: NativeValue,
{
    native: NativeHistogram<B::Value, N, NEG>,
    classic: Histogram<B>,
}

impl<B: Buckets, const N: usize, const NEG: usize> fmt::Debug for DualHistogram<B, N, NEG>
where
    B::Value: NativeValue,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DualHistogram")
            .field("native", &self.native)
            .field("classic", &self.classic)
            .finish()
    }
}

impl<B: Buckets, const N: usize, const NEG: usize> DualHistogram<B, N, NEG>
where
    B::Value: NativeValue,
{
    /// An empty histogram: the native part at schema 8 with the default zero threshold.
    pub const fn new() -> Self {
        DualHistogram {
            native: NativeHistogram::new(),
            classic: Histogram::new(),
        }
    }

    /// An empty histogram whose native part starts at `schema` with `zero_threshold` (see
    /// [`NativeHistogram::with_schema`]).
    pub const fn with_schema(
        schema: i8,
        zero_threshold: f64,
    ) -> Result<Self, super::NativeHistogramError> {
        match super::validate(schema, zero_threshold) {
            Ok(()) => Ok(DualHistogram {
                native: NativeHistogram::build(schema, zero_threshold),
                classic: Histogram::new(),
            }),
            Err(e) => Err(e),
        }
    }

    /// Records `v` in both parts, or in neither (see the [type docs](Self)).
    #[inline]
    pub fn observe(&self, v: B::Value) -> Result<(), ObserveError> {
        Histogram::<B>::check(v)?;
        self.native.observe(v)?;
        // The native count never falls behind a classic bucket for a reader that reads the
        // classic buckets first (`write_samples`).
        fence(Ordering::Release);
        self.classic.observe(v)
    }

    /// The native part.
    pub fn native(&self) -> &NativeHistogram<B::Value, N, NEG> {
        &self.native
    }

    /// The classic part.
    pub fn classic(&self) -> &Histogram<B> {
        &self.classic
    }

    /// When this histogram was created, if known.
    pub fn created(&self) -> Option<Duration> {
        self.native.created()
    }

    /// Sets the creation time (the `_created` sample).
    pub fn set_created(&self, unix: Duration) {
        self.native.set_created(unix)
    }
}

impl<B: Buckets, const N: usize, const NEG: usize> DualHistogram<B, N, NEG>
where
    B::Value: NativeValue + Float,
{
    /// Starts a timer that observes the elapsed seconds when dropped.
    pub fn start_timer<'a, C: Clock + ?Sized>(&'a self, clock: &'a C) -> Timer<'a, Self, C> {
        Timer::new(self, clock)
    }

    /// Runs `f` and observes how long it took, in seconds.
    ///
    /// For `async` code use [`time_async`](Self::time_async): a closure that returns a future
    /// is refused here ([`NotAFuture`]), as timing it would time only the future's creation.
    pub fn time<R: NotAFuture>(&self, clock: &(impl Clock + ?Sized), f: impl FnOnce() -> R) -> R {
        timer::time(self, clock, f)
    }
}

impl<B: Buckets, const N: usize, const NEG: usize> Observe for DualHistogram<B, N, NEG>
where
    B::Value: NativeValue + Float,
{
    fn observe_duration(&self, elapsed: Duration) {
        // Finite and not negative; refused only beyond the native buckets at schema -4.
        let _ = self.observe(B::Value::from_duration(elapsed));
    }
}

impl<B: Buckets, const N: usize, const NEG: usize> Default for DualHistogram<B, N, NEG>
where
    B::Value: NativeValue,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<B: Buckets, const N: usize, const NEG: usize> Series for DualHistogram<B, N, NEG>
where
    B::Value: NativeValue,
{
    fn write_samples(
        &self,
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
    ) -> fmt::Result {
        match enc.native_support() {
            NativeWritten::Nothing => self.classic.write_samples(enc, desc, labels),
            NativeWritten::Series => {
                let snap = self.native.snapshot();
                enc.put_native(desc, labels, &snap.buckets(), snap.sum());
                self.classic.write_samples(enc, desc, labels)
            }
            NativeWritten::Buckets => {
                // The classic buckets first, then (at `+Inf`) the native part: its count is
                // at least every classic bucket's (`observe` adds to it first).
                let mut snap: Option<NativeSnapshot<B::Value, N, NEG>> = None;
                {
                    let mut tallies = self.classic.tallies();
                    let (mut count, mut finite) = (0u64, B::BOUNDS.len());
                    let mut cumulative = || {
                        if finite > 0 {
                            finite -= 1;
                            count = count.wrapping_add(tallies.next()?.get().0);
                            return Some(count);
                        }
                        if snap.is_some() {
                            return None;
                        }
                        fence(Ordering::Acquire);
                        let s = self.native.snapshot();
                        let all = s.count();
                        snap = Some(s);
                        Some(all)
                    };
                    enc.put_bucket_samples(desc, labels, B::BOUNDS, &mut cumulative);
                }
                let snap = snap.unwrap_or_else(|| self.native.snapshot());
                enc.put_native(desc, labels, &snap.buckets(), snap.sum());
                enc.put_sample(desc, "_count", labels, snap.count());
                enc.put_sample(desc, "_sum", labels, snap.sum());
                Ok(())
            }
        }
    }
    fn created(&self) -> Option<Duration> {
        self.native.created()
    }
}

impl<B: Buckets, const N: usize, const NEG: usize> MetricState for DualHistogram<B, N, NEG>
where
    B::Value: NativeValue,
{
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = Self::new();
    const TYPE: MetricType = MetricType::Histogram;

    fn init_created(&self, unix: Duration) {
        self.native.init_created(unix)
    }
}
