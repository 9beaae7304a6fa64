//! `cargo xtask size`: the footprint of edgeprom on a microcontroller.
//!
//! Builds the footprint firmwares (tests/firmware-size: `base` without metrics; `float`,
//! `f32` and `int` with the workload: one counter, one gauge, one counter family with two
//! label values, one 8-bucket histogram, registered at run time and encoded into a 2 KiB
//! buffer; the `*_static` ones the same in a `static_registry!`; `embeprom_*` the same workload
//! with embeprom 0.3, for comparison; `native_static` the integer one plus one
//! `NativeHistogram<u64, 16>`, reported also minus `int_static` as `one native`) for
//! `thumbv7em-none-eabihf` and `thumbv6m-none-eabi` (`opt-level = "s"`, LTO, `panic =
//! "abort"`), reads their ELF section
//! headers, and prints flash (.text + .rodata + .data) and RAM (.data + .bss) minus the
//! baseline's. RAM beyond the metrics' own storage is that delta minus the sizes of the
//! `METRIC_*` statics. Then boots the `stack` firmware in QEMU (thumbv7m), which paints the
//! stack and reports how much each encode touched: `float` and `int` are one
//! `Registry::encode` call (the budgeted figures), `setup_*` also build a `Registry<4>` on the
//! stack and register the metrics first, `stream` streams through a 64-byte chunk.
//!
//! The firmwares use edgeprom without default features: no `created` feature, so no
//! `_created` code (firmware without a wall clock has no creation times to write).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::elf::{self, Elf};
use crate::firmware;
use crate::runner::{Runner, StepError};

/// The targets the footprint is reported for.
pub const TARGETS: [&str; 2] = ["thumbv7em-none-eabihf", "thumbv6m-none-eabi"];
/// The target the stack measurement runs on (QEMU's lm3s6965evb).
const STACK_TARGET: &str = "thumbv7m-none-eabi";

/// Budgets (issue 12, for the whole firmware): flash with an f64 gauge and histogram, with
/// f32 ones, integer-only; RAM beyond the metrics' own storage; the stack of one encode.
///
/// The flash budgets hold for the firmware whose registry is a `static_registry!` (built at
/// compile time, its name clashes refused by the compiler: no registration code is linked,
/// which is what the registry in a `static` is for). The same firmware registering at
/// run time (`Registry::register`, about 0.8 KiB more) is reported beside it, not budgeted.
const FLASH_FLOAT: u64 = 9 * 1024;
const FLASH_F32: u64 = 6 * 1024 + 512;
const FLASH_INT: u64 = 5 * 1024;
const RAM_EXTRA: u64 = 16;
const STACK: u64 = 512;

/// Who a footprint build is, and what it is held to.
#[derive(Clone, Copy)]
enum Build {
    /// edgeprom with a `static_registry!`: the flash budget and the RAM budget.
    Budgeted(u64),
    /// edgeprom registering at run time: the RAM budget; flash reported.
    RunTime,
    /// embeprom 0.3, the same workload (the README's comparison): reported only.
    Peer,
    /// edgeprom with the integer workload and one native histogram in a `static_registry!`:
    /// reported, also minus `int_static` (one native histogram); the RAM budget.
    Native,
}

/// The footprint firmwares beside `base`.
const BUILDS: [(&str, Build); 9] = [
    ("float_static", Build::Budgeted(FLASH_FLOAT)),
    ("f32_static", Build::Budgeted(FLASH_F32)),
    ("int_static", Build::Budgeted(FLASH_INT)),
    ("float", Build::RunTime),
    ("f32", Build::RunTime),
    ("int", Build::RunTime),
    ("embeprom_float", Build::Peer),
    ("embeprom_int", Build::Peer),
    ("native_static", Build::Native),
];

fn crate_dir(root: &Path) -> PathBuf {
    root.join("tests").join("firmware-size")
}

fn target_dir(root: &Path) -> PathBuf {
    root.join("target").join("firmware-size")
}

fn elf_of(root: &Path, target: &str, bin: &str) -> PathBuf {
    let dir = if bin == "embeprom_float" {
        embeprom_float_target_dir(root)
    } else {
        target_dir(root)
    };
    dir.join(target).join("release").join(bin)
}

/// Where embeprom's f64 build is made: its `float` feature, unified into the others, would add
/// float formatting to its integer-only build.
fn embeprom_float_target_dir(root: &Path) -> PathBuf {
    root.join("target").join("firmware-size-embeprom-float")
}

/// Where the stack firmware with the `created` feature is built.
fn created_target_dir(root: &Path) -> PathBuf {
    root.join("target").join("firmware-size-created")
}

