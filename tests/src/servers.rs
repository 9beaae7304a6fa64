//! Real servers for the integration tests and the demo: a `prometheus-pushgateway` and a
//! `prometheus` (Debian's packages; `cargo xtask test` installs them), each started on a free
//! loopback port with its state in a temporary directory, and stopped by process id when its
//! handle is dropped.
//!
//! ```no_run
//! use edgeprom_tests::servers::{Prometheus, Pushgateway};
//!
//! let gateway = Pushgateway::start()?; // ready when this returns
//! println!("push to {}", gateway.url()); // http://127.0.0.1:<port>
//! let text = gateway.metrics_text()?; // what the gateway holds, in Prometheus text
//! # let my_scrape_port = 9100;
//! let prometheus = Prometheus::start(my_scrape_port)?; // scrapes 127.0.0.1:<port> every second
//! let samples = prometheus.query("up")?; // the HTTP API's instant query
//! # Ok::<(), std::io::Error>(())
//! ```

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// How long a server may take to become ready.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// A port on 127.0.0.1 that was free a moment ago: bound to port 0, read, closed.
pub fn free_port() -> io::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Calls `f` every 100 ms until it returns `Some`, for at most `timeout`.
pub fn poll_until<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        thread::sleep(Duration::from_millis(100));
    }
}

/// A child process killed (by its pid, SIGKILL) and waited for when dropped.
#[derive(Debug)]
pub struct ProcessGuard {
    child: Child,
    name: &'static str,
}

impl ProcessGuard {
    /// Starts `cmd` with stdin closed and stdout/stderr appended to `log`.
    pub fn spawn(name: &'static str, mut cmd: Command, log: &Path) -> io::Result<Self> {
        let out = File::create(log)?;
        let err = out.try_clone()?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("cannot start `{name}` ({e}); `cargo xtask test` installs it"),
                )
            })?;
        Ok(ProcessGuard { child, name })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fails if the process has exited.
    pub fn check_running(&mut self) -> io::Result<()> {
        match self.child.try_wait()? {
            None => Ok(()),
            Some(status) => Err(io::Error::other(format!(
                "`{}` exited early: {status}",
                self.name
            ))),
        }
    }

    /// Asks the process to end (SIGTERM, by pid, through `kill`) and waits for it to exit,
    /// at most `timeout`; then kills it.
    pub fn terminate(&mut self, timeout: Duration) -> io::Result<()> {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()?;
        let deadline = Instant::now() + timeout;
        while status.success() && self.child.try_wait()?.is_none() {
            if Instant::now() >= deadline {
                self.stop();
                return Err(io::Error::other(format!(
                    "`{}` did not exit within {timeout:?} of SIGTERM",
                    self.name
                )));
            }
            thread::sleep(Duration::from_millis(20));
        }
        self.stop();
        Ok(())
    }

    /// Kills the process and waits for it.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ProcessGuard {
    fn drop(&mut self) {
        self.stop();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into()
}

/// [`agent`], trusting only the certificates in `ca_pem` for https when given.
fn agent_trusting(ca_pem: Option<&[u8]>) -> io::Result<ureq::Agent> {
    use ureq::tls::{parse_pem, PemItem, RootCerts, TlsConfig};
    let Some(pem) = ca_pem else {
        return Ok(agent());
    };
    let mut certs = Vec::new();
    for item in parse_pem(pem) {
        if let PemItem::Certificate(c) = item.map_err(io::Error::other)? {
            certs.push(c);
        }
    }
    if certs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "no certificate in the CA PEM",
        ));
    }
    let tls = TlsConfig::builder()
        .root_certs(RootCerts::from(certs))
        .build();
    Ok(ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .tls_config(tls)
        .build()
        .into())
}

/// `GET url`: the status and body.
pub fn http_get(url: &str) -> io::Result<(u16, String)> {
    http_get_as(url, None)
}

/// `GET url` with basic auth when `auth` is `Some((user, password))`: the status and body.
pub fn http_get_as(url: &str, auth: Option<(&str, &str)>) -> io::Result<(u16, String)> {
    get(url, auth, None)
}

/// `GET url` over https trusting only the CA certificates in `ca_pem` (PEM), with basic auth
/// when `auth` is `Some((user, password))`: the status and body.
pub fn https_get_as(
    url: &str,
    auth: Option<(&str, &str)>,
    ca_pem: &[u8],
) -> io::Result<(u16, String)> {
    get(url, auth, Some(ca_pem))
}

