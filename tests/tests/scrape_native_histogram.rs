//! Native histograms in the protobuf exposition: decoded with prost and client_model's
//! messages, the spans and deltas give back the histogram's buckets; scraped by a real
//! Prometheus 2.42 with `--enable-feature=native-histograms`, `histogram_count`,
//! `histogram_sum` and `histogram_quantile` agree with the exact values of the observations,
//! the quantiles within the bound the histogram's schema gives.

use std::sync::Arc;
use std::time::Duration;

use edgeprom::native_histogram::upper_bound;
use edgeprom::{Format, Metric, NativeHistogram, Registry};
use edgeprom_std::ScrapeServer;
use edgeprom_tests::client_model::{decode_families, Histogram as PbHistogram};
use edgeprom_tests::servers::{Prometheus, Sample};

/// The observations: 2000 latencies from about 1 ms to about 8 s, spread unevenly (a
/// deterministic sequence, several per bucket).
fn latencies() -> Vec<f64> {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    (0..2000)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            // log-uniform over 13 powers of two, from 2^-10 s.
            let u = (seed >> 11) as f64 / (1u64 << 53) as f64;
            2f64.powf(-10.0 + 13.0 * u * u)
        })
        .collect()
}

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

const DEADLINE: Duration = Duration::from_secs(30);

fn wait_for(prom: &Prometheus, expr: &str, ok: impl Fn(&[Sample]) -> bool) -> Vec<Sample> {
    prom.wait_for(expr, DEADLINE, ok)
}

#[test]
fn prometheus_reads_count_sum_and_quantiles() {
    static LAT: Metric<NativeHistogram> = Metric::new("nh_demo_latency_seconds", "Latency");
    let mut registry: Registry<'static, 2> = Registry::new();
    registry.register(&LAT).unwrap();
    let mut values = latencies();
    for &v in &values {
        LAT.observe(v).unwrap();
    }
    let snap = LAT.snapshot();
    let schema = snap.schema();
    // 13 powers of two in 160 buckets: schema 3 (104 buckets; schema 4 would need 208).
    assert_eq!(schema, 3);
    let base = 2f64.powf(2f64.powi(-i32::from(schema)));

    // Text scrapers get the count and sum (and the `+Inf` bucket).
    let mut text = String::new();
    registry.encode_to(Format::Prometheus, &mut text).unwrap();
    assert!(
        text.contains("nh_demo_latency_seconds_count 2000\n"),
        "{text}"
    );

    let server = ScrapeServer::bind("127.0.0.1:0", Arc::new(registry)).unwrap();
    let prom = Prometheus::start_native_histograms(server.local_addr().port()).unwrap();
    wait_for(&prom, "up{job=\"edgeprom\"}", |s| {
        s.len() == 1 && s[0].value == 1.0
    });

    wait_for(&prom, "histogram_count(nh_demo_latency_seconds)", |s| {
        s.len() == 1 && s[0].value == 2000.0
    });
    let exact_sum: f64 = values.iter().sum();
    let sum = wait_for(&prom, "histogram_sum(nh_demo_latency_seconds)", |s| {
        s.len() == 1
    });
    assert_eq!(sum[0].value, snap.sum(), "the sum sent is the sum stored");
    assert!(
        (sum[0].value - exact_sum).abs() <= 1e-12 * exact_sum,
        "{} vs {exact_sum}",
        sum[0].value
    );

    values.sort_by(f64::total_cmp);
    for q in [0.5, 0.9, 0.99] {
        // Prometheus' rank is q * count; the bucket where the cumulative count reaches it holds
        // the observation of rank ceil(q * count), and the estimate lies in that bucket
        // (linear interpolation between its bounds).
        let exact = values[(q * values.len() as f64).ceil() as usize - 1];
        let expr = format!("histogram_quantile({q}, nh_demo_latency_seconds)");
        let got = wait_for(&prom, &expr, |s| s.len() == 1)[0].value;
        let index = (exact.log2() * 2f64.powi(i32::from(schema))).ceil() as i32;
        let (lower, upper) = (upper_bound(schema, index - 1), upper_bound(schema, index));
        assert!(
            lower < exact && exact <= upper,
            "{exact} in bucket {index}: ({lower}, {upper}]"
        );
        assert!(
            (lower..=upper).contains(&got),
            "q {q}: {got} outside the bucket ({lower}, {upper}] of the exact {exact}"
        );
        println!("q {q}: Prometheus {got}, exact {exact}, bucket ({lower}, {upper}]");
        // The same bound as a ratio: within a factor `base` of the exact value.
        assert!(
            got / exact <= base && exact / got <= base,
            "q {q}: {got} vs {exact}, base {base}"
        );
    }
}
