//! `f64` in its shortest round-trip form, exactly as the `ryu` crate writes it (`5.0`, `0.005`,
//! `1e20`, `1.234e-7`), in a form small enough for a microcontroller: the small-table variant
//! of Ryū, with 64-bit divisions done as multiplications, powers of five below 5^26 computed
//! instead of tabulated, digits written straight to the output (no buffer, no `memcpy`,
//! `memmove` or `memset`) and no floating-point operation at all (a core without a
//! double-precision unit would call a runtime routine for each).
//!
//! The algorithm and its tables are those of Ryū by Ulf Adams (<https://github.com/ulfjack/ryu>),
//! by way of its Rust translation by David Tolnay (<https://github.com/dtolnay/ryu>), both
//! available under the Apache License 2.0 or the Boost Software License 1.0; the tests check
//! this module against that crate.

use super::digits::{put_digits, put_u64, POW10};
use super::out::Out;

/// `1 / 5^(26 i)` (scaled, the low word one too high), for exponents of two at or above zero.
const DOUBLE_POW5_INV_SPLIT2: [(u64, u64); 15] = [
    (1, 2305843009213693952),
    (5955668970331000884, 1784059615882449851),
    (8982663654677661702, 1380349269358112757),
    (7286864317269821294, 2135987035920910082),
    (7005857020398200553, 1652639921975621497),
    (17965325103354776697, 1278668206209430417),
    (8928596168509315048, 1978643211784836272),
    (10075671573058298858, 1530901034580419511),
    (597001226353042382, 1184477304306571148),
    (1527430471115325346, 1832889850782397517),
    (12533209867169019542, 1418129833677084982),
    (5577825024675947042, 2194449627517475473),
    (11006974540203867551, 1697873161311732311),
    (10313493231639821582, 1313665730009899186),
    (12701016819766672773, 2032799256770390445),
];

/// Two-bit corrections of the inverse powers computed from [`DOUBLE_POW5_INV_SPLIT2`].
const POW5_INV_OFFSETS: [u32; 19] = [
    0x54544554, 0x04055545, 0x10041000, 0x00400414, 0x40010000, 0x41155555, 0x00000454, 0x00010044,
    0x40000000, 0x44000041, 0x50454450, 0x55550054, 0x51655554, 0x40004000, 0x01000001, 0x00010500,
    0x51515411, 0x05555554, 0x00000000,
];

/// `5^(26 i)` (scaled), for negative exponents of two.
const DOUBLE_POW5_SPLIT2: [(u64, u64); 13] = [
    (0, 1152921504606846976),
    (0, 1490116119384765625),
    (1032610780636961552, 1925929944387235853),
    (7910200175544436838, 1244603055572228341),
    (16941905809032713930, 1608611746708759036),
    (13024893955298202172, 2079081953128979843),
    (6607496772837067824, 1343575221513417750),
    (17332926989895652603, 1736530273035216783),
    (13037379183483547984, 2244412773384604712),
    (1605989338741628675, 1450417759929778918),
    (9630225068416591280, 1874621017369538693),
    (665883850346957067, 1211445438634777304),
    (14931890668723713708, 1565756531257009982),
];

/// Two-bit corrections of the powers computed from [`DOUBLE_POW5_SPLIT2`].
const POW5_OFFSETS: [u32; 21] = [
    0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x40000000, 0x59695995, 0x55545555, 0x56555515,
    0x41150504, 0x40555410, 0x44555145, 0x44504540, 0x45555550, 0x40004000, 0x96440440, 0x55565565,
    0x54454045, 0x40154151, 0x55559155, 0x51405555, 0x00000105,
];

const MANTISSA_BITS: u32 = 52;
const BIAS: i32 = 1023;
const POW5_BITCOUNT: i32 = 125;

/// Writes `v`: `NaN`, `+Inf`, `-Inf`, or the shortest decimal that reads back as `v`.
pub(crate) fn put_f64(out: &mut Out<'_>, v: f64) {
    put_f64_as::<{ cfg!(not(target_pointer_width = "64")) }>(out, v)
}

