//! The embedded half's test helpers: building the example firmware (tests/firmware), booting
//! it in QEMU with UART0 bridged to a real Pushgateway, and reading what the gateway holds.
//!
//! Everything listens on 127.0.0.1 only and every process started here is killed and waited
//! for by process id when its guard drops.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// The target the example firmware is built for (QEMU's `lm3s6965evb` is a Cortex-M3).
pub const FIRMWARE_TARGET: &str = "thumbv7m-none-eabi";

/// The workspace root (this crate lives in `tests/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// The firmware's own target directory, outside the workspace's (whatever
/// `CARGO_TARGET_DIR` says, so that `cargo xtask test` and this test agree on the path).
pub fn firmware_target_dir() -> PathBuf {
    workspace_root().join("target").join("firmware")
}

/// Where `cargo xtask test` (and [`build_firmware`]) put the firmware ELF.
pub fn firmware_elf() -> PathBuf {
    firmware_target_dir()
        .join(FIRMWARE_TARGET)
        .join("release")
        .join("edgeprom-firmware")
}

/// Builds the example firmware (a no-op when it is up to date; `cargo xtask test` builds it
/// first) and returns the ELF's path.
pub fn build_firmware() -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = workspace_root()
        .join("tests")
        .join("firmware")
        .join("Cargo.toml");
    let mut cmd = Command::new(cargo);
    cmd.args([
        "build",
        "--release",
        "--target",
        FIRMWARE_TARGET,
        "--manifest-path",
    ])
    .arg(&manifest)
    .arg("--target-dir")
    .arg(firmware_target_dir())
    .env_remove("CARGO_TARGET_DIR")
    .env_remove("CARGO_BUILD_TARGET")
    .env_remove("RUSTFLAGS")
    .env_remove("CARGO_ENCODED_RUSTFLAGS")
    .stdin(Stdio::null());
    let out = cmd
        .output()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "building the firmware failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let elf = firmware_elf();
    if elf.is_file() {
        Ok(elf)
    } else {
        Err(format!("the firmware build left no {}", elf.display()))
    }
}

/// A child process that is killed and waited for when dropped.
#[derive(Debug)]
pub struct Process {
    child: Child,
    name: &'static str,
}

impl Process {
    /// Spawns `cmd`, named `name` in messages.
    pub fn spawn(name: &'static str, cmd: &mut Command) -> io::Result<Self> {
        let child = cmd.spawn()?;
        Ok(Process { child, name })
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Waits until the process exits, at most `timeout`; `None` if it is still running.
    pub fn wait_timeout(&mut self, timeout: Duration) -> io::Result<Option<ExitStatus>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(Some(status));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Reads the rest of the child's stdout and stderr (call it after it exited).
    pub fn take_output(&mut self) -> (String, String) {
        let mut out = String::new();
        let mut err = String::new();
        if let Some(mut s) = self.child.stdout.take() {
            let _ = s.read_to_string(&mut out);
        }
        if let Some(mut s) = self.child.stderr.take() {
            let _ = s.read_to_string(&mut err);
        }
        (out, err)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            if let Err(e) = self.child.kill() {
                eprintln!(
                    "could not kill {} (pid {}): {e}",
                    self.name,
                    self.child.id()
                );
            }
        }
        let _ = self.child.wait();
    }
}

/// A free TCP port on 127.0.0.1 (bound, read, released).
pub fn free_port() -> io::Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// `GET path` from 127.0.0.1:`port`: the status and the body.
pub fn http_get(port: u16, path: &str) -> io::Result<(u16, String)> {
    http_get_with(port, path, None)
}

/// `GET path` with an optional `Authorization` header value.
pub fn http_get_with(port: u16, path: &str, auth: Option<&str>) -> io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    let auth = auth
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}Connection: close\r\n\r\n"
    )?;
    let mut reply = Vec::new();
    s.read_to_end(&mut reply)?;
    let reply = String::from_utf8_lossy(&reply).into_owned();
    let status = reply
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not an HTTP response"))?;
    let (head, body) = reply.split_once("\r\n\r\n").unwrap_or((&reply, ""));
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Ok((status, body))
}

/// Decodes a chunked body.
fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// A real `prometheus-pushgateway` on 127.0.0.1, without persistence, killed on drop.
#[derive(Debug)]
pub struct Pushgateway {
    port: u16,
    auth: Option<String>,
    _process: Process,
}