/// One workload's numbers on one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footprint {
    pub flash: u64,
    pub ram: u64,
    pub metrics_storage: u64,
}

impl Footprint {
    /// The workload `with` minus the baseline `base`.
    pub fn delta(base: &Elf, with: &Elf) -> Self {
        Footprint {
            flash: with.flash().saturating_sub(base.flash()),
            ram: with.ram().saturating_sub(base.ram()),
            metrics_storage: with.objects_containing("METRIC_"),
        }
    }

    /// RAM the library adds beyond the metrics themselves.
    pub fn ram_extra(&self) -> u64 {
        self.ram.saturating_sub(self.metrics_storage)
    }
}

/// `cargo xtask size`: runs every step and exits with the summary's status.
pub fn main() -> std::process::ExitCode {
    let mut runner = Runner::from_env();
    run(&mut runner);
    runner.finish()
}

/// Runs every step of `cargo xtask size`.
pub fn run(runner: &mut Runner) {
    let root = runner.root().to_path_buf();
    for target in TARGETS.into_iter().chain([STACK_TARGET]) {
        let cmd = firmware::cargo_build(runner, &crate_dir(&root), target, &target_dir(&root));
        runner.run(&format!("size: build {target}"), cmd);
    }
    let mut created = firmware::cargo_build(
        runner,
        &crate_dir(&root),
        STACK_TARGET,
        &created_target_dir(&root),
    );
    created.args(["--features", "created", "--bin", "stack"]);
    runner.run(
        &format!("size: build {STACK_TARGET} with `created`"),
        created,
    );
    for target in TARGETS {
        let mut peer = firmware::cargo_build(
            runner,
            &crate_dir(&root),
            target,
            &embeprom_float_target_dir(&root),
        );
        peer.args(["--features", "embeprom-float", "--bin", "embeprom_float"]);
        runner.run(&format!("size: build {target} embeprom_float"), peer);
    }
    runner.step("size: flash and RAM", |_| report(&root));
    runner.step("size: encoder stack (QEMU)", |runner| {
        stack(runner, &elf_of(&root, STACK_TARGET, "stack"), "")
    });
    runner.step("size: encoder stack with `created` (QEMU)", |runner| {
        let elf = created_target_dir(&root)
            .join(STACK_TARGET)
            .join("release")
            .join("stack");
        stack(runner, &elf, " with `created`")
    });
}

fn read(path: &Path) -> Result<Elf, StepError> {
    let bytes = fs::read(path)
        .map_err(|e| StepError::new(None, format!("could not read {}: {e}", path.display())))?;
    elf::parse(&bytes).map_err(|e| StepError::new(None, format!("{}: {e}", path.display())))
}

fn report(root: &Path) -> Result<(), StepError> {
    println!(
        "{:<24} {:<14} {:>9} {:>9} {:>11} {:>9} {:>10}",
        "target", "build", "flash", "RAM", "metrics RAM", "other RAM", "flash max"
    );
    let mut over = Vec::new();
    for target in TARGETS {
        let base = read(&elf_of(root, target, "base"))?;
        println!(
            "{target:<24} {:<14} {:>9} {:>9}",
            "base",
            base.flash(),
            base.ram()
        );
        for (bin, build) in BUILDS {
            let with = read(&elf_of(root, target, bin))?;
            let d = Footprint::delta(&base, &with);
            if let Build::Peer = build {
                // A peer's build: its own statics are not `METRIC_*`, so RAM is shown whole.
                println!(
                    "{target:<24} {bin:<14} {:>+9} {:>+9} {:>11} {:>9} {:>10}",
                    d.flash, d.ram, "-", "-", "-"
                );
                continue;
            }
            let budget = match build {
                Build::Budgeted(b) => b.to_string(),
                _ => "-".to_owned(),
            };
            println!(
                "{target:<24} {bin:<14} {:>+9} {:>+9} {:>11} {:>9} {:>10}",
                d.flash,
                d.ram,
                d.metrics_storage,
                d.ram_extra(),
                budget
            );
            if let Build::Native = build {
                let int = read(&elf_of(root, target, "int_static"))?;
                let one = Footprint::delta(&int, &with);
                println!(
                    "{target:<24} {:<14} {:>+9} {:>+9} {:>11} {:>9} {:>10}",
                    "one native",
                    one.flash,
                    one.ram,
                    one.metrics_storage
                        .saturating_sub(int_metrics(root, target)?),
                    "-",
                    "-"
                );
            }
            if let Build::Budgeted(budget) = build {
                if d.flash > budget {
                    over.push(format!("{target} {bin}: flash {} > {budget}", d.flash));
                }
            }
            if d.ram_extra() > RAM_EXTRA {
                over.push(format!(
                    "{target} {bin}: RAM beyond metrics {} > {RAM_EXTRA}",
                    d.ram_extra()
                ));
            }
        }
    }
    println!("(bytes; flash = .text+.rodata+.data, RAM = .data+.bss, both minus `base`)");
    if over.is_empty() {
        Ok(())
    } else {
        Err(StepError::new(
            None,
            format!("over budget: {}", over.join("; ")),
        ))
    }
}

