//! Prometheus text format 0.0.4, what the Pushgateway and every Prometheus accept, and text
//! format 1.0.0: the same lines, with names outside the legacy character set written
//! quoted when the scraper accepts `escaping=allow-utf-8`
//! (`{"my.metric","http.method"="get"} 1`, `# TYPE "my.metric" counter`). Both are this
//! one `Dialect`; the quoting is the shared text lines' (`text_lines.rs`).
//!
//! Where it differs from OpenMetrics: counters carry their `_total` suffix in `# HELP` and
//! `# TYPE` (as Python's client writes them), info and state set families are gauges,
//! `unknown` is `untyped`, `# HELP` escapes only `\` and newline, `_created` samples form a
//! gauge family of their own after each family, there is no `# UNIT`, and a document has no
//! end marker.

use core::fmt::{self, Write};

use super::syntax::{CreatedPlacement, Dialect};
use super::Encoder;
use crate::name::{Desc, MetricType};

/// `Content-Type` of a Prometheus text 0.0.4 document.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `Content-Type` of a Prometheus text 1.0.0 document (a negotiated answer names its
/// escaping too: [`Negotiated::content_type`](super::Negotiated::content_type)).
pub const CONTENT_TYPE_V1: &str = "text/plain; version=1.0.0; charset=utf-8";

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

/// The [`Dialect`] of Prometheus text 0.0.4 and 1.0.0.
pub(crate) struct PrometheusText;

impl PrometheusText {
    /// `# HELP` and `# TYPE` for the family name with `suffix`.
    fn help_and_type(enc: &mut Encoder<'_>, desc: &Desc<'_>, suffix: &str, type_name: &str) {
        enc.meta("# HELP ", desc, suffix, desc.help(), false);
        enc.meta("# TYPE ", desc, suffix, type_name, false);
    }
}

impl Dialect for PrometheusText {
    fn created_placement(_: &Encoder<'_>) -> CreatedPlacement {
        CreatedPlacement::OwnFamily
    }

    fn family_header(enc: &mut Encoder<'_>, desc: &Desc<'_>, ty: MetricType) {
        Self::help_and_type(enc, desc, header_suffix(ty), type_name(ty));
    }

    fn created_family_header(enc: &mut Encoder<'_>, desc: &Desc<'_>) {
        Self::help_and_type(enc, desc, "_created", "gauge");
    }

    fn document_end(_: &mut Encoder<'_>) {}
}
