//! [`NativeHistogram`]: Prometheus' native (sparse, exponential) histogram in fixed memory,
//! without a heap, lock-free, safe to observe from interrupts.
//!
//! # Buckets
//! Buckets follow Prometheus' schemas (`docs/specs/native_histograms.md` of its repository):
//! at schema `s` (`-4..=8`) bucket `i` holds the values in `(base^(i-1), base^i]`, `base =
//! 2^(2^-s)`, and negative values mirror them in buckets of their own; values whose magnitude
//! is at most the zero threshold (`2^-128` unless set) go to the zero bucket. The index of a
//! value is computed as Go's client and Prometheus compute it, bound for bound (their table of
//! bounds, `math.Frexp`'s split, integers only: an integer histogram links no float code).
//!
//! # At most `N` buckets
//! A histogram holds at most `N` positive and `NEG` negative buckets, in a window of
//! consecutive indices per sign. It starts at the finest schema, 8 (or the one given to
//! [`with_schema`](NativeHistogram::with_schema)); when an observation falls outside a
//! window that cannot grow to hold it, the resolution drops one schema at a time (every pair
//! of neighbouring buckets `2j - 1`, `2j` merged into bucket `j` of the next schema, as
//! client_golang does past `NativeHistogramMaxBucketNumber`) until it fits. The schema never
//! goes back up. An observation that would need more than `N` buckets even at schema -4 (data
//! over more than `16 * N` powers of two) is refused with [`ObserveError::TooManyBuckets`].
//! With `NEG == 0` negative values are refused ([`ObserveError::Negative`]).
//!
//! Unlike Go's client, the limit is on the window (the lowest to the highest populated index),
//! not on the number of populated buckets: a fixed memory needs a fixed window. Sparse data
//! may lower the resolution more than in Go.
//!
//! # Error bound
//! A value and any estimate within its bucket differ by a factor of at most `base`: a quantile
//! Prometheus interpolates within the bucket of the true quantile is within
//! `[q / base, q * base]`, and the bucket's midpoint has a relative error of at most `(base -
//! 1) / (base + 1)`. Each drop of the schema squares `base` and so about doubles the bound:
//!
//! | schema | 8 | 6 | 4 | 3 | 2 | 1 | 0 | -1 | -4 |
//! |---|---|---|---|---|---|---|---|---|---|
//! | `base` | 1.0027 | 1.0109 | 1.0443 | 1.0905 | 1.1892 | 1.4142 | 2 | 4 | 65536 |
//! | `(base-1)/(base+1)` | 0.14 % | 0.54 % | 2.2 % | 4.3 % | 8.6 % | 17 % | 33 % | 60 % | 99.997 % |
//!
//! Data spanning a factor `R` needs `log2(R) * 2^s` buckets at schema `s`: `N = 160` keeps
//! schema 3 (4.3 %) for a factor of a million, `N = 32` keeps schema 1 for latencies from 1 ms to
//! 30 s.
//!
//! # Memory
//! `32 * (N + NEG) + 96` bytes on a 64-bit host with the `created` feature (the default):
//! every bucket is a 128-bit count and sum, in two banks (the resolution change moves one into
//! the other while observers go on); the zero bucket and the state are one 128-bit word each,
//! and each sign has a 64-bit view of the state (what an observation reads). `N = 160`:
//! 5,216 bytes; `N = 32`: 1,120; `N = 16`: 608.
//!
//! # Concurrency
//! Observing is lock-free: one 64-bit load of the sign's view of the state, one load and one
//! compare-and-swap of the bucket's count and sum (the state itself is read when the bucket is
//! outside the view's window, or the bucket refuses the add because a change moved it, or once
//! in 2^57 observations of a bucket, when its count wraps). A reading (the document,
//! [`snapshot`](NativeHistogram::snapshot)) reads every bucket once; its count is the sum of
//! what it read, so count, buckets, zero bucket and sum always describe the same observations.
//! A resolution change freezes, moves and empties the buckets one by one, each step one
//! compare-and-swap any observer or reader may take over (a step done twice takes effect once),
//! so no observation is lost or counted twice, and no one waits for anyone: an interrupt that
//! preempts a change, or an observation, completes its own observation (finishing the change if
//! it must: at most 12 changes ever, each `2 * (N + NEG)` slot moves). A reading that overlaps
//! a change starts again (at most 12 times ever).
//!
//! # Formats
//! In the protobuf exposition ([`encode::protobuf`](crate::encode::protobuf)) a series is a
//! native histogram: `schema`, `zero_threshold`, `zero_count`, spans and delta-encoded counts,
//! `sample_count`, `sample_sum`. In Prometheus text and OpenMetrics, which have no native
//! histograms, it is a histogram with only the `+Inf` bucket, `_count` and `_sum` (OpenMetrics
//! requires the `+Inf` bucket; with `NEG > 0` no `_count` and `_sum`, as a classic histogram
//! with negative buckets). Remote write sends each series as one `TimeSeries` named after the
//! family with one native `Histogram` (count, sum, schema, zero bucket, spans and deltas), as
//! Prometheus stores a native histogram it scrapes.
//!
//! For scrapers that ask for text and still need `_bucket` series, [`DualHistogram`] keeps
//! classic buckets alongside (the Go client's dual mode).
//!
//! ```
//! use edgeprom::{Metric, NativeHistogram, Registry};
//!
//! // At most 32 positive buckets: 1 KiB.
//! static LATENCY: Metric<NativeHistogram<f64, 32>> =
//!     Metric::new("request_latency_seconds", "Request latency");
//! for i in 1..=1000 {
//!     LATENCY.observe(f64::from(i) / 1024.0)?; // about 1 ms to 1 s
//! }
//! let snap = LATENCY.snapshot();
//! assert_eq!((snap.count(), snap.sum()), (1000, 500500.0 / 1024.0));
//! // A factor of 1000 (10 powers of two) in 32 buckets: schema 1, base sqrt(2).
//! assert_eq!(snap.schema(), 1);
//! assert_eq!(snap.positive().map(|(_, n)| n).sum::<u64>(), 1000);
//!
//! let mut registry: Registry<'_, 1> = Registry::new();
//! registry.register(&LATENCY)?;
//! let mut buf = [0u8; 1024];
//! let n = registry.encode(edgeprom::Format::Prometheus, &mut buf)?;
//! let text = core::str::from_utf8(&buf[..n])?;
//! assert!(text.contains("request_latency_seconds_count 1000\n"));
//! assert!(text.contains("request_latency_seconds_bucket{le=\"+Inf\"} 1000\n"));
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

