//! Pushes in the protobuf exposition, std (`PushClient::with_protobuf`) and firmware
//! (`Pushgateway::push_protobuf`), against a real `prometheus-pushgateway` 1.5.1: what the
//! gateway then serves (its `/metrics` in text, and in protobuf when asked for it) is compared
//! with the text of the same registry, every sample, label, value, `# HELP` and `# TYPE`;
//! push_add and delete in protobuf; and what the gateway does with created timestamps and
//! with a native histogram (hand-crafted with prost, since the core writes classic ones).

use std::collections::BTreeMap;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use edgeprom::{Counter, Format, Gauge, Histogram, Summary};
use edgeprom_std::{DynFamily, DynMetric, DynRegistry, Gather, GatherError, PushClient};
use edgeprom_tests::client_model::{decode_families, MetricFamily, Timestamp};
use edgeprom_tests::registry_with_gauges;
use edgeprom_tests::servers::{find, parse_text, poll_until, Pushgateway, Sample};
use prost::Message;

/// The gateway's own series, on every group.
const GATEWAY_SERIES: [&str; 2] = ["push_time_seconds", "push_failure_time_seconds"];

/// A sample with `le` and `quantile` as numbers written one way (Go writes `1`, the core
/// `1.0`), and without the labels in `drop`.
fn normalized(s: &Sample, drop: &[&str]) -> (String, BTreeMap<String, String>, u64) {
    let labels = s
        .labels
        .iter()
        .filter(|(k, _)| !drop.contains(&k.as_str()))
        .map(|(k, v)| match k.as_str() {
            "le" | "quantile" => (
                k.clone(),
                v.parse::<f64>().map_or(v.clone(), |f| f.to_string()),
            ),
            _ => (k.clone(), v.clone()),
        })
        .collect();
    (s.name.clone(), labels, s.value.to_bits())
}

/// `# HELP` and `# TYPE` lines of `text`, but those of `_created` families.
fn headers(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with("# HELP ") || l.starts_with("# TYPE "))
        .filter(|l| !l.split(' ').nth(2).unwrap_or("").ends_with("_created"))
        .collect()
}

/// Asserts that the group `key` on the gateway holds exactly the series of `expected_text`
/// (Prometheus text of the registry pushed; its `_created` gauges left out, as protobuf
/// carries creation times in the messages), with the same values, help and types.
fn assert_group_is(gw: &Pushgateway, key: &[(&str, &str)], expected_text: &str) {
    let key_names: Vec<&str> = key.iter().map(|(k, _)| *k).collect();
    let mut want: Vec<_> = parse_text(expected_text)
        .unwrap()
        .iter()
        .filter(|s| !s.name.ends_with("_created"))
        .map(|s| normalized(s, &[]))
        .collect();
    let served = gw.metrics_text().unwrap();
    let mut got: Vec<_> = parse_text(&served)
        .unwrap()
        .iter()
        .filter(|s| key.iter().all(|(k, v)| s.label(k) == Some(*v)))
        .filter(|s| !GATEWAY_SERIES.contains(&s.name.as_str()))
        .map(|s| normalized(s, &key_names))
        .collect();
    want.sort();
    got.sort();
    assert!(!want.is_empty());
    assert_eq!(got, want, "served:\n{served}\nexpected:\n{expected_text}");
    let served_headers = headers(&served);
    for line in headers(expected_text) {
        assert!(served_headers.contains(&line), "{line:?} not in\n{served}");
    }
}

/// The gateway's `/metrics` in protobuf (asked for as Prometheus does), decoded.
fn served_protobuf(gw: &Pushgateway) -> (String, Vec<MetricFamily>) {
    let mut resp = ureq::get(&format!("{}/metrics", gw.url()))
        .header("Accept", edgeprom::encode::protobuf::CONTENT_TYPE)
        .call()
        .unwrap();
    let ty = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = resp.body_mut().read_to_vec().unwrap();
    (ty, decode_families(&body))
}