impl Pushgateway {
    /// Starts one on a free port and waits until `/-/ready` answers 200 (at most 20 s).
    pub fn start() -> Result<Self, String> {
        Self::start_with(&[], None)
    }

    /// Starts one with extra command-line `args`; `auth` is the `Authorization` header value
    /// the helper's own requests (readiness, `/metrics`) need, if any.
    pub fn start_with(args: &[String], auth: Option<String>) -> Result<Self, String> {
        let port = free_port().map_err(|e| format!("no free port: {e}"))?;
        let mut cmd = Command::new("prometheus-pushgateway");
        cmd.arg("--persistence.file=")
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut process = Process::spawn("prometheus-pushgateway", &mut cmd)
            .map_err(|e| format!("could not start prometheus-pushgateway: {e}"))?;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if matches!(
                http_get_with(port, "/-/ready", auth.as_deref()),
                Ok((200, _))
            ) {
                return Ok(Pushgateway {
                    port,
                    auth,
                    _process: process,
                });
            }
            if let Ok(Some(status)) = process.wait_timeout(Duration::ZERO) {
                return Err(format!("prometheus-pushgateway exited early: {status}"));
            }
            if Instant::now() >= deadline {
                return Err("prometheus-pushgateway not ready after 20 s".to_owned());
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its `/metrics`, parsed.
    pub fn metrics(&self) -> Result<Samples, String> {
        match http_get_with(self.port, "/metrics", self.auth.as_deref()) {
            Ok((200, body)) => Ok(Samples::parse(&body)),
            Ok((status, body)) => Err(format!("/metrics answered {status}: {body}")),
            Err(e) => Err(format!("GET /metrics failed: {e}")),
        }
    }
}

/// One sample line of a Prometheus text document.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The sample name.
    pub name: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Its value.
    pub value: f64,
}

/// The samples of a Prometheus text document (comment lines left out).
#[derive(Debug, Clone, Default)]
pub struct Samples(pub Vec<Sample>);

impl Samples {
    /// Parses sample lines: `name{a="x",b="y"} value` (label values unescaped).
    pub fn parse(text: &str) -> Self {
        let mut out = Vec::new();
        for line in text.lines() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(s) = parse_line(line) {
                out.push(s);
            }
        }
        Samples(out)
    }

    /// The values of the samples named `name` that carry every label in `labels`.
    pub fn find(&self, name: &str, labels: &[(&str, &str)]) -> Vec<f64> {
        self.0
            .iter()
            .filter(|s| {
                s.name == name
                    && labels
                        .iter()
                        .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.value)
            .collect()
    }
}

fn parse_line(line: &str) -> Option<Sample> {
    let (series, value) = line.rsplit_once(' ')?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().ok()?,
    };
    let (name, labels) = match series.split_once('{') {
        None => (series, BTreeMap::new()),
        Some((name, rest)) => (name, parse_labels(rest.strip_suffix('}')?)?),
    };
    Some(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

fn parse_labels(mut s: &str) -> Option<BTreeMap<String, String>> {
    let mut labels = BTreeMap::new();
    while !s.is_empty() {
        let (name, rest) = s.split_once("=\"")?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            let (i, c) = chars.next()?;
            match c {
                '\\' => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                '"' => break i,
                c => value.push(c),
            }
        };
        labels.insert(name.trim_start_matches(',').to_owned(), value);
        s = rest.get(end + 1..)?.trim_start_matches(',');
    }
    Some(labels)
}

/// What one firmware run did.
#[derive(Debug)]
pub struct FirmwareRun {
    /// QEMU's exit status (the firmware's semihosting exit code).
    pub status: ExitStatus,
    /// Semihosting output.
    pub stdout: String,
    /// QEMU's own messages.
    pub stderr: String,
    /// The bytes the firmware sent on UART0.
    pub sent: Vec<u8>,
    /// The bytes UART0 received from the gateway.
    pub received: Vec<u8>,
}

impl FirmwareRun {
    /// Asserts that the firmware exited with success (showing everything it did if not),
    /// then prints its semihosting output.
    ///
    /// # Panics
    /// When it failed.
    pub fn assert_success(&self) {
        assert!(
            self.status.success(),
            "firmware failed: {self:?}\nstdout: {}",
            self.stdout
        );
        println!("{}", self.stdout);
    }
}

/// Boots `elf` in QEMU with UART0 connected, through a bridge that records both directions,
/// to the Pushgateway on `gateway_port`; kills QEMU after `timeout`.
///
/// QEMU's `-serial tcp:` connects as a client, so the bridge listens on a port of its own
/// (held open from before QEMU starts), accepts QEMU, then connects to the gateway.
pub fn run_firmware(
    elf: &Path,
    gateway_port: u16,
    timeout: Duration,
) -> Result<FirmwareRun, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    let port = listener
        .local_addr()
        .map_err(|e| format!("local_addr: {e}"))?
        .port();
    let sent = Arc::new(Mutex::new(Vec::new()));
    let received = Arc::new(Mutex::new(Vec::new()));
    let bridge = {
        let (sent, received) = (Arc::clone(&sent), Arc::clone(&received));
        thread::spawn(move || bridge(&listener, gateway_port, timeout, &sent, &received))
    };