mod bounds;
mod change;
mod dual;
#[cfg(test)]
mod go_tables;
mod index;
mod layout;
mod snapshot;
mod value;

use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;

pub use self::dual::DualHistogram;
pub use self::index::{upper_bound, MAX_SCHEMA, MIN_SCHEMA};
pub use self::snapshot::NativeSnapshot;
pub use self::value::NativeValue;

use self::index::{at_schema, halve, shifted};
use self::layout::*;
use self::value::{Place, Threshold};
use crate::clock::Clock;
use crate::created::Created;
use crate::encode::{Encoder, Labels, NativeWritten, Series};
use crate::histogram::ObserveError;
use crate::metric::State as MetricState;
use crate::name::{Desc, MetricType};
use crate::number::Float;
use crate::sync::{AtomicU128, AtomicU64, Ordering};
use crate::tally::Tally;
use crate::timer::{self, NotAFuture, Observe, Timer};

/// The zero threshold unless one is set: `2^-128`, as Go's `DefNativeHistogramZeroThreshold`.
pub const DEFAULT_ZERO_THRESHOLD: f64 = 2.938735877055719e-39;

/// A native histogram could not be made; see [`NativeHistogram::with_schema`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NativeHistogramError {
    /// The schema is outside `-4..=8`.
    Schema,
    /// The zero threshold is negative, NaN or infinite.
    ZeroThreshold,
}

impl fmt::Display for NativeHistogramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NativeHistogramError::Schema => "the native histogram schema is outside -4..=8",
            NativeHistogramError::ZeroThreshold => {
                "the native histogram zero threshold is negative or not finite"
            }
        })
    }
}

impl core::error::Error for NativeHistogramError {}

