//! The OpenMetrics documents are accepted by a strict parser, `prometheus_client`'s
//! `openmetrics.parser` (run by `tests/scripts/parse_openmetrics.py`), and what it reads back
//! (families, types, units, help, sample names, label sets, values, integer-ness) equals what
//! the recorded updates in `edgeprom_tests::seed` imply, computed here independently of the
//! core.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use edgeprom::{Format, Registry, DEFAULT_BUCKETS};
use edgeprom_tests::seed::{self, Extras, Seed};

/// A sample value as the parser read it: the number, and whether it was written as an integer.
#[derive(Debug, Clone, Copy)]
struct Value {
    v: f64,
    int: bool,
}

impl PartialEq for Value {
    fn eq(&self, o: &Self) -> bool {
        self.int == o.int
            && (self.v.to_bits() == o.v.to_bits() || (self.v.is_nan() && o.v.is_nan()))
    }
}

fn float(v: f64) -> Value {
    Value { v, int: false }
}

fn int(v: u64) -> Value {
    Value {
        v: v as f64,
        int: true,
    }
}

fn signed(v: i64) -> Value {
    Value {
        v: v as f64,
        int: true,
    }
}

/// A `_created` timestamp: written without a decimal point when it is whole seconds.
fn timestamp(d: Duration) -> Value {
    Value {
        v: d.as_secs_f64(),
        int: d.subsec_nanos() == 0,
    }
}

type LabelSet = BTreeMap<String, String>;

#[derive(Debug, PartialEq)]
struct Sample {
    name: String,
    labels: LabelSet,
    value: Value,
}

#[derive(Debug, PartialEq)]
struct Family {
    name: String,
    ty: String,
    unit: String,
    help: String,
    samples: Vec<Sample>,
}

/// Builds the expected families, adding a namespace and constant labels as a registry does.
struct Expect {
    namespace: &'static str,
    const_labels: Vec<(&'static str, &'static str)>,
    families: Vec<Family>,
}

impl Expect {
    fn new(namespace: &'static str, const_labels: &[(&'static str, &'static str)]) -> Self {
        Expect {
            namespace,
            const_labels: const_labels.to_vec(),
            families: Vec::new(),
        }
    }

    fn name(&self, name: &str) -> String {
        if self.namespace.is_empty() {
            name.to_owned()
        } else {
            format!("{}_{name}", self.namespace)
        }
    }

    fn family(&mut self, name: &str, ty: &str, unit: &str, help: &str) -> &mut Self {
        let name = self.name(name);
        self.families.push(Family {
            name,
            ty: ty.to_owned(),
            unit: unit.to_owned(),
            help: help.to_owned(),
            samples: Vec::new(),
        });
        self
    }

    fn sample(&mut self, suffix: &str, labels: &[(&str, &str)], value: Value) -> &mut Self {
        let family = self.families.last_mut().expect("a family first");
        let mut set: LabelSet = self
            .const_labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        for (k, v) in labels {
            assert!(
                set.insert(k.to_string(), v.to_string()).is_none(),
                "label {k} twice"
            );
        }
        family.samples.push(Sample {
            name: format!("{}{suffix}", family.name),
            labels: set,
            value,
        });
        self
    }

    /// A histogram's samples for `observations` into `bounds` (given with their canonical
    /// `le` text), then `_count`, `_sum` and `_created`.
    fn histogram(
        &mut self,
        labels: &[(&str, &str)],
        bounds: &[(f64, &str)],
        observations: &[f64],
        sum: Value,
        created: Duration,
    ) -> &mut Self {
        for (bound, le) in bounds {
            let n = observations.iter().filter(|v| **v <= *bound).count() as u64;
            self.sample("_bucket", &with(labels, ("le", le)), int(n));
        }
        let count = int(observations.len() as u64);
        self.sample("_bucket", &with(labels, ("le", "+Inf")), count)
            .sample("_count", labels, count)
            .sample("_sum", labels, sum)
            .sample("_created", labels, timestamp(created))
    }
}

fn with<'a>(labels: &[(&'a str, &'a str)], extra: (&'a str, &'a str)) -> Vec<(&'a str, &'a str)> {
    let mut v = labels.to_vec();
    v.push(extra);
    v
}

fn fsum(values: &[f64]) -> f64 {
    values.iter().fold(0.0, |a, b| a + b)
}

/// The canonical `le` text of a float bound: shortest round-trip form, `.0` on whole numbers.
fn canonical(b: f64) -> String {
    if b.fract() == 0.0 {
        format!("{b:.1}")
    } else {
        format!("{b}")
    }
}

