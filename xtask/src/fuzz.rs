//! `cargo xtask fuzz [--seconds N] [--target NAME]...`: runs each cargo-fuzz target of
//! `fuzz/` (a crate outside the workspace) for a set time on the nightly toolchain.
//!
//! cargo-fuzz is installed with `cargo install cargo-fuzz --locked` when missing. Each
//! target's libFuzzer output goes to `<target dir>/fuzz/<name>.log`; the step prints the
//! number of executions, and on a failure the end of the log (the panic and the artifact that
//! reproduces it: `cargo +nightly fuzz run <name> fuzz/artifacts/<name>/crash-...`). The
//! corpus grows in `fuzz/corpus/<name>` (not committed) from run to run.

use std::ffi::OsString;
use std::fs::{self, File};
use std::path::PathBuf;
use std::time::Instant;

use crate::nightly;
use crate::runner::{describe, Runner, StepError};

/// The fuzz targets, in the order they run.
pub const TARGETS: [&str; 3] = ["names_and_encode", "push_path", "http_response"];
/// Seconds per target for `cargo xtask fuzz`.
pub const DEFAULT_SECONDS: u64 = 60;
/// Seconds per target in `cargo xtask test`.
pub const TEST_SECONDS: u64 = 20;
/// A single input running longer than this is reported as a hang.
const INPUT_TIMEOUT_SECONDS: u64 = 10;

/// Options of `cargo xtask fuzz`.
#[derive(Debug, PartialEq, Eq)]
pub struct Options {
    pub seconds: u64,
    /// The targets named with `--target`; empty means all.
    pub targets: Vec<&'static str>,
    pub help: bool,
}

impl Options {
    pub fn parse(args: &[OsString]) -> Result<Self, String> {
        let mut opts = Options {
            seconds: DEFAULT_SECONDS,
            targets: Vec::new(),
            help: false,
        };
        let mut args = args.iter().map(|a| a.to_str());
        while let Some(arg) = args.next() {
            let arg = arg.ok_or("arguments must be UTF-8")?;
            let (key, inline) = match arg.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (arg, None),
            };
            let mut value = || {
                inline
                    .map(Some)
                    .unwrap_or_else(|| args.next().flatten())
                    .ok_or(format!("{key} needs a value"))
            };
            match key {
                "-h" | "--help" => opts.help = true,
                "--seconds" => {
                    let v = value()?;
                    opts.seconds = v
                        .parse()
                        .ok()
                        .filter(|s| *s > 0)
                        .ok_or(format!("--seconds takes a positive number, not `{v}`"))?;
                }
                "--target" => {
                    let v = value()?;
                    let t = TARGETS.into_iter().find(|t| *t == v).ok_or(format!(
                        "unknown fuzz target `{v}`; expected one of: {}",
                        TARGETS.join(", ")
                    ))?;
                    if !opts.targets.contains(&t) {
                        opts.targets.push(t);
                    }
                }
                _ => return Err(format!("unexpected argument `{arg}`")),
            }
        }
        Ok(opts)
    }

    /// The targets to run.
    pub fn targets(&self) -> &[&'static str] {
        if self.targets.is_empty() {
            &TARGETS
        } else {
            &self.targets
        }
    }
}

/// Installs what is missing (with `install`), builds the targets, and runs each for
/// `seconds`.
pub fn run(runner: &mut Runner, seconds: u64, targets: &[&str], install: bool) {
    if install && !runner.step("fuzz: install", install_tools) {
        return;
    }
    let dir = target_dir(runner);
    // `cargo fuzz build` takes one target, or none for all of them.
    let mut build = nightly::cargo(runner, &["fuzz", "build", "--target-dir"]);
    build.arg(&dir);
    if let [one] = targets {
        build.arg(one);
    }
    if !runner.run("fuzz: build", build) {
        return;
    }
    for t in targets {
        runner.step(&format!("fuzz: {t} ({seconds} s)"), |r| {
            run_target(r, t, seconds, &dir)
        });
    }
}

