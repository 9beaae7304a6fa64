//! Prerequisites of `cargo xtask test`: rustup targets and components, Debian
//! packages and a Python module. Whatever is missing is installed; a failure is
//! recorded and the run goes on.

use std::collections::BTreeSet;
use std::env;
use std::path::{Path, PathBuf};

use crate::runner::{capture, describe, exec, succeeds, Runner, StepError};

/// Targets for the no_std cross builds (and `thumbv7m-none-eabi` for QEMU).
pub const TARGETS: [&str; 4] = [
    "thumbv6m-none-eabi",
    "thumbv7em-none-eabihf",
    "riscv32imc-unknown-none-elf",
    "thumbv7m-none-eabi",
];

pub const COMPONENTS: [&str; 2] = ["rustfmt", "clippy"];

/// Binaries the tests use, and the Debian package that provides each.
pub const DEBIAN_BINARIES: [(&str, &str); 6] = [
    ("promtool", "prometheus"),
    ("prometheus", "prometheus"),
    ("prometheus-pushgateway", "prometheus-pushgateway"),
    ("victoria-metrics", "victoria-metrics"),
    ("vmagent", "victoria-metrics"),
    ("qemu-system-arm", "qemu-system-arm"),
];

const PYTHON: &str = "python3";
/// The module the tests import, and its PyPI name.
const PYTHON_MODULE: (&str, &str) = ("prometheus_client", "prometheus-client");

/// Runs every prerequisite step.
pub fn run(runner: &mut Runner) {
    runner.step("install: rustup targets", rustup_targets);
    runner.step("install: rustup components", rustup_components);
    runner.step("install: debian packages", debian_packages);
    runner.step("install: python prometheus_client", python_module);
}

fn rustup_targets(runner: &Runner) -> Result<(), StepError> {
    add_targets(runner, &TARGETS)
}

/// Installs the rustup target `target` when missing (`cargo xtask demo` needs the firmware's).
pub fn ensure_target(runner: &Runner, target: &str) -> Result<(), StepError> {
    add_targets(runner, &[target])
}

fn add_targets(runner: &Runner, targets: &[&str]) -> Result<(), StepError> {
    let mut list = runner.command("rustup");
    list.args(["target", "list", "--installed"]);
    let installed = capture(&mut list)?;
    let installed: BTreeSet<&str> = installed.lines().map(str::trim).collect();
    let missing: Vec<&str> = targets
        .iter()
        .copied()
        .filter(|t| !installed.contains(t))
        .collect();
    if missing.is_empty() {
        println!("all targets installed: {}", targets.join(" "));
        return Ok(());
    }
    let mut add = runner.command("rustup");
    add.args(["target", "add"]).args(&missing);
    exec(&mut add)
}

fn rustup_components(runner: &Runner) -> Result<(), StepError> {
    let mut list = runner.command("rustup");
    list.args(["component", "list", "--installed"]);
    let installed = capture(&mut list)?;
    // Installed components are listed with their host triple: `clippy-x86_64-...`.
    let is_installed = |component: &str| {
        installed.lines().map(str::trim).any(|line| {
            line == component
                || line
                    .strip_prefix(component)
                    .is_some_and(|rest| rest.starts_with('-'))
        })
    };
    let missing: Vec<&str> = COMPONENTS
        .into_iter()
        .filter(|c| !is_installed(c))
        .collect();
    if missing.is_empty() {
        println!("all components installed: {}", COMPONENTS.join(" "));
        return Ok(());
    }
    let mut add = runner.command("rustup");
    add.args(["component", "add"]).args(&missing);
    exec(&mut add)
}

