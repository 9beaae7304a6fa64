//! Gradient's `MetricsLogger`, in Rust, against a real Pushgateway: the seed page's loop, and
//! the series, labels and grouping key the Python package produces for the same calls (the
//! reference in `shared/reference/gradient-metricslogger.md`, and a live run of the same calls
//! through Python's `prometheus_client`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use edgeprom_std::{add_metrics_with, AccessError, MetricsLogger, MetricsLoggerBuilder};
use edgeprom_tests::servers::{poll_until, Pushgateway, Sample};

const WORKLOAD_LABEL: &str = "label_metrics_experiment_handle";

/// A builder that sees only these "environment variables".
fn builder(gw: &Pushgateway, env: &[(&'static str, &'static str)]) -> MetricsLoggerBuilder {
    let env: BTreeMap<&str, &str> = env.iter().copied().collect();
    let gateway = gw.url();
    MetricsLogger::builder().env(move |k| match k {
        "PAPERSPACE_METRIC_PUSHGATEWAY" => Some(gateway.clone()),
        _ => env.get(k).map(|v| (*v).to_owned()),
    })
}

/// xorshift64*, seeded from the clock: "random" gauge values, as the seed's loop sets.
struct Rng(u64);
impl Rng {
    fn new() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        Rng(u64::from(nanos) | 1)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn one<'a>(samples: &'a [Sample], name: &str) -> &'a Sample {
    let found: Vec<&Sample> = samples.iter().filter(|s| s.name == name).collect();
    assert_eq!(found.len(), 1, "{name}: {found:?}");
    found[0]
}

/// The `loss` samples by their `step` label.
fn losses_of(samples: &[Sample]) -> BTreeMap<Option<&str>, f64> {
    samples
        .iter()
        .filter(|x| x.name == "loss")
        .map(|x| (x.label("step"), x.value))
        .collect()
}

/// The seed page's loop with the reference's workload (`exp42`, step 3, pod `host-1`), then
/// what the gateway holds: the reference's series, with exactly its labels.
#[test]
fn the_seed_loop_leaves_what_python_leaves() {
    let gw = Pushgateway::start().unwrap();
    let mut logger = builder(
        &gw,
        &[
            ("PAPERSPACE_METRIC_WORKLOAD_ID", "exp42"),
            ("HOSTNAME", "host-1"),
        ],
    )
    .step(3)
    .build()
    .unwrap();
    logger.add_gauge("Gauge").unwrap();
    logger.add_counter("Counter").unwrap();
    logger.add_histogram("Hist").unwrap();
    logger.add_summary("Sum").unwrap();

    let mut rng = Rng::new();
    let mut last = 0.0;
    for _ in 0..5 {
        last = rng.below(100) as f64;
        logger.set("Gauge", last).unwrap(); // Python: logger["Gauge"] = value
        logger["Counter"].inc().unwrap();
        logger["Hist"].observe(0.3).unwrap();
        logger["Sum"].observe(1.5).unwrap();
        logger.push_metrics().unwrap();
    }

    let s = gw.pushed().unwrap();
    let series = labels(&[
        ("instance", ""),
        ("job", "exp42"),
        (WORKLOAD_LABEL, "exp42"),
        ("pod", "host-1"),
        ("step", "3"),
    ]);
    for (name, value) in [
        ("Gauge", last),
        ("Counter_total", 5.0),
        ("Hist_count", 5.0),
        ("Hist_sum", 1.5),
        ("Sum_count", 5.0),
        ("Sum_sum", 7.5),
    ] {
        let sample = one(&s, name);
        assert_eq!(sample.labels, series, "{name}");
        assert!((sample.value - value).abs() < 1e-9, "{name}: {sample:?}");
    }
    let le_half = s
        .iter()
        .find(|x| x.name == "Hist_bucket" && x.label("le") == Some("0.5"))
        .unwrap();
    assert_eq!(le_half.value, 5.0);
    let mut bucket_labels = series.clone();
    bucket_labels.insert("le".into(), "0.5".into());
    assert_eq!(le_half.labels, bucket_labels);
    assert!(one(&s, "Counter_created").value > 1.6e9);
    let push_time = one(&s, "push_time_seconds");
    assert_eq!(
        push_time.labels,
        labels(&[
            ("instance", ""),
            ("job", "exp42"),
            (WORKLOAD_LABEL, "exp42"),
            ("step", "3")
        ]),
        "the grouping key is job, workload label and step"
    );

    // The buckets are Python's defaults.
    let les: Vec<&str> = s
        .iter()
        .filter(|x| x.name == "Hist_bucket")
        .filter_map(|x| x.label("le"))
        .collect();
    assert_eq!(
        les,
        [
            "0.005", "0.01", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5", "0.75", "1", "2.5",
            "5", "7.5", "10", "+Inf"
        ]
    );
}

