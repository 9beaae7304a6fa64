//! `cargo xtask demo [--jobs N]`: a small simulated batch job instrumented with every edgeprom
//! metric type; prints its OpenMetrics exposition to stdout. The work is faked with a
//! deterministic PRNG and a simulated monotonic clock, so every run gives the same values
//! (only the `_created` wall-clock times differ).

use std::cell::Cell;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use edgeprom::{
    CallbackGauge, Clock, Counter, Family, FamilyBuilder, Format, Gauge, Histogram, Info, Metric,
    Registry, StateSet, Summary, WallClock,
};

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

fn run(jobs: u64) -> Result<String, Box<dyn std::error::Error>> {
    let mut registry: Registry<'_, 16> = Registry::new().with_wall_clock(&WALL);
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
        let kind = if r.is_multiple_of(3) { "import" } else { "export" };
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
    Ok(String::from_utf8(buf)?)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let jobs = match args.as_slice() {
        [] => Ok(12),
        [flag, n] if flag == "--jobs" => n.parse::<u64>().map_err(|e| format!("--jobs {n}: {e}")),
        _ => Err("usage: demo [--jobs N]".to_owned()),
    };
    match jobs.map_err(Into::into).and_then(run) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("demo: {e}");
            ExitCode::FAILURE
        }
    }
}
