//! `cargo xtask bench`: edgeprom side by side with the Rust peers.
//!
//! Runs the `peers` bench of `edgeprom-tests` (tests/benches/peers) in release mode, which
//! prints one table: rows are workloads, columns are crates, each cell the time per op and
//! its ratio to edgeprom. `cargo xtask test` only builds the bench (see [`build_step`]);
//! timing belongs on a quiet machine, not in CI.

use std::ffi::OsString;
use std::process::ExitCode;

use crate::runner::{exec, Runner};

/// Options of `cargo xtask bench`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Fewer and shorter timed batches (seconds instead of a minute).
    pub quick: bool,
    /// One workload only (`--only native`, `--only scrape_server`), passed to the bench.
    pub only: Option<String>,
    pub help: bool,
}

impl Options {
    pub fn parse(args: &[OsString]) -> Result<Self, String> {
        let mut opts = Self::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.to_str() {
                Some("--quick") => opts.quick = true,
                Some("--only") => {
                    let what = args.next().and_then(|a| a.to_str());
                    opts.only = Some(what.ok_or("--only needs a workload")?.to_owned());
                }
                Some("-h" | "--help") => opts.help = true,
                _ => return Err(format!("unexpected argument {arg:?}")),
            }
        }
        Ok(opts)
    }
}

/// The cargo arguments that run the bench.
fn bench_args(opts: &Options) -> Vec<&str> {
    let mut args = vec!["bench", "-p", "edgeprom-tests", "--bench", "peers", "--"];
    if opts.quick {
        args.push("--quick");
    }
    if let Some(only) = &opts.only {
        args.extend(["--only", only.as_str()]);
    }
    args
}

/// The cargo arguments that only build the bench (dev profile, sharing the test build).
pub const BUILD_ARGS: [&str; 4] = ["build", "-p", "edgeprom-tests", "--benches"];

/// `cargo xtask bench [--quick]`: runs the bench with its output on the terminal.
pub fn main(args: &[OsString], usage: &str) -> ExitCode {
    let opts = match Options::parse(args) {
        Ok(opts) => opts,
        Err(message) => {
            eprintln!("xtask bench: {message}\n");
            eprint!("{usage}");
            return ExitCode::from(2);
        }
    };
    if opts.help {
        print!("{usage}");
        return ExitCode::SUCCESS;
    }
    let runner = Runner::from_env();
    let mut cmd = runner.cargo(&bench_args(&opts));
    match exec(&mut cmd) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The step of `cargo xtask test` that builds the benches without timing them.
pub fn build_step(runner: &mut Runner) {
    runner.run("bench build", runner.cargo(&BUILD_ARGS));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        Options::parse(&args)
    }

    #[test]
    fn quick_is_passed_to_the_bench() {
        let opts = parse(&["--quick"]).unwrap();
        assert!(opts.quick);
        assert_eq!(bench_args(&opts).last(), Some(&"--quick"));
        assert_eq!(bench_args(&parse(&[]).unwrap()).last(), Some(&"--"));
    }

    #[test]
    fn bad_args_are_errors() {
        assert!(parse(&["--slow"]).is_err());
        assert!(parse(&["--only"]).is_err());
        let only = parse(&["--only", "scrape_server"]).unwrap();
        assert_eq!(bench_args(&only)[6..], ["--only", "scrape_server"]);
        assert!(parse(&["-h"]).unwrap().help);
    }
}
