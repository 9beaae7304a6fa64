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
//! - **Gradient's `MetricsLogger`**: [`MetricsLogger`] and [`add_metrics`] push the same series,
//!   labels and grouping key as the Python package `gradient-utils`.
//! - **Pushgateway client** on `ureq`: [`PushClient`] (`push`, `push_add`, `delete`), basic auth,
//!   timeouts, https through rustls (with the webpki roots or your own CA,
//!   [`PushClient::with_root_certificates_pem`]); [`PeriodicPusher`] pushes from a background
//!   thread and retries with backoff.
//! - **Scrape endpoint**: [`ScrapeServer`] serves `/metrics` in Prometheus text or OpenMetrics.
//!
//! Everything that can be encoded implements [`Gather`]: the core's
//! [`Registry`](edgeprom::Registry), [`DynRegistry`] and [`MetricsLogger`].
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

mod clock;
mod count_panics;
mod dynamic;
mod fn_gauge;
mod gather;
mod gradient;
mod push;
mod scrape;

pub use clock::SystemClock;
pub use count_panics::CountPanics;
pub use dynamic::{DynDesc, DynFamily, DynMetric, DynRegistry};
pub use edgeprom;
pub use fn_gauge::FnGauge;
pub use gather::{Gather, GatherError};
pub use gradient::{
    add_metrics, add_metrics_with, AccessError, AddError, AddMetricsError, ConfigError, LoggerInfo,
    LoggerMetric, MetricsLogger, MetricsLoggerBuilder,
};
pub use push::{
    PeriodicPusher, PeriodicPusherBuilder, PushClient, PushError, PushMethod, PushStats, StopError,
    DEFAULT_TIMEOUT,
};
pub use scrape::{ScrapeConfig, ScrapeServer};
