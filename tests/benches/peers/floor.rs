//! The floor: a bare `AtomicU64::fetch_add`, what any counter increment costs at least.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::subject::Subject;

static FLOOR: AtomicU64 = AtomicU64::new(0);

pub fn subject() -> Subject {
    let mut s = Subject::new(
        "fetch_add",
        &["a bare `static AtomicU64`, `fetch_add(1, Relaxed)`: the floor for counters"],
    );
    s.counter = Some(Box::new(|n| {
        for _ in 0..n {
            FLOOR.fetch_add(1, Ordering::Relaxed);
        }
    }));
    s
}
