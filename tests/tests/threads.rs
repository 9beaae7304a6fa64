//! Eight threads hammer one counter, one float counter, one histogram and label families
//! (resolving existing series and creating new ones concurrently) while another thread encodes
//! snapshots. Afterwards every total is exact, each series exists exactly once, and every
//! snapshot was a consistent document.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Barrier;
use std::thread;

use edgeprom::{buckets, Counter, Family, Format, Histogram, LabelError, Metric, Registry, State};

const THREADS: usize = 8;
const ITERS: usize = 20_000;
/// Observations cycle through these; all are multiples of 0.5, so float sums are exact.
const VALUES: [f64; 5] = [0.5, 1.0, 1.5, 3.0, 8.0];
const KEYS: [&str; 16] = [
    "k00", "k01", "k02", "k03", "k04", "k05", "k06", "k07", "k08", "k09", "k10", "k11", "k12",
    "k13", "k14", "k15",
];

buckets!(Bounds: f64 = [1.0, 2.0, 4.0]);

/// The observation thread `t` makes at step `i`.
fn value(t: usize, i: usize) -> f64 {
    VALUES[(t + i) % VALUES.len()]
}

/// The key thread `t` resolves at step `i`: every thread visits every key, in its own order.
fn key(t: usize, i: usize) -> &'static str {
    KEYS[(i * 7 + t * 3) % KEYS.len()]
}

/// Resolves a series, retrying while another thread is still creating it
/// ([`LabelError::Busy`], documented as "retry later"). Counts the retries.
fn resolve<'f, T: State, const N: usize, const S: usize>(
    family: &'f Family<T, 1, N, S>,
    key: &str,
    by_name: bool,
    retries: &AtomicU64,
) -> Result<&'f T, LabelError> {
    loop {
        let r = if by_name {
            family.labels_by_name([("key", key)])
        } else {
            family.labels([key])
        };
        match r {
            Err(LabelError::Busy) => {
                retries.fetch_add(1, Ordering::Relaxed);
                thread::yield_now();
            }
            other => return other,
        }
    }
}

/// Series name (with labels) to value text, failing on a series written twice.
fn samples(doc: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for line in doc.lines().filter(|l| !l.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').expect("a sample line");
        let old = map.insert(series.to_owned(), value.to_owned());
        assert!(old.is_none(), "series {series} written twice in\n{doc}");
    }
    map
}

fn num(map: &BTreeMap<String, String>, series: &str) -> f64 {
    map.get(series)
        .unwrap_or_else(|| panic!("no series {series}"))
        .parse()
        .expect("a number")
}

/// The rules a snapshot must satisfy even while writers run.
fn check_snapshot(doc: &str, last_total: &mut f64) {
    let map = samples(doc);
    let mut prev = 0.0;
    for le in ["1.0", "2.0", "4.0", "+Inf"] {
        let b = num(&map, &format!("hammer_seconds_bucket{{le=\"{le}\"}}"));
        assert!(b >= prev, "buckets are cumulative in\n{doc}");
        prev = b;
    }
    assert_eq!(prev, num(&map, "hammer_seconds_count"), "+Inf == _count");
    let total = num(&map, "hammer_total");
    assert!(total >= *last_total, "a counter never goes down");
    *last_total = total;
}

