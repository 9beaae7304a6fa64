//! Ryū's 32-bit variant (Ulf Adams, 2018), with the powers of five of the `f64` formatter
//! ([`compute_pow5`]): the digits of an `f32` on hosts.

use super::super::float::{compute_pow5, log10_pow2, log10_pow5, pow5bits};
use super::{BIAS, MANTISSA_BITS};

/// The bits of the 64-bit high words of the `f64` tables that the 32-bit variant uses.
const POW5_BITCOUNT: i32 = 125 - 64;

/// `(m * factor) >> shift`, for `32 <= shift < 96`.
fn mul_shift32(m: u32, factor: u64, shift: u32) -> u32 {
    let lo = u64::from(m) * (factor & 0xffff_ffff);
    let hi = u64::from(m) * (factor >> 32);
    let sum = (lo >> 32) + hi;
    (sum >> (shift - 32)) as u32
}

/// `(m * 2^x / 5^q) >> j` with the rounded-up inverse power of five.
fn mul_pow5_inv_div_pow2(m: u32, q: u32, j: u32) -> u32 {
    // The high word of the `f64` inverse is `2^x / 5^q` rounded down; the 32-bit variant
    // wants it rounded up.
    mul_shift32(m, compute_pow5(q, true).1.wrapping_add(1), j)
}

/// `(m * 5^i) >> j`.
fn mul_pow5_div_pow2(m: u32, i: u32, j: u32) -> u32 {
    mul_shift32(m, compute_pow5(i, false).1, j)
}

/// How often 5 divides `v` (not zero).
fn pow5_factor(mut v: u32) -> u32 {
    let mut count = 0;
    while v.is_multiple_of(5) {
        v /= 5;
        count += 1;
    }
    count
}

/// Ryū: the shortest decimal digits, and their exponent of ten, of the finite, non-zero float
/// with these fields.
pub(super) fn shortest(ieee_mantissa: u32, ieee_exponent: u32) -> (u32, i32) {
    let (e2, m2) = if ieee_exponent == 0 {
        (1 - BIAS - MANTISSA_BITS as i32 - 2, ieee_mantissa)
    } else {
        let e = ieee_exponent as i32 - BIAS - MANTISSA_BITS as i32 - 2;
        (e, ieee_mantissa | (1 << MANTISSA_BITS))
    };
    let accept_bounds = m2 & 1 == 0;
    let mv = 4 * m2;
    let mp = 4 * m2 + 2;
    let mm_shift = u32::from(ieee_mantissa != 0 || ieee_exponent <= 1);
    let mm = 4 * m2 - 1 - mm_shift;
    let (mut vr, mut vp, mut vm, e10);
    let mut vm_trailing_zeros = false;
    let mut vr_trailing_zeros = false;
    let mut last_removed = 0u32;
    if e2 >= 0 {
        let q = log10_pow2(e2 as u32);
        e10 = q as i32;
        let k = POW5_BITCOUNT + pow5bits(q) as i32 - 1;
        let i = (-e2 + q as i32 + k) as u32;
        vr = mul_pow5_inv_div_pow2(mv, q, i);
        vp = mul_pow5_inv_div_pow2(mp, q, i);
        vm = mul_pow5_inv_div_pow2(mm, q, i);
        if q != 0 && (vp - 1) / 10 <= vm / 10 {
            // One removed digit is needed even if the loop below does not run.
            let l = POW5_BITCOUNT + pow5bits(q - 1) as i32 - 1;
            let j = (-e2 + q as i32 - 1 + l) as u32;
            last_removed = mul_pow5_inv_div_pow2(mv, q - 1, j) % 10;
        }
        if q <= 9 {
            // Only one of mp, mv and mm can be a multiple of 5, if any.
            if mv.is_multiple_of(5) {
                vr_trailing_zeros = pow5_factor(mv) >= q;
            } else if accept_bounds {
                vm_trailing_zeros = pow5_factor(mm) >= q;
            } else {
                vp -= u32::from(pow5_factor(mp) >= q);
            }
        }
    } else {
        let q = log10_pow5((-e2) as u32);
        e10 = q as i32 + e2;
        let i = (-e2) as u32 - q;
        let k = pow5bits(i) as i32 - POW5_BITCOUNT;
        let j = (q as i32 - k) as u32;
        vr = mul_pow5_div_pow2(mv, i, j);
        vp = mul_pow5_div_pow2(mp, i, j);
        vm = mul_pow5_div_pow2(mm, i, j);
        if q != 0 && (vp - 1) / 10 <= vm / 10 {
            let j = (q as i32 - 1 - (pow5bits(i + 1) as i32 - POW5_BITCOUNT)) as u32;
            last_removed = mul_pow5_div_pow2(mv, i + 1, j) % 10;
        }
        if q <= 1 {
            // mv = 4 * m2 has at least two trailing zero bits.
            vr_trailing_zeros = true;
            if accept_bounds {
                vm_trailing_zeros = mm_shift == 1;
            } else {
                vp -= 1;
            }
        } else if q < 31 {
            vr_trailing_zeros = mv & ((1 << (q - 1)) - 1) == 0;
        }
    }
    let mut removed = 0;
    if vm_trailing_zeros || vr_trailing_zeros {
        // The general case (about 4 % of floats).
        while vp / 10 > vm / 10 {
            vm_trailing_zeros &= vm.is_multiple_of(10);
            vr_trailing_zeros &= last_removed == 0;
            last_removed = vr % 10;
            vr /= 10;
            vp /= 10;
            vm /= 10;
            removed += 1;
        }
        if vm_trailing_zeros {
            while vm.is_multiple_of(10) {
                vr_trailing_zeros &= last_removed == 0;
                last_removed = vr % 10;
                vr /= 10;
                vm /= 10;
                removed += 1;
            }
        }
        if vr_trailing_zeros && last_removed == 5 && vr.is_multiple_of(2) {
            // Round to even when the exact number is ...50..0.
            last_removed = 4;
        }
        let up = (vr == vm && (!accept_bounds || !vm_trailing_zeros)) || last_removed >= 5;
        (vr + u32::from(up), e10 + removed)
    } else {
        while vp / 10 > vm / 10 {
            last_removed = vr % 10;
            vr /= 10;
            vp /= 10;
            vm /= 10;
            removed += 1;
        }
        (vr + u32::from(vr == vm || last_removed >= 5), e10 + removed)
    }
}
