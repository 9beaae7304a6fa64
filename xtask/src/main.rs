//! `cargo xtask`: the edgeprom workspace's task runner.
//!
//! Std only, no dependencies. Every step runs even when an earlier one failed;
//! all failures are reported at the end and the exit status is non-zero if any
//! step failed.

#![forbid(unsafe_code)]

mod bench;
mod cross;
mod diagram;
mod elf;
mod firmware;
mod fleet;
mod fuzz;
mod install;
mod loom;
mod miri;
mod nightly;
mod readme;
mod runner;
mod size;
mod test;

use std::env;
use std::ffi::OsString;
use std::process::ExitCode;

use runner::{describe, Runner};

const USAGE: &str = "\
usage: cargo xtask <command> [args...]

commands:
  test [--skip-install] [--only STEP]...
        run the whole check matrix, in order: install prerequisites (rustup
        targets and components, Debian packages, Python prometheus_client),
        fmt, clippy, test, cross (no_std builds), doc. Every step runs; the
        failures are listed at the end.
        --skip-install  do not check or install prerequisites
        --only STEP     run only STEP (repeatable): fmt, clippy, test, cross, doc,
                        miri, loom, fuzz (miri and fuzz: briefly, 20 s per fuzz
                        target; loom: the core's loom models, both label stores)
  miri  the core's unit tests and threaded family tests under Miri (nightly;
        installs miri and rust-src when missing)
  fuzz [--seconds N] [--long] [--target NAME]...
        run each cargo-fuzz target of fuzz/ for N seconds (default 60):
        names_and_encode, push_path, http_response, http_request (nightly;
        installs cargo-fuzz when missing); --long: 10 M executions per target
        (at most N seconds if --seconds is given) into fuzz/corpus/, then
        minimise it (cargo fuzz cmin)
  demo [args...]
        run the demo: cargo run -p edgeprom-tests --bin demo -- args...
  size  footprint of edgeprom on thumbv7em/thumbv6m (flash, RAM, encoder stack)
  bench [--quick] [--only native|scrape_server]
        time edgeprom against prometheus, prometheus-client, metrics and measured
        (release mode; one table of workloads x crates); --quick: fewer repetitions
  fleet [--devices N] [--seconds S] [--interval-ms I] [--outage-seconds O]
        [--workers W] [--buf-bytes B] [--json PATH] [--unchecked-gateway] [--diagram]
        simulate N devices (default 200) with the QEMU firmware's metrics reporting
        every I ms (1000) for S s (12) per path through the embedded clients to one
        Pushgateway, to VictoriaMetrics, and to vmagent forwarding to VictoriaMetrics
        and Prometheus (VictoriaMetrics stopped for O s meanwhile: 30 when S >= 45,
        else S/3); W client threads (4), B-byte buffer (1024); release build.
        A table, and JSON at PATH. --unchecked-gateway: path 1 once more with
        --push.disable-consistency-check. --diagram: write docs/fleet-architectures.svg
  help  print this text
";

fn main() -> ExitCode {
    let mut args = env::args_os().skip(1);
    let command = args.next();
    let rest: Vec<OsString> = args.collect();

    let Some(command) = command else {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    };
    match command.to_str() {
        Some("help" | "-h" | "--help") => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("test") => test(&rest),
        Some("demo") => demo(&rest),
        Some("size") => size::main(),
        Some("bench") => bench::main(&rest, USAGE),
        Some("miri") => {
            let mut runner = Runner::from_env();
            miri::run(&mut runner, true);
            runner.finish()
        }
        Some("fuzz") => fuzz(&rest),
        Some("fleet") => fleet::main(&rest, USAGE),
        _ => {
            eprintln!("xtask: unknown command {command:?}\n");
            eprint!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn test(args: &[OsString]) -> ExitCode {
    let opts = match test::Options::parse(args) {
        Ok(opts) => opts,
        Err(message) => {
            eprintln!("xtask test: {message}\n");
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if opts.help {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let mut runner = Runner::from_env();
    test::run(&mut runner, &opts);
    runner.finish()
}

fn fuzz(args: &[OsString]) -> ExitCode {
    let opts = match fuzz::Options::parse(args) {
        Ok(opts) => opts,
        Err(message) => {
            eprintln!("xtask fuzz: {message}\n");
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if opts.help {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let mut runner = Runner::from_env();
    fuzz::run(&mut runner, opts.budget(), opts.targets(), true);
    runner.finish()
}

/// Runs the demo binary with `args` and exits with its exit code.
fn demo(args: &[OsString]) -> ExitCode {
    let runner = Runner::from_env();
    // The demo starts a local Pushgateway unless told where one is.
    if env::var_os("PUSHGATEWAY_URL").is_none() {
        if let Err(e) = install::ensure_binary(&runner, "prometheus-pushgateway") {
            eprintln!("xtask demo: {e}");
        }
    }
    // The remote-write half starts a VictoriaMetrics unless told where a receiver is.
    if env::var_os("REMOTE_WRITE_URL").is_none() {
        if let Err(e) = install::ensure_binary(&runner, "victoria-metrics") {
            eprintln!("xtask demo: {e}");
        }
    }
    // The firmware half: its target and QEMU.
    if let Err(e) = install::ensure_target(&runner, crate::firmware::TARGET) {
        eprintln!("xtask demo: {e}");
    }
    if let Err(e) = install::ensure_binary(&runner, "qemu-system-arm") {
        eprintln!("xtask demo: {e}");
    }
    let mut cmd = runner.cargo(&[
        "run",
        "--quiet",
        "-p",
        "edgeprom-tests",
        "--bin",
        "demo",
        "--",
    ]);
    cmd.args(args).stdin(std::process::Stdio::inherit());
    match cmd.status() {
        Ok(status) => match status.code() {
            Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
            None => {
                eprintln!("xtask demo: {} ended by {status}", describe(&cmd));
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("xtask demo: could not start `{}`: {e}", describe(&cmd));
            ExitCode::FAILURE
        }
    }
}
