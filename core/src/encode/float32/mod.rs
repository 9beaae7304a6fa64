//! `f32` in its shortest round-trip form, exactly as the `ryu` crate writes it (`0.1`, not
//! `0.10000000149011612`), laid out by the `f64` formatter's [`put_decimal`] with `f32`'s
//! thresholds. No floating-point operation: a core with a single-precision unit or none needs
//! no runtime routine for it.
//!
//! Two whole implementations of the digits ([`shortest`]) behind one API, chosen by
//! `cfg(edgeprom_small_code)` (see the core's build script): on a host Ryū's 32-bit variant,
//! with the powers of five of the `f64` formatter (fast, and no tables of its own); on bare
//! metal the free-format digit generation of Steele & White and Burger & Dybvig over 192-bit
//! integers (a few hundred bytes of code and no tables, where Ryū's costs about 3 KiB of
//! flash; slower, which a firmware writing a few values per document does not notice). Both
//! are checked against `ryu` by the same tests.

#[cfg(not(edgeprom_small_code))]
mod host;
#[cfg(edgeprom_small_code)]
mod small;

#[cfg(not(edgeprom_small_code))]
use host::shortest;
#[cfg(edgeprom_small_code)]
use small::shortest;

use super::float::{put_decimal, put_prelude, Layout};
use super::out::Out;

/// The `f32` fields.
const MANTISSA_BITS: u32 = 23;
const BIAS: i32 = 127;

/// Writes `v`: `NaN`, `+Inf`, `-Inf`, or the shortest decimal that reads back as `v`.
pub(crate) fn put_f32(out: &mut Out<'_>, v: f32) {
    let bits = u64::from(v.to_bits());
    // Whole numbers written directly on hosts (the shortcut of `put_prelude`).
    let whole = !cfg!(edgeprom_small_code);
    let Some((mantissa, exponent)) = put_prelude(out, bits, MANTISSA_BITS, 8, BIAS, whole) else {
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
        // Whole numbers (on bare metal through the shortest digits, not the shortcut).
        for v in 0..5000u32 {
            check(v as f32);
            check(-(v as f32));
        }
        for e in 0..128 {
            check(2f32.powi(e));
            check(2f32.powi(e) - 1.0);
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
