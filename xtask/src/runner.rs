//! Steps, commands and the end-of-run summary.
//!
//! Every step runs even when an earlier one failed; failures are collected and
//! reported together by [`Runner::finish`].

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};
use std::{env, fmt};

/// Environment variables set on every cargo command that say nothing about what is
/// being checked; [`describe`] leaves them out so printed commands stay readable.
const AMBIENT_ENV: [&str; 2] = ["CARGO_TERM_COLOR", "CARGO_INCREMENTAL"];

/// Why a step failed: the command that failed (if any) and what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepError {
    pub command: Option<String>,
    pub status: String,
}

impl StepError {
    /// A failure that is not the exit status of one command.
    pub fn new(command: Option<String>, status: impl Into<String>) -> Self {
        Self {
            command,
            status: status.into(),
        }
    }
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.status)
    }
}

struct StepRecord {
    name: String,
    elapsed: Duration,
    error: Option<StepError>,
}

/// Runs named steps, times them and remembers which failed.
pub struct Runner {
    root: PathBuf,
    cargo: OsString,
    ci: bool,
    steps: Vec<StepRecord>,
}

impl Runner {
    /// A runner for the workspace that contains this crate, using the `cargo` that
    /// invoked us.
    pub fn from_env() -> Self {
        Self {
            root: workspace_root(),
            cargo: env::var_os("CARGO")
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| "cargo".into()),
            ci: env::var_os("CI").is_some(),
            steps: Vec::new(),
        }
    }

    /// The workspace root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `$CARGO_TARGET_DIR/<sub>`, or `target/<sub>`: a build directory of its own for builds
    /// whose flags differ from the workspace's (sanitizers, `--cfg loom`), so that neither
    /// invalidates the other.
    pub fn target_dir(&self, sub: &str) -> PathBuf {
        env::var_os("CARGO_TARGET_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| self.root.join("target"))
            .join(sub)
    }

    /// A command that runs in the workspace root with no standard input.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(&self.root).stdin(Stdio::null());
        cmd
    }

    /// `cargo ARGS...` in the workspace root, with the environment every cargo
    /// invocation of the run shares.
    pub fn cargo<S: AsRef<OsStr>>(&self, args: &[S]) -> Command {
        let mut cmd = self.command(&self.cargo);
        cmd.args(args);
        if let Some(color) = env::var_os("CARGO_TERM_COLOR") {
            cmd.env("CARGO_TERM_COLOR", color);
        }
        if self.ci {
            cmd.env("CARGO_INCREMENTAL", "0");
        }
        cmd
    }

    /// Runs `cmd` as the step `name`, with its output going to the terminal.
    pub fn run(&mut self, name: &str, mut cmd: Command) -> bool {
        self.step(name, |_| exec(&mut cmd))
    }

    /// Runs `body` as the step `name`, printing its wall time and recording whether
    /// it failed.
    pub fn step(&mut self, name: &str, body: impl FnOnce(&Self) -> Result<(), StepError>) -> bool {
        println!("\n==> {name}");
        let start = Instant::now();
        let result = body(self);
        let elapsed = start.elapsed();
        let secs = elapsed.as_secs_f64();
        match &result {
            Ok(()) => println!("<== {name}: ok ({secs:.1}s)"),
            Err(e) => println!("<== {name}: FAILED ({secs:.1}s): {e}"),
        }
        self.steps.push(StepRecord {
            name: name.to_owned(),
            elapsed,
            error: result.err(),
        });
        self.steps.last().is_some_and(|s| s.error.is_none())
    }

    /// Records the step `name` as failed without running anything, for a step that
    /// could not even be set up.
    pub fn fail(&mut self, name: &str, error: StepError) {
        self.step(name, |_| Err(error));
    }

    /// Prints every step, the failures in detail and the closing
    /// `xtask: N passed, N failed` line.
    pub fn finish(self) -> ExitCode {
        let failed: Vec<&StepRecord> = self.steps.iter().filter(|s| s.error.is_some()).collect();
        let passed = self.steps.len() - failed.len();

        println!("\n==> summary");
        for s in &self.steps {
            let verdict = if s.error.is_some() { "FAILED" } else { "ok" };
            println!(
                "  {verdict:<6} {:>7.1}s  {}",
                s.elapsed.as_secs_f64(),
                s.name
            );
        }
        if !failed.is_empty() {
            println!("\nfailed steps:");
            for s in &failed {
                println!("  - {}", s.name);
                if let Some(e) = &s.error {
                    if let Some(command) = &e.command {
                        println!("      command: {command}");
                    }
                    println!("      status:  {}", e.status);
                }
            }
        }
        println!("\nxtask: {passed} passed, {} failed", failed.len());

        if failed.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's manifest directory.
fn workspace_root() -> PathBuf {
    let manifest_dir = env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    match manifest_dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => manifest_dir.join(".."),
    }
}

