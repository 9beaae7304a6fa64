//! `cargo xtask fleet [--devices N] [--seconds S] [--interval-ms I] [--json PATH] ...`: the
//! fleet simulator (tests/src/bin/fleet.rs) in release mode, after making sure its servers are
//! installed; `cargo xtask fleet --diagram` writes the README's diagram of the three paths
//! (docs/fleet-architectures.svg, from [`crate::diagram`]). `cargo xtask test` runs a CI-sized
//! fleet ([`ci_step`]).

use std::ffi::OsString;
use std::fs;
use std::process::ExitCode;

use crate::runner::{exec, Runner};
use crate::{diagram, install};

/// The servers the simulator starts.
const SERVERS: [&str; 4] = [
    "prometheus-pushgateway",
    "victoria-metrics",
    "vmagent",
    "prometheus",
];

/// The simulator's flags that take a value (checked here so that a typo fails before a
/// release build).
const FLAGS: [&str; 7] = [
    "--devices",
    "--seconds",
    "--interval-ms",
    "--outage-seconds",
    "--workers",
    "--buf-bytes",
    "--json",
];

/// Where the diagram is written, relative to the workspace root.
pub const DIAGRAM_PATH: &str = "docs/fleet-architectures.svg";

/// Options of `cargo xtask fleet`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Passed to the simulator as given.
    pub args: Vec<String>,
    pub diagram: bool,
    pub help: bool,
}

impl Options {
    pub fn parse(args: &[OsString]) -> Result<Self, String> {
        let mut opts = Self::default();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let arg = arg
                .to_str()
                .ok_or_else(|| format!("unexpected argument {arg:?}"))?;
            match arg {
                "--diagram" => opts.diagram = true,
                "--unchecked-gateway" => opts.args.push(arg.to_owned()),
                "-h" | "--help" => opts.help = true,
                _ => {
                    let key = arg.split_once('=').map_or(arg, |(k, _)| k);
                    if !FLAGS.contains(&key) {
                        return Err(format!("unexpected argument `{arg}`"));
                    }
                    opts.args.push(arg.to_owned());
                    if key == arg {
                        let value = it
                            .next()
                            .and_then(|v| v.to_str())
                            .ok_or_else(|| format!("{arg} needs a value"))?;
                        opts.args.push(value.to_owned());
                    }
                }
            }
        }
        Ok(opts)
    }
}

/// `cargo xtask fleet ...`.
pub fn main(args: &[OsString], usage: &str) -> ExitCode {
    let opts = match Options::parse(args) {
        Ok(opts) => opts,
        Err(message) => {
            eprintln!("xtask fleet: {message}\n");
            eprint!("{usage}");
            return ExitCode::from(2);
        }
    };
    if opts.help {
        print!("{usage}");
        return ExitCode::SUCCESS;
    }
    let runner = Runner::from_env();
    if opts.diagram {
        let path = runner.root().join(DIAGRAM_PATH);
        let written = path
            .parent()
            .map_or(Ok(()), fs::create_dir_all)
            .and_then(|()| fs::write(&path, diagram::svg()));
        return match written {
            Ok(()) => {
                println!("wrote {}", path.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("xtask fleet: writing {}: {e}", path.display());
                ExitCode::FAILURE
            }
        };
    }
    for server in SERVERS {
        if let Err(e) = install::ensure_binary(&runner, server) {
            eprintln!("xtask fleet: {e}");
            return ExitCode::FAILURE;
        }
    }
    let mut cmd = runner.cargo(&[
        "run",
        "--release",
        "--quiet",
        "-p",
        "edgeprom-tests",
        "--bin",
        "fleet",
        "--",
    ]);
    cmd.args(&opts.args);
    match exec(&mut cmd) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask fleet: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The step of `cargo xtask test`: the simulator's defaults (a few hundred devices, well under a
/// minute, the outage fault shortened to a third of the run) in the dev profile, which shares
/// the test build. Its checks (samples stored equal samples sent after the outage, every last
/// value read back, what each engine keeps of stopped devices) decide the step; its CPU figures
/// are a debug build's and are not timed here.
pub fn ci_step(runner: &mut Runner) {
    let json = runner.target_dir("fleet").join("fleet-ci.json");
    if let Some(dir) = json.parent() {
        let _ = fs::create_dir_all(dir);
    }
    let mut cmd = runner.cargo(&[
        "run",
        "--quiet",
        "-p",
        "edgeprom-tests",
        "--bin",
        "fleet",
        "--",
        "--json",
    ]);
    cmd.arg(json);
    runner.run(
        "fleet: Pushgateway, VictoriaMetrics, vmagent with an outage",
        cmd,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        Options::parse(&args)
    }

    #[test]
    fn flags_pass_through() {
        let opts = parse(&["--devices", "10000", "--seconds=60", "--json", "f.json"]).unwrap();
        assert_eq!(
            opts.args,
            ["--devices", "10000", "--seconds=60", "--json", "f.json"]
        );
        assert!(!opts.diagram);
        assert!(parse(&["--diagram"]).unwrap().diagram);
    }

    #[test]
    fn bad_args_are_errors() {
        assert!(parse(&["--devices"]).is_err());
        assert!(parse(&["--device", "3"]).is_err());
        assert!(parse(&["10"]).is_err());
    }

    #[test]
    fn the_committed_diagram_is_the_generated_one() {
        let committed = include_str!("../../docs/fleet-architectures.svg");
        assert!(
            committed == diagram::svg(),
            "run `cargo xtask fleet --diagram` and commit {DIAGRAM_PATH}"
        );
    }
}
