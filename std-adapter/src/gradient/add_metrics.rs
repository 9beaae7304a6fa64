//! [`add_metrics`]: Gradient's one-shot `add_metrics({name: value}, step)`.

use std::fmt;

use super::config::{ConfigError, MetricsLoggerBuilder};
use super::logger::{AddError, MetricsLogger};
use crate::push::PushError;

/// [`add_metrics`] failed; values before the failing one were pushed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "gradient")))]
pub enum AddMetricsError {
    /// The configuration (environment) is incomplete or invalid.
    Config(ConfigError),
    /// A metric name is invalid.
    Add(AddError),
    /// A push failed.
    Push(PushError),
}

impl fmt::Display for AddMetricsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddMetricsError::Config(e) => e.fmt(f),
            AddMetricsError::Add(e) => e.fmt(f),
            AddMetricsError::Push(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for AddMetricsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AddMetricsError::Config(e) => Some(e),
            AddMetricsError::Add(e) => Some(e),
            AddMetricsError::Push(e) => Some(e),
        }
    }
}

/// Pushes each value as its own gauge, in its own group: the logger's grouping key plus
/// `name=<metric name>`, as Python's `gradient_utils.metrics.add_metrics`. Configured from the
/// environment; see [`add_metrics_with`] to configure it yourself.
///
/// ```no_run
/// edgeprom_std::add_metrics([("loss", 0.25), ("accuracy", 0.91)], Some(10))?;
/// # Ok::<(), edgeprom_std::AddMetricsError>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "gradient")))]
pub fn add_metrics<'a>(
    metrics: impl IntoIterator<Item = (&'a str, f64)>,
    step: Option<u64>,
) -> Result<(), AddMetricsError> {
    add_metrics_with(&MetricsLogger::builder(), metrics, step)
}

/// [`add_metrics`] with the settings of `builder` (its own step is replaced by `step`).
#[cfg_attr(docsrs, doc(cfg(feature = "gradient")))]
pub fn add_metrics_with<'a>(
    builder: &MetricsLoggerBuilder,
    metrics: impl IntoIterator<Item = (&'a str, f64)>,
    step: Option<u64>,
) -> Result<(), AddMetricsError> {
    for (name, value) in metrics {
        let mut b = builder.clone().grouping_key("name", name);
        b.step = step;
        let mut logger = b.build().map_err(AddMetricsError::Config)?;
        logger
            .add_gauge(name)
            .map_err(AddMetricsError::Add)?
            .set(value);
        logger.push_metrics().map_err(AddMetricsError::Push)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_names_and_config_are_errors_before_any_push() {
        let b = MetricsLogger::builder()
            .env(|_| None)
            .workload_id("w")
            .gateway("http://127.0.0.1:1");
        assert!(matches!(
            add_metrics_with(&b, [("bad name", 1.0)], None),
            Err(AddMetricsError::Add(AddError::InvalidName { .. }))
        ));
        let no_id = MetricsLogger::builder().env(|_| None);
        assert_eq!(
            add_metrics_with(&no_id, [("x", 1.0)], None),
            Err(AddMetricsError::Config(ConfigError::NoWorkloadId))
        );
        assert_eq!(add_metrics_with(&b, [], Some(1)), Ok(()));
    }
}
