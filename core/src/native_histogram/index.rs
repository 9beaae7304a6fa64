//! Which bucket a value falls in, by Prometheus' exponential schemas, computed with integers
//! only (so that an integer or `f32` histogram links no `f64` arithmetic).
//!
//! A value's magnitude is split as Go's `math.Frexp` does, `|v| = frac * 2^exp` with `frac` in
//! `[0.5, 1)`, here `frac` as a 64-bit fixed-point number ([`Mag`]). Then, as client_golang's
//! `histogramCounts.observe`:
//! - schema `s <= 0`: the index at schema 0 is `exp`, less one when `frac == 0.5` (`|v|` a power
//!   of two is the upper bound of its bucket), and at `s < 0` that index divided by `2^-s`,
//!   rounded up (Go: `(key + 2^-s - 1) >> -s`);
//! - schema `s > 0`: `(exp - 1) * 2^s` plus the number of bounds of schema `s` in `[0.5, 1)`
//!   below `frac` (Go: `sort.SearchFloat64s(bounds, frac)`), the bounds being Go's own table
//!   ([`SCHEMA_8`], strided for lower schemas).
//!
//! Both come to one computation here: the index at schema 8 ([`index8`]: one table lookup and
//! one comparison, [`CELLS`]), then at schema `s` that index divided by `2^(8 - s)`, rounded
//! up ([`shifted`], which says why that is Go's index at every schema).
//!
//! Comparing fixed-point fractions is comparing the `f64`s Go compares, exactly: a table
//! entry `t` in `[0.5, 1)` is `t * 2^64` exactly, and so is the `frac` of every `f64` and `f32`
//! and of every integer up to `2^64`. (Go rounds an integer above 2^53 to an `f64` first; here
//! its exact value is placed, which can differ only for such an integer within one rounding step
//! of a bound.)

use super::bounds::SCHEMA_8;

/// The lowest schema, the coarsest: bucket bounds are powers of `2^16`.
pub const MIN_SCHEMA: i8 = -4;
/// The highest schema, the finest: 256 buckets per power of two.
pub const MAX_SCHEMA: i8 = 8;

/// A positive magnitude `frac * 2^exp`, `frac = self.frac / 2^64` in `[0.5, 1)` (the top bit
/// of `frac` set). Ordered as the values are: by `exp`, then by `frac`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mag {
    pub(crate) exp: i32,
    pub(crate) frac: u64,
}

const HALF: u64 = 1 << 63;

impl Mag {
    /// The magnitude of a non-zero `u64`.
    pub(crate) const fn of_u64(v: u64) -> Option<Mag> {
        if v == 0 {
            return None;
        }
        let lz = v.leading_zeros();
        Some(Mag {
            exp: 64 - lz as i32,
            frac: v << lz,
        })
    }

    /// The magnitude of a finite non-zero `f64` given by its bits (the sign is ignored).
    pub(crate) const fn of_f64_bits(bits: u64) -> Option<Mag> {
        Mag::of_float(
            ((bits >> 52) & 0x7ff) as i32,
            bits & ((1 << 52) - 1),
            52,
            1023,
        )
    }

    /// The magnitude of a finite non-zero `f32` given by its bits (the sign is ignored).
    pub(crate) const fn of_f32_bits(bits: u32) -> Option<Mag> {
        let m = (bits & ((1 << 23) - 1)) as u64;
        Mag::of_float(((bits >> 23) & 0xff) as i32, m, 23, 127)
    }

    /// The magnitude of a binary float of biased exponent `e` and mantissa `m` (`digits`
    /// bits, exponent bias `bias`).
    const fn of_float(e: i32, m: u64, digits: u32, bias: i32) -> Option<Mag> {
        if e != 0 {
            return Some(Mag {
                exp: e - (bias - 1),
                frac: HALF | (m << (63 - digits)),
            });
        }
        // Zero or subnormal: `m * 2^(1 - bias - digits)`.
        match Mag::of_u64(m) {
            Some(g) => Some(Mag {
                exp: g.exp + 1 - bias - digits as i32,
                frac: g.frac,
            }),
            None => None,
        }
    }
}

/// [`SCHEMA_8`] as 64-bit fixed-point fractions (each entry is a normal `f64` in `[0.5, 1)`,
/// so its 53 significant bits shifted into the top of a `u64` are exactly `t * 2^64`).
#[allow(clippy::indexing_slicing)] // evaluated at compile time: out of range would not compile
const FIXED_8: [u64; 256] = {
    let mut out = [0u64; 256];
    let mut i = 0;
    while i < 256 {
        out[i] = HALF | ((SCHEMA_8[i].to_bits() & ((1 << 52) - 1)) << 11);
        i += 1;
    }
    out
};