/// [`put_f64`], with 64-bit divisions and digits done the 32-bit way when `SMALL` (the host
/// tests both ways).
pub(crate) fn put_f64_as<const SMALL: bool>(out: &mut Out<'_>, v: f64) {
    let bits = v.to_bits();
    let Some((mantissa, exponent)) = put_prelude(out, bits, MANTISSA_BITS, 11, BIAS, !SMALL) else {
        return;
    };
    let (digits, k) = shortest::<SMALL>(mantissa, exponent);
    put_decimal::<SMALL>(out, digits, k, Layout::F64);
}

/// What every float formatter does alike, for a float of these widths given by its bits: writes
/// `NaN` or an infinity, the sign, `0.0`, or with `whole` a whole number below
/// `2^(mantissa_bits + 1)` (which ryu writes as `N.0`: a shortcut for speed, whose text the
/// shortest digits give as well, left out where flash counts) and returns `None`; otherwise
/// returns the mantissa and exponent fields, whose shortest digits are still to be written.
#[inline(always)]
pub(super) fn put_prelude(
    out: &mut Out<'_>,
    bits: u64,
    mantissa_bits: u32,
    exponent_bits: u32,
    bias: i32,
    whole: bool,
) -> Option<(u64, u32)> {
    let mantissa = bits & ((1 << mantissa_bits) - 1);
    let max_exponent = (1u32 << exponent_bits) - 1;
    let exponent = ((bits >> mantissa_bits) as u32) & max_exponent;
    let negative = (bits >> (mantissa_bits + exponent_bits)) & 1 != 0;
    if exponent == max_exponent {
        out.put(match (mantissa, negative) {
            (0, false) => "+Inf",
            (0, true) => "-Inf",
            _ => "NaN",
        });
        return None;
    }
    if negative {
        out.put("-");
    }
    if exponent == 0 && mantissa == 0 {
        out.put("0.0");
        return None;
    }
    let shift = (bias as u32 + mantissa_bits).wrapping_sub(exponent);
    if whole && shift <= mantissa_bits {
        let m = mantissa | (1 << mantissa_bits);
        if m & ((1 << shift) - 1) == 0 {
            put_u64(out, m >> shift);
            out.put(".0");
            return None;
        }
    }
    Some((mantissa, exponent))
}

/// Where a float's decimal layout changes, as ryu writes them: a whole number of at most
/// `whole` digits as `N.0`, a value of at least `10^(small-1)` as `0.00ddd`.
#[derive(Clone, Copy)]
pub(crate) struct Layout {
    whole: i32,
    small: i32,
}

impl Layout {
    /// `f64`: whole numbers up to 16 digits, plain decimals down to `0.0001`.
    const F64: Layout = Layout {
        whole: 16,
        small: -4,
    };
    /// `f32`: whole numbers up to 13 digits, plain decimals down to `0.00001`.
    pub(super) const F32: Layout = Layout {
        whole: 13,
        small: -5,
    };
}

/// Writes `digits * 10^k` (the shortest digits of a finite non-zero float, its sign written)
/// in one layout of four, around a single call that writes the digits: 1234e7 ->
/// 12340000000.0, 1234e-2 -> 12.34, 1234e-6 -> 0.001234, 1234e30 -> 1.234e33.
// Inlined into each float formatter (a firmware usually has one): out of line, its frame adds
// to the deepest stack of an encode.
#[inline(always)]
pub(super) fn put_decimal<const SMALL: bool>(out: &mut Out<'_>, digits: u64, k: i32, l: Layout) {
    // `digits` has `len` digits, so `10^(kk-1) <= v < 10^kk`.
    let len = POW10.len() - POW10.iter().position(|p| *p <= digits).unwrap_or(0);
    let kk = len as i32 + k;
    let whole = kk <= l.whole && k >= 0;
    let small = !whole && (l.small..=0).contains(&kk);
    let (point, exp) = match kk {
        _ if whole || small => (usize::MAX, None),
        _ if (1..=l.whole).contains(&kk) => (kk as usize, None),
        _ => (1, Some(kk - 1)),
    };
    if small {
        out.put("0.");
        for _ in kk..0 {
            out.put("0");
        }
    }
    put_mantissa::<SMALL>(out, digits, point);
    if whole {
        for _ in 0..k {
            out.put("0");
        }
        out.put(".0");
    }
    if let Some(e) = exp {
        out.put(if e < 0 { "e-" } else { "e" });
        put_u64(out, u64::from(e.unsigned_abs()));
    }
}