/// A native histogram of `V` values (`f64`, `f32`, `u64`, `i64`) with at most `N` positive and
/// `NEG` negative buckets; see the [module docs](self) for buckets, resolution, error bound,
/// memory and concurrency.
pub struct NativeHistogram<V: NativeValue = f64, const N: usize = 160, const NEG: usize = 0> {
    /// The packed [`State`].
    state: AtomicU128,
    /// Per sign (positive, negative), the [`Window`] of a state word the state has had (or
    /// 0): what an observation needs, read by one 64-bit load. Any past state will do: an
    /// observation acting on one is an observation that read the state then and was
    /// delayed, which the slots' tags and flags already make safe (a slot of another
    /// schema, or being moved, refuses the add, and the observation reads the state itself).
    /// Stored by observations that had to read the state.
    views: [AtomicU64; 2],
    zero: Tally<V>,
    pos: [[AtomicU128; N]; 2],
    neg: [[AtomicU128; NEG]; 2],
    /// The schema it started at (the slots' tags count from it).
    initial: i8,
    /// The zero threshold.
    zero_threshold: Threshold,
    created: Created,
    _v: PhantomData<V>,
}

impl<V: NativeValue, const N: usize, const NEG: usize> fmt::Debug for NativeHistogram<V, N, NEG> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.snapshot();
        f.debug_struct("NativeHistogram")
            .field("schema", &s.schema())
            .field("count", &s.count())
            .finish_non_exhaustive()
    }
}

impl<V: NativeValue, const N: usize, const NEG: usize> NativeHistogram<V, N, NEG> {
    /// An empty histogram at schema 8 with the zero threshold [`DEFAULT_ZERO_THRESHOLD`].
    pub const fn new() -> Self {
        Self::build(MAX_SCHEMA, DEFAULT_ZERO_THRESHOLD)
    }

    const fn build(schema: i8, zero_threshold: f64) -> Self {
        NativeHistogram {
            state: AtomicU128::new(State::new(schema).pack()),
            views: [AtomicU64::new(0), AtomicU64::new(0)],
            zero: Tally::new(),
            pos: [
                [const { AtomicU128::new(0) }; N],
                [const { AtomicU128::new(0) }; N],
            ],
            neg: [
                [const { AtomicU128::new(0) }; NEG],
                [const { AtomicU128::new(0) }; NEG],
            ],
            initial: schema,
            zero_threshold: Threshold::new(zero_threshold),
            created: Created::new(),
            _v: PhantomData,
        }
    }

    /// An empty histogram starting at `schema` (`-4..=8`; it drops from there when it must)
    /// whose zero bucket holds the magnitudes up to `zero_threshold`.
    pub const fn with_schema(
        schema: i8,
        zero_threshold: f64,
    ) -> Result<Self, NativeHistogramError> {
        match validate(schema, zero_threshold) {
            Ok(()) => Ok(Self::build(schema, zero_threshold)),
            Err(e) => Err(e),
        }
    }

    /// Both banks of one sign's slots.
    fn banks(&self, neg: bool) -> [&[AtomicU128]; 2] {
        if neg {
            let [a, b] = &self.neg;
            [a, b]
        } else {
            let [a, b] = &self.pos;
            [a, b]
        }
    }

    /// The view of one sign.
    #[inline]
    fn view(&self, neg: bool) -> &AtomicU64 {
        let [pos, negative] = &self.views;
        if neg {
            negative
        } else {
            pos
        }
    }

    /// Bank `bank` (0 or 1; any other is 1) of one sign's slots.
    #[inline]
    fn bank(&self, neg: bool, bank: usize) -> &[AtomicU128] {
        match (neg, bank) {
            (false, 0) => &self.pos[0],
            (false, _) => &self.pos[1],
            (true, 0) => &self.neg[0],
            (true, _) => &self.neg[1],
        }
    }

    /// Records `v`. A NaN or infinite value is refused, and so is a negative one when `NEG ==
    /// 0`, or one that would need more than `N` (`NEG`) buckets even at schema -4; nothing is
    /// recorded then.
    #[inline]
    pub fn observe(&self, v: V) -> Result<(), ObserveError> {
        match value::place(v, &self.zero_threshold) {
            Place::Zero => {
                self.zero.add(v);
                Ok(())
            }
            Place::Pos(at8) => self.observe_signed::<false>(at8, v),
            Place::Neg(at8) => self.observe_signed::<true>(at8, v),
            Place::NotFinite => Err(ObserveError::NotFinite),
        }
    }