/// The index of the bucket holding a value of magnitude `m` at schema 8, the finest:
/// `(exp - 1) * 256` plus the number of bounds of Go's table below `frac` (Go:
/// `sort.SearchFloat64s(bounds, frac)`). Every other schema's index follows from it
/// ([`at_schema`]).
#[inline]
pub(crate) fn index8(m: Mag) -> i32 {
    ((m.exp - 1) << MAX_SCHEMA) + bounds_below(m.frac) as i32
}

/// The index at `schema` (in [`MIN_SCHEMA`]`..=`[`MAX_SCHEMA`]; clamped to it) of the value
/// whose index at schema 8 is `at8` ([`index8`]).
#[inline]
pub(crate) fn at_schema(at8: i32, schema: i8) -> i32 {
    shifted(
        at8,
        (MAX_SCHEMA - schema.clamp(MIN_SCHEMA, MAX_SCHEMA)) as u32,
    )
}

/// The index `2^shift` times coarser than `at8` (`shift` in `0..=12`: a schema `shift` below
/// 8; at most 31): `at8 / 2^shift` rounded up, as [`halve`] `shift` times.
///
/// It is the index Go computes: at a schema `s > 0` the bounds of `s` are every
/// `2^(8 - s)`-th bound of schema 8, so the count of them below `frac` is the count at schema
/// 8 divided by `2^(8 - s)`, rounded up, and `(exp - 1) * 256` divides exactly; at `s = 0`
/// Go's `exp`, less one when `frac == 0.5`, is `exp - 1` plus one unless no bound is below
/// `frac`, which is the schema-8 index divided by 256 rounded up; at `s < 0` Go rounds that
/// up again by `2^-s` (`(key + 2^-s - 1) >> -s`), and rounding up twice is rounding up once.
#[inline]
pub(crate) const fn shifted(at8: i32, shift: u32) -> i32 {
    // `-floor(-at8 / 2^shift)`: an index is far from `i32::MIN`.
    (at8.wrapping_neg() >> (shift & 31)).wrapping_neg()
}

/// The index of the bucket holding a value of magnitude `m` at `schema` (in
/// [`MIN_SCHEMA`]`..=`[`MAX_SCHEMA`]; clamped to it). Bucket `i` holds `(base^(i-1), base^i]`
/// with `base = 2^(2^-schema)`.
#[cfg(test)]
pub(crate) fn bucket_index(m: Mag, schema: i8) -> i32 {
    at_schema(index8(m), schema)
}

/// How many bits of a fraction (below its top bit) pick its cell in [`CELLS`].
const CELL_BITS: u32 = 9;

/// For each of the 512 cells of `[0.5, 1)` (of equal width, `2^-10`), the number of bounds
/// of [`FIXED_8`] below the cell's start, at most 255. A cell is narrower than the narrowest
/// bucket of schema 8 (`0.5 * (2^(1/256) - 1)`, about `1.35 * 2^-10`), so it holds at most
/// one bound: the count below a fraction is its cell's count plus one if the next bound is
/// below it too, one lookup and one comparison instead of a binary search (a count of 256 is
/// stored as 255, whose bound is below every fraction of those cells).
#[allow(clippy::indexing_slicing)] // evaluated at compile time: out of range would not compile
const CELLS: [u8; 1 << CELL_BITS] = {
    let mut out = [0u8; 1 << CELL_BITS];
    let (mut cell, mut below) = (0usize, 0usize);
    while cell < out.len() {
        let start = HALF | ((cell as u64) << (63 - CELL_BITS));
        while below < 256 && FIXED_8[below] < start {
            below += 1;
        }
        out[cell] = if below > 255 { 255 } else { below as u8 };
        cell += 1;
    }
    out
};

/// [`FIXED_8`] without the top bit (every entry has it): the 52 bits of each bound's
/// fraction below its leading one, at the top of a `u64`.
#[allow(clippy::indexing_slicing)] // evaluated at compile time: out of range would not compile
const BELOW_HALF_8: [u64; 256] = {
    let mut out = [0u64; 256];
    let mut i = 0;
    while i < 256 {
        out[i] = SCHEMA_8[i].to_bits() << 12;
        i += 1;
    }
    out
};

/// The number of bounds of schema 8 (Go's table, [`FIXED_8`]) below `frac` (in `[0.5, 1)`
/// as a 64-bit fixed-point fraction, top bit set).
#[inline]
fn bounds_below(frac: u64) -> u32 {
    bounds_below_bits(frac << 1)
}