fn expected_seed() -> Vec<Family> {
    let created = seed::SEED_CREATED;
    let mut e = Expect::new("", &[]);
    e.family("my_failures", "counter", "", "Description of counter")
        .sample("_total", &[], float(1.0 + 1.6))
        .sample("_created", &[], timestamp(created));
    e.family(
        "my_inprogress_requests",
        "gauge",
        "",
        "Description of gauge",
    )
    .sample("", &[], float(4.2));
    let latencies = seed::LATENCIES;
    e.family(
        "request_latency_seconds",
        "summary",
        "",
        "Description of summary",
    )
    .sample("_count", &[], int(latencies.len() as u64))
    .sample("_sum", &[], float(fsum(&latencies)))
    .sample("_created", &[], timestamp(created));
    let les: Vec<String> = DEFAULT_BUCKETS.iter().map(|b| canonical(*b)).collect();
    let bounds: Vec<(f64, &str)> = DEFAULT_BUCKETS
        .iter()
        .copied()
        .zip(les.iter().map(String::as_str))
        .collect();
    e.family(
        "request_latency_hist_seconds",
        "histogram",
        "seconds",
        "Description of histogram",
    )
    .histogram(&[], &bounds, &latencies, float(fsum(&latencies)), created);
    e.family("my_requests", "counter", "", "HTTP Failures");
    for (method, endpoint, n) in seed::REQUESTS {
        let labels = [("method", method), ("endpoint", endpoint)];
        e.sample("_total", &labels, int(n))
            .sample("_created", &labels, timestamp(created));
    }
    e.family("my_build_version", "info", "", "Description of info")
        .sample("_info", &seed::BUILD_INFO, int(1));
    e.family("my_task_state", "stateset", "", "Description of enum");
    for state in seed::TASK_STATES {
        let v = int(u64::from(state == seed::SEED_STATE));
        e.sample("", &[("my_task_state", state)], v);
    }
    e.families
}

fn expected_extras() -> Vec<Family> {
    let created = seed::EXTRAS_CREATED;
    let ns = seed::NAMESPACE;
    let mut e = Expect::new(ns, &seed::CONST_LABELS);
    e.family("transfer_bytes", "counter", "bytes", "Bytes moved")
        .sample("_total", &[], float(fsum(&seed::TRANSFER_INCS)))
        .sample("_created", &[], timestamp(created));
    e.family(
        "queue_depth",
        "gauge",
        "",
        "Items queued, negative when owed",
    )
    .sample("", &[], signed(seed::QUEUE_DEPTH));
    e.family(
        "board_temperature_celsius",
        "gauge",
        "",
        "Read at encode time",
    )
    .sample("", &[], float(seed::TEMPERATURE));
    e.family("label_escapes", "gauge", "", seed::ESCAPE_HELP);
    for (path, v) in seed::ESCAPE_VALUES {
        e.sample("", &[("path", path)], float(v));
    }
    e.family(
        "special_values",
        "gauge",
        "",
        "Floats in their special forms",
    );
    for (kind, v) in seed::SPECIAL_VALUES {
        e.sample("", &[("kind", kind)], float(v));
    }
    e.family("frame_size_bytes", "histogram", "bytes", "Frame sizes");
    let bounds = [(0.5, "0.5"), (1.0, "1.0"), (2.5, "2.5")];
    for (port, values) in seed::SIZES {
        e.histogram(
            &[("port", port)],
            &bounds,
            values,
            float(fsum(values)),
            created,
        );
    }
    let retries: Vec<f64> = seed::RETRIES.iter().map(|v| *v as f64).collect();
    let sum = int(seed::RETRIES.iter().sum());
    e.family("retries", "histogram", "", "Retries per request")
        .histogram(
            &[],
            &[(1.0, "1.0"), (10.0, "10.0"), (100.0, "100.0")],
            &retries,
            sum,
            created,
        );
    e.family("job_duration_seconds", "summary", "", "Job durations");
    for (job, values) in seed::JOBS {
        let labels = [("job", job)];
        e.sample("_count", &labels, int(values.len() as u64))
            .sample("_sum", &labels, float(fsum(values)))
            .sample("_created", &labels, timestamp(created));
    }
    e.family("device", "info", "", "Device information").sample(
        "_info",
        &seed::DEVICE_INFO,
        int(1),
    );
    e.family("mode", "stateset", "", "Operating mode");
    let label = format!("{ns}_mode");
    for (i, state) in seed::MODES.iter().enumerate() {
        e.sample("", &[(label.as_str(), state)], int(u64::from(i == 1)));
    }
    e.family("unused", "counter", "", "Never incremented");
    e.families
}

