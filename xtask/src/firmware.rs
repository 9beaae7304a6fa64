//! The example firmware (tests/firmware), a standalone crate outside the workspace, built for
//! QEMU's `lm3s6965evb` before the tests run: `tests/tests/qemu_firmware.rs` boots it from
//! `target/firmware/thumbv7m-none-eabi/release/edgeprom-firmware` (and runs the same
//! `cargo build` itself, a no-op by then, so that a plain `cargo test` works too). The same
//! build makes every binary of `tests/firmware/src/bin/` beside it (`interrupts`,
//! `remote_write`, `remote_write_native`), which `qemu_interrupts.rs`, `qemu_remote_write.rs`
//! and `qemu_remote_write_native.rs` boot.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::runner::Runner;

/// The firmware's target (the machine's Cortex-M3).
pub const TARGET: &str = "thumbv7m-none-eabi";

/// `target/firmware` under the workspace root: the firmware's own target directory, the same
/// whatever `CARGO_TARGET_DIR` says, so the test finds the ELF.
pub fn target_dir(root: &Path) -> PathBuf {
    root.join("target").join("firmware")
}

/// `cargo build --release` of the standalone crate in `dir` for `target` into `target_dir`.
/// `CARGO_TARGET_DIR` and host `RUSTFLAGS` are removed so they cannot redirect or break a
/// bare-metal build.
pub fn cargo_build(runner: &Runner, dir: &Path, target: &str, target_dir: &Path) -> Command {
    let mut cmd = runner.cargo(&["build", "--release", "--target", target, "--manifest-path"]);
    cmd.arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    cmd
}

/// Builds the example firmware as a step of its own.
pub fn build(runner: &mut Runner) {
    let root = runner.root().to_path_buf();
    let cmd = cargo_build(
        runner,
        &root.join("tests").join("firmware"),
        TARGET,
        &target_dir(&root),
    );
    runner.run("firmware: build (thumbv7m-none-eabi)", cmd);
}
