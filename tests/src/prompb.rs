//! Prometheus' remote write 1.0 messages (`prompb/types.proto`, `prompb/remote.proto`) as
//! prost messages, and the decoding a receiver does: snappy block, then protobuf.

use prost::Message;

/// `prometheus.WriteRequest`.
#[derive(Clone, PartialEq, Message)]
pub struct WriteRequest {
    /// Field 1.
    #[prost(message, repeated, tag = "1")]
    pub timeseries: Vec<TimeSeries>,
    /// Field 3.
    #[prost(message, repeated, tag = "3")]
    pub metadata: Vec<MetricMetadata>,
}

/// `prometheus.TimeSeries`.
#[derive(Clone, PartialEq, Message)]
pub struct TimeSeries {
    /// Sorted by name.
    #[prost(message, repeated, tag = "1")]
    pub labels: Vec<Label>,
    /// In timestamp order.
    #[prost(message, repeated, tag = "2")]
    pub samples: Vec<Sample>,
    /// Native histograms, in timestamp order.
    #[prost(message, repeated, tag = "4")]
    pub histograms: Vec<Histogram>,
}

/// `prometheus.Histogram` (a native histogram; the `count` and `zero_count` oneofs as two
/// optional fields each, the same on the wire).
#[derive(Clone, PartialEq, Message)]
pub struct Histogram {
    /// `count_int` (1): an integer histogram's count.
    #[prost(uint64, optional, tag = "1")]
    pub count_int: Option<u64>,
    /// `count_float` (2): a float histogram's count.
    #[prost(double, optional, tag = "2")]
    pub count_float: Option<f64>,
    /// Field 3.
    #[prost(double, tag = "3")]
    pub sum: f64,
    /// Field 4.
    #[prost(sint32, tag = "4")]
    pub schema: i32,
    /// Field 5.
    #[prost(double, tag = "5")]
    pub zero_threshold: f64,
    /// `zero_count_int` (6).
    #[prost(uint64, optional, tag = "6")]
    pub zero_count_int: Option<u64>,
    /// `zero_count_float` (7).
    #[prost(double, optional, tag = "7")]
    pub zero_count_float: Option<f64>,
    /// Field 8.
    #[prost(message, repeated, tag = "8")]
    pub negative_spans: Vec<BucketSpan>,
    /// Field 9.
    #[prost(sint64, repeated, tag = "9")]
    pub negative_deltas: Vec<i64>,
    /// Field 10 (float histograms).
    #[prost(double, repeated, tag = "10")]
    pub negative_counts: Vec<f64>,
    /// Field 11.
    #[prost(message, repeated, tag = "11")]
    pub positive_spans: Vec<BucketSpan>,
    /// Field 12.
    #[prost(sint64, repeated, tag = "12")]
    pub positive_deltas: Vec<i64>,
    /// Field 13 (float histograms).
    #[prost(double, repeated, tag = "13")]
    pub positive_counts: Vec<f64>,
    /// `ResetHint` (14): 0 unknown, 1 yes, 2 no, 3 gauge.
    #[prost(int32, tag = "14")]
    pub reset_hint: i32,
    /// Milliseconds since the epoch.
    #[prost(int64, tag = "15")]
    pub timestamp: i64,
}

/// `prometheus.BucketSpan`.
#[derive(Clone, PartialEq, Message)]
pub struct BucketSpan {
    /// Gap to the span before, or the first index.
    #[prost(sint32, tag = "1")]
    pub offset: i32,
    /// Buckets in the span.
    #[prost(uint32, tag = "2")]
    pub length: u32,
}

impl Histogram {
    /// The positive buckets, `(index, count)` by increasing index (zeros inside spans
    /// included).
    pub fn positive(&self) -> Vec<(i32, u64)> {
        crate::spans::expand_spans(
            self.positive_spans.iter().map(|s| (s.offset, s.length)),
            &self.positive_deltas,
        )
    }

    /// The negative buckets, as [`positive`](Self::positive).
    pub fn negative(&self) -> Vec<(i32, u64)> {
        crate::spans::expand_spans(
            self.negative_spans.iter().map(|s| (s.offset, s.length)),
            &self.negative_deltas,
        )
    }
}

/// `prometheus.Label`.
#[derive(Clone, PartialEq, Message)]
pub struct Label {
    /// Field 1.
    #[prost(string, tag = "1")]
    pub name: String,
    /// Field 2.
    #[prost(string, tag = "2")]
    pub value: String,
}

/// `prometheus.Sample`.
#[derive(Clone, PartialEq, Message)]
pub struct Sample {
    /// Field 1.
    #[prost(double, tag = "1")]
    pub value: f64,
    /// Milliseconds since the epoch.
    #[prost(int64, tag = "2")]
    pub timestamp: i64,
}

/// `prometheus.MetricMetadata`.
#[derive(Clone, PartialEq, Message)]
pub struct MetricMetadata {
    /// `MetricType`: 0 unknown, 1 counter, 2 gauge, 3 histogram, 4 gauge histogram, 5 summary,
    /// 6 info, 7 state set.
    #[prost(int32, tag = "1")]
    pub r#type: i32,
    /// Field 2.
    #[prost(string, tag = "2")]
    pub metric_family_name: String,
    /// Field 4.
    #[prost(string, tag = "4")]
    pub help: String,
    /// Field 5.
    #[prost(string, tag = "5")]
    pub unit: String,
}

impl TimeSeries {
    /// The value of label `name`.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|l| l.name == name)
            .map(|l| l.value.as_str())
    }

    /// The labels as `name=value` pairs, in order, `__name__` included.
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        self.labels
            .iter()
            .map(|l| (l.name.as_str(), l.value.as_str()))
            .collect()
    }
}

/// Decodes a request body as a receiver does: a snappy block (not framed), then protobuf.
///
/// # Errors
/// Invalid snappy or protobuf, as text.
pub fn decode_body(body: &[u8]) -> Result<WriteRequest, String> {
    let raw = snap::raw::Decoder::new()
        .decompress_vec(body)
        .map_err(|e| format!("snappy: {e}"))?;
    WriteRequest::decode(raw.as_slice()).map_err(|e| format!("protobuf: {e}"))
}