/// Writes the digits of `v` with a `.` before the digit at `point` (none when `point` is past
/// the last digit).
// Inlined into its one caller: a frame less under the float formatter (24 bytes of stack,
// for about 90 bytes of flash).
#[inline(always)]
fn put_mantissa<const SMALL: bool>(out: &mut Out<'_>, v: u64, point: usize) {
    if SMALL {
        let first = POW10
            .iter()
            .position(|p| *p <= v)
            .unwrap_or(POW10.len() - 1);
        return put_digits(out, v, POW10.get(first..).unwrap_or_default(), false, point);
    }
    let mut buf = itoa::Buffer::new();
    let s = buf.format(v);
    match (s.get(..point), s.get(point..)) {
        (Some(head), Some(tail)) if !tail.is_empty() => {
            out.put(head);
            out.put(".");
            out.put(tail);
        }
        _ => out.put(s),
    }
}

/// `floor(log2(5^e)) + 1`, for `e <= 3528`.
pub(super) fn pow5bits(e: u32) -> u32 {
    ((e * 1217359) >> 19) + 1
}

/// `floor(log10(2^e))`, for `e <= 1650`.
pub(super) fn log10_pow2(e: u32) -> u32 {
    (e * 78913) >> 18
}

/// `floor(log10(5^e))`, for `e <= 2620`.
pub(super) fn log10_pow5(e: u32) -> u32 {
    (e * 732923) >> 20
}

/// `(i / 26, i % 26)` for `i < 1000`, by a multiplication (no division routine on `thumbv6m`).
fn div26(i: u32) -> (u32, u32) {
    let q = (i * 2521) >> 16;
    (q, i - q * 26)
}

/// `5^n`, for `n < 26`.
fn pow5(n: u32) -> u64 {
    (0..n).fold(1, |p, _| p * 5)
}

/// The full product of two 64-bit integers, as its low and high words (one copy on bare
/// metal, where it is a handful of 32-bit multiplications).
#[cfg_attr(edgeprom_small_code, inline(never))]
fn mul128(a: u64, b: u64) -> (u64, u64) {
    let p = u128::from(a) * u128::from(b);
    (p as u64, (p >> 64) as u64)
}

/// The low word of `(hi:lo) >> s`, for `0 < s < 64`. Shifts of 64-bit halves rather than of
/// `u128`s, which a 32-bit core does in much more code.
fn shr(lo: u64, hi: u64, s: u32) -> u64 {
    (lo >> s) | (hi << (64 - s))
}

/// `(hi:lo) + (hi2:lo2)`, wrapping.
fn add128((lo, hi): (u64, u64), (lo2, hi2): (u64, u64)) -> (u64, u64) {
    let (lo, carry) = lo.overflowing_add(lo2);
    (lo, hi.wrapping_add(hi2).wrapping_add(u64::from(carry)))
}

/// The two-bit correction `i` of `offsets`.
fn correction(offsets: &[u32], i: u32) -> u64 {
    let word = offsets.get((i / 16) as usize).copied().unwrap_or(0);
    u64::from((word >> ((i % 16) * 2)) & 3)
}

/// `((5^offset * (mul.1:low)) >> delta) + plus` (wrapping at 128 bits): a tabulated power of
/// five times a small one, renormalized; `0 < delta < 64`.
#[inline(always)] // into its only caller, whose frame it shares
fn scale(mul: (u64, u64), offset: u32, delta: u32, low: u64, plus: u64) -> (u64, u64) {
    let m = pow5(offset);
    let (b0lo, b0hi) = mul128(m, low);
    let (b2lo, b2hi) = mul128(m, mul.1);
    // (b0 >> delta) + (b2 << (64 - delta))
    let a = (shr(b0lo, b0hi, delta), b0hi >> delta);
    let b = (b2lo << (64 - delta), shr(b2lo, b2hi, delta));
    add128(add128(a, b), (plus, 0))
}

