extern crate std;

use std::vec::Vec;

use super::index::{bucket_index, Mag};
use super::*;
use crate::{Family, Format, Metric, Registry};

/// The bucket of `v` at `schema`, computed independently with `log2` (the values used here are
/// away from bounds).
fn index_of(v: f64, schema: i8) -> i32 {
    (v.abs().log2() * 2f64.powi(i32::from(schema))).ceil() as i32
}

fn positive<V: NativeValue, const N: usize, const M: usize>(
    s: &NativeSnapshot<V, N, M>,
) -> Vec<(i32, u64)> {
    s.positive().collect()
}

#[test]
fn observes_into_exponential_buckets() {
    // 1.0 to 2.0 at schema 8 is 257 buckets.
    let h: NativeHistogram<f64, 257, 4> = NativeHistogram::new();
    for v in [1.0, 1.001, 1.5, 2.0, 0.0, -3.0, 1e-40] {
        h.observe(v).unwrap();
    }
    let s = h.snapshot();
    assert_eq!(s.schema(), 8);
    assert_eq!(
        s.zero_count(),
        2,
        "0 and 1e-40 are within the zero threshold"
    );
    // 1.0 is the upper bound of bucket 0; 2.0 of bucket 256.
    assert_eq!(
        positive(&s),
        [
            (0, 1),
            (index_of(1.001, 8), 1),
            (index_of(1.5, 8), 1),
            (256, 1)
        ]
    );
    assert_eq!(s.negative().collect::<Vec<_>>(), [(index_of(3.0, 8), 1)]);
    assert_eq!(
        (s.count(), s.sum()),
        (7, 1.0 + 1.001 + 1.5 + 2.0 - 3.0 + 1e-40)
    );
    assert_eq!(h.observe(f64::NAN), Err(ObserveError::NotFinite));
    assert_eq!(h.observe(f64::INFINITY), Err(ObserveError::NotFinite));
    assert_eq!(h.count(), 7, "nothing recorded");
}

#[test]
fn negative_values_need_negative_buckets() {
    let h: NativeHistogram<f64, 4> = NativeHistogram::new();
    assert_eq!(h.observe(-1.0), Err(ObserveError::Negative));
    assert_eq!(h.observe(-0.0), Ok(()), "-0.0 is zero");
    assert_eq!(h.snapshot().zero_count(), 1);
    let i: NativeHistogram<i64, 4, 4> = NativeHistogram::new();
    i.observe(-5).unwrap();
    i.observe(5).unwrap();
    i.observe(0).unwrap();
    let s = i.snapshot();
    assert_eq!((s.count(), s.sum(), s.zero_count()), (3, 0, 1));
    assert_eq!(s.negative().collect::<Vec<_>>(), positive(&s));
}

/// Bucket counts and where each value landed, by brute force: the buckets a snapshot has
/// must be exactly those of the values, at the snapshot's schema.
fn expected(values: &[f64], schema: i8) -> Vec<(i32, u64)> {
    let mut m = std::collections::BTreeMap::new();
    for &v in values {
        let i = bucket_index(Mag::of_f64_bits(v.to_bits()).unwrap(), schema);
        *m.entry(i).or_insert(0u64) += 1;
    }
    m.into_iter().collect()
}

#[test]
fn resolution_drops_to_fit_and_merges_neighbours() {
    let h: NativeHistogram<f64, 8> = NativeHistogram::new();
    let mut values = Vec::new();
    // 1.0 and 1.01 at schema 8 are 4 buckets apart: fits.
    for v in [1.0, 1.01] {
        h.observe(v).unwrap();
        values.push(v);
    }
    assert_eq!(h.schema(), 8);
    // 2.0 is bucket 256 at schema 8: the window of 8 needs schema 3 (buckets 0..=8 is 9 wide,
    // so schema 2: 0..=4).
    h.observe(2.0).unwrap();
    values.push(2.0);
    let s = h.snapshot();
    assert_eq!(s.schema(), 2);
    assert_eq!(positive(&s), expected(&values, 2));
    // 1000.0: about 10 powers of two: schema 0 (0..=10 is 11 wide) is too wide, so -1.
    h.observe(1000.0).unwrap();
    values.push(1000.0);
    let s = h.snapshot();
    assert_eq!(s.schema(), -1);
    assert_eq!(positive(&s), expected(&values, -1));
    assert_eq!((s.count(), s.sum()), (4, 1.0 + 1.01 + 2.0 + 1000.0));
}