    /// [`observe`](Self::observe) of a value whose bucket at schema 8 is `at8`, below zero if
    /// `NEGATIVE` (a constant, so that the common case reads the sign's view and bank at fixed
    /// places).
    #[inline]
    fn observe_signed<const NEGATIVE: bool>(&self, at8: i32, v: V) -> Result<(), ObserveError> {
        if NEGATIVE && NEG == 0 {
            return Err(ObserveError::Negative);
        }
        // The common case: `v`'s bucket in the window of the sign's view.
        let view = self.view(NEGATIVE).load(Ordering::Acquire);
        if let Some(w) = Window::unpack(view) {
            let i = shifted(at8, w.shift);
            let bank = self.bank(NEGATIVE, w.bank);
            if w.contains(i) && self.add::<true>(bank.get(w.slot(i, bank.len())), w.tag, v) {
                return Ok(());
            }
        }
        self.observe_slow(NEGATIVE, at8, v)
    }

    /// [`observe`](Self::observe) of a value of sign `neg` whose bucket at schema 8 is `at8`
    /// when the bucket may lie outside the window, or a change may be under way.
    #[inline(never)]
    fn observe_slow(&self, neg: bool, at8: i32, v: V) -> Result<(), ObserveError> {
        let slots = self.bank(neg, 0).len() as u64;
        if slots == 0 {
            return Err(ObserveError::Negative);
        }
        loop {
            let word = self.state.load(Ordering::Acquire);
            let st = State::unpack(word);
            let at = st.target();
            let i = at_schema(at8, at.schema);
            let range = at.range(neg);
            if contains(range, i) {
                let want = tag(self.initial, at.schema);
                let bank = self.bank(neg, at.bank);
                if self.add::<false>(bank.get(slot_of(i, bank.len())), want, v) {
                    let slots = self.bank(neg, 0).len();
                    if let Some(w) = Window::of(word, neg, self.initial, slots) {
                        self.view(neg).store(w.pack(), Ordering::Release);
                    }
                    return Ok(());
                }
                continue; // the bucket is being moved: read the state again
            }
            if st.changing {
                self.finish_change(word); // then the window may grow
                continue;
            }
            let wider = with(range, i);
            if span(wider) <= slots {
                let new = st.with_range(neg, wider).pack();
                let _ = self
                    .state
                    .compare_exchange(word, new, Ordering::AcqRel, Ordering::Acquire);
                continue;
            }
            if !fits_lower(st.schema, range, i, slots) {
                return Err(ObserveError::TooManyBuckets);
            }
            let changing = State {
                changing: true,
                ..st
            }
            .pack();
            if self
                .state
                .compare_exchange(word, changing, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                self.finish_change(changing);
            }
        }
    }

    /// Adds `v` to `slot`, unless it is frozen or not tagged `want` (holds another schema;
    /// then the caller reads the state again). If `FAST` (the common case's add), not either
    /// when the count would wrap: the slow path's add wraps it.
    #[inline]
    fn add<const FAST: bool>(&self, slot: Option<&AtomicU128>, want: u64, v: V) -> bool {
        let Some(slot) = slot else {
            return false;
        };
        let mut cur = slot.load(Ordering::Relaxed);
        loop {
            let (low, sum) = split(cur);
            if low & (FROZEN | TAG_MASK) != want {
                return false;
            }
            let count = if FAST {
                // Below the tag, the count: `low + 1` unless that carries into the tag.
                let n = low.wrapping_add(1);
                if n & COUNT_MASK == 0 {
                    return false;
                }
                n
            } else {
                add_count(low, 1)
            };
            let new = join(count, v.add_to_sum_bits(sum));
            match slot.compare_exchange_weak(cur, new, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return true,
                Err(actual) => cur = actual,
            }
        }
    }

    /// The buckets, count and sum, read consistently (see the [module docs](self)).
    pub fn snapshot(&self) -> NativeSnapshot<V, N, NEG> {
        loop {
            let word = self.state.load(Ordering::Acquire);
            let st = State::unpack(word);
            if st.changing {
                self.finish_change(word);
                continue;
            }
            let mut snap = NativeSnapshot::new(st.schema, self.zero_threshold.get());
            let want = tag(self.initial, st.schema);
            let mut ok = true;
            for neg in [false, true] {
                let [a, b] = self.banks(neg);
                let bank = if st.bank == 0 { a } else { b };
                ok &= snap.read(neg, bank, st.range(neg), want);
            }
            let (zero_count, zero_sum) = self.zero.get();
            snap.add_zero(zero_count, zero_sum);
            let again = State::unpack(self.state.load(Ordering::Acquire));
            if ok && st.same_layout(again) {
                return snap;
            }
        }
    }

