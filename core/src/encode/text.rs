//! The rules of Prometheus text format 0.0.4 that differ from OpenMetrics.
//!
//! Counters carry their `_total` suffix in `# HELP`/`# TYPE` (as Python's client writes them),
//! info and stateset metrics are gauges, `unknown` is `untyped`, and `# HELP` escapes only `\`
//! and newline. A document has no end marker.

use core::fmt::{self, Write};

use crate::metric::MetricType;

/// `Content-Type` of a Prometheus text 0.0.4 document.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The `# TYPE` keyword for a metric type.
pub const fn type_name(ty: MetricType) -> &'static str {
    match ty {
        MetricType::Counter => "counter",
        MetricType::Gauge | MetricType::Info | MetricType::StateSet => "gauge",
        MetricType::Histogram => "histogram",
        MetricType::Summary => "summary",
        MetricType::Unknown => "untyped",
    }
}

/// The suffix the family name carries in `# HELP` and `# TYPE`.
pub const fn header_suffix(ty: MetricType) -> &'static str {
    match ty {
        MetricType::Counter => "_total",
        MetricType::Info => "_info",
        _ => "",
    }
}

/// Writes help text with `\` and newline escaped.
pub fn write_help(out: &mut dyn Write, help: &str) -> fmt::Result {
    super::write_escaped(out, help, false)
}
