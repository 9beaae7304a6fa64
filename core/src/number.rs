//! The value types metrics are generic over (`u64`, `i64`, `f64`), their atomics, and how they
//! are written in the exposition formats.

use core::fmt::{self, Write};
use core::time::Duration;

use portable_atomic::{AtomicF64, AtomicI64, AtomicU64, Ordering};

mod sealed {
    pub trait Sealed {}
    impl Sealed for u64 {}
    impl Sealed for i64 {}
    impl Sealed for f64 {}
}

/// A value a metric can hold: `u64`, `i64` or `f64`. Sealed.
pub trait Number: sealed::Sealed + Copy + PartialOrd + Send + Sync + fmt::Debug + 'static {
    /// The atomic cell holding a value of this type.
    type Atomic: Send + Sync;
    /// A zeroed atomic, for `const` construction.
    #[allow(clippy::declare_interior_mutable_const)] // a fresh atomic per use is the intent
    const ZERO_ATOMIC: Self::Atomic;
    /// Zero.
    const ZERO: Self;
    /// One.
    const ONE: Self;
    /// Reads the atomic.
    fn load(a: &Self::Atomic) -> Self;
    /// Writes the atomic.
    fn store(a: &Self::Atomic, v: Self);
    /// Adds to the atomic, wrapping on integer overflow.
    fn add(a: &Self::Atomic, v: Self);
    /// Subtracts from the atomic, wrapping on integer overflow.
    fn sub(a: &Self::Atomic, v: Self);
    /// The value as a sample value.
    fn sample(self) -> SampleValue;
    /// Whether the value is a finite number (always true for integers).
    fn is_finite(self) -> bool;
    /// Whether the value is negative.
    fn is_negative(self) -> bool;
    /// Writes the canonical form used in `le` and `quantile` labels (`1.0`, `0.005`, `+Inf`).
    fn write_canonical(self, out: &mut dyn Write) -> fmt::Result;
    /// Converts a duration, saturating (whole seconds for integers).
    fn from_duration(d: Duration) -> Self;
    /// The value as the 64 bits a [`Tally`](crate::Tally) keeps its sum in: the integer's
    /// two's complement, or the float's IEEE 754 bits.
    fn to_sum_bits(self) -> u64;
    /// The value back from [`to_sum_bits`](Self::to_sum_bits).
    fn from_sum_bits(bits: u64) -> Self;
    /// `sum + self` in that bit form: a wrapping add for integers, a float add for `f64`.
    fn add_to_sum_bits(self, sum: u64) -> u64;
}

impl Number for u64 {
    type Atomic = AtomicU64;
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO_ATOMIC: AtomicU64 = AtomicU64::new(0);
    const ZERO: u64 = 0;
    const ONE: u64 = 1;
    #[inline]
    fn load(a: &AtomicU64) -> u64 {
        a.load(Ordering::Relaxed)
    }
    #[inline]
    fn store(a: &AtomicU64, v: u64) {
        a.store(v, Ordering::Relaxed)
    }
    #[inline]
    fn add(a: &AtomicU64, v: u64) {
        a.fetch_add(v, Ordering::Relaxed);
    }
    #[inline]
    fn sub(a: &AtomicU64, v: u64) {
        a.fetch_sub(v, Ordering::Relaxed);
    }
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
    fn write_canonical(self, out: &mut dyn Write) -> fmt::Result {
        out.write_str(itoa::Buffer::new().format(self))?;
        out.write_str(".0")
    }
    fn from_duration(d: Duration) -> u64 {
        d.as_secs()
    }
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
        sum.wrapping_add(self)
    }
}

