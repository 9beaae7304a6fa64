//! Gradient's `MetricsLogger` (Python package `gradient-utils`): [`MetricsLogger`], its
//! settings, its metrics, and the one-shot [`add_metrics`].

mod add_metrics;
mod config;
mod logger;
mod metric;

pub use add_metrics::{add_metrics, add_metrics_with, AddMetricsError};
pub use config::{ConfigError, MetricsLoggerBuilder};
pub use logger::{AddError, MetricsLogger};
pub use metric::{AccessError, LoggerInfo, LoggerMetric};