#[test]
fn merging_matches_observing_at_the_lower_schema() {
    // Values observed at schema 8 and merged down give the buckets observing them at the
    // final schema straight away gives.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut values = Vec::new();
    let h: NativeHistogram<f64, 20> = NativeHistogram::new();
    for _ in 0..2000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let v = f64::from_bits(0x3ff0_0000_0000_0000 | (seed >> 12)) * (1 + seed % 64) as f64;
        h.observe(v).unwrap();
        values.push(v);
    }
    let s = h.snapshot();
    assert!(s.schema() < 8);
    assert_eq!(positive(&s), expected(&values, s.schema()));
    let direct: NativeHistogram<f64, 20> = NativeHistogram::with_schema(s.schema(), 0.0).unwrap();
    for &v in &values {
        direct.observe(v).unwrap();
    }
    assert_eq!(positive(&direct.snapshot()), positive(&s));
    assert_eq!(direct.schema(), s.schema(), "no further drop needed");
}

#[test]
fn refuses_what_does_not_fit_at_the_lowest_schema() {
    let h: NativeHistogram<f64, 2> = NativeHistogram::new();
    h.observe(1.0).unwrap();
    h.observe(1e4).unwrap(); // buckets 0 and 1 at schema -4: (2^-16, 1] and (1, 2^16]
    assert_eq!(h.schema(), -4);
    assert_eq!(h.observe(1e-30), Err(ObserveError::TooManyBuckets));
    let s = h.snapshot();
    assert_eq!((s.count(), s.schema()), (2, -4), "nothing recorded");
    assert_eq!(
        NativeHistogram::<f64, 2>::with_schema(9, 0.0).err(),
        Some(NativeHistogramError::Schema)
    );
    assert_eq!(
        NativeHistogram::<f64, 2>::with_schema(0, -1.0).err(),
        Some(NativeHistogramError::ZeroThreshold)
    );
    assert!(NativeHistogram::<f64, 2>::with_schema(0, f64::NAN).is_err());
}

#[test]
fn integers_and_f32() {
    let h: NativeHistogram<u64, 64> = NativeHistogram::new();
    for v in [0u64, 1, 2, 3, 4, 1000, u64::MAX] {
        h.observe(v).unwrap();
    }
    let s = h.snapshot();
    assert_eq!((s.count(), s.sum(), s.zero_count()), (7, u64::MAX, 1));
    // 1..=u64::MAX spans 64 powers of two: schema 0 fits 0..=64 in 65? No: 64 slots, so -1.
    assert_eq!(s.schema(), -1);
    assert_eq!(
        positive(&s),
        [(0, 1), (1, 3), (5, 1), (32, 1)],
        "1 | 2, 3, 4 (up to 4) | 1000 (up to 1024) | u64::MAX (up to 2^64)"
    );
    let f: NativeHistogram<f32, 8> = NativeHistogram::new();
    f.observe(0.5).unwrap();
    f.observe(0.75).unwrap();
    let s = f.snapshot();
    assert_eq!((s.count(), s.sum()), (2, 1.25f32));
    assert_eq!(positive(&s), expected(&[0.5, 0.75], s.schema()));
}

#[test]
fn in_a_family_and_in_text() {
    static LAT: Family<NativeHistogram<f64, 16>, 1, 4> =
        Family::new("native_lat_seconds", "L", ["path"]);
    LAT.labels(["/"]).unwrap().observe(0.25).unwrap();
    LAT.labels(["/"]).unwrap().observe(0.5).unwrap();
    let mut r: Registry<'_, 1> = Registry::new();
    r.register(&LAT).unwrap();
    for format in [Format::Prometheus, Format::OpenMetrics] {
        let mut buf = [0u8; 1024];
        let n = r.encode(format, &mut buf).unwrap();
        let doc = core::str::from_utf8(&buf[..n]).unwrap();
        assert!(
            doc.contains("# TYPE native_lat_seconds histogram\n"),
            "{doc}"
        );
        assert!(
            doc.contains("native_lat_seconds_bucket{path=\"/\",le=\"+Inf\"} 2\n"),
            "{doc}"
        );
        assert!(
            doc.contains("native_lat_seconds_count{path=\"/\"} 2\n"),
            "{doc}"
        );
        assert!(
            doc.contains("native_lat_seconds_sum{path=\"/\"} 0.75\n"),
            "{doc}"
        );
        assert_eq!(doc.matches("_bucket").count(), 1, "{doc}");
    }
    static SIGNED: Metric<NativeHistogram<f64, 4, 4>> = Metric::new("native_signed", "S");
    SIGNED.observe(-1.0).unwrap();
    let mut r: Registry<'_, 1> = Registry::new();
    r.register(&SIGNED).unwrap();
    let mut buf = [0u8; 512];
    let n = r.encode(Format::OpenMetrics, &mut buf).unwrap();
    let doc = core::str::from_utf8(&buf[..n]).unwrap();
    assert!(
        doc.contains("native_signed_bucket{le=\"+Inf\"} 1\n"),
        "{doc}"
    );
    assert!(!doc.contains("_sum") && !doc.contains("_count"), "{doc}");
}

