//! UTF-8 metric and label names, read back by real parsers and a real Prometheus:
//! - `prometheus_client` 0.26's OpenMetrics and Prometheus-text parsers (both read quoted
//!   names) read every name exactly from OpenMetrics 1.0.0 and text 1.0.0 written with
//!   `allow-utf-8`, and the escaped names from the documents escaped by each scheme;
//! - `promtool check metrics` (Prometheus 2.42) accepts the escaped text documents and
//!   rejects the quoted one (so the check can fail);
//! - Prometheus 2.42 scraping the std endpoint (it asks for OpenMetrics without `escaping=`)
//!   is answered with `underscores` and stores the escaped names; the endpoint answers
//!   Prometheus 3.x's header with quoted OpenMetrics, and a `dots` scraper with dots;
//! - the protobuf exposition, Prometheus 2.42 with native histograms (protobuf first) and
//!   Pushgateway 1.5.1 pushes (text and protobuf) get escaped names.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use edgeprom::{
    Counter, Escaping, Family, FamilyBuilder, Format, Gauge, Histogram, Metric, Registry,
};
use edgeprom_std::{Gather, GatherError, ScrapeServer};
use edgeprom_tests::servers::{poll_until, Prometheus};
use serde_json::Value;

static DOTTED: Metric<Counter> = Metric::utf8("my.metric_total", "A dotted counter.");
static REQUESTS: Family<Counter, 1, 4, 16> =
    FamilyBuilder::new("http.server.requests", "Requests.", ["http.method"])
        .utf8()
        .build();
static LATENCY: Family<Histogram, 1, 1, 16> =
    FamilyBuilder::new("rpc.latency_seconds", "Latency.", ["rpc.system"])
        .utf8()
        .build::<Histogram, 1, 16>();
static TEMPERATURE: Metric<Gauge> = Metric::utf8("temperature.\u{b0}celsius", "Temperature.");
static LEGACY: Metric<Gauge> = Metric::new("legacy_level", "A legacy name.");

fn registry() -> Registry<'static, 5> {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        DOTTED.inc_by(1);
        REQUESTS.labels(["get"]).unwrap().inc_by(2);
        REQUESTS.labels(["post"]).unwrap().inc_by(5);
        LATENCY.labels(["grpc"]).unwrap().observe(0.2).unwrap();
        TEMPERATURE.set(21.5);
        LEGACY.set(3.0);
    });
    let mut r = Registry::new();
    r.register(&DOTTED).unwrap();
    r.register(&REQUESTS).unwrap();
    r.register(&LATENCY).unwrap();
    r.register(&TEMPERATURE).unwrap();
    r.register(&LEGACY).unwrap();
    r
}

fn doc(format: Format, escaping: Escaping) -> String {
    let mut s = String::new();
    registry()
        .encode_to_escaped(format, escaping, &mut s)
        .unwrap();
    s
}

/// Runs `cmd` with `input` on stdin: its exit status and stdout, stderr.
fn run(cmd: &mut Command, input: &str) -> (bool, String, String) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

/// Family name -> (type, every (sample name, labels) -> value), as prometheus_client read it.
type Read = BTreeMap<String, (String, BTreeMap<(String, BTreeMap<String, String>), f64>)>;

fn python(parser: &str, doc: &str) -> Read {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/parse_openmetrics.py");
    let args: &[&str] = if parser == "text" {
        &[script, "text"]
    } else {
        &[script]
    };
    let (ok, out, err) = run(Command::new("python3").args(args), doc);
    assert!(
        ok,
        "prometheus_client ({parser}) rejected the document: {err}\n{doc}"
    );
    let json: Value = serde_json::from_str(&out).unwrap();
    let mut read = Read::new();
    for f in json["families"].as_array().unwrap() {
        let mut samples = BTreeMap::new();
        for s in f["samples"].as_array().unwrap() {
            let labels = s["labels"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect();
            let key = (s["name"].as_str().unwrap().to_owned(), labels);
            // The value as Python's repr of the number it parsed ("2", "21.5").
            let value: f64 = s["value"].as_str().unwrap().parse().unwrap();
            samples.insert(key, value);
        }
        let ty = f["type"].as_str().unwrap().to_owned();
        read.insert(f["name"].as_str().unwrap().to_owned(), (ty, samples));
    }
    read
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|&(k, v)| (k.into(), v.into())).collect()
}