    let mut cmd = Command::new("qemu-system-arm");
    cmd.args([
        "-machine",
        "lm3s6965evb",
        "-nographic",
        "-monitor",
        "none",
        "-semihosting-config",
        "enable=on,target=native",
        "-serial",
    ])
    .arg(format!("tcp:127.0.0.1:{port}"))
    .arg("-kernel")
    .arg(elf)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut qemu = Process::spawn("qemu-system-arm", &mut cmd)
        .map_err(|e| format!("could not start qemu-system-arm: {e}"))?;
    let status = qemu
        .wait_timeout(timeout)
        .map_err(|e| format!("waiting for QEMU: {e}"))?;
    let (stdout, stderr) = match status {
        Some(_) => qemu.take_output(),
        None => {
            drop(qemu);
            return Err(format!("QEMU did not exit within {timeout:?}; killed"));
        }
    };
    let status = status.ok_or("unreachable")?;
    drop(qemu);
    let bridged = bridge
        .join()
        .map_err(|_| "the bridge thread panicked".to_owned())?;
    let take = |v: &Arc<Mutex<Vec<u8>>>| v.lock().map(|v| v.clone()).unwrap_or_default();
    let run = FirmwareRun {
        status,
        stdout,
        stderr,
        sent: take(&sent),
        received: take(&received),
    };
    bridged.map_err(|e| format!("bridge: {e}; run: {run:?}"))?;
    Ok(run)
}

/// Accepts QEMU's connection, connects to the gateway and copies both ways until both sides
/// are done, recording the bytes.
fn bridge(
    listener: &TcpListener,
    gateway_port: u16,
    timeout: Duration,
    sent: &Arc<Mutex<Vec<u8>>>,
    received: &Arc<Mutex<Vec<u8>>>,
) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let deadline = Instant::now() + timeout;
    let device = loop {
        match listener.accept() {
            Ok((s, _)) => break s,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(e),
        }
    };
    device.set_nonblocking(false)?;
    let gateway = TcpStream::connect(("127.0.0.1", gateway_port))?;
    for s in [&device, &gateway] {
        s.set_read_timeout(Some(timeout))?;
    }
    let up = copy_thread(device.try_clone()?, gateway.try_clone()?, Arc::clone(sent));
    let down = copy_thread(gateway, device, Arc::clone(received));
    let up = up
        .join()
        .map_err(|_| io::Error::other("copy thread panicked"))?;
    let down = down
        .join()
        .map_err(|_| io::Error::other("copy thread panicked"))?;
    up.and(down)
}

/// Copies `from` to `to` until end of stream, recording the bytes, then closes `to`'s
/// sending side.
fn copy_thread(
    mut from: TcpStream,
    mut to: TcpStream,
    record: Arc<Mutex<Vec<u8>>>,
) -> JoinHandle<io::Result<()>> {
    thread::spawn(move || {
        let mut buf = [0u8; 4096];
        let result = loop {
            match from.read(&mut buf) {
                Ok(0) => break Ok(()),
                Ok(n) => {
                    if let Ok(mut r) = record.lock() {
                        r.extend_from_slice(&buf[..n]);
                    }
                    if let Err(e) = to.write_all(&buf[..n]) {
                        // The other side went away (QEMU exited): not this copy's failure.
                        if e.kind() == io::ErrorKind::BrokenPipe
                            || e.kind() == io::ErrorKind::ConnectionReset
                        {
                            break Ok(());
                        }
                        break Err(e);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        let _ = to.shutdown(Shutdown::Write);
        result
    })
}
