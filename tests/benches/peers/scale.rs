//! How cost grows (`--only scale`): a labelled lookup plus increment in families of 10, 1,000
//! and 100,000 series (a static `Family`, open-addressed in place, and a `DynFamily`, a
//! `HashMap` under a read lock), round-robin over every series; and a scrape of 1,000, 10,000
//! and 100,000 series of one counter family into Prometheus text, per output line (the core
//! registry in place into a buffer, the `DynRegistry` into a `String`).
//!
//! The static families hold their series at half load (capacity twice the series), the same
//! for every size, so that what changes with size is the working set, not the probe length.

use std::hint::black_box;
use std::sync::Arc;

use edgeprom::{Counter, Family, Format, Registry};
use edgeprom_std::{DynFamily, DynRegistry, Gather};

use crate::harness::{self, Config};

/// Bytes per label value (the values are `series-0000123`).
const S: usize = 16;

fn values(n: usize) -> Vec<String> {
    // A fixed shuffle, so that consecutive lookups do not walk memory in order.
    let mut v: Vec<String> = (0..n).map(|i| format!("series-{i:07}")).collect();
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for i in (1..v.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.swap(i, (x % (i as u64 + 1)) as usize);
    }
    v
}

/// One size: ns per lookup (static, dynamic) and, for the scrape sizes, ns per line.
struct Case {
    series: usize,
    /// The static family's size in bytes per series it holds.
    bytes: usize,
    lookup: [f64; 2],
    scrape: Option<[f64; 2]>,
}

fn case<const N: usize>(series: usize, scrape: bool, cfg: &Config) -> Case {
    let values = values(series);
    let fam: Box<Family<Counter, 1, N, S>> =
        Box::new(Family::new("scale_requests", "Requests", ["key"]));
    let dynf = Arc::new(DynFamily::<Counter>::new("scale_requests", "Requests", &["key"]).unwrap());
    for v in &values {
        fam.labels([v.as_str()])
            .expect("room for every series")
            .inc();
        dynf.labels(&[v]).expect("no limit").inc();
    }
    let mut j = 0;
    let mut k = 0;
    let vals = black_box(&values);
    let mut stat = |n: u64| {
        for _ in 0..n {
            fam.labels([vals[j].as_str()]).expect("exists").inc();
            j += 1;
            if j == vals.len() {
                j = 0;
            }
        }
    };
    let mut dynamic = |n: u64| {
        for _ in 0..n {
            dynf.labels(&[&vals[k]]).expect("exists").inc();
            k += 1;
            if k == vals.len() {
                k = 0;
            }
        }
    };
    let m = harness::measure_runs(vec![&mut stat, &mut dynamic], cfg);
    let lookup = [m[0], m[1]];
    let scrape = scrape.then(|| {
        let mut reg: Registry<'_, 1> = Registry::new();
        reg.register(&*fam).unwrap();
        let dreg = DynRegistry::new().with_created(false);
        dreg.register(dynf.clone()).unwrap();
        // The core registry in place into a buffer (its fast path, workload 5's), the
        // dynamic one through `fmt::Write` into a `String` (its only path).
        let needed = match reg.encode(Format::Prometheus, &mut []) {
            Err(edgeprom::EncodeError::BufferTooSmall { needed }) => needed,
            other => panic!("{other:?}"),
        };
        let mut a = vec![0u8; needed];
        let mut b = String::new();
        let mut s1 = |n: u64| {
            for _ in 0..n {
                black_box(reg.encode(Format::Prometheus, &mut a).unwrap());
            }
        };
        let mut s2 = |n: u64| {
            for _ in 0..n {
                b.clear();
                dreg.gather_into(Format::Prometheus, &mut b).unwrap();
            }
        };
        let m = harness::measure_runs(vec![&mut s1, &mut s2], cfg);
        let lines = |s: &[u8]| s.iter().filter(|&&c| c == b'\n').count() as f64;
        let len = reg.encode(Format::Prometheus, &mut a).unwrap();
        b.clear();
        dreg.gather_into(Format::Prometheus, &mut b).unwrap();
        let (la, lb) = (lines(&a[..len]), lines(b.as_bytes()));
        assert!(la >= series as f64 && lb >= series as f64);
        [m[0] / la, m[1] / lb]
    });
    Case {
        series,
        bytes: std::mem::size_of::<Family<Counter, 1, N, S>>() / series,
        lookup,
        scrape,
    }
}

pub fn run(cfg: &Config) {
    // The largest families are built on the stack before they are boxed: a thread with room.
    let cfg = *cfg;
    let cases = std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(move || {
            vec![
                case::<20>(10, false, &cfg),
                case::<2_000>(1_000, true, &cfg),
                case::<20_000>(10_000, true, &cfg),
                case::<200_000>(100_000, true, &cfg),
            ]
        })
        .expect("spawn")
        .join()
        .expect("the scale workload");
    println!(
        "| series | Family bytes/series | lookup+inc Family | lookup+inc DynFamily | scrape \
         Family (ns/line) | scrape DynFamily (ns/line) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for c in &cases {
        let (s1, s2) = match c.scrape {
            Some([a, b]) => (format!("{a:.1}"), format!("{b:.1}")),
            None => ("-".into(), "-".into()),
        };
        println!(
            "| {} | {} | {:.1} ns | {:.1} ns | {s1} | {s2} |",
            c.series, c.bytes, c.lookup[0], c.lookup[1]
        );
    }
}