/// The names `names` maps the UTF-8 ones to: what every check below expects to read back.
struct Names {
    dotted: &'static str,
    requests: &'static str,
    method: &'static str,
    latency: &'static str,
    system: &'static str,
    temperature: &'static str,
}

const UTF8: Names = Names {
    dotted: "my.metric",
    requests: "http.server.requests",
    method: "http.method",
    latency: "rpc.latency_seconds",
    system: "rpc.system",
    temperature: "temperature.\u{b0}celsius",
};
const UNDERSCORES: Names = Names {
    dotted: "my_metric",
    requests: "http_server_requests",
    method: "http_method",
    latency: "rpc_latency_seconds",
    system: "rpc_system",
    temperature: "temperature__celsius",
};
const DOTS: Names = Names {
    dotted: "my_dot_metric",
    requests: "http_dot_server_dot_requests",
    method: "http_dot_method",
    latency: "rpc_dot_latency__seconds",
    system: "rpc_dot_system",
    temperature: "temperature_dot__celsius",
};
const VALUES: Names = Names {
    dotted: "U__my_2E_metric",
    requests: "U__http_2E_server_2E_requests",
    method: "U__http_2E_method",
    latency: "U__rpc_2E_latency__seconds",
    system: "U__rpc_2E_system",
    temperature: "U__temperature_2E__B0_celsius",
};

/// Checks that `read` holds exactly the families of the registry under `n`, with their
/// samples' names, label names and values.
fn check(read: &Read, n: &Names, what: &str) {
    let families: BTreeSet<&str> = read.keys().map(String::as_str).collect();
    let want: BTreeSet<&str> = [
        n.dotted,
        n.requests,
        n.latency,
        n.temperature,
        "legacy_level",
    ]
    .into_iter()
    .collect();
    assert_eq!(families, want, "{what}: families");
    let sample = |family: &str, name: String, l: &[(&str, &str)]| -> f64 {
        let (_, samples) = &read[family];
        *samples
            .get(&(name.clone(), labels(l)))
            .unwrap_or_else(|| panic!("{what}: no {name}{l:?} in {samples:?}"))
    };
    assert_eq!(read[n.dotted].0, "counter", "{what}");
    assert_eq!(sample(n.dotted, format!("{}_total", n.dotted), &[]), 1.0);
    assert_eq!(read[n.requests].0, "counter", "{what}");
    let total = format!("{}_total", n.requests);
    assert_eq!(sample(n.requests, total.clone(), &[(n.method, "get")]), 2.0);
    assert_eq!(sample(n.requests, total, &[(n.method, "post")]), 5.0);
    assert_eq!(read[n.latency].0, "histogram", "{what}");
    let bucket = format!("{}_bucket", n.latency);
    let inf = [(n.system, "grpc"), ("le", "+Inf")];
    assert_eq!(sample(n.latency, bucket, &inf), 1.0);
    let count = format!("{}_count", n.latency);
    assert_eq!(sample(n.latency, count, &[(n.system, "grpc")]), 1.0);
    assert_eq!(read[n.temperature].0, "gauge", "{what}");
    assert_eq!(sample(n.temperature, n.temperature.into(), &[]), 21.5);
    assert_eq!(sample("legacy_level", "legacy_level".into(), &[]), 3.0);
    // Every label name of every sample is one of the registry's, under `n`.
    for (family, (_, samples)) in read {
        for (name, l) in samples.keys() {
            assert!(
                name.starts_with(family.as_str()),
                "{what}: {name} in {family}"
            );
            for k in l.keys() {
                assert!(
                    [n.method, n.system, "le"].contains(&k.as_str()),
                    "{what}: {k}"
                );
            }
        }
    }
}

#[test]
fn prometheus_client_reads_quoted_names_exactly() {
    let om = doc(Format::OpenMetrics, Escaping::AllowUtf8);
    assert!(om.contains("{\"my.metric_total\"} 1\n"), "{om}");
    check(
        &python("openmetrics", &om),
        &UTF8,
        "OpenMetrics allow-utf-8",
    );
    let text = doc(Format::PrometheusV1, Escaping::AllowUtf8);
    check(&python("text", &text), &UTF8, "text 1.0.0 allow-utf-8");
}