fn get(url: &str, auth: Option<(&str, &str)>, ca_pem: Option<&[u8]>) -> io::Result<(u16, String)> {
    let mut req = agent_trusting(ca_pem)?.get(url);
    if let Some((user, password)) = auth {
        use base64::display::Base64Display;
        use base64::engine::general_purpose::STANDARD;
        let pair = format!("{user}:{password}");
        let value = format!("Basic {}", Base64Display::new(pair.as_bytes(), &STANDARD));
        req = req.header("Authorization", value);
    }
    let mut resp = req.call().map_err(io::Error::other)?;
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .map_err(io::Error::other)?;
    Ok((status, body))
}

fn wait_ready(
    guard: &mut ProcessGuard,
    url: &str,
    auth: Option<(&str, &str)>,
    ca_pem: Option<&[u8]>,
    log: &Path,
) -> io::Result<()> {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Err(e) = guard.check_running() {
            let log = fs::read_to_string(log).unwrap_or_default();
            return Err(io::Error::other(format!("{e}; its log:\n{log}")));
        }
        if let Ok((200, _)) = get(url, auth, ca_pem) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            let log = fs::read_to_string(log).unwrap_or_default();
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("{url} not ready after {READY_TIMEOUT:?}; log:\n{log}"),
            ));
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// One sample of Prometheus text, or of a Prometheus query result.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The metric name (from `__name__` in query results; empty if absent).
    pub name: String,
    /// The labels, without `__name__`.
    pub labels: BTreeMap<String, String>,
    /// The value.
    pub value: f64,
}

impl Sample {
    /// The value of label `name`, if present.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels.get(name).map(String::as_str)
    }
}

fn parse_value(s: &str) -> Option<f64> {
    match s {
        "+Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ => s.parse().ok(),
    }
}

/// The first sample named `name` that carries every one of `labels` (and maybe others).
pub fn find<'a>(samples: &'a [Sample], name: &str, labels: &[(&str, &str)]) -> Option<&'a Sample> {
    samples
        .iter()
        .find(|s| s.name == name && labels.iter().all(|(k, v)| s.label(k) == Some(*v)))
}

/// Parses the sample lines of a Prometheus text document (comments and blank lines skipped;
/// label values unescaped). A line it cannot parse is an error.
pub fn parse_text(text: &str) -> io::Result<Vec<Sample>> {
    let bad = |line: &str| io::Error::new(io::ErrorKind::InvalidData, format!("bad line: {line}"));
    let mut out = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let name_end = line.find(['{', ' ']).ok_or_else(|| bad(line))?;
        let name = &line[..name_end];
        let mut rest = &line[name_end..];
        let mut labels = BTreeMap::new();
        if let Some(r) = rest.strip_prefix('{') {
            rest = r;
            loop {
                rest = rest.trim_start_matches(',');
                if let Some(r) = rest.strip_prefix('}') {
                    rest = r;
                    break;
                }
                let eq = rest.find("=\"").ok_or_else(|| bad(line))?;
                let key = rest[..eq].to_owned();
                let mut value = String::new();
                let mut chars = rest[eq + 2..].char_indices();
                let end = loop {
                    match chars.next() {
                        Some((i, '"')) => break eq + 2 + i + 1,
                        Some((_, '\\')) => match chars.next() {
                            Some((_, 'n')) => value.push('\n'),
                            Some((_, c)) => value.push(c),
                            None => return Err(bad(line)),
                        },
                        Some((_, c)) => value.push(c),
                        None => return Err(bad(line)),
                    }
                };
                labels.insert(key, value);
                rest = &rest[end..];
            }
        }
        let value = rest
            .split_whitespace()
            .next()
            .and_then(parse_value)
            .ok_or_else(|| bad(line))?;
        out.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    Ok(out)
}

/// TLS for [`Pushgateway::start_with_web_config`], all in PEM: the gateway's certificate
/// (chain) and private key, and the CA certificate that the handle's own reads trust.
#[derive(Debug, Clone)]
pub struct GatewayTls {
    /// The server certificate (for 127.0.0.1), optionally followed by intermediates.
    pub cert_pem: String,
    /// The server's private key.
    pub key_pem: String,
    /// The CA that signed `cert_pem`.
    pub ca_pem: String,
}