/// Runs `cmd` with inherited output and fails unless it exits successfully.
pub fn exec(cmd: &mut Command) -> Result<(), StepError> {
    let shown = describe(cmd);
    println!("$ {shown}");
    match cmd.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(StepError::new(Some(shown), status.to_string())),
        Err(e) => Err(spawn_error(cmd, shown, &e)),
    }
}

/// Runs `cmd` silently and returns its standard output; fails if it cannot be
/// started or exits unsuccessfully (the error then quotes its standard error).
pub fn capture(cmd: &mut Command) -> Result<String, StepError> {
    let shown = describe(cmd);
    let output = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| spawn_error(cmd, shown.clone(), &e))?;
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stderr = stderr.trim();
    let status = if stderr.is_empty() {
        output.status.to_string()
    } else {
        format!("{}: {stderr}", output.status)
    };
    Err(StepError::new(Some(shown), status))
}

/// Runs `cmd` silently and tells whether it exited successfully; an error only if
/// it could not be started.
pub fn succeeds(cmd: &mut Command) -> Result<bool, StepError> {
    let shown = describe(cmd);
    match cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(status) => Ok(status.success()),
        Err(e) => Err(spawn_error(cmd, shown, &e)),
    }
}

fn spawn_error(cmd: &Command, shown: String, e: &std::io::Error) -> StepError {
    let program = cmd.get_program().to_string_lossy();
    let status = if e.kind() == std::io::ErrorKind::NotFound {
        format!("could not start `{program}`: program not found ({e})")
    } else {
        format!("could not start `{program}`: {e}")
    };
    StepError::new(Some(shown), status)
}

/// A shell-like rendering of `cmd`: the environment it sets, then program and
/// arguments, quoted where needed. `cargo` is shown without its directory.
pub fn describe(cmd: &Command) -> String {
    let mut words = Vec::new();
    for (key, value) in cmd.get_envs() {
        let key = key.to_string_lossy();
        if AMBIENT_ENV.contains(&key.as_ref()) {
            continue;
        }
        if let Some(value) = value {
            words.push(format!("{key}={}", quote(&value.to_string_lossy())));
        }
    }
    let program = Path::new(cmd.get_program());
    let program = if program.file_stem().is_some_and(|s| s == "cargo") {
        "cargo".into()
    } else {
        program.to_string_lossy()
    };
    words.push(quote(&program));
    words.extend(cmd.get_args().map(|a| quote(&a.to_string_lossy())));
    words.join(" ")
}

/// Quotes `word` for a POSIX shell if it contains anything but safe characters.
pub fn quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./,:=+@%".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote("thumbv6m-none-eabi"), "thumbv6m-none-eabi");
        assert_eq!(quote("defmt,critical-section"), "defmt,critical-section");
        assert_eq!(quote("-D warnings"), "'-D warnings'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn describe_shows_set_env_but_not_ambient() {
        let mut cmd = Command::new("/some/toolchain/bin/cargo");
        cmd.args(["doc", "--workspace"])
            .env("RUSTDOCFLAGS", "-D warnings")
            .env("CARGO_INCREMENTAL", "0");
        assert_eq!(
            describe(&cmd),
            "RUSTDOCFLAGS='-D warnings' cargo doc --workspace"
        );
    }

    #[test]
    fn missing_program_is_an_error_not_a_panic() {
        let mut cmd = Command::new("xtask-no-such-program-hopefully");
        let err = exec(&mut cmd).unwrap_err();
        assert!(err.status.contains("not found"), "{err}");
        let err = capture(&mut cmd).unwrap_err();
        assert!(err.status.contains("could not start"), "{err}");
    }
}
