//! Exhaustive interleavings (within `LOOM_MAX_PREEMPTIONS`) of a native histogram's
//! resolution change racing another observer and a reader, by `loom`:
//! `RUSTFLAGS="--cfg loom" cargo test -p edgeprom --test loom_native --release`, run by
//! `cargo xtask test --only loom`.
//!
//! Every 128-bit word of the histogram (the state, each bucket slot) is one loom location, so
//! every load and compare-and-swap of the change's freeze, absorb and empty steps, of the
//! observers and of the reader is a point where loom switches threads.
#![cfg(loom)]

mod loom_model;

use edgeprom::NativeHistogram;
use loom::sync::Arc;
use loom::thread;

/// Two buckets at schema 0 hold `1` (bucket 0) and `2` (bucket 1); `4` (bucket 2) needs
/// schema -1, where they are buckets 0, 1 and 1. One thread observes `4` (and so changes the
/// resolution), another `2`, while the main thread reads: each read is consistent, and at the
/// end each observation is in its bucket once.
#[test]
fn resolution_change_races_an_observer_and_a_reader() {
    loom_model::check("native histogram change races observer and reader", || {
        let h: Arc<NativeHistogram<u64, 2>> =
            Arc::new(NativeHistogram::with_schema(0, 0.0).unwrap());
        h.__loom_touch();
        h.observe(1).unwrap();
        let threads: Vec<_> = [4u64, 2]
            .into_iter()
            .map(|v| {
                let h = h.clone();
                thread::spawn(move || h.observe(v).unwrap())
            })
            .collect();
        let s = h.snapshot();
        let buckets: u64 = s.positive().map(|(_, n)| n).sum();
        assert_eq!(s.count(), buckets + s.zero_count());
        assert!(
            [(1, 1), (2, 5), (2, 3), (3, 7)].contains(&(s.count(), s.sum())),
            "count and sum of different observations: {:?}",
            (s.count(), s.sum())
        );
        for t in threads {
            t.join().unwrap();
        }
        let s = h.snapshot();
        assert_eq!((s.count(), s.sum(), s.schema()), (3, 7, -1));
        assert_eq!(s.positive().collect::<Vec<_>>(), [(0, 1), (1, 2)]);
    });
}

/// As above, with the observer of `2` taking the fast path: the view it reads was stored at
/// schema 0 (window `0..=1`, by the observations before the threads), and the change to
/// schema -1 may happen before, during or after its add. Acting on the old view must either
/// add to a slot the change then moves, or be refused by the slot and read the state.
#[test]
fn an_observer_acting_on_a_view_older_than_a_change() {
    loom_model::check(
        "native histogram: observer on a view older than a change",
        || {
            let h: Arc<NativeHistogram<u64, 2>> =
                Arc::new(NativeHistogram::with_schema(0, 0.0).unwrap());
            h.__loom_touch();
            h.observe(1).unwrap();
            h.observe(2).unwrap(); // the view: schema 0, 0..=1
            let threads: Vec<_> = [4u64, 2]
                .into_iter()
                .map(|v| {
                    let h = h.clone();
                    thread::spawn(move || h.observe(v).unwrap())
                })
                .collect();
            let s = h.snapshot();
            let buckets: u64 = s.positive().map(|(_, n)| n).sum();
            assert_eq!(s.count(), buckets + s.zero_count());
            assert!(
                [(2, 3), (3, 7), (3, 5), (4, 9)].contains(&(s.count(), s.sum())),
                "count and sum of different observations: {:?}",
                (s.count(), s.sum())
            );
            for t in threads {
                t.join().unwrap();
            }
            let s = h.snapshot();
            assert_eq!((s.count(), s.sum(), s.schema()), (4, 9, -1));
            assert_eq!(s.positive().collect::<Vec<_>>(), [(0, 1), (1, 3)]);
        },
    );
}
