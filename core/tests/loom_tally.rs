//! Exhaustive interleavings of observations racing snapshots, by `loom` (bounded by
//! `LOOM_MAX_PREEMPTIONS`): `RUSTFLAGS="--cfg loom" cargo test -p edgeprom --test loom_tally
//! --release`, run by `cargo xtask test --only loom`.
//!
//! Under loom a tally's 128-bit atomic is a `u128` behind a loom mutex (loom has no 128-bit
//! atomic; `core/src/sync.rs`): every load, add and compare-and-swap is one step at which loom
//! switches threads, so the float path's load-then-CAS loop and a snapshot's one load per
//! tally are interleaved with the other threads' updates in every way (within the bound).
#![cfg(loom)]

mod loom_model;

use edgeprom::{Format, Histogram, Metric, Registry, Tally};
use loom::sync::Arc;
use loom::thread;

edgeprom::buckets!(Bounds: f64 = [1.0, 5.0]);

/// Observations in three different buckets, with sums exact in binary.
const OBSERVED: [f64; 3] = [0.5, 3.0, 8.0];

/// A float tally's compare-and-swap loop against a racing add and a reader: every read is the
/// count and the sum of the same observations, and no observation is lost.
#[test]
fn float_tally_adds_race_a_snapshot() {
    loom_model::check("float tally adds race a snapshot", || {
        let tally: Arc<Tally<f64>> = Arc::new(Tally::new());
        tally.get(); // creates its loom object before the threads share it
        let adders: Vec<_> = [0.5, 2.0]
            .into_iter()
            .map(|v| {
                let tally = tally.clone();
                thread::spawn(move || tally.add(v))
            })
            .collect();
        let seen = tally.get();
        assert!(
            [(0, 0.0), (1, 0.5), (1, 2.0), (2, 2.5)].contains(&seen),
            "{seen:?}"
        );
        for a in adders {
            a.join().unwrap();
        }
        assert_eq!(tally.get(), (2, 2.5));
    });
}

/// An integer tally (one atomic add of both halves) against a reader.
#[test]
fn integer_tally_add_races_a_snapshot() {
    loom_model::check("integer tally add races a snapshot", || {
        let tally: Arc<Tally<i64>> = Arc::new(Tally::new());
        tally.get();
        let adder = {
            let tally = tally.clone();
            thread::spawn(move || {
                tally.add(-3);
                tally.add(10);
            })
        };
        let seen = tally.get();
        assert!([(0, 0), (1, -3), (2, 7)].contains(&seen), "{seen:?}");
        adder.join().unwrap();
        assert_eq!(tally.get(), (2, 7));
    });
}

/// A histogram's encoded snapshot while two threads observe: the buckets are cumulative,
/// `_count` is the `+Inf` bucket, and the per-bucket counts and `_sum` describe one subset of
/// the observations (each lands in its own bucket, so the counts name the subset).
#[test]
fn histogram_observations_race_an_encoded_snapshot() {
    loom_model::check("histogram observations race an encoded snapshot", || {
        let histogram: Arc<Metric<Histogram<Bounds>>> = Arc::new(Metric::new("h", "h"));
        histogram.count(); // reads, so creates, every tally
        let one = {
            let h = histogram.clone();
            thread::spawn(move || h.observe(OBSERVED[0]).unwrap())
        };
        let two = {
            let h = histogram.clone();
            thread::spawn(move || {
                h.observe(OBSERVED[1]).unwrap();
                h.observe(OBSERVED[2]).unwrap();
            })
        };
        let mut registry: Registry<'_, 1> = Registry::new();
        registry.register(&*histogram).unwrap();
        let mut doc = String::new();
        registry.encode_to(Format::Prometheus, &mut doc).unwrap();
        check_snapshot(&doc);
        one.join().unwrap();
        two.join().unwrap();
        assert_eq!(histogram.count(), 3);
        assert_eq!(histogram.sum(), OBSERVED.iter().sum::<f64>());
    });
}

/// Checks one encoded histogram (see the test above).
fn check_snapshot(doc: &str) {
    let sample = |name: &str| -> f64 {
        doc.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .unwrap_or_else(|| panic!("no {name} in {doc:?}"))
            .parse()
            .unwrap_or_else(|_| panic!("{name} in {doc:?}"))
    };
    let cumulative = [
        sample("h_bucket{le=\"1.0\"}"),
        sample("h_bucket{le=\"5.0\"}"),
        sample("h_bucket{le=\"+Inf\"}"),
    ];
    let count = sample("h_count");
    let sum = sample("h_sum");
    assert_eq!(count, cumulative[2], "{doc}");
    let mut below = 0.0;
    let mut subset_sum = 0.0;
    for (value, upto) in OBSERVED.iter().zip(cumulative) {
        let here = upto - below;
        assert!(here == 0.0 || here == 1.0, "buckets not cumulative: {doc}");
        if here == 1.0 {
            subset_sum += value;
        }
        below = upto;
    }
    assert_eq!(
        sum, subset_sum,
        "_sum is not the sum of the counted observations: {doc}"
    );
}
