//! What the loom tests share: [`check`], `loom::model` that counts the interleavings it ran.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Runs `f` under `loom::model` (every interleaving within `LOOM_MAX_PREEMPTIONS`), prints
/// how many it ran, and fails if that is one: a model with a single interleaving checks
/// nothing concurrent (a swap of the atomics that loom does not see, say).
pub fn check(name: &str, f: impl Fn() + Sync + Send + 'static) {
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = runs.clone();
    loom::model(move || {
        counted.fetch_add(1, Ordering::Relaxed);
        f();
    });
    let runs = runs.load(Ordering::Relaxed);
    println!("loom: {name}: {runs} interleavings");
    assert!(runs > 1, "{name}: loom ran a single interleaving");
}