impl Number for i64 {
    type Atomic = AtomicI64;
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO_ATOMIC: AtomicI64 = AtomicI64::new(0);
    const ZERO: i64 = 0;
    const ONE: i64 = 1;
    #[inline]
    fn load(a: &AtomicI64) -> i64 {
        a.load(Ordering::Relaxed)
    }
    #[inline]
    fn store(a: &AtomicI64, v: i64) {
        a.store(v, Ordering::Relaxed)
    }
    #[inline]
    fn add(a: &AtomicI64, v: i64) {
        a.fetch_add(v, Ordering::Relaxed);
    }
    #[inline]
    fn sub(a: &AtomicI64, v: i64) {
        a.fetch_sub(v, Ordering::Relaxed);
    }
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
    fn write_canonical(self, out: &mut dyn Write) -> fmt::Result {
        out.write_str(itoa::Buffer::new().format(self))?;
        out.write_str(".0")
    }
    fn from_duration(d: Duration) -> i64 {
        i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
    }
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
        // Two's complement: adding the bit patterns is the wrapping signed add.
        sum.wrapping_add(self as u64)
    }
}

impl Number for f64 {
    type Atomic = AtomicF64;
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO_ATOMIC: AtomicF64 = AtomicF64::new(0.0);
    const ZERO: f64 = 0.0;
    const ONE: f64 = 1.0;
    #[inline]
    fn load(a: &AtomicF64) -> f64 {
        a.load(Ordering::Relaxed)
    }
    #[inline]
    fn store(a: &AtomicF64, v: f64) {
        a.store(v, Ordering::Relaxed)
    }
    #[inline]
    fn add(a: &AtomicF64, v: f64) {
        a.fetch_add(v, Ordering::Relaxed);
    }
    #[inline]
    fn sub(a: &AtomicF64, v: f64) {
        a.fetch_sub(v, Ordering::Relaxed);
    }
    #[inline]
    fn sample(self) -> SampleValue {
        SampleValue::Float(self)
    }
    fn is_finite(self) -> bool {
        f64::is_finite(self)
    }
    fn is_negative(self) -> bool {
        self < 0.0
    }
    fn write_canonical(self, out: &mut dyn Write) -> fmt::Result {
        write_f64(out, self)
    }
    fn from_duration(d: Duration) -> f64 {
        d.as_secs_f64()
    }
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

/// One sample's value, as the encoders write it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SampleValue {
    /// An unsigned integer, written without a decimal point.
    Unsigned(u64),
    /// A signed integer, written without a decimal point.
    Signed(i64),
    /// A float, written in its shortest round-trip form, `NaN`, `+Inf` or `-Inf`.
    Float(f64),
    /// A Unix timestamp (a `_created` sample), written in seconds with up to 9 decimals.
    Timestamp(Duration),
}

impl SampleValue {
    /// Writes the value in exposition syntax (identical in both formats).
    pub fn write_to(self, out: &mut dyn Write) -> fmt::Result {
        match self {
            SampleValue::Unsigned(v) => out.write_str(itoa::Buffer::new().format(v)),
            SampleValue::Signed(v) => out.write_str(itoa::Buffer::new().format(v)),
            SampleValue::Float(v) => write_f64(out, v),
            SampleValue::Timestamp(d) => write_timestamp(out, d),
        }
    }

    /// [`write_to`](Self::write_to) with the integers, by far the most common values, written
    /// through `out` directly (floats and timestamps go through `dyn Write` as before).
    #[inline]
    pub(crate) fn write_into<W: Write>(self, out: &mut W) -> fmt::Result {
        match self {
            SampleValue::Unsigned(v) => out.write_str(itoa::Buffer::new().format(v)),
            SampleValue::Signed(v) => out.write_str(itoa::Buffer::new().format(v)),
            SampleValue::Float(v) => write_f64(out, v),
            SampleValue::Timestamp(d) => write_timestamp(out, d),
        }
    }
}

