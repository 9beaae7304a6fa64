//! `&'static str` for fuzzer-made names: the core's `Family` and `Metric` take `'static`
//! names (they live in `static`s). Each distinct string is leaked once and kept in a global
//! set, so it stays reachable (no leak report) and memory stays bounded by [`CAP`].

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

/// The most distinct strings kept; past it, [`intern`] answers `None`.
pub const CAP: usize = 200_000;

fn pool() -> &'static Mutex<HashSet<&'static str>> {
    static POOL: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    POOL.get_or_init(|| Mutex::new(HashSet::new()))
}

/// `s` with a `'static` lifetime, or `None` once [`CAP`] strings are held.
pub fn intern(s: &str) -> Option<&'static str> {
    let mut pool = pool().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(found) = pool.get(s) {
        return Some(found);
    }
    if pool.len() >= CAP {
        return None;
    }
    let leaked: &'static str = Box::leak(s.to_owned().into_boxed_str());
    pool.insert(leaked);
    Some(leaked)
}