/// A registry with every classic type: a counter, a labelled gauge family, a histogram with
/// observations in several buckets, a summary, each with help.
fn recorded() -> DynRegistry {
    let r = DynRegistry::new();
    let jobs = Arc::new(DynMetric::<Counter>::new("pb_jobs", "Jobs done").unwrap());
    let temps =
        Arc::new(DynFamily::<Gauge>::new("pb_temp_celsius", "Temperature", &["room"]).unwrap());
    let latency = Arc::new(DynMetric::<Histogram>::new("pb_latency_seconds", "Latency").unwrap());
    let sizes = Arc::new(DynMetric::<Summary>::new("pb_size_bytes", "Sizes \"quoted\"").unwrap());
    for m in [
        jobs.clone() as Arc<dyn edgeprom::Collect + Send + Sync>,
        temps.clone(),
        latency.clone(),
        sizes.clone(),
    ] {
        r.register(m).unwrap();
    }
    jobs.inc_by(7);
    temps.labels(&["kitchen"]).unwrap().set(21.5);
    temps.labels(&["attic \"top\"\n"]).unwrap().set(-3.25);
    for v in [0.003, 0.04, 0.04, 0.3, 2.0, 100.0] {
        latency.observe(v).unwrap();
    }
    for v in [10.0, 2048.5] {
        sizes.observe(v).unwrap();
    }
    r
}

#[test]
fn std_protobuf_push_arrives_as_recorded_with_push_add_and_delete() {
    let gw = Pushgateway::start().unwrap();
    let client = PushClient::new(&gw.url()).unwrap().with_protobuf(true);
    assert!(client.pushes_protobuf());
    assert!(format!("{client:?}").contains("protobuf"));
    let registry = recorded();
    let key = [("job", "pb"), ("instance", "host-1")];
    client
        .push("pb", &[("instance", "host-1")], &registry)
        .unwrap();
    let text = registry.gather(Format::Prometheus).unwrap();
    assert_group_is(&gw, &key, &text);

    // The gateway serves the pushed families in protobuf too, exactly as sent (its grouping
    // labels added), the created timestamps included (its text has no `_created`).
    let sent = decode_families(&registry.gather_protobuf().unwrap().unwrap());
    assert!(sent.iter().all(|f| f.metric.iter().all(|m| {
        let c = m.counter.as_ref().map(|c| c.created_timestamp.is_some());
        let h = m.histogram.as_ref().map(|h| h.created_timestamp.is_some());
        let s = m.summary.as_ref().map(|s| s.created_timestamp.is_some());
        c.or(h).or(s).unwrap_or(true)
    })));
    let (ty, served) = served_protobuf(&gw);
    assert!(ty.starts_with("application/vnd.google.protobuf"), "{ty}");
    for mut family in sent {
        let name = family.name.clone().unwrap();
        let got = served
            .iter()
            .find(|f| f.name.as_deref() == Some(name.as_str()))
            .unwrap_or_else(|| panic!("{name} not served"));
        for m in &mut family.metric {
            m.label.splice(
                0..0,
                [("instance", "host-1"), ("job", "pb")].map(|(n, v)| {
                    edgeprom_tests::client_model::LabelPair {
                        name: Some(n.into()),
                        value: Some(v.into()),
                    }
                }),
            );
            m.label.sort_by(|a, b| a.name.cmp(&b.name));
        }
        let mut got = got.clone();
        got.metric
            .sort_by(|a, b| format!("{:?}", a.label).cmp(&format!("{:?}", b.label)));
        family
            .metric
            .sort_by(|a, b| format!("{:?}", a.label).cmp(&format!("{:?}", b.label)));
        assert_eq!(got, family, "{name}");
    }

    // POST replaces only the families in the body, in protobuf as in text.
    let newer = registry_with_gauges(&[("pb_temp_celsius", 30.0)]);
    client
        .push_add("pb", &[("instance", "host-1")], &newer)
        .unwrap();
    let s = gw.pushed().unwrap();
    assert_eq!(
        find(&s, "pb_temp_celsius", &key).unwrap().value,
        30.0,
        "replaced"
    );
    assert!(find(
        &s,
        "pb_temp_celsius",
        &[key[0], key[1], ("room", "kitchen")]
    )
    .is_none());
    assert_eq!(find(&s, "pb_jobs_total", &key).unwrap().value, 7.0, "kept");
    assert_eq!(
        find(&s, "pb_latency_seconds_count", &key).unwrap().value,
        6.0
    );

    // PUT of the whole registry again, then DELETE (answered 202, applied from the queue).
    client
        .push("pb", &[("instance", "host-1")], &registry)
        .unwrap();
    assert_group_is(&gw, &key, &text);
    client.delete("pb", &[("instance", "host-1")]).unwrap();
    let gone = poll_until(Duration::from_secs(10), || {
        let s = gw.pushed().ok()?;
        find(&s, "pb_jobs_total", &key).is_none().then_some(s)
    });
    let s = gone.expect("the group deleted");
    assert!(s.iter().all(|s| s.label("job") != Some("pb")), "{s:?}");
}

