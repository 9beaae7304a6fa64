//! The footprint workload of `cargo xtask size`: one counter, one gauge, one counter family
//! with two label values and one 8-bucket histogram, registered and encoded into a 2 KiB
//! buffer, with f64 values ([`float`]), f32 values ([`single`]) and integers only ([`int`]).
//!
//! Every metric static is named `METRIC_*`: the xtask sums their sizes from the ELF symbol
//! table to tell the metrics' own storage from any other RAM the library adds.
#![no_std]

/// The size of the encode buffer.
pub const BUF_LEN: usize = 2048;

/// The `main` of a footprint firmware: the baseline's buffer, then the workload module's
/// `record` and `encode` (opaque to the optimizer), then sleep. Each `src/bin/*.rs` but
/// `base` and `stack` is this one line with its module.
#[macro_export]
macro_rules! footprint_main {
    ($($module:ident)::+) => {
        #[cortex_m_rt::entry]
        fn main() -> ! {
            let mut buf = [0u8; $crate::BUF_LEN];
            buf[0] = core::hint::black_box(1);
            $crate::$($module)::+::record();
            let n = $crate::$($module)::+::encode(&mut buf);
            core::hint::black_box(n.ok());
            core::hint::black_box(&mut buf);
            loop {
                cortex_m::asm::wfi();
            }
        }
    };
}