#[test]
fn hammered_metrics_have_exact_totals() {
    let counter: Metric<Counter> = Metric::new("hammer", "Hammered counter");
    let float: Metric<Counter<f64>> = Metric::new("hammer_float", "Hammered float counter");
    let hist: Metric<Histogram<Bounds>> = Metric::new("hammer_seconds", "Hammered histogram");
    let family: Family<Counter, 1, 16, 8> = Family::new("hammer_keys", "Hammered family", ["key"]);
    let mut registry: Registry<'_, 4> = Registry::new();
    for m in [&counter as &dyn edgeprom::Collect, &float, &hist, &family] {
        registry.register(m).expect("register");
    }

    let start = Barrier::new(THREADS + 1);
    let done = AtomicBool::new(false);
    let retries = AtomicU64::new(0);
    let snapshots = thread::scope(|s| {
        let reader = s.spawn(|| {
            start.wait();
            let mut last_total = 0.0;
            let mut n = 0u32;
            let mut doc = String::with_capacity(8192);
            while !done.load(Ordering::Acquire) && n < 100_000 {
                doc.clear();
                registry
                    .encode_to(Format::Prometheus, &mut doc)
                    .expect("encode");
                check_snapshot(&doc, &mut last_total);
                n += 1;
            }
            n
        });
        let writers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (start, retries) = (&start, &retries);
                let (counter, float, hist, family) = (&counter, &float, &hist, &family);
                s.spawn(move || {
                    start.wait();
                    for i in 0..ITERS {
                        counter.inc();
                        float.inc_by(0.5).expect("finite");
                        hist.observe(value(t, i)).expect("finite");
                        resolve(family, key(t, i), i % 2 == 1, retries)
                            .expect("room for every key")
                            .inc();
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().expect("writer");
        }
        done.store(true, Ordering::Release);
        reader.join().expect("reader")
    });

    // Replay the same updates single-threaded to know the exact expected state.
    let mut per_bucket = [0u64; 4]; // <=1, <=2, <=4, +Inf (non-cumulative)
    let mut sum = 0.0;
    let mut per_key: HashMap<&str, u64> = HashMap::new();
    for t in 0..THREADS {
        for i in 0..ITERS {
            let v = value(t, i);
            sum += v;
            let b = bucket_index(v);
            per_bucket[b] += 1;
            *per_key.entry(key(t, i)).or_default() += 1;
        }
    }
    let total = (THREADS * ITERS) as u64;
    assert_eq!(counter.get(), total);
    assert_eq!(float.get(), 0.5 * total as f64);
    assert_eq!(hist.count(), total);
    assert_eq!(hist.sum(), sum);
    let cumulative: Vec<u64> = per_bucket
        .iter()
        .scan(0, |acc, n| {
            *acc += n;
            Some(*acc)
        })
        .collect();
    let got: Vec<(f64, u64)> = hist.buckets().collect();
    assert_eq!(
        got,
        vec![
            (1.0, cumulative[0]),
            (2.0, cumulative[1]),
            (4.0, cumulative[2])
        ]
    );
    assert_eq!(
        cumulative[3],
        hist.count(),
        "+Inf == count == sum of bucket increments"
    );

    assert_eq!(family.len(), KEYS.len(), "each key created exactly once");
    let mut seen = Vec::new();
    family.for_each(|values, c| {
        seen.push(values[0].to_owned());
        assert_eq!(c.get(), per_key[values[0]], "count of {}", values[0]);
    });
    seen.sort();
    assert_eq!(seen, KEYS, "no duplicate and no missing series");

    // The final document says the same.
    let mut doc = String::new();
    registry
        .encode_to(Format::Prometheus, &mut doc)
        .expect("encode");
    let map = samples(&doc);
    assert_eq!(num(&map, "hammer_total"), total as f64);
    assert_eq!(num(&map, "hammer_float_total"), 0.5 * total as f64);
    assert_eq!(num(&map, "hammer_seconds_count"), total as f64);
    assert_eq!(num(&map, "hammer_seconds_sum"), sum);
    for (le, want) in ["1.0", "2.0", "4.0", "+Inf"].iter().zip(&cumulative) {
        let got = num(&map, &format!("hammer_seconds_bucket{{le=\"{le}\"}}"));
        assert_eq!(got, *want as f64, "bucket le={le}");
    }
    for k in KEYS {
        let got = num(&map, &format!("hammer_keys_total{{key=\"{k}\"}}"));
        assert_eq!(got, per_key[k] as f64, "series {k}");
    }
    let series = map
        .keys()
        .filter(|s| s.starts_with("hammer_keys_total"))
        .count();
    assert_eq!(series, KEYS.len());
    eprintln!(
        "{snapshots} consistent snapshots while writing; {} busy retries",
        retries.load(Ordering::Relaxed)
    );
    assert!(snapshots >= 1);
}

/// The index of the (non-cumulative) bucket `v` falls in: 0..3 for the bounds, 3 for `+Inf`.
fn bucket_index(v: f64) -> usize {
    [1.0, 2.0, 4.0].iter().position(|b| v <= *b).unwrap_or(3)
}

/// Threads race to create more series than the family holds: exactly `N` are created, none
/// twice, and every increment that got a handle is counted.
#[test]
fn racing_to_fill_a_family() {
    const N: usize = 8;
    let family: Family<Counter, 1, N, 8> = Family::new("racing", "Racing family", ["key"]);
    let start = Barrier::new(THREADS);
    let retries = AtomicU64::new(0);
    let per_thread: Vec<HashMap<&str, u64>> = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (family, start, retries) = (&family, &start, &retries);
                s.spawn(move || {
                    let mut ok: HashMap<&str, u64> = HashMap::new();
                    start.wait();
                    for i in 0..2_000 {
                        let k = key(t, i);
                        match resolve(family, k, i % 3 == 0, retries) {
                            Ok(c) => {
                                c.inc();
                                *ok.entry(k).or_default() += 1;
                            }
                            Err(LabelError::Full { capacity }) => assert_eq!(capacity, N),
                            Err(e) => panic!("unexpected {e}"),
                        }
                    }
                    ok
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    let mut expected: HashMap<&str, u64> = HashMap::new();
    for m in &per_thread {
        for (k, n) in m {
            *expected.entry(k).or_default() += n;
        }
    }
    assert_eq!(family.len(), N, "the family filled up exactly");
    assert_eq!(expected.len(), N, "only created series ever resolved");
    let mut seen = Vec::new();
    family.for_each(|values, c| {
        seen.push(values[0].to_owned());
        assert_eq!(Some(&c.get()), expected.get(values[0]), "{}", values[0]);
    });
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), N, "no series twice");
}
