//! A program instrumented with the `metrics` facade's macros, recorded by edgeprom-std's
//! `MetricsRecorder`: its OpenMetrics document is accepted by `prometheus_client`'s strict
//! parser (`tests/scripts/parse_openmetrics.py`) and reads back the values the program
//! recorded; its Prometheus text passes `promtool check metrics`; its protobuf exposition and
//! remote-write request hold the same series. Cardinality stays bounded by the overflow
//! series, counted in the self-metric.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::Arc;

use edgeprom::Format;
use edgeprom_std::{DynRegistry, Gather, MetricsRecorder};

/// The program: requests by route and status, a queue gauge, a latency histogram; one
/// route per request id, so the family overflows.
fn instrumented_program(recorder: &MetricsRecorder) {
    metrics::with_local_recorder(recorder, || {
        metrics::describe_counter!("http_requests_total", "HTTP requests served");
        metrics::describe_histogram!("http_latency_seconds", "Request latency");
        // promtool's lint wants help text on every family: an undescribed name has none.
        metrics::describe_gauge!("work.queue.depth", "Jobs waiting");
        for i in 0..10u32 {
            let route = format!("/api/v1/organizations/{{org_id}}/projects/{i}");
            let status = if i % 3 == 0 { "500" } else { "200" };
            metrics::counter!("http_requests_total", "route" => route, "status" => status)
                .increment(u64::from(i) + 1);
            metrics::histogram!("http_latency_seconds").record(f64::from(i) * 0.1);
        }
        let depth = metrics::gauge!("work.queue.depth");
        depth.set(4.0);
        depth.decrement(1.5);
    });
}

/// The parser's families as (name, type, [(sample name, labels, value)]).
type Parsed = Vec<(String, String, Vec<(String, Vec<(String, String)>, f64)>)>;