#[test]
fn prometheus_client_reads_escaped_names() {
    for (escaping, names) in [
        (Escaping::Underscores, &UNDERSCORES),
        (Escaping::Dots, &DOTS),
        (Escaping::Values, &VALUES),
    ] {
        let om = doc(Format::OpenMetrics, escaping);
        assert!(!om.contains("{\""), "no quoted name: {om}");
        check(
            &python("openmetrics", &om),
            names,
            &format!("OpenMetrics {escaping}"),
        );
        for format in [Format::Prometheus, Format::PrometheusV1] {
            let text = doc(format, escaping);
            check(
                &python("text", &text),
                names,
                &format!("{format:?} {escaping}"),
            );
        }
    }
}

#[test]
fn promtool_accepts_the_escaped_documents_only() {
    for escaping in [Escaping::Underscores, Escaping::Dots, Escaping::Values] {
        for format in [Format::Prometheus, Format::PrometheusV1] {
            let text = doc(format, escaping);
            let (ok, out, err) = run(Command::new("promtool").args(["check", "metrics"]), &text);
            assert!(ok, "promtool: {format:?} {escaping}: {out}{err}\n{text}");
        }
    }
    // Prometheus 2.42's parser knows no quoted names: the check can fail.
    let quoted = doc(Format::PrometheusV1, Escaping::AllowUtf8);
    let (ok, _, _) = run(Command::new("promtool").args(["check", "metrics"]), &quoted);
    assert!(!ok, "promtool 2.42 accepted quoted names:\n{quoted}");
}

/// Serves the registry and remembers the format and escaping each scrape asked for.
struct Recording {
    registry: Registry<'static, 5>,
    asked: Mutex<Vec<(Format, Escaping)>>,
    protobuf: std::sync::atomic::AtomicUsize,
}

impl Gather for Recording {
    fn gather_into(&self, format: Format, out: &mut String) -> Result<(), GatherError> {
        self.gather_escaped_into(format, Escaping::Underscores, out)
    }

    fn gather_escaped_into(
        &self,
        format: Format,
        escaping: Escaping,
        out: &mut String,
    ) -> Result<(), GatherError> {
        self.asked.lock().unwrap().push((format, escaping));
        self.registry.gather_escaped_into(format, escaping, out)
    }

    fn gather_protobuf(&self) -> Option<Result<Vec<u8>, GatherError>> {
        self.protobuf
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.registry.gather_protobuf()
    }
}

/// Prometheus 2.42 (`native`: with `--enable-feature=native-histograms`, protobuf first)
/// scraping the std endpoint: the names it stores, and what the endpoint was asked for (the
/// text documents, and how many protobuf ones).
fn prometheus_2_42_stores_escaped_names(native: bool) -> (Vec<(Format, Escaping)>, usize) {
    let source = Arc::new(Recording {
        registry: registry(),
        asked: Mutex::new(Vec::new()),
        protobuf: Default::default(),
    });
    let server = ScrapeServer::bind("127.0.0.1:0", source.clone()).unwrap();
    let port = server.local_addr().port();
    let prom = if native {
        Prometheus::start_native_histograms(port)
    } else {
        Prometheus::start(port)
    }
    .unwrap();
    let deadline = Duration::from_secs(30);
    for (expr, want) in [
        ("up{job=\"edgeprom\"}", 1.0),
        ("my_metric_total", 1.0),
        ("http_server_requests_total{http_method=\"get\"}", 2.0),
        ("http_server_requests_total{http_method=\"post\"}", 5.0),
        ("rpc_latency_seconds_count{rpc_system=\"grpc\"}", 1.0),
        ("temperature__celsius", 21.5),
        ("legacy_level", 3.0),
    ] {
        let mut last = Vec::new();
        let found = poll_until(deadline, || {
            last = prom.query(expr).unwrap_or_default();
            (last.len() == 1 && last[0].value == want).then_some(())
        });
        assert!(
            found.is_some(),
            "native {native}: `{expr}` never read {want}; last: {last:?}"
        );
    }
    drop(prom);
    server.stop();
    let asked = source.asked.lock().unwrap().clone();
    (
        asked,
        source.protobuf.load(std::sync::atomic::Ordering::Relaxed),
    )
}

