//! `cargo xtask demo [--jobs N] [--rounds N] [--no-push]`: two demos.
//!
//! 1. A small simulated batch job instrumented with every edgeprom metric type; its
//!    OpenMetrics exposition is printed to stdout (and only it: stdout stays a valid document).
//!    The work is faked with a deterministic PRNG and a simulated monotonic clock, so every run
//!    gives the same values (only the `_created` wall-clock times differ).
//! 2. The seed page's Gradient `MetricsLogger` loop (a gauge set to random values, a counter
//!    incremented, `push_metrics()` each round) pushing to the Pushgateway at
//!    `$PUSHGATEWAY_URL`, or, when that is unset, to a `prometheus-pushgateway` it starts on
//!    loopback and stops at the end; then what the gateway holds, and the same metrics served
//!    on the scrape endpoint. Then the embedded half: the example firmware (tests/firmware)
//!    boots in QEMU and pushes over its UART to the same gateway (when it is on loopback), and
//!    what the gateway holds for it. This report goes to stderr. `--no-push` skips it.
//! 3. The batch job's registry remote-written (remote write 1.0, with metadata) to
//!    `$REMOTE_WRITE_URL`, or, when that is unset, to a `victoria-metrics` it starts on
//!    loopback and stops at the end; then the remote write firmware boots in QEMU and, over
//!    its UART, imports its metrics, sets its clock from the reply and remote-writes them to
//!    that VictoriaMetrics; then what it holds (`/api/v1/export`).
use std::cell::Cell;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use edgeprom::encode::remote_write::RemoteWrite;
use edgeprom::{
    CallbackGauge, Clock, Counter, Family, FamilyBuilder, Format, Gauge, Histogram, Info, Metric,
    Registry, StateSet, Summary, WallClock,
};
use edgeprom_std::{ConfigError, MetricsLogger, RemoteWriteClient, ScrapeServer};
use edgeprom_tests::qemu::{build_firmware, run_firmware};
use edgeprom_tests::servers::{http_get, poll_until, Pushgateway, VictoriaMetrics};

/// The job the example firmware pushes as (tests/firmware/src/main.rs).
const FIRMWARE_JOB: &str = "edgeprom_firmware";

/// The host's wall clock, for `_created`.
struct SystemWallClock;
impl WallClock for SystemWallClock {
    fn unix_time(&self) -> Duration {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
    }
}

/// A monotonic clock that only moves when the simulated work says so.
struct SimClock(Cell<Duration>);
impl Clock for SimClock {
    fn now(&self) -> Duration {
        self.0.get()
    }
}

static WALL: SystemWallClock = SystemWallClock;
static PROCESSED: Metric<Counter> = Metric::new("demo_jobs_processed", "Jobs processed");
static BYTES: Metric<Counter<f64>> = Metric::with_unit("demo_read_bytes", "Bytes read", "bytes");
static IN_PROGRESS: Metric<Gauge> = Metric::new("demo_jobs_in_progress", "Jobs running now");
static QUEUE: Metric<Gauge<i64>> = Metric::new("demo_queue_depth", "Jobs waiting");
static DURATION: Metric<Histogram> =
    Metric::with_unit("demo_job_duration_seconds", "Job duration", "seconds");
static BATCH: Metric<Summary> = Metric::new("demo_batch_items", "Items per job");
static OUTCOMES: Family<Counter, 2, 8> = FamilyBuilder::new(
    "demo_outcomes",
    "Jobs by kind and outcome",
    ["kind", "outcome"],
)
.wall_clock(&WALL)
.build();
static BUILD: Info<'static, 2> = Info::new(
    "demo_build",
    "Build information",
    [
        ("version", env!("CARGO_PKG_VERSION")),
        (
            "profile",
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
        ),
    ],
);
static PHASE: StateSet<3> = StateSet::new(
    "demo_phase",
    "Phase of the job",
    ["starting", "running", "done"],
);
static REMAINING: AtomicU64 = AtomicU64::new(0);
static REMAINING_GAUGE: CallbackGauge<fn() -> f64> = CallbackGauge::new(
    "demo_remaining_items",
    "Items left, read at encode time",
    remaining,
);

