//! Histogram bucket bounds, fixed at compile time by a type: [`DefaultBuckets`] (Python's),
//! [`GoBuckets`] (Go's), or your own with [`buckets!`](crate::buckets!) and the `const fn`
//! helpers [`linear_buckets`] and [`exponential_buckets`].

use core::fmt;

use crate::exemplar::{BucketCells, BucketExemplarCells};
use crate::number::Number;
use crate::tally::Tally;

/// A set of finite, strictly increasing upper bounds. `+Inf` is implied.
///
/// Declare one with [`buckets!`](crate::buckets!), which checks the bounds at compile time.
/// The trait is sealed: a hand-written impl could give bounds that are unordered, NaN, or
/// that do not match its `Counts`, so only the macro and this crate's own sets implement it.
pub trait Buckets: __private::Sealed + 'static {
    /// The type of observed values and bounds (`f64` or `u64`).
    type Value: Number;
    /// The per-bucket tallies: `[Tally<Self::Value>; N]` with `N == BOUNDS.len()`.
    type Counts: BucketCounts<Self::Value>;
    /// The upper bounds, strictly increasing, finite.
    const BOUNDS: &'static [Self::Value];
}

/// Storage for one [`Tally`] (count and sum of the observations that fell in it) per finite
/// bucket. Implemented for `[Tally<V>; N]` only (sealed).
pub trait BucketCounts<V: Number>: __private::SealedCounts + Sync + 'static {
    /// Empty tallies.
    const INIT: Self;
    /// Number of tallies.
    const LEN: usize;
    /// One exemplar cell of `S` bytes per bucket, `+Inf` included (what a
    /// [`HistogramWithExemplars`](crate::HistogramWithExemplars) keeps; a
    /// [`Histogram`](crate::Histogram) has none).
    type Exemplars<const S: usize>: BucketExemplarCells<S>;
    /// The tallies.
    fn as_slice(&self) -> &[Tally<V>];
}

/// The seals of [`Buckets`] and [`BucketCounts`]. Not public API: [`buckets!`](crate::buckets!)
/// implements `Sealed` for the types it declares, after checking their bounds.
#[doc(hidden)]
pub mod __private {
    /// Implemented by [`buckets!`](crate::buckets!) and this crate's bucket sets.
    pub trait Sealed {}
    /// Implemented for `[Tally<V>; N]`.
    pub trait SealedCounts {}
    pub use crate::exemplar::{BucketCells, BucketExemplarCells};
}

impl<V: Number, const N: usize> __private::SealedCounts for [Tally<V>; N] {}

impl<V: Number, const N: usize> BucketCounts<V> for [Tally<V>; N] {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = [const { Tally::new() }; N];
    const LEN: usize = N;
    type Exemplars<const S: usize> = BucketCells<N, S>;
    #[inline]
    fn as_slice(&self) -> &[Tally<V>] {
        self
    }
}

/// Python's `prometheus_client` default buckets, in seconds: 0.005 to 10, then `+Inf`.
pub const DEFAULT_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// The Go client's `DefBuckets`, in seconds: 0.005 to 10, then `+Inf`.
pub const GO_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// [`DEFAULT_BUCKETS`], the buckets a [`Histogram`](crate::Histogram) has unless told
/// otherwise.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultBuckets;

impl __private::Sealed for DefaultBuckets {}

impl Buckets for DefaultBuckets {
    type Value = f64;
    type Counts = [Tally<f64>; 14];
    const BOUNDS: &'static [f64] = &DEFAULT_BUCKETS;
}

/// [`GO_BUCKETS`].
#[derive(Debug, Clone, Copy, Default)]
pub struct GoBuckets;

impl __private::Sealed for GoBuckets {}

impl Buckets for GoBuckets {
    type Value = f64;
    type Counts = [Tally<f64>; 11];
    const BOUNDS: &'static [f64] = &GO_BUCKETS;
}

