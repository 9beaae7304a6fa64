//! Native histograms in remote write: decoded with prost and messages mirroring Prometheus'
//! `prompb/types.proto`, each series is one `TimeSeries` named after the family whose one
//! `Histogram` gives back the snapshot (count, sum, schema, zero bucket, buckets of both
//! signs, timestamp), with the spans the protobuf exposition writes; received by a real
//! Prometheus 2.42 (`--web.enable-remote-write-receiver --enable-feature=native-histograms`),
//! `histogram_count`, `histogram_sum` and `histogram_quantile` agree with the exact values of
//! the observations, the quantiles within the bucket of the exact one.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use edgeprom::encode::remote_write::{snappy_len, RemoteWrite};
use edgeprom::encode::SliceWriter;
use edgeprom::{Counter, Family, Metric, NativeHistogram, Registry};
use edgeprom_std::RemoteWriteClient;
use edgeprom_tests::client_model::{decode_families, Histogram as PbHistogram};
use edgeprom_tests::native::{check_in_prometheus, latencies};
use edgeprom_tests::prompb::{decode_body, TimeSeries, WriteRequest};
use edgeprom_tests::servers::Prometheus;
use prost::Message;

const T: Duration = Duration::from_millis(1_700_000_000_123);

fn series<'a>(req: &'a WriteRequest, name: &str) -> Vec<&'a TimeSeries> {
    req.timeseries
        .iter()
        .filter(|ts| ts.label("__name__") == Some(name))
        .collect()
}