#[test]
fn prometheus_2_42_scrapes_escaped_names() {
    let (asked, protobuf) = prometheus_2_42_stores_escaped_names(false);
    assert!(!asked.is_empty());
    assert_eq!(protobuf, 0);
    // 2.42 asks for OpenMetrics 1.0.0 first and names no escaping: underscores.
    for a in &asked {
        assert_eq!(*a, (Format::OpenMetrics, Escaping::Underscores));
    }
}

#[test]
fn prometheus_2_42_with_native_histograms_scrapes_escaped_protobuf() {
    // Protobuf first: the endpoint answers with `gather_protobuf`, never with text.
    let (asked, protobuf) = prometheus_2_42_stores_escaped_names(true);
    assert_eq!(asked, Vec::new(), "no text document was asked for");
    assert!(protobuf > 0);
}

/// The registry as the protobuf exposition, streamed by an encoder with `escaping`.
fn protobuf(escaping: Escaping) -> Vec<edgeprom_tests::client_model::MetricFamily> {
    let r = registry();
    let mut buf = vec![0u8; 1 << 14];
    let mut sink = edgeprom::encode::SliceWriter::new(&mut buf);
    let mut enc = edgeprom::encode::Encoder::protobuf(&mut sink).with_escaping(escaping);
    for c in r.iter() {
        enc.write_collector(c).unwrap();
    }
    enc.finish().unwrap();
    let n = enc.protobuf_len();
    drop(enc);
    assert_eq!(
        sink.finish().unwrap(),
        n,
        "measured and written lengths agree"
    );
    if escaping == Escaping::Underscores {
        // The registry's own (in place, into a buffer) writes the same bytes by default.
        let mut own = vec![0u8; 1 << 14];
        let m = r.encode_protobuf(&mut own).unwrap();
        assert_eq!(own[..m], buf[..n]);
    }
    edgeprom_tests::client_model::decode_families(&buf[..n])
}

#[test]
fn protobuf_names_are_escaped_unless_allow_utf8() {
    for (escaping, n) in [
        (Escaping::AllowUtf8, &UTF8),
        (Escaping::Underscores, &UNDERSCORES),
        (Escaping::Dots, &DOTS),
        (Escaping::Values, &VALUES),
    ] {
        let families = protobuf(escaping);
        let names: BTreeSet<String> = families.iter().map(|f| f.name.clone().unwrap()).collect();
        let want: BTreeSet<String> = [
            format!("{}_total", n.dotted),
            format!("{}_total", n.requests),
            n.latency.to_owned(),
            n.temperature.to_owned(),
            "legacy_level".to_owned(),
        ]
        .into_iter()
        .collect();
        assert_eq!(names, want, "{escaping}");
        for f in &families {
            let want = match f.name.as_deref().unwrap() {
                x if x.starts_with(n.requests) => Some(n.method),
                x if x == n.latency => Some(n.system),
                _ => None,
            };
            for m in &f.metric {
                let got: Vec<&str> = m.label.iter().map(|l| l.name.as_deref().unwrap()).collect();
                assert_eq!(
                    got,
                    want.into_iter().collect::<Vec<_>>(),
                    "{escaping}: {f:?}"
                );
            }
        }
    }
}

#[test]
fn pushgateway_1_5_1_gets_escaped_names_in_text_and_protobuf() {
    use edgeprom_std::PushClient;
    use edgeprom_tests::servers::{find, Pushgateway};
    let gw = Pushgateway::start().unwrap();
    let r = registry();
    for (job, protobuf) in [("text", false), ("protobuf", true)] {
        let client = PushClient::new(&gw.url()).unwrap().with_protobuf(protobuf);
        client.push(job, &[], &r).unwrap();
        let s = gw.pushed().unwrap();
        let key = [("job", job)];
        let get = |name: &str, extra: &[(&'static str, &'static str)]| {
            let labels: Vec<(&str, &str)> = key.iter().chain(extra).copied().collect();
            find(&s, name, &labels).map(|s| s.value)
        };
        assert_eq!(get("my_metric_total", &[]), Some(1.0), "{job}");
        let method = [("http_method", "get")];
        assert_eq!(
            get("http_server_requests_total", &method),
            Some(2.0),
            "{job}"
        );
        let system = [("rpc_system", "grpc")];
        assert_eq!(
            get("rpc_latency_seconds_count", &system),
            Some(1.0),
            "{job}"
        );
        assert_eq!(get("temperature__celsius", &[]), Some(21.5), "{job}");
        assert_eq!(get("legacy_level", &[]), Some(3.0), "{job}");
    }
}

