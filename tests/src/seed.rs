//! The seed page's metrics (the examples of Python's `prometheus_client` README) and a second
//! set covering the rest of the core, each driven through a fixed list of recorded updates.
//!
//! The golden, promtool, OpenMetrics-parser and allocation tests all encode these. Every value
//! a test expects is derived here from the recorded updates ([`LATENCIES`], [`SIZES`], ...),
//! never read back from the metrics, so that the checks are independent of the core.

use core::time::Duration;

use edgeprom::{
    buckets, CallbackGauge, Counter, Family, FamilyBuilder, FixedClock, Gauge, Histogram, Info,
    Metric, RegisterError, Registry, StateSet, Summary,
};

/// The wall-clock time stamped into every `_created` sample of [`Seed`].
pub const SEED_CREATED: Duration = Duration::new(1_700_000_000, 250_000_000);
/// The wall-clock time stamped into every `_created` sample of [`Extras`].
pub const EXTRAS_CREATED: Duration = Duration::new(1_712_345_678, 0);

/// The seed registry's clock.
pub static SEED_CLOCK: FixedClock = FixedClock(SEED_CREATED);
/// The extras registry's clock.
pub static EXTRAS_CLOCK: FixedClock = FixedClock(EXTRAS_CREATED);

/// What the README observes into its summary and histogram (`s.observe(4.7)`), and a few more.
pub const LATENCIES: [f64; 4] = [4.7, 0.05, 0.25, 12.5];
/// `c.labels('get', '/').inc()` once, `c.labels('post', '/submit').inc()` twice.
pub const REQUESTS: [(&str, &str, u64); 2] = [("get", "/", 1), ("post", "/submit", 2)];
/// The README's `Info`.
pub const BUILD_INFO: [(&str, &str); 2] = [("version", "1.2.3"), ("buildhost", "foo@bar")];
/// The README's `Enum` states; [`SEED_STATE`] is current.
pub const TASK_STATES: [&str; 3] = ["starting", "running", "stopped"];
/// The state the seed's state set is put in.
pub const SEED_STATE: &str = "running";

/// The seed page's metrics, registered in this order by [`Seed::registry`].
#[derive(Debug)]
pub struct Seed {
    /// `Counter('my_failures', 'Description of counter')`, `inc()` then `inc(1.6)`: 2.6.
    pub failures: Metric<Counter<f64>>,
    /// `Gauge('my_inprogress_requests', ...)`: inc, inc(10), dec, dec(10), set(4.2).
    pub in_progress: Metric<Gauge>,
    /// `Summary('request_latency_seconds', 'Description of summary')`.
    pub latency_summary: Metric<Summary>,
    /// The README's histogram, renamed to live beside the summary, with a unit.
    pub latency_hist: Metric<Histogram>,
    /// `Counter('my_requests_total', 'HTTP Failures', ['method', 'endpoint'])`.
    pub requests: Family<Counter, 2, 8>,
    /// `Info('my_build_version', 'Description of info')`.
    pub build: Info<'static, 2>,
    /// `Enum('my_task_state', 'Description of enum', states=[...])`.
    pub task_state: StateSet<3>,
}

impl Default for Seed {
    fn default() -> Self {
        Self::new()
    }
}

impl Seed {
    /// The metrics, fresh, not yet updated.
    pub fn new() -> Self {
        Seed {
            failures: Metric::new("my_failures", "Description of counter"),
            in_progress: Metric::new("my_inprogress_requests", "Description of gauge"),
            latency_summary: Metric::new("request_latency_seconds", "Description of summary"),
            latency_hist: Metric::with_unit(
                "request_latency_hist_seconds",
                "Description of histogram",
                "seconds",
            ),
            requests: FamilyBuilder::new(
                "my_requests_total",
                "HTTP Failures",
                ["method", "endpoint"],
            )
            .wall_clock(&SEED_CLOCK)
            .build(),
            build: Info::new("my_build_version", "Description of info", BUILD_INFO),
            task_state: StateSet::new("my_task_state", "Description of enum", TASK_STATES),
        }
    }