/// Runs the parser on `doc`: the parsed families, or the parser's reason for rejecting it.
fn parse(doc: &str) -> Result<Vec<Family>, String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/parse_openmetrics.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run python3 ({e}); install python3 and pip install prometheus_client")
        });
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = {
        let doc = doc.to_owned();
        std::thread::spawn(move || stdin.write_all(doc.as_bytes()))
    };
    let out = child.wait_with_output().expect("waiting for python3");
    writer
        .join()
        .expect("writer thread")
        .expect("writing to python3");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    match out.status.code() {
        Some(0) => {}
        Some(2) => return Err(stderr),
        _ => panic!("the parser script failed ({}): {stderr}", out.status),
    }
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("JSON from the script");
    let s = |v: &serde_json::Value| v.as_str().expect("a JSON string").to_owned();
    let families = json["families"].as_array().expect("families");
    Ok(families
        .iter()
        .map(|f| Family {
            name: s(&f["name"]),
            ty: s(&f["type"]),
            unit: s(&f["unit"]),
            help: s(&f["help"]),
            samples: f["samples"]
                .as_array()
                .expect("samples")
                .iter()
                .map(|x| {
                    assert!(x["timestamp"].is_null(), "no sample has a timestamp");
                    let labels = x["labels"].as_object().expect("labels");
                    let repr = s(&x["value"]);
                    Sample {
                        name: s(&x["name"]),
                        labels: labels.iter().map(|(k, v)| (k.clone(), s(v))).collect(),
                        value: Value {
                            v: repr.parse().unwrap_or_else(|_| panic!("number {repr:?}")),
                            int: x["int"].as_bool().expect("int flag"),
                        },
                    }
                })
                .collect(),
        })
        .collect())
}

fn encode<const N: usize>(registry: &Registry<'_, N>) -> String {
    let mut s = String::new();
    registry
        .encode_to(Format::OpenMetrics, &mut s)
        .expect("encode");
    s
}

fn assert_families(parsed: &[Family], expected: &[Family]) {
    let names = |f: &[Family]| f.iter().map(|f| f.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(parsed), names(expected), "family names and order");
    for (p, e) in parsed.iter().zip(expected) {
        assert_eq!(
            (&p.ty, &p.unit, &p.help),
            (&e.ty, &e.unit, &e.help),
            "type, unit, help of {}",
            e.name
        );
        assert_eq!(p.samples.len(), e.samples.len(), "samples of {}", e.name);
        for (ps, es) in p.samples.iter().zip(&e.samples) {
            assert_eq!(ps, es, "in family {}", e.name);
        }
    }
}

#[test]
fn seed_parses_to_the_recorded_values() {
    let seed = Seed::recorded().expect("recorded updates");
    let doc = encode(&seed.registry().expect("registry"));
    let parsed = parse(&doc).unwrap_or_else(|e| panic!("parser rejected:\n{e}\n{doc}"));
    assert_families(&parsed, &expected_seed());
}

#[test]
fn extras_parse_to_the_recorded_values() {
    let extras = Extras::recorded().expect("recorded updates");
    let doc = encode(&extras.registry().expect("registry"));
    let parsed = parse(&doc).unwrap_or_else(|e| panic!("parser rejected:\n{e}\n{doc}"));
    assert_families(&parsed, &expected_extras());
}

/// The parser is strict enough to fail: without `# EOF`, with a histogram whose `_count`
/// disagrees with its `+Inf` bucket, or with a state set labelled without its namespace.
#[test]
fn negative_controls_are_rejected() {
    let seed = Seed::recorded().expect("recorded updates");
    let doc = encode(&seed.registry().expect("registry"));
    let no_eof = doc.strip_suffix("# EOF\n").expect("ends with # EOF");
    let err = parse(no_eof).expect_err("a document without # EOF is rejected");
    assert!(err.contains("EOF"), "{err}");

    let bad_count = doc.replace(
        "request_latency_hist_seconds_count 4\n",
        "request_latency_hist_seconds_count 5\n",
    );
    assert_ne!(bad_count, doc);
    let err = parse(&bad_count).expect_err("count != +Inf is rejected");
    assert!(err.contains("Count does not match"), "{err}");

    let extras = Extras::recorded().expect("recorded updates");
    let doc = encode(&extras.registry().expect("registry"));
    let bad_state = doc.replace(",edge_mode=\"", ",mode=\"");
    assert_ne!(bad_state, doc);
    let err = parse(&bad_state).expect_err("a state label without the namespace is rejected");
    assert!(err.contains("Stateset missing label"), "{err}");
}

/// `cargo xtask demo` prints a valid OpenMetrics document with every metric type.
#[test]
fn demo_output_parses() {
    let out = Command::new(env!("CARGO_BIN_EXE_demo"))
        .args(["--jobs", "5"])
        .output()
        .expect("running the demo");
    assert!(
        out.status.success(),
        "demo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = String::from_utf8(out.stdout).expect("UTF-8");
    let parsed = parse(&doc).unwrap_or_else(|e| panic!("parser rejected:\n{e}\n{doc}"));
    let mut types: Vec<&str> = parsed.iter().map(|f| f.ty.as_str()).collect();
    types.sort();
    types.dedup();
    assert_eq!(
        types,
        [
            "counter",
            "gauge",
            "histogram",
            "info",
            "stateset",
            "summary"
        ]
    );
    let processed = parsed
        .iter()
        .find(|f| f.name == "demo_jobs_processed")
        .and_then(|f| f.samples.first())
        .expect("demo_jobs_processed_total");
    assert_eq!(processed.value, int(5));
}