/// One GET of `/metrics` with `accept`: the answer's head and body.
fn scrape(addr: std::net::SocketAddr, accept: &str) -> (String, String) {
    use std::io::Read as _;
    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    write!(conn, "GET /metrics HTTP/1.1\r\nAccept: {accept}\r\n\r\n").unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    (head.to_owned(), body.to_owned())
}

#[test]
fn the_std_endpoint_answers_prometheus_3_with_quoted_names() {
    use edgeprom_std::{DynDesc, DynFamily, DynMetric, DynRegistry};
    let registry = Arc::new(DynRegistry::new());
    let desc = DynDesc::utf8(
        "http.server.requests_total",
        "Requests.",
        edgeprom::MetricType::Counter,
    )
    .unwrap();
    let requests = Arc::new(DynFamily::<Counter>::with_desc(desc, &["http.method"]).unwrap());
    let desc = DynDesc::utf8(
        "temperature.\u{b0}celsius",
        "T.",
        edgeprom::MetricType::Gauge,
    );
    let temperature = Arc::new(DynMetric::<Gauge>::with_desc(desc.unwrap()));
    registry.register(requests.clone()).unwrap();
    registry.register(temperature.clone()).unwrap();
    requests.labels(&["get"]).unwrap().inc_by(2);
    temperature.set(21.5);
    // `http_server_requests` is what the family escapes to: a clash.
    let clash = DynMetric::<Gauge>::new("http_server_requests_total", "h").unwrap();
    assert!(registry.register(Arc::new(clash)).is_err());
    let server = ScrapeServer::bind("127.0.0.1:0", registry).unwrap();
    let addr = server.local_addr();

    // Prometheus 3.x's default header (scrape.go's acceptHeader with UTF-8 validation).
    let p3 = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,\
              application/openmetrics-text;version=0.0.1;q=0.5,\
              text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,\
              text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
    let (head, body) = scrape(addr, p3);
    assert!(
        head.contains(
            "\r\nContent-Type: application/openmetrics-text; version=1.0.0; \
                       charset=utf-8; escaping=allow-utf-8\r\n"
        ),
        "{head}"
    );
    let read = python("openmetrics", &body);
    let (ty, samples) = &read["http.server.requests"];
    assert_eq!(ty, "counter");
    let key = (
        "http.server.requests_total".to_owned(),
        labels(&[("http.method", "get")]),
    );
    assert_eq!(samples.get(&key), Some(&2.0), "{body}");
    let key = ("temperature.\u{b0}celsius".to_owned(), labels(&[]));
    assert_eq!(
        read["temperature.\u{b0}celsius"].1.get(&key),
        Some(&21.5),
        "{body}"
    );

    // Text 1.0.0 only, then a scraper that names the dots scheme.
    let (head, body) = scrape(addr, "text/plain;version=1.0.0;escaping=allow-utf-8");
    assert!(
        head.contains("version=1.0.0; charset=utf-8; escaping=allow-utf-8\r\n"),
        "{head}"
    );
    assert!(body.contains("{\"http.server.requests_total\",\"http.method\"=\"get\"} 2\n"));
    let (head, body) = scrape(addr, "text/plain;version=1.0.0;escaping=dots");
    assert!(
        head.contains("version=1.0.0; charset=utf-8; escaping=dots\r\n"),
        "{head}"
    );
    assert!(body.contains("\nhttp_dot_server_dot_requests_total{http_dot_method=\"get\"} 2\n"));
    server.stop();
}

/// A series: its name and labels.
type Series = (String, Vec<(String, String)>);

