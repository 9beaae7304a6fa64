//! `cargo xtask fuzz [--seconds N] [--long] [--target NAME]...`: runs each cargo-fuzz target of
//! `fuzz/` (a crate outside the workspace) on the nightly toolchain, and the replay of the
//! kept inputs on a normal `cargo test`.
//!
//! cargo-fuzz is installed with `cargo install cargo-fuzz --locked` when missing. Each
//! target's libFuzzer output goes to `<target dir>/fuzz/<name>.log`; the step prints the
//! number of executions and the coverage (`cov:`, `ft:`), and on a failure the end of the log
//! (the panic and the artifact that reproduces it, kept in `fuzz/artifacts/<name>/`: `cargo
//! +nightly fuzz run <name> fuzz/artifacts/<name>/crash-...`).
//!
//! The corpus is committed, in `fuzz/corpus/<name>/`. A timed run (`--seconds`, and the 20 s
//! of `cargo xtask test`) starts from it and writes what it finds to `<target dir>/fuzz/corpus/`,
//! leaving the tree clean. `--long` runs each target to [`LONG_RUNS`] executions (with
//! `--seconds`, at most that long) into the committed corpus, then minimises it (`cargo fuzz
//! cmin`) and checks that all corpora stay under [`CORPUS_LIMIT`] bytes.
//!
//! The timed runs use cargo-fuzz's default, AddressSanitizer; the long campaign runs without a
//! sanitizer ([`LONG_SANITIZER`]), in a build directory of its own: the code under test is safe
//! Rust (the core forbids `unsafe`; of the dependencies it reaches, httparse has some, which the
//! timed runs keep checking), for which the sanitizer finds nothing a panic would not, and
//! costs about half of the executions.

use std::ffi::OsString;
use std::fs::{self, File};
use std::time::Instant;

use crate::nightly;
use crate::runner::{describe, Runner, StepError};

/// The fuzz targets, in the order they run.
/// (`fuzz/src/targets/mod.rs` lists the same, for the replay.)
pub const TARGETS: [&str; 4] = [
    "names_and_encode",
    "push_path",
    "http_response",
    "http_request",
];
/// cargo-fuzz's `--sanitizer` for `cargo xtask fuzz --long`.
pub const LONG_SANITIZER: &str = "none";
/// Executions per target for `cargo xtask fuzz --long`.
pub const LONG_RUNS: u64 = 10_000_000;
/// The most bytes the committed corpora (`fuzz/corpus/`) may hold together.
pub const CORPUS_LIMIT: u64 = 4 << 20;
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
    /// `--seconds` was given (with `--long`, it caps each target's time).
    pub seconds_given: bool,
    /// `--long`: [`LONG_RUNS`] executions per target, then `cmin`.
    pub long: bool,
    /// The targets named with `--target`; empty means all.
    pub targets: Vec<&'static str>,
    pub help: bool,
}

