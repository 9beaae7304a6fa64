//! Native histograms in the protobuf exposition: decoded with prost and client_model's
//! messages, the spans and deltas give back the histogram's buckets; scraped by a real
//! Prometheus 2.42 with `--enable-feature=native-histograms`, `histogram_count`,
//! `histogram_sum` and `histogram_quantile` agree with the exact values of the observations,
//! the quantiles within the bound the histogram's schema gives.

use std::sync::Arc;
use std::time::Duration;

use edgeprom::{Format, Metric, NativeHistogram, Registry};
use edgeprom_std::ScrapeServer;
use edgeprom_tests::client_model::{decode_families, Histogram as PbHistogram};
use edgeprom_tests::native::{check_in_prometheus, latencies};
use edgeprom_tests::servers::Prometheus;

fn decode_one(registry: &Registry<'_, 2>, name: &str) -> PbHistogram {
    let n = registry.protobuf_len().unwrap();
    let mut buf = vec![0u8; n];
    assert_eq!(registry.encode_protobuf(&mut buf).unwrap(), n);
    let families = decode_families(&buf);
    let family = families
        .iter()
        .find(|f| f.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no family {name}: {families:?}"));
    assert_eq!(family.r#type, Some(4), "HISTOGRAM");
    assert_eq!(family.metric.len(), 1);
    family.metric[0].histogram.clone().expect("a histogram")
}

#[test]
fn protobuf_carries_the_native_buckets() {
    static POS: Metric<NativeHistogram> = Metric::new("pbn_positive", "P");
    static SIGNED: Metric<NativeHistogram<i64, 16, 16>> = Metric::new("pbn_signed", "S");
    let mut registry: Registry<'_, 2> = Registry::new();
    registry.register(&POS).unwrap();
    registry.register(&SIGNED).unwrap();

    // Empty: one empty positive span marks it native.
    let h = decode_one(&registry, "pbn_positive");
    assert_eq!(h.schema, Some(8));
    assert_eq!(h.sample_count, Some(0));
    assert_eq!(h.positive_span.len(), 1);
    assert_eq!(
        (h.positive_span[0].offset, h.positive_span[0].length),
        (Some(0), Some(0))
    );
    assert!(h.bucket.is_empty(), "no classic buckets");

    for v in latencies() {
        POS.observe(v).unwrap();
    }
    POS.observe(0.0).unwrap();
    for v in [-1000i64, -3, -2, 0, 0, 5, 6, 7, 100_000] {
        SIGNED.observe(v).unwrap();
    }
    for (name, snap) in [
        (
            "pbn_positive",
            POS.snapshot().positive().collect::<Vec<_>>(),
        ),
        ("pbn_signed", SIGNED.snapshot().positive().collect()),
    ] {
        let h = decode_one(&registry, name);
        let got: Vec<_> = PbHistogram::native_buckets(&h.positive_span, &h.positive_delta)
            .into_iter()
            .filter(|(_, n)| *n != 0)
            .collect();
        assert_eq!(got, snap, "{name}");
        assert!(h.bucket.is_empty(), "{name}: no classic buckets");
    }
    let p = POS.snapshot();
    let h = decode_one(&registry, "pbn_positive");
    assert_eq!(h.schema, Some(i32::from(p.schema())));
    assert_eq!(h.zero_threshold, Some(p.zero_threshold()));
    assert_eq!(h.zero_count, Some(1));
    assert_eq!(h.sample_count, Some(2001));
    assert_eq!(h.sample_sum, Some(p.sum()));
    assert!(h.negative_span.is_empty());

    let s = SIGNED.snapshot();
    let h = decode_one(&registry, "pbn_signed");
    assert_eq!(h.schema, Some(i32::from(s.schema())));
    assert_eq!((h.zero_count, h.sample_count), (Some(2), Some(9)));
    assert_eq!(
        h.sample_sum,
        Some(-1000.0 - 3.0 - 2.0 + 5.0 + 6.0 + 7.0 + 100_000.0)
    );
    let neg: Vec<_> = PbHistogram::native_buckets(&h.negative_span, &h.negative_delta)
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .collect();
    assert_eq!(neg, s.negative().collect::<Vec<_>>());
    assert_eq!(neg.iter().map(|(_, n)| n).sum::<u64>(), 3);
}

#[test]
fn prometheus_reads_count_sum_and_quantiles() {
    static LAT: Metric<NativeHistogram> = Metric::new("nh_demo_latency_seconds", "Latency");
    let mut registry: Registry<'static, 2> = Registry::new();
    registry.register(&LAT).unwrap();
    let values = latencies();
    for &v in &values {
        LAT.observe(v).unwrap();
    }
    let snap = LAT.snapshot();
    let schema = snap.schema();
    // 13 powers of two in 160 buckets: schema 3 (104 buckets; schema 4 would need 208).
    assert_eq!(schema, 3);

    // Text scrapers get the count and sum (and the `+Inf` bucket).
    let mut text = String::new();
    registry.encode_to(Format::Prometheus, &mut text).unwrap();
    assert!(
        text.contains("nh_demo_latency_seconds_count 2000\n"),
        "{text}"
    );

    let server = ScrapeServer::bind("127.0.0.1:0", Arc::new(registry)).unwrap();
    let prom = Prometheus::start_native_histograms(server.local_addr().port()).unwrap();
    prom.wait_for("up{job=\"edgeprom\"}", Duration::from_secs(30), |s| {
        s.len() == 1 && s[0].value == 1.0
    });
    check_in_prometheus(
        &prom,
        "nh_demo_latency_seconds",
        &values,
        schema,
        snap.sum(),
    );
}
