//! The tags of the `io.prometheus.client` fields the exposition writes (client_model's
//! `io/prometheus/client/metrics.proto`), and its `MetricType` numbers.

use crate::name::MetricType;

const VARINT: u8 = 0;
const I64: u8 = 1;
const LEN: u8 = 2;

const fn tag(field: u8, wire: u8) -> u8 {
    (field << 3) | wire
}

/// `MetricFamily.name` (1).
pub(super) const FAMILY_NAME: u8 = tag(1, LEN);
/// `MetricFamily.help` (2).
pub(super) const FAMILY_HELP: u8 = tag(2, LEN);
/// `MetricFamily.type` (3).
pub(super) const FAMILY_TYPE: u8 = tag(3, VARINT);
/// `MetricFamily.metric` (4).
pub(super) const FAMILY_METRIC: u8 = tag(4, LEN);
/// `MetricFamily.unit` (5).
pub(super) const FAMILY_UNIT: u8 = tag(5, LEN);

/// `Metric.label` (1).
pub(super) const METRIC_LABEL: u8 = tag(1, LEN);
/// `LabelPair.name` (1).
pub(super) const LABEL_NAME: u8 = tag(1, LEN);
/// `LabelPair.value` (2).
pub(super) const LABEL_VALUE: u8 = tag(2, LEN);

/// `Counter.value`, `Gauge.value`, `Untyped.value` (1, double).
pub(super) const VALUE: u8 = tag(1, I64);
/// `Summary.sample_count`, `Histogram.sample_count` (1, uint64).
pub(super) const SAMPLE_COUNT: u8 = tag(1, VARINT);
/// `Summary.sample_sum`, `Histogram.sample_sum` (2, double).
pub(super) const SAMPLE_SUM: u8 = tag(2, I64);
/// `Summary.quantile` (3).
pub(super) const SUMMARY_QUANTILE: u8 = tag(3, LEN);
/// `Histogram.bucket` (3).
pub(super) const HISTOGRAM_BUCKET: u8 = tag(3, LEN);
/// `Quantile.quantile` (1, double).
pub(super) const QUANTILE_QUANTILE: u8 = tag(1, I64);
/// `Quantile.value` (2, double).
pub(super) const QUANTILE_VALUE: u8 = tag(2, I64);
/// `Bucket.cumulative_count` (1, uint64).
pub(super) const BUCKET_COUNT: u8 = tag(1, VARINT);
/// `Bucket.upper_bound` (2, double).
pub(super) const BUCKET_BOUND: u8 = tag(2, I64);
/// `Histogram.schema` (5, sint32).
pub(super) const SCHEMA: u8 = tag(5, VARINT);
/// `Histogram.zero_threshold` (6, double).
pub(super) const ZERO_THRESHOLD: u8 = tag(6, I64);
/// `Histogram.zero_count` (7, uint64).
pub(super) const ZERO_COUNT: u8 = tag(7, VARINT);
/// `Histogram.negative_span` (9).
pub(super) const NEGATIVE_SPAN: u8 = tag(9, LEN);
/// `Histogram.negative_delta` (10, sint64, one field per count).
pub(super) const NEGATIVE_DELTA: u8 = tag(10, VARINT);
/// `Histogram.positive_span` (12).
pub(super) const POSITIVE_SPAN: u8 = tag(12, LEN);
/// `Histogram.positive_delta` (13, sint64, one field per count).
pub(super) const POSITIVE_DELTA: u8 = tag(13, VARINT);
/// `Counter.exemplar` (2).
pub(super) const COUNTER_EXEMPLAR: u8 = tag(2, LEN);
/// `Bucket.exemplar` (3).
pub(super) const BUCKET_EXEMPLAR: u8 = tag(3, LEN);
/// `Exemplar.value` (2, double).
pub(super) const EXEMPLAR_VALUE: u8 = tag(2, I64);
/// `Exemplar.timestamp` (3).
pub(super) const EXEMPLAR_TIMESTAMP: u8 = tag(3, LEN);
/// `google.protobuf.Timestamp.seconds` (1, int64).
pub(super) const SECONDS: u8 = tag(1, VARINT);
/// `google.protobuf.Timestamp.nanos` (2, int32).
pub(super) const NANOS: u8 = tag(2, VARINT);

/// `MetricFamily.type` of a family: info and state sets are gauges, as in Prometheus text.
pub(super) const fn family_type(ty: MetricType) -> u64 {
    match ty {
        MetricType::Counter => 0,
        MetricType::Gauge | MetricType::Info | MetricType::StateSet => 1,
        MetricType::Summary => 2,
        MetricType::Unknown => 3,
        MetricType::Histogram => 4,
    }
}

/// The `Metric` field holding a series' value message: `counter` (3), `gauge` (2),
/// `summary` (4), `untyped` (5) or `histogram` (7), as the family type requires.
pub(super) const fn value_field(ty: MetricType) -> u8 {
    let field = match ty {
        MetricType::Counter => 3,
        MetricType::Gauge | MetricType::Info | MetricType::StateSet => 2,
        MetricType::Summary => 4,
        MetricType::Unknown => 5,
        MetricType::Histogram => 7,
    };
    tag(field, LEN)
}

/// The value message's `created_timestamp` field, for the types that have one: `Counter` (3),
/// `Summary` (4), `Histogram` (15).
pub(super) const fn created_field(ty: MetricType) -> Option<u8> {
    match ty {
        MetricType::Counter => Some(tag(3, LEN)),
        MetricType::Summary => Some(tag(4, LEN)),
        MetricType::Histogram => Some(tag(15, LEN)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_the_proto_fields() {
        assert_eq!(FAMILY_METRIC, 0x22);
        assert_eq!(value_field(MetricType::Histogram), 0x3a);
        assert_eq!(created_field(MetricType::Histogram), Some(0x7a));
        assert_eq!(VALUE, 0x09);
        assert_eq!(
            (
                COUNTER_EXEMPLAR,
                BUCKET_EXEMPLAR,
                EXEMPLAR_VALUE,
                EXEMPLAR_TIMESTAMP
            ),
            (0x12, 0x1a, 0x11, 0x1a)
        );
        assert_eq!(SAMPLE_COUNT, 0x08);
        assert_eq!(
            (SCHEMA, ZERO_THRESHOLD, POSITIVE_SPAN, POSITIVE_DELTA),
            (0x28, 0x31, 0x62, 0x68)
        );
    }
}