    /// The metrics after the recorded updates.
    pub fn recorded() -> Result<Self, Box<dyn std::error::Error>> {
        let s = Self::new();
        s.failures.inc();
        s.failures.inc_by(1.6)?;
        s.in_progress.inc();
        s.in_progress.inc_by(10.0);
        s.in_progress.dec();
        s.in_progress.dec_by(10.0);
        s.in_progress.set(4.2);
        for v in LATENCIES {
            s.latency_summary.observe(v)?;
            s.latency_hist.observe(v)?;
        }
        for (method, endpoint, n) in REQUESTS {
            for _ in 0..n {
                s.requests
                    .labels_by_name([("endpoint", endpoint), ("method", method)])?
                    .inc();
            }
        }
        s.task_state.set(SEED_STATE)?;
        Ok(s)
    }

    /// A registry of all of them, stamping `_created` with [`SEED_CREATED`].
    pub fn registry(&self) -> Result<Registry<'_, 8>, RegisterError<'_>> {
        let mut r = Registry::new().with_wall_clock(&SEED_CLOCK);
        r.register(&self.failures)?;
        r.register(&self.in_progress)?;
        r.register(&self.latency_summary)?;
        r.register(&self.latency_hist)?;
        r.register(&self.requests)?;
        r.register(&self.build)?;
        r.register(&self.task_state)?;
        Ok(r)
    }
}

buckets!(
    /// Frame-size buckets of [`Extras::frame_size`].
    pub SizeBuckets: f64 = [0.5, 1.0, 2.5]
);
buckets!(
    /// Integer buckets of [`Extras::retries`].
    pub RetryBuckets: u64 = [1, 10, 100]
);

/// The registry's namespace in [`Extras`].
pub const NAMESPACE: &str = "edge";
/// The registry's constant labels in [`Extras`] (the second needs escaping).
pub const CONST_LABELS: [(&str, &str); 2] = [("device", "dev-01"), ("site", "lab \"A\"\\1")];
/// Help text needing escaping in both formats: backslash, quote, newline, non-ASCII.
pub const ESCAPE_HELP: &str = "Paths with a backslash \\ a \"quote\" a newline\nand ünïcödé ✓";
/// Label values needing escaping, each set to the gauge value beside it.
pub const ESCAPE_VALUES: [(&str, f64); 4] = [
    ("C:\\temp", 1.0),
    ("say \"hi\"", 2.0),
    ("line1\nline2", 3.0),
    ("grüße ✓", 4.0),
];
/// Float gauge values written in their special forms.
pub const SPECIAL_VALUES: [(&str, f64); 7] = [
    ("nan", f64::NAN),
    ("pos_inf", f64::INFINITY),
    ("neg_inf", f64::NEG_INFINITY),
    ("neg_zero", -0.0),
    ("tiny", 1e-7),
    ("huge", 1e20),
    ("third", 1.0 / 3.0),
];
/// Float counter increments: 0.1 + 0.2, whose shortest round-trip form is long.
pub const TRANSFER_INCS: [f64; 2] = [0.1, 0.2];
/// Observations into [`Extras::frame_size`], per `port` label value.
pub const SIZES: [(&str, &[f64]); 2] = [("eth0", &[0.25, 0.5, 3.0]), ("wlan0", &[1.0, 2.0])];
/// Observations into [`Extras::retries`].
pub const RETRIES: [u64; 4] = [0, 5, 50, 500];
/// Observations into [`Extras::jobs`], per `job` label value.
pub const JOBS: [(&str, &[f64]); 1] = [("backup", &[1.5, 2.25])];
/// [`Extras::queue`] is set to this.
pub const QUEUE_DEPTH: i64 = -3;
/// What [`Extras::temperature`]'s callback returns.
pub const TEMPERATURE: f64 = 21.5;
/// [`Extras::device`]'s labels.
pub const DEVICE_INFO: [(&str, &str); 2] = [("firmware", "0.9.1"), ("board", "rev \"B\"")];
/// [`Extras::mode`]'s states; the second is current.
pub const MODES: [&str; 2] = ["idle", "busy"];

fn temperature() -> f64 {
    TEMPERATURE
}