#[test]
fn each_series_is_one_histogram_with_the_snapshots_buckets() {
    static POS: Metric<NativeHistogram> = Metric::new("rwn_latency_seconds", "Latency");
    static SIGNED: Family<NativeHistogram<i64, 16, 16>, 1, 2> =
        Family::new("rwn_delta", "Signed", ["zone"]);
    static BOOTS: Metric<Counter> = Metric::new("rwn_boots", "Boots");
    let mut registry: Registry<'_, 3> = Registry::new()
        .with_const_labels(&[("device", "d1")])
        .unwrap();
    registry.register(&POS).unwrap();
    registry.register(&SIGNED).unwrap();
    registry.register(&BOOTS).unwrap();
    BOOTS.inc();
    let request = RemoteWrite::at(T).with_metadata(true);

    // Empty: a histogram of count 0 without spans.
    let mut buf = vec![0u8; 1 << 16];
    let n = registry.encode_remote_write(&request, &mut buf).unwrap();
    let req = WriteRequest::decode(&buf[..n]).unwrap();
    let empty = series(&req, "rwn_latency_seconds");
    assert_eq!(empty.len(), 1);
    let h = &empty[0].histograms[0];
    assert_eq!((h.count_int, h.sum, h.schema), (Some(0), 0.0, 8));
    assert!(h.positive_spans.is_empty() && h.positive_deltas.is_empty());
    assert!(
        series(&req, "rwn_delta").is_empty(),
        "a family without series"
    );

    for v in latencies() {
        POS.observe(v).unwrap();
    }
    POS.observe(0.0).unwrap();
    let signed = SIGNED.labels(["eu"]).unwrap();
    for v in [-1000i64, -3, -2, 0, 0, 5, 6, 7, 100_000] {
        signed.observe(v).unwrap();
    }

    let n = registry.encode_remote_write(&request, &mut buf).unwrap();
    assert_eq!(registry.remote_write_len(&request), Ok(n));
    let req = WriteRequest::decode(&buf[..n]).unwrap();
    // Streamed in a snappy block of the length measured: the same request.
    let mut block = vec![0u8; snappy_len(n)];
    let mut w = SliceWriter::new(&mut block);
    assert_eq!(
        registry.write_remote_write_snappy(&request, n, &mut w),
        Ok(snappy_len(n))
    );
    assert_eq!(decode_body(&block).unwrap(), req);

    // No `_count`, `_sum` or `_bucket` series: the histogram is all there is.
    let names: Vec<_> = req
        .timeseries
        .iter()
        .map(|ts| ts.label("__name__").unwrap())
        .collect();
    assert_eq!(
        names,
        ["rwn_latency_seconds", "rwn_delta", "rwn_boots_total"]
    );
    let types: Vec<_> = req.metadata.iter().map(|m| m.r#type).collect();
    assert_eq!(types, [3, 3, 1], "histogram, histogram, counter");

    let p = POS.snapshot();
    let ts = series(&req, "rwn_latency_seconds")[0];
    assert_eq!(
        ts.pairs(),
        [("__name__", "rwn_latency_seconds"), ("device", "d1")]
    );
    assert!(ts.samples.is_empty());
    assert_eq!(ts.histograms.len(), 1);
    let h = &ts.histograms[0];
    assert_eq!((h.count_int, h.count_float), (Some(2001), None));
    assert_eq!(h.sum, p.sum());
    assert_eq!(h.schema, i32::from(p.schema()));
    assert_eq!(h.zero_threshold, p.zero_threshold());
    assert_eq!((h.zero_count_int, h.zero_count_float), (Some(1), None));
    assert_eq!(h.timestamp, 1_700_000_000_123);
    assert_eq!(h.reset_hint, 0, "UNKNOWN: Prometheus detects resets");
    let got: Vec<_> = h.positive().into_iter().filter(|(_, c)| *c != 0).collect();
    assert_eq!(got, p.positive().collect::<Vec<_>>());
    assert!(h.negative_spans.is_empty() && h.negative_deltas.is_empty());
    assert!(h.positive_counts.is_empty(), "integer counts: deltas");

    // The same spans and deltas as the protobuf exposition's.
    let len = registry.protobuf_len().unwrap();
    let mut pb = vec![0u8; len];
    registry.encode_protobuf(&mut pb).unwrap();
    let families = decode_families(&pb);
    let exposed: &PbHistogram = families[0].metric[0].histogram.as_ref().unwrap();
    let spans: Vec<_> = exposed
        .positive_span
        .iter()
        .map(|s| (s.offset.unwrap(), s.length.unwrap()))
        .collect();
    let rw_spans: Vec<_> = h
        .positive_spans
        .iter()
        .map(|s| (s.offset, s.length))
        .collect();
    assert_eq!(rw_spans, spans);
    assert_eq!(h.positive_deltas, exposed.positive_delta);

    let s = signed.snapshot();
    let ts = series(&req, "rwn_delta")[0];
    assert_eq!(
        ts.pairs(),
        [("__name__", "rwn_delta"), ("device", "d1"), ("zone", "eu")]
    );
    let h = &ts.histograms[0];
    assert_eq!((h.count_int, h.zero_count_int), (Some(9), Some(2)));
    assert_eq!(h.sum, -1000.0 - 3.0 - 2.0 + 5.0 + 6.0 + 7.0 + 100_000.0);
    assert_eq!(h.schema, i32::from(s.schema()));
    let neg: Vec<_> = h.negative().into_iter().filter(|(_, c)| *c != 0).collect();
    assert_eq!(neg, s.negative().collect::<Vec<_>>());
    assert_eq!(neg.iter().map(|(_, c)| c).sum::<u64>(), 3);
    let pos: Vec<_> = h.positive().into_iter().filter(|(_, c)| *c != 0).collect();
    assert_eq!(pos, s.positive().collect::<Vec<_>>());
    assert_eq!(pos.iter().map(|(_, c)| c).sum::<u64>(), 4);
}

#[test]
fn a_second_pass_without_room_leaves_the_histogram_out_whole() {
    static H: Metric<NativeHistogram<u64, 8>> = Metric::new("rwn_small", "Small");
    let mut registry: Registry<'_, 1> = Registry::new();
    registry.register(&H).unwrap();
    let request = RemoteWrite::at(T);
    let short = registry.remote_write_len(&request).unwrap();
    for v in [1, 2, 3, 100] {
        H.observe(v).unwrap();
    }
    // The histogram grew between the passes: it does not fit what the first measured, so it
    // is padded out, and the request still decodes at the announced length.
    let mut block = vec![0u8; snappy_len(short)];
    let mut w = SliceWriter::new(&mut block);
    assert_eq!(
        registry.write_remote_write_snappy(&request, short, &mut w),
        Ok(snappy_len(short))
    );
    let req = decode_body(&block).unwrap();
    assert!(req.timeseries.is_empty(), "{req:?}");
    // With the length measured now, it goes out.
    let n = registry.remote_write_len(&request).unwrap();
    assert!(n > short);
    let mut block = vec![0u8; snappy_len(n)];
    let mut w = SliceWriter::new(&mut block);
    registry
        .write_remote_write_snappy(&request, n, &mut w)
        .unwrap();
    let req = decode_body(&block).unwrap();
    assert_eq!(req.timeseries[0].histograms[0].count_int, Some(4));
    assert_eq!(req.timeseries[0].histograms[0].sum, 106.0);
}

#[test]
fn prometheus_stores_count_sum_and_quantiles() {
    static LAT: Metric<NativeHistogram> = Metric::new("rwn_demo_latency_seconds", "Latency");
    let mut registry: Registry<'static, 1> = Registry::new()
        .with_const_labels(&[("device", "dev-9")])
        .unwrap();
    registry.register(&LAT).unwrap();
    let values = latencies();
    for &v in &values {
        LAT.observe(v).unwrap();
    }
    let snap = LAT.snapshot();
    assert_eq!(snap.schema(), 3, "13 powers of two in 160 buckets");

    let prom = Prometheus::start_native_receiver().expect("prometheus starts");
    let client = RemoteWriteClient::new(&format!("{}/api/v1/write", prom.url())).unwrap();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    assert!(client.write(&registry, &RemoteWrite::at(now)).unwrap() > 0);
    check_in_prometheus(
        &prom,
        "rwn_demo_latency_seconds{device=\"dev-9\"}",
        &values,
        snap.schema(),
        snap.sum(),
    );
}
