//! [`Gauge`]: a value that goes up and down, as a float (`f64`, the default) or an integer.

use core::fmt;
use core::time::Duration;

use crate::clock::{Clock, WallClock};
use crate::encode::{Encoder, Labels, Series};
use crate::metric::State;
use crate::name::{Desc, MetricType};
use crate::number::Number;
use crate::timer::{self, NotAFuture, Observe, Timer};

/// The value types a gauge can hold: `f64` and `i64`. Sealed.
pub trait GaugeValue: Number {}
impl GaugeValue for f64 {}
impl GaugeValue for f32 {}
impl GaugeValue for i64 {}

/// A value that can go up and down.
///
/// ```
/// use edgeprom::{Gauge, Metric};
/// static IN_PROGRESS: Metric<Gauge> = Metric::new("my_inprogress_requests", "In progress");
/// static QUEUE: Metric<Gauge<i64>> = Metric::new("queue_depth", "Items queued");
/// IN_PROGRESS.inc();
/// IN_PROGRESS.dec_by(0.5); // by more than one: `dec_by`, as `dec` takes no argument
/// QUEUE.inc_by(10);
/// QUEUE.dec_by(10);
/// IN_PROGRESS.set(4.2);
/// {
///     let _g = QUEUE.track_inprogress(); // +1 now, -1 on drop
///     assert_eq!(QUEUE.get(), 1);
/// }
/// assert_eq!(QUEUE.get(), 0);
/// ```
pub struct Gauge<V: GaugeValue = f64> {
    value: V::Atomic,
}

impl<V: GaugeValue> core::fmt::Debug for Gauge<V> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("Gauge").field(&self.get()).finish()
    }
}

impl<V: GaugeValue> Gauge<V> {
    /// A gauge at zero.
    pub const fn new() -> Self {
        Gauge {
            value: V::ZERO_ATOMIC,
        }
    }

    /// Adds one (to add more, [`inc_by`](Self::inc_by)).
    #[inline]
    pub fn inc(&self) {
        V::add(&self.value, V::ONE)
    }

    /// Subtracts one.
    ///
    /// To subtract more, use [`dec_by`](Self::dec_by): `dec(10)` does not compile, and
    /// rustc's help for it ("remove the extra argument") would turn it into a decrement by one.
    /// `inc` and [`inc_by`](Self::inc_by) are alike.
    #[inline]
    pub fn dec(&self) {
        V::sub(&self.value, V::ONE)
    }

    /// Adds `v`.
    #[inline]
    pub fn inc_by(&self, v: V) {
        V::add(&self.value, v)
    }

    /// Subtracts `v`.
    #[inline]
    pub fn dec_by(&self, v: V) {
        V::sub(&self.value, v)
    }

    /// Sets the value.
    #[inline]
    pub fn set(&self, v: V) {
        V::store(&self.value, v)
    }

    /// The current value.
    #[inline]
    pub fn get(&self) -> V {
        V::load(&self.value)
    }

    /// Sets the gauge to the current Unix time in seconds (whole seconds for `i64`).
    pub fn set_to_current_time(&self, clock: &(impl WallClock + ?Sized)) {
        self.set(V::from_duration(clock.unix_time()))
    }

    /// Adds one now and subtracts it again when the guard drops (Python's
    /// `track_inprogress`).
    pub fn track_inprogress(&self) -> InProgress<'_, V> {
        self.inc();
        InProgress { gauge: self }
    }

    /// Runs `f` while counting it as in progress. For `async` code use
    /// [`track_inprogress_async`](Self::track_inprogress_async) (a closure that returns a
    /// future is refused here: it would count only the future's creation).
    pub fn track_inprogress_with<R: NotAFuture>(&self, f: impl FnOnce() -> R) -> R {
        let _g = self.track_inprogress();
        f()
    }

    /// Starts a timer that sets the gauge to the elapsed time (seconds) when dropped
    /// (Python's `Gauge.time()`).
    pub fn start_timer<'a, C: Clock + ?Sized>(&'a self, clock: &'a C) -> Timer<'a, Self, C> {
        Timer::new(self, clock)
    }

    /// Runs `f` and sets the gauge to how long it took.
    ///
    /// For `async` code use [`time_async`](Self::time_async): a closure that returns a future
    /// is refused here ([`NotAFuture`]), as timing it would time only the
    /// future's creation.
    pub fn time<R: NotAFuture>(&self, clock: &(impl Clock + ?Sized), f: impl FnOnce() -> R) -> R {
        timer::time(self, clock, f)
    }
}

impl<V: GaugeValue> Observe for Gauge<V> {
    fn observe_duration(&self, elapsed: Duration) {
        self.set(V::from_duration(elapsed))
    }
}

/// Decrements its gauge when dropped; see [`Gauge::track_inprogress`].
#[must_use = "the gauge is decremented when this guard drops"]
pub struct InProgress<'a, V: GaugeValue> {
    gauge: &'a Gauge<V>,
}

impl<V: GaugeValue> core::fmt::Debug for InProgress<'_, V> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("InProgress").finish_non_exhaustive()
    }
}

impl<V: GaugeValue> Drop for InProgress<'_, V> {
    fn drop(&mut self) {
        self.gauge.dec()
    }
}

impl<V: GaugeValue> Default for Gauge<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V: GaugeValue> Series for Gauge<V> {
    fn write_samples(
        &self,
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
    ) -> fmt::Result {
        enc.put_sample(desc, "", labels, self.get());
        Ok(())
    }
}

impl<V: GaugeValue> State for Gauge<V> {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = Self::new();
    const TYPE: MetricType = MetricType::Gauge;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;

    #[test]
    fn float_gauge() {
        let g: Gauge = Gauge::new();
        g.inc();
        g.inc_by(2.5);
        g.dec();
        g.dec_by(0.25);
        assert_eq!(g.get(), 2.25);
        g.set(-7.0);
        assert_eq!(g.get(), -7.0);
        g.set(f64::NAN);
        assert!(g.get().is_nan());
    }

    #[test]
    fn int_gauge() {
        let g: Gauge<i64> = Gauge::default();
        g.dec_by(5);
        g.inc();
        assert_eq!(g.get(), -4);
    }

    #[test]
    fn inprogress_guard_and_closure() {
        let g: Gauge = Gauge::new();
        {
            let _a = g.track_inprogress();
            let _b = g.track_inprogress();
            assert_eq!(g.get(), 2.0);
        }
        assert_eq!(g.get(), 0.0);
        let seen = g.track_inprogress_with(|| g.get());
        assert_eq!(seen, 1.0);
        assert_eq!(g.get(), 0.0);
    }

    #[test]
    fn current_time_and_timer() {
        let g: Gauge = Gauge::new();
        g.set_to_current_time(&FixedClock(Duration::from_millis(1_700_000_000_500)));
        assert_eq!(g.get(), 1_700_000_000.5);
        let gi: Gauge<i64> = Gauge::new();
        gi.set_to_current_time(&FixedClock(Duration::from_millis(1_700_000_000_500)));
        assert_eq!(gi.get(), 1_700_000_000);
        let clock = FixedClock(Duration::from_secs(3));
        let r = g.time(&clock, || 5);
        assert_eq!(r, 5);
        assert_eq!(g.get(), 0.0);
    }
}
