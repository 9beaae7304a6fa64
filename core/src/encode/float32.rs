//! `f32` in its shortest round-trip form, exactly as the `ryu` crate writes it (`0.1`, not
//! `0.10000000149011612`): Ryū's 32-bit variant, with the powers of five of the `f64`
//! formatter ([`compute_pow5`], no tables of its own) and the same layout
//! ([`put_decimal`], with `f32`'s thresholds). No floating-point operation: a core with a
//! single-precision unit or none needs no runtime routine for it.

use super::float::{
    compute_pow5, log10_pow2, log10_pow5, pow5bits, put_decimal, put_prelude, Layout,
};
use super::out::Out;

const MANTISSA_BITS: u32 = 23;
const BIAS: i32 = 127;
/// The bits of the 64-bit high words of the `f64` tables that the 32-bit variant uses.
const POW5_BITCOUNT: i32 = 125 - 64;

/// Writes `v`: `NaN`, `+Inf`, `-Inf`, or the shortest decimal that reads back as `v`.
pub(crate) fn put_f32(out: &mut Out<'_>, v: f32) {
    let bits = u64::from(v.to_bits());
    let Some((mantissa, exponent)) = put_prelude(out, bits, MANTISSA_BITS, 8, BIAS) else {
        return;
    };
    // Both fields of an `f32` fit in 32 bits.
    let (mantissa, exponent) = (mantissa as u32, exponent);
    let (digits, k) = shortest(mantissa, exponent);
    put_decimal::<{ cfg!(not(target_pointer_width = "64")) }>(
        out,
        u64::from(digits),
        k,
        Layout::F32,
    );
}

/// The `f64` nearest the shortest decimal that reads back as `v` (what [`put_f32`] writes):
/// `0.1` for `0.1f32`, not its exact value `0.10000000149011612`. Remote write sends this, so
/// that a sample arrives as a scrape of the text would read it. NaN, infinities and zeros are
/// converted as they are.
///
/// No decimal parser (`str::parse::<f64>` would link about 13 KiB of tables and code on a
/// Cortex-M): the shortest digits `d * 10^k` are converted exactly in integers, `d * 5^k` for
/// `k >= 0` (below 2^128 for every `f32`), and for `k < 0` a long division by `5^-k` to 65
/// significant bits plus a sticky bit, so that the one rounding, to 53 bits, is correct; the
/// power of two is then applied exactly.
#[cfg(any(feature = "remote-write", feature = "protobuf"))]
pub(crate) fn f32_to_decimal_f64(v: f32) -> f64 {
    let bits = v.to_bits();
    let (mantissa, exponent) = (
        bits & ((1 << MANTISSA_BITS) - 1),
        (bits >> MANTISSA_BITS) & 0xff,
    );
    if exponent == 0xff || (exponent == 0 && mantissa == 0) {
        return f64::from(v); // NaN, an infinity, a zero
    }
    let (digits, k) = shortest(mantissa, exponent);
    let magnitude = decimal_to_f64(digits, k);
    if bits >> 31 == 1 {
        -magnitude
    } else {
        magnitude
    }
}

/// `d * 10^k` correctly rounded, for the shortest digits of a finite non-zero `f32`
/// (`d < 2^32`, `-54 <= k <= 38`).
#[cfg(any(feature = "remote-write", feature = "protobuf"))]
fn decimal_to_f64(d: u32, k: i32) -> f64 {
    let five = |n: u32| (0..n).fold(1u128, |p, _| p.saturating_mul(5));
    if k >= 0 {
        // `d * 5^k`: at most 2^32 * 5^38 < 2^121, converted with one rounding.
        let n = u128::from(d).saturating_mul(five(k as u32));
        return n as f64 * pow2(k);
    }
    let den = five(k.unsigned_abs()); // at most 5^54 < 2^126: `r << 1` below cannot overflow
    let (mut q, mut r, mut e) = (0u128, u128::from(d), 0i32);
    if den <= u128::from(u32::MAX) {
        // `d / den` in 32 bits (no 128-bit division routine).
        let den = den as u32;
        q = u128::from(d / den);
        r = u128::from(d % den);
    }
    // Binary digits of `r / den` until `q` has 65 significant bits: `d / 5^m = q * 2^-e`
    // plus what `r` leaves, which only needs to be known non-zero (the sticky bit).
    while q < 1 << 64 {
        r <<= 1;
        q <<= 1;
        if r >= den {
            r -= den;
            q |= 1;
        }
        e += 1;
    }
    let sticky = u128::from(r != 0);
    (q | sticky) as f64 * pow2(k - e)
}