/// `N` bounds `start, start + width, ...`.
pub const fn linear_buckets<const N: usize>(start: f64, width: f64) -> [f64; N] {
    let mut out = [0.0; N];
    let mut rest: &mut [f64] = &mut out;
    let mut i = 0;
    while let [b, more @ ..] = rest {
        *b = start + width * i as f64;
        i += 1;
        rest = more;
    }
    out
}

/// `N` bounds `start, start * factor, start * factor², ...`.
pub const fn exponential_buckets<const N: usize>(start: f64, factor: f64) -> [f64; N] {
    let mut out = [0.0; N];
    let mut rest: &mut [f64] = &mut out;
    let mut v = start;
    while let [b, more @ ..] = rest {
        *b = v;
        v *= factor;
        rest = more;
    }
    out
}

/// Why a set of bucket bounds was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BucketsError {
    /// No bounds at all (a histogram needs at least one finite bound).
    Empty,
    /// A bound is NaN or infinite (`+Inf` is implied, never listed).
    NotFinite,
    /// The bounds are not strictly increasing.
    NotIncreasing,
    /// `Counts` does not hold one counter per bound.
    CountsMismatch,
    /// An integer bound that a float cannot hold exactly (above 2^53): Prometheus reads `le`
    /// as a float, so it would read as its neighbour's.
    NotExact,
}

impl BucketsError {
    /// Panics with this error's description (a compile error in a `const`).
    #[track_caller]
    #[allow(clippy::panic)] // only reached through the documented compile-time check
    pub const fn fail(self) -> ! {
        match self {
            BucketsError::Empty => panic!("edgeprom: histogram buckets are empty"),
            BucketsError::NotFinite => panic!("edgeprom: histogram bucket bound is not finite"),
            BucketsError::NotIncreasing => {
                panic!("edgeprom: histogram buckets are not strictly increasing")
            }
            BucketsError::CountsMismatch => {
                panic!("edgeprom: Buckets::Counts must hold one counter per bound")
            }
            BucketsError::NotExact => panic!(
                "edgeprom: an integer bucket bound above 2^53 is not exactly a float, which Prometheus reads `le` as"
            ),
        }
    }
}

impl fmt::Display for BucketsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BucketsError::Empty => "histogram buckets are empty",
            BucketsError::NotFinite => "histogram bucket bound is NaN or infinite",
            BucketsError::NotIncreasing => "histogram buckets are not strictly increasing",
            BucketsError::CountsMismatch => "Buckets::Counts must hold one counter per bound",
            BucketsError::NotExact => {
                "an integer bucket bound above 2^53 is not exactly a float, which Prometheus reads `le` as"
            }
        })
    }
}

impl core::error::Error for BucketsError {}

