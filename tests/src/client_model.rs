//! Prometheus client_model's `io.prometheus.client` messages (`tests/proto/metrics.proto`, a
//! copy of `io/prometheus/client/metrics.proto`) as hand-written prost messages, the fields the
//! exposition uses (the native histogram's `exemplars` are left out; prost skips them), and the reading of a length-delimited stream of `MetricFamily`s. The test
//! `messages_match_the_proto` checks every tag and type here against the `.proto`.

use prost::Message;

/// `io.prometheus.client.LabelPair`.
#[derive(Clone, PartialEq, Message)]
pub struct LabelPair {
    /// `optional string name = 1`.
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    /// `optional string value = 2`.
    #[prost(string, optional, tag = "2")]
    pub value: Option<String>,
}

/// `io.prometheus.client.Gauge`.
#[derive(Clone, PartialEq, Message)]
pub struct Gauge {
    /// `optional double value = 1`.
    #[prost(double, optional, tag = "1")]
    pub value: Option<f64>,
}

/// `google.protobuf.Timestamp`.
#[derive(Clone, PartialEq, Message)]
pub struct Timestamp {
    /// `int64 seconds = 1`.
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    /// `int32 nanos = 2`.
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

/// `io.prometheus.client.Exemplar`.
#[derive(Clone, PartialEq, Message)]
pub struct Exemplar {
    /// `repeated LabelPair label = 1`.
    #[prost(message, repeated, tag = "1")]
    pub label: Vec<LabelPair>,
    /// `optional double value = 2`.
    #[prost(double, optional, tag = "2")]
    pub value: Option<f64>,
    /// `optional google.protobuf.Timestamp timestamp = 3`.
    #[prost(message, optional, tag = "3")]
    pub timestamp: Option<Timestamp>,
}

/// `io.prometheus.client.Counter`.
#[derive(Clone, PartialEq, Message)]
pub struct Counter {
    /// `optional double value = 1`.
    #[prost(double, optional, tag = "1")]
    pub value: Option<f64>,
    /// `optional Exemplar exemplar = 2`.
    #[prost(message, optional, tag = "2")]
    pub exemplar: Option<Exemplar>,
    /// `optional google.protobuf.Timestamp created_timestamp = 3`.
    #[prost(message, optional, tag = "3")]
    pub created_timestamp: Option<Timestamp>,
}

/// `io.prometheus.client.Quantile`.
#[derive(Clone, PartialEq, Message)]
pub struct Quantile {
    /// `optional double quantile = 1`.
    #[prost(double, optional, tag = "1")]
    pub quantile: Option<f64>,
    /// `optional double value = 2`.
    #[prost(double, optional, tag = "2")]
    pub value: Option<f64>,
}

/// `io.prometheus.client.Summary`.
#[derive(Clone, PartialEq, Message)]
pub struct Summary {
    /// `optional uint64 sample_count = 1`.
    #[prost(uint64, optional, tag = "1")]
    pub sample_count: Option<u64>,
    /// `optional double sample_sum = 2`.
    #[prost(double, optional, tag = "2")]
    pub sample_sum: Option<f64>,
    /// `repeated Quantile quantile = 3`.
    #[prost(message, repeated, tag = "3")]
    pub quantile: Vec<Quantile>,
    /// `optional google.protobuf.Timestamp created_timestamp = 4`.
    #[prost(message, optional, tag = "4")]
    pub created_timestamp: Option<Timestamp>,
}

/// `io.prometheus.client.Untyped`.
#[derive(Clone, PartialEq, Message)]
pub struct Untyped {
    /// `optional double value = 1`.
    #[prost(double, optional, tag = "1")]
    pub value: Option<f64>,
}

/// `io.prometheus.client.Bucket`.
#[derive(Clone, PartialEq, Message)]
pub struct Bucket {
    /// `optional uint64 cumulative_count = 1`.
    #[prost(uint64, optional, tag = "1")]
    pub cumulative_count: Option<u64>,
    /// `optional double cumulative_count_float = 4`.
    #[prost(double, optional, tag = "4")]
    pub cumulative_count_float: Option<f64>,
    /// `optional double upper_bound = 2`.
    #[prost(double, optional, tag = "2")]
    pub upper_bound: Option<f64>,
    /// `optional Exemplar exemplar = 3`.
    #[prost(message, optional, tag = "3")]
    pub exemplar: Option<Exemplar>,
}

/// `io.prometheus.client.BucketSpan`.
#[derive(Clone, PartialEq, Message)]
pub struct BucketSpan {
    /// `optional sint32 offset = 1`.
    #[prost(sint32, optional, tag = "1")]
    pub offset: Option<i32>,
    /// `optional uint32 length = 2`.
    #[prost(uint32, optional, tag = "2")]
    pub length: Option<u32>,
}

/// `io.prometheus.client.Histogram` (the classic and the native fields; no exemplars).
#[derive(Clone, PartialEq, Message)]
pub struct Histogram {
    /// `optional uint64 sample_count = 1`.
    #[prost(uint64, optional, tag = "1")]
    pub sample_count: Option<u64>,
    /// `optional double sample_count_float = 4`.
    #[prost(double, optional, tag = "4")]
    pub sample_count_float: Option<f64>,
    /// `optional double sample_sum = 2`.
    #[prost(double, optional, tag = "2")]
    pub sample_sum: Option<f64>,
    /// `repeated Bucket bucket = 3`.
    #[prost(message, repeated, tag = "3")]
    pub bucket: Vec<Bucket>,
    /// `optional google.protobuf.Timestamp created_timestamp = 15`.
    #[prost(message, optional, tag = "15")]
    pub created_timestamp: Option<Timestamp>,
    /// `optional sint32 schema = 5`.
    #[prost(sint32, optional, tag = "5")]
    pub schema: Option<i32>,
    /// `optional double zero_threshold = 6`.
    #[prost(double, optional, tag = "6")]
    pub zero_threshold: Option<f64>,
    /// `optional uint64 zero_count = 7`.
    #[prost(uint64, optional, tag = "7")]
    pub zero_count: Option<u64>,
    /// `optional double zero_count_float = 8`.
    #[prost(double, optional, tag = "8")]
    pub zero_count_float: Option<f64>,
    /// `repeated BucketSpan negative_span = 9`.
    #[prost(message, repeated, tag = "9")]
    pub negative_span: Vec<BucketSpan>,
    /// `repeated sint64 negative_delta = 10`.
    #[prost(sint64, repeated, packed = "false", tag = "10")]
    pub negative_delta: Vec<i64>,
    /// `repeated double negative_count = 11`.
    #[prost(double, repeated, packed = "false", tag = "11")]
    pub negative_count: Vec<f64>,
    /// `repeated BucketSpan positive_span = 12`.
    #[prost(message, repeated, tag = "12")]
    pub positive_span: Vec<BucketSpan>,
    /// `repeated sint64 positive_delta = 13`.
    #[prost(sint64, repeated, packed = "false", tag = "13")]
    pub positive_delta: Vec<i64>,
    /// `repeated double positive_count = 14`.
    #[prost(double, repeated, packed = "false", tag = "14")]
    pub positive_count: Vec<f64>,
}

impl Histogram {
    /// The native buckets of one sign, `(index, count)` by increasing index (zeros inside
    /// spans included), from spans and deltas; panics on spans and deltas that disagree.
    pub fn native_buckets(spans: &[BucketSpan], deltas: &[i64]) -> Vec<(i32, u64)> {
        crate::spans::expand_spans(
            spans
                .iter()
                .map(|s| (s.offset.unwrap_or(0), s.length.unwrap_or(0))),
            deltas,
        )
    }
}

/// `io.prometheus.client.Metric`.
#[derive(Clone, PartialEq, Message)]
pub struct Metric {
    /// `repeated LabelPair label = 1`.
    #[prost(message, repeated, tag = "1")]
    pub label: Vec<LabelPair>,
    /// `optional Gauge gauge = 2`.
    #[prost(message, optional, tag = "2")]
    pub gauge: Option<Gauge>,
    /// `optional Counter counter = 3`.
    #[prost(message, optional, tag = "3")]
    pub counter: Option<Counter>,
    /// `optional Summary summary = 4`.
    #[prost(message, optional, tag = "4")]
    pub summary: Option<Summary>,
    /// `optional Untyped untyped = 5`.
    #[prost(message, optional, tag = "5")]
    pub untyped: Option<Untyped>,
    /// `optional Histogram histogram = 7`.
    #[prost(message, optional, tag = "7")]
    pub histogram: Option<Histogram>,
    /// `optional int64 timestamp_ms = 6`.
    #[prost(int64, optional, tag = "6")]
    pub timestamp_ms: Option<i64>,
}

/// `io.prometheus.client.MetricFamily`.
#[derive(Clone, PartialEq, Message)]
pub struct MetricFamily {
    /// `optional string name = 1`.
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    /// `optional string help = 2`.
    #[prost(string, optional, tag = "2")]
    pub help: Option<String>,
    /// `optional MetricType type = 3`: COUNTER 0, GAUGE 1, SUMMARY 2, UNTYPED 3, HISTOGRAM 4,
    /// GAUGE_HISTOGRAM 5.
    #[prost(int32, optional, tag = "3")]
    pub r#type: Option<i32>,
    /// `repeated Metric metric = 4`.
    #[prost(message, repeated, tag = "4")]
    pub metric: Vec<Metric>,
    /// `optional string unit = 5`.
    #[prost(string, optional, tag = "5")]
    pub unit: Option<String>,
}

/// Every `(message, field, type, tag)` the messages above declare, for the check against the
/// `.proto`.
pub const FIELDS: &[(&str, &str, &str, u32)] = &[
    ("LabelPair", "name", "string", 1),
    ("LabelPair", "value", "string", 2),
    ("Gauge", "value", "double", 1),
    ("Counter", "value", "double", 1),
    ("Counter", "exemplar", "Exemplar", 2),
    ("Exemplar", "label", "LabelPair", 1),
    ("Exemplar", "value", "double", 2),
    ("Exemplar", "timestamp", "google.protobuf.Timestamp", 3),
    (
        "Counter",
        "created_timestamp",
        "google.protobuf.Timestamp",
        3,
    ),
    ("Quantile", "quantile", "double", 1),
    ("Quantile", "value", "double", 2),
    ("Summary", "sample_count", "uint64", 1),
    ("Summary", "sample_sum", "double", 2),
    ("Summary", "quantile", "Quantile", 3),
    (
        "Summary",
        "created_timestamp",
        "google.protobuf.Timestamp",
        4,
    ),
    ("Untyped", "value", "double", 1),
    ("Bucket", "cumulative_count", "uint64", 1),
    ("Bucket", "cumulative_count_float", "double", 4),
    ("Bucket", "upper_bound", "double", 2),
    ("Bucket", "exemplar", "Exemplar", 3),
    ("Histogram", "sample_count", "uint64", 1),
    ("Histogram", "sample_count_float", "double", 4),
    ("Histogram", "sample_sum", "double", 2),
    ("Histogram", "bucket", "Bucket", 3),
    (
        "Histogram",
        "created_timestamp",
        "google.protobuf.Timestamp",
        15,
    ),
    ("Histogram", "schema", "sint32", 5),
    ("Histogram", "zero_threshold", "double", 6),
    ("Histogram", "zero_count", "uint64", 7),
    ("Histogram", "zero_count_float", "double", 8),
    ("Histogram", "negative_span", "BucketSpan", 9),
    ("Histogram", "negative_delta", "sint64", 10),
    ("Histogram", "negative_count", "double", 11),
    ("Histogram", "positive_span", "BucketSpan", 12),
    ("Histogram", "positive_delta", "sint64", 13),
    ("Histogram", "positive_count", "double", 14),
    ("BucketSpan", "offset", "sint32", 1),
    ("BucketSpan", "length", "uint32", 2),
    ("Metric", "label", "LabelPair", 1),
    ("Metric", "gauge", "Gauge", 2),
    ("Metric", "counter", "Counter", 3),
    ("Metric", "summary", "Summary", 4),
    ("Metric", "untyped", "Untyped", 5),
    ("Metric", "histogram", "Histogram", 7),
    ("Metric", "timestamp_ms", "int64", 6),
    ("MetricFamily", "name", "string", 1),
    ("MetricFamily", "help", "string", 2),
    ("MetricFamily", "type", "MetricType", 3),
    ("MetricFamily", "metric", "Metric", 4),
    ("MetricFamily", "unit", "string", 5),
];

/// The committed `metrics.proto`.
pub const PROTO: &str = include_str!("../proto/metrics.proto");

/// The `(type, tag)` of `message.field` in `proto`, read from its `optional`/`repeated` line.
pub fn proto_field(proto: &str, message: &str, field: &str) -> Option<(String, u32)> {
    let start = proto.find(&format!("message {message} {{"))?;
    let body = &proto[start..];
    let body = &body[..body.find('}')?];
    body.lines().find_map(|line| {
        let line = line.split("//").next()?.trim();
        let mut words = line.split_whitespace();
        let rule = words.next()?;
        if rule != "optional" && rule != "repeated" {
            return None;
        }
        let ty = words.next()?;
        (words.next()? == field).then_some(())?;
        (words.next()? == "=").then_some(())?;
        let tag = words.next()?.trim_end_matches(';').parse().ok()?;
        Some((ty.to_string(), tag))
    })
}

/// A length-delimited stream of `MetricFamily`s, decoded; panics on anything else (a test
/// helper).
pub fn decode_families(mut bytes: &[u8]) -> Vec<MetricFamily> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let family = MetricFamily::decode_length_delimited(&mut bytes)
            .expect("a length-delimited MetricFamily");
        out.push(family);
    }
    out
}