/// `2^e` as an `f64`, for `-1022 <= e <= 1023`.
#[cfg(any(feature = "remote-write", feature = "protobuf"))]
fn pow2(e: i32) -> f64 {
    f64::from_bits(((1023 + e) as u64) << 52)
}

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
fn shortest(ieee_mantissa: u32, ieee_exponent: u32) -> (u32, i32) {
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

#[cfg(test)]
mod tests {
    extern crate std;

    use std::string::{String, ToString};

    use super::*;

    fn w(v: f32) -> String {
        let mut s = String::new();
        put_f32(&mut Out::new(&mut s), v);
        s
    }

    fn check(v: f32) {
        let want = if v.is_nan() {
            "NaN".to_string()
        } else if v.is_infinite() {
            if v > 0.0 { "+Inf" } else { "-Inf" }.to_string()
        } else {
            ryu::Buffer::new().format_finite(v).to_string()
        };
        assert_eq!(w(v), want, "{v:e} ({:#x})", v.to_bits());
    }

    #[test]
    fn shortest_forms() {
        assert_eq!(w(0.1), "0.1");
        assert_eq!(w(1.0), "1.0");
        assert_eq!(w(-2.5), "-2.5");
        assert_eq!(w(0.0), "0.0");
        assert_eq!(w(-0.0), "-0.0");
        assert_eq!(w(16_777_216.0), "16777216.0");
        assert_eq!(w(1e10), "10000000000.0");
        assert_eq!(w(1e20), "1e20");
        assert_eq!(w(1.5e-7), "1.5e-7");
        assert_eq!(w(f32::NAN), "NaN");
        assert_eq!(w(f32::INFINITY), "+Inf");
        for v in [
            f32::MIN_POSITIVE,
            f32::MAX,
            f32::MIN,
            f32::EPSILON,
            1e-45,
            3.4e38,
            0.3,
        ] {
            check(v);
        }
    }

    #[test]
    // Millions of values through integer arithmetic only: far too slow under Miri.
    #[cfg_attr(miri, ignore)]
    fn agrees_with_ryu() {
        // Every exponent with a spread of mantissas, then pseudo-random bit patterns.
        for e in 0..255u32 {
            for m in [0u32, 1, 2, 3, 0x7f_ffff, 0x40_0000, 0x12_3456, 0x55_5555] {
                check(f32::from_bits((e << 23) | m));
                check(f32::from_bits((1 << 31) | (e << 23) | m));
            }
        }
        let mut x = 0x9E37_79B9u32;
        for _ in 0..1_000_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            check(f32::from_bits(x));
        }
        // Every power of ten, and its neighbours.
        for p in -45..=38 {
            let v = 10f32.powi(p);
            for d in [
                v,
                f32::from_bits(v.to_bits() + 1),
                f32::from_bits(v.to_bits().saturating_sub(1)),
            ] {
                check(d);
            }
        }
    }

    /// Remote write's value of an `f32`: the shortest decimal, as `ryu` (and the text
    /// formats) write it, read as an `f64`. (`std`'s `Display` is no reference: of two
    /// shortest decimals equally near, `3460691.25f32`, it may take the other one.)
    #[cfg(any(feature = "remote-write", feature = "protobuf"))]
    #[test]
    #[cfg_attr(miri, ignore)]
    fn remote_write_sends_the_shortest_decimal() {
        assert_eq!(f32_to_decimal_f64(0.1), 0.1f64);
        assert_eq!(f32_to_decimal_f64(21.3), 21.3f64);
        assert_eq!(f32_to_decimal_f64(-0.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(f32_to_decimal_f64(f32::INFINITY), f64::INFINITY);
        assert_eq!(f32_to_decimal_f64(f32::NEG_INFINITY), f64::NEG_INFINITY);
        assert!(f32_to_decimal_f64(f32::NAN).is_nan());
        assert_eq!(f32_to_decimal_f64(f32::MAX), 3.4028235e38f64);
        assert_eq!(f32_to_decimal_f64(1e-45), 1e-45f64);
        let mut x = 0x2545_F491u32;
        // Every exponent with a spread of mantissas (subnormals, powers of two, the largest),
        // then pseudo-random bit patterns.
        let mut all = (0..255u32).flat_map(|e| {
            [0u32, 1, 2, 3, 0x7f_ffff, 0x40_0000, 0x12_3456, 0x55_5555].map(|m| (e << 23) | m)
        });
        for i in 0..1_000_000 {
            let bits = all.next().unwrap_or_else(|| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x
            });
            let v = f32::from_bits(if i % 2 == 0 { bits } else { bits | 1 << 31 });
            let got = f32_to_decimal_f64(v);
            if !v.is_finite() {
                assert_eq!(got.is_nan(), v.is_nan());
                continue;
            }
            let by_ryu: f64 = ryu::Buffer::new().format_finite(v).parse().unwrap();
            assert_eq!(
                got.to_bits(),
                by_ryu.to_bits(),
                "{v:e} ({:#x})",
                v.to_bits()
            );
            // What a scrape of the text reads.
            let text = w(v);
            assert_eq!(
                got.to_bits(),
                text.parse::<f64>().unwrap().to_bits(),
                "{text}"
            );
            // And it is still the same `f32`.
            assert_eq!(got as f32, v, "{v:e}");
        }
    }
}