/// A real `prometheus-pushgateway` on 127.0.0.1, without persistence, stopped on drop.
#[derive(Debug)]
pub struct Pushgateway {
    port: u16,
    dir: TempDir,
    auth: Option<(String, String)>,
    /// Whether it is started with `--web.config.file=<dir>/web.yml`.
    web_config: bool,
    /// More command-line flags.
    flags: Vec<String>,
    /// The CA its https certificate is signed by; `None` for plain http.
    ca_pem: Option<String>,
    process: Option<ProcessGuard>,
}

impl Pushgateway {
    /// Starts a gateway on a free port and waits until `/-/ready` answers 200.
    pub fn start() -> io::Result<Self> {
        Self::start_on(free_port()?)
    }

    /// Starts a gateway on `port` and waits until it is ready.
    pub fn start_on(port: u16) -> io::Result<Self> {
        let mut gw = Pushgateway {
            port,
            dir: TempDir::new()?,
            auth: None,
            web_config: false,
            flags: Vec::new(),
            ca_pem: None,
            process: None,
        };
        gw.restart()?;
        Ok(gw)
    }

    /// Starts a gateway on a free port with more command-line flags (such as
    /// `--push.disable-consistency-check`) and waits until it is ready.
    pub fn start_with_flags(flags: &[&str]) -> io::Result<Self> {
        let mut gw = Pushgateway {
            port: free_port()?,
            dir: TempDir::new()?,
            auth: None,
            web_config: false,
            flags: flags.iter().map(|f| (*f).to_owned()).collect(),
            ca_pem: None,
            process: None,
        };
        gw.restart()?;
        Ok(gw)
    }

    /// Starts a gateway on a free port that requires basic auth as `user` with the password
    /// whose bcrypt hash is `bcrypt_hash` (its `--web.config.file`); this handle's own reads
    /// authenticate as `user` with `password`.
    pub fn start_with_basic_auth(
        user: &str,
        password: &str,
        bcrypt_hash: &str,
    ) -> io::Result<Self> {
        let dir = TempDir::new()?;
        fs::write(
            dir.path().join("web.yml"),
            format!("basic_auth_users:\n  {user}: '{bcrypt_hash}'\n"),
        )?;
        let mut gw = Pushgateway {
            port: free_port()?,
            dir,
            auth: Some((user.to_owned(), password.to_owned())),
            web_config: true,
            flags: Vec::new(),
            ca_pem: None,
            process: None,
        };
        gw.restart()?;
        Ok(gw)
    }

    /// Starts a gateway on a free port with a `--web.config.file`: https with `tls` when
    /// given (then [`url`](Self::url) is `https://127.0.0.1:<port>` and this handle's own
    /// reads trust `tls.ca_pem` only), and basic auth when `basic_auth` is
    /// `Some((user, password, bcrypt_hash_of_password))` (this handle's reads then
    /// authenticate as `user`). Ready when `/-/ready` answers 200 through both.
    pub fn start_with_web_config(
        tls: Option<&GatewayTls>,
        basic_auth: Option<(&str, &str, &str)>,
    ) -> io::Result<Self> {
        let dir = TempDir::new()?;
        let mut yml = String::new();
        if let Some(tls) = tls {
            let cert = dir.path().join("server.crt");
            let key = dir.path().join("server.key");
            fs::write(&cert, &tls.cert_pem)?;
            fs::write(&key, &tls.key_pem)?;
            yml.push_str(&format!(
                "tls_server_config:\n  cert_file: '{}'\n  key_file: '{}'\n",
                cert.display(),
                key.display()
            ));
        }
        if let Some((user, _, hash)) = basic_auth {
            yml.push_str(&format!("basic_auth_users:\n  {user}: '{hash}'\n"));
        }
        fs::write(dir.path().join("web.yml"), yml)?;
        let mut gw = Pushgateway {
            port: free_port()?,
            dir,
            auth: basic_auth.map(|(u, p, _)| (u.to_owned(), p.to_owned())),
            web_config: true,
            flags: Vec::new(),
            ca_pem: tls.map(|t| t.ca_pem.clone()),
            process: None,
        };
        gw.restart()?;
        Ok(gw)
    }