fn remaining() -> f64 {
    REMAINING.load(Ordering::Relaxed) as f64
}

/// xorshift64*: a tiny deterministic PRNG.
fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

/// The batch job's registry, recorded; and its OpenMetrics exposition.
fn run(jobs: u64) -> Result<(Registry<'static, 16>, String), Box<dyn std::error::Error>> {
    let mut registry: Registry<'static, 16> = Registry::new().with_wall_clock(&WALL);
    registry.register(&PROCESSED)?;
    registry.register(&BYTES)?;
    registry.register(&IN_PROGRESS)?;
    registry.register(&QUEUE)?;
    registry.register(&DURATION)?;
    registry.register(&BATCH)?;
    registry.register(&OUTCOMES)?;
    registry.register(&BUILD)?;
    registry.register(&PHASE)?;
    registry.register(&REMAINING_GAUGE)?;

    let clock = SimClock(Cell::new(Duration::ZERO));
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    QUEUE.set(i64::try_from(jobs)?);
    REMAINING.store(jobs.saturating_mul(10), Ordering::Relaxed);
    PHASE.set("running")?;
    for _ in 0..jobs {
        let _running = IN_PROGRESS.track_inprogress();
        let _timer = DURATION.start_timer(&clock);
        let r = next(&mut rng);
        let items = 1 + r % 10;
        clock
            .0
            .set(clock.0.get() + Duration::from_millis(5 + r % 900));
        BYTES.inc_by(items as f64 * 512.5)?;
        BATCH.observe(items as f64)?;
        let kind = if r.is_multiple_of(3) {
            "import"
        } else {
            "export"
        };
        let outcome = if r.is_multiple_of(7) { "failed" } else { "ok" };
        OUTCOMES.labels([kind, outcome])?.inc();
        PROCESSED.inc();
        QUEUE.dec();
        REMAINING.fetch_sub(items, Ordering::Relaxed);
    }
    PHASE.set("done")?;

    let mut buf = vec![0u8; 4096];
    let len = match registry.encode(Format::OpenMetrics, &mut buf) {
        Err(edgeprom::EncodeError::BufferTooSmall { needed }) => {
            buf.resize(needed, 0);
            registry.encode(Format::OpenMetrics, &mut buf)?
        }
        other => other?,
    };
    buf.truncate(len);
    Ok((registry, String::from_utf8(buf)?))
}