/// A source that writes only text is pushed as text by a protobuf client.
#[test]
fn a_text_only_source_is_pushed_as_text() {
    struct TextOnly(DynRegistry);
    impl Gather for TextOnly {
        fn gather_into(&self, format: Format, out: &mut String) -> Result<(), GatherError> {
            self.0.gather_into(format, out)
        }
    }
    let gw = Pushgateway::start().unwrap();
    let client = PushClient::new(&gw.url()).unwrap().with_protobuf(true);
    let source = TextOnly(registry_with_gauges(&[("text_only", 4.5)]));
    assert!(source.gather_protobuf().is_none());
    client.push("t", &[], &source).unwrap();
    let s = gw.pushed().unwrap();
    assert_eq!(find(&s, "text_only", &[("job", "t")]).unwrap().value, 4.5);
}

// ---------------------------------------------------------------------------------------------
// A native histogram, hand-crafted: client_model's native fields, which the test crate's
// messages leave out.

/// `io.prometheus.client.BucketSpan`.
#[derive(Clone, PartialEq, Message)]
struct BucketSpan {
    #[prost(sint32, optional, tag = "1")]
    offset: Option<i32>,
    #[prost(uint32, optional, tag = "2")]
    length: Option<u32>,
}

/// `io.prometheus.client.Histogram` with the native fields (and no classic bucket).
#[derive(Clone, PartialEq, Message)]
struct NativeHistogram {
    #[prost(uint64, optional, tag = "1")]
    sample_count: Option<u64>,
    #[prost(double, optional, tag = "2")]
    sample_sum: Option<f64>,
    #[prost(message, optional, tag = "15")]
    created_timestamp: Option<Timestamp>,
    #[prost(sint32, optional, tag = "5")]
    schema: Option<i32>,
    #[prost(double, optional, tag = "6")]
    zero_threshold: Option<f64>,
    #[prost(uint64, optional, tag = "7")]
    zero_count: Option<u64>,
    #[prost(message, repeated, tag = "9")]
    negative_span: Vec<BucketSpan>,
    #[prost(sint64, repeated, tag = "10")]
    negative_delta: Vec<i64>,
    #[prost(message, repeated, tag = "12")]
    positive_span: Vec<BucketSpan>,
    #[prost(sint64, repeated, tag = "13")]
    positive_delta: Vec<i64>,
}

/// `io.prometheus.client.Metric` of a native histogram.
#[derive(Clone, PartialEq, Message)]
struct NativeMetric {
    #[prost(message, repeated, tag = "1")]
    label: Vec<edgeprom_tests::client_model::LabelPair>,
    #[prost(message, optional, tag = "7")]
    histogram: Option<NativeHistogram>,
}

/// `io.prometheus.client.MetricFamily` of native histograms.
#[derive(Clone, PartialEq, Message)]
struct NativeFamily {
    #[prost(string, optional, tag = "1")]
    name: Option<String>,
    #[prost(string, optional, tag = "2")]
    help: Option<String>,
    #[prost(int32, optional, tag = "3")]
    r#type: Option<i32>,
    #[prost(message, repeated, tag = "4")]
    metric: Vec<NativeMetric>,
}

