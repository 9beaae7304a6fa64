//! `cargo xtask miri`: the core's tests under Miri, which checks every atomic access of the
//! lock-free parts (label-slot claiming, counters, histograms) for data races and undefined
//! behaviour.
//!
//! Two runs: the core's unit tests (`--lib`; doctests and the other integration tests are left
//! out, being slow under the interpreter and single-threaded), and `core/tests/miri_family.rs`,
//! threads racing to claim and resolve series, under [`SEEDS`] different thread schedules.

use crate::nightly;
use crate::runner::Runner;

/// `-Zmiri-many-seeds` range: each seed is a different interleaving of the threads.
pub const SEEDS: &str = "0..8";

/// Runs every Miri step; with `install`, installs Miri and `rust-src` first when missing.
pub fn run(runner: &mut Runner, install: bool) {
    if install
        && !runner.step("miri: install", |r| {
            nightly::ensure(r, &["miri", "rust-src"])
        })
    {
        return;
    }
    let lib = nightly::cargo(runner, &["miri", "test", "-p", "edgeprom", "--lib"]);
    runner.run("miri: core unit tests", lib);
    let mut threads = nightly::cargo(
        runner,
        &["miri", "test", "-p", "edgeprom", "--test", "miri_family"],
    );
    threads.env("MIRIFLAGS", miriflags(std::env::var("MIRIFLAGS").ok()));
    runner.run(&format!("miri: family threads, seeds {SEEDS}"), threads);
}

/// The caller's `MIRIFLAGS` with the seed range added.
fn miriflags(outer: Option<String>) -> String {
    let seeds = format!("-Zmiri-many-seeds={SEEDS}");
    match outer {
        Some(flags) if !flags.trim().is_empty() => format!("{flags} {seeds}"),
        _ => seeds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_keep_the_callers() {
        assert_eq!(miriflags(None), "-Zmiri-many-seeds=0..8");
        assert_eq!(
            miriflags(Some("-Zmiri-strict-provenance".into())),
            "-Zmiri-strict-provenance -Zmiri-many-seeds=0..8"
        );
    }
}