/// The seed page's `MetricsLogger` loop against a Pushgateway, reported on stderr.
fn push_demo(rounds: u32) -> Result<(), Box<dyn std::error::Error>> {
    let mut local = None;
    let url = match std::env::var("PUSHGATEWAY_URL") {
        Ok(url) if !url.is_empty() => {
            eprintln!("== pushing to $PUSHGATEWAY_URL = {url}");
            url
        }
        _ => {
            let gw = Pushgateway::start()
                .map_err(|e| format!("starting a local prometheus-pushgateway: {e}"))?;
            let url = gw.url();
            eprintln!(
                "== $PUSHGATEWAY_URL is unset: started prometheus-pushgateway (pid {}) at {url}",
                gw.pid().unwrap_or_default()
            );
            local = Some(gw);
            url
        }
    };

    // Configured as in Gradient: PAPERSPACE_METRIC_WORKLOAD_ID etc. and HOSTNAME when set.
    let mut builder = MetricsLogger::builder()
        .gateway(url.as_str())
        .grouping_key("run", "demo")
        .step(1);
    if std::env::var_os("HOSTNAME").is_none() {
        builder = builder.pod("demo-host-1");
    }
    let mut logger = match builder.clone().build() {
        Err(ConfigError::NoWorkloadId) => builder.workload_id("edgeprom-demo").build()?,
        other => other?,
    };
    eprintln!(
        "== MetricsLogger: job {:?}, grouping key {:?}",
        logger.workload_id(),
        logger.grouping_key()
    );
    logger.add_gauge("Gauge")?;
    logger.add_counter("Counter")?;
    let mut rng = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| u64::from(d.subsec_nanos()) | 1);
    for round in 1..=rounds {
        let value = (next(&mut rng) % 100) as f64;
        logger.set("Gauge", value)?; // Python: logger["Gauge"] = value
        logger["Counter"].inc()?;
        logger.push_metrics()?;
        eprintln!("round {round}: Gauge = {value}, Counter += 1, pushed");
        thread::sleep(Duration::from_millis(200));
    }

    let (status, held) = http_get(&format!("{url}/metrics"))?;
    if status != 200 {
        return Err(format!("GET {url}/metrics answered {status}").into());
    }
    let job = format!("job=\"{}\"", logger.workload_id());
    eprintln!("\n== what the Pushgateway holds for {job}:");
    for line in held
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains(&job))
    {
        eprintln!("{line}");
    }

    let logger = Arc::new(logger);
    let server = ScrapeServer::bind("127.0.0.1:0", logger.clone())?;
    let scrape_url = format!("http://{}/metrics", server.local_addr());
    let (status, served) = http_get(&scrape_url)?;
    eprintln!("\n== the same metrics on the scrape endpoint, GET {scrape_url} ({status}):");
    eprint!("{served}");
    server.stop();

    match loopback_port(&url) {
        Some(port) => firmware_demo(port, &url)?,
        None => eprintln!("\n== the firmware half needs a gateway on loopback; {url} is not"),
    }
    if let Some(mut gw) = local {
        gw.stop();
        eprintln!("\n== stopped the local prometheus-pushgateway");
    }
    Ok(())
}

/// The port of a gateway URL on this machine (`http://127.0.0.1:PORT`, `http://localhost:PORT`).
fn loopback_port(url: &str) -> Option<u16> {
    let rest = url.strip_prefix("http://")?;
    let authority = rest.split('/').next()?;
    let (host, port) = authority.rsplit_once(':')?;
    matches!(host, "127.0.0.1" | "localhost")
        .then(|| port.parse().ok())
        .flatten()
}

/// The embedded half: the example firmware (tests/firmware) boots in QEMU, records every
/// metric type and pushes over its UART, bridged to the same gateway; then what the gateway
/// holds for it.
fn firmware_demo(gateway_port: u16, url: &str) -> Result<(), Box<dyn std::error::Error>> {
    eprintln!("\n== building the example firmware (thumbv7m-none-eabi) and booting it in QEMU");
    let elf = build_firmware()?;
    let run = run_firmware(&elf, gateway_port, Duration::from_secs(60))?;
    eprint!("{}", run.stdout);
    if !run.status.success() {
        return Err(format!("the firmware failed ({}): {}", run.status, run.stderr).into());
    }
    eprintln!(
        "firmware sent {} bytes over UART0 and read {} bytes back",
        run.sent.len(),
        run.received.len()
    );
    let (status, held) = http_get(&format!("{url}/metrics"))?;
    if status != 200 {
        return Err(format!("GET {url}/metrics answered {status}").into());
    }
    eprintln!("\n== what the Pushgateway holds for job=\"{FIRMWARE_JOB}\":");
    let job = format!("job=\"{FIRMWARE_JOB}\"");
    for line in held
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains(&job))
    {
        eprintln!("{line}");
    }
    Ok(())
}