/// The registry's families as a remote write request with `escaping` and namespace `ns`,
/// decoded: each series as `name{labels, in the order sent}`, and the metadata names.
fn remote_write(escaping: Escaping) -> (Vec<Series>, Vec<String>) {
    use edgeprom::encode::remote_write::RemoteWrite;
    use edgeprom::encode::{Encoder, SliceWriter};
    use edgeprom::Collect;
    use prost::Message;
    let _ = registry(); // records the values
    let families: [&dyn Collect; 5] = [&DOTTED, &REQUESTS, &LATENCY, &TEMPERATURE, &LEGACY];
    let request = RemoteWrite::at(Duration::from_secs(1_700_000_000)).with_metadata(true);
    let mut buf = vec![0u8; 1 << 14];
    let mut sink = SliceWriter::new(&mut buf);
    let mut enc = Encoder::remote_write(&mut sink, &request, None)
        .with_namespace("ns")
        .with_escaping(escaping);
    for f in families {
        f.encode(&mut enc).unwrap();
    }
    enc.finish().unwrap();
    drop(enc);
    let n = sink.finish().unwrap();
    let req = edgeprom_tests::prompb::WriteRequest::decode(&buf[..n]).unwrap();
    let series = req
        .timeseries
        .iter()
        .map(|ts| {
            let name = ts.label("__name__").unwrap().to_owned();
            let labels = ts
                .labels
                .iter()
                .map(|l| (l.name.clone(), l.value.clone()))
                .collect();
            (name, labels)
        })
        .collect();
    let meta = req
        .metadata
        .iter()
        .map(|m| m.metric_family_name.clone())
        .collect();
    (series, meta)
}

/// The series of the text 0.0.4 document with `escaping` and namespace `ns`: each as
/// `name{labels, sorted by name as remote write sends them}`, and the `# TYPE` names.
fn text_series(escaping: Escaping) -> (BTreeSet<Series>, BTreeSet<String>) {
    let mut r = Registry::<'static, 5>::new().with_namespace("ns").unwrap();
    for f in [
        &DOTTED as &dyn edgeprom::Collect,
        &REQUESTS,
        &LATENCY,
        &TEMPERATURE,
        &LEGACY,
    ] {
        r.register(f).unwrap();
    }
    let _ = registry();
    let mut doc = String::new();
    r.encode_to_escaped(Format::Prometheus, escaping, &mut doc)
        .unwrap();
    let mut series = BTreeSet::new();
    let mut types = BTreeSet::new();
    for line in doc.lines() {
        if let Some(t) = line.strip_prefix("# TYPE ") {
            types.insert(t.split(' ').next().unwrap().to_owned());
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let head = line.rsplit_once(' ').unwrap().0;
        let (name, labels) = head.split_once('{').unwrap_or((head, ""));
        // The values here have no `,`, `=` or `"` of their own.
        let mut pairs: Vec<(String, String)> = labels
            .trim_end_matches('}')
            .split(',')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap();
                (k.to_owned(), v.trim_matches('"').to_owned())
            })
            .collect();
        pairs.push(("__name__".into(), name.to_owned()));
        pairs.sort();
        series.insert((name.to_owned(), pairs));
    }
    (series, types)
}

#[test]
fn remote_write_sends_the_names_the_text_format_escapes() {
    for escaping in [Escaping::Underscores, Escaping::Dots, Escaping::Values] {
        let (sent, meta) = remote_write(escaping);
        let (want, types) = text_series(escaping);
        // No `_created` in remote write; every other series of the text document, once.
        let want: BTreeSet<_> = want
            .into_iter()
            .filter(|(n, _)| !n.ends_with("_created"))
            .collect();
        let got: BTreeSet<_> = sent.iter().cloned().collect();
        assert_eq!(got.len(), sent.len(), "{escaping}: a series twice");
        assert_eq!(got, want, "{escaping}");
        // Labels sorted by name, as remote write requires.
        for (name, labels) in &sent {
            let mut sorted = labels.clone();
            sorted.sort();
            assert_eq!(&sorted, labels, "{escaping}: {name}");
            let labels: Vec<&str> = labels.iter().map(|(k, _)| k.as_str()).collect();
            let legacy = |s: &str, colons: bool| {
                let ok = |c: char, first: bool| {
                    c.is_ascii_alphabetic()
                        || c == '_'
                        || (colons && c == ':')
                        || (!first && c.is_ascii_digit())
                };
                s.chars().enumerate().all(|(i, c)| ok(c, i == 0))
            };
            assert!(legacy(name, true), "{escaping}: {name}");
            assert!(labels.iter().all(|l| legacy(l, false)), "{labels:?}");
        }
        let types: BTreeSet<_> = types
            .into_iter()
            .filter(|t| !t.ends_with("_created"))
            .collect();
        assert_eq!(
            meta.iter().cloned().collect::<BTreeSet<_>>(),
            types,
            "{escaping}"
        );
    }
    // `allow-utf-8` has no quoted names in remote write 1.0: underscores.
    assert_eq!(
        remote_write(Escaping::AllowUtf8),
        remote_write(Escaping::Underscores)
    );
    let (sent, _) = remote_write(Escaping::Underscores);
    let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    let want = vec![
        pair("__name__", "ns_http_server_requests_total"),
        pair("http_method", "get"),
    ];
    assert!(sent.iter().any(|(_, l)| l == &want), "{sent:?}");
}

