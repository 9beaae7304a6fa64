//! Exemplars (OpenMetrics 1.0) read back by the reference parsers:
//! - `prometheus_client` 0.26's strict OpenMetrics parser reads every exemplar exactly (labels
//!   with escapes and multi-byte characters, 128 characters in all, none, values integer and
//!   float, timestamps with and without a fraction, none) from a registry of static metrics,
//!   families, and the std adapter's dynamic metrics; samples without one read none;
//! - its Prometheus-text parser reads the text 0.0.4 document, which has no exemplars, with
//!   the same values;
//! - the protobuf exposition, decoded by prost, has the same exemplars in `Counter.exemplar`
//!   and `Bucket.exemplar`, in a buffer and streamed alike.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::{Arc, Once};
use std::time::Duration;

use edgeprom::encode::SliceWriter;
use edgeprom::{CounterWithExemplar, Family, Format, HistogramWithExemplars, Metric, Registry};
use edgeprom_std::{DynFamily, DynMetric, DynRegistry, Gather};
use edgeprom_tests::client_model::{decode_families, Exemplar as PbExemplar, LabelPair};
use serde_json::Value;

edgeprom::buckets!(Bounds: f64 = [0.1, 1.0, 10.0]);
edgeprom::buckets!(Whole: u64 = [10, 100]);

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN: &str = "00f067aa0ba902b7";
/// Escapes, multi-byte characters and the exemplar syntax's own characters. An even number
/// of `"`: prometheus_client 0.26's exemplar scanner toggles "in quotes" on an escaped `\"`
/// as well, so it rejects a value with an odd number of them (`{note="a\"b"}`, valid
/// OpenMetrics, which the core's unit tests check is written so).
const AWKWARD: &str = "a\"b\"\\c\nd é€𝄞 #{}";

static REQUESTS: Metric<CounterWithExemplar> = Metric::new("requests", "Requests.");
static BYTES: Family<CounterWithExemplar<f64>, 1, 4> =
    Family::new("transfer_bytes", "Bytes.", ["dir"]);
static LATENCY: Metric<HistogramWithExemplars<Bounds>> = Metric::new("latency_seconds", "Latency.");
static SIZES: Family<HistogramWithExemplars<Whole, 32>, 1, 2> =
    Family::new("frame_bytes", "Frames.", ["port"]);
/// Room for 128 two-byte characters.
static LIMIT: Metric<CounterWithExemplar<u64, 260>> = Metric::new("limit", "At the limit.");

/// One expected exemplar: labels, value, timestamp.
#[derive(Debug, Clone, PartialEq)]
struct Want {
    labels: BTreeMap<String, String>,
    value: f64,
    timestamp: Option<(u64, u32)>,
}

fn want(labels: &[(&str, &str)], value: f64, timestamp: Option<Duration>) -> Want {
    Want {
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        value,
        timestamp: timestamp.map(|t| (t.as_secs(), t.subsec_nanos())),
    }
}

/// A sample: its name and labels.
type Key = (String, BTreeMap<String, String>);

/// Sample -> the exemplar it must carry (`None`: none).
type Expected = BTreeMap<Key, Option<Want>>;

fn key(name: &str, labels: &[(&str, &str)]) -> Key {
    let labels = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    (name.to_string(), labels)
}