fn debian_packages(runner: &Runner) -> Result<(), StepError> {
    let missing = missing_binaries();
    if missing.is_empty() {
        let all: Vec<&str> = DEBIAN_BINARIES.iter().map(|(bin, _)| *bin).collect();
        println!("all binaries on PATH: {}", all.join(" "));
        return Ok(());
    }
    let packages = packages_for(&missing);
    println!(
        "missing from PATH: {} (packages: {})",
        missing.join(" "),
        packages.join(" ")
    );

    if !is_root(runner) {
        let command = format!(
            "sudo apt-get install -y --no-install-recommends {}",
            packages.join(" ")
        );
        println!("not root, so not installing; run:\n    {command}");
        return Err(StepError::new(
            Some(command),
            format!("missing binaries: {}", missing.join(" ")),
        ));
    }

    let mut update = runner.command("apt-get");
    update.arg("update");
    exec(&mut update)?;
    let mut install = runner.command("apt-get");
    install
        .env("DEBIAN_FRONTEND", "noninteractive")
        .args(["install", "-y", "--no-install-recommends"])
        .args(&packages);
    exec(&mut install)?;

    let still_missing = missing_binaries();
    if still_missing.is_empty() {
        Ok(())
    } else {
        Err(StepError::new(
            None,
            format!(
                "still missing from PATH after installing: {}",
                still_missing.join(" ")
            ),
        ))
    }
}

/// Installs the Debian package that provides `binary` when it is not on `PATH` (as root, as
/// `cargo xtask test` does); `cargo xtask demo` uses it for `prometheus-pushgateway`.
pub fn ensure_binary(runner: &Runner, binary: &str) -> Result<(), StepError> {
    if find_in_path(binary).is_some() {
        return Ok(());
    }
    let packages = packages_for(&[binary]);
    if packages.is_empty() || !is_root(runner) {
        return Err(StepError::new(
            None,
            format!(
                "`{binary}` is not on PATH; install the Debian package {}",
                packages.join(" ")
            ),
        ));
    }
    let mut update = runner.command("apt-get");
    update.arg("update");
    exec(&mut update)?;
    let mut install = runner.command("apt-get");
    install
        .env("DEBIAN_FRONTEND", "noninteractive")
        .args(["install", "-y", "--no-install-recommends"])
        .args(&packages);
    exec(&mut install)
}

fn missing_binaries() -> Vec<&'static str> {
    DEBIAN_BINARIES
        .iter()
        .map(|(bin, _)| *bin)
        .filter(|bin| find_in_path(bin).is_none())
        .collect()
}

/// The Debian packages providing `binaries`, each once, in table order.
fn packages_for(binaries: &[&str]) -> Vec<&'static str> {
    let mut packages = Vec::new();
    for (bin, package) in DEBIAN_BINARIES {
        if binaries.contains(&bin) && !packages.contains(&package) {
            packages.push(package);
        }
    }
    packages
}

fn is_root(runner: &Runner) -> bool {
    let mut id = runner.command("id");
    id.arg("-u");
    capture(&mut id).is_ok_and(|uid| uid.trim() == "0")
}

/// The first executable file called `name` in a directory of `PATH`.
fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

fn python_module(runner: &Runner) -> Result<(), StepError> {
    let (module, package) = PYTHON_MODULE;
    if python_has_module(runner, module)? {
        println!("{PYTHON} can import {module}");
        return Ok(());
    }
    println!("{PYTHON} cannot import {module}; installing {package}");
    let mut pip = runner.command(PYTHON);
    pip.args(["-m", "pip", "install", "--quiet", package]);
    if let Err(e) = exec(&mut pip) {
        println!(
            "hint: on an externally managed Python, use a virtualenv or \
             `apt-get install python3-prometheus-client`"
        );
        return Err(e);
    }
    if python_has_module(runner, module)? {
        Ok(())
    } else {
        Err(StepError::new(
            Some(describe(&import_check(runner, module))),
            format!("{PYTHON} still cannot import {module} after installing {package}"),
        ))
    }
}

/// Whether `python3 -c "import MODULE"` succeeds; an error if Python cannot start.
fn python_has_module(runner: &Runner, module: &str) -> Result<bool, StepError> {
    succeeds(&mut import_check(runner, module))
}

fn import_check(runner: &Runner, module: &str) -> std::process::Command {
    let mut check = runner.command(PYTHON);
    check.args(["-c", &format!("import {module}")]);
    check
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_are_deduplicated_in_order() {
        assert_eq!(
            packages_for(&["qemu-system-arm", "prometheus", "promtool"]),
            ["prometheus", "qemu-system-arm"]
        );
        assert!(packages_for(&[]).is_empty());
    }
}
