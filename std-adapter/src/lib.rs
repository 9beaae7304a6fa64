//! The std adapter for [`edgeprom`]: what a Linux service, a training script or Gradient's
//! `MetricsLogger` user touches.
//!
//! - **Clocks**: [`SystemClock`] implements the core's monotonic [`Clock`](edgeprom::Clock)
//!   (over [`std::time::Instant`]) and [`WallClock`](edgeprom::WallClock) (Unix time), so timers,
//!   `set_to_current_time` and `_created` samples work out of the box.
//! - **Closures**: [`FnGauge`], a gauge computed by any `Fn() -> f64 + Send + Sync` (Python's
//!   `set_function`), and [`CountPanics`], which counts a closure's panics as well as its `Err`s
//!   (Python's `count_exceptions`).
//! - **Dynamic metrics**: [`DynMetric`] and [`DynFamily`] take names known only at run time and
//!   live on the heap, while updates through their `Arc` handles stay single atomic operations;
//!   [`DynRegistry`] collects them. They encode through the core's
//!   [`Encoder`](edgeprom::Encoder), so the exposition is exactly as valid as the core's.
//! - **Gradient's `MetricsLogger`** (feature `gradient`): [`MetricsLogger`] and [`add_metrics`]
//!   push the same series, labels and grouping key as the Python package `gradient-utils`.
//! - **Pushgateway client** on `ureq` (feature `push`): [`PushClient`] (`push`, `push_add`,
//!   `delete`), basic auth, timeouts, https through rustls (with the webpki roots or your own
//!   CA, [`PushClient::with_root_certificates_pem`]); [`PeriodicPusher`] pushes from a
//!   background thread and retries with backoff. Pushes are Prometheus text, or with
//!   `PushClient::with_protobuf(true)` (feature `protobuf`) the protobuf exposition, of any
//!   [`Gather`] source (see below).
//! - **Remote write 1.0** (feature `remote-write`): [`RemoteWriteClient`] (with the
//!   specification's retries), [`VictoriaImport`], and [`PeriodicRemoteWriter`], which
//!   snapshots into a bounded queue and sends it oldest first from a background thread,
//!   counting what it drops in [`RemoteWriteMetrics`]. Both write any [`RemoteWriteEncode`]:
//!   the core's [`Registry`](edgeprom::Registry) and
//!   [`StaticRegistry`](edgeprom::StaticRegistry), [`DynRegistry`] and [`MetricsLogger`].
//! - **Scrape endpoint** (feature `scrape`): [`ScrapeServer`] serves `/metrics` in Prometheus
//!   text or OpenMetrics, and in the protobuf exposition (feature `protobuf`) to a scraper
//!   that asks for it first. It blocks in `accept` (no polling: an idle server wakes no
//!   thread). In an axum service, [`metrics_route`] (feature `axum`) is the same endpoint as
//!   one route: `Router::new().route("/metrics", metrics_route(registry))`.
//! - **Async code**: the core's timers and counters have `async` forms that measure a
//!   `Future`'s whole run (`histogram.time_async(&SystemClock, fut).await`,
//!   `counter.count_errors_async(fut).await`); pushing and remote writing from tokio go
//!   through the blocking clients in `tokio::task::spawn_blocking` (see [`PushClient`]).
//!
//! Everything that can be encoded implements [`Gather`]: the core's
//! [`Registry`](edgeprom::Registry) and [`StaticRegistry`](edgeprom::StaticRegistry),
//! [`DynRegistry`] and [`MetricsLogger`], each in text and (feature `protobuf`) in the
//! protobuf exposition, with the same series.
//!
//! ```no_run
//! # #[cfg(all(feature = "push", feature = "protobuf"))] {
//! use std::sync::Arc;
//! use edgeprom::Histogram;
//! use edgeprom_std::{DynMetric, DynRegistry, PushClient};
//!
//! let registry = DynRegistry::new();
//! let latency = Arc::new(DynMetric::<Histogram>::new("batch_latency_seconds", "Latency")?);
//! registry.register(latency.clone())?;
//! latency.observe(0.42)?;
//! // Pushes in protobuf (`Content-Type: application/vnd.google.protobuf; ...`).
//! let client = PushClient::new("http://127.0.0.1:9091")?.with_protobuf(true);
//! client.push("nightly", &[("instance", "host-1")], &registry)?;
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ```
//! use std::sync::Arc;
//! use edgeprom::{Counter, Format, Gauge};
//! use edgeprom_std::{DynFamily, DynMetric, DynRegistry, FnGauge, Gather};
//!
//! let registry = DynRegistry::new();
//! let temperature = Arc::new(DynMetric::<Gauge>::new("room_temperature_celsius", "Room temperature")?);
//! let requests = Arc::new(DynFamily::<Counter>::new("http_requests", "Requests", &["method"])?);
//! registry.register(temperature.clone())?;
//! registry.register(requests.clone())?;
//! registry.register(Arc::new(FnGauge::new("answer", "The answer", || 42.0)?))?;
//!
//! temperature.set(21.5);
//! let get = requests.labels(&["get"])?; // an Arc<Counter>: keep it, updates are one atomic add
//! get.inc();
//!
//! let text = registry.gather(Format::Prometheus)?;
//! assert!(text.contains("room_temperature_celsius 21.5\n"));
//! assert!(text.contains("http_requests_total{method=\"get\"} 1\n"));
//! assert!(text.contains("answer 42.0\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Features
//!
//! All on by default; the clocks, closures, dynamic metrics and [`Gather`] need none of them.
//!
//! | feature | what it adds | what it brings in |
//! |---|---|---|
//! | `push` | [`PushClient`], [`PeriodicPusher`] | `ureq`, `rustls` (with `ring`), `webpki-roots`, `base64` |
//! | `remote-write` | [`RemoteWriteClient`], [`VictoriaImport`], [`PeriodicRemoteWriter`], [`RemoteWriteEncode`] | `push`, `snap` |
//! | `scrape` | [`ScrapeServer`] | `httparse` |
//! | `gradient` | [`MetricsLogger`], [`add_metrics`] | `push` |
//! | `axum` (off by default) | [`metrics_route`] (a `/metrics` route in one line) and [`metrics_response`] for axum services | `axum` without its server features, `scrape` |
//! | `protobuf` | the protobuf exposition: `Gather::gather_protobuf`, `PushClient::with_protobuf`, the scrape endpoint's negotiation | the core's `protobuf` feature (no crate) |
//!
//! A service that is only scraped needs no TLS stack:
//!
//! ```toml
//! edgeprom-std = { version = "0.1", default-features = false, features = ["scrape"] }
//! ```
// Where a feature is off, the links above lead to this section instead of nowhere.
#![cfg_attr(not(feature = "push"), doc = "[`PushClient`]: #features")]
#![cfg_attr(
    not(feature = "push"),
    doc = "[`PushClient::with_root_certificates_pem`]: #features"
)]
#![cfg_attr(not(feature = "push"), doc = "[`PeriodicPusher`]: #features")]
#![cfg_attr(not(feature = "scrape"), doc = "[`ScrapeServer`]: #features")]
#![cfg_attr(not(feature = "axum"), doc = "[`metrics_route`]: #features")]
#![cfg_attr(not(feature = "axum"), doc = "[`metrics_response`]: #features")]
#![cfg_attr(
    not(feature = "remote-write"),
    doc = "[`RemoteWriteClient`]: #features"
)]
#![cfg_attr(not(feature = "remote-write"), doc = "[`VictoriaImport`]: #features")]
#![cfg_attr(
    not(feature = "remote-write"),
    doc = "[`PeriodicRemoteWriter`]: #features"
)]
#![cfg_attr(
    not(feature = "remote-write"),
    doc = "[`RemoteWriteMetrics`]: #features"
)]
#![cfg_attr(
    not(feature = "remote-write"),
    doc = "[`RemoteWriteEncode`]: #features"
)]
#![cfg_attr(not(feature = "gradient"), doc = "[`MetricsLogger`]: #features")]
#![cfg_attr(not(feature = "gradient"), doc = "[`add_metrics`]: #features")]
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

