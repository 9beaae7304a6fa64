//! `DualHistogram`, a native histogram with classic buckets alongside (client_golang's dual
//! mode): text scrapers get exactly what a classic `Histogram` fed the same values writes; the
//! protobuf exposition carries both parts in one `Histogram` (decoded with prost), with no
//! classic bucket above `sample_count` while threads observe; remote write sends the native
//! series and the classic ones; of two real Prometheus 2.42 scraping it, the one with native
//! histograms stores the native part and the one without the classic buckets.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use edgeprom::encode::remote_write::RemoteWrite;
use edgeprom::{DualHistogram, Format, Histogram, Metric, ObserveError, Registry};
use edgeprom_std::ScrapeServer;
use edgeprom_tests::client_model::{decode_families, Histogram as PbHistogram};
use edgeprom_tests::native::{check_in_prometheus, latencies};
use edgeprom_tests::prompb::WriteRequest;
use edgeprom_tests::servers::Prometheus;
use prost::Message;

fn protobuf_histogram(registry: &Registry<'_, 1>) -> PbHistogram {
    // Room for what threads may observe between the measuring and the writing.
    let mut buf = vec![0u8; registry.protobuf_len().unwrap() + 4096];
    let n = registry.encode_protobuf(&mut buf).unwrap();
    let families = decode_families(&buf[..n]);
    assert_eq!(families.len(), 1, "{families:?}");
    assert_eq!(families[0].r#type, Some(4), "HISTOGRAM");
    families[0].metric[0]
        .histogram
        .clone()
        .expect("a histogram")
}

#[test]
fn text_formats_get_what_a_classic_histogram_writes() {
    static DUAL: Metric<DualHistogram> = Metric::new("dual_text_seconds", "Latency");
    static CLASSIC: Metric<Histogram> = Metric::new("dual_text_seconds", "Latency");
    let (mut dual, mut classic): (Registry<'_, 1>, Registry<'_, 1>) =
        (Registry::new(), Registry::new());
    dual.register(&DUAL).unwrap();
    classic.register(&CLASSIC).unwrap();
    for v in latencies() {
        DUAL.observe(v).unwrap();
        CLASSIC.observe(v).unwrap();
    }
    for format in [
        Format::Prometheus,
        Format::PrometheusV1,
        Format::OpenMetrics,
    ] {
        let (mut a, mut b) = (String::new(), String::new());
        dual.encode_to(format, &mut a).unwrap();
        classic.encode_to(format, &mut b).unwrap();
        assert_eq!(a, b, "{format:?}");
        assert!(a.contains("dual_text_seconds_bucket{le=\"0.005\"}"), "{a}");
    }
    assert_eq!(DUAL.native().snapshot().count(), 2000);
    assert_eq!(DUAL.classic().count(), 2000);
}

#[test]
fn protobuf_carries_both_parts() {
    static LAT: Metric<DualHistogram> = Metric::new("dual_pb_seconds", "Latency");
    let mut registry: Registry<'_, 1> = Registry::new();
    registry.register(&LAT).unwrap();
    let values = latencies();
    for &v in &values {
        LAT.observe(v).unwrap();
    }
    let h = protobuf_histogram(&registry);
    let snap = LAT.native().snapshot();
    assert_eq!(h.schema, Some(i32::from(snap.schema())));
    assert_eq!(
        (h.sample_count, h.sample_sum),
        (Some(2000), Some(snap.sum()))
    );
    let native: Vec<_> = PbHistogram::native_buckets(&h.positive_span, &h.positive_delta)
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .collect();
    assert_eq!(native, snap.positive().collect::<Vec<_>>());
    // The classic buckets: the default bounds' cumulative counts, as the classic part has them.
    let classic: Vec<(f64, u64)> = LAT.classic().buckets().collect();
    let finite: Vec<(f64, u64)> = h
        .bucket
        .iter()
        .map(|b| (b.upper_bound.unwrap(), b.cumulative_count.unwrap()))
        .filter(|(le, _)| le.is_finite())
        .collect();
    assert_eq!(finite, classic);
    assert_eq!(finite.len(), 14);
    for (le, n) in &finite {
        let exact = values.iter().filter(|&&v| v <= *le).count() as u64;
        assert_eq!(*n, exact, "le={le}");
    }
    if let Some(last) = h.bucket.last() {
        if last.upper_bound == Some(f64::INFINITY) {
            assert_eq!(last.cumulative_count, h.sample_count);
        }
    }
}

#[test]
fn a_value_either_part_refuses_is_recorded_in_neither() {
    // Negative buckets in the native part, none in the classic one.
    let signed: DualHistogram<edgeprom::DefaultBuckets, 8, 8> = DualHistogram::new();
    assert_eq!(signed.observe(-1.0), Err(ObserveError::Negative));
    assert_eq!(signed.observe(f64::NAN), Err(ObserveError::NotFinite));
    assert_eq!(signed.native().snapshot().count(), 0);
    // One native bucket: a value 2^40 times the first needs more even at schema -4.
    let narrow: DualHistogram<edgeprom::DefaultBuckets, 1> = DualHistogram::new();
    narrow.observe(1.0).unwrap();
    assert_eq!(narrow.observe(1e12), Err(ObserveError::TooManyBuckets));
    assert_eq!(
        narrow.classic().count(),
        1,
        "the classic part did not take it"
    );
    assert_eq!(narrow.native().snapshot().count(), 1);
}

#[test]
fn no_classic_bucket_exceeds_the_count_while_threads_observe() {
    static HOT: Metric<DualHistogram> = Metric::new("dual_hot_seconds", "Hot");
    let mut registry: Registry<'_, 1> = Registry::new();
    registry.register(&HOT).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let values = Arc::new(latencies());
    let observers: Vec<_> = (0..3)
        .map(|t| {
            let (stop, values) = (stop.clone(), values.clone());
            thread::spawn(move || {
                let mut i = t * 7;
                while !stop.load(Ordering::Relaxed) {
                    HOT.observe(values[i % values.len()]).unwrap();
                    i += 1;
                }
            })
        })
        .collect();
    let mut reads = 0;
    let mut last_count = 0;
    while reads < 2000 {
        let h = protobuf_histogram(&registry);
        let count = h.sample_count.unwrap();
        let mut prev = 0;
        for b in &h.bucket {
            let n = b.cumulative_count.unwrap();
            assert!(n >= prev, "cumulative: {:?}", h.bucket);
            assert!(
                n <= count,
                "a bucket above sample_count {count}: {:?}",
                h.bucket
            );
            prev = n;
        }
        let native: u64 = PbHistogram::native_buckets(&h.positive_span, &h.positive_delta)
            .iter()
            .map(|(_, n)| n)
            .sum::<u64>()
            + h.zero_count.unwrap_or(0);
        assert_eq!(native, count, "the native buckets add up to the count");
        assert!(count >= last_count);
        last_count = count;
        reads += 1;
    }
    stop.store(true, Ordering::Relaxed);
    for o in observers {
        o.join().unwrap();
    }
    assert!(last_count > 0, "the observers ran");
}

#[test]
fn remote_write_sends_the_native_series_and_the_classic_ones() {
    static LAT: Metric<DualHistogram> = Metric::new("dual_rw_seconds", "Latency");
    let mut registry: Registry<'_, 1> = Registry::new();
    registry.register(&LAT).unwrap();
    for v in latencies() {
        LAT.observe(v).unwrap();
    }
    let request = RemoteWrite::at(Duration::from_millis(1_700_000_000_000));
    let mut buf = vec![0u8; 1 << 16];
    let n = registry.encode_remote_write(&request, &mut buf).unwrap();
    let req = WriteRequest::decode(&buf[..n]).unwrap();
    let named = |name: &str| {
        req.timeseries
            .iter()
            .filter(|ts| ts.label("__name__") == Some(name))
            .collect::<Vec<_>>()
    };
    let native = named("dual_rw_seconds");
    assert_eq!(native.len(), 1);
    assert_eq!(native[0].histograms[0].count_int, Some(2000));
    assert_eq!(
        named("dual_rw_seconds_bucket").len(),
        15,
        "14 bounds and +Inf"
    );
    assert_eq!(named("dual_rw_seconds_count")[0].samples[0].value, 2000.0);
    assert_eq!(named("dual_rw_seconds_sum").len(), 1);
}

#[test]
fn prometheus_stores_both_parts() {
    static LAT: Metric<DualHistogram> = Metric::new("dual_demo_latency_seconds", "Latency");
    let mut registry: Registry<'static, 1> = Registry::new();
    registry.register(&LAT).unwrap();
    let values = latencies();
    for &v in &values {
        LAT.observe(v).unwrap();
    }
    let snap = LAT.native().snapshot();
    let server = ScrapeServer::bind("127.0.0.1:0", Arc::new(registry)).unwrap();
    // One Prometheus asks for protobuf and keeps the native part; one without native
    // histograms asks for text and gets the classic buckets. (Prometheus 2.42 has no
    // `scrape_classic_histograms`: of a protobuf histogram with native buckets it keeps
    // only those.)
    let prom = Prometheus::start_native_histograms(server.local_addr().port()).unwrap();
    let text = Prometheus::start(server.local_addr().port()).unwrap();
    for p in [&prom, &text] {
        p.wait_for("up{job=\"edgeprom\"}", Duration::from_secs(30), |s| {
            s.len() == 1 && s[0].value == 1.0
        });
    }
    check_in_prometheus(
        &prom,
        "dual_demo_latency_seconds",
        &values,
        snap.schema(),
        snap.sum(),
    );
    // And the classic series, bound by bound (compared as numbers).
    let got = text.wait_for(
        "dual_demo_latency_seconds_bucket",
        Duration::from_secs(30),
        |s| s.len() == 15,
    );
    for (le, n) in LAT.classic().buckets() {
        let stored = got
            .iter()
            .find(|s| s.labels["le"].parse::<f64>() == Ok(le))
            .unwrap_or_else(|| panic!("no bucket le={le}: {got:?}"));
        assert_eq!(stored.value, n as f64, "le={le}");
    }
    let inf = got.iter().find(|s| s.labels["le"] == "+Inf").unwrap();
    assert_eq!(inf.value, 2000.0);
    let count = text.wait_for(
        "dual_demo_latency_seconds_count",
        Duration::from_secs(30),
        |s| s.len() == 1,
    );
    assert_eq!(count[0].value, 2000.0);
}
