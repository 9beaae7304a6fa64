//! `cargo xtask test`: the whole check matrix.

use std::ffi::OsString;

use crate::runner::Runner;
use crate::{cross, install};

/// A step that `--only` can select.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Fmt,
    Clippy,
    Test,
    Cross,
    Doc,
    Miri,
    Fuzz,
}

impl Step {
    pub const NAMES: [&'static str; 7] = ["fmt", "clippy", "test", "cross", "doc", "miri", "fuzz"];

    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "fmt" => Self::Fmt,
            "clippy" => Self::Clippy,
            "test" => Self::Test,
            "cross" => Self::Cross,
            "doc" => Self::Doc,
            "miri" => Self::Miri,
            "fuzz" => Self::Fuzz,
            _ => return None,
        })
    }
}

/// Options of `cargo xtask test`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Options {
    pub skip_install: bool,
    /// The steps named with `--only` (it may be repeated); empty means all.
    pub only: Vec<Step>,
    pub help: bool,
}

impl Options {
    fn wants(&self, step: Step) -> bool {
        self.only.is_empty() || self.only.contains(&step)
    }

    pub fn parse(args: &[OsString]) -> Result<Self, String> {
        let mut opts = Self::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let arg = arg
                .to_str()
                .ok_or_else(|| format!("unexpected argument {arg:?}"))?;
            let only = match arg {
                "--skip-install" => {
                    opts.skip_install = true;
                    continue;
                }
                "-h" | "--help" => {
                    opts.help = true;
                    continue;
                }
                "--only" => args
                    .next()
                    .and_then(|v| v.to_str())
                    .ok_or_else(|| format!("--only needs a step: {}", Step::NAMES.join(", ")))?,
                _ => match arg.strip_prefix("--only=") {
                    Some(value) => value,
                    None => return Err(format!("unexpected argument `{arg}`")),
                },
            };
            let step = Step::parse(only).ok_or_else(|| {
                format!(
                    "unknown step `{only}` for --only; expected one of: {}",
                    Step::NAMES.join(", ")
                )
            })?;
            if !opts.only.contains(&step) {
                opts.only.push(step);
            }
        }
        Ok(opts)
    }
}

/// Runs every selected step; failures are recorded in `runner`.
pub fn run(runner: &mut Runner, opts: &Options) {
    if opts.skip_install {
        println!("xtask: skipping prerequisites (--skip-install)");
    } else {
        install::run(runner);
    }

    if opts.wants(Step::Fmt) {
        runner.run("fmt", runner.cargo(&["fmt", "--all", "--check"]));
    }
    if opts.wants(Step::Clippy) {
        runner.run(
            "clippy",
            runner.cargo(&[
                "clippy",
                "--workspace",
                "--all-targets",
                "--all-features",
                "--",
                "-D",
                "warnings",
            ]),
        );
    }
    if opts.wants(Step::Test) {
        // The QEMU test boots this ELF (tests/tests/qemu_firmware.rs).
        crate::firmware::build(runner);
        // Output is inherited, so cargo's `test result:` lines reach the terminal.
        runner.run(
            "test",
            runner.cargo(&["test", "--workspace", "--all-features"]),
        );
        // The code paths the core takes on bare metal (for flash and stack), on the host: the
        // core's and the embedded adapter's tests, and the golden, parser and property tests.
        let mut small = runner.cargo(&[
            "test",
            "-p",
            "edgeprom",
            "-p",
            "edgeprom-embedded",
            "-p",
            "edgeprom-tests",
            "--all-features",
            "--lib",
            "--test",
            "golden",
            "--test",
            "openmetrics_parser",
            "--test",
            "promtool",
            "--test",
            "proptest_roundtrip",
            "--test",
            "alloc_free",
            "--test",
            "consistent_snapshots",
            "--test",
            "threads",
        ]);
        small.env("EDGEPROM_SMALL_CODE", "1");
        runner.run("test: bare-metal code paths on the host", small);
        // Without the default `created` feature (what flash-bound firmware builds).
        runner.run(
            "test: core without `created`",
            runner.cargo(&["test", "-p", "edgeprom", "--no-default-features", "--lib"]),
        );
        // Built, never timed: `cargo xtask bench` times them.
        crate::bench::build_step(runner);
    }
    if opts.wants(Step::Cross) {
        cross::run(runner);
    }
    if opts.wants(Step::Doc) {
        let mut doc = runner.cargo(&["doc", "--workspace", "--no-deps", "--all-features"]);
        doc.env("RUSTDOCFLAGS", "-D warnings");
        runner.run("doc", doc);
    }
    if opts.wants(Step::Miri) {
        crate::miri::run(runner, !opts.skip_install);
    }
    if opts.wants(Step::Fuzz) {
        let seconds = crate::fuzz::TEST_SECONDS;
        crate::fuzz::run(runner, seconds, &crate::fuzz::TARGETS, !opts.skip_install);
    }
    if opts.only.is_empty() {
        extra_steps(runner);
    }
}

/// Steps after the checks above, run only when no `--only` is given.
///
/// Integration steps (the firmware build, the QEMU runs) are added here.
fn extra_steps(_runner: &mut Runner) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        Options::parse(&args)
    }

    #[test]
    fn no_args_runs_everything() {
        let opts = parse(&[]).unwrap();
        assert!(!opts.skip_install);
        assert!(Step::NAMES
            .iter()
            .all(|n| opts.wants(Step::parse(n).unwrap())));
    }

    #[test]
    fn only_and_skip_install() {
        let opts = parse(&["--only", "cross", "--skip-install", "--only=doc"]).unwrap();
        assert!(opts.skip_install);
        assert_eq!(opts.only, [Step::Cross, Step::Doc]);
        assert!(!opts.wants(Step::Fmt));
    }

    #[test]
    fn bad_args_are_errors() {
        assert!(parse(&["--only"]).is_err());
        assert!(parse(&["--only", "bench"]).is_err());
        assert!(parse(&["--frobnicate"]).is_err());
    }
}