/// Everything else the core exposes: a namespace, constant labels, units, escaping, special
/// float values, integer histograms, labelled histograms and summaries, a callback gauge and a
/// family without series.
#[derive(Debug)]
pub struct Extras {
    /// A float counter with a unit: 0.1 + 0.2.
    pub transfer: Metric<Counter<f64>>,
    /// An integer gauge at [`QUEUE_DEPTH`].
    pub queue: Metric<Gauge<i64>>,
    /// A callback gauge returning [`TEMPERATURE`].
    pub temperature: CallbackGauge<fn() -> f64>,
    /// A gauge family whose help and label values need escaping.
    pub escapes: Family<Gauge, 1, 4>,
    /// A gauge family holding [`SPECIAL_VALUES`].
    pub special: Family<Gauge, 1, 8>,
    /// A labelled histogram with custom buckets, a unit and `_created` per series.
    pub frame_size: Family<Histogram<SizeBuckets>, 1, 4>,
    /// An integer histogram.
    pub retries: Metric<Histogram<RetryBuckets>>,
    /// A labelled summary.
    pub jobs: Family<Summary, 1, 2>,
    /// An info metric beside the constant labels.
    pub device: Info<'static, 2>,
    /// A state set under the namespace.
    pub mode: StateSet<2>,
    /// A counter family that never gets a series.
    pub unused: Family<Counter, 1, 2>,
}

impl Default for Extras {
    fn default() -> Self {
        Self::new()
    }
}

impl Extras {
    /// The metrics, fresh, not yet updated.
    pub fn new() -> Self {
        Extras {
            transfer: Metric::with_unit("transfer_bytes_total", "Bytes moved", "bytes"),
            queue: Metric::new("queue_depth", "Items queued, negative when owed"),
            temperature: CallbackGauge::new(
                "board_temperature_celsius",
                "Read at encode time",
                temperature as fn() -> f64,
            ),
            escapes: Family::new("label_escapes", ESCAPE_HELP, ["path"]),
            special: Family::new("special_values", "Floats in their special forms", ["kind"]),
            frame_size: FamilyBuilder::new("frame_size_bytes", "Frame sizes", ["port"])
                .unit("bytes")
                .wall_clock(&EXTRAS_CLOCK)
                .build(),
            retries: Metric::new("retries", "Retries per request"),
            jobs: FamilyBuilder::new("job_duration_seconds", "Job durations", ["job"])
                .wall_clock(&EXTRAS_CLOCK)
                .build(),
            device: Info::new("device_info", "Device information", DEVICE_INFO),
            mode: StateSet::new("mode", "Operating mode", MODES),
            unused: Family::new("unused", "Never incremented", ["reason"]),
        }
    }

    /// The metrics after the recorded updates.
    pub fn recorded() -> Result<Self, Box<dyn std::error::Error>> {
        let e = Self::new();
        for v in TRANSFER_INCS {
            e.transfer.inc_by(v)?;
        }
        e.queue.set(QUEUE_DEPTH);
        for (path, v) in ESCAPE_VALUES {
            e.escapes.labels([path])?.set(v);
        }
        for (kind, v) in SPECIAL_VALUES {
            e.special.labels([kind])?.set(v);
        }
        for (port, values) in SIZES {
            let h = e.frame_size.labels([port])?;
            for v in values {
                h.observe(*v)?;
            }
        }
        for v in RETRIES {
            e.retries.observe(v)?;
        }
        for (job, values) in JOBS {
            let s = e.jobs.labels([job])?;
            for v in values {
                s.observe(*v)?;
            }
        }
        e.mode.set(MODES[1])?;
        Ok(e)
    }

    /// A registry of all of them, with [`NAMESPACE`], [`CONST_LABELS`] and a wall clock.
    pub fn registry(&self) -> Result<Registry<'_, 16>, RegisterError<'_>> {
        let mut r = Registry::new()
            .with_namespace(NAMESPACE)?
            .with_const_labels(&CONST_LABELS)?
            .with_wall_clock(&EXTRAS_CLOCK);
        r.register(&self.transfer)?;
        r.register(&self.queue)?;
        r.register(&self.temperature)?;
        r.register(&self.escapes)?;
        r.register(&self.special)?;
        r.register(&self.frame_size)?;
        r.register(&self.retries)?;
        r.register(&self.jobs)?;
        r.register(&self.device)?;
        r.register(&self.mode)?;
        r.register(&self.unused)?;
        Ok(r)
    }
}
