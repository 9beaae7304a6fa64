//! `cargo xtask test --only loom`: the core's loom models (`core/tests/loom_*.rs`), every
//! interleaving of a family's series creation, of tallies' snapshots and of a native
//! histogram's resolution change racing an observer and a reader within [`PREEMPTIONS`]
//! preemptions, once per label store (`spin::Once` on hosts, atomic bytes with
//! `EDGEPROM_SMALL_CODE=1`).
//!
//! Built with `RUSTFLAGS="--cfg loom"` (added to the caller's) in release mode, in a build
//! directory of its own (`<target dir>/loom`) so the workspace's builds stay valid. A
//! `LOOM_MAX_PREEMPTIONS` set by the caller wins.

use std::fs;

use crate::runner::{Runner, StepError};

/// loom's preemption bound: the models take a few seconds each way at 3.
pub const PREEMPTIONS: &str = "3";

/// Runs the loom models on both label stores.
pub fn run(runner: &mut Runner) {
    let tests = match models(runner) {
        Ok(tests) => tests,
        Err(e) => {
            runner.fail("loom: family and tally", e);
            return;
        }
    };
    for (name, small) in [
        ("loom: family and tally", false),
        ("loom: family and tally, bare-metal label store", true),
    ] {
        let mut cmd = runner.cargo(&["test", "-p", "edgeprom", "--release", "--target-dir"]);
        cmd.arg(runner.target_dir("loom"));
        for t in &tests {
            cmd.args(["--test", t]);
        }
        // The interleaving counts the models print.
        cmd.args(["--", "--nocapture"]);
        cmd.env("RUSTFLAGS", rustflags(std::env::var("RUSTFLAGS").ok()));
        if std::env::var_os("LOOM_MAX_PREEMPTIONS").is_none() {
            cmd.env("LOOM_MAX_PREEMPTIONS", PREEMPTIONS);
        }
        if small {
            cmd.env("EDGEPROM_SMALL_CODE", "1");
        } else {
            cmd.env_remove("EDGEPROM_SMALL_CODE");
        }
        runner.run(name, cmd);
    }
}

/// The names of `core/tests/loom_*.rs`, sorted; an error if there are none.
fn models(runner: &Runner) -> Result<Vec<String>, StepError> {
    let dir = runner.root().join("core/tests");
    let entries =
        fs::read_dir(&dir).map_err(|e| StepError::new(None, format!("{}: {e}", dir.display())))?;
    let mut tests: Vec<String> = entries
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            let stem = name.strip_suffix(".rs")?;
            stem.starts_with("loom_").then(|| stem.to_owned())
        })
        .collect();
    tests.sort();
    if tests.is_empty() {
        return Err(StepError::new(
            None,
            format!("no loom_*.rs in {}", dir.display()),
        ));
    }
    Ok(tests)
}

/// The caller's `RUSTFLAGS` with `--cfg loom` added.
fn rustflags(outer: Option<String>) -> String {
    match outer {
        Some(flags) if !flags.trim().is_empty() => format!("{flags} --cfg loom"),
        _ => "--cfg loom".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_keep_the_callers() {
        assert_eq!(rustflags(None), "--cfg loom");
        assert_eq!(rustflags(Some(" ".into())), "--cfg loom");
        assert_eq!(
            rustflags(Some("-C target-cpu=native".into())),
            "-C target-cpu=native --cfg loom"
        );
    }

    #[test]
    fn finds_the_models() {
        let tests = models(&Runner::from_env()).unwrap();
        assert!(tests.contains(&"loom_family".to_owned()), "{tests:?}");
        assert!(tests.contains(&"loom_tally".to_owned()), "{tests:?}");
    }
}
