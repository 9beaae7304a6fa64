//! Decimal digits of integers and Unix timestamps, with integer arithmetic only (and, on
//! 32-bit cores, without a division: see [`put_u64_by_subtraction`]).

use core::time::Duration;

use super::out::Out;

/// Writes `v`'s decimal digits. 64-bit hosts divide 64-bit integers in hardware: itoa, two
/// digits at a time.
#[cfg(target_pointer_width = "64")]
#[cfg_attr(not(edgeprom_small_code), inline)]
pub(crate) fn put_u64(out: &mut Out<'_>, v: u64) {
    out.put(itoa::Buffer::new().format(v));
}

/// Writes `v`'s decimal digits, without a division (see [`put_u64_by_subtraction`]).
#[cfg(not(target_pointer_width = "64"))]
pub(crate) fn put_u64(out: &mut Out<'_>, v: u64) {
    put_u64_by_subtraction(out, v)
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
            let mut s: heapless::String<40> = heapless::String::new();
            put_timestamp(&mut Out::new(&mut s), d);
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
}
