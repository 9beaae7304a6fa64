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

/// Observes `before` at schema 0 (two buckets), then `4` (which needs schema -1, where `1`,
/// `2` and `4` are buckets 0, 1 and 1) and `2` from two threads while the main thread reads:
/// each read is one of `reads` (count, sum), its count the sum of its buckets, and at the end
/// every observation is in its bucket once.
fn race(name: &str, before: &'static [u64], reads: &'static [(u64, u64)]) {
    loom_model::check(name, move || {
        let h: Arc<NativeHistogram<u64, 2>> =
            Arc::new(NativeHistogram::with_schema(0, 0.0).unwrap());
        h.__loom_touch();
        for &v in before {
            h.observe(v).unwrap();
        }
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
            reads.contains(&(s.count(), s.sum())),
            "count and sum of different observations: {:?}",
            (s.count(), s.sum())
        );
        for t in threads {
            t.join().unwrap();
        }
        let s = h.snapshot();
        let sum: u64 = before.iter().sum::<u64>() + 6;
        let count = before.len() as u64 + 2;
        assert_eq!((s.count(), s.sum(), s.schema()), (count, sum, -1));
        let at_zero = before.iter().filter(|&&v| v == 1).count() as u64;
        assert_eq!(
            s.positive().collect::<Vec<_>>(),
            [(0, at_zero), (1, count - at_zero)]
        );
    });
}

/// The change races an observer and a reader.
#[test]
fn resolution_change_races_an_observer_and_a_reader() {
    race(
        "native histogram change races observer and reader",
        &[1],
        &[(1, 1), (2, 5), (2, 3), (3, 7)],
    );
}

/// The observer of `2` takes the fast path: the view it reads was stored at schema 0 (window
/// `0..=1`, by the observations before the threads), and the change to schema -1 may happen
/// before, during or after its add. Acting on the old view must either add to a slot the
/// change then moves, or be refused by the slot and read the state.
#[test]
fn an_observer_acting_on_a_view_older_than_a_change() {
    race(
        "native histogram: observer on a view older than a change",
        &[1, 2],
        &[(2, 3), (3, 7), (3, 5), (4, 9)],
    );
}