/// 6 observations: 1 in the zero bucket, then (schema 0) 1 in (1, 2], 2 in (2, 4], 1 in
/// (8, 16] and 1 in [-1, -0.5).
fn native_histogram() -> NativeHistogram {
    let span = |offset, length| BucketSpan {
        offset: Some(offset),
        length: Some(length),
    };
    NativeHistogram {
        sample_count: Some(6),
        sample_sum: Some(24.25),
        created_timestamp: Some(Timestamp {
            seconds: 1_700_000_000,
            nanos: 500_000_000,
        }),
        schema: Some(0),
        zero_threshold: Some(1e-128),
        zero_count: Some(1),
        negative_span: vec![span(0, 1)],
        negative_delta: vec![1],
        // Buckets 1, 2 (counts 1, 2), a gap, bucket 4 (count 1).
        positive_span: vec![span(1, 2), span(1, 1)],
        positive_delta: vec![1, 1, -1],
    }
}

/// A source whose protobuf is one hand-crafted native histogram family (its text, never
/// sent by a protobuf client, only the count and sum).
struct Native;

impl Gather for Native {
    fn gather_into(&self, _: Format, out: &mut String) -> Result<(), GatherError> {
        out.push_str("native_h_count 6\nnative_h_sum 24.25\n");
        Ok(())
    }
    fn gather_protobuf(&self) -> Option<Result<Vec<u8>, GatherError>> {
        let family = NativeFamily {
            name: Some("native_h".into()),
            help: Some("A native histogram".into()),
            r#type: Some(4),
            metric: vec![NativeMetric {
                label: vec![],
                histogram: Some(native_histogram()),
            }],
        };
        Some(Ok(family.encode_length_delimited_to_vec()))
    }
}

