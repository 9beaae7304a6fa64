//! The digits of an `f32` on bare metal: free-format digit generation (Steele & White, "How to
//! print floating-point numbers accurately", 1990; Burger & Dybvig, "Printing floating-point
//! numbers quickly and accurately", 1996) in exact integer arithmetic over 192 bits, the most
//! an `f32` needs. Digits are generated one at a time until the number written so far, or the
//! next one up, lies within half a unit in the last place of the value: the shortest digits
//! that read back as the value, and of two such the nearer (an exact tie to the even one), as
//! Ryū writes them. No tables, and a few hundred bytes of code.

use core::cmp::Ordering;

use super::{BIAS, MANTISSA_BITS};

/// 32-bit words: `4 * (2^24 - 1) * 10^47 < 2^182`, the largest number below.
const WORDS: usize = 6;

/// An unsigned integer of `32 * WORDS` bits, least significant word first.
///
/// Its operations are out of line: one copy of each loop, however many times the digit
/// generation uses it (inlined, they would be unrolled at every use).
#[derive(Clone, Copy)]
struct Big([u32; WORDS]);

impl Big {
    /// `v * 2^shift`, for `shift < 32 * (WORDS - 1)`.
    #[inline(never)]
    fn shl(v: u32, shift: u32) -> Big {
        let at = (shift / 32) as usize;
        let wide = u64::from(v) << (shift % 32);
        // Word by word (no call to clear the array first).
        Big(core::array::from_fn(|i| match i.wrapping_sub(at) {
            0 => wide as u32,
            1 => (wide >> 32) as u32,
            _ => 0,
        }))
    }

    /// `self * 10^n`.
    ///
    /// In 16-bit halves, so that each product fits 32 bits: no 64-bit multiplication
    /// routine on a core without a 32x32->64 multiply (Cortex-M0).
    #[inline(never)]
    fn mul_pow10(&mut self, n: u32) {
        for _ in 0..n {
            let mut carry = 0u32;
            for x in &mut self.0 {
                let lo = (*x & 0xffff) * 10 + carry;
                let hi = (*x >> 16) * 10 + (lo >> 16);
                *x = (hi << 16) | (lo & 0xffff);
                carry = hi >> 16;
            }
        }
    }

    /// How `self + o * 2^double` compares with `than` (the sum is not kept: the digit loop
    /// only asks this, and the upper gap, twice the lower one or equal, is not kept either).
    #[inline(never)]
    fn sum_cmp(&self, o: &Big, double: u32, than: &Big) -> Ordering {
        let mut sum = *self;
        let (mut carry, mut spill) = (false, 0u32);
        for (a, b) in sum.0.iter_mut().zip(&o.0) {
            // `b` shifted left by `double` (0 or 1) bits, the bit shifted out carried along.
            let shifted = (*b << double) | spill;
            spill = if double == 0 { 0 } else { *b >> 31 };
            let (s, c1) = a.overflowing_add(shifted);
            let (s, c2) = s.overflowing_add(u32::from(carry));
            *a = s;
            carry = c1 | c2;
        }
        sum.cmp(than)
    }

    /// `self - o`, for `o <= self`.
    #[inline(never)]
    fn sub_assign(&mut self, o: &Big) {
        let mut borrow = false;
        for (a, b) in self.0.iter_mut().zip(&o.0) {
            let (d, b1) = a.overflowing_sub(*b);
            let (d, b2) = d.overflowing_sub(u32::from(borrow));
            *a = d;
            borrow = b1 | b2;
        }
    }

    #[inline(never)]
    fn cmp(&self, o: &Big) -> Ordering {
        self.0.iter().rev().cmp(o.0.iter().rev())
    }
}

/// The shortest decimal digits, and their exponent of ten, of the finite, non-zero float with
/// these fields.
pub(super) fn shortest(ieee_mantissa: u32, ieee_exponent: u32) -> (u32, i32) {
    let (f, e) = if ieee_exponent == 0 {
        (ieee_mantissa, 1 - BIAS - MANTISSA_BITS as i32)
    } else {
        let e = ieee_exponent as i32 - BIAS - MANTISSA_BITS as i32;
        (ieee_mantissa | (1 << MANTISSA_BITS), e)
    };
    // The value is f * 2^e. An even f's halfway points read back as it (round half to even).
    let even = f & 1 == 0;
    // At a power of two the gap below is half the gap above (not at the smallest normal,
    // whose neighbour below is the largest subnormal).
    let u = u32::from(ieee_mantissa == 0 && ieee_exponent > 1);
    // value = r / s; the halfway points to its neighbours are (r - m) / s below and
    // (r + m * 2^u) / s above.
    let (mut r, mut s, mut m) = if e >= 0 {
        let e = e as u32;
        (Big::shl(f, e + 1 + u), Big::shl(1, 1 + u), Big::shl(1, e))
    } else {
        let n = e.unsigned_abs();
        (Big::shl(f, 1 + u), Big::shl(1, n + 1 + u), Big::shl(1, 0))
    };
    // Scale by 10^-k so that r / s < 1: from floor(log10(2^p)) with 2^p <= value, at or below
    // the k wanted (the multiplier is below log10(2), and one is taken off for negative p,
    // where that could round up; p is the exponent of f's top bit, or for a subnormal the
    // lowest it can be, which needs no count of leading zeros), then up to the smallest k that
    // puts the upper halfway point below 10^k, so that the first digit is the leading one.
    let p = e + if ieee_exponent == 0 {
        0
    } else {
        MANTISSA_BITS as i32
    };
    let mut k = ((p * 78_913) >> 18) - i32::from(p < 0);
    if k >= 0 {
        s.mul_pow10(k as u32);
    } else {
        let n = k.unsigned_abs();
        r.mul_pow10(n);
        m.mul_pow10(n);
    }
    loop {
        let high = r.sum_cmp(&m, u, &s);
        if high == Ordering::Less || (high == Ordering::Equal && !even) {
            break;
        }
        s.mul_pow10(1);
        k += 1;
    }
    let mut digits = 0u32;
    loop {
        r.mul_pow10(1);
        m.mul_pow10(1);
        k -= 1;
        let mut d = 0u32;
        while r.cmp(&s) != Ordering::Less {
            r.sub_assign(&s);
            d += 1;
        }
        // Whether `digits d` (low) or `digits (d+1)` (high) lies within the halfway points.
        let low = match r.cmp(&m) {
            Ordering::Less => true,
            Ordering::Equal => even,
            Ordering::Greater => false,
        };
        let high = match r.sum_cmp(&m, u, &s) {
            Ordering::Greater => true,
            Ordering::Equal => even,
            Ordering::Less => false,
        };
        let up = match (low, high) {
            (false, false) => {
                digits = digits.wrapping_mul(10).wrapping_add(d);
                continue;
            }
            (true, false) => false,
            (false, true) => true,
            // Both: the nearer, and of two equally near the even one.
            (true, true) => match r.sum_cmp(&r, 0, &s) {
                Ordering::Less => false,
                Ordering::Greater => true,
                Ordering::Equal => d & 1 == 1,
            },
        };
        digits = digits
            .wrapping_mul(10)
            .wrapping_add(d)
            .wrapping_add(u32::from(up));
        break;
    }
    // No trailing zero: a last digit of 0, or a carry from 9 + 1 (19 -> 20), would be the
    // number of one digit less, which the step before would have taken.
    (digits, k)
}
