//! [`Tally`]: a count of observations and their sum in one 128-bit atomic, so that every read
//! gives a count and a sum of the same observations.

use core::fmt;
use core::marker::PhantomData;

use crate::sync::{AtomicU128, Ordering};

use crate::number::Number;

/// A count of observations and their sum, updated together by one atomic add (integers) or
/// compare-and-swap (floats) on a 128-bit atomic: the count in the low 64 bits, the sum in the high 64 bits (in the form of
/// [`SumBits::to_sum_bits`](crate::SumBits::to_sum_bits)). One load gives a count and a sum that belong to the same
/// observations. Each bucket of a [`Histogram`](crate::Histogram) and each
/// [`Summary`](crate::Summary) is one `Tally`, which is what keeps their documents consistent
/// while other threads observe.
///
/// Lock-free wherever the target has a 128-bit compare-and-swap (x86_64 with `cmpxchg16b`,
/// detected at run time, aarch64 and others: see [`is_lock_free`](Self::is_lock_free));
/// elsewhere `portable-atomic`'s fallback serves it like the 64-bit atomics of 32-bit cores.
///
/// The value type `V` is part of the type, so every call on one tally uses the same one.
///
/// ```
/// use edgeprom::Tally;
/// let t: Tally<f64> = Tally::new();
/// t.add(1.5);
/// t.add(2.0);
/// assert_eq!(t.get(), (2, 3.5));
/// ```
pub struct Tally<V: Number>(AtomicU128, PhantomData<V>);

impl<V: Number> Tally<V> {
    /// No observations, and a zero sum (`0`, or `0.0` whose bits are zero too).
    pub const fn new() -> Self {
        Tally(AtomicU128::new(0), PhantomData)
    }

    /// Counts one observation of `v` and adds it to the sum (saturating for integers: a sum
    /// never wraps), by one compare-and-swap of both halves.
    #[inline]
    pub fn add(&self, v: V) {
        let mut cur = self.0.load(Ordering::Relaxed);
        loop {
            let count = (cur as u64).wrapping_add(1);
            let sum = v.add_to_sum_bits((cur >> 64) as u64);
            let new = (u128::from(sum) << 64) | u128::from(count);
            match self
                .0
                .compare_exchange_weak(cur, new, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }

    /// The count and the sum, read together by one atomic load.
    #[inline]
    pub fn get(&self) -> (u64, V) {
        let cur = self.0.load(Ordering::Relaxed);
        (cur as u64, V::from_sum_bits((cur >> 64) as u64))
    }

    /// Whether this target updates a tally without a lock (on x86_64 this depends on the CPU
    /// and is detected at run time).
    pub fn is_lock_free() -> bool {
        AtomicU128::is_lock_free()
    }
}

impl<V: Number> Default for Tally<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V: Number> fmt::Debug for Tally<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cur = self.0.load(Ordering::Relaxed);
        f.debug_struct("Tally")
            .field("count", &(cur as u64))
            .field("sum_bits", &format_args!("{:#018x}", (cur >> 64) as u64))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_sums_together() {
        let t: Tally<f64> = Tally::new();
        assert_eq!(t.get(), (0, 0.0));
        t.add(0.5);
        t.add(-2.0);
        assert_eq!(t.get(), (2, -1.5));
        let i = Tally::default();
        i.add(-3i64);
        i.add(1i64);
        assert_eq!(i.get(), (2, -2));
        let u = Tally::new();
        u.add(u64::MAX);
        u.add(2u64);
        assert_eq!(
            u.get(),
            (2, u64::MAX),
            "the sum saturates without touching the count"
        );
    }

    #[test]
    fn debug_shows_count() {
        let t: Tally<u64> = Tally::new();
        t.add(1);
        let mut s: heapless::String<64> = heapless::String::new();
        core::fmt::write(&mut s, format_args!("{t:?}")).unwrap();
        assert!(
            s.starts_with("Tally { count: 1, sum_bits: 0x0000000000000001"),
            "{s}"
        );
    }
}