    fn auth(&self) -> Option<(&str, &str)> {
        self.auth.as_ref().map(|(u, p)| (u.as_str(), p.as_str()))
    }

    /// Starts the gateway again on the same port (after [`stop`](Self::stop)), empty.
    pub fn restart(&mut self) -> io::Result<()> {
        self.stop();
        let log = self.dir.path().join("pushgateway.log");
        let mut cmd = Command::new("prometheus-pushgateway");
        cmd.arg("--persistence.file=")
            .arg(format!("--web.listen-address=127.0.0.1:{}", self.port));
        cmd.args(&self.flags);
        if self.web_config {
            cmd.arg(format!(
                "--web.config.file={}",
                self.dir.path().join("web.yml").display()
            ));
        }
        let mut guard = ProcessGuard::spawn("prometheus-pushgateway", cmd, &log)?;
        let ready = format!("{}/-/ready", self.url());
        wait_ready(&mut guard, &ready, self.auth(), self.ca(), &log)?;
        self.process = Some(guard);
        Ok(())
    }

    /// Kills the gateway (its port then refuses connections); [`restart`](Self::restart)
    /// brings it back.
    pub fn stop(&mut self) {
        if let Some(mut p) = self.process.take() {
            p.stop();
        }
    }

    /// `http://127.0.0.1:<port>`, or `https://...` when started with TLS.
    pub fn url(&self) -> String {
        let scheme = if self.ca_pem.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// The CA (PEM) its https certificate is signed by, when started with TLS.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    fn ca(&self) -> Option<&[u8]> {
        self.ca_pem.as_deref().map(str::as_bytes)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The process id, while running.
    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(ProcessGuard::pid)
    }

    /// The gateway's own `/metrics`: every pushed series, plus its own metrics.
    pub fn metrics_text(&self) -> io::Result<String> {
        match get(&format!("{}/metrics", self.url()), self.auth(), self.ca())? {
            (200, body) => Ok(body),
            (status, body) => Err(io::Error::other(format!("GET /metrics: {status} {body}"))),
        }
    }

    /// The pushed samples: [`metrics_text`](Self::metrics_text) parsed, keeping only series
    /// with a `job` label (the gateway's own metrics have none).
    pub fn pushed(&self) -> io::Result<Vec<Sample>> {
        let mut samples = parse_text(&self.metrics_text()?)?;
        samples.retain(|s| s.labels.contains_key("job"));
        Ok(samples)
    }
}

/// A real `prometheus` server on 127.0.0.1 that scrapes one target every second, with its
/// configuration and storage in a temporary directory, stopped on drop.
#[derive(Debug)]
pub struct Prometheus {
    port: u16,
    _dir: TempDir,
    process: ProcessGuard,
}

impl Prometheus {
    /// Starts a server scraping `127.0.0.1:<scrape_target_port>/metrics` (job `edgeprom`,
    /// scrape interval 1 s) and waits until `/-/ready` answers 200.
    pub fn start(scrape_target_port: u16) -> io::Result<Self> {
        Self::start_with(Some(scrape_target_port), &[])
    }

    /// As [`start`](Self::start), with `--enable-feature=native-histograms`: Prometheus 2.x
    /// then asks for the protobuf exposition first.
    pub fn start_native_histograms(scrape_target_port: u16) -> io::Result<Self> {
        Self::start_with(
            Some(scrape_target_port),
            &["--enable-feature=native-histograms"],
        )
    }

    /// Starts a server that scrapes nothing and takes remote write 1.0 at `/api/v1/write`
    /// (`--web.enable-remote-write-receiver`).
    pub fn start_receiver() -> io::Result<Self> {
        Self::start_with(None, &[])
    }

    /// As [`start_receiver`](Self::start_receiver), with more command-line flags (such as
    /// `--query.lookback-delta=5s`).
    pub fn start_receiver_with(flags: &[&str]) -> io::Result<Self> {
        Self::start_with(None, flags)
    }

    /// As [`start_receiver`](Self::start_receiver), with
    /// `--enable-feature=native-histograms`: it then stores the native histograms of
    /// `TimeSeries.histograms` (Prometheus 2.42 drops them without it).
    pub fn start_native_receiver() -> io::Result<Self> {
        Self::start_with(None, &["--enable-feature=native-histograms"])
    }

