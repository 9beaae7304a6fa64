//! OpenMetrics 1.0.0.
//!
//! Where it differs from Prometheus text: families are named without `_total`, metadata
//! comes as `# TYPE`, `# UNIT`, `# HELP`, `# HELP` escapes `"` as well, `_created` samples
//! follow each series, info and stateset are types of their own, and a document ends with
//! `# EOF`.

use core::fmt::{self, Write};

use super::syntax::{CreatedPlacement, Dialect};
use super::Encoder;
use crate::name::{Desc, MetricType};

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

/// The [`Dialect`] of OpenMetrics 1.0.0.
pub(crate) struct OpenMetricsText;

impl Dialect for OpenMetricsText {
    fn created_placement(_: &Encoder<'_>) -> CreatedPlacement {
        CreatedPlacement::AfterSeries
    }

    fn family_header(enc: &mut Encoder<'_>, desc: &Desc<'_>, ty: MetricType) {
        enc.meta("# TYPE ", desc, "", type_name(ty), false);
        if let Some(unit) = desc.unit() {
            enc.meta("# UNIT ", desc, "", unit, false);
        }
        enc.meta("# HELP ", desc, "", desc.help(), true);
    }

    fn document_end(enc: &mut Encoder<'_>) {
        enc.out.put("# EOF\n");
    }
}
