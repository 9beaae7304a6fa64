//! The value types metrics are generic over (`u64`, `i64`, `f64`, `f32`): [`Number`], made of three
//! small parts, each for one user: [`AtomicNumber`] (the atomic cell a metric keeps a value
//! in), [`SumBits`] (the 64 bits a [`Tally`](crate::Tally) keeps a sum in) and the encoder's
//! sealed formatting trait (how the value is written, chosen at compile time).

use core::fmt::{self, Write};
use core::time::Duration;

use portable_atomic::{AtomicF32, AtomicF64, AtomicI64, AtomicU64, Ordering};

use crate::encode::value::sealed::WriteValue;
use crate::encode::value::write_canonical;
use crate::encode::SampleValue;
use crate::f32_add::add_f32;

/// A value a metric can hold: `u64`, `i64`, `f64` or `f32`. Sealed (through its formatting part).
pub trait Number:
    WriteValue + AtomicNumber + SumBits + PartialOrd + Send + Sync + fmt::Debug + 'static
{
    /// Zero.
    const ZERO: Self;
    /// One.
    const ONE: Self;
    /// The value as a sample value.
    fn sample(self) -> SampleValue;
    /// Whether the value is a finite number (always true for integers).
    fn is_finite(self) -> bool;
    /// Whether the value is negative.
    fn is_negative(self) -> bool;
    /// Whether `self < other`, for values that are not NaN (a histogram's bucket search).
    #[inline]
    fn less(self, other: Self) -> bool {
        self < other
    }
    /// Converts a duration, saturating (whole seconds for integers).
    fn from_duration(d: Duration) -> Self;
    /// Writes the canonical form used in `le` and `quantile` labels (`1.0`, `0.005`, `+Inf`).
    fn write_canonical(self, out: &mut dyn Write) -> fmt::Result {
        write_canonical(self, out)
    }
}

/// The atomic cell a metric keeps a value of this type in.
pub trait AtomicNumber: Copy {
    /// The atomic cell.
    type Atomic: Send + Sync;
    /// A zeroed atomic, for `const` construction.
    #[allow(clippy::declare_interior_mutable_const)] // a fresh atomic per use is the intent
    const ZERO_ATOMIC: Self::Atomic;
    /// Reads the atomic.
    fn load(a: &Self::Atomic) -> Self;
    /// Writes the atomic.
    fn store(a: &Self::Atomic, v: Self);
    /// Adds to the atomic, wrapping on integer overflow.
    fn add(a: &Self::Atomic, v: Self);
    /// Subtracts from the atomic, wrapping on integer overflow.
    fn sub(a: &Self::Atomic, v: Self);
}

/// A value as the 64 bits a [`Tally`](crate::Tally) keeps its sum in: the integer's two's
/// complement, or the float's IEEE 754 bits.
pub trait SumBits: Copy {
    /// The value's bits.
    fn to_sum_bits(self) -> u64;
    /// The value back from [`to_sum_bits`](Self::to_sum_bits).
    fn from_sum_bits(bits: u64) -> Self;
    /// `sum + self` in that bit form: a saturating add for integers (a sum never wraps), a
    /// float add for `f64`.
    fn add_to_sum_bits(self, sum: u64) -> u64;
}

/// Implements [`AtomicNumber`] for a value type and its `portable-atomic` cell.
macro_rules! atomic_number {
    ($ty:ty, $atomic:ty, $zero:expr) => {
        impl AtomicNumber for $ty {
            type Atomic = $atomic;
            #[allow(clippy::declare_interior_mutable_const)]
            const ZERO_ATOMIC: $atomic = <$atomic>::new($zero);
            #[inline]
            fn load(a: &$atomic) -> $ty {
                a.load(Ordering::Relaxed)
            }
            #[inline]
            fn store(a: &$atomic, v: $ty) {
                a.store(v, Ordering::Relaxed)
            }
            #[inline]
            fn add(a: &$atomic, v: $ty) {
                a.fetch_add(v, Ordering::Relaxed);
            }
            #[inline]
            fn sub(a: &$atomic, v: $ty) {
                a.fetch_sub(v, Ordering::Relaxed);
            }
        }
    };
}

