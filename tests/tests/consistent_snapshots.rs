//! Consistent histograms and summaries under load (issue 6, item 1): four threads hammer a
//! float histogram, a labelled histogram family, an integer histogram and two summaries while
//! another thread encodes thousands of documents, alternating Prometheus text and OpenMetrics,
//! and checks every one of them:
//!
//! - buckets come in order and are cumulative, and `+Inf` equals `_count`;
//! - `_sum` belongs to the same observations as the buckets: each bucket only ever receives one
//!   value (`1.0` into `le="1.0"`, `2.0` into `le="2.0"`, ...), so the bucket counts determine
//!   the sum exactly, and `_sum` must equal `Σ value × (bucket − previous bucket)`;
//! - a summary only ever observes one value `k` (`1.0`, or `3` for the integer one), so
//!   `_sum == k × _count`;
//! - no count goes down from one document to the next.
//!
//! All values are small integers, so every float sum is exact and compared with `==`.
//! Observers run until the reader has checked all its documents, so every document is taken
//! while they observe. Afterwards the totals equal what the observers report they did.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Barrier;
use std::thread;

use edgeprom::{buckets, Family, Format, Histogram, Metric, Registry, Summary};

const OBSERVERS: usize = 4;
/// Documents the reader encodes and checks, alternating the two formats.
const DOCUMENTS: usize = 6_000;

buckets!(Seconds: f64 = [1.0, 2.0, 4.0]);
buckets!(Bytes: u64 = [1, 4, 8]);

/// The one value each float bucket receives: `le="1.0"`, `"2.0"`, `"4.0"`, `"+Inf"`.
const F_VALUES: [f64; 4] = [1.0, 2.0, 4.0, 8.0];
/// The one value each integer bucket receives: `le="1.0"`, `"4.0"`, `"8.0"`, `"+Inf"`.
const I_VALUES: [u64; 4] = [1, 3, 6, 20];
const F_LE: [&str; 4] = ["1.0", "2.0", "4.0", "+Inf"];
const I_LE: [&str; 4] = ["1.0", "4.0", "8.0", "+Inf"];
const KEYS: [&str; 2] = ["a", "b"];
/// What the integer summary observes, every time.
const INT_SUMMARY_VALUE: u64 = 3;

struct Metrics {
    seconds: Metric<Histogram<Seconds>>,
    family: Family<Histogram<Seconds>, 1, 4>,
    bytes: Metric<Histogram<Bytes>>,
    summary: Metric<Summary>,
    int_summary: Metric<Summary<u64>>,
}

impl Metrics {
    fn new() -> Self {
        Metrics {
            seconds: Metric::new("snap_seconds", "Float histogram"),
            family: Family::new("snap_family_seconds", "Labelled histogram", ["key"]),
            bytes: Metric::new("snap_bytes", "Integer histogram"),
            summary: Metric::new("snap_summary_seconds", "Float summary"),
            int_summary: Metric::new("snap_summary_bytes", "Integer summary"),
        }
    }
}

/// What one observer did: per bucket index, how many of each value it observed.
#[derive(Default)]
struct Done {
    seconds: [u64; 4],
    family: [[u64; 4]; 2],
    bytes: [u64; 4],
    summaries: u64,
}

fn observe(m: &Metrics, t: usize, stop: &AtomicBool) -> Done {
    let mut done = Done::default();
    let mut i = t;
    while !stop.load(Ordering::Relaxed) {
        let b = i % 4;
        m.seconds.observe(F_VALUES[b]).expect("finite");
        done.seconds[b] += 1;
        let k = (i / 4) % 2;
        let series = m.family.labels([KEYS[k]]).expect("room for both keys");
        series.observe(F_VALUES[(b + k) % 4]).expect("finite");
        done.family[k][(b + k) % 4] += 1;
        m.bytes.observe(I_VALUES[3 - b]).expect("finite");
        done.bytes[3 - b] += 1;
        m.summary.observe(1.0).expect("finite");
        m.int_summary.observe(INT_SUMMARY_VALUE).expect("finite");
        done.summaries += 1;
        i += 1;
    }
    done
}

/// One series of a document: its buckets in document order, `_count` and `_sum`.
#[derive(Default, Debug)]
struct Series {
    buckets: Vec<(String, f64)>,
    count: Option<f64>,
    sum: Option<f64>,
}