    /// As [`start`](Self::start), with `--enable-feature=exemplar-storage` (and with
    /// `native`, native histograms: protobuf first), so that the exemplars of the scrape are
    /// kept (`/api/v1/query_exemplars`).
    pub fn start_exemplars(scrape_target_port: u16, native: bool) -> io::Result<Self> {
        let flags: &[&str] = if native {
            &["--enable-feature=exemplar-storage,native-histograms"]
        } else {
            &["--enable-feature=exemplar-storage"]
        };
        Self::start_with(Some(scrape_target_port), flags)
    }

    fn start_with(scrape_target_port: Option<u16>, flags: &[&str]) -> io::Result<Self> {
        let dir = TempDir::new()?;
        let config = dir.path().join("prometheus.yml");
        let scrape = match scrape_target_port {
            Some(port) => format!(
                "scrape_configs:\n  - job_name: edgeprom\n    static_configs:\n\
                 \x20     - targets: ['127.0.0.1:{port}']\n"
            ),
            None => String::new(),
        };
        fs::write(
            &config,
            format!("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n{scrape}"),
        )?;
        let port = free_port()?;
        let log = dir.path().join("prometheus.log");
        let mut cmd = Command::new("prometheus");
        cmd.arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"));
        if scrape_target_port.is_none() {
            cmd.arg("--web.enable-remote-write-receiver");
        }
        cmd.args(flags);
        let mut process = ProcessGuard::spawn("prometheus", cmd, &log)?;
        let ready = format!("http://127.0.0.1:{port}/-/ready");
        wait_ready(&mut process, &ready, None, None, &log)?;
        Ok(Prometheus {
            port,
            _dir: dir,
            process,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// Queries `expr` until its samples satisfy `ok` and returns them; panics with the last
    /// answer when `deadline` passes.
    pub fn wait_for(
        &self,
        expr: &str,
        deadline: Duration,
        ok: impl Fn(&[Sample]) -> bool,
    ) -> Vec<Sample> {
        let mut last = Vec::new();
        poll_until(deadline, || {
            last = self.query(expr).unwrap_or_default();
            ok(&last).then(|| last.clone())
        })
        .unwrap_or_else(|| panic!("`{expr}` never matched within {deadline:?}; last: {last:?}"))
    }

    /// An instant query through the HTTP API (`/api/v1/query`): the vector's samples.
    pub fn query(&self, expr: &str) -> io::Result<Vec<Sample>> {
        instant_query(&self.url(), expr, &[])
    }

    /// Its resident memory now (`VmRSS`), in bytes.
    pub fn rss_bytes(&self) -> io::Result<u64> {
        rss_bytes(self.pid())
    }
}

/// An instant query through a Prometheus-compatible HTTP API (`<base>/api/v1/query`, also
/// VictoriaMetrics'), with more query parameters (`time`, `lookback_delta`...): the vector's
/// samples.
pub fn instant_query(base: &str, expr: &str, params: &[(&str, &str)]) -> io::Result<Vec<Sample>> {
    let mut req = agent()
        .get(format!("{base}/api/v1/query"))
        .query("query", expr);
    for (k, v) in params {
        req = req.query(*k, *v);
    }
    let mut resp = req.call().map_err(io::Error::other)?;
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .map_err(io::Error::other)?;
    let bad = |why: &str| io::Error::new(io::ErrorKind::InvalidData, format!("{why}: {body}"));
    if status != 200 {
        return Err(bad(&format!("status {status}")));
    }
    let json: serde_json::Value = serde_json::from_str(&body).map_err(io::Error::other)?;
    let results = json["data"]["result"]
        .as_array()
        .ok_or_else(|| bad("no data.result array"))?;
    results
        .iter()
        .map(|r| {
            let mut labels = metric_labels(&r["metric"]).ok_or_else(|| bad("no metric"))?;
            let value = r["value"][1]
                .as_str()
                .and_then(parse_value)
                .ok_or_else(|| bad("no value"))?;
            Ok(Sample {
                name: labels.remove("__name__").unwrap_or_default(),
                labels,
                value,
            })
        })
        .collect()
}

/// The resident memory (`VmRSS` of `/proc/<pid>/status`) of process `pid`, in bytes.
pub fn rss_bytes(pid: u32) -> io::Result<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .ok_or_else(|| io::Error::other(format!("no VmRSS in /proc/{pid}/status")))
}

/// The labels of a JSON `metric` object (Prometheus' query API, VictoriaMetrics' export).
fn metric_labels(metric: &serde_json::Value) -> Option<BTreeMap<String, String>> {
    let labels = metric.as_object()?.iter();
    Some(
        labels
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect(),
    )
}

/// One series as VictoriaMetrics exports it: labels (`__name__` as `name`), values and
/// timestamps (ms) in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    /// The series' labels.
    pub sample: Sample,
    /// Every value stored, in time order.
    pub values: Vec<f64>,
    /// Their timestamps in milliseconds.
    pub timestamps: Vec<i64>,
}

/// A real `victoria-metrics` (single node, Debian's package) on 127.0.0.1 with its storage in a
/// temporary directory, stopped by pid on drop; [`restart`](Self::restart) keeps port and data.
#[derive(Debug)]
pub struct VictoriaMetrics {
    port: u16,
    dir: TempDir,
    flags: Vec<String>,
    process: Option<ProcessGuard>,
}

impl VictoriaMetrics {
    /// Starts one on a free port and waits until `/health` answers `OK`.
    pub fn start() -> io::Result<Self> {
        Self::start_with(&[])
    }

