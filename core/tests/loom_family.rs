//! Exhaustive interleavings of a [`Family`]'s lock-free series creation, by `loom` (bounded by
//! `LOOM_MAX_PREEMPTIONS`): `RUSTFLAGS="--cfg loom" cargo test -p edgeprom --test loom_family
//! --release`, run by `cargo xtask test --only loom` on both label stores (`spin::Once` on
//! hosts; atomic bytes with `EDGEPROM_SMALL_CODE=1`).
//!
//! The slots' tags, the creation order, the family's length and (bare-metal store) every label
//! byte are loom atomics, so every ordering the family relies on is checked against loom's
//! memory model; see `core/src/sync.rs` for what is and is not swapped.
#![cfg(loom)]

mod loom_model;

use std::collections::BTreeMap;

use edgeprom::{Counter, Family, Format, LabelError, Registry};
use loom::sync::Arc;
use loom::thread;

/// Two label sets, two slots: the family ends full, whatever the hashes.
type Fam = Family<Counter, 1, 2, 1>;

/// A family whose loom atomics exist before any thread is spawned, as a `static`'s would.
fn primed<T: edgeprom::State, const N: usize>() -> Arc<Family<T, 1, N, 1>> {
    let family = Arc::new(Family::new("c", "h", ["k"]));
    family.__loom_prime();
    family
}

/// `labels`, retried while another thread is mid-creation of the same series.
fn resolve<'f>(family: &'f Fam, value: &str) -> &'f Counter {
    loop {
        match family.labels([value]) {
            Err(LabelError::Busy) => thread::yield_now(),
            other => return other.unwrap_or_else(|e| panic!("{value}: {e}")),
        }
    }
}

/// The series of a Prometheus text document: label value -> count. Panics on a line that is
/// not a complete series of this family, or on a series listed twice.
fn series(doc: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for line in doc.lines().filter(|l| !l.starts_with('#')) {
        let (value, count) = line
            .strip_prefix("c_total{k=\"")
            .and_then(|l| l.split_once("\"} "))
            .unwrap_or_else(|| panic!("not a complete series: {line:?}"));
        let count = count.parse().unwrap_or_else(|_| panic!("{line:?}"));
        assert!(
            out.insert(value.to_owned(), count).is_none(),
            "{value} listed twice: {doc:?}"
        );
    }
    out
}

/// The family's series and counts, by `for_each`.
fn contents(family: &Fam) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    family.for_each(|[v], c| {
        assert!(out.insert((*v).to_owned(), c.get()).is_none(), "{v} twice");
    });
    out
}

/// Two writers create the same series and one writer a second one while a reader encodes:
/// the reader sees only complete series (label `a` or `b`, each once, counts within what was
/// added), and at the end each series exists once with every increment counted.
#[test]
fn writers_create_same_and_different_series_while_a_reader_encodes() {
    loom_model::check(
        "writers create same and different series while a reader encodes",
        || {
            let family: Arc<Fam> = primed();
            let one = {
                let family = family.clone();
                thread::spawn(move || resolve(&family, "a").inc())
            };
            let two = {
                let family = family.clone();
                thread::spawn(move || {
                    resolve(&family, "a").inc();
                    resolve(&family, "b").inc_by(5);
                })
            };
            let mut registry: Registry<'_, 1> = Registry::new();
            registry.register(&*family).unwrap();
            let mut doc = String::new();
            registry.encode_to(Format::Prometheus, &mut doc).unwrap();
            let seen = series(&doc);
            for (value, count) in &seen {
                let most = match value.as_str() {
                    "a" => 2,
                    "b" => 5,
                    other => panic!("torn or unknown label value {other:?}"),
                };
                assert!(*count <= most, "{value} = {count}");
            }
            assert!(seen.len() <= family.len(), "{doc:?}");
            one.join().unwrap();
            two.join().unwrap();
            let want = BTreeMap::from([("a".to_owned(), 2), ("b".to_owned(), 5)]);
            assert_eq!(contents(&family), want);
            let mut doc = String::new();
            registry.encode_to(Format::Prometheus, &mut doc).unwrap();
            assert_eq!(series(&doc), want);
        },
    );
}

/// Two writers race for the last slot with different series: exactly one gets it, the other
/// is told `Full`, and neither the family nor a concurrent `get` ever sees a half-made series.
#[test]
fn writers_race_for_the_last_slot() {
    loom_model::check("writers race for the last slot", || {
        let family: Arc<Family<Counter, 1, 1, 1>> = primed();
        let spawn = |value: &'static str| {
            let family = family.clone();
            thread::spawn(move || loop {
                match family.labels([value]) {
                    Err(LabelError::Busy) => thread::yield_now(),
                    Ok(c) => {
                        c.inc();
                        return true;
                    }
                    Err(LabelError::Full { capacity: 1 }) => return false,
                    Err(e) => panic!("{e}"),
                }
            })
        };
        let x = spawn("x");
        let y = spawn("y");
        // A reader that never creates: a series it finds is complete.
        if let Some(c) = family.get(["x"]) {
            assert!(c.get() <= 1);
        }
        let (x, y) = (x.join().unwrap(), y.join().unwrap());
        assert!(x != y, "both or neither got the one slot");
        let mut listed = Vec::new();
        family.for_each(|[v], c| listed.push(((*v).to_owned(), c.get())));
        let winner = if x { "x" } else { "y" };
        assert_eq!(listed, [(winner.to_owned(), 1)]);
    });
}

/// Under an overflow policy, two writers with new label sets race for a two-slot family:
/// whatever the interleaving, one slot stays for the overflow series, neither writer is
/// refused, and every increment is in exactly one series.
#[cfg(feature = "overflow")]
#[test]
fn overflow_keeps_its_slot_when_writers_race() {
    use edgeprom::{FamilyBuilder, Overflow};
    static FOLD: Overflow = Overflow::fold("o");
    loom_model::check("overflow keeps its slot when writers race", || {
        let family: Arc<Family<Counter, 1, 2, 1>> =
            Arc::new(FamilyBuilder::new("c", "h", ["k"]).overflow(&FOLD).build());
        family.__loom_prime();
        let spawn = |value: &'static str| {
            let family = family.clone();
            thread::spawn(move || loop {
                match family.labels([value]) {
                    Err(LabelError::Busy) => thread::yield_now(),
                    Ok(c) => return c.inc(),
                    Err(e) => panic!("{value}: {e}"),
                }
            })
        };
        let x = spawn("x");
        let y = spawn("y");
        x.join().unwrap();
        y.join().unwrap();
        let mut listed = BTreeMap::new();
        family.for_each(|[v], c| {
            assert!(listed.insert((*v).to_owned(), c.get()).is_none());
        });
        assert_eq!(listed.values().sum::<u64>(), 2, "{listed:?}");
        assert_eq!(listed.get("o"), Some(&1), "{listed:?}");
        assert_eq!(listed.len(), 2, "{listed:?}");
    });
}