atomic_number!(u64, AtomicU64, 0);
atomic_number!(i64, AtomicI64, 0);
atomic_number!(f64, AtomicF64, 0.0);
impl AtomicNumber for f32 {
    type Atomic = AtomicF32;
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO_ATOMIC: AtomicF32 = AtomicF32::new(0.0);
    #[inline]
    fn load(a: &AtomicF32) -> f32 {
        a.load(Ordering::Relaxed)
    }
    #[inline]
    fn store(a: &AtomicF32, v: f32) {
        a.store(v, Ordering::Relaxed)
    }
    /// A compare-and-swap loop around `add_f32`: software addition on cores without a
    /// single-precision unit (see `f32_add.rs`), the hardware's elsewhere.
    #[inline]
    fn add(a: &AtomicF32, v: f32) {
        let _ = a.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |x| {
            Some(add_f32(x, v))
        });
    }
    #[inline]
    fn sub(a: &AtomicF32, v: f32) {
        Self::add(a, -v);
    }
}

/// The float value types, `f32` and `f64`: what timers observe (seconds) and what counters
/// and histograms of floats check for NaN and infinities. Sealed.
pub trait Float: Number {}
impl Float for f32 {}
impl Float for f64 {}

impl Number for f32 {
    const ZERO: f32 = 0.0;
    const ONE: f32 = 1.0;
    #[inline]
    fn sample(self) -> SampleValue {
        SampleValue::Float32(self)
    }
    fn is_finite(self) -> bool {
        f32::is_finite(self)
    }
    fn is_negative(self) -> bool {
        self.less(0.0)
    }
    /// On bare metal by the bits, ordered as integers: no floating-point compare routine
    /// (about 100 bytes of flash on a core without a unit for this width).
    #[cfg(edgeprom_small_code)]
    #[inline]
    fn less(self, other: f32) -> bool {
        /// Negative values' bits reversed below zero, both zeros at 0.
        fn key(v: f32) -> i32 {
            let bits = v.to_bits() as i32;
            if bits < 0 {
                i32::MIN.wrapping_sub(bits)
            } else {
                bits
            }
        }
        key(self) < key(other)
    }
    fn from_duration(d: Duration) -> f32 {
        d.as_secs_f32()
    }
}

impl SumBits for f32 {
    #[inline]
    fn to_sum_bits(self) -> u64 {
        u64::from(self.to_bits())
    }
    #[inline]
    fn from_sum_bits(bits: u64) -> f32 {
        f32::from_bits(bits as u32)
    }
    #[inline]
    fn add_to_sum_bits(self, sum: u64) -> u64 {
        u64::from(add_f32(f32::from_bits(sum as u32), self).to_bits())
    }
}

impl Number for u64 {
    const ZERO: u64 = 0;
    const ONE: u64 = 1;
    #[inline]
    fn sample(self) -> SampleValue {
        SampleValue::Unsigned(self)
    }
    fn is_finite(self) -> bool {
        true
    }
    fn is_negative(self) -> bool {
        false
    }
    fn from_duration(d: Duration) -> u64 {
        d.as_secs()
    }
}

impl SumBits for u64 {
    #[inline]
    fn to_sum_bits(self) -> u64 {
        self
    }
    #[inline]
    fn from_sum_bits(bits: u64) -> u64 {
        bits
    }
    #[inline]
    fn add_to_sum_bits(self, sum: u64) -> u64 {
        sum.saturating_add(self)
    }
}

impl Number for i64 {
    const ZERO: i64 = 0;
    const ONE: i64 = 1;
    #[inline]
    fn sample(self) -> SampleValue {
        SampleValue::Signed(self)
    }
    fn is_finite(self) -> bool {
        true
    }
    fn is_negative(self) -> bool {
        self < 0
    }
    fn from_duration(d: Duration) -> i64 {
        i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
    }
}

impl SumBits for i64 {
    #[inline]
    fn to_sum_bits(self) -> u64 {
        self as u64
    }
    #[inline]
    fn from_sum_bits(bits: u64) -> i64 {
        bits as i64
    }
    #[inline]
    fn add_to_sum_bits(self, sum: u64) -> u64 {
        (sum as i64).saturating_add(self) as u64
    }
}