#[cfg(feature = "axum")]
mod axum_route;
mod clock;
mod count_panics;
mod dynamic;
mod fn_gauge;
mod gather;
#[cfg(feature = "gradient")]
mod gradient;
#[cfg(feature = "metrics")]
mod metrics_recorder;
#[cfg(feature = "protobuf")]
mod protobuf;
#[cfg(feature = "push")]
mod push;
#[cfg(feature = "remote-write")]
#[cfg_attr(docsrs, doc(cfg(feature = "remote-write")))]
mod remote_write;
#[cfg(feature = "scrape")]
mod scrape;
#[cfg(any(feature = "remote-write", feature = "protobuf"))]
mod vec_sink;

#[cfg(feature = "axum")]
pub use axum_route::{metrics_response, metrics_route};
pub use clock::SystemClock;
pub use count_panics::CountPanics;
pub use dynamic::{DynDesc, DynFamily, DynMetric, DynRegisterError, DynRegistry};
pub use edgeprom;
pub use fn_gauge::FnGauge;
pub use gather::{Gather, GatherError};
#[cfg(feature = "gradient")]
pub use gradient::{
    add_metrics, add_metrics_with, AccessError, AddError, AddMetricsError, ConfigError, LoggerInfo,
    LoggerMetric, MetricsLogger, MetricsLoggerBuilder,
};
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub use metrics_recorder::{MetricsRecorder, RecorderHistogram, REFUSED_NAME};
#[cfg(feature = "push")]
pub use push::{
    PeriodicPusher, PeriodicPusherBuilder, PushClient, PushError, PushErrorSource, PushMethod,
    PushStats, StopError, DEFAULT_TIMEOUT,
};
#[cfg(feature = "remote-write")]
pub use remote_write::{
    PeriodicRemoteWriter, PeriodicRemoteWriterBuilder, RemoteWriteClient, RemoteWriteEncode,
    RemoteWriteError, RemoteWriteMetrics, RemoteWriteSource, RemoteWriteStats,
    RemoteWriteStopError, VictoriaImport, SNAPSHOT_OVERHEAD,
};
/// The scrape server's request parsing, for the fuzz targets; not part of the API.
#[cfg(feature = "scrape")]
#[doc(hidden)]
pub use scrape::fuzzing as __scrape_fuzzing;
#[cfg(feature = "scrape")]
pub use scrape::{ScrapeConfig, ScrapeServer};