    /// Creates the loom objects of every atomic (loom's are made on first use, and must be
    /// made before threads share them); only under `cfg(loom)`.
    #[cfg(loom)]
    #[doc(hidden)]
    pub fn __loom_touch(&self) {
        self.state.load(Ordering::Relaxed);
        for view in &self.views {
            view.load(Ordering::Relaxed);
        }
        self.zero.get();
        for neg in [false, true] {
            for bank in self.banks(neg) {
                for slot in bank {
                    slot.load(Ordering::Relaxed);
                }
            }
        }
    }

    /// The current schema.
    pub fn schema(&self) -> i8 {
        State::unpack(self.state.load(Ordering::Acquire))
            .target()
            .schema
    }

    /// Number of observations.
    pub fn count(&self) -> u64 {
        self.snapshot().count()
    }

    /// Sum of observations (the buckets' sums added in bucket order, as
    /// [`Histogram::sum`](crate::Histogram::sum)).
    pub fn sum(&self) -> V {
        self.snapshot().sum()
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

/// Whether a histogram may start at `schema` with `zero_threshold`.
const fn validate(schema: i8, zero_threshold: f64) -> Result<(), NativeHistogramError> {
    if schema < MIN_SCHEMA || schema > MAX_SCHEMA {
        return Err(NativeHistogramError::Schema);
    }
    // Not below zero (nor -0.0), not NaN, not infinite: compared as bits.
    if zero_threshold.to_bits() >= 0x7ff0_0000_0000_0000 {
        return Err(NativeHistogramError::ZeroThreshold);
    }
    Ok(())
}

/// Whether index `i` fits with `range` (at `schema`) in `slots` at some schema below it.
fn fits_lower(schema: i8, range: Range, mut i: i32, slots: u64) -> bool {
    let mut range = range;
    for _ in MIN_SCHEMA..schema {
        i = halve(i);
        range = halved(range);
        if span(with(range, i)) <= slots {
            return true;
        }
    }
    false
}

impl<V: NativeValue + Float, const N: usize, const NEG: usize> NativeHistogram<V, N, NEG> {
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

impl<V: NativeValue + Float, const N: usize, const NEG: usize> Observe
    for NativeHistogram<V, N, NEG>
{
    fn observe_duration(&self, elapsed: Duration) {
        // A duration in seconds is finite and not negative; it fits unless the data spans
        // more than the buckets can hold at schema -4 (then it is not recorded).
        let _ = self.observe(V::from_duration(elapsed));
    }
}

impl<V: NativeValue, const N: usize, const NEG: usize> Default for NativeHistogram<V, N, NEG> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V: NativeValue, const N: usize, const NEG: usize> Series for NativeHistogram<V, N, NEG> {
    fn write_samples(
        &self,
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
    ) -> fmt::Result {
        let snap = self.snapshot();
        let count = snap.count();
        let written = enc.put_native(desc, labels, &snap.buckets(), snap.sum());
        if written == NativeWritten::Nothing {
            // Text formats: the `+Inf` bucket OpenMetrics requires of a histogram.
            let mut inf = Some(count);
            enc.put_bucket_samples(desc, labels, &[] as &'static [u64], &mut || inf.take());
        }
        // As a classic histogram whose buckets reach below zero, no `_count` and `_sum` in
        // text when negative observations are possible (the sum would not be a counter).
        let text_sums = written == NativeWritten::Nothing && (NEG == 0 || !V::SIGNED);
        if written == NativeWritten::Buckets || text_sums {
            enc.put_sample(desc, "_count", labels, count);
            enc.put_sample(desc, "_sum", labels, snap.sum());
        }
        Ok(())
    }
    fn created(&self) -> Option<Duration> {
        self.created.get()
    }
}

impl<V: NativeValue, const N: usize, const NEG: usize> MetricState for NativeHistogram<V, N, NEG> {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = Self::new();
    const TYPE: MetricType = MetricType::Histogram;

    fn init_created(&self, unix: Duration) {
        self.created.init(unix)
    }
}

#[cfg(test)]
mod tests;