/// The batch job's metrics remote-written to `$REMOTE_WRITE_URL`, or, when that is unset, to
/// a `victoria-metrics` started on loopback (and stopped at the end), which the remote write
/// firmware then writes to from QEMU; then what it holds.
fn remote_write_demo(registry: &Registry<'_, 16>) -> Result<(), Box<dyn std::error::Error>> {
    let mut local = None;
    let url = match std::env::var("REMOTE_WRITE_URL") {
        Ok(url) if !url.is_empty() => {
            eprintln!("\n== remote-writing to $REMOTE_WRITE_URL = {url}");
            url
        }
        _ => {
            let vm = VictoriaMetrics::start()
                .map_err(|e| format!("starting a local victoria-metrics: {e}"))?;
            let url = format!("{}/api/v1/write", vm.url());
            eprintln!(
                "\n== $REMOTE_WRITE_URL is unset: started victoria-metrics (pid {}) at {url}",
                vm.pid().unwrap_or_default()
            );
            local = Some(vm);
            url
        }
    };
    let client = RemoteWriteClient::new(&url)?;
    let request = RemoteWrite::now(&WALL).with_metadata(true);
    let bytes = client.write(registry, &request)?;
    eprintln!("sent one WriteRequest: {bytes} bytes (protobuf, snappy)");
    if let Some(vm) = local.as_mut() {
        // The firmware half: the remote write firmware (tests/firmware/src/bin/remote_write.rs)
        // imports, sets its clock from the reply's Date and remote-writes, over its UART.
        eprintln!(
            "\n== the remote write firmware in QEMU, over UART0 to the same victoria-metrics"
        );
        let elf = build_firmware()?.with_file_name("remote_write");
        let run = run_firmware(&elf, vm.port(), Duration::from_secs(120))?;
        eprint!("{}", run.stdout);
        if !run.status.success() {
            return Err(format!("the firmware failed ({}): {}", run.status, run.stderr).into());
        }
        // The export API reads the storage directly (no search latency offset).
        let mut series = poll_until(Duration::from_secs(10), || {
            vm.export(r#"{__name__=~"(demo|rwfw)_.*"}"#)
                .ok()
                .filter(|s| s.iter().any(|e| e.sample.name.starts_with("rwfw_")))
        })
        .ok_or("victoria-metrics exported no rwfw_ (firmware) series within 10 s")?;
        series.sort_by(|a, b| {
            (&a.sample.name, &a.sample.labels).cmp(&(&b.sample.name, &b.sample.labels))
        });
        eprintln!(
            "\n== what victoria-metrics holds ({} series):",
            series.len()
        );
        for s in &series {
            let labels: Vec<String> = s
                .sample
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v:?}"))
                .collect();
            let labels = if labels.is_empty() {
                String::new()
            } else {
                format!("{{{}}}", labels.join(","))
            };
            eprintln!(
                "{}{labels} {:?} at {:?} ms",
                s.sample.name, s.values, s.timestamps
            );
        }
        vm.stop();
        eprintln!("\n== stopped the local victoria-metrics");
    } else {
        eprintln!(
            "(the firmware half imports into and remote-writes to a VictoriaMetrics this demo \
             starts; unset $REMOTE_WRITE_URL to see it)"
        );
    }
    Ok(())
}

struct Args {
    jobs: u64,
    rounds: u32,
    push: bool,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    const USAGE: &str = "usage: demo [--jobs N] [--rounds N] [--no-push]";
    let mut parsed = Args {
        jobs: 12,
        rounds: 5,
        push: true,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--jobs" | "--rounds" => {
                let n = it.next().ok_or(USAGE)?;
                let bad = |e: std::num::ParseIntError| format!("{arg} {n}: {e}");
                if arg == "--jobs" {
                    parsed.jobs = n.parse().map_err(bad)?;
                } else {
                    parsed.rounds = n.parse().map_err(bad)?;
                }
            }
            "--no-push" => parsed.push = false,
            _ => return Err(USAGE.to_owned()),
        }
    }
    Ok(parsed)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse_args(&args) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("demo: {e}");
            return ExitCode::FAILURE;
        }
    };
    let registry = match run(args.jobs) {
        Ok((registry, text)) => {
            print!("{text}");
            registry
        }
        Err(e) => {
            eprintln!("demo: {e}");
            return ExitCode::FAILURE;
        }
    };
    if args.push {
        if let Err(e) = push_demo(args.rounds) {
            eprintln!("demo: {e}");
            return ExitCode::FAILURE;
        }
        if let Err(e) = remote_write_demo(&registry) {
            eprintln!("demo: remote write: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