    /// As [`start`](Self::start), with more command-line flags (kept for
    /// [`restart`](Self::restart)), such as `-search.latencyOffset=0s`.
    pub fn start_with(flags: &[&str]) -> io::Result<Self> {
        let mut vm = VictoriaMetrics {
            port: free_port()?,
            dir: TempDir::new()?,
            flags: flags.iter().map(|f| (*f).to_owned()).collect(),
            process: None,
        };
        vm.restart()?;
        Ok(vm)
    }

    /// Starts it again (after [`stop`](Self::stop)) on the same port with the same data.
    pub fn restart(&mut self) -> io::Result<()> {
        self.stop();
        let log = self.dir.path().join("victoria-metrics.log");
        let mut cmd = Command::new("victoria-metrics");
        cmd.arg(format!(
            "-storageDataPath={}",
            self.dir.path().join("data").display()
        ))
        .arg(format!("-httpListenAddr=127.0.0.1:{}", self.port))
        .args(&self.flags);
        let mut process = ProcessGuard::spawn("victoria-metrics", cmd, &log)?;
        let health = format!("{}/health", self.url());
        wait_ready(&mut process, &health, None, None, &log)?;
        self.process = Some(process);
        Ok(())
    }

    /// Stops it (by pid).
    pub fn stop(&mut self) {
        if let Some(mut p) = self.process.take() {
            p.stop();
        }
    }

    /// Stops it as a service manager would (SIGTERM by pid), so that it flushes what it
    /// accepted to disk before exiting (SIGKILL would lose the last seconds).
    pub fn stop_gracefully(&mut self) -> io::Result<()> {
        match self.process.take() {
            Some(mut p) => p.terminate(Duration::from_secs(20)),
            None => Ok(()),
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The process id, while running.
    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(ProcessGuard::pid)
    }

    /// An instant query (`/api/v1/query`, MetricsQL) with more query parameters.
    pub fn query(&self, expr: &str, params: &[(&str, &str)]) -> io::Result<Vec<Sample>> {
        instant_query(&self.url(), expr, params)
    }

    /// Its resident memory now, in bytes (while running).
    pub fn rss_bytes(&self) -> io::Result<u64> {
        let pid = self.pid().ok_or_else(|| io::Error::other("not running"))?;
        rss_bytes(pid)
    }

    /// Every series matching `selector` (`{__name__=~"..."}`), through `/api/v1/export`.
    pub fn export(&self, selector: &str) -> io::Result<Vec<Exported>> {
        let mut resp = agent()
            .post(format!("{}/api/v1/export", self.url()))
            .send_form([("match[]", selector)])
            .map_err(io::Error::other)?;
        let status = resp.status().as_u16();
        let body = resp.body_mut().read_to_string().map_err(io::Error::other)?;
        let bad = |why: &str| io::Error::new(io::ErrorKind::InvalidData, format!("{why}: {body}"));
        if status != 200 {
            return Err(bad(&format!("status {status}")));
        }
        body.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                let json: serde_json::Value =
                    serde_json::from_str(line).map_err(io::Error::other)?;
                let mut labels = metric_labels(&json["metric"]).ok_or_else(|| bad("no metric"))?;
                let values = json["values"]
                    .as_array()
                    .ok_or_else(|| bad("no values"))?
                    .iter()
                    .map(|v| v.as_f64().or_else(|| v.as_str().and_then(parse_value)))
                    .collect::<Option<Vec<f64>>>()
                    .ok_or_else(|| bad("a value is not a number"))?;
                let timestamps = json["timestamps"]
                    .as_array()
                    .ok_or_else(|| bad("no timestamps"))?
                    .iter()
                    .map(serde_json::Value::as_i64)
                    .collect::<Option<Vec<i64>>>()
                    .ok_or_else(|| bad("a timestamp is not an integer"))?;
                Ok(Exported {
                    sample: Sample {
                        name: labels.remove("__name__").unwrap_or_default(),
                        labels,
                        value: values.last().copied().unwrap_or(f64::NAN),
                    },
                    values,
                    timestamps,
                })
            })
            .collect()
    }
}

