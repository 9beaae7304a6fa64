//! The rules of OpenMetrics 1.0.0 that differ from Prometheus text.
//!
//! Families are named without `_total`, metadata comes as `# TYPE`, `# UNIT`, `# HELP`,
//! `# HELP` escapes `"` as well, `_created` samples follow each series, info and stateset are
//! native types, and a document ends with `# EOF`.

use core::fmt::{self, Write};

use crate::metric::MetricType;

/// `Content-Type` of an OpenMetrics 1.0.0 document.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The `# TYPE` keyword for a metric type.
pub const fn type_name(ty: MetricType) -> &'static str {
    match ty {
        MetricType::Counter => "counter",
        MetricType::Gauge => "gauge",
        MetricType::Histogram => "histogram",
        MetricType::Summary => "summary",
        MetricType::Info => "info",
        MetricType::StateSet => "stateset",
        MetricType::Unknown => "unknown",
    }
}

/// Writes help text with `\`, `"` and newline escaped.
pub fn write_help(out: &mut dyn Write, help: &str) -> fmt::Result {
    super::write_escaped(out, help, true)
}