/// Threads observe values whose spread grows as they go (so the resolution drops many times
/// while they all run, released together), while another thread reads snapshots: every
/// snapshot is consistent (count = buckets + zero bucket) and never goes down, and at the end
/// every observation is there exactly once: the count, the exact integer sum, and each
/// bucket's count equal those of the values at the final schema.
#[test]
// 20,000 observations per round from four threads: beyond the interpreter (the loom model
// checks the interleavings).
#[cfg_attr(miri, ignore)]
fn exact_totals_under_contention() {
    const THREADS: u64 = 4;
    const PER: u64 = 5_000;
    // At least this many rounds, and more (up to `MAX_ROUNDS`) until the reader has read
    // while the resolution was dropping: how often it does depends on the scheduler (a
    // loaded machine may run it only between observers).
    const ROUNDS: u64 = 12;
    const MAX_ROUNDS: u64 = 400;
    let value = |t: u64, k: u64| ((k * 7919 + t * 104_729) % 4096) << (k * 36 / PER);
    let mut schemas_seen = std::collections::BTreeSet::new();
    for round in 0..MAX_ROUNDS {
        if round >= ROUNDS && schemas_seen.len() >= 3 {
            break;
        }
        let h: NativeHistogram<u64, 12> = NativeHistogram::new();
        let done = core::sync::atomic::AtomicBool::new(false);
        let start = std::sync::Barrier::new(THREADS as usize + 1);
        std::thread::scope(|s| {
            let reader = s.spawn(|| {
                start.wait();
                let (mut last, mut schemas) = (0, std::collections::BTreeSet::new());
                while !done.load(core::sync::atomic::Ordering::Relaxed) {
                    let snap = h.snapshot();
                    let buckets: u64 = snap.positive().map(|(_, n)| n).sum();
                    assert_eq!(snap.count(), buckets + snap.zero_count());
                    assert!(snap.count() >= last, "counts never go down");
                    last = snap.count();
                    schemas.insert(snap.schema());
                }
                schemas
            });
            let observers: Vec<_> = (0..THREADS)
                .map(|t| {
                    let (h, start) = (&h, &start);
                    s.spawn(move || {
                        start.wait();
                        for k in 0..PER {
                            h.observe(value(t, k)).unwrap();
                        }
                    })
                })
                .collect();
            for o in observers {
                o.join().unwrap();
            }
            done.store(true, core::sync::atomic::Ordering::Relaxed);
            schemas_seen.extend(reader.join().unwrap());
        });
        let snap = h.snapshot();
        let all: Vec<u64> = (0..THREADS)
            .flat_map(|t| (0..PER).map(move |k| value(t, k)))
            .collect();
        assert_eq!(snap.count(), THREADS * PER);
        assert_eq!(snap.sum(), all.iter().sum::<u64>());
        let mut want = std::collections::BTreeMap::new();
        for &v in &all {
            if let Some(mag) = Mag::of_u64(v) {
                *want.entry(bucket_index(mag, snap.schema())).or_insert(0u64) += 1;
            }
        }
        let want: Vec<_> = want.into_iter().collect();
        assert_eq!(positive(&snap), want, "every value in its bucket, once");
        assert_eq!(
            snap.zero_count(),
            all.iter().filter(|v| **v == 0).count() as u64
        );
    }
    // The reader read while the resolution was dropping, not only before or after.
    assert!(schemas_seen.len() >= 3, "schemas read: {schemas_seen:?}");
}

#[test]
#[cfg(all(feature = "created", target_pointer_width = "64"))]
fn memory_is_what_the_docs_say() {
    use core::mem::size_of;
    assert_eq!(size_of::<NativeHistogram<f64, 16>>(), 32 * 16 + 96);
    assert_eq!(size_of::<NativeHistogram<f64, 32>>(), 1120);
    assert_eq!(size_of::<NativeHistogram<f64, 160>>(), 5216);
    assert_eq!(size_of::<NativeHistogram<i64, 16, 16>>(), 32 * 32 + 96);
}

#[test]
fn a_count_wraps_in_its_bits_through_the_common_case_too() {
    let h: NativeHistogram<f64, 4> = NativeHistogram::new();
    h.observe(1.0).unwrap(); // bucket 0, slot 0; the view now holds the window
    assert!(Window::unpack(h.views[0].load(Ordering::Relaxed)).is_some());
    let slot = &h.pos[0][0];
    let (low, sum) = split(slot.load(Ordering::Relaxed));
    assert_eq!(low, tag(8, 8) | 1);
    slot.store(join(low | COUNT_MASK, sum), Ordering::Relaxed);
    h.observe(1.0).unwrap();
    let (low, sum) = split(slot.load(Ordering::Relaxed));
    assert_eq!(low, tag(8, 8), "the count wrapped to 0, the tag kept");
    assert_eq!(<f64 as crate::SumBits>::from_sum_bits(sum), 2.0);
    h.observe(1.0).unwrap();
    assert_eq!(split(slot.load(Ordering::Relaxed)).0, tag(8, 8) | 1);
}
