//! Prometheus metrics for `no_std` Rust: no heap, no `unsafe`, metrics in `static`s.
//!
//! edgeprom gives firmware and services the model of Python's `prometheus_client`: counters,
//! gauges, histograms, summaries, info and state sets, with labels, timers,
//! `count_exceptions`-style error counting, `track_inprogress` and callback gauges. Everything
//! here is fixed-capacity and allocation-free; the `edgeprom-std` and `edgeprom-embedded`
//! crates add clocks, a Pushgateway client and streaming over `embedded-io`.
//!
//! - **Metrics** are [`Counter`], [`Gauge`], [`Histogram`], [`NativeHistogram`] (Prometheus'
//!   native, exponential histogram in fixed memory), [`Summary`] (one series each, in a
//!   [`Metric`] that carries the name) and [`Info`], [`StateSet`], [`CallbackGauge`].
//! - **Exemplars** (OpenMetrics 1.0): [`CounterWithExemplar`] and [`HistogramWithExemplars`]
//!   keep the latest exemplar of a counter or of each bucket in fixed storage
//!   (`inc_by_with_exemplar`, `observe_with_exemplar`), written in OpenMetrics and the
//!   protobuf exposition; [`Counter`] and [`Histogram`] keep none and link none of it.
//! - **Labels**: a [`Family`] holds up to `N` labelled series in place; resolving an existing
//!   series is lock-free and returns a handle you can keep.
//! - **Names** are checked by `const fn`: an invalid name in a `static` does not compile.
//! - **Encoding**: a [`Registry`] writes Prometheus text 0.0.4 or OpenMetrics 1.0.0 into your
//!   `&mut [u8]` (or any [`core::fmt::Write`]), and tells you the size it needs when it does
//!   not fit; with the feature `protobuf`, also Prometheus' protobuf exposition
//!   (`encode::protobuf`: `encode_protobuf`, `protobuf_len`, `write_protobuf`), and with
//!   `remote-write` a remote write 1.0 request (`encode::remote_write`).
//!
//! ```
//! use edgeprom::{Counter, Family, Format, Gauge, Histogram, Metric, Registry};
//!
//! static FAILURES: Metric<Counter> = Metric::new("my_failures", "Description of counter");
//! static IN_PROGRESS: Metric<Gauge> = Metric::new("my_inprogress_requests", "In progress");
//! static LATENCY: Metric<Histogram> =
//!     Metric::with_unit("request_latency_seconds", "Request latency", "seconds");
//! static REQUESTS: Family<Counter, 2, 16> =
//!     Family::new("my_requests", "Requests served", ["method", "endpoint"]);
//!
//! let mut registry: Registry<'_, 8> = Registry::new();
//! registry.register(&FAILURES)?;
//! registry.register(&IN_PROGRESS)?;
//! registry.register(&LATENCY)?;
//! registry.register(&REQUESTS)?;
//!
//! FAILURES.inc();
//! IN_PROGRESS.set(3.0);
//! LATENCY.observe(0.042)?;
//! REQUESTS.labels(["get", "/"])?.inc();
//!
//! let mut buf = [0u8; 4096];
//! let len = registry.encode(Format::OpenMetrics, &mut buf)?;
//! let text = core::str::from_utf8(&buf[..len])?;
//! assert!(text.contains("my_requests_total{method=\"get\",endpoint=\"/\"} 1\n"));
//! assert!(text.contains("request_latency_seconds_bucket{le=\"0.05\"} 1\n"));
//! assert!(text.ends_with("# EOF\n"));
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```
//!
//! # Targets
//! Built and checked for `thumbv6m-none-eabi`, `thumbv7em-none-eabihf` and
//! `riscv32imc-unknown-none-elf`. 64-bit and float atomics come from `portable-atomic`; on
//! 32-bit cores the firmware chooses how they are emulated: on single-core parts add
//! `portable-atomic` with its `unsafe-assume-single-core` feature (atomics by masking
//! interrupts, safe from interrupt handlers, no lock table); on multi-core parts without
//! compare-and-swap (RP2040) enable this crate's `critical-section` feature and link the HAL's
//! implementation. The README's table says which part needs what.
//!
//! # Features
//! - `created` (default): creation times and the `_created` samples. Without it (turn default
//!   features off) counters, histograms and summaries keep no creation time and no `_created`
//!   code is linked: about 800 bytes of flash and 8 bytes per series on a Cortex-M, for
//!   firmware that has no wall clock to stamp them with anyway.
//! - `protobuf`: the Prometheus protobuf exposition (length-delimited
//!   `io.prometheus.client.MetricFamily` messages; `encode::protobuf`), into a buffer or
//!   streamed to any `ByteWrite`, no heap: what Prometheus asks for first when its native
//!   histograms are on, and what `edgeprom-std` and `edgeprom-embedded` can push to a
//!   Pushgateway. Built without it, a firmware links none of it.
//! - `remote-write`: Prometheus remote write 1.0 (`encode::remote_write`).
//! - `defmt`: `defmt::Format` for the value and error types.
//! - `critical-section`: `portable-atomic`'s critical-section fallback.
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

pub mod buckets;
mod callback;
pub mod clash;
mod clock;
mod counter;
mod counter_exemplar;
mod created;
#[cfg(feature = "defmt")]
#[cfg_attr(docsrs, doc(cfg(feature = "defmt")))]
mod defmt;
pub mod encode;
mod exemplar;
mod exposition;
mod f32_add;
mod family;
mod future;
mod gauge;
mod histogram;
mod histogram_exemplars;
mod info;
mod metric;
pub mod name;
pub mod native_histogram;
mod number;
pub mod push;
mod registry;
mod stateset;
pub mod static_registry;
mod summary;
mod sync;
mod tally;
mod timer;

pub use buckets::{
    exponential_buckets, linear_buckets, BucketCounts, Buckets, BucketsError, DefaultBuckets,
    GoBuckets, DEFAULT_BUCKETS, GO_BUCKETS,
};
pub use callback::CallbackGauge;
pub use clash::{name_clash, NameClash};
pub use clock::{Clock, FixedClock, WallClock};
pub use counter::{Counter, CounterError, CounterValue, WholeIncrement};
pub use counter_exemplar::CounterWithExemplar;
pub use created::Created;
pub use encode::{
    negotiate, EncodeError, Encoder, Escaping, Format, Labels, Negotiated, SampleValue,
    ScrapeFormat, Series,
};
pub use exemplar::{
    ExemplarCell, ExemplarError, ExemplarSnapshot, ExemplarWrite, DEFAULT_EXEMPLAR_BYTES,
    MAX_EXEMPLAR_CHARS,
};
pub use exposition::Exposition;
#[cfg(feature = "overflow")]
pub use family::Overflow;
pub use family::{CountRefused, Family, FamilyBuilder, LabelError, DEFAULT_VALUE_BYTES};
pub use gauge::{Gauge, GaugeValue, InProgress};
pub use histogram::{Histogram, ObserveError};
pub use histogram_exemplars::HistogramWithExemplars;
pub use info::Info;
pub use metric::{Collect, Metric, State};
pub use name::{Desc, MetricType, NameError};
pub use native_histogram::{
    DualHistogram, NativeHistogram, NativeHistogramError, NativeSnapshot, NativeValue,
};
pub use number::{AtomicNumber, Float, Number, SumBits};
pub use registry::{RegisterError, Registry};
pub use stateset::{StateError, StateSet};
pub use static_registry::StaticRegistry;
pub use summary::Summary;
pub use tally::Tally;
pub use timer::{NotAFuture, Observe, Timer};

/// Re-exported for [`buckets!`]; not part of the API.
#[doc(hidden)]
pub use portable_atomic::AtomicU64 as __AtomicU64;