/// What Pushgateway 1.5.1 does with a native histogram pushed in protobuf: it keeps it (the
/// push is accepted and served back in protobuf with its schema, zero bucket, spans, deltas
/// and created timestamp); its text `/metrics` shows only `_count`, `_sum` and a `+Inf`
/// bucket of the count (the text format has no native buckets).
#[test]
fn native_histograms_pushed_in_protobuf_are_kept_whole() {
    let gw = Pushgateway::start().unwrap();
    let client = PushClient::new(&gw.url()).unwrap().with_protobuf(true);
    client.push("native", &[], &Native).unwrap();

    let mut resp = ureq::get(&format!("{}/metrics", gw.url()))
        .header("Accept", edgeprom::encode::protobuf::CONTENT_TYPE)
        .call()
        .unwrap();
    let mut body: &[u8] = &resp.body_mut().read_to_vec().unwrap();
    let mut served = None;
    while !body.is_empty() {
        let f = NativeFamily::decode_length_delimited(&mut body).unwrap();
        if f.name.as_deref() == Some("native_h") {
            served = Some(f);
        }
    }
    let served = served.expect("native_h served");
    assert_eq!(served.r#type, Some(4));
    assert_eq!(served.help.as_deref(), Some("A native histogram"));
    let [m] = &served.metric[..] else {
        panic!("{served:?}")
    };
    assert_eq!(m.histogram.as_ref(), Some(&native_histogram()));
    let labels: Vec<_> = m
        .label
        .iter()
        .map(|l| (l.name.clone().unwrap(), l.value.clone().unwrap()))
        .collect();
    assert_eq!(
        labels,
        [
            ("instance".to_owned(), String::new()),
            ("job".to_owned(), "native".to_owned())
        ]
    );

    let text = gw.metrics_text().unwrap();
    let s = parse_text(&text).unwrap();
    let key = [("job", "native")];
    assert_eq!(find(&s, "native_h_count", &key).unwrap().value, 6.0);
    assert_eq!(find(&s, "native_h_sum", &key).unwrap().value, 24.25);
    let buckets: Vec<_> = s
        .iter()
        .filter(|s| s.name == "native_h_bucket" && s.label("job") == Some("native"))
        .map(|s| (s.label("le").unwrap().to_owned(), s.value))
        .collect();
    assert_eq!(buckets, [("+Inf".to_owned(), 6.0)], "{text}");
}

// ---------------------------------------------------------------------------------------------
// The firmware's client over TCP.

#[test]
fn embedded_protobuf_push_arrives_as_recorded() {
    use edgeprom::{buckets, Family, Metric, Registry};
    use edgeprom_embedded::{Pushgateway as Gateway, StdIo};

    buckets!(LatencyBuckets: f64 = [0.001, 0.01, 0.1, 1.0]);

    static BOOTS: Metric<Counter> = Metric::new("fw_boots", "Boots since flashing");
    static VOLTS: Family<Gauge, 1, 4> = Family::new("fw_volts", "Rail voltage", ["rail"]);
    static LATENCY: Metric<Histogram<LatencyBuckets>> =
        Metric::new("fw_latency_seconds", "Loop latency");
    static SIZES: Metric<Summary> = Metric::new("fw_frame_bytes", "Frame sizes");
    let mut registry: Registry<'_, 4> = Registry::new()
        .with_const_labels(&[("device", "dev-01")])
        .unwrap();
    registry.register(&BOOTS).unwrap();
    registry.register(&VOLTS).unwrap();
    registry.register(&LATENCY).unwrap();
    registry.register(&SIZES).unwrap();
    BOOTS.inc_by(3);
    VOLTS.labels(["3v3"]).unwrap().set(3.31);
    VOLTS.labels(["5v"]).unwrap().set(4.98);
    for v in [0.0005, 0.02, 0.02, 0.7, 9.0] {
        LATENCY.observe(v).unwrap();
    }
    for v in [64.0, 1500.0, 9000.0] {
        SIZES.observe(v).unwrap();
    }

    let gw = Pushgateway::start().unwrap();
    let host = format!("127.0.0.1:{}", gw.port());
    let grouping = [("instance", "fw")];
    let gateway = Gateway::new(&host, "firmware")
        .unwrap()
        .with_grouping(&grouping)
        .unwrap();
    let key = [("job", "firmware"), ("instance", "fw")];
    let text = registry.gather(Format::Prometheus).unwrap();
    let connect = || StdIo(TcpStream::connect(&host).unwrap());
    // Much smaller than the body (about 370 bytes), and room for the reply's head.
    let mut buf = [0u8; 256];

    // Blocking, through a small buffer.
    let status = gateway
        .push_protobuf(&mut connect(), &registry, &mut buf)
        .unwrap();
    assert_eq!(status, 200);
    assert_group_is(&gw, &key, &text);

    // POST replaces only the families in the body.
    static OTHER_BOOTS: Metric<Counter> = Metric::new("fw_boots", "Boots since flashing");
    OTHER_BOOTS.inc_by(11);
    let mut only_boots: Registry<'_, 1> = Registry::new()
        .with_const_labels(&[("device", "dev-01")])
        .unwrap();
    only_boots.register(&OTHER_BOOTS).unwrap();
    gateway
        .push_add_protobuf(&mut connect(), &only_boots, &mut buf)
        .unwrap();
    let s = gw.pushed().unwrap();
    assert_eq!(find(&s, "fw_boots_total", &key).unwrap().value, 11.0);
    assert_eq!(
        find(&s, "fw_latency_seconds_count", &key).unwrap().value,
        5.0
    );

    // Async, the same document again (PUT).
    let status =
        block_on(gateway.push_protobuf_async(&mut connect(), &registry, &mut buf)).unwrap();
    assert_eq!(status, 200);
    assert_group_is(&gw, &key, &text);
    block_on(gateway.push_add_protobuf_async(&mut connect(), &only_boots, &mut buf)).unwrap();
    let s = gw.pushed().unwrap();
    assert_eq!(find(&s, "fw_boots_total", &key).unwrap().value, 11.0);

    assert_eq!(gateway.delete(&mut connect(), &mut buf).unwrap(), 202);
    let gone = poll_until(Duration::from_secs(10), || {
        let s = gw.pushed().ok()?;
        find(&s, "fw_latency_seconds_count", &key)
            .is_none()
            .then_some(())
    });
    assert!(gone.is_some(), "the group deleted");
}

/// Polls a future to completion (`StdIo` blocks inside `poll`, so it is never pending long).
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}