/// [`bounds_below`] of the fraction whose bits below its top one are `bits` (at the top of
/// the `u64`; the top bit of a fraction in `[0.5, 1)` is always set, so these bits order
/// fractions as the fractions do). The bits of an `f64`'s mantissa shifted up by 12.
#[inline]
pub(crate) fn bounds_below_bits(bits: u64) -> u32 {
    let cell = (bits >> (64 - CELL_BITS)) as usize;
    let first = CELLS.get(cell).copied().unwrap_or(255);
    let next = BELOW_HALF_8
        .get(usize::from(first))
        .copied()
        .unwrap_or(u64::MAX);
    u32::from(first) + u32::from(next < bits)
}

/// The index that bucket `i` of a schema has one schema lower (its buckets merged in pairs:
/// `2j - 1` and `2j` become `j`), as client_golang's `doubleBucketWidth`.
#[inline]
pub(crate) const fn halve(i: i32) -> i32 {
    (i + 1) >> 1
}

/// `x * 2^e`, exact while the result is a normal `f64` (as Go's `math.Ldexp`).
fn ldexp(mut x: f64, mut e: i32) -> f64 {
    const STEP: i32 = 1000;
    let pow = |k: i32| f64::from_bits(((k + 1023) as u64) << 52);
    while e > STEP {
        x *= pow(STEP);
        e -= STEP;
    }
    while e < -STEP {
        x *= pow(-STEP);
        e += STEP;
    }
    x * pow(e)
}