/// The metrics' own storage in `int_static` (to tell the native histogram's from it).
fn int_metrics(root: &Path, target: &str) -> Result<u64, StepError> {
    Ok(read(&elf_of(root, target, "int_static"))?.objects_containing("METRIC_"))
}

/// Boots the `stack` firmware `elf` and reads `stack float=N int=N stream=N ...` from it;
/// `what` says how it was built.
fn stack(runner: &Runner, elf: &Path, what: &str) -> Result<(), StepError> {
    let mut qemu = runner.command("qemu-system-arm");
    qemu.args([
        "-machine",
        "lm3s6965evb",
        "-nographic",
        "-monitor",
        "none",
        "-serial",
        "none",
        "-semihosting-config",
        "enable=on,target=native",
        "-kernel",
    ])
    .arg(elf)
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let shown = crate::runner::describe(&qemu);
    println!("$ {shown}");
    let mut child = qemu
        .spawn()
        .map_err(|e| StepError::new(Some(shown.clone()), format!("could not start: {e}")))?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(StepError::new(
                    Some(shown),
                    "QEMU did not exit in 30 s; killed",
                ));
            }
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(StepError::new(
                    Some(shown),
                    format!("waiting for QEMU: {e}"),
                ));
            }
        }
    };
    let output = child
        .wait_with_output()
        .map_err(|e| StepError::new(Some(shown.clone()), format!("reading QEMU's output: {e}")))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    print!("{stdout}");
    if !status.success() {
        return Err(StepError::new(
            Some(shown),
            format!("firmware failed: {status}"),
        ));
    }
    let values = parse_stack_line(&stdout)
        .ok_or_else(|| StepError::new(Some(shown.clone()), "no `stack ...` line"))?;
    let mut over = Vec::new();
    for (name, bytes) in &values {
        println!("encoder stack ({name}){what}: {bytes} bytes");
        if matches!(name.as_str(), "float" | "int" | "f32") && *bytes >= STACK {
            over.push(format!("{name}: {bytes} >= {STACK}"));
        }
    }
    if over.is_empty() {
        Ok(())
    } else {
        Err(StepError::new(
            Some(shown),
            format!("stack over budget: {}", over.join("; ")),
        ))
    }
}

/// `stack float=300 int=280 stream=350 setup_float=400 ... bytes ...` -> [(float, 300), ...].
fn parse_stack_line(out: &str) -> Option<Vec<(String, u64)>> {
    let line = out.lines().find_map(|l| l.trim().strip_prefix("stack "))?;
    let mut values = Vec::new();
    for word in line.split_whitespace() {
        if word == "bytes" {
            break;
        }
        let (name, value) = word.split_once('=')?;
        values.push((name.to_owned(), value.parse().ok()?));
    }
    (!values.is_empty()).then_some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_stack_line() {
        let out = "noise\nstack float=300 int=280 stream=350 bytes float=900 int=850\n";
        assert_eq!(
            parse_stack_line(out),
            Some(vec![
                ("float".to_owned(), 300),
                ("int".to_owned(), 280),
                ("stream".to_owned(), 350)
            ])
        );
        assert_eq!(parse_stack_line("stack float=x"), None);
        assert_eq!(parse_stack_line("nothing"), None);
    }

    #[test]
    fn deltas() {
        let mut base = Elf::default();
        base.sections.insert(".text".into(), 300);
        let mut with = base.clone();
        with.sections.insert(".text".into(), 5300);
        with.sections.insert(".data".into(), 200);
        with.sections.insert(".bss".into(), 40);
        with.objects
            .push(("_ZN1a14METRIC_COUNTER17h0E".into(), 180));
        with.objects.push(("_ZN1a5OTHER17h0E".into(), 20));
        let d = Footprint::delta(&base, &with);
        assert_eq!(d.flash, 5200);
        assert_eq!(d.ram, 240);
        assert_eq!(d.metrics_storage, 180);
        assert_eq!(d.ram_extra(), 60);
    }
}