/// Records the updates once; the exemplars every sample of the registry carries.
fn record() -> Expected {
    static ONCE: Once = Once::new();
    let t1 = Duration::new(1_520_879_607, 789_000_000);
    let t2 = Duration::new(1_700_000_000, 0);
    let t3 = Duration::new(1_700_000_001, 1);
    let e128 = "é".repeat(127);
    ONCE.call_once(|| {
        REQUESTS
            .inc_by_with_exemplar(1, &[("trace_id", "first")], None)
            .unwrap();
        REQUESTS
            .inc_by_with_exemplar(3, &[("trace_id", TRACE), ("span_id", SPAN)], Some(t1))
            .unwrap();
        let up = BYTES.labels(["up"]).unwrap();
        up.inc_by_with_exemplar(1.5, &[], None).unwrap();
        let down = BYTES.labels(["down"]).unwrap();
        down.inc_by_with_exemplar(0.25, &[("note", AWKWARD)], Some(t2))
            .unwrap();
        BYTES.labels(["none"]).unwrap().inc_by(2.0).unwrap();
        LATENCY.observe(0.05).unwrap();
        LATENCY
            .observe_with_exemplar(0.07, &[("trace_id", "a")], Some(t3))
            .unwrap();
        LATENCY
            .observe_with_exemplar(5.5, &[("trace_id", "b")], None)
            .unwrap();
        LATENCY
            .observe_with_exemplar(42.0, &[("trace_id", "c")], Some(t1))
            .unwrap();
        let p = SIZES.labels(["eth0"]).unwrap();
        p.observe_with_exemplar(50, &[("frame", "7")], None)
            .unwrap();
        p.observe(500).unwrap();
        LIMIT.inc_with_exemplar(&[("k", &e128)], Some(t2)).unwrap();
    });
    let mut e = Expected::new();
    let mut put = |name: &str, labels: &[(&str, &str)], w: Option<Want>| {
        e.insert(key(name, labels), w);
    };
    let both = [("trace_id", TRACE), ("span_id", SPAN)];
    put("requests_total", &[], Some(want(&both, 3.0, Some(t1))));
    put(
        "transfer_bytes_total",
        &[("dir", "up")],
        Some(want(&[], 1.5, None)),
    );
    let awkward = [("note", AWKWARD)];
    put(
        "transfer_bytes_total",
        &[("dir", "down")],
        Some(want(&awkward, 0.25, Some(t2))),
    );
    put("transfer_bytes_total", &[("dir", "none")], None);
    let h = "latency_seconds_bucket";
    put(
        h,
        &[("le", "0.1")],
        Some(want(&[("trace_id", "a")], 0.07, Some(t3))),
    );
    put(h, &[("le", "1.0")], None);
    put(
        h,
        &[("le", "10.0")],
        Some(want(&[("trace_id", "b")], 5.5, None)),
    );
    put(
        h,
        &[("le", "+Inf")],
        Some(want(&[("trace_id", "c")], 42.0, Some(t1))),
    );
    let f = "frame_bytes_bucket";
    put(f, &[("port", "eth0"), ("le", "10.0")], None);
    put(
        f,
        &[("port", "eth0"), ("le", "100.0")],
        Some(want(&[("frame", "7")], 50.0, None)),
    );
    put(f, &[("port", "eth0"), ("le", "+Inf")], None);
    put(
        "limit_total",
        &[],
        Some(want(&[("k", &e128)], 1.0, Some(t2))),
    );
    e
}

fn registry() -> Registry<'static, 5> {
    let mut r = Registry::new();
    r.register(&REQUESTS).unwrap();
    r.register(&BYTES).unwrap();
    r.register(&LATENCY).unwrap();
    r.register(&SIZES).unwrap();
    r.register(&LIMIT).unwrap();
    r
}