/// One workload module: the same four metrics and code, with its own gauge and bucket types.
macro_rules! workload {
    (
        $(#[$doc:meta])* $name:ident,
        gauge: $gauge:ty = $level:expr, $gauge_name:literal, $gauge_help:literal,
        buckets: $bounds:tt = [$($b:expr),+], observe: $seen:expr, $hist_name:literal
    ) => {
        $(#[$doc])*
        pub mod $name {
            use core::hint::black_box;

            use edgeprom::{
                buckets, Collect, Counter, EncodeError, Family, Format, Gauge, Histogram, Metric,
                Registry,
            };

            buckets!(pub Eight: $bounds = [$($b),+]);

            static METRIC_REQUESTS: Metric<Counter> = Metric::new("requests", "Requests served");
            static METRIC_LEVEL: Metric<Gauge<$gauge>> = Metric::new($gauge_name, $gauge_help);
            static METRIC_FRAMES: Family<Counter, 1, 2, 8> =
                Family::new("frames", "Frames by port", ["port"]);
            static METRIC_LATENCY: Metric<Histogram<Eight>> =
                Metric::new($hist_name, "Request latency");

            /// Records a few values (opaque to the optimizer).
            #[inline(never)]
            pub fn record() {
                update(&METRIC_REQUESTS, &METRIC_LEVEL, &METRIC_FRAMES, &METRIC_LATENCY);
            }

            /// The updates of [`record`], on whichever statics hold the metrics.
            #[inline(always)]
            pub fn update(
                requests: &Metric<Counter>,
                level: &Metric<Gauge<$gauge>>,
                frames: &Family<Counter, 1, 2, 8>,
                latency: &Metric<Histogram<Eight>>,
            ) {
                requests.inc_by(black_box(3));
                level.set(black_box($level));
                for port in [black_box("uart0"), black_box("can0")] {
                    if let Ok(c) = frames.labels([port]) {
                        c.inc();
                    }
                }
                let _ = latency.observe(black_box($seen));
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

            /// The same metrics in a [`static_registry!`](edgeprom::static_registry): checked
            /// at compile time, no registration code.
            pub mod in_static {
                use super::*;

                edgeprom::static_registry! {
                    static METRICS {
                        static METRIC_REQUESTS: Metric<Counter> =
                            Metric::new("requests", "Requests served");
                        static METRIC_LEVEL: Metric<Gauge<$gauge>> =
                            Metric::new($gauge_name, $gauge_help);
                        static METRIC_FRAMES: Family<Counter, 1, 2, 8> =
                            Family::new("frames", "Frames by port", ["port"]);
                        static METRIC_LATENCY: Metric<Histogram<Eight>> =
                            Metric::new($hist_name, "Request latency");
                    }
                }

                /// Records the same values as [`super::record`].
                #[inline(never)]
                pub fn record() {
                    update(&METRIC_REQUESTS, &METRIC_LEVEL, &METRIC_FRAMES, &METRIC_LATENCY);
                }

                /// Encodes the static registry into `buf`.
                #[inline(never)]
                pub fn encode(buf: &mut [u8]) -> Result<usize, EncodeError> {
                    METRICS.encode(Format::Prometheus, buf)
                }
            }
        }
    };
}

workload!(
    /// The workload with f64 values: `Gauge<f64>` and a histogram with f64 bounds.
    float,
    gauge: f64 = 21.5, "temperature_celsius", "Temperature",
    buckets: f64 = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0], observe: 0.042, "latency_seconds"
);

workload!(
    /// The workload with f32 values (cores with a single-precision unit): `Gauge<f32>` and a
    /// histogram with f32 bounds.
    single,
    gauge: f32 = 21.5, "temperature_celsius", "Temperature",
    buckets: f32 = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0], observe: 0.042, "latency_seconds"
);

workload!(
    /// The integer-only workload: `Gauge<i64>` and a histogram with u64 bounds.
    int,
    gauge: i64 = -4, "queue_depth", "Queue depth",
    buckets: u64 = [1, 2, 5, 10, 20, 50, 100, 200], observe: 42, "latency_milliseconds"
);

/// The integer workload of [`int`] in a `static_registry!` plus one native histogram
/// (`NativeHistogram<u64, 16>`, 544 bytes of slots), observed once and encoded with the rest:
/// `native_static` minus `int_static` is what one native histogram costs.
pub mod native {
    use core::hint::black_box;

    use edgeprom::{
        Counter, EncodeError, Family, Format, Gauge, Histogram, Metric, NativeHistogram,
    };

    use super::int::Eight;

    edgeprom::static_registry! {
        static METRICS {
            static METRIC_REQUESTS: Metric<Counter> = Metric::new("requests", "Requests served");
            static METRIC_LEVEL: Metric<Gauge<i64>> = Metric::new("queue_depth", "Queue depth");
            static METRIC_FRAMES: Family<Counter, 1, 2, 8> =
                Family::new("frames", "Frames by port", ["port"]);
            static METRIC_LATENCY: Metric<Histogram<Eight>> =
                Metric::new("latency_milliseconds", "Request latency");
            static METRIC_NATIVE: Metric<NativeHistogram<u64, 16>> =
                Metric::new("service_microseconds", "Service time");
        }
    }

    /// Records the integer workload's values and one native observation.
    #[inline(never)]
    pub fn record() {
        super::int::update(
            &METRIC_REQUESTS,
            &METRIC_LEVEL,
            &METRIC_FRAMES,
            &METRIC_LATENCY,
        );
        let _ = METRIC_NATIVE.observe(black_box(420));
    }

    /// Encodes the static registry into `buf`.
    #[inline(never)]
    pub fn encode(buf: &mut [u8]) -> Result<usize, EncodeError> {
        METRICS.encode(Format::Prometheus, buf)
    }
}

/// The same workload with embeprom 0.3 (the README's comparison): its `metrics!` group
/// registers itself on first use, and its `Renderer` writes Prometheus text through a
/// `fmt::Write` over the buffer.
pub mod embeprom_workload {
    use core::fmt;

    /// A `fmt::Write` over a byte buffer, counting what it wrote.
    struct Buf<'a> {
        buf: &'a mut [u8],
        len: usize,
    }

    impl fmt::Write for Buf<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            let end = self.len + s.len();
            let dst = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
            dst.copy_from_slice(s.as_bytes());
            self.len = end;
            Ok(())
        }
    }

    /// Renders the global registry into `buf`.
    fn render(buf: &mut [u8]) -> Result<usize, embeprom::RenderError> {
        let mut w = Buf { buf, len: 0 };
        embeprom::Renderer::new().render_to(&mut w)?;
        Ok(w.len)
    }

    /// Integers only: `Gauge` (i64) and `IntHistogram`.
    pub mod int {
        use core::hint::black_box;

        mod metrics {
            embeprom::metrics! {
                /// Requests served
                requests: Counter,
                /// Queue depth
                queue_depth: Gauge,
                /// Frames by port
                #[labels("port")]
                frames: CounterVec<2>,
                /// Request latency
                #[buckets(1, 2, 5, 10, 20, 50, 100, 200)]
                latency_milliseconds: IntHistogram,
            }
        }

        /// Records the workload's values (opaque to the optimizer).
        #[inline(never)]
        pub fn record() {
            let m = metrics::get();
            m.requests.inc_by(black_box(3));
            m.queue_depth.set(black_box(-4));
            for port in [black_box("uart0"), black_box("can0")] {
                m.frames.inc(&[port]);
            }
            m.latency_milliseconds.observe(black_box(42));
        }

        /// Encodes the metrics into `buf`.
        #[inline(never)]
        pub fn encode(buf: &mut [u8]) -> Result<usize, embeprom::RenderError> {
            super::render(buf)
        }
    }

    /// f64 values: `GaugeF64` and `Histogram` (feature `embeprom-float`).
    #[cfg(feature = "embeprom-float")]
    pub mod float {
        use core::hint::black_box;

        mod metrics {
            embeprom::metrics! {
                /// Requests served
                requests: Counter,
                /// Temperature
                temperature_celsius: GaugeF64,
                /// Frames by port
                #[labels("port")]
                frames: CounterVec<2>,
                /// Request latency
                #[buckets(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)]
                latency_seconds: Histogram,
            }
        }

        /// Records the workload's values (opaque to the optimizer).
        #[inline(never)]
        pub fn record() {
            let m = metrics::get();
            m.requests.inc_by(black_box(3));
            m.temperature_celsius.set(black_box(21.5));
            for port in [black_box("uart0"), black_box("can0")] {
                m.frames.inc(&[port]);
            }
            m.latency_seconds.observe(black_box(0.042));
        }

        /// Encodes the metrics into `buf`.
        #[inline(never)]
        pub fn encode(buf: &mut [u8]) -> Result<usize, embeprom::RenderError> {
            super::render(buf)
        }
    }
}
