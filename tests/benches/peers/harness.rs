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

/// Median ns/op per thread of each subject run by two threads at once: both threads start
/// together at a barrier and each times its own batch; a sample is the mean of the two.
pub fn measure_contended(subjects: &[&(dyn Fn(u64) + Sync)], cfg: &Config) -> Vec<f64> {
    let sizes: Vec<u64> = subjects
        .iter()
        .map(|f| {
            let mut run = |n| f(n);
            calibrate(
                &mut Timed {
                    run: &mut run,
                    after: None,
                },
                cfg,
            )
        })
        .collect();
    let mut samples = vec![Vec::with_capacity(cfg.rounds); subjects.len()];
    for _ in 0..cfg.rounds {
        for ((f, &n), out) in subjects.iter().zip(&sizes).zip(&mut samples) {
            let barrier = Barrier::new(2);
            let total: Duration = thread::scope(|scope| {
                let workers: Vec<_> = (0..2)
                    .map(|_| {
                        scope.spawn(|| {
                            barrier.wait();
                            let start = Instant::now();
                            f(n);
                            start.elapsed()
                        })
                    })
                    .collect();
                workers
                    .into_iter()
                    .map(|w| w.join().unwrap_or(Duration::ZERO))
                    .sum()
            });
            out.push(total.as_nanos() as f64 / 2.0 / n as f64);
        }
    }
    samples.iter_mut().map(|s| median(s)).collect()
}