/// The nightly toolchain and cargo-fuzz.
fn install_tools(runner: &Runner) -> Result<(), StepError> {
    nightly::ensure(runner, &[])?;
    let mut probe = nightly::cargo(runner, &["fuzz", "--version"]);
    if crate::runner::succeeds(&mut probe)? {
        println!("cargo-fuzz is installed");
        return Ok(());
    }
    let start = Instant::now();
    let mut install = runner.cargo(&["install", "cargo-fuzz", "--locked"]);
    crate::runner::exec(&mut install)?;
    println!(
        "installed cargo-fuzz in {:.0} s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `$CARGO_TARGET_DIR/fuzz`, or `target/fuzz`: apart from the workspace's builds, whose
/// flags differ (sanitizer, coverage).
fn target_dir(runner: &Runner) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| runner.root().join("target"))
        .join("fuzz")
}

fn run_target(
    runner: &Runner,
    target: &str,
    seconds: u64,
    dir: &std::path::Path,
) -> Result<(), StepError> {
    fs::create_dir_all(dir).map_err(|e| StepError::new(None, format!("{}: {e}", dir.display())))?;
    let log_path = dir.join(format!("{target}.log"));
    let log = File::create(&log_path)
        .map_err(|e| StepError::new(None, format!("{}: {e}", log_path.display())))?;
    let log_err = log
        .try_clone()
        .map_err(|e| StepError::new(None, format!("{}: {e}", log_path.display())))?;
    let mut cmd = nightly::cargo(runner, &["fuzz", "run", target, "--target-dir"]);
    cmd.arg(dir).arg("--").args([
        format!("-max_total_time={seconds}"),
        format!("-timeout={INPUT_TIMEOUT_SECONDS}"),
        "-print_final_stats=1".to_owned(),
    ]);
    let dict = runner
        .root()
        .join("fuzz/dicts")
        .join(format!("{target}.dict"));
    if dict.is_file() {
        cmd.arg(format!("-dict={}", dict.display()));
    }
    let shown = describe(&cmd);
    println!("$ {shown}\n  (output in {})", log_path.display());
    let status = cmd
        .stdout(log)
        .stderr(log_err)
        .status()
        .map_err(|e| StepError::new(Some(shown.clone()), format!("could not start: {e}")))?;
    let text = fs::read_to_string(&log_path).unwrap_or_default();
    if status.success() {
        match executions(&text) {
            Some((runs, secs)) => println!("{target}: {runs} executions in {secs} s, no crash"),
            None => println!("{target}: finished (no `Done` line in the log)"),
        }
        return Ok(());
    }
    let tail: Vec<&str> = text.lines().rev().take(60).collect();
    for line in tail.into_iter().rev() {
        println!("  | {line}");
    }
    Err(StepError::new(
        Some(shown),
        format!("{status}; see {}", log_path.display()),
    ))
}

/// libFuzzer's closing `Done N runs in S second(s)`: (N, S).
fn executions(log: &str) -> Option<(u64, u64)> {
    log.lines().rev().find_map(|line| {
        let rest = line.trim().strip_prefix("Done ")?;
        let (runs, rest) = rest.split_once(" runs in ")?;
        let (secs, _) = rest.split_once(' ')?;
        Some((runs.parse().ok()?, secs.parse().ok()?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        Options::parse(&args)
    }

    #[test]
    fn options() {
        let o = parse(&[]).unwrap();
        assert_eq!((o.seconds, o.targets(), o.help), (60, &TARGETS[..], false));
        let o = parse(&[
            "--seconds",
            "5",
            "--target=push_path",
            "--target",
            "push_path",
        ])
        .unwrap();
        assert_eq!((o.seconds, o.targets()), (5, &["push_path"][..]));
        assert!(parse(&["--seconds", "0"]).is_err());
        assert!(parse(&["--seconds"]).is_err());
        assert!(parse(&["--target", "nope"]).is_err());
        assert!(parse(&["--frobnicate"]).is_err());
    }

    #[test]
    fn reads_the_execution_count() {
        let log = "#1277465\tDONE   cov: 615 ft: 3039 corp: 504/60Kb exec/s: 41208\n\
                   Done 1277465 runs in 31 second(s)\n";
        assert_eq!(executions(log), Some((1_277_465, 31)));
        assert_eq!(executions("==1== ERROR: libFuzzer: deadly signal\n"), None);
    }
}
