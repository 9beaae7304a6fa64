//! The value types metrics are generic over (`u64`, `i64`, `f64`), their atomics, and how they
//! are written in the exposition formats.

use core::fmt::{self, Write};
use core::time::Duration;

use portable_atomic::{AtomicF64, AtomicI64, AtomicU64, Ordering};

use self::sealed::Sealed as _;
use crate::encode::Out;

// `Sealed` is reachable as a supertrait of the public `Number`, but it cannot be named outside
// this crate, nor can its methods be called: their crate-private `Out` is intended.
#[allow(private_interfaces)]
pub(crate) mod sealed {
    use crate::encode::Out;

    /// What the encoder needs of a [`Number`](super::Number), chosen at compile time: a
    /// firmware with integer metrics only never links the float formatting.
    pub trait Sealed: Sized {
        /// Whether this is `f64` (whose bucket bounds are worth formatting only once).
        const FLOAT: bool;
        /// Writes the value as a sample value.
        fn put(self, out: &mut Out<'_>);
        /// Writes the canonical form used in `le` and `quantile` labels: an integer with `.0`.
        fn put_canonical(self, out: &mut Out<'_>) {
            self.put(out);
            out.put(".0");
        }
    }

    impl Sealed for u64 {
        const FLOAT: bool = false;
        fn put(self, out: &mut Out<'_>) {
            super::put_u64(out, self)
        }
    }

    impl Sealed for i64 {
        const FLOAT: bool = false;
        fn put(self, out: &mut Out<'_>) {
            super::put_i64(out, self)
        }
    }

    impl Sealed for f64 {
        const FLOAT: bool = true;
        fn put(self, out: &mut Out<'_>) {
            super::put_f64(out, self)
        }
        fn put_canonical(self, out: &mut Out<'_>) {
            super::put_f64(out, self)
        }
    }
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
        let mut out = Out::new(out);
        self.put_canonical(&mut out);
        out.status()
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
        let mut out = Out::new(out);
        self.put_canonical(&mut out);
        out.status()
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
        let mut out = Out::new(out);
        self.put_canonical(&mut out);
        out.status()
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
        let mut out = Out::new(out);
        self.put(&mut out);
        out.status()
    }

    /// [`write_to`](Self::write_to) into an encoder's output. The encoder's own metrics write
    /// their values through [`Sealed::put`] instead, so that a firmware without floats never
    /// links the float formatting this `match` refers to.
    pub(crate) fn put(self, out: &mut Out<'_>) {
        match self {
            SampleValue::Unsigned(v) => put_u64(out, v),
            SampleValue::Signed(v) => put_i64(out, v),
            SampleValue::Float(v) => put_f64(out, v),
            SampleValue::Timestamp(d) => put_timestamp(out, d),
        }
    }
}

/// Writes `v`'s decimal digits.
#[cfg_attr(not(edgeprom_small_code), inline)]
pub(crate) fn put_u64(out: &mut Out<'_>, v: u64) {
    // 64-bit hosts divide 64-bit integers in hardware: itoa, two digits at a time.
    #[cfg(target_pointer_width = "64")]
    {
        out.put(itoa::Buffer::new().format(v));
    }
    #[cfg(not(target_pointer_width = "64"))]
    {
        put_u64_by_subtraction(out, v)
    }
}

/// [`put_u64`] without any division, which 32-bit cores do for 64-bit integers (and
/// `thumbv6m` for any integer) in large runtime routines, and without a buffer to zero: each
/// digit counts how often its power of ten subtracts, most significant first.
#[cfg_attr(target_pointer_width = "64", allow(dead_code))] // tested on the host
pub(crate) fn put_u64_by_subtraction(out: &mut Out<'_>, v: u64) {
    let first = POW10
        .iter()
        .position(|p| *p <= v)
        .unwrap_or(POW10.len() - 1);
    put_digits(
        out,
        v,
        POW10.get(first..).unwrap_or_default(),
        false,
        usize::MAX,
    )
}

/// The powers of ten a `u64` has digits for, from the largest down to one.
pub(crate) const POW10: [u64; 20] = [
    10_000_000_000_000_000_000,
    1_000_000_000_000_000_000,
    100_000_000_000_000_000,
    10_000_000_000_000_000,
    1_000_000_000_000_000,
    100_000_000_000_000,
    10_000_000_000_000,
    1_000_000_000_000,
    100_000_000_000,
    10_000_000_000,
    1_000_000_000,
    100_000_000,
    10_000_000,
    1_000_000,
    100_000,
    10_000,
    1_000,
    100,
    10,
    1,
];

/// Writes the digits of `v` for the powers of ten `pows` (each digit below 10: `v` is less
/// than ten times the first), with a `.` before the digit at index `point`, stopping early
/// when `trim` is set and the rest are zeros.
pub(crate) fn put_digits(out: &mut Out<'_>, mut v: u64, pows: &[u64], trim: bool, point: usize) {
    for (i, p) in pows.iter().enumerate() {
        if i == point {
            out.put(".");
        }
        let mut d = b'0';
        while v >= *p {
            v -= *p;
            d += 1;
        }
        out.put_byte(d);
        if trim && v == 0 {
            break;
        }
    }
}

/// Writes `v`'s decimal digits, with a `-` when negative.
pub(crate) fn put_i64(out: &mut Out<'_>, v: i64) {
    if v < 0 {
        out.put("-");
    }
    put_u64(out, v.unsigned_abs());
}

pub(crate) use crate::shortest::put_f64;

/// [`put_f64`] into any writer.
#[cfg(test)]
pub(crate) fn write_f64(out: &mut dyn Write, v: f64) -> fmt::Result {
    let mut out = Out::new(out);
    put_f64(&mut out, v);
    out.status()
}

/// Writes a Unix timestamp in seconds: `1795582621.77327` (trailing zeros trimmed, integers
/// without a decimal point). Integer arithmetic only.
pub(crate) fn put_timestamp(out: &mut Out<'_>, d: Duration) {
    put_u64(out, d.as_secs());
    let nanos = d.subsec_nanos();
    if nanos == 0 {
        return;
    }
    out.put(".");
    // Nine digits, 10^8 down to 1, without the trailing zeros.
    let pows = POW10.get(POW10.len() - 9..).unwrap_or_default();
    put_digits(out, u64::from(nanos), pows, true, usize::MAX);
}

#[cfg(test)]
mod tests {
    extern crate std;

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
    // Hundreds of thousands of values through integer arithmetic only: far too slow under
    // Miri, and nothing in it (no atomics, no unsafe) that Miri would check.
    #[cfg_attr(miri, ignore)]
    fn digits_without_division() {
        let mut s = std::string::String::new();
        let mut check = |v: u64| {
            s.clear();
            put_u64_by_subtraction(&mut Out::new(&mut s), v);
            assert_eq!(s, std::format!("{v}"));
        };
        for v in [
            0,
            1,
            9,
            10,
            99,
            100,
            4_294_967_295,
            4_294_967_296,
            42_949_672_950,
        ] {
            check(v);
        }
        for shift in 0..64 {
            for delta in [0u64, 1, 7] {
                check((1u64 << shift).wrapping_sub(delta));
                check((1u64 << shift).wrapping_add(delta));
            }
        }
        for p in POW10 {
            check(p - 1);
            check(p);
            check(p + 1);
        }
        check(u64::MAX);
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            check(x);
            check(x >> (x % 64));
        }
    }

    #[test]
    fn timestamps() {
        let t = |d: Duration| {
            let mut s: String<40> = String::new();
            SampleValue::Timestamp(d).write_to(&mut s).unwrap();
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