/// Groups a document's samples by metric and labels (without `le`).
fn parse(doc: &str) -> BTreeMap<(String, String), Series> {
    let mut out: BTreeMap<(String, String), Series> = BTreeMap::new();
    for line in doc.lines().filter(|l| !l.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').expect("a sample line");
        let value: f64 = value.parse().expect("a number");
        let (name, labels) = match series.split_once('{') {
            Some((n, rest)) => (n, rest.strip_suffix('}').expect("closing brace")),
            None => (series, ""),
        };
        let mut le = None;
        let mut others = Vec::new();
        for pair in labels.split(',').filter(|p| !p.is_empty()) {
            match pair.strip_prefix("le=") {
                Some(v) => le = Some(v.trim_matches('"').to_owned()),
                None => others.push(pair),
            }
        }
        let others = others.join(",");
        let (base, part) = ["_bucket", "_count", "_sum"]
            .iter()
            .find_map(|s| name.strip_suffix(s).map(|b| (b, *s)))
            .unwrap_or_else(|| panic!("unexpected sample {line}"));
        let s = out.entry((base.to_owned(), others)).or_default();
        match part {
            "_bucket" => s.buckets.push((le.expect("an le label"), value)),
            "_count" => assert!(s.count.replace(value).is_none(), "two _count: {line}"),
            _ => assert!(s.sum.replace(value).is_none(), "two _sum: {line}"),
        }
    }
    out
}

/// Checks one histogram series whose bucket `i` only ever receives `values[i]`.
fn check_histogram(doc: &str, s: &Series, le: [&str; 4], values: [f64; 4]) -> f64 {
    let names: Vec<&str> = s.buckets.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(names, le, "bucket bounds in order in\n{doc}");
    let count = s.count.expect("a _count");
    let sum = s.sum.expect("a _sum");
    let mut prev = 0.0;
    let mut want_sum = 0.0;
    for ((_, c), v) in s.buckets.iter().zip(values) {
        assert!(*c >= prev, "buckets cumulative in\n{doc}");
        want_sum += v * (c - prev);
        prev = *c;
    }
    assert_eq!(prev, count, "+Inf == _count in\n{doc}");
    assert_eq!(
        sum, want_sum,
        "_sum is the sum of the observations the buckets count, in\n{doc}"
    );
    count
}

/// Checks every invariant of one document; returns each series' `_count`.
fn check(doc: &str) -> BTreeMap<String, f64> {
    let series = parse(doc);
    let get = |name: &str, labels: &str| {
        series
            .get(&(name.to_owned(), labels.to_owned()))
            .unwrap_or_else(|| panic!("no series {name}{{{labels}}} in\n{doc}"))
    };
    let mut counts = BTreeMap::new();
    let ints = I_VALUES.map(|v| v as f64);
    let mut hist = |name: &str, labels: &str, le, values| {
        let n = check_histogram(doc, get(name, labels), le, values);
        counts.insert(format!("{name}{{{labels}}}"), n);
    };
    hist("snap_seconds", "", F_LE, F_VALUES);
    hist("snap_bytes", "", I_LE, ints);
    for k in KEYS {
        // The family has a series per key once some observer created it.
        if series.contains_key(&("snap_family_seconds".to_owned(), format!("key=\"{k}\""))) {
            hist(
                "snap_family_seconds",
                &format!("key=\"{k}\""),
                F_LE,
                F_VALUES,
            );
        }
    }
    for (name, k) in [
        ("snap_summary_seconds", 1.0),
        ("snap_summary_bytes", INT_SUMMARY_VALUE as f64),
    ] {
        let s = get(name, "");
        assert!(s.buckets.is_empty(), "a summary has no buckets");
        let (count, sum) = (s.count.expect("_count"), s.sum.expect("_sum"));
        assert_eq!(sum, k * count, "summary _sum == {k} × _count in\n{doc}");
        counts.insert(name.to_owned(), count);
    }
    counts
}