/// `5^i` (scaled to 125 bits), or with `inverse` `1/5^i` (scaled, and rounded up): a tabulated
/// power of `5^26` times a small power of five, corrected. One place computes both, so that
/// the arithmetic is inlined once (on bare metal always: out of line, LLVM's choice since the
/// `f32` digits stopped using it, costs the `f64` firmware 80 bytes).
#[cfg_attr(edgeprom_small_code, inline(always))]
pub(super) fn compute_pow5(i: u32, inverse: bool) -> (u64, u64) {
    let (mul, offset, delta, low, plus);
    if inverse {
        let (base, _) = div26(i + 25);
        mul = DOUBLE_POW5_INV_SPLIT2
            .get(base as usize)
            .copied()
            .unwrap_or_default();
        let base2 = base * 26;
        offset = base2 - i;
        delta = pow5bits(base2) - pow5bits(i);
        low = mul.0.wrapping_sub(1);
        plus = 1 + correction(&POW5_INV_OFFSETS, i);
    } else {
        let (base, off) = div26(i);
        mul = DOUBLE_POW5_SPLIT2
            .get(base as usize)
            .copied()
            .unwrap_or_default();
        offset = off;
        delta = pow5bits(i) - pow5bits(base * 26);
        low = mul.0;
        plus = correction(&POW5_OFFSETS, i);
    }
    if offset == 0 {
        return mul;
    }
    scale(mul, offset, delta, low, plus)
}

/// `(m * mul) >> j`, for `64 < j < 128`.
fn mul_shift(m: u64, mul: (u64, u64), j: u32) -> u64 {
    let (_, b0hi) = mul128(m, mul.0);
    let (lo, hi) = add128(mul128(m, mul.1), (b0hi, 0));
    shr(lo, hi, j - 64)
}

/// How often 5 divides `v` (not zero), by multiplying with the inverse of 5.
// One copy on bare metal: it runs in three places.
#[cfg_attr(edgeprom_small_code, inline(never))]
fn pow5_factor(mut v: u64) -> u32 {
    const M_INV_5: u64 = 14757395258967641293; // 5 * M_INV_5 == 1 (mod 2^64)
    const N_DIV_5: u64 = 3689348814741910323; // u64::MAX / 5
    let mut count = 0;
    loop {
        v = v.wrapping_mul(M_INV_5);
        if v > N_DIV_5 {
            return count;
        }
        count += 1;
    }
}

/// `(v / 10, v % 10)`: natively on a 64-bit host, by a multiplication with the inverse of ten
/// otherwise (a 64-bit division is a large runtime routine on a 32-bit core).
#[cfg_attr(edgeprom_small_code, inline(never))]
fn div10<const SMALL: bool>(v: u64) -> (u64, u32) {
    let q = if SMALL {
        mul128(v, 0xCCCC_CCCC_CCCC_CCCD).1 >> 3
    } else {
        v / 10
    };
    (q, (v as u32).wrapping_sub((q as u32).wrapping_mul(10)))
}