/// The upper bound of bucket `index` at `schema` (clamped to the valid schemas), as
/// Prometheus computes it (`getBoundExponential` of `model/histogram/generic.go`): a power of
/// two for schemas up to 0, Go's table scaled by a power of two above. The lower bound is the
/// upper bound of `index - 1`. The last bucket of finite values ends at `f64::MAX`.
pub fn upper_bound(schema: i8, index: i32) -> f64 {
    let schema = schema.clamp(MIN_SCHEMA, MAX_SCHEMA);
    if schema < 0 {
        let exp = i64::from(index) << (-schema) as u32;
        if exp == 1024 {
            return f64::MAX;
        }
        return ldexp(1.0, exp.clamp(-2000, 2000) as i32);
    }
    let n = 1i32 << schema;
    let frac_idx = index.rem_euclid(n) as usize;
    let frac = SCHEMA_8
        .get(frac_idx << (MAX_SCHEMA - schema) as u32)
        .copied()
        .unwrap_or(0.5);
    let exp = index.div_euclid(n) + 1;
    if frac == 0.5 && exp == 1025 {
        return f64::MAX;
    }
    ldexp(frac, exp)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::go_tables::GO_LOWER_SCHEMAS;
    use super::*;
    #[cfg(not(miri))]
    use proptest::prelude::*;

    fn index_f64(v: f64, schema: i8) -> i32 {
        bucket_index(Mag::of_f64_bits(v.to_bits()).unwrap(), schema)
    }

    /// The index as client_golang's `histogramCounts.observe` computes it, step for step.
    fn go_index(m: Mag, schema: i8) -> i32 {
        if schema <= 0 {
            let k = if m.frac == HALF { m.exp - 1 } else { m.exp };
            let shift = (-schema) as u32;
            return (k + ((1 << shift) - 1)) >> shift;
        }
        let stride = (MAX_SCHEMA - schema) as u32;
        let below = FIXED_8
            .iter()
            .step_by(1 << stride)
            .filter(|&&b| b < m.frac)
            .count() as i32;
        below + (m.exp - 1) * (1 << schema)
    }

    /// The bounds below `frac` by counting them all.
    fn bounds_below_by_count(frac: u64) -> u32 {
        FIXED_8.iter().filter(|&&b| b < frac).count() as u32
    }

    #[test]
    #[cfg_attr(miri, ignore)] // 28 M comparisons: minutes under Miri, integers only
    fn cells_count_the_bounds_below_every_fraction() {
        let mut fracs = std::vec::Vec::new();
        for b in FIXED_8 {
            fracs.extend([b - 1, b, b + 1]);
        }
        for cell in 0..1u64 << CELL_BITS {
            let start = HALF | (cell << (63 - CELL_BITS));
            fracs.extend([start, start.wrapping_sub(1), start + 1, start + (1 << 53)]);
        }
        fracs.extend([HALF, u64::MAX, u64::MAX - 1]);
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            fracs.push(HALF | x);
        }
        for frac in fracs.into_iter().filter(|&f| f >= HALF) {
            assert_eq!(bounds_below(frac), bounds_below_by_count(frac), "{frac:#x}");
        }
    }

    /// Go's computation and this one agree on both sides of every bound of schema 8 (so of
    /// every schema) and at powers of two, over the whole range of exponents.
    #[test]
    #[cfg_attr(miri, ignore)] // 30 M integer operations: minutes under Miri
    fn index_is_gos_next_to_every_bound() {
        for exp in [-1073, -1021, -100, -3, -1, 0, 1, 2, 7, 64, 1023, 1024] {
            for b in FIXED_8 {
                for frac in [b - 1, b, b + 1].into_iter().filter(|&f| f >= HALF) {
                    let m = Mag { exp, frac };
                    for schema in MIN_SCHEMA..=MAX_SCHEMA {
                        assert_eq!(
                            bucket_index(m, schema),
                            go_index(m, schema),
                            "{m:?} {schema}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_tables_hold_the_same_bounds() {
        for (b, below_half) in FIXED_8.into_iter().zip(BELOW_HALF_8) {
            assert_eq!(b >> 63, 1);
            assert_eq!(b << 1, below_half);
        }
    }

    #[test]
    fn strided_table_is_gos_table_of_every_schema() {
        for (s, table) in (1..8).zip(GO_LOWER_SCHEMAS) {
            assert_eq!(table.len(), 1 << s);
            for (k, &t) in table.iter().enumerate() {
                assert_eq!(SCHEMA_8[k << (8 - s)], t, "schema {s} entry {k}");
            }
        }
        for t in SCHEMA_8 {
            assert!((0.5..1.0).contains(&t), "{t}");
            assert_eq!(Mag::of_f64_bits(t.to_bits()).unwrap().exp, 0);
        }
    }

    /// `2^e` exactly, for normal exponents (Miri perturbs `powi`, as a platform's libm may).
    fn pow2(e: i32) -> f64 {
        f64::from_bits(((1023 + e) as u64) << 52)
    }

    #[test]
    fn magnitudes_are_frexp() {
        // Go: math.Frexp(1) = (0.5, 1), Frexp(3) = (0.75, 2), Frexp(0.1) = (0.8, -3).
        for (v, frac, exp) in [
            (1.0f64, 0.5f64, 1),
            (3.0, 0.75, 2),
            (0.1, 0.8, -3),
            (f64::MAX, f64::MAX / pow2(1023) / 2.0, 1024),
            (f64::MIN_POSITIVE, 0.5, -1021),
            (5e-324, 0.5, -1073),
            (3.0 * 5e-324, 0.75, -1072),
        ] {
            let m = Mag::of_f64_bits(v.to_bits()).unwrap();
            assert_eq!(m.exp, exp, "{v}");
            assert_eq!(m.frac, (frac * pow2(64)) as u64, "{v}");
        }
        for v in [1u64, 2, 3, 255, 1 << 40, u64::MAX] {
            let m = Mag::of_u64(v).unwrap();
            let f = Mag::of_f64_bits((v as f64).to_bits()).unwrap();
            if v < (1 << 53) {
                assert_eq!(m, f, "{v}");
            }
        }
        for v in [1.0f32, 0.1, 3.5, f32::MAX, f32::MIN_POSITIVE, 1e-45] {
            let m = Mag::of_f32_bits(v.to_bits()).unwrap();
            assert_eq!(m, Mag::of_f64_bits(f64::from(v).to_bits()).unwrap(), "{v}");
        }
        assert_eq!(Mag::of_u64(0), None);
        assert_eq!(Mag::of_f64_bits(0), None);
        assert_eq!(Mag::of_f64_bits((-0.0f64).to_bits()), None);
        assert_eq!(Mag::of_f32_bits(0), None);
    }

    /// The index computed straightforwardly: `ceil(log2(v) * 2^schema)`, right away from
    /// the bounds (where `log2` rounding cannot move it).
    fn reference_index(v: f64, schema: i8) -> Option<i32> {
        let x = v.log2() * 2f64.powi(i32::from(schema));
        let nearest = x.round();
        if (x - nearest).abs() < 1e-6 * x.abs().max(1.0) {
            return None; // too close to a bound for a float reference
        }
        Some(x.ceil() as i32)
    }

    /// Go's indices for some values, worked by hand from client_golang's code.
    #[test]
    fn known_indices() {
        for (v, schema, want) in [
            (1.0, 0, 0),
            (1.5, 0, 1),
            (2.0, 0, 1),
            (2.0001, 0, 2),
            (0.5, 0, -1),
            (0.75, 0, 0),
            (1.0, 3, 0),
            (1.0001, 3, 1),
            (2.0, 3, 8),
            (1.0, -1, 0),
            (4.0, -1, 1),
            (4.1, -1, 2),
            (0.25, -1, -1),
            (0.3, -1, 0),
            (65536.0, -4, 1),
            (65537.0, -4, 2),
            (f64::MAX, 8, 262144), // past the last bound in [0.5, 1): Go's last bucket, up to MAX
            (f64::MAX, -4, 64),
            (f64::MAX, 0, 1024),
            (5e-324, 0, -1074),
            (5e-324, 8, -1074 * 256),
        ] {
            assert_eq!(index_f64(v, schema), want, "{v} at schema {schema}");
        }
        assert_eq!(bucket_index(Mag::of_u64(1).unwrap(), 2), 0);
        assert_eq!(bucket_index(Mag::of_u64(3).unwrap(), 0), 2);
    }

    /// Every bound of every schema: `upper_bound(s, i)` lies in bucket `i`, the next `f64`
    /// above it in bucket `i + 1`; for schemas up to 0 the bounds are exact powers of two.
    #[test]
    // Miri perturbs the results of float functions (`powi` here), as a platform's libm may.
    #[cfg_attr(miri, ignore)]
    fn bounds_are_in_their_own_bucket() {
        for schema in MIN_SCHEMA..=MAX_SCHEMA {
            let per = if schema > 0 { 1i32 << schema } else { 1 };
            for i in (-140 * per)..(140 * per) {
                let b = upper_bound(schema, i);
                if b == 0.0 || !b.is_finite() || b == f64::MAX {
                    continue;
                }
                let exp = i << (-schema).max(0) as u32;
                if schema <= 0 && exp.abs() < 1000 {
                    assert_eq!(b, 2f64.powi(exp), "schema {schema} index {i}");
                }
                assert_eq!(index_f64(b, schema), i, "bound {b} at schema {schema}");
                let above = f64::from_bits(b.to_bits() + 1);
                assert_eq!(index_f64(above, schema), i + 1, "{above} at {schema}");
                let below = f64::from_bits(b.to_bits() - 1);
                let below_bound = upper_bound(schema, i - 1);
                if below > below_bound && below > 0.0 {
                    assert_eq!(index_f64(below, schema), i, "{below} at {schema}");
                }
            }
        }
    }

    #[test]
    fn bucket_bounds_extremes() {
        assert_eq!(upper_bound(0, 1024), f64::MAX);
        assert_eq!(upper_bound(8, 1024 * 256), f64::MAX);
        assert_eq!(upper_bound(-4, 64), f64::MAX);
        assert_eq!(upper_bound(0, 0), 1.0);
        assert_eq!(upper_bound(3, 8), 2.0);
        assert_eq!(upper_bound(-2, 1), 16.0);
    }

    // Not under Miri: proptest persists failures through the file system, which Miri's
    // isolation refuses, and 20,000 cases are beyond the interpreter.
    #[cfg(not(miri))]
    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn index_matches_a_log2_reference(bits in 1u64..0x7ff0_0000_0000_0000, schema in -4i8..=8) {
            let v = f64::from_bits(bits);
            let got = index_f64(v, schema);
            if let Some(want) = reference_index(v, schema) {
                prop_assert_eq!(got, want, "{} at schema {}", v, schema);
            }
            // Always inside the bounds Prometheus gives the bucket.
            let upper = upper_bound(schema, got);
            let lower = upper_bound(schema, got - 1);
            prop_assert!(v <= upper && v > lower, "{} not in ({}, {}] at {}", v, lower, upper, schema);
        }

        #[test]
        fn halving_is_the_index_one_schema_lower(bits in 1u64..0x7ff0_0000_0000_0000, schema in -3i8..=8) {
            let m = Mag::of_f64_bits(bits).unwrap();
            prop_assert_eq!(halve(bucket_index(m, schema)), bucket_index(m, schema - 1));
        }

        #[test]
        fn index_is_gos_at_every_schema(bits in 1u64..0x7ff0_0000_0000_0000, schema in -4i8..=8) {
            let m = Mag::of_f64_bits(bits).unwrap();
            prop_assert_eq!(bucket_index(m, schema), go_index(m, schema));
        }

        #[test]
        fn integers_match_their_f64(v in 1u64..(1 << 53), schema in -4i8..=8) {
            let exact = bucket_index(Mag::of_u64(v).unwrap(), schema);
            prop_assert_eq!(exact, index_f64(v as f64, schema));
        }
    }
}