#[test]
fn every_document_is_consistent_while_observers_run() {
    let m = Metrics::new();
    let mut registry: Registry<'_, 8> = Registry::new();
    registry.register(&m.seconds).expect("register");
    registry.register(&m.family).expect("register");
    registry.register(&m.bytes).expect("register");
    registry.register(&m.summary).expect("register");
    registry.register(&m.int_summary).expect("register");

    let start = Barrier::new(OBSERVERS + 1);
    let stop = AtomicBool::new(false);
    let (checked, distinct, done) = thread::scope(|s| {
        let observers: Vec<_> = (0..OBSERVERS)
            .map(|t| {
                let (m, start, stop) = (&m, &start, &stop);
                s.spawn(move || {
                    start.wait();
                    observe(m, t, stop)
                })
            })
            .collect();
        start.wait();
        let mut doc = String::with_capacity(8192);
        let mut last: BTreeMap<String, f64> = BTreeMap::new();
        let mut counts_seen = std::collections::BTreeSet::new();
        let mut checked = [0usize; 2];
        for n in 0..DOCUMENTS {
            let format = [Format::Prometheus, Format::OpenMetrics][n % 2];
            doc.clear();
            registry.encode_to(format, &mut doc).expect("encode");
            if format == Format::OpenMetrics {
                assert!(doc.ends_with("# EOF\n"), "OpenMetrics ends with # EOF");
            }
            let counts = check(&doc);
            for (series, n) in &counts {
                let before = last.get(series).copied().unwrap_or(0.0);
                assert!(*n >= before, "{series} _count went down: {before} -> {n}");
            }
            counts_seen.insert(counts["snap_seconds{}"] as u64);
            last = counts;
            checked[n % 2] += 1;
        }
        stop.store(true, Ordering::Relaxed);
        let done: Vec<Done> = observers
            .into_iter()
            .map(|o| o.join().expect("observer"))
            .collect();
        (checked, counts_seen.len(), done)
    });
    println!(
        "documents checked: {} Prometheus text + {} OpenMetrics; {distinct} distinct _count values seen",
        checked[0], checked[1]
    );
    assert_eq!(checked[0] + checked[1], DOCUMENTS);
    assert!(
        distinct > 1,
        "the documents were taken while the observers ran"
    );

    // The totals are exactly what the observers did.
    let add = |f: &dyn Fn(&Done) -> [u64; 4]| {
        done.iter().fold([0u64; 4], |mut acc, d| {
            for (a, n) in acc.iter_mut().zip(f(d)) {
                *a += n;
            }
            acc
        })
    };
    let cumulative = |per: [u64; 4]| -> Vec<u64> {
        per.iter()
            .scan(0, |acc, n| {
                *acc += n;
                Some(*acc)
            })
            .collect()
    };
    let seconds = add(&|d| d.seconds);
    let got: Vec<u64> = m.seconds.buckets().map(|(_, c)| c).collect();
    assert_eq!(got, cumulative(seconds)[..3]);
    assert_eq!(m.seconds.count(), seconds.iter().sum::<u64>());
    let want: f64 = seconds
        .iter()
        .zip(F_VALUES)
        .map(|(n, v)| *n as f64 * v)
        .sum();
    assert_eq!(m.seconds.sum(), want);
    for (k, key) in KEYS.into_iter().enumerate() {
        let per = add(&|d| d.family[k]);
        let h = m.family.labels([key]).expect("series");
        assert_eq!(h.count(), per.iter().sum::<u64>(), "family {key}");
        let want: f64 = per.iter().zip(F_VALUES).map(|(n, v)| *n as f64 * v).sum();
        assert_eq!(h.sum(), want, "family {key}");
    }
    let bytes = add(&|d| d.bytes);
    let got: Vec<u64> = m.bytes.buckets().map(|(_, c)| c).collect();
    assert_eq!(got, cumulative(bytes)[..3]);
    let want: u64 = bytes.iter().zip(I_VALUES).map(|(n, v)| n * v).sum();
    assert_eq!(m.bytes.sum(), want);
    let summaries: u64 = done.iter().map(|d| d.summaries).sum();
    assert_eq!(m.summary.count(), summaries);
    assert_eq!(m.summary.sum(), summaries as f64);
    assert_eq!(m.int_summary.count(), summaries);
    assert_eq!(m.int_summary.sum(), INT_SUMMARY_VALUE * summaries);
    println!("observations per metric: {summaries} (from {OBSERVERS} observers)");
}

/// The observe path holds no lock on this machine: a 128-bit compare-and-swap where the CPU
/// has one.
#[test]
#[cfg(target_arch = "x86_64")]
fn tallies_are_lock_free_where_the_cpu_has_cmpxchg16b() {
    if std::arch::is_x86_feature_detected!("cmpxchg16b") {
        assert!(edgeprom::Tally::<f64>::is_lock_free());
    } else {
        println!("no cmpxchg16b on this CPU: tallies use portable-atomic's fallback");
    }
}