/// Ryū: the shortest decimal digits, and their exponent of ten, of the finite, non-zero double
/// with these fields.
fn shortest<const SMALL: bool>(ieee_mantissa: u64, ieee_exponent: u32) -> (u64, i32) {
    let (e2, m2) = if ieee_exponent == 0 {
        (1 - BIAS - MANTISSA_BITS as i32 - 2, ieee_mantissa)
    } else {
        let e = ieee_exponent as i32 - BIAS - MANTISSA_BITS as i32 - 2;
        (e, ieee_mantissa | (1 << MANTISSA_BITS))
    };
    let accept_bounds = m2 & 1 == 0;
    let mv = 4 * m2;
    let mm_shift = u64::from(ieee_mantissa != 0 || ieee_exponent <= 1);
    let (j, e10, q, pow5, inverse);
    let mut vm_trailing_zeros = false;
    let mut vr_trailing_zeros = false;
    let mut vp_adjust = 0;
    if e2 >= 0 {
        q = log10_pow2(e2 as u32) - u32::from(e2 > 3);
        e10 = q as i32;
        let k = POW5_BITCOUNT + pow5bits(q) as i32 - 1;
        j = (-e2 + q as i32 + k) as u32;
        (pow5, inverse) = (q, true);
        if q <= 21 {
            // Only one of mp, mv and mm can be a multiple of 5, if any.
            if pow5_factor(mv) >= 1 {
                vr_trailing_zeros = pow5_factor(mv) >= q;
            } else if accept_bounds {
                vm_trailing_zeros = pow5_factor(mv - 1 - mm_shift) >= q;
            } else {
                vp_adjust = u64::from(pow5_factor(mv + 2) >= q);
            }
        }
    } else {
        q = log10_pow5((-e2) as u32) - u32::from(-e2 > 1);
        e10 = q as i32 + e2;
        let i = (-e2 - q as i32) as u32;
        let k = pow5bits(i) as i32 - POW5_BITCOUNT;
        j = (q as i32 - k) as u32;
        (pow5, inverse) = (i, false);
        if q <= 1 {
            // mv = 4 * m2 has at least two trailing zero bits.
            vr_trailing_zeros = true;
            if accept_bounds {
                // mm = mv - 1 - mm_shift has one trailing zero bit iff mm_shift is 1.
                vm_trailing_zeros = mm_shift == 1;
            } else {
                // mp = mv + 2 has at least one.
                vp_adjust = 1;
            }
        } else if q < 63 {
            vr_trailing_zeros = mv & ((1 << q) - 1) == 0;
        }
    }
    let mul = compute_pow5(pow5, inverse);
    let mut vr = mul_shift(mv, mul, j);
    let mut vp = mul_shift(mv + 2, mul, j) - vp_adjust;
    let mut vm = mul_shift(mv - 1 - mm_shift, mul, j);

    // Remove digits while the interval still holds a shorter representation.
    let mut removed = 0;
    let mut last_removed = 0;
    loop {
        let (vp10, _) = div10::<SMALL>(vp);
        let (vm10, vm_digit) = div10::<SMALL>(vm);
        if vp10 <= vm10 {
            break;
        }
        let (vr10, vr_digit) = div10::<SMALL>(vr);
        vm_trailing_zeros &= vm_digit == 0;
        vr_trailing_zeros &= last_removed == 0;
        last_removed = vr_digit;
        (vr, vp, vm) = (vr10, vp10, vm10);
        removed += 1;
    }
    if vm_trailing_zeros {
        loop {
            let (vm10, vm_digit) = div10::<SMALL>(vm);
            if vm_digit != 0 {
                break;
            }
            let (vr10, vr_digit) = div10::<SMALL>(vr);
            vr_trailing_zeros &= last_removed == 0;
            last_removed = vr_digit;
            (vr, vm) = (vr10, vm10);
            removed += 1;
        }
    }
    if vr_trailing_zeros && last_removed == 5 && vr & 1 == 0 {
        // Round to even when the exact number is ...50..0.
        last_removed = 4;
    }
    // vr + 1 when vr is outside the bounds or rounds up.
    let up = (vr == vm && (!accept_bounds || !vm_trailing_zeros)) || last_removed >= 5;
    (vr + u64::from(up), e10 + removed)
}

#[cfg(test)]
mod tests {
    extern crate std;

    use std::string::{String, ToString};
    use std::vec::Vec;

    use super::*;

    fn w(v: f64) -> String {
        let mut s = String::new();
        put_f64(&mut Out::new(&mut s), v);
        s
    }

    #[test]
    fn floats() {
        assert_eq!(w(5.0), "5.0");
        assert_eq!(w(0.0), "0.0");
        assert_eq!(w(-0.0), "-0.0");
        assert_eq!(w(-3.0), "-3.0");
        assert_eq!(w(0.005), "0.005");
        assert_eq!(w(2.5), "2.5");
        assert_eq!(w(1.6), "1.6");
        assert_eq!(w(1e20), "1e20");
        assert_eq!(w(1e-7), "1e-7");
        assert_eq!(w(9007199254740993.0), "9007199254740992.0");
        assert_eq!(w(1795582621.7732701), "1795582621.7732701");
        assert_eq!(w(f64::NAN), "NaN");
        assert_eq!(w(f64::INFINITY), "+Inf");
        assert_eq!(w(f64::NEG_INFINITY), "-Inf");
        // The fast path and ryu agree wherever the fast path applies.
        for v in [1.0, 10.0, 123456789.0, -42.0, 9999999999999998.0] {
            assert_eq!(w(v), ryu::Buffer::new().format_finite(v), "{v}");
        }
    }

