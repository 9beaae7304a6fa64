//! `cargo xtask test`: the whole check matrix.

use std::ffi::OsString;

use crate::runner::{capture, describe, exec, Runner, StepError};
use crate::{cross, install};

/// Crates a scrape-only `edgeprom-std` must not pull in: the HTTP client and the TLS stack.
const NOT_FOR_SCRAPE_ONLY: [&str; 3] = ["ureq", "rustls", "ring"];
/// Crates the `axum` feature alone must not bring in either (an axum service brings its own
/// server and runtime): besides [`NOT_FOR_SCRAPE_ONLY`].
const NOT_FOR_AXUM_ONLY: [&str; 2] = ["tokio", "hyper"];

/// A step that `--only` can select.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Fmt,
    Clippy,
    Test,
    Cross,
    Doc,
    Miri,
    Loom,
    Fuzz,
}

impl Step {
    pub const NAMES: [&'static str; 8] = [
        "fmt", "clippy", "test", "cross", "doc", "miri", "loom", "fuzz",
    ];

    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "fmt" => Self::Fmt,
            "clippy" => Self::Clippy,
            "test" => Self::Test,
            "cross" => Self::Cross,
            "doc" => Self::Doc,
            "miri" => Self::Miri,
            "loom" => Self::Loom,
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
        crate::readme::build(runner);
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
        runner.step(
            "test: std without default features, and scrape-only without TLS",
            std_feature_subsets,
        );
        // Every kept fuzz input (corpus and crash reproducers) through its target's oracle.
        crate::fuzz::replay(runner);
        // Built, never timed: `cargo xtask bench` times them.
        crate::bench::build_step(runner);
        // A CI-sized fleet through the real engines, with the outage fault.
        crate::fleet::ci_step(runner);
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
    if opts.wants(Step::Loom) {
        crate::loom::run(runner);
    }
    if opts.wants(Step::Fuzz) {
        let budget = crate::fuzz::Budget::Seconds(crate::fuzz::TEST_SECONDS);
        crate::fuzz::run(runner, budget, &crate::fuzz::TARGETS, !opts.skip_install);
    }
    if opts.only.is_empty() {
        extra_steps(runner);
    }
}

/// `edgeprom-std` builds without its default features, and with only `scrape`, whose tree then
/// holds neither the HTTP client nor the TLS stack.
fn std_feature_subsets(runner: &Runner) -> Result<(), StepError> {
    let std_only = ["-p", "edgeprom-std", "--no-default-features"];
    let scrape = ["--features", "scrape"];
    let mut build = runner.cargo(&["build"]);
    build.args(std_only);
    exec(&mut build)?;
    let mut build = runner.cargo(&["build"]);
    build.args(std_only).args(scrape);
    exec(&mut build)?;
    // The axum route alone: axum's types, no server, no runtime, no TLS.
    let axum_only = ["--features", "axum"];
    let mut build = runner.cargo(&["build"]);
    build.args(std_only).args(axum_only);
    exec(&mut build)?;
    let mut tree = runner.cargo(&["tree", "-e", "normal", "--prefix", "none"]);
    tree.args(std_only).args(axum_only);
    let shown = describe(&tree);
    println!("$ {shown}");
    let listed = capture(&mut tree)?;
    let mut found = unwanted_crates(&listed);
    for name in listed.lines().filter_map(|l| l.split_whitespace().next()) {
        if NOT_FOR_AXUM_ONLY.contains(&name) && !found.contains(&name) {
            found.push(name);
        }
    }
    if !found.is_empty() {
        return Err(StepError::new(
            Some(shown),
            format!("the axum-only tree pulls in {}", found.join(", ")),
        ));
    }
    println!("no {} in the axum-only tree", NOT_FOR_AXUM_ONLY.join(", "));
    let mut tree = runner.cargo(&["tree", "-e", "normal", "--prefix", "none"]);
    tree.args(std_only).args(scrape);
    let shown = describe(&tree);
    println!("$ {shown}");
    let listed = capture(&mut tree)?;
    let found = unwanted_crates(&listed);
    if found.is_empty() {
        println!(
            "no {} in the scrape-only tree",
            NOT_FOR_SCRAPE_ONLY.join(", ")
        );
        Ok(())
    } else {
        Err(StepError::new(
            Some(shown),
            format!("the scrape-only tree pulls in {}", found.join(", ")),
        ))
    }
}

/// The crates of [`NOT_FOR_SCRAPE_ONLY`] in the output of `cargo tree --prefix none`, once each.
fn unwanted_crates(tree: &str) -> Vec<&str> {
    let mut found = Vec::new();
    for name in tree.lines().filter_map(|l| l.split_whitespace().next()) {
        if NOT_FOR_SCRAPE_ONLY.contains(&name) && !found.contains(&name) {
            found.push(name);
        }
    }
    found
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
    fn finds_the_tls_stack_in_a_tree() {
        let clean = "edgeprom-std v0.1.0 (/w/std-adapter)\nedgeprom v0.1.0 (/w/core)\n\
                     httparse v1.10.1\nrustls-pki-types v1.16.0\n";
        assert!(unwanted_crates(clean).is_empty());
        let tls = "edgeprom-std v0.1.0 (/w)\nureq v3.5.2\nrustls v0.23.46\nring v0.17.14\n\
                   rustls v0.23.46 (*)\n";
        assert_eq!(unwanted_crates(tls), ["ureq", "rustls", "ring"]);
    }

    #[test]
    fn bad_args_are_errors() {
        assert!(parse(&["--only"]).is_err());
        assert!(parse(&["--only", "bench"]).is_err());
        assert!(parse(&["--frobnicate"]).is_err());
    }
}
