//! The nightly toolchain that Miri and cargo-fuzz need: checked, installed when missing, and
//! `cargo` commands that run on it whatever toolchain started the xtask.

use std::process::Command;

use crate::runner::{capture, exec, Runner, StepError};

/// The toolchain name passed to rustup.
pub const TOOLCHAIN: &str = "nightly";

/// `cargo ARGS...` on the nightly toolchain, in the workspace root.
///
/// Run through `rustup run` rather than the `CARGO` that started the xtask (a stable cargo,
/// which knows neither `miri` nor `-Z` flags); the variables that would pin the outer
/// toolchain are removed.
pub fn cargo<S: AsRef<std::ffi::OsStr>>(runner: &Runner, args: &[S]) -> Command {
    let mut cmd = runner.command("rustup");
    cmd.args(["run", TOOLCHAIN, "cargo"])
        .args(args)
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .env_remove("RUSTDOC")
        .env_remove("RUSTUP_TOOLCHAIN");
    cmd
}

/// Installs the nightly toolchain (minimal profile) if missing, and `components` on it.
pub fn ensure(runner: &Runner, components: &[&str]) -> Result<(), StepError> {
    let mut list = runner.command("rustup");
    list.args(["toolchain", "list"]);
    let toolchains = capture(&mut list)?;
    if !toolchains
        .lines()
        .any(|l| l.trim_start().starts_with(TOOLCHAIN))
    {
        let mut install = runner.command("rustup");
        install.args(["toolchain", "install", TOOLCHAIN, "--profile", "minimal"]);
        exec(&mut install)?;
    }
    let mut list = runner.command("rustup");
    list.args(["component", "list", "--installed", "--toolchain", TOOLCHAIN]);
    let installed = capture(&mut list)?;
    let missing: Vec<&str> = components
        .iter()
        .copied()
        .filter(|c| !component_installed(&installed, c))
        .collect();
    if missing.is_empty() {
        println!("{TOOLCHAIN} has {}", components.join(" "));
        return Ok(());
    }
    let mut add = runner.command("rustup");
    add.args(["component", "add", "--toolchain", TOOLCHAIN])
        .args(&missing);
    exec(&mut add)
}

/// Whether `rustup component list --installed` output lists `component`, alone (`rust-src`)
/// or followed by a host triple (`miri-x86_64-unknown-linux-gnu`).
fn component_installed(listing: &str, component: &str) -> bool {
    listing.lines().map(str::trim).any(|line| {
        line == component
            || line
                .strip_prefix(component)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|triple| triple.contains('-'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_by_name() {
        let listing = "cargo-x86_64-unknown-linux-gnu\nmiri-x86_64-unknown-linux-gnu\nrust-src\n";
        assert!(component_installed(listing, "miri"));
        assert!(component_installed(listing, "rust-src"));
        assert!(!component_installed(listing, "clippy"));
        // `rust` is not taken for installed because `rust-src` is.
        assert!(!component_installed(listing, "rust"));
    }

    #[test]
    fn cargo_runs_on_nightly() {
        let runner = Runner::from_env();
        let cmd = cargo(&runner, &["miri", "test"]);
        let args: Vec<_> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(args, ["run", "nightly", "cargo", "miri", "test"]);
        assert!(cmd.get_envs().any(|(k, v)| k == "CARGO" && v.is_none()));
    }
}