fn parse_openmetrics(doc: &str) -> Parsed {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/parse_openmetrics.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 with prometheus_client");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(doc.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("python3");
    assert!(
        out.status.success(),
        "the strict parser rejects the document: {}\n{doc}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let s = |v: &serde_json::Value| v.as_str().expect("string").to_owned();
    json["families"]
        .as_array()
        .expect("families")
        .iter()
        .map(|f| {
            let samples = f["samples"]
                .as_array()
                .expect("samples")
                .iter()
                .map(|x| {
                    let mut labels: Vec<(String, String)> = x["labels"]
                        .as_object()
                        .expect("labels")
                        .iter()
                        .map(|(k, v)| (k.clone(), s(v)))
                        .collect();
                    labels.sort();
                    let v = s(&x["value"]).parse().expect("number");
                    (s(&x["name"]), labels, v)
                })
                .collect();
            (s(&f["name"]), s(&f["type"]), samples)
        })
        .collect()
}

fn promtool_check(doc: &str) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian package `prometheus`)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(doc.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("promtool");
    assert!(
        out.status.success(),
        "promtool: {}{}\n{doc}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    v.sort();
    v
}

fn value(parsed: &Parsed, sample: &str, want: &[(&str, &str)]) -> Option<f64> {
    let want = labels(want);
    parsed
        .iter()
        .flat_map(|f| &f.2)
        .find(|(n, l, _)| n == sample && *l == want)
        .map(|s| s.2)
}

#[test]
fn a_metrics_program_exports_through_edgeprom_in_every_format() {
    let registry = Arc::new(DynRegistry::new());
    let recorder = MetricsRecorder::new(registry.clone())
        .with_max_series(6)
        .with_overflow_value("other");
    instrumented_program(&recorder);

    let doc = registry.gather(Format::OpenMetrics).expect("gather");
    let parsed = parse_openmetrics(&doc);
    let ty = |name: &str| {
        parsed
            .iter()
            .find(|f| f.0 == name)
            .map(|f| f.1.clone())
            .unwrap_or_else(|| panic!("no family {name} in\n{doc}"))
    };
    assert_eq!(ty("http_requests"), "counter");
    assert_eq!(ty("http_latency_seconds"), "histogram");
    assert_eq!(ty("work_queue_depth"), "gauge");
    assert_eq!(ty("edgeprom_label_sets_refused"), "counter");
    // Five label sets of their own (max 6, one slot kept for the overflow series): requests
    // 0..=4 keep theirs, 5..=9 (6 + 7 + 8 + 9 + 10 = 40) are folded.
    for i in 0..5u32 {
        let route = format!("/api/v1/organizations/{{org_id}}/projects/{i}");
        let status = if i % 3 == 0 { "500" } else { "200" };
        assert_eq!(
            value(
                &parsed,
                "http_requests_total",
                &[("route", &route), ("status", status)]
            ),
            Some(f64::from(i) + 1.0),
            "{doc}"
        );
    }
    assert_eq!(
        value(
            &parsed,
            "http_requests_total",
            &[("route", "other"), ("status", "other")]
        ),
        Some(40.0)
    );
    assert_eq!(
        value(
            &parsed,
            "edgeprom_label_sets_refused_total",
            &[("family", "http_requests")]
        ),
        Some(5.0)
    );
    let series = parsed
        .iter()
        .find(|f| f.0 == "http_requests")
        .map(|f| f.2.iter().filter(|s| s.0 == "http_requests_total").count());
    assert_eq!(series, Some(6));
    // The histogram: 0.0, 0.1, ..., 0.9 in Python's default buckets.
    assert_eq!(
        value(&parsed, "http_latency_seconds_count", &[]),
        Some(10.0)
    );
    assert_eq!(
        value(&parsed, "http_latency_seconds_bucket", &[("le", "0.25")]),
        Some(3.0)
    );
    assert_eq!(
        value(&parsed, "http_latency_seconds_bucket", &[("le", "0.75")]),
        Some(8.0)
    );
    assert_eq!(
        value(&parsed, "http_latency_seconds_bucket", &[("le", "+Inf")]),
        Some(10.0)
    );
    let sum = value(&parsed, "http_latency_seconds_sum", &[]).expect("sum");
    assert!((sum - 4.5).abs() < 1e-9, "{sum}");
    assert_eq!(value(&parsed, "work_queue_depth", &[]), Some(2.5));
    // Created times of every series (stamped by the DynRegistry's clock).
    assert!(value(
        &parsed,
        "http_requests_created",
        &[("route", "other"), ("status", "other")]
    )
    .is_some());

    // Text 0.0.4 and 1.0.0 pass promtool's checks.
    promtool_check(&registry.gather(Format::Prometheus).expect("gather"));
    promtool_check(&registry.gather(Format::PrometheusV1).expect("gather"));
    // The protobuf exposition holds the same families (names as length-delimited strings).
    let pb = registry
        .gather_protobuf()
        .expect("DynRegistry writes protobuf")
        .expect("gather");
    for name in [
        "http_requests_total",
        "http_latency_seconds",
        "work_queue_depth",
    ] {
        assert!(
            pb.windows(name.len()).any(|w| w == name.as_bytes()),
            "{name} in the protobuf exposition"
        );
    }
}

/// `histogram!` into native histograms (`MetricsRecorder::native`): the protobuf exposition
/// carries them native (schema, spans) with the exact count and sum, and text has their count
/// and sum; with `DualHistogram` text has the classic buckets too, and Python's strict parser
/// takes it.
#[test]
fn histograms_can_be_native_or_dual() {
    use edgeprom::DualHistogram;
    use edgeprom_tests::client_model::decode_families;
    let values: Vec<f64> = (1..=200).map(|i| f64::from(i) * 0.005).collect();
    let record = |r: &dyn metrics::Recorder| {
        metrics::with_local_recorder(r, || {
            for &v in &values {
                metrics::histogram!("job_seconds", "stage" => "fetch").record(v);
            }
            metrics::histogram!("job_seconds", "stage" => "fetch").record(f64::NAN);
        })
    };
    let exact_sum: f64 = values.iter().sum();

    let native_reg = Arc::new(DynRegistry::new());
    let native = MetricsRecorder::native(native_reg.clone());
    record(&native);
    let pb = native_reg.gather_protobuf().expect("protobuf").unwrap();
    let families = decode_families(&pb);
    let job = families
        .iter()
        .find(|f| f.name.as_deref() == Some("job_seconds"))
        .expect("the family");
    let h = job.metric[0].histogram.as_ref().expect("a histogram");
    assert!(h.schema.is_some(), "native: {h:?}");
    assert!(!h.positive_span.is_empty());
    assert_eq!(h.sample_count, Some(200), "NaN dropped");
    assert!((h.sample_sum.unwrap() - exact_sum).abs() < 1e-9);
    assert!(h.bucket.is_empty(), "no classic buckets");
    let text = native_reg.gather(Format::Prometheus).unwrap();
    assert!(
        text.contains("job_seconds_count{stage=\"fetch\"} 200\n"),
        "{text}"
    );

    let dual_reg = Arc::new(DynRegistry::new());
    let dual: MetricsRecorder<DualHistogram> = MetricsRecorder::with_histograms(dual_reg.clone());
    record(&dual);
    let doc = dual_reg.gather(Format::OpenMetrics).unwrap();
    let parsed = parse_openmetrics(&doc);
    let le = |b: &str| {
        value(
            &parsed,
            "job_seconds_bucket",
            &[("stage", "fetch"), ("le", b)],
        )
    };
    let upto = |b: f64| values.iter().filter(|&&v| v <= b).count() as f64;
    assert_eq!(le("0.1"), Some(upto(0.1)), "{doc}");
    assert_eq!(le("0.5"), Some(upto(0.5)), "{doc}");
    assert_eq!(le("+Inf"), Some(200.0));
    let pb = dual_reg.gather_protobuf().expect("protobuf").unwrap();
    let families = decode_families(&pb);
    let h = families
        .iter()
        .find(|f| f.name.as_deref() == Some("job_seconds"))
        .and_then(|f| f.metric[0].histogram.clone())
        .expect("a histogram");
    assert!(
        h.schema.is_some() && !h.bucket.is_empty(),
        "both parts: {h:?}"
    );
}
