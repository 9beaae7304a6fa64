//! `f32` addition for the sums and atomics of `f32` metrics: the hardware's where there is a
//! single-precision unit (hosts, and bare-metal targets with the hard-float ABI: Cortex-M4F,
//! M7, M33), and on bare-metal cores without one (Cortex-M0, M3, riscv32imc) [`soft_add`], a
//! small software addition, correctly rounded (to nearest, ties to even) as IEEE 754 requires,
//! in place of compiler-builtins' generic one (612 bytes on a Cortex-M0, with its count of
//! leading zeros; this one 388). Checked against the hardware's on the host, both ways.

/// `a + b`: the hardware's.
#[cfg(not(all(edgeprom_small_code, not(target_abi = "eabihf"))))]
#[inline]
pub(crate) fn add_f32(a: f32, b: f32) -> f32 {
    a + b
}

/// `a + b` in software (no single-precision unit on this target).
#[cfg(all(edgeprom_small_code, not(target_abi = "eabihf")))]
#[inline]
pub(crate) fn add_f32(a: f32, b: f32) -> f32 {
    soft_add(a, b)
}

/// `a + b` in integer arithmetic, rounded to nearest (ties to even); NaN as the one quiet NaN.
#[cfg(any(test, all(edgeprom_small_code, not(target_abi = "eabihf"))))]
#[inline(never)]
pub(crate) fn soft_add(a: f32, b: f32) -> f32 {
    const SIGN: u32 = 1 << 31;
    const MANT: u32 = (1 << 23) - 1;
    let (mut x, mut y) = (a.to_bits(), b.to_bits());
    // x the larger in magnitude: the result has its sign.
    if x & !SIGN < y & !SIGN {
        core::mem::swap(&mut x, &mut y);
    }
    let (ex, ey) = ((x >> 23) & 0xff, (y >> 23) & 0xff);
    if ex == 0xff {
        // x is an infinity or NaN (y no larger): NaN stays NaN, and so is inf - inf.
        if x & MANT != 0 || (ey == 0xff && (x ^ y) & SIGN != 0) {
            return f32::NAN;
        }
        return f32::from_bits(x);
    }
    if y & !SIGN == 0 {
        // y is a zero: x, or of two zeros -0 only when both are.
        return f32::from_bits(if x & !SIGN == 0 { x & y } else { x });
    }
    // Significands with their leading bit, and three bits below for rounding (guard, round,
    // sticky); a subnormal has no leading bit and the exponent of the smallest normal.
    let sig = |v: u32, e: u32| ((v & MANT) | if e == 0 { 0 } else { 1 << 23 }) << 3;
    let (mx, mut my) = (sig(x, ex), sig(y, ey));
    let (ex, ey) = (ex.max(1), ey.max(1));
    let d = ex - ey;
    if d != 0 {
        // y aligned to x, what is shifted out kept as the sticky bit.
        my = if d < 27 {
            (my >> d) | u32::from(my << (32 - d) != 0)
        } else {
            1
        };
    }
    let mut e = ex;
    let mut m = if (x ^ y) & SIGN == 0 {
        let m = mx + my;
        if m >> 27 != 0 {
            e += 1;
            (m >> 1) | (m & 1)
        } else {
            m
        }
    } else {
        let mut m = mx - my;
        if m == 0 {
            return 0.0;
        }
        while m >> 26 == 0 && e > 1 {
            m <<= 1;
            e -= 1;
        }
        m
    };
    let low = m & 7;
    m >>= 3;
    if low > 4 || (low == 4 && m & 1 == 1) {
        m += 1;
        if m >> 24 != 0 {
            m >>= 1;
            e += 1;
        }
    }
    if e >= 0xff {
        return f32::from_bits((x & SIGN) | (0xff << 23));
    }
    // Without its leading bit the result is subnormal (exponent field 0).
    let field = if m >> 23 != 0 { e } else { 0 };
    f32::from_bits((x & SIGN) | (field << 23) | (m & MANT))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(a: f32, b: f32) {
        let (got, want) = (soft_add(a, b), a + b);
        if want.is_nan() {
            assert!(got.is_nan(), "{a:e} + {b:e}: {got:e}");
        } else {
            assert_eq!(
                got.to_bits(),
                want.to_bits(),
                "{a:e} ({:#x}) + {b:e} ({:#x}): {got:e}, not {want:e}",
                a.to_bits(),
                b.to_bits()
            );
        }
    }

    #[test]
    // Millions of additions: far too slow under Miri, and nothing in them that Miri checks.
    #[cfg_attr(miri, ignore)]
    fn agrees_with_the_hardware() {
        // Zeros, subnormals, the smallest normal, neighbours of one, near overflow, infinities,
        // NaN, and values a rounding tie away from each other.
        let special = [
            0.0,
            -0.0,
            f32::from_bits(1),
            f32::from_bits(0x7f_ffff),
            f32::MIN_POSITIVE,
            1.0,
            f32::from_bits(1.0f32.to_bits() + 1),
            f32::from_bits(1.0f32.to_bits() - 1),
            1.5,
            16_777_216.0,
            16_777_217.0,
            3.0e38,
            f32::MAX,
            f32::INFINITY,
            f32::NAN,
            0.1,
            1e-30,
        ];
        for a in special {
            for b in special {
                for (a, b) in [(a, b), (-a, b), (a, -b), (-a, -b)] {
                    check(a, b);
                }
            }
        }
        // Random bit patterns, and pairs of nearby exponents (cancellation, carries, ties).
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..2_000_000 {
            let r = next();
            let (a, b) = (f32::from_bits(r as u32), f32::from_bits((r >> 32) as u32));
            check(a, b);
            // b with a's exponent give or take a few: the hard cases.
            let shift = ((r >> 59) as u32) % 8;
            let near = (a.to_bits() & 0xff80_0000).wrapping_add(shift << 23)
                ^ ((r >> 40) as u32 & 0x807f_ffff);
            check(a, f32::from_bits(near));
        }
        // Every subnormal sum with a fixed one, and integers (histogram sums of counts).
        for m in (0..0x80_0000u32).step_by(97) {
            check(f32::from_bits(m), f32::from_bits(0x40_0001));
            check(f32::from_bits(m), -f32::from_bits(0x12_3457));
        }
        for i in 0..20_000u32 {
            check(i as f32, 0.25 * i as f32);
            check(16_777_000.0, i as f32);
        }
    }
}
