//! The timing harness: warm-up and calibration per subject, then rounds in which every
//! subject runs one timed batch in turn (so a burst of noise from elsewhere on the machine
//! hits all columns alike), and the median of the per-batch ns/op.

use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

/// How long and how often to measure.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Timed batches per subject.
    pub rounds: usize,
    /// Target duration of one batch.
    pub batch: Duration,
    /// Minimum warm-up per subject before calibration ends.
    pub warmup: Duration,
}

impl Config {
    /// The full run.
    pub fn full() -> Self {
        Config {
            rounds: 101,
            batch: Duration::from_millis(2),
            warmup: Duration::from_millis(200),
        }
    }

    /// `--quick`: fewer, shorter batches.
    pub fn quick() -> Self {
        Config {
            rounds: 15,
            batch: Duration::from_millis(1),
            warmup: Duration::from_millis(20),
        }
    }
}

/// Something timed in batches: `run(n)` performs `n` operations; `after` runs untimed after
/// each batch.
pub struct Timed<'a> {
    pub run: &'a mut dyn FnMut(u64),
    pub after: Option<&'a dyn Fn()>,
}

/// [`measure`] of runs without upkeep: the median ns per op of each.
pub fn measure_runs(runs: Vec<&mut dyn FnMut(u64)>, cfg: &Config) -> Vec<f64> {
    let mut timed: Vec<Timed<'_>> = runs
        .into_iter()
        .map(|run| Timed { run, after: None })
        .collect();
    measure(&mut timed, cfg)
}

fn time(run: &mut dyn FnMut(u64), n: u64) -> Duration {
    let start = Instant::now();
    run(n);
    start.elapsed()
}

/// Warms `run` up and returns the batch size that takes about `cfg.batch`.
fn calibrate(t: &mut Timed<'_>, cfg: &Config) -> u64 {
    let start = Instant::now();
    let mut n = 1u64;
    loop {
        let dt = time(t.run, n);
        if let Some(after) = t.after {
            after();
        }
        if start.elapsed() >= cfg.warmup && dt >= cfg.batch / 4 {
            let scaled = n as f64 * cfg.batch.as_secs_f64() / dt.as_secs_f64().max(1e-9);
            return (scaled as u64).max(1);
        }
        if dt < cfg.batch {
            n = n.saturating_mul(2);
        }
    }
}

/// The median of `samples` (which it sorts).
pub fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    let mid = samples.len() / 2;
    if samples.len() % 2 == 1 {
        samples[mid]
    } else {
        (samples[mid - 1] + samples[mid]) / 2.0
    }
}

/// Median ns/op of each subject, measured in interleaved rounds.
pub fn measure(subjects: &mut [Timed<'_>], cfg: &Config) -> Vec<f64> {
    let sizes: Vec<u64> = subjects.iter_mut().map(|t| calibrate(t, cfg)).collect();
    let mut samples = vec![Vec::with_capacity(cfg.rounds); subjects.len()];
    for _ in 0..cfg.rounds {
        for ((t, &n), out) in subjects.iter_mut().zip(&sizes).zip(&mut samples) {
            let dt = time(t.run, n);
            if let Some(after) = t.after {
                after();
            }
            out.push(dt.as_nanos() as f64 / n as f64);
        }
    }
    samples.iter_mut().map(|s| median(s)).collect()
}

/// What [`measure_contended`] found for one subject.
#[derive(Debug, Clone, Copy)]
pub struct Contended {
    /// Median ns per op per thread over the samples in which both threads overlapped; `None`
    /// when fewer than [`MIN_KEPT`] did (the machine was too busy to run both at once).
    pub nanos: Option<f64>,
    /// Samples kept (both threads ran side by side for at least 90% of the batch).
    pub kept: usize,
    /// Samples taken.
    pub taken: usize,
}

/// How many times a round may retry a sample whose threads did not overlap.
const CONTENDED_TRIES: usize = 8;
/// Fewest overlapping samples that make a result.
pub const MIN_KEPT: usize = 3;
/// Two-thread batches are this much shorter than one-thread ones, so that more of them fit in
/// a stretch where the scheduler runs both threads at once.
const CONTENDED_SHORTER: u64 = 8;

/// Median ns/op per thread of each subject run by two threads at once. Both threads start at
/// a barrier and each times its own batch. On a busy machine one thread may run alone for
/// part of the batch (the other waits for a core), which would report the uncontended cost;
/// so a sample counts only when the two threads' running times overlap by at least 90%, and a
/// round retries up to [`CONTENDED_TRIES`] times to get one. Batches are
/// [`CONTENDED_SHORTER`] times shorter than one-thread batches.
pub fn measure_contended(subjects: &[&(dyn Fn(u64) + Sync)], cfg: &Config) -> Vec<Contended> {
    let sizes: Vec<u64> = subjects
        .iter()
        .map(|f| {
            let mut run = |n| f(n);
            let n = calibrate(
                &mut Timed {
                    run: &mut run,
                    after: None,
                },
                cfg,
            );
            (n / CONTENDED_SHORTER).max(1)
        })
        .collect();
    let mut kept = vec![Vec::with_capacity(cfg.rounds); subjects.len()];
    let mut all = vec![Vec::with_capacity(cfg.rounds); subjects.len()];
    for _ in 0..cfg.rounds {
        for (((f, &n), kept), all) in subjects.iter().zip(&sizes).zip(&mut kept).zip(&mut all) {
            for _ in 0..CONTENDED_TRIES {
                let (ns, overlap) = contended_sample(*f, n);
                all.push(ns);
                if overlap >= 0.9 {
                    kept.push(ns);
                    break;
                }
            }
        }
    }
    kept.iter_mut()
        .zip(&mut all)
        .map(|(kept, all)| Contended {
            nanos: (kept.len() >= MIN_KEPT).then(|| median(kept)),
            kept: kept.len(),
            taken: all.len(),
        })
        .collect()
}

/// One batch of `n` ops on each of two threads: the mean ns/op per thread, and how much the
/// two threads' running times overlapped (the shared time over the total span, 0 to 1).
fn contended_sample(f: &(dyn Fn(u64) + Sync), n: u64) -> (f64, f64) {
    let barrier = Barrier::new(2);
    let spans: Vec<(Instant, Instant)> = thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    let start = Instant::now();
                    f(n);
                    (start, Instant::now())
                })
            })
            .collect();
        workers.into_iter().filter_map(|w| w.join().ok()).collect()
    });
    let [(s0, e0), (s1, e1)] = spans[..] else {
        return (f64::NAN, 0.0);
    };
    let busy = (e0 - s0) + (e1 - s1);
    let ns = busy.as_nanos() as f64 / 2.0 / n as f64;
    let shared = e0.min(e1).saturating_duration_since(s0.max(s1));
    let span = e0.max(e1) - s0.min(s1);
    (ns, shared.as_secs_f64() / span.as_secs_f64().max(1e-12))
}
