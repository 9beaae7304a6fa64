//! The scrape endpoint, scraped by a real `prometheus` server: its HTTP API returns the values
//! the test recorded.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use edgeprom::{Counter, Format, Gauge, Histogram};
use edgeprom_std::{DynFamily, DynMetric, DynRegistry, Gather, GatherError, ScrapeServer};
use edgeprom_tests::servers::{http_get, poll_until, Prometheus, Sample};

/// Serves a registry and remembers which formats were asked for.
struct Recording {
    registry: DynRegistry,
    formats: Mutex<Vec<Format>>,
}

impl Gather for Recording {
    fn gather_into(&self, format: Format, out: &mut String) -> Result<(), GatherError> {
        self.formats.lock().unwrap().push(format);
        self.registry.gather_into(format, out)
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
fn prometheus_scrapes_the_recorded_values() {
    let registry = DynRegistry::new();
    let requests = Arc::new(
        DynFamily::<Counter>::new("scrape_demo_requests", "Requests", &["method"]).unwrap(),
    );
    let temperature =
        Arc::new(DynMetric::<Gauge>::new("scrape_demo_temperature_celsius", "T").unwrap());
    let latency =
        Arc::new(DynMetric::<Histogram>::new("scrape_demo_latency_seconds", "L").unwrap());
    registry.register(requests.clone()).unwrap();
    registry.register(temperature.clone()).unwrap();
    registry.register(latency.clone()).unwrap();
    requests.labels(&["get"]).unwrap().inc_by(3);
    requests.labels(&["post"]).unwrap().inc();
    temperature.set(21.5);
    for v in [0.02, 0.2, 2.0] {
        latency.observe(v).unwrap();
    }

    let source = Arc::new(Recording {
        registry,
        formats: Mutex::new(Vec::new()),
    });
    let server = ScrapeServer::bind("127.0.0.1:0", source.clone()).unwrap();
    let prom = Prometheus::start(server.local_addr().port()).unwrap();

    wait_for(&prom, "up{job=\"edgeprom\"}", |s| single_value(s, 1.0));
    let get = wait_for(&prom, "scrape_demo_requests_total{method=\"get\"}", |s| {
        single_value(s, 3.0)
    });
    assert_eq!(
        get[0].label("instance").unwrap(),
        server.local_addr().to_string()
    );
    wait_for(&prom, "scrape_demo_requests_total{method=\"post\"}", |s| {
        single_value(s, 1.0)
    });
    wait_for(&prom, "scrape_demo_temperature_celsius", |s| {
        single_value(s, 21.5)
    });
    wait_for(&prom, "scrape_demo_latency_seconds_count", |s| {
        single_value(s, 3.0)
    });
    wait_for(
        &prom,
        "scrape_demo_latency_seconds_bucket{le=\"0.25\"}",
        |s| single_value(s, 2.0),
    );
    wait_for(&prom, "scrape_demo_latency_seconds_sum", |s| {
        s.len() == 1 && (s[0].value - 2.22).abs() < 1e-9
    });

    // Later updates arrive with later scrapes.
    requests.labels(&["get"]).unwrap().inc_by(4);
    temperature.set(-4.0);
    wait_for(&prom, "scrape_demo_requests_total{method=\"get\"}", |s| {
        single_value(s, 7.0)
    });
    wait_for(&prom, "scrape_demo_temperature_celsius", |s| {
        single_value(s, -4.0)
    });

    // Prometheus asked for OpenMetrics, and got it.
    let formats = source.formats.lock().unwrap().clone();
    assert!(!formats.is_empty());
    assert!(
        formats.iter().all(|f| *f == Format::OpenMetrics),
        "{formats:?}"
    );

    // The same endpoint, asked plainly, answers Prometheus text with its content type.
    let url = format!("http://{}/metrics", server.local_addr());
    let (status, body) = http_get(&url).unwrap();
    assert_eq!(status, 200);
    assert!(
        body.contains("scrape_demo_requests_total{method=\"get\"} 7\n"),
        "{body}"
    );
    assert!(!body.contains("# EOF"));
    let (status, _) = http_get(&format!("http://{}/other", server.local_addr())).unwrap();
    assert_eq!(status, 404);
    // A malformed request gets 400 and the server keeps serving Prometheus.
    let mut raw = TcpStream::connect(server.local_addr()).unwrap();
    raw.write_all(b"\x00\x01 nonsense\r\n\r\n").unwrap();
    let mut answer = String::new();
    raw.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    let before = source.formats.lock().unwrap().len();
    poll_until(DEADLINE, || {
        (source.formats.lock().unwrap().len() > before).then_some(())
    })
    .expect("Prometheus keeps scraping");

    drop(prom);
    server.stop();
}
