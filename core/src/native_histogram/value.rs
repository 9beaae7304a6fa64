//! [`NativeValue`]: the value types a [`NativeHistogram`](super::NativeHistogram) observes,
//! and where each value goes (zero bucket, or a positive or negative magnitude).

use super::index::Mag;
use crate::number::{Number, SumBits};

/// Where an observation goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Zero (or, after comparing with the threshold, within it).
    Zero,
    /// Above zero, of this magnitude.
    Pos(Mag),
    /// Below zero, of this magnitude.
    Neg(Mag),
}

mod sealed {
    pub trait Sealed {
        /// The sign and magnitude of a finite value.
        fn place(self) -> super::Place;
    }
}

/// A value type of [`NativeHistogram`](super::NativeHistogram): `f64`, `f32`, `u64` and
/// `i64`. Sealed: each splits its values into sign and magnitude with integer operations
/// only, so that an integer histogram links no float code.
pub trait NativeValue: Number + SumBits + sealed::Sealed {
    /// Whether the type has values below zero.
    const SIGNED: bool;
}

/// A float type's `place`: its magnitude from its bits, its sign from the top bit.
macro_rules! float_place {
    ($ty:ty, $mag:ident, $top:expr) => {
        impl sealed::Sealed for $ty {
            #[inline]
            fn place(self) -> Place {
                let bits = self.to_bits();
                match Mag::$mag(bits) {
                    None => Place::Zero,
                    Some(m) if bits >> $top == 1 => Place::Neg(m),
                    Some(m) => Place::Pos(m),
                }
            }
        }
        impl NativeValue for $ty {
            const SIGNED: bool = true;
        }
    };
}

float_place!(f64, of_f64_bits, 63);
float_place!(f32, of_f32_bits, 31);

impl sealed::Sealed for u64 {
    #[inline]
    fn place(self) -> Place {
        match Mag::of_u64(self) {
            None => Place::Zero,
            Some(m) => Place::Pos(m),
        }
    }
}
impl NativeValue for u64 {
    const SIGNED: bool = false;
}

impl sealed::Sealed for i64 {
    #[inline]
    fn place(self) -> Place {
        match Mag::of_u64(self.unsigned_abs()) {
            None => Place::Zero,
            Some(m) if self < 0 => Place::Neg(m),
            Some(m) => Place::Pos(m),
        }
    }
}
impl NativeValue for i64 {
    const SIGNED: bool = true;
}

/// Where `v` goes with a zero bucket of magnitudes up to `threshold` (none: only zero).
#[inline]
pub(super) fn place<V: NativeValue>(v: V, threshold: Option<Mag>) -> Place {
    match (sealed::Sealed::place(v), threshold) {
        (Place::Pos(m) | Place::Neg(m), Some(t)) if m <= t => Place::Zero,
        (p, _) => p,
    }
}
