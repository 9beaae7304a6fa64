//! What the native histogram tests share: spans and deltas back to buckets, a known set of
//! observations, and the check of what Prometheus makes of them (`histogram_count`,
//! `histogram_sum`, `histogram_quantile` within the bucket of the exact quantile).

use std::time::Duration;

use edgeprom::native_histogram::upper_bound;

use crate::servers::Prometheus;

pub use crate::spans::expand_spans;

/// 2000 latencies from about 1 ms to about 8 s, spread unevenly (a deterministic sequence,
/// several per bucket).
pub fn latencies() -> Vec<f64> {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    (0..2000)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            // log-uniform over 13 powers of two, from 2^-10 s.
            let u = (seed >> 11) as f64 / (1u64 << 53) as f64;
            2f64.powf(-10.0 + 13.0 * u * u)
        })
        .collect()
}

/// How long Prometheus has to show what it got.
const DEADLINE: Duration = Duration::from_secs(30);

/// Checks that `prom` has `selector` (one native histogram series) holding `values`, recorded
/// at `schema`: `histogram_count` exact, `histogram_sum` equal to `sum` (the histogram's own,
/// added bucket by bucket) and within 1e-12 of the exact sum, and `histogram_quantile` for 0.5,
/// 0.9 and 0.99 within the bucket of the exact quantile (so within a factor `base` of it).
///
/// # Panics
/// When one of them does not hold by the deadline.
pub fn check_in_prometheus(
    prom: &Prometheus,
    selector: &str,
    values: &[f64],
    schema: i8,
    sum: f64,
) {
    let count = values.len() as f64;
    prom.wait_for(&format!("histogram_count({selector})"), DEADLINE, |s| {
        s.len() == 1 && s[0].value == count
    });
    let exact_sum: f64 = values.iter().sum();
    let got = prom.wait_for(&format!("histogram_sum({selector})"), DEADLINE, |s| {
        s.len() == 1
    });
    assert_eq!(got[0].value, sum, "the sum sent is the sum stored");
    assert!(
        (got[0].value - exact_sum).abs() <= 1e-12 * exact_sum.abs(),
        "{} vs {exact_sum}",
        got[0].value
    );

    let base = 2f64.powf(2f64.powi(-i32::from(schema)));
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    for q in [0.5, 0.9, 0.99] {
        // Prometheus' rank is q * count; the bucket where the cumulative count reaches it holds
        // the observation of rank ceil(q * count), and the estimate lies in that bucket
        // (linear interpolation between its bounds).
        let exact = sorted[(q * count).ceil() as usize - 1];
        let expr = format!("histogram_quantile({q}, {selector})");
        let got = prom.wait_for(&expr, DEADLINE, |s| s.len() == 1)[0].value;
        let index = (exact.log2() * 2f64.powi(i32::from(schema))).ceil() as i32;
        let (lower, upper) = (upper_bound(schema, index - 1), upper_bound(schema, index));
        assert!(
            lower < exact && exact <= upper,
            "{exact} in bucket {index}: ({lower}, {upper}]"
        );
        assert!(
            (lower..=upper).contains(&got),
            "q {q}: {got} outside the bucket ({lower}, {upper}] of the exact {exact}"
        );
        println!("q {q}: Prometheus {got}, exact {exact}, bucket ({lower}, {upper}]");
        // The same bound as a ratio: within a factor `base` of the exact value.
        assert!(
            got / exact <= base && exact / got <= base,
            "q {q}: {got} vs {exact}, base {base}"
        );
    }
}
