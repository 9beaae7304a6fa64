//! [`Counter`]: a value that only goes up, as an integer (`u64`, the default) or a float.

use core::fmt;
use core::time::Duration;

use portable_atomic::Ordering;

use crate::created::Created;
use crate::encode::{Encoder, Labels, Series};
use crate::metric::State;
use crate::name::{Desc, MetricType};
use crate::number::{Float, Number};

/// The value types a counter can hold: `u64` and `f64`. Sealed.
pub trait CounterValue: Number {
    /// Where the counter stops: `u64::MAX`, or `+Inf` for floats.
    const MAX: Self;
}
impl CounterValue for u64 {
    const MAX: u64 = u64::MAX;
}
impl CounterValue for f32 {
    const MAX: f32 = f32::INFINITY;
}
impl CounterValue for f64 {
    const MAX: f64 = f64::INFINITY;
}

/// What [`Counter<u64>::inc_by`](Counter::inc_by) takes: a `u64`, the only type that
/// implements it. It exists for its compile-time message: `inc_by(1.6)` on a `Counter` (of
/// `u64`, the default) says to declare a `Counter<f64>` rather than only "expected `u64`".
#[diagnostic::on_unimplemented(
    message = "a `Counter` counts in `u64` (its default value type), and `inc_by` was given `{Self}`",
    label = "not a `u64`",
    note = "to count fractions (bytes as f64, seconds), declare a `Counter<f64>` (or `Counter<f32>`): \
            its `inc_by` takes a float and returns `Err` for a negative or NaN one",
    note = "for another integer type, convert it: `u64::from(n)`, or `u64::try_from(n)` for `usize`"
)]
///
/// ```compile_fail
/// use edgeprom::{Counter, Metric};
/// static BYTES: Metric<Counter> = Metric::new("transfer_bytes", "Bytes moved");
/// BYTES.inc_by(1.6); // error: a `Counter` counts in `u64` ... declare a `Counter<f64>`
/// ```
///
/// ```
/// use edgeprom::{Counter, Metric};
/// static BYTES: Metric<Counter<f64>> = Metric::new("transfer_bytes", "Bytes moved");
/// BYTES.inc_by(1.6)?;
/// # Ok::<(), edgeprom::CounterError>(())
/// ```
pub trait WholeIncrement: Copy {
    /// The increment as a `u64`.
    fn to_u64(self) -> u64;
}

impl WholeIncrement for u64 {
    #[inline]
    fn to_u64(self) -> u64 {
        self
    }
}

/// A counter increment was rejected; the counter is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CounterError {
    /// Counters only go up: the increment was negative.
    Negative,
    /// The increment was NaN or infinite.
    NotFinite,
}

impl fmt::Display for CounterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CounterError::Negative => "counters only go up: the increment is negative",
            CounterError::NotFinite => "the counter increment is NaN or infinite",
        })
    }
}

impl core::error::Error for CounterError {}

/// A monotonically increasing counter, exposed as `<name>_total`.
///
/// Use it as [`Metric<Counter>`](crate::Metric) or in a [`Family`](crate::Family). Every update
/// is one atomic read-modify-write.
///
/// **Integer or float**: `Counter` is `Counter<u64>`, whose `inc_by` takes a `u64` and cannot
/// fail. To add fractions (`inc_by(1.6)`), declare `Counter<f64>` (or `Counter<f32>`): its
/// `inc_by` returns `Err` for a negative, NaN or infinite increment and leaves the counter
/// unchanged.
///
/// A `u64` counter **saturates** at `u64::MAX` and stays there: it never wraps, because a
/// counter that goes down is read by Prometheus as a reset (and `rate()` would add the whole
/// new value). `inc_by` saturates exactly (one compare-and-swap); `inc` is one atomic add,
/// skipped once the counter is saturated (2^64 increments of one are out of reach).
///
/// ```
/// use edgeprom::{Counter, Metric};
/// static REQUESTS: Metric<Counter> = Metric::new("requests", "Requests served");
/// static BYTES: Metric<Counter<f64>> = Metric::new("transfer_bytes", "Bytes moved");
/// REQUESTS.inc();
/// REQUESTS.inc_by(2);
/// BYTES.inc_by(1.6).unwrap();
/// assert!(BYTES.inc_by(-1.0).is_err());
/// assert_eq!(REQUESTS.get(), 3);
/// ```
#[derive(Debug)]
pub struct Counter<V: CounterValue = u64> {
    value: V::Atomic,
    created: Created,
}