impl Number for f64 {
    const ZERO: f64 = 0.0;
    const ONE: f64 = 1.0;
    #[inline]
    fn sample(self) -> SampleValue {
        SampleValue::Float(self)
    }
    fn is_finite(self) -> bool {
        f64::is_finite(self)
    }
    fn is_negative(self) -> bool {
        self.less(0.0)
    }
    /// On bare metal by the bits, ordered as integers: no floating-point compare routine
    /// (about 100 bytes of flash on a core without a unit for this width).
    #[cfg(edgeprom_small_code)]
    #[inline]
    fn less(self, other: f64) -> bool {
        /// Negative values' bits reversed below zero, both zeros at 0.
        fn key(v: f64) -> i64 {
            let bits = v.to_bits() as i64;
            if bits < 0 {
                i64::MIN.wrapping_sub(bits)
            } else {
                bits
            }
        }
        key(self) < key(other)
    }
    fn from_duration(d: Duration) -> f64 {
        d.as_secs_f64()
    }
}

impl SumBits for f64 {
    #[inline]
    fn to_sum_bits(self) -> u64 {
        self.to_bits()
    }
    #[inline]
    fn from_sum_bits(bits: u64) -> f64 {
        f64::from_bits(bits)
    }
    #[inline]
    fn add_to_sum_bits(self, sum: u64) -> u64 {
        (f64::from_bits(sum) + self).to_bits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        let mut s: heapless::String<40> = heapless::String::new();
        7u64.write_canonical(&mut s).unwrap();
        assert_eq!(s, "7.0");
        s.clear();
        (-7i64).write_canonical(&mut s).unwrap();
        assert_eq!(s, "-7.0");
    }

    #[test]
    fn less_agrees_with_the_float_order() {
        // Zeros of both signs, subnormals, neighbours of one, the extremes, infinities (the
        // bare-metal `less` compares bits; `cargo xtask test` runs this both ways).
        let f64s = [
            0.0,
            -0.0,
            f64::from_bits(1),
            -f64::from_bits(1),
            f64::MIN_POSITIVE,
            0.005,
            -0.25,
            1.0,
            f64::from_bits(1.0f64.to_bits() + 1),
            f64::from_bits(1.0f64.to_bits() - 1),
            -1.0,
            1e300,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for a in f64s {
            // (`f64` has a deprecated inherent `is_negative`, meaning the sign bit.)
            assert_eq!(Number::is_negative(a), a < 0.0, "{a:e}");
            for b in f64s {
                assert_eq!(a.less(b), a < b, "{a:e} < {b:e}");
                assert_eq!(
                    (a as f32).less(b as f32),
                    (a as f32) < (b as f32),
                    "{a:e} < {b:e} (f32)"
                );
            }
        }
        assert!(Number::is_negative(-f32::from_bits(1)) && !Number::is_negative(-0.0f32));
    }

    #[test]
    fn atomics() {
        let a = u64::ZERO_ATOMIC;
        u64::add(&a, 5);
        u64::sub(&a, 2);
        assert_eq!(u64::load(&a), 3);
        let b = f64::ZERO_ATOMIC;
        f64::add(&b, 1.5);
        f64::sub(&b, 0.25);
        assert_eq!(f64::load(&b), 1.25);
        let c = i64::ZERO_ATOMIC;
        i64::sub(&c, 4);
        assert_eq!(i64::load(&c), -4);
        assert!(!f64::NAN.is_finite());
        assert!((-1i64).is_negative());
        assert_eq!(f64::from_duration(Duration::from_millis(1500)), 1.5);
        assert_eq!(u64::from_duration(Duration::from_millis(1500)), 1);
    }

    #[test]
    fn sum_bits_round_trip_and_add() {
        for v in [0.0, -0.0, 1.5, -2.25, f64::MAX] {
            assert_eq!(f64::from_sum_bits(v.to_sum_bits()).to_bits(), v.to_bits());
        }
        assert_eq!(
            f64::from_sum_bits(0.25.add_to_sum_bits(1.5f64.to_sum_bits())),
            1.75
        );
        assert_eq!(
            i64::from_sum_bits((-7i64).add_to_sum_bits(5i64.to_sum_bits())),
            -2
        );
        assert_eq!(
            i64::from_sum_bits(1i64.add_to_sum_bits(i64::MAX.to_sum_bits())),
            i64::MAX,
            "saturates"
        );
        assert_eq!(
            i64::from_sum_bits((-1i64).add_to_sum_bits(i64::MIN.to_sum_bits())),
            i64::MIN
        );
        assert_eq!(u64::from_sum_bits(3u64.add_to_sum_bits(u64::MAX)), u64::MAX);
    }
}