/// Runs the same calls through Python's `prometheus_client` exactly as `gradient-utils`
/// 0.5.0's `MetricsLogger` makes them, against another gateway.
fn python_gradient_logger(gateway: &str) {
    let script = r#"
import sys
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, Summary, push_to_gateway
gateway, wid, host, step, label = sys.argv[1], "exp42", "host-1", 3, "label_metrics_experiment_handle"
registry = CollectorRegistry(auto_describe=True)
metrics = {}
for cls, name in [(Gauge, "Gauge"), (Counter, "Counter"), (Histogram, "Hist"), (Summary, "Sum"), (Info, "Build")]:
    metrics[name] = cls(name, documentation="", registry=registry, labelnames=[label, "pod", "step"]).labels(wid, host, step)
for _ in range(5):
    metrics["Gauge"].set(7)
    metrics["Counter"].inc()
    metrics["Hist"].observe(0.3)
    metrics["Sum"].observe(1.5)
metrics["Build"].info({"version": "1.2"})
push_to_gateway(gateway, job=wid, registry=registry, grouping_key={label: wid, "step": step, "run": "a/b c"}, timeout=30)
"#;
    let mut child = Command::new("python3")
        .args(["-", gateway])
        .stdin(Stdio::piped())
        .spawn()
        .expect("python3 with prometheus_client (cargo xtask test installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "the Python pusher failed");
}

/// Every (series name, label set) the gateway holds, without values and push timestamps.
fn shape(gw: &Pushgateway) -> BTreeSet<(String, BTreeMap<String, String>)> {
    gw.pushed()
        .unwrap()
        .into_iter()
        .map(|s| (s.name, s.labels))
        .collect()
}

#[test]
fn the_same_series_and_labels_as_pythons_client() {
    let python = Pushgateway::start().unwrap();
    python_gradient_logger(&python.url());

    let rust = Pushgateway::start().unwrap();
    let mut logger = builder(&rust, &[("HOSTNAME", "host-1")])
        .workload_id("exp42")
        .step(3)
        .grouping_key("run", "a/b c")
        .build()
        .unwrap();
    logger.add_gauge("Gauge").unwrap();
    logger.add_counter("Counter").unwrap();
    logger.add_histogram("Hist").unwrap();
    logger.add_summary("Sum").unwrap();
    logger.add_info("Build").unwrap();
    for _ in 0..5 {
        logger.set("Gauge", 7.0).unwrap();
        logger["Counter"].inc().unwrap();
        logger["Hist"].observe(0.3).unwrap();
        logger["Sum"].observe(1.5).unwrap();
    }
    logger["Build"].info(&[("version", "1.2")]).unwrap();
    logger.push_metrics().unwrap();

    let (py, rs) = (shape(&python), shape(&rust));
    assert!(py.len() > 20, "{py:?}");
    assert_eq!(
        py.difference(&rs).collect::<Vec<_>>(),
        Vec::<&(String, BTreeMap<String, String>)>::new(),
        "series Python pushed that Rust did not"
    );
    assert_eq!(
        rs.difference(&py).collect::<Vec<_>>(),
        Vec::<&(String, BTreeMap<String, String>)>::new(),
        "series Rust pushed that Python did not"
    );
    // And the same values, apart from creation and push times.
    let values = |gw: &Pushgateway| -> BTreeMap<(String, BTreeMap<String, String>), f64> {
        gw.pushed()
            .unwrap()
            .into_iter()
            .filter(|s| !s.name.ends_with("_created") && !s.name.starts_with("push_"))
            .map(|s| ((s.name, s.labels), s.value))
            .collect()
    };
    assert_eq!(values(&python), values(&rust));
}

#[test]
fn step_grouping_key_and_no_step() {
    let gw = Pushgateway::start().unwrap();
    let mut logger = builder(&gw, &[("PAPERSPACE_EXPERIMENT_ID", "legacy7")])
        .pod("p0")
        .grouping_key("run", "baseline")
        .build()
        .unwrap();
    let loss = logger.add_gauge("loss").unwrap();
    loss.set(0.5);
    logger.push_metrics().unwrap();
    // Without a step there is no `step` label at all (Python would send the text "None").
    let s = gw.pushed().unwrap();
    assert!(s.iter().all(|x| x.label("step").is_none()), "{s:?}");
    assert_eq!(
        one(&s, "loss").labels,
        labels(&[
            ("instance", ""),
            ("job", "legacy7"),
            (WORKLOAD_LABEL, "legacy7"),
            ("pod", "p0"),
            ("run", "baseline")
        ])
    );

    // set_step moves later pushes to another group; the first one stays.
    logger.set_step(1);
    loss.set(0.25);
    logger.push_metrics().unwrap();
    let s = gw.pushed().unwrap();
    assert_eq!(
        losses_of(&s),
        BTreeMap::from([(None, 0.5), (Some("1"), 0.25)])
    );

    logger.delete_metrics().unwrap();
    // The gateway answers a DELETE with 202 and applies it from its write queue: poll.
    let deleted = poll_until(Duration::from_secs(5), || {
        let s = gw.pushed().ok()?;
        s.iter().all(|x| x.label("step").is_none()).then_some(s)
    });
    let s = deleted.expect("the step group is deleted within 5 s");
    assert_eq!(losses_of(&s), BTreeMap::from([(None, 0.5)]));

    assert_eq!(
        logger.get("Gauge").unwrap_err(),
        AccessError::NotFound {
            name: "Gauge".into()
        }
    );
}

#[test]
fn add_metrics_pushes_each_value_in_its_own_group() {
    let gw = Pushgateway::start().unwrap();
    let b = builder(
        &gw,
        &[
            ("PAPERSPACE_METRIC_WORKLOAD_ID", "exp9"),
            ("HOSTNAME", "pod-9"),
        ],
    );
    add_metrics_with(&b, [("accuracy", 0.91), ("loss", 0.25)], Some(10)).unwrap();
    let s = gw.pushed().unwrap();
    for (name, value) in [("accuracy", 0.91), ("loss", 0.25)] {
        let sample = one(&s, name);
        assert_eq!(sample.value, value);
        assert_eq!(
            sample.labels,
            labels(&[
                ("instance", ""),
                ("job", "exp9"),
                (WORKLOAD_LABEL, "exp9"),
                ("name", name),
                ("pod", "pod-9"),
                ("step", "10")
            ])
        );
    }
    assert_eq!(
        s.iter().filter(|x| x.name == "push_time_seconds").count(),
        2
    );
}