impl<V: CounterValue> Counter<V> {
    /// A counter at zero.
    pub const fn new() -> Self {
        Counter {
            value: V::ZERO_ATOMIC,
            created: Created::new(),
        }
    }

    /// Adds one (for `u64`, unless saturated at `u64::MAX`).
    #[inline]
    pub fn inc(&self) {
        if V::load(&self.value) != V::MAX {
            V::add(&self.value, V::ONE)
        }
    }

    /// The current value.
    #[inline]
    pub fn get(&self) -> V {
        V::load(&self.value)
    }

    /// Runs `f` and counts one if it returns `Err` (Python's `count_exceptions`). The result is
    /// passed through.
    ///
    /// For `async` code use [`count_errors_async`](Self::count_errors_async), which awaits the
    /// future to its end (a closure returning a future does not compile here: rustc's help to
    /// wrap it in `Ok(..)` would count nothing).
    pub fn count_errors<T, E>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        self.count_errors_matching(f, |_| true)
    }

    /// Runs `f` and counts one if it returns an `Err` that `pick` selects (Python's
    /// `count_exceptions(ValueError)`). The closure comes first so that `pick`'s argument type
    /// is known from it: `count_errors_matching(|| parse(s), |e| e.is_overflow())` needs no
    /// annotation. The `async` form is
    /// [`count_errors_matching_async`](Self::count_errors_matching_async).
    ///
    /// ```
    /// use edgeprom::{Counter, Metric};
    /// static OVERFLOWS: Metric<Counter> = Metric::new("overflows", "Numbers too large");
    /// let r = OVERFLOWS.count_errors_matching(
    ///     || "300".parse::<u8>(),
    ///     |e| *e.kind() == core::num::IntErrorKind::PosOverflow,
    /// );
    /// assert!(r.is_err());
    /// let _ = OVERFLOWS.count_errors_matching(|| "x".parse::<u8>(), |e| {
    ///     *e.kind() == core::num::IntErrorKind::PosOverflow
    /// });
    /// assert_eq!(OVERFLOWS.get(), 1);
    /// ```
    pub fn count_errors_matching<T, E>(
        &self,
        f: impl FnOnce() -> Result<T, E>,
        pick: impl FnOnce(&E) -> bool,
    ) -> Result<T, E> {
        let r = f();
        if let Err(e) = &r {
            if pick(e) {
                self.inc();
            }
        }
        r
    }

    /// Runs `f` and counts one if it returns an `Err` that `pick` selects: the predicate
    /// first, which leaves `pick`'s argument type unknown when it is read (`E0282` unless
    /// annotated).
    #[deprecated(
        since = "0.1.0",
        note = "use `count_errors_matching(f, pick)`: the closure first, so `pick`'s type is inferred"
    )]
    pub fn count_errors_if<T, E>(
        &self,
        pick: impl FnOnce(&E) -> bool,
        f: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        let r = f();
        if let Err(e) = &r {
            if pick(e) {
                self.inc();
            }
        }
        r
    }

    /// When this counter was created, if known.
    pub fn created(&self) -> Option<Duration> {
        self.created.get()
    }

    /// Sets the creation time (the `_created` sample).
    pub fn set_created(&self, unix: Duration) {
        self.created.set(unix)
    }
}

impl Counter<u64> {
    /// Adds `v`, saturating at `u64::MAX`.
    ///
    /// `v` is a `u64` ([`WholeIncrement`]); for fractional increments declare the counter as
    /// `Counter<f64>`, whose `inc_by` takes an `f64`.
    #[inline]
    pub fn inc_by(&self, v: impl WholeIncrement) {
        let v = v.to_u64();
        let _ = self
            .value
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |c| {
                Some(c.saturating_add(v))
            });
    }
}

