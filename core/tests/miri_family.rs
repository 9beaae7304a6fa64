//! Threads racing on a [`Family`]'s lock-free slot claiming, sized for Miri
//! (`cargo +nightly miri test -p edgeprom --test miri_family`, run by `cargo xtask miri`):
//! a few threads, tens of resolutions each. Under Miri every atomic access is checked for data
//! races and the weak-memory effects Miri models; under plain `cargo test` it is a quick
//! stress test. The assertions are exact: no series is created twice, none is lost, and
//! every increment is counted.

use std::collections::BTreeMap;
use std::thread;

use edgeprom::{Counter, Family, Format, Gauge, Histogram, LabelError, Registry};

const THREADS: usize = 4;
const ROUNDS: usize = 50;
/// Distinct series the threads share (fewer than the family holds).
const SERIES: usize = 6;

fn value(i: usize) -> String {
    format!("s{}", i % SERIES)
}

/// Which series thread `t` resolves in round `r`: every thread visits every series, starting
/// at a different one, so claims of the same slot overlap.
fn pick(t: usize, r: usize) -> usize {
    (t * 7 + r * 5) % SERIES
}

/// Resolving may report `Busy` while another thread is mid-claim of the same series; the
/// caller retries, as the docs say.
fn resolve<'f, T: edgeprom::State, const L: usize, const N: usize>(
    f: &'f Family<T, L, N>,
    values: [&str; L],
) -> Result<&'f T, LabelError> {
    loop {
        match f.labels(values) {
            Err(LabelError::Busy) => thread::yield_now(),
            other => return other,
        }
    }
}

#[test]
fn concurrent_resolution_creates_each_series_once() {
    let family: Family<Counter, 2, 8> = Family::new("races", "h", ["series", "kind"]);
    thread::scope(|s| {
        for t in 0..THREADS {
            let family = &family;
            s.spawn(move || {
                for r in 0..ROUNDS {
                    let v = value(pick(t, r));
                    resolve(family, [v.as_str(), "k"]).unwrap().inc();
                }
            });
        }
    });
    assert_eq!(family.len(), SERIES);
    let mut expected = BTreeMap::new();
    for t in 0..THREADS {
        for r in 0..ROUNDS {
            *expected.entry(value(pick(t, r))).or_insert(0u64) += 1;
        }
    }
    let mut seen = BTreeMap::new();
    family.for_each(|[series, kind], c| {
        assert_eq!(*kind, "k");
        assert!(
            seen.insert(series.to_string(), c.get()).is_none(),
            "{series} listed twice"
        );
    });
    assert_eq!(seen, expected);
    assert_eq!(
        seen.values().sum::<u64>(),
        (THREADS * ROUNDS) as u64,
        "an increment was lost"
    );
}

#[test]
fn racing_for_the_last_slots_never_overfills() {
    // 4 slots, 8 distinct series wanted: exactly 4 are created, the rest are `Full`, and every
    // handle handed out is one of the 4.
    let family: Family<Gauge<i64>, 1, 4> = Family::new("full", "h", ["id"]);
    let results: Vec<Vec<(usize, bool)>> = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let family = &family;
                s.spawn(move || {
                    (0..ROUNDS / 5)
                        .map(|r| {
                            let id = (t * 3 + r) % 8;
                            let name = format!("id{id}");
                            match resolve(family, [name.as_str()]) {
                                Ok(g) => {
                                    g.inc();
                                    (id, true)
                                }
                                Err(LabelError::Full { capacity: 4 }) => (id, false),
                                Err(e) => panic!("unexpected {e}"),
                            }
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(family.len(), 4);
    let mut created = BTreeMap::new();
    family.for_each(|[id], g| {
        assert!(created.insert(id.to_string(), g.get()).is_none());
    });
    assert_eq!(created.len(), 4);
    let mut successes = BTreeMap::new();
    for (id, ok) in results.into_iter().flatten() {
        let name = format!("id{id}");
        // Slots are never freed, so a series refused as `Full` can never exist afterwards,
        // and one that was handed out exists.
        assert_eq!(ok, created.contains_key(&name), "{name}: ok={ok}");
        if ok {
            *successes.entry(name).or_insert(0i64) += 1;
        }
    }
    assert_eq!(
        successes, created,
        "increments do not match the created series"
    );
}

#[test]
fn encoding_while_series_are_created_sees_only_complete_series() {
    let family: Family<Histogram, 1, 8> = Family::new("enc", "h", ["route"]);
    let mut registry: Registry<'_, 1> = Registry::new();
    registry.register(&family).unwrap();
    let docs: Vec<String> = thread::scope(|s| {
        for t in 0..2 {
            let family = &family;
            s.spawn(move || {
                for r in 0..ROUNDS / 5 {
                    let v = value(t + r);
                    resolve(family, [v.as_str()]).unwrap().observe(0.5).unwrap();
                }
            });
        }
        let registry = &registry;
        s.spawn(move || {
            (0..4)
                .map(|_| {
                    let mut buf = vec![0u8; 16 * 1024];
                    let n = registry.encode(Format::OpenMetrics, &mut buf).unwrap();
                    buf.truncate(n);
                    String::from_utf8(buf).unwrap()
                })
                .collect()
        })
        .join()
        .unwrap()
    });
    for doc in &docs {
        // Every series listed has a complete, valid label value: one of the names used.
        let mut routes = Vec::new();
        for line in doc.lines().filter(|l| l.starts_with("enc_count{")) {
            let route = line
                .strip_prefix("enc_count{route=\"")
                .and_then(|l| l.split_once('"'))
                .map(|(r, _)| r)
                .unwrap_or_else(|| panic!("bad line {line:?}"));
            assert!(
                (0..SERIES).any(|i| value(i) == route),
                "torn label {route:?}"
            );
            assert!(!routes.contains(&route), "{route} twice");
            routes.push(route);
        }
        assert!(doc.ends_with("# EOF\n"));
    }
    let total: u64 = {
        let mut sum = 0;
        family.for_each(|_, h| sum += h.count());
        sum
    };
    assert_eq!(total, 2 * (ROUNDS / 5) as u64);
}
