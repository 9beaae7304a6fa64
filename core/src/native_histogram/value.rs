//! [`NativeValue`]: the value types a [`NativeHistogram`](super::NativeHistogram) observes,
//! and where each value goes (zero bucket, or a positive or negative bucket).

use super::index::{bounds_below_bits, index8, Mag};
use crate::number::{Number, SumBits};

/// Where an observation goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Zero (or, after comparing with the threshold, within it).
    Zero,
    /// Above zero, in this bucket at schema 8 ([`index8`]).
    Pos(i32),
    /// Below zero, in this bucket at schema 8 (of the negative buckets).
    Neg(i32),
    /// Nowhere: NaN or infinite.
    NotFinite,
}

/// A histogram's zero threshold in the two forms a value is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Threshold {
    /// The threshold's `f64` bits (not negative, finite) shifted up by one (the sign bit,
    /// zero, dropped): an `f64` whose bits shifted so are at most these is within it, as the
    /// bits of non-negative floats are ordered as their values.
    pub(super) twice: u64,
    /// Its magnitude (none when it is zero: only zero is within it).
    pub(super) mag: Option<Mag>,
}

impl Threshold {
    /// `t` (not negative, finite) in both forms.
    pub(super) const fn new(t: f64) -> Threshold {
        Threshold {
            twice: t.to_bits() << 1,
            mag: Mag::of_f64_bits(t.to_bits()),
        }
    }

    /// The threshold.
    pub(super) const fn get(&self) -> f64 {
        f64::from_bits(self.twice >> 1)
    }
}

mod sealed {
    pub trait Sealed {
        /// Where a value goes with a zero bucket of magnitudes up to `zero`.
        fn place(self, zero: &super::Threshold) -> super::Place;
    }
}

/// A value type of [`NativeHistogram`](super::NativeHistogram): `f64`, `f32`, `u64` and
/// `i64`. Sealed: each splits its values into sign and magnitude with integer operations
/// only, so that an integer histogram links no float code.
pub trait NativeValue: Number + SumBits + sealed::Sealed {
    /// Whether the type has values below zero.
    const SIGNED: bool;
}

/// Where a value of magnitude `m` (none: zero) goes, below zero if `neg`.
#[inline]
fn by_magnitude(m: Option<Mag>, neg: bool, zero: &Threshold) -> Place {
    match (m, zero.mag) {
        (None, _) => Place::Zero,
        (Some(m), Some(t)) if m <= t => Place::Zero,
        (Some(m), _) if neg => Place::Neg(index8(m)),
        (Some(m), _) => Place::Pos(index8(m)),
    }
}

/// Where an `f64` of bits `bits` goes when it is NaN, infinite or subnormal (and not within
/// the zero threshold).
#[cold]
#[inline(never)]
fn rare_f64(bits: u64, zero: &Threshold) -> Place {
    if bits & !(1 << 63) >= 0x7ff0_0000_0000_0000 {
        return Place::NotFinite;
    }
    by_magnitude(Mag::of_f64_bits(bits), bits >> 63 == 1, zero)
}

impl sealed::Sealed for f64 {
    /// The common case in a few integer operations: a comparison of the magnitude's bits
    /// with the threshold's, and for a normal value its exponent and fraction straight from
    /// the bits (as [`Mag::of_f64_bits`], [`index8`]).
    #[inline]
    fn place(self, zero: &Threshold) -> Place {
        let bits = self.to_bits();
        let twice = bits << 1;
        if twice <= zero.twice {
            return Place::Zero;
        }
        let e = (twice >> 53) as u32;
        if e.wrapping_sub(1) >= 0x7fe {
            return rare_f64(bits, zero); // biased exponent 0 or 0x7ff
        }
        // `index8` of `frac * 2^exp` with `exp = e - 1022`, `frac` the mantissa below `HALF`.
        let i = ((e as i32 - 1023) << 8) + bounds_below_bits(bits << 12) as i32;
        if bits >> 63 == 1 {
            Place::Neg(i)
        } else {
            Place::Pos(i)
        }
    }
}
impl NativeValue for f64 {
    const SIGNED: bool = true;
}

impl sealed::Sealed for f32 {
    #[inline]
    fn place(self, zero: &Threshold) -> Place {
        let bits = self.to_bits();
        if bits & !(1 << 31) >= 0x7f80_0000 {
            return Place::NotFinite;
        }
        by_magnitude(Mag::of_f32_bits(bits), bits >> 31 == 1, zero)
    }
}
impl NativeValue for f32 {
    const SIGNED: bool = true;
}

impl sealed::Sealed for u64 {
    #[inline]
    fn place(self, zero: &Threshold) -> Place {
        by_magnitude(Mag::of_u64(self), false, zero)
    }
}
impl NativeValue for u64 {
    const SIGNED: bool = false;
}

impl sealed::Sealed for i64 {
    #[inline]
    fn place(self, zero: &Threshold) -> Place {
        by_magnitude(Mag::of_u64(self.unsigned_abs()), self < 0, zero)
    }
}
impl NativeValue for i64 {
    const SIGNED: bool = true;
}

/// Where `v` goes with a zero bucket of magnitudes up to `zero`.
#[inline]
pub(super) fn place<V: NativeValue>(v: V, zero: &Threshold) -> Place {
    sealed::Sealed::place(v, zero)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    /// An `f64`'s place by its magnitude, as every other type's.
    fn by_mag(v: f64, zero: &Threshold) -> Place {
        if !v.is_finite() {
            return Place::NotFinite;
        }
        let bits = v.to_bits();
        by_magnitude(Mag::of_f64_bits(bits), bits >> 63 == 1, zero)
    }

    #[test]
    fn an_f64_goes_where_its_magnitude_goes() {
        let thresholds = [
            0.0,
            5e-324,
            2.2250738585072014e-308,
            2.938735877055719e-39,
            1e-3,
            1.0,
            3.5,
            f64::MAX,
        ];
        let mut values = std::vec::Vec::new();
        for t in thresholds {
            for b in [t.to_bits(), t.to_bits() + 1, t.to_bits().saturating_sub(1)] {
                values.push(f64::from_bits(b));
            }
        }
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..if cfg!(miri) { 500 } else { 20_000 } {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(f64::from_bits(x));
            values.push(f64::from_bits(x >> 12)); // subnormals
            values.push(f64::from_bits(x >> 2));
        }
        values.extend([
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            2.0,
            1.5,
            f64::MIN_POSITIVE,
            -5e-324,
            f64::MAX,
        ]);
        values.extend([
            f64::INFINITY,
            f64::NAN,
            f64::from_bits(0x7ff0_0000_0000_0001),
        ]);
        for t in thresholds {
            let zero = Threshold::new(t);
            for v in values.iter().copied() {
                assert_eq!(
                    place(v, &zero),
                    by_mag(v, &zero),
                    "{v:e} with threshold {t:e}"
                );
                assert_eq!(
                    place(-v, &zero),
                    by_mag(-v, &zero),
                    "{:e} with threshold {t:e}",
                    -v
                );
                assert_eq!(place(v, &zero) == Place::Zero, v.abs() <= t, "{v:e} {t:e}");
                assert_eq!(place(v, &zero) == Place::NotFinite, !v.is_finite(), "{v:e}");
            }
        }
        for v in [f32::INFINITY, f32::NEG_INFINITY, f32::NAN] {
            assert_eq!(place(v, &Threshold::new(1.0)), Place::NotFinite);
        }
    }
}
