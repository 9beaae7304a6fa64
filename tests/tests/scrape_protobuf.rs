//! The scrape endpoint in protobuf, scraped by a real Prometheus 2.42 with
//! `--enable-feature=native-histograms` (which asks for protobuf first): its HTTP API returns
//! the values recorded, and the endpoint served protobuf, not text.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use edgeprom::{Counter, Family, Format, Gauge, Histogram, Metric, Registry, Summary};
use edgeprom_std::{Gather, GatherError, ScrapeServer};
use edgeprom_tests::servers::{Prometheus, Sample};

static REQS: Family<Counter, 1, 4> = Family::new("pb_demo_requests", "Requests", ["method"]);
static TEMP: Metric<Gauge> = Metric::new("pb_demo_temperature_celsius", "T");
static LAT: Metric<Histogram> = Metric::new("pb_demo_latency_seconds", "L");
static WORK: Metric<Summary> = Metric::new("pb_demo_work_seconds", "W");

/// Serves a registry and counts the documents served in each format.
struct Recording {
    registry: Registry<'static, 4>,
    text: AtomicUsize,
    protobuf: AtomicUsize,
}

impl Gather for Recording {
    fn gather_into(&self, format: Format, out: &mut String) -> Result<(), GatherError> {
        self.text.fetch_add(1, Ordering::SeqCst);
        self.registry.gather_into(format, out)
    }
    fn gather_protobuf(&self) -> Option<Result<Vec<u8>, GatherError>> {
        self.protobuf.fetch_add(1, Ordering::SeqCst);
        self.registry.gather_protobuf()
    }
}

const DEADLINE: Duration = Duration::from_secs(30);

/// Polls `expr` until its samples satisfy `ok`; panics with the last answer at the deadline.
fn wait_for(prom: &Prometheus, expr: &str, ok: impl Fn(&[Sample]) -> bool) -> Vec<Sample> {
    prom.wait_for(expr, DEADLINE, ok)
}

fn single_value(samples: &[Sample], v: f64) -> bool {
    samples.len() == 1 && samples[0].value == v
}

#[test]
fn prometheus_with_native_histograms_scrapes_protobuf() {
    let mut registry = Registry::new();
    registry.register(&REQS).unwrap();
    registry.register(&TEMP).unwrap();
    registry.register(&LAT).unwrap();
    registry.register(&WORK).unwrap();
    REQS.labels(["get"]).unwrap().inc_by(3);
    REQS.labels(["post"]).unwrap().inc();
    TEMP.set(21.5);
    for v in [0.02, 0.2, 2.0] {
        LAT.observe(v).unwrap();
        WORK.observe(v).unwrap();
    }
    let source = Arc::new(Recording {
        registry,
        text: AtomicUsize::new(0),
        protobuf: AtomicUsize::new(0),
    });
    let server = ScrapeServer::bind("127.0.0.1:0", source.clone()).unwrap();
    let prom = Prometheus::start_native_histograms(server.local_addr().port()).unwrap();

    wait_for(&prom, "up{job=\"edgeprom\"}", |s| single_value(s, 1.0));
    wait_for(&prom, "pb_demo_requests_total{method=\"get\"}", |s| {
        single_value(s, 3.0)
    });
    wait_for(&prom, "pb_demo_requests_total{method=\"post\"}", |s| {
        single_value(s, 1.0)
    });
    wait_for(&prom, "pb_demo_temperature_celsius", |s| {
        single_value(s, 21.5)
    });
    wait_for(&prom, "pb_demo_latency_seconds_count", |s| {
        single_value(s, 3.0)
    });
    wait_for(&prom, "pb_demo_latency_seconds_bucket{le=\"0.025\"}", |s| {
        single_value(s, 1.0)
    });
    wait_for(&prom, "pb_demo_latency_seconds_bucket{le=\"0.25\"}", |s| {
        single_value(s, 2.0)
    });
    wait_for(&prom, "pb_demo_latency_seconds_bucket{le=\"+Inf\"}", |s| {
        single_value(s, 3.0)
    });
    wait_for(&prom, "pb_demo_latency_seconds_sum", |s| {
        s.len() == 1 && (s[0].value - 2.22).abs() < 1e-9
    });
    wait_for(&prom, "pb_demo_work_seconds_count", |s| {
        single_value(s, 3.0)
    });
    wait_for(&prom, "pb_demo_work_seconds_sum", |s| {
        s.len() == 1 && (s[0].value - 2.22).abs() < 1e-9
    });
    // No `_created` series: Prometheus 2.42 reads no created timestamps from protobuf.
    let created = prom.query("{__name__=~\"pb_demo_.*_created\"}").unwrap();
    assert!(created.is_empty(), "{created:?}");

    // Later updates arrive with later scrapes.
    REQS.labels(["get"]).unwrap().inc_by(4);
    wait_for(&prom, "pb_demo_requests_total{method=\"get\"}", |s| {
        single_value(s, 7.0)
    });

    // Every scrape was protobuf.
    assert!(source.protobuf.load(Ordering::SeqCst) >= 2);
    assert_eq!(source.text.load(Ordering::SeqCst), 0);
}