/// Runs the parser script on `doc` (`text`: the Prometheus-text parser); its JSON.
fn python(doc: &str, text: bool) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/parse_openmetrics.py");
    let mut cmd = Command::new("python3");
    cmd.arg(script);
    if text {
        cmd.arg("text");
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut stdin = child.stdin.take().unwrap();
    let input = doc.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "prometheus_client rejected it: {err}\n{doc}"
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every sample Python read: (name, labels) -> (value, exemplar).
fn samples(json: &Value) -> BTreeMap<Key, (f64, Option<Want>)> {
    let strings = |v: &Value| -> BTreeMap<String, String> {
        v.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect()
    };
    let mut out = BTreeMap::new();
    for f in json["families"].as_array().unwrap() {
        for s in f["samples"].as_array().unwrap() {
            let key = (
                s["name"].as_str().unwrap().to_owned(),
                strings(&s["labels"]),
            );
            let value: f64 = s["value"].as_str().unwrap().parse().unwrap();
            let ex = &s["exemplar"];
            let ex = (!ex.is_null()).then(|| Want {
                labels: strings(&ex["labels"]),
                value: ex["value"].as_str().unwrap().parse().unwrap(),
                timestamp: ex["timestamp"]
                    .as_array()
                    .map(|t| (t[0].as_u64().unwrap(), t[1].as_u64().unwrap() as u32)),
            });
            assert!(out.insert(key, (value, ex)).is_none(), "a sample twice");
        }
    }
    out
}

fn check_openmetrics(doc: &str, expected: &Expected) {
    let read = samples(&python(doc, false));
    for (key, want) in expected {
        let (_, got) = read
            .get(key)
            .unwrap_or_else(|| panic!("{key:?} not read\n{doc}"));
        assert_eq!(got, want, "{key:?}\n{doc}");
    }
    // Only the samples listed carry exemplars.
    for (key, (_, ex)) in &read {
        if !expected.contains_key(key) {
            assert_eq!(ex, &None, "{key:?}\n{doc}");
        }
    }
}

#[test]
fn prometheus_client_reads_every_exemplar_exactly() {
    let expected = record();
    let mut doc = String::new();
    registry().encode_to(Format::OpenMetrics, &mut doc).unwrap();
    assert!(doc.contains(" # {"), "{doc}");
    check_openmetrics(&doc, &expected);
}

#[test]
fn prometheus_text_has_no_exemplars_and_the_same_values() {
    let _ = record();
    let r = registry();
    let mut om = String::new();
    r.encode_to(Format::OpenMetrics, &mut om).unwrap();
    let om = samples(&python(&om, false));
    for format in [Format::Prometheus, Format::PrometheusV1] {
        let mut text = String::new();
        r.encode_to(format, &mut text).unwrap();
        assert!(!text.contains(" # "), "{text}");
        let read = samples(&python(&text, true));
        for (key, (value, ex)) in &read {
            assert_eq!(ex, &None);
            if let Some((v, _)) = om.get(key) {
                assert_eq!(v, value, "{key:?}");
            }
        }
        assert!(read.contains_key(&key("requests_total", &[])));
    }
}

#[test]
fn the_std_adapter_s_dynamic_metrics_carry_exemplars() {
    let jobs = Arc::new(DynMetric::<CounterWithExemplar>::new("dyn_jobs", "Jobs").unwrap());
    let rpc = Arc::new(
        DynFamily::<HistogramWithExemplars>::new("dyn_rpc_seconds", "RPC", &["method"]).unwrap(),
    );
    let registry = DynRegistry::new();
    registry.register(jobs.clone()).unwrap();
    registry.register(rpc.clone()).unwrap();
    let at = Duration::new(1_700_000_002, 500_000_000);
    jobs.inc_by_with_exemplar(4, &[("trace_id", TRACE)], Some(at))
        .unwrap();
    rpc.labels(&["Get"])
        .unwrap()
        .observe_with_exemplar(0.3, &[("trace_id", SPAN)], None)
        .unwrap();
    let doc = registry.gather(Format::OpenMetrics).unwrap();
    let mut expected = Expected::new();
    expected.insert(
        key("dyn_jobs_total", &[]),
        Some(want(&[("trace_id", TRACE)], 4.0, Some(at))),
    );
    expected.insert(
        key(
            "dyn_rpc_seconds_bucket",
            &[("method", "Get"), ("le", "0.5")],
        ),
        Some(want(&[("trace_id", SPAN)], 0.3, None)),
    );
    check_openmetrics(&doc, &expected);
    let text = registry.gather(Format::Prometheus).unwrap();
    assert!(!text.contains(" # {"), "{text}");
}

/// A decoded exemplar as a [`Want`].
fn from_pb(e: &PbExemplar) -> Want {
    let pair = |l: &LabelPair| (l.name.clone().unwrap(), l.value.clone().unwrap());
    Want {
        labels: e.label.iter().map(pair).collect(),
        value: e.value.unwrap(),
        timestamp: e
            .timestamp
            .as_ref()
            .map(|t| (t.seconds as u64, t.nanos as u32)),
    }
}

#[test]
fn protobuf_carries_the_same_exemplars() {
    let expected = record();
    let r = registry();
    let n = r.protobuf_len().unwrap();
    let mut buf = vec![0u8; n];
    assert_eq!(r.encode_protobuf(&mut buf), Ok(n));
    let mut streamed = vec![0u8; n];
    let mut sink = SliceWriter::new(&mut streamed);
    assert_eq!(r.write_protobuf(&mut sink), Ok(n));
    assert_eq!(streamed, buf, "streamed and in-buffer bytes differ");
    let mut got = Expected::new();
    for fam in decode_families(&buf) {
        let name = fam.name.clone().unwrap();
        for m in &fam.metric {
            let labels: Vec<(String, String)> = m
                .label
                .iter()
                .map(|l| (l.name.clone().unwrap(), l.value.clone().unwrap()))
                .collect();
            let with = |extra: Option<(&str, String)>| {
                let mut l: BTreeMap<String, String> = labels.iter().cloned().collect();
                if let Some((k, v)) = extra {
                    l.insert(k.into(), v);
                }
                l
            };
            if let Some(c) = &m.counter {
                got.insert((name.clone(), with(None)), c.exemplar.as_ref().map(from_pb));
            }
            if let Some(h) = &m.histogram {
                let base = name.clone() + "_bucket";
                for b in &h.bucket {
                    let le = match b.upper_bound.unwrap() {
                        f if f.is_infinite() => "+Inf".to_owned(),
                        f if f.fract() == 0.0 => format!("{f:.1}"),
                        f => format!("{f}"),
                    };
                    let ex = b.exemplar.as_ref().map(from_pb);
                    got.insert((base.clone(), with(Some(("le", le)))), ex);
                }
            }
        }
    }
    assert_eq!(got, expected);
}

/// The exemplars do not depend on the negotiated escaping (their label names are legacy
/// names): `allow-utf-8` writes the same document.
#[test]
fn escaping_leaves_exemplars_alone() {
    let _ = record();
    let r = registry();
    let mut a = String::new();
    r.encode_to_escaped(Format::OpenMetrics, edgeprom::Escaping::AllowUtf8, &mut a)
        .unwrap();
    let mut b = String::new();
    r.encode_to(Format::OpenMetrics, &mut b).unwrap();
    assert_eq!(a, b);
}

/// Prometheus 2.42 with exemplar storage scrapes the std endpoint, in OpenMetrics (its
/// default) and in protobuf (native histograms on: protobuf first), and keeps every exemplar:
/// labels (an odd number of escaped quotes too, which its Go parser reads; see below on how it
/// keeps them), value, timestamp (in milliseconds, as Prometheus keeps them).
#[test]
fn prometheus_2_42_keeps_the_exemplars_it_scrapes() {
    use edgeprom_std::ScrapeServer;
    use edgeprom_tests::servers::{http_get, poll_until, Prometheus};
    for native in [false, true] {
        let ns = if native { "pb" } else { "om" };
        let counter: &'static Metric<CounterWithExemplar> =
            Box::leak(Box::new(Metric::new("px_requests", "Requests.")));
        let hist: &'static Metric<HistogramWithExemplars<Bounds>> =
            Box::leak(Box::new(Metric::new("px_latency_seconds", "Latency.")));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        let at = Duration::from_millis(now.as_millis() as u64 - 1_000);
        let odd = "a\"b é";
        counter
            .inc_by_with_exemplar(3, &[("trace_id", TRACE), ("note", odd)], Some(at))
            .unwrap();
        hist.observe_with_exemplar(0.5, &[("trace_id", SPAN)], Some(at))
            .unwrap();
        let mut r: Registry<'static, 2> = Registry::new().with_namespace(ns).unwrap();
        r.register(counter).unwrap();
        r.register(hist).unwrap();
        let server = ScrapeServer::bind("127.0.0.1:0", Arc::new(r)).unwrap();
        let prom = Prometheus::start_exemplars(server.local_addr().port(), native).unwrap();
        let exemplars = |query: &str| -> Option<Vec<Value>> {
            let url = format!(
                "{}/api/v1/query_exemplars?query={query}&start=0&end={}",
                prom.url(),
                now.as_secs() + 3600
            );
            let (status, body) = http_get(&url).ok()?;
            let json: Value = serde_json::from_str(&body).ok()?;
            let series = json["data"].as_array()?;
            let all: Vec<Value> = series
                .iter()
                .flat_map(|s| s["exemplars"].as_array().cloned().unwrap_or_default())
                .collect();
            (status == 200 && !all.is_empty()).then_some(all)
        };
        let counter_query = format!("{ns}_px_requests_total");
        let got = poll_until(Duration::from_secs(30), || exemplars(&counter_query))
            .unwrap_or_else(|| panic!("{ns}: no exemplar stored for {counter_query}"));
        let e = &got[0];
        let labels: BTreeMap<String, String> = e["labels"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        // Prometheus' OpenMetrics parser keeps an exemplar's label values as written, without
        // undoing their escapes (`OpenMetricsParser.Exemplar`, unlike the series' labels,
        // through 3.x): it stores the value as the document escapes it. From protobuf, which
        // has no escapes, it is the value itself.
        let note = if native { odd } else { "a\\\"b é" };
        assert_eq!(
            labels,
            want(&[("trace_id", TRACE), ("note", note)], 3.0, None).labels
        );
        assert_eq!(e["value"].as_str(), Some("3"), "{ns}: {e}");
        let ts = e["timestamp"].as_f64().unwrap();
        assert_eq!((ts * 1000.0).round() as u128, at.as_millis(), "{ns}: {e}");
        let bucket_query = format!("{ns}_px_latency_seconds_bucket");
        let got = poll_until(Duration::from_secs(30), || exemplars(&bucket_query))
            .unwrap_or_else(|| panic!("{ns}: no exemplar stored for {bucket_query}"));
        assert_eq!(got[0]["labels"]["trace_id"].as_str(), Some(SPAN), "{ns}");
        assert_eq!(got[0]["value"].as_str(), Some("0.5"), "{ns}");
    }
}
