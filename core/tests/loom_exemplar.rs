//! Exhaustive interleavings of exemplar writers racing a reader, by `loom` (bounded by
//! `LOOM_MAX_PREEMPTIONS`): `RUSTFLAGS="--cfg loom" cargo test -p edgeprom --test
//! loom_exemplar --release`, run by `cargo xtask test --only loom`.
//!
//! An exemplar cell's sequence word, length, value, timestamp and label bytes are loom's
//! atomics, and its fences loom's (`core/src/sync.rs`), so every ordering of the sequence
//! lock is checked: a reader that accepts a copy must have read one writer's exemplar whole,
//! and a writer that finds the cell held drops its exemplar without waiting.
#![cfg(loom)]

mod loom_model;

use core::time::Duration;

use edgeprom::{CounterWithExemplar, ExemplarWrite};
use loom::sync::Arc;
use loom::thread;

/// Four bytes of labels: `n`, its end byte, one digit, its end byte.
type Cell = CounterWithExemplar<u64, 4>;

/// Writes the exemplar of digit `d`: its label, value and timestamp all say `d`.
fn write(c: &Cell, d: u64) -> ExemplarWrite {
    let digit = [b'0' + d as u8];
    let label = core::str::from_utf8(&digit).unwrap();
    c.inc_by_with_exemplar(d, &[("n", label)], Some(Duration::new(d, 0)))
        .unwrap()
}

/// The digit of the exemplar read, after checking that its label, value and timestamp agree.
fn read(c: &Cell) -> Option<u64> {
    let ex = c.exemplar()?;
    let labels: Vec<(String, String)> = ex
        .labels()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let d = ex.value();
    assert_eq!(labels, [("n".to_owned(), d.to_string())], "torn: {ex:?}");
    assert_eq!(ex.timestamp(), Some(Duration::new(d, 0)), "torn: {ex:?}");
    Some(d)
}

/// A writer races a reader: every copy the reader accepts is one exemplar whole, the one
/// before or the one written (or none, when it gave up on a cell being written).
#[test]
fn a_reader_never_sees_a_torn_exemplar() {
    loom_model::check("an exemplar writer races a reader", || {
        let c: Arc<Cell> = Arc::new(CounterWithExemplar::new());
        write(&c, 1); // creates the loom objects before the threads share them
        let writer = {
            let c = c.clone();
            thread::spawn(move || write(&c, 2))
        };
        if let Some(d) = read(&c) {
            assert!([1, 2].contains(&d), "{d}");
        }
        assert_eq!(
            writer.join().unwrap(),
            ExemplarWrite::Stored,
            "no other writer"
        );
        assert_eq!(read(&c), Some(2));
    });
}

/// Two writers race: one claims the cell and the other, finding it held, drops its exemplar
/// or comes after; the exemplar left is one that was stored whole; every increment counts.
#[test]
fn exemplar_writers_race() {
    loom_model::check("exemplar writers race", || {
        let c: Arc<Cell> = Arc::new(CounterWithExemplar::new());
        write(&c, 1);
        let other = {
            let c = c.clone();
            thread::spawn(move || write(&c, 3))
        };
        let mine = write(&c, 2);
        let theirs = other.join().unwrap();
        let stored: Vec<u64> = [(2, mine), (3, theirs)]
            .into_iter()
            .filter(|(_, o)| *o == ExemplarWrite::Stored)
            .map(|(d, _)| d)
            .collect();
        assert!(!stored.is_empty(), "one of them claims the cell");
        let last = read(&c).expect("no writer holds the cell now");
        assert!(
            stored.contains(&last),
            "{last} not among the stored {stored:?}"
        );
        assert_eq!(c.get(), 6);
    });
}