/// One GET of `/metrics` with `accept`: the answer's head and body as bytes.
fn scrape_bytes(addr: std::net::SocketAddr, accept: &str) -> (String, Vec<u8>) {
    use std::io::Read as _;
    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    write!(conn, "GET /metrics HTTP/1.1\r\nAccept: {accept}\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).unwrap();
    let at = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(answer[..at].to_vec()).unwrap();
    (head, answer[at + 4..].to_vec())
}

/// The std endpoint's protobuf answer is written with the escaping the scraper negotiated
/// (names as they are for `allow-utf-8`, `dots` when asked, `underscores` when it names none),
/// and its Content-Type names it; for a core registry and for the dynamic one alike.
#[test]
fn the_std_endpoint_answers_protobuf_with_the_negotiated_escaping() {
    use edgeprom_std::{DynDesc, DynFamily, DynRegistry};
    let dynamic = Arc::new(DynRegistry::new());
    let desc = DynDesc::utf8("dyn.requests_total", "R.", edgeprom::MetricType::Counter).unwrap();
    let requests = Arc::new(DynFamily::<Counter>::with_desc(desc, &["http.method"]).unwrap());
    dynamic.register(requests.clone()).unwrap();
    requests.labels(&["get"]).unwrap().inc_by(2);
    let core: Arc<dyn Gather> = Arc::new(registry());
    let pb = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;\
              encoding=delimited";
    for (escaping, n, asked) in [
        (Escaping::AllowUtf8, &UTF8, ";escaping=allow-utf-8"),
        (Escaping::Dots, &DOTS, ";escaping=dots"),
        (Escaping::Values, &VALUES, ";escaping=values"),
        (Escaping::Underscores, &UNDERSCORES, ""),
    ] {
        let accept = format!("{pb}{asked};q=0.7,text/plain;version=0.0.4;q=0.3");
        let ct = format!(
            "\r\nContent-Type: application/vnd.google.protobuf; \
             proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping={escaping}\r\n"
        );
        // The core registry: the same families as the encoder writes with that escaping.
        let server = ScrapeServer::bind("127.0.0.1:0", core.clone()).unwrap();
        let (head, body) = scrape_bytes(server.local_addr(), &accept);
        assert!(head.contains(&ct), "{escaping}: {head}");
        let got = edgeprom_tests::client_model::decode_families(&body);
        assert_eq!(got, protobuf(escaping), "{escaping}");
        let names: BTreeSet<String> = got.iter().map(|f| f.name.clone().unwrap()).collect();
        assert!(names.contains(&format!("{}_total", n.dotted)), "{names:?}");
        drop(server);
        // The dynamic registry.
        let server = ScrapeServer::bind("127.0.0.1:0", dynamic.clone()).unwrap();
        let (head, body) = scrape_bytes(server.local_addr(), &accept);
        assert!(head.contains(&ct), "{escaping}: {head}");
        let got = edgeprom_tests::client_model::decode_families(&body);
        let want_name = match escaping {
            Escaping::AllowUtf8 => "dyn.requests_total",
            Escaping::Dots => "dyn_dot_requests_total",
            Escaping::Values => "U__dyn_2E_requests_total",
            _ => "dyn_requests_total",
        };
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].name.as_deref(), Some(want_name), "{escaping}");
        let label = got[0].metric[0].label[0].name.clone().unwrap();
        assert_eq!(label, n.method, "{escaping}");
    }
}
