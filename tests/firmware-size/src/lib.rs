//! The footprint workload of `cargo xtask size`: one counter, one gauge, one counter family
//! with two label values and one 8-bucket histogram, registered and encoded into a 2 KiB
//! buffer, with f64 values ([`float`]) and integers only ([`int`]).
//!
//! Every metric static is named `METRIC_*`: the xtask sums their sizes from the ELF symbol
//! table to tell the metrics' own storage from any other RAM the library adds.
#![no_std]

/// The size of the encode buffer.
pub const BUF_LEN: usize = 2048;

/// The workload with f64 values: `Gauge<f64>` and a histogram with f64 bounds.
pub mod float {
    use core::hint::black_box;

    use edgeprom::{
        buckets, Collect, Counter, EncodeError, Family, Format, Gauge, Histogram, Metric, Registry,
    };

    buckets!(Eight: f64 = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0]);

    static METRIC_REQUESTS: Metric<Counter> = Metric::new("requests", "Requests served");
    static METRIC_TEMPERATURE: Metric<Gauge> = Metric::new("temperature_celsius", "Temperature");
    static METRIC_FRAMES: Family<Counter, 1, 2, 8> =
        Family::new("frames", "Frames by port", ["port"]);
    static METRIC_LATENCY: Metric<Histogram<Eight>> =
        Metric::new("latency_seconds", "Request latency");

    /// Records a few values (opaque to the optimizer).
    #[inline(never)]
    pub fn record() {
        METRIC_REQUESTS.inc_by(black_box(3));
        METRIC_TEMPERATURE.set(black_box(21.5));
        for port in [black_box("uart0"), black_box("can0")] {
            if let Ok(c) = METRIC_FRAMES.labels([port]) {
                c.inc();
            }
        }
        let _ = METRIC_LATENCY.observe(black_box(0.042));
    }

    /// The metrics, to register.
    pub fn metrics() -> [&'static dyn Collect; 4] {
        [
            &METRIC_REQUESTS,
            &METRIC_TEMPERATURE,
            &METRIC_FRAMES,
            &METRIC_LATENCY,
        ]
    }

    /// Registers the metrics and encodes them into `buf`.
    #[inline(never)]
    pub fn encode(buf: &mut [u8]) -> Result<usize, EncodeError> {
        let mut registry: Registry<'_, 4> = Registry::new();
        for m in metrics() {
            registry.register(m).map_err(|_| EncodeError::Write)?;
        }
        registry.encode(Format::Prometheus, buf)
    }
}

/// The integer-only workload: `Gauge<i64>` and a histogram with u64 bounds.
pub mod int {
    use core::hint::black_box;

    use edgeprom::{
        buckets, Collect, Counter, EncodeError, Family, Format, Gauge, Histogram, Metric, Registry,
    };

    buckets!(Eight: u64 = [1, 2, 5, 10, 20, 50, 100, 200]);

    static METRIC_REQUESTS: Metric<Counter> = Metric::new("requests", "Requests served");
    static METRIC_LEVEL: Metric<Gauge<i64>> = Metric::new("queue_depth", "Queue depth");
    static METRIC_FRAMES: Family<Counter, 1, 2, 8> =
        Family::new("frames", "Frames by port", ["port"]);
    static METRIC_LATENCY: Metric<Histogram<Eight>> =
        Metric::new("latency_milliseconds", "Request latency");

    /// Records a few values (opaque to the optimizer).
    #[inline(never)]
    pub fn record() {
        METRIC_REQUESTS.inc_by(black_box(3));
        METRIC_LEVEL.set(black_box(-4));
        for port in [black_box("uart0"), black_box("can0")] {
            if let Ok(c) = METRIC_FRAMES.labels([port]) {
                c.inc();
            }
        }
        let _ = METRIC_LATENCY.observe(black_box(42));
    }

    /// The metrics, to register.
    pub fn metrics() -> [&'static dyn Collect; 4] {
        [
            &METRIC_REQUESTS,
            &METRIC_LEVEL,
            &METRIC_FRAMES,
            &METRIC_LATENCY,
        ]
    }

    /// Registers the metrics and encodes them into `buf`.
    #[inline(never)]
    pub fn encode(buf: &mut [u8]) -> Result<usize, EncodeError> {
        let mut registry: Registry<'_, 4> = Registry::new();
        for m in metrics() {
            registry.register(m).map_err(|_| EncodeError::Write)?;
        }
        registry.encode(Format::Prometheus, buf)
    }
}