    #[test]
    // A hundred thousand values through integer arithmetic: far too slow under Miri.
    #[cfg_attr(miri, ignore)]
    fn whole_numbers_with_and_without_the_shortcut() {
        // The 32-bit way writes whole numbers through the shortest digits, not the shortcut.
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut values: Vec<f64> = (0..3000).map(f64::from).collect();
        values.extend((0..64).map(|e| 2f64.powi(e)));
        values.extend((0..64).map(|e| 2f64.powi(e) - 1.0));
        values.extend((1..23).map(|e| 10f64.powi(e)));
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push((x >> (x % 64)) as f64);
        }
        for v in values {
            check(v);
            check(-v);
        }
    }

    fn both_ways(v: f64) -> (String, String) {
        let mut small = String::new();
        let mut wide = String::new();
        put_f64_as::<true>(&mut Out::new(&mut small), v);
        put_f64_as::<false>(&mut Out::new(&mut wide), v);
        (small, wide)
    }

    fn check(v: f64) {
        let want = if v.is_nan() {
            "NaN"
        } else if v.is_infinite() {
            if v > 0.0 {
                "+Inf"
            } else {
                "-Inf"
            }
        } else {
            &*ryu::Buffer::new().format_finite(v).to_string()
        };
        let (small, wide) = both_ways(v);
        assert_eq!(small, want, "{v:e} ({:#x}), 32-bit way", v.to_bits());
        assert_eq!(wide, want, "{v:e} ({:#x})", v.to_bits());
    }

    #[test]
    fn special_values() {
        for v in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.005,
            0.25,
            2.5,
            1.6,
            21.5,
            1e20,
            1e-7,
            1e16,
            1e15,
            9007199254740992.0,
            9007199254740993.0,
            9999999999999998.0,
            1795582621.7732701,
            123456789.0,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            5e-324,
            -5e-324,
            f64::from_bits(0x000f_ffff_ffff_ffff),
            1.7976931348623157e308,
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.1 + 0.2,
            1.0 / 3.0,
            f64::from_bits(1),
            f64::from_bits(0x4340_0000_0000_0001),
        ] {
            check(v);
        }
    }

    #[test]
    // Hundreds of thousands of values through integer arithmetic only: far too slow under
    // Miri, and nothing in it (no atomics, no unsafe) that Miri would check.
    #[cfg_attr(miri, ignore)]
    fn powers_and_neighbours() {
        for e in -325..=308 {
            let p: f64 = std::format!("1e{e}").parse().unwrap();
            if p == 0.0 {
                continue;
            }
            for v in [
                p,
                f64::from_bits(p.to_bits() + 1),
                f64::from_bits(p.to_bits() - 1),
            ] {
                check(v);
                check(-v);
                check(v * 5.0);
                check(v * 1.5);
            }
        }
        for e in 0..2047u64 {
            for m in [0, 1, 2, 3, (1 << 52) - 1, 1 << 51, 0x5555_5555_5555] {
                check(f64::from_bits((e << 52) | m));
            }
        }
    }

    #[test]
    // Hundreds of thousands of values through integer arithmetic only: far too slow under
    // Miri, and nothing in it (no atomics, no unsafe) that Miri would check.
    #[cfg_attr(miri, ignore)]
    fn random_bit_patterns() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..400_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            check(f64::from_bits(x));
        }
    }

    #[test]
    // Hundreds of thousands of values through integer arithmetic only: far too slow under
    // Miri, and nothing in it (no atomics, no unsafe) that Miri would check.
    #[cfg_attr(miri, ignore)]
    fn random_short_decimals() {
        // Values with few digits stress the digit removal and its rounding.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = (x >> 20) % 100_000;
            let exp = (x % 64) as i32 - 32;
            check(std::format!("{digits}e{exp}").parse().unwrap());
        }
    }

    #[test]
    fn helpers() {
        // 400,000 divisions natively; a sample of them under Miri, which interprets each.
        let rounds = if cfg!(miri) { 500 } else { 100_000 };
        for i in 0..1000 {
            assert_eq!(div26(i), (i / 26, i % 26), "{i}");
        }
        for n in 0..26 {
            assert_eq!(pow5(n), 5u64.pow(n));
        }
        let mut x = 0x1234_5678_9ABC_DEF1u64;
        for _ in 0..rounds {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for v in [x, x >> 7, x >> 31, u64::MAX - (x >> 40)] {
                assert_eq!(div10::<true>(v), (v / 10, (v % 10) as u32), "{v}");
            }
        }
    }
}