/// Writes a float the way both exposition formats accept it: `NaN`, `+Inf`, `-Inf`, and
/// otherwise the shortest representation that round-trips (`5.0`, `0.005`, `1e20`), with a fast
/// path for whole numbers.
pub fn write_f64(out: &mut dyn Write, v: f64) -> fmt::Result {
    if v.is_nan() {
        return out.write_str("NaN");
    }
    if v.is_infinite() {
        return out.write_str(if v > 0.0 { "+Inf" } else { "-Inf" });
    }
    // Whole numbers below 1e16 print as `N.0`, exactly as ryu would, without its digit loop.
    // `as` saturates, and the comparison rejects anything that did not convert exactly.
    let i = v as i64;
    if i as f64 == v && (-1e16..1e16).contains(&v) && !(i == 0 && v.is_sign_negative()) {
        out.write_str(itoa::Buffer::new().format(i))?;
        return out.write_str(".0");
    }
    out.write_str(ryu::Buffer::new().format_finite(v))
}

/// Writes a Unix timestamp in seconds: `1795582621.77327` (trailing zeros trimmed, integers
/// without a decimal point). Integer arithmetic only.
pub fn write_timestamp(out: &mut dyn Write, d: Duration) -> fmt::Result {
    out.write_str(itoa::Buffer::new().format(d.as_secs()))?;
    let nanos = d.subsec_nanos();
    if nanos == 0 {
        return Ok(());
    }
    // Nine digits, zero-padded, then trailing zeros trimmed.
    let mut digits = [b'0'; 9];
    let mut n = nanos;
    for d in digits.iter_mut().rev() {
        *d = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let len = digits.iter().rposition(|d| *d != b'0').map_or(0, |i| i + 1);
    let frac = digits.get(..len).ok_or(fmt::Error)?;
    out.write_str(".")?;
    // Only ASCII digits were written.
    out.write_str(core::str::from_utf8(frac).map_err(|_| fmt::Error)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use heapless::String;

    fn f(v: f64) -> String<40> {
        let mut s = String::new();
        write_f64(&mut s, v).unwrap();
        s
    }

    #[test]
    fn floats() {
        assert_eq!(f(5.0), "5.0");
        assert_eq!(f(0.0), "0.0");
        assert_eq!(f(-0.0), "-0.0");
        assert_eq!(f(-3.0), "-3.0");
        assert_eq!(f(0.005), "0.005");
        assert_eq!(f(2.5), "2.5");
        assert_eq!(f(1.6), "1.6");
        assert_eq!(f(1e20), "1e20");
        assert_eq!(f(1e-7), "1e-7");
        assert_eq!(f(9007199254740993.0), "9007199254740992.0");
        assert_eq!(f(1795582621.7732701), "1795582621.7732701");
        assert_eq!(f(f64::NAN), "NaN");
        assert_eq!(f(f64::INFINITY), "+Inf");
        assert_eq!(f(f64::NEG_INFINITY), "-Inf");
        // The fast path and ryu agree wherever the fast path applies.
        for v in [1.0, 10.0, 123456789.0, -42.0, 9999999999999998.0] {
            assert_eq!(f(v), ryu::Buffer::new().format_finite(v), "{v}");
        }
    }

    #[test]
    fn canonical_and_integers() {
        let mut s: String<40> = String::new();
        7u64.write_canonical(&mut s).unwrap();
        assert_eq!(s, "7.0");
        s.clear();
        (-7i64).write_canonical(&mut s).unwrap();
        assert_eq!(s, "-7.0");
        s.clear();
        SampleValue::Unsigned(u64::MAX).write_to(&mut s).unwrap();
        assert_eq!(s, "18446744073709551615");
        s.clear();
        SampleValue::Signed(-5).write_to(&mut s).unwrap();
        assert_eq!(s, "-5");
    }

    #[test]
    fn timestamps() {
        let t = |d: Duration| {
            let mut s: String<40> = String::new();
            write_timestamp(&mut s, d).unwrap();
            s
        };
        assert_eq!(
            t(Duration::new(1_795_582_621, 773_270_000)),
            "1795582621.77327"
        );
        assert_eq!(t(Duration::new(12, 0)), "12");
        assert_eq!(t(Duration::new(0, 1)), "0.000000001");
        assert_eq!(t(Duration::new(3, 500_000_000)), "3.5");
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
            i64::MIN
        );
        assert_eq!(u64::from_sum_bits(3u64.add_to_sum_bits(u64::MAX)), 2);
    }
}