impl Drop for VictoriaMetrics {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A real `vmagent` (Debian's `victoria-metrics` package) on 127.0.0.1 taking remote write at
/// `/api/v1/write` and forwarding everything to each of its remote write URLs, with its on-disk
/// queue (`-remoteWrite.tmpDataPath`) in a temporary directory; stopped by pid on drop.
#[derive(Debug)]
pub struct Vmagent {
    port: u16,
    _dir: TempDir,
    process: ProcessGuard,
}

impl Vmagent {
    /// Starts one forwarding to every URL of `remote_write_urls` (each gets its own queue) and
    /// waits until `/health` answers.
    pub fn start(remote_write_urls: &[String]) -> io::Result<Self> {
        let dir = TempDir::new()?;
        let port = free_port()?;
        let log = dir.path().join("vmagent.log");
        let mut cmd = Command::new("vmagent");
        cmd.arg(format!("-httpListenAddr=127.0.0.1:{port}"))
            .arg(format!(
                "-remoteWrite.tmpDataPath={}",
                dir.path().join("queue").display()
            ));
        for url in remote_write_urls {
            cmd.arg(format!("-remoteWrite.url={url}"));
        }
        // One queue per URL: with its default of `2 * CPUs` vmagent sends blocks in parallel,
        // so a series' samples can arrive out of order, and Prometheus 2.42 refuses those
        // (`out of order sample`, a 400 vmagent does not retry): 1.3 % of the samples of a run
        // of 1,000 devices every second were lost so.
        cmd.arg("-remoteWrite.queues=1");
        let mut process = ProcessGuard::spawn("vmagent", cmd, &log)?;
        let health = format!("http://127.0.0.1:{port}/health");
        wait_ready(&mut process, &health, None, None, &log)?;
        Ok(Vmagent {
            port,
            _dir: dir,
            process,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// Its resident memory now, in bytes.
    pub fn rss_bytes(&self) -> io::Result<u64> {
        rss_bytes(self.pid())
    }

    /// Its own `/metrics` (queue sizes, blocks sent, retries), parsed.
    pub fn own_metrics(&self) -> io::Result<Vec<Sample>> {
        match http_get(&format!("{}/metrics", self.url()))? {
            (200, body) => parse_text(&body),
            (status, body) => Err(io::Error::other(format!("GET /metrics: {status} {body}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prometheus_text() {
        let text =
            "# HELP x h\n# TYPE x gauge\nx 1\ny{a=\"q\\\"\\\\\\n\",b=\"é/\"} -Inf\nz{} 2.5 123\n";
        let s = parse_text(text).unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!((s[0].name.as_str(), s[0].value), ("x", 1.0));
        assert_eq!(s[1].label("a"), Some("q\"\\\n"));
        assert_eq!(s[1].label("b"), Some("é/"));
        assert_eq!(s[1].value, f64::NEG_INFINITY);
        assert_eq!(s[2].value, 2.5);
        assert!(parse_text("x{a=\"1} 2\n").is_err());
        assert!(parse_text("x\n").is_err());
    }

    #[test]
    fn free_ports_are_free() {
        let p = free_port().unwrap();
        TcpListener::bind(("127.0.0.1", p)).unwrap();
        assert_eq!(poll_until(Duration::ZERO, || None::<()>), None);
        assert_eq!(poll_until(Duration::ZERO, || Some(3)), Some(3));
    }
}