impl<V: CounterValue + Float> Counter<V> {
    /// Adds `v`, which must be finite and not negative; otherwise the counter is unchanged.
    #[inline]
    pub fn inc_by(&self, v: V) -> Result<(), CounterError> {
        if !v.is_finite() {
            return Err(CounterError::NotFinite);
        }
        if v.is_negative() {
            return Err(CounterError::Negative);
        }
        V::add(&self.value, v);
        Ok(())
    }
}

impl<V: CounterValue> Default for Counter<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V: CounterValue> Series for Counter<V> {
    fn write_samples(
        &self,
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
    ) -> fmt::Result {
        enc.put_sample(desc, "_total", labels, self.get());
        Ok(())
    }
    fn created(&self) -> Option<Duration> {
        self.created.get()
    }
}

impl<V: CounterValue> State for Counter<V> {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = Self::new();
    const TYPE: MetricType = MetricType::Counter;

    fn init_created(&self, unix: Duration) {
        self.created.init(unix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn u64_counters_saturate_and_never_go_down() {
        let c: Counter = Counter::new();
        c.inc_by(u64::MAX - 1);
        c.inc();
        assert_eq!(c.get(), u64::MAX);
        c.inc_by(2);
        assert_eq!(c.get(), u64::MAX);
        c.inc();
        assert_eq!(c.get(), u64::MAX, "stays saturated");
        let d: Counter = Counter::new();
        d.inc_by(u64::MAX);
        d.inc_by(2);
        assert_eq!(d.get(), u64::MAX);
    }

    #[derive(Debug, PartialEq)]
    enum E {
        Io,
        Parse,
    }

    #[test]
    fn integer_counter() {
        let c: Counter = Counter::new();
        c.inc();
        c.inc_by(41);
        assert_eq!(c.get(), 42);
    }

    #[test]
    fn float_counter_rejects_bad_increments_and_keeps_value() {
        let c: Counter<f64> = Counter::new();
        c.inc_by(1.6).unwrap();
        c.inc();
        assert_eq!(c.inc_by(-0.5), Err(CounterError::Negative));
        assert_eq!(c.inc_by(f64::NAN), Err(CounterError::NotFinite));
        assert_eq!(c.inc_by(f64::INFINITY), Err(CounterError::NotFinite));
        assert_eq!(c.get(), 2.6);
        c.inc_by(0.0).unwrap();
        assert_eq!(c.get(), 2.6);
    }

    #[test]
    fn counts_errors() {
        let c: Counter = Counter::new();
        assert_eq!(c.count_errors(|| Ok::<_, E>(1)), Ok(1));
        assert_eq!(c.count_errors(|| Err::<(), _>(E::Io)), Err(E::Io));
        assert_eq!(c.get(), 1);
        let only_io = |e: &E| *e == E::Io;
        let _ = c.count_errors_matching(|| Err::<(), _>(E::Parse), only_io);
        assert_eq!(c.get(), 1);
        let _ = c.count_errors_matching(|| Err::<(), _>(E::Io), only_io);
        assert_eq!(c.get(), 2);
        // The predicate's argument type comes from the closure before it.
        let _ = c.count_errors_matching(|| Err::<(), _>(E::Io), |e| *e == E::Parse);
        assert_eq!(c.get(), 2);
        #[allow(deprecated)]
        let _ = c.count_errors_if(only_io, || Err::<(), _>(E::Io));
        assert_eq!(c.get(), 3);
    }

    #[test]
    #[cfg(feature = "created")]
    fn created() {
        let c: Counter = Counter::default();
        assert_eq!(c.created(), None);
        State::init_created(&c, Duration::from_secs(7));
        State::init_created(&c, Duration::from_secs(9));
        assert_eq!(Series::created(&c), Some(Duration::from_secs(7)));
        c.set_created(Duration::from_secs(8));
        assert_eq!(c.created(), Some(Duration::from_secs(8)));
    }

    #[test]
    fn error_messages() {
        use core::fmt::Write;
        let mut s: heapless::String<64> = heapless::String::new();
        write!(s, "{}", CounterError::Negative).unwrap();
        assert!(s.contains("negative"));
    }
}