/// Defines a `const fn` that checks float bounds of one width: at least one, finite, strictly
/// increasing. (`const fn`s cannot be generic over the float types.)
macro_rules! check_floats {
    ($(#[$doc:meta])* $name:ident, $t:ty) => {
        $(#[$doc])*
        pub const fn $name(bounds: &[$t]) -> Result<(), BucketsError> {
            let [first, tail @ ..] = bounds else {
                return Err(BucketsError::Empty);
            };
            let (mut prev, mut rest) = (first, tail);
            if !prev.is_finite() {
                return Err(BucketsError::NotFinite);
            }
            while let [b, more @ ..] = rest {
                if !b.is_finite() {
                    return Err(BucketsError::NotFinite);
                }
                if *b <= *prev {
                    return Err(BucketsError::NotIncreasing);
                }
                prev = b;
                rest = more;
            }
            Ok(())
        }
    };
}

check_floats!(
    /// Checks `f64` bounds: at least one, finite, strictly increasing.
    check_f64,
    f64
);
check_floats!(
    /// Checks `f32` bounds: at least one, finite, strictly increasing.
    check_f32,
    f32
);

/// Checks integer bounds: at least one, strictly increasing, each exactly a float (so that
/// distinct bounds stay distinct where `le` is read as a float).
pub const fn check_u64(bounds: &[u64]) -> Result<(), BucketsError> {
    let [first, tail @ ..] = bounds else {
        return Err(BucketsError::Empty);
    };
    let (mut prev, mut rest) = (first, tail);
    if !exactly_float(*prev) {
        return Err(BucketsError::NotExact);
    }
    while let [b, more @ ..] = rest {
        if !exactly_float(*b) {
            return Err(BucketsError::NotExact);
        }
        if *b <= *prev {
            return Err(BucketsError::NotIncreasing);
        }
        prev = b;
        rest = more;
    }
    Ok(())
}

/// Whether `v` is exactly an `f64` (below 2^64, which `as u64` would saturate back from).
const fn exactly_float(v: u64) -> bool {
    let f = v as f64;
    f < 18_446_744_073_709_551_616.0 && f as u64 == v
}

/// Declares a [`Buckets`] type whose bounds are checked at compile time.
///
/// ```
/// use edgeprom::{buckets, linear_buckets, Histogram, Metric};
/// buckets!(pub SizeBuckets: f64 = [64.0, 256.0, 1024.0]);
/// buckets!(TenthBuckets: [f64; 8] = linear_buckets(0.1, 0.1));
/// buckets!(Ticks: u64 = [1, 10, 100]);
/// static SIZES: Metric<Histogram<SizeBuckets>> = Metric::new("frame_bytes", "Frame sizes");
/// ```
///
/// Bounds out of order do not compile:
///
/// ```compile_fail
/// edgeprom::buckets!(Bad: f64 = [1.0, 0.5]);
/// ```
///
/// Nor do integer bounds a float cannot hold exactly (Prometheus reads `le` as a float):
///
/// ```compile_fail
/// edgeprom::buckets!(Bad: u64 = [9_007_199_254_740_992, 9_007_199_254_740_993]);
/// ```
///
/// And `Buckets` cannot be implemented by hand:
///
/// ```compile_fail
/// struct Mine;
/// impl edgeprom::Buckets for Mine {
///     type Value = f64;
///     type Counts = [edgeprom::Tally<f64>; 1];
///     const BOUNDS: &'static [f64] = &[f64::NAN, 1.0];
/// }
/// ```
#[macro_export]
macro_rules! buckets {
    ($(#[$m:meta])* $vis:vis $name:ident : f64 = [$($b:expr),+ $(,)?]) => {
        $crate::buckets!($(#[$m])* $vis $name: [f64; $crate::__count!($($b)+)] = [$($b),+]);
    };
    ($(#[$m:meta])* $vis:vis $name:ident : f32 = [$($b:expr),+ $(,)?]) => {
        $crate::buckets!($(#[$m])* $vis $name: [f32; $crate::__count!($($b)+)] = [$($b),+]);
    };
    ($(#[$m:meta])* $vis:vis $name:ident : u64 = [$($b:expr),+ $(,)?]) => {
        $crate::buckets!($(#[$m])* $vis $name: [u64; $crate::__count!($($b)+)] = [$($b),+]);
    };
    ($(#[$m:meta])* $vis:vis $name:ident : [f64; $n:expr] = $bounds:expr) => {
        $crate::buckets!(@def $(#[$m])* $vis $name, f64, $n, $bounds, check_f64);
    };
    ($(#[$m:meta])* $vis:vis $name:ident : [f32; $n:expr] = $bounds:expr) => {
        $crate::buckets!(@def $(#[$m])* $vis $name, f32, $n, $bounds, check_f32);
    };
    ($(#[$m:meta])* $vis:vis $name:ident : [u64; $n:expr] = $bounds:expr) => {
        $crate::buckets!(@def $(#[$m])* $vis $name, u64, $n, $bounds, check_u64);
    };
    (@def $(#[$m:meta])* $vis:vis $name:ident, $t:ty, $n:expr, $bounds:expr, $check:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, Default)]
        $vis struct $name;
        impl $crate::buckets::__private::Sealed for $name {}
        impl $crate::Buckets for $name {
            type Value = $t;
            type Counts = [$crate::Tally<$t>; $n];
            const BOUNDS: &'static [$t] = &{
                const B: [$t; $n] = $bounds;
                B
            };
        }
        const _: () = match $crate::buckets::$check(<$name as $crate::Buckets>::BOUNDS) {
            Ok(()) => (),
            Err(e) => e.fail(),
        };
    };
}

/// Counts token trees; used by [`buckets!`](crate::buckets!).
#[doc(hidden)]
#[macro_export]
macro_rules! __count {
    () => { 0usize };
    ($head:tt $($tail:tt)*) => { 1usize + $crate::__count!($($tail)*) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(linear_buckets::<4>(1.0, 0.5), [1.0, 1.5, 2.0, 2.5]);
        assert_eq!(exponential_buckets::<4>(1.0, 2.0), [1.0, 2.0, 4.0, 8.0]);
        assert_eq!(check_f64(&DEFAULT_BUCKETS), Ok(()));
        assert_eq!(check_f64(&GO_BUCKETS), Ok(()));
        assert_eq!(check_f64(&[]), Err(BucketsError::Empty));
        assert_eq!(check_f64(&[1.0, f64::NAN]), Err(BucketsError::NotFinite));
        assert_eq!(check_f64(&[f64::INFINITY]), Err(BucketsError::NotFinite));
        assert_eq!(check_f64(&[1.0, 1.0]), Err(BucketsError::NotIncreasing));
        assert_eq!(check_f32(&[0.1, 0.5]), Ok(()));
        assert_eq!(check_f32(&[1.0, f32::NAN]), Err(BucketsError::NotFinite));
        assert_eq!(check_f32(&[2.0, 1.0]), Err(BucketsError::NotIncreasing));
        assert_eq!(check_u64(&[3, 2]), Err(BucketsError::NotIncreasing));
        assert_eq!(check_u64(&[]), Err(BucketsError::Empty));
        assert_eq!(check_u64(&[1, 2]), Ok(()));
    }

    #[test]
    #[cfg_attr(miri, ignore)] // 10,000 values of integer arithmetic: slow under Miri
    fn integer_bounds_must_be_exact_floats() {
        const P53: u64 = 1 << 53;
        assert_eq!(check_u64(&[P53 - 1, P53]), Ok(()));
        // 2^53 + 1 reads as 2^53 where `le` is a float: it would collide with 2^53.
        assert_eq!(check_u64(&[P53, P53 + 1]), Err(BucketsError::NotExact));
        assert_eq!(check_u64(&[P53 + 1]), Err(BucketsError::NotExact));
        assert_eq!(check_u64(&[P53, P53 + 2, 1 << 60]), Ok(()));
        assert_eq!(check_u64(&[u64::MAX]), Err(BucketsError::NotExact));
        // Every accepted pair of neighbours stays distinct as floats.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let (a, b) = (x >> (x % 64), (x >> (x % 64)).wrapping_add(x % 4096));
            if a < b && check_u64(&[a, b]).is_ok() {
                assert!((a as f64) < (b as f64), "{a} {b}");
            }
        }
    }

    crate::buckets!(Three: f64 = [1.0, 2.0, 3.0]);
    crate::buckets!(Lin: [f64; 5] = linear_buckets(0.0, 2.0));
    crate::buckets!(Ints: u64 = [10, 20]);

    #[test]
    fn macro_declares_buckets() {
        assert_eq!(Three::BOUNDS, &[1.0, 2.0, 3.0]);
        assert_eq!(<Three as Buckets>::Counts::LEN, 3);
        assert_eq!(Lin::BOUNDS, &[0.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(Ints::BOUNDS, &[10, 20]);
    }
}
