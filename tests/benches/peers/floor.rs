//! The floor column: what each hot-path operation costs at least.
//!
//! - counters: a bare `AtomicU64::fetch_add`;
//! - histogram observe: a plain, unsynchronised histogram, the design edgeprom had before its
//!   consistent snapshots (the same branch-free bucket search, then one `fetch_add` on the
//!   bucket and a compare-and-swap loop adding to an `f64` sum). It is fast because a reader
//!   may see a bucket counted whose value is not yet in the sum; issue 6 allows edgeprom's
//!   consistent observe at most 1.5x its cost.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::inputs::{BUCKETS, VALUES};
use crate::subject::Subject;

static FLOOR: AtomicU64 = AtomicU64::new(0);

/// One counter per finite bound, one above them, and the sum's bits.
struct PlainHistogram {
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum: AtomicU64,
}

impl PlainHistogram {
    const fn new() -> Self {
        PlainHistogram {
            buckets: [const { AtomicU64::new(0) }; BUCKETS.len() + 1],
            sum: AtomicU64::new(0),
        }
    }

    #[inline]
    fn observe(&self, v: f64) {
        let i = BUCKETS.iter().filter(|b| **b < v).count();
        self.buckets[i].fetch_add(1, Ordering::Relaxed);
        let mut cur = self.sum.load(Ordering::Relaxed);
        loop {
            let new = (f64::from_bits(cur) + v).to_bits();
            match self
                .sum
                .compare_exchange_weak(cur, new, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }
}

static PLAIN: PlainHistogram = PlainHistogram::new();

pub fn subject(values: &'static [f64]) -> Subject {
    let mut s = Subject::new(
        "floor",
        &[
            "counter: a bare `static AtomicU64`, `fetch_add(1, Relaxed)`",
            "histogram: a plain histogram (bucket `fetch_add` + `f64` sum CAS), no consistent snapshots",
        ],
    );
    s.counter = Some(Box::new(|n| {
        for _ in 0..n {
            FLOOR.fetch_add(1, Ordering::Relaxed);
        }
    }));
    // The same loop as edgeprom's observe workload.
    s.observe = Some(Box::new(move |n| {
        let values = black_box(values);
        for i in 0..n as usize {
            PLAIN.observe(values[i & (VALUES - 1)]);
        }
    }));
    s
}