impl Options {
    pub fn parse(args: &[OsString]) -> Result<Self, String> {
        let mut opts = Options {
            seconds: DEFAULT_SECONDS,
            seconds_given: false,
            long: false,
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
                "--long" => opts.long = true,
                "--seconds" => {
                    let v = value()?;
                    opts.seconds = v
                        .parse()
                        .ok()
                        .filter(|s| *s > 0)
                        .ok_or(format!("--seconds takes a positive number, not `{v}`"))?;
                    opts.seconds_given = true;
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

/// How long each target runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// This many seconds, from the committed corpus into a scratch one.
    Seconds(u64),
    /// [`LONG_RUNS`] executions (at most this many seconds, if given) into the committed
    /// corpus, minimised afterwards.
    Long(Option<u64>),
}

impl Options {
    /// The budget the options ask for.
    pub fn budget(&self) -> Budget {
        if self.long {
            Budget::Long(self.seconds_given.then_some(self.seconds))
        } else {
            Budget::Seconds(self.seconds)
        }
    }
}

/// Installs what is missing (with `install`), builds the targets, and runs each within
/// `budget`.
pub fn run(runner: &mut Runner, budget: Budget, targets: &[&str], install: bool) {
    if install && !runner.step("fuzz: install", install_tools) {
        return;
    }
    let long = matches!(budget, Budget::Long(_));
    let dir = runner.target_dir(if long { "fuzz-long" } else { "fuzz" });
    // `cargo fuzz build` takes one target, or none for all of them.
    let mut build = nightly::cargo(runner, &["fuzz", "build", "--target-dir"]);
    build.arg(&dir).args(sanitizer(budget));
    if let [one] = targets {
        build.arg(one);
    }
    if !runner.run("fuzz: build", build) {
        return;
    }
    for t in targets {
        let shown = match budget {
            Budget::Seconds(s) => format!("{s} s"),
            Budget::Long(_) => format!("{LONG_RUNS} runs"),
        };
        runner.step(&format!("fuzz: {t} ({shown})"), |r| {
            run_target(r, t, budget, &dir)
        });
        if let Budget::Long(_) = budget {
            let mut cmin = nightly::cargo(runner, &["fuzz", "cmin", t, "--target-dir"]);
            cmin.arg(&dir).args(sanitizer(budget));
            runner.run(&format!("fuzz: minimise the {t} corpus"), cmin);
        }
    }
    if let Budget::Long(_) = budget {
        runner.step("fuzz: corpus size", corpus_size);
    }
}

/// cargo-fuzz's sanitizer arguments for `budget`: its default for timed runs.
fn sanitizer(budget: Budget) -> Vec<String> {
    match budget {
        Budget::Seconds(_) => Vec::new(),
        Budget::Long(_) => vec!["--sanitizer".to_owned(), LONG_SANITIZER.to_owned()],
    }
}

/// The replay of every committed corpus input and artifact through its target's check
/// (`fuzz/tests/replay.rs`), on the stable toolchain, in a build directory of its own.
pub fn replay(runner: &mut Runner) {
    let mut test = runner.cargo(&[
        "test",
        "--manifest-path",
        "fuzz/Cargo.toml",
        "--test",
        "replay",
        "--target-dir",
    ]);
    test.arg(runner.target_dir("fuzz-replay"));
    runner.run("test: fuzz corpus and artifacts replay", test);
}

/// Fails when the committed corpora together exceed [`CORPUS_LIMIT`].
fn corpus_size(runner: &Runner) -> Result<(), StepError> {
    let root = runner.root().join("fuzz/corpus");
    let mut total = 0u64;
    for t in TARGETS {
        let dir = root.join(t);
        let (files, bytes) = fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok()?.metadata().ok())
                    .filter(|m| m.is_file())
                    .fold((0u64, 0u64), |(n, b), m| (n + 1, b + m.len()))
            })
            .unwrap_or_default();
        println!("{t}: {files} files, {bytes} bytes in {}", dir.display());
        total += bytes;
    }
    if total > CORPUS_LIMIT {
        return Err(StepError::new(
            None,
            format!("the corpora hold {total} bytes, more than {CORPUS_LIMIT}"),
        ));
    }
    println!("corpora: {total} bytes in all (limit {CORPUS_LIMIT})");
    Ok(())
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

fn run_target(
    runner: &Runner,
    target: &str,
    budget: Budget,
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
    cmd.arg(dir).args(sanitizer(budget));
    let committed = runner.root().join("fuzz/corpus").join(target);
    let limits = match budget {
        // New inputs go to the first corpus directory: a scratch one.
        Budget::Seconds(seconds) => {
            let scratch = dir.join("corpus").join(target);
            for d in [&scratch, &committed] {
                fs::create_dir_all(d)
                    .map_err(|e| StepError::new(None, format!("{}: {e}", d.display())))?;
            }
            cmd.arg(scratch).arg(&committed);
            vec![format!("-max_total_time={seconds}")]
        }
        Budget::Long(cap) => {
            let mut limits = vec![format!("-runs={LONG_RUNS}")];
            limits.extend(cap.map(|s| format!("-max_total_time={s}")));
            limits
        }
    };
    cmd.arg("--").args(limits).args([
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
        let coverage =
            coverage(&text).map_or(String::new(), |(cov, ft)| format!(", cov: {cov} ft: {ft}"));
        match executions(&text) {
            Some((runs, secs)) => {
                println!("{target}: {runs} executions in {secs} s{coverage}, no crash")
            }
            None => println!("{target}: finished (no `Done` line in the log){coverage}"),
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

/// The last `cov: N ft: M` of a libFuzzer log: (N, M).
fn coverage(log: &str) -> Option<(u64, u64)> {
    log.lines().rev().find_map(|line| {
        let (_, rest) = line.split_once(" cov: ")?;
        let (cov, rest) = rest.split_once(" ft: ")?;
        let ft = rest.split_whitespace().next()?;
        Some((cov.parse().ok()?, ft.parse().ok()?))
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
        assert_eq!(o.budget(), Budget::Seconds(60));
        assert_eq!(parse(&["--long"]).unwrap().budget(), Budget::Long(None));
        let capped = parse(&["--long", "--seconds=600"]).unwrap();
        assert_eq!(capped.budget(), Budget::Long(Some(600)));
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
        assert_eq!(coverage(log), Some((615, 3039)));
        assert_eq!(coverage("Done 5 runs in 1 second(s)\n"), None);
        assert_eq!(executions("==1== ERROR: libFuzzer: deadly signal\n"), None);
    }
}
