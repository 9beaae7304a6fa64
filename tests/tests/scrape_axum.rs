//! The axum integration (`edgeprom_std::metrics_route`, feature `axum`): a `/metrics` route of
//! a real axum server on tokio, scraped by a real Prometheus 2.42, once asking for OpenMetrics
//! (its default) and once, with native histograms on, for the protobuf exposition. The values
//! Prometheus stores are the ones recorded, and the `Content-Type`s are the negotiated ones.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use edgeprom::{Counter, Gauge, Histogram, Metric, NativeHistogram, Registry};
use edgeprom_std::{metrics_route, DynFamily, DynMetric, DynRegistry, Gather};
use edgeprom_tests::servers::{Prometheus, Sample};

const DEADLINE: Duration = Duration::from_secs(30);

/// Serves `app` on a free loopback port from a tokio runtime on its own thread; the runtime
/// and the server end with the test process.
fn serve(app: Router) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    rx.recv_timeout(DEADLINE).unwrap()
}

fn single_value(samples: &[Sample], v: f64) -> bool {
    samples.len() == 1 && samples[0].value == v
}

/// GETs `/metrics` with an `Accept` header: the status, the `Content-Type` and the body.
fn get(addr: SocketAddr, accept: &str) -> (u16, String, Vec<u8>) {
    let mut resp = ureq::get(format!("http://{addr}/metrics"))
        .header("Accept", accept)
        .call()
        .unwrap();
    let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
    let body = resp.body_mut().read_to_vec().unwrap();
    (resp.status().as_u16(), ct, body)
}

#[test]
fn prometheus_scrapes_an_axum_route() {
    let registry = Arc::new(DynRegistry::new());
    let requests =
        Arc::new(DynFamily::<Counter>::new("axum_demo_requests", "Requests", &["route"]).unwrap());
    let latency = Arc::new(DynMetric::<Histogram>::new("axum_demo_latency_seconds", "L").unwrap());
    let temperature = Arc::new(DynMetric::<Gauge>::new("axum_demo_temperature", "T").unwrap());
    registry.register(requests.clone()).unwrap();
    registry.register(latency.clone()).unwrap();
    registry.register(temperature.clone()).unwrap();
    requests.labels(&["/api"]).unwrap().inc_by(5);
    temperature.set(19.25);
    for v in [0.01, 0.3] {
        latency.observe(v).unwrap();
    }

    // The whole endpoint is one line of the service's router.
    let app = Router::new().route("/metrics", metrics_route(registry.clone()));
    let addr = serve(app);

    // What Prometheus 2.42 sends without native histograms: OpenMetrics 1.0.0 first.
    let (status, ct, body) = get(
        addr,
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;\
         version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
    );
    assert_eq!(status, 200);
    assert_eq!(
        ct,
        "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores"
    );
    let text = String::from_utf8(body).unwrap();
    assert!(
        text.contains("axum_demo_requests_total{route=\"/api\"} 5\n"),
        "{text}"
    );
    assert!(text.ends_with("# EOF\n"), "{text}");
    // A plain scraper gets text 0.0.4, the same answer the standalone server gives.
    let (_, ct, body) = get(addr, "text/plain");
    assert_eq!(
        ct,
        "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"
    );
    assert_eq!(
        String::from_utf8(body).unwrap(),
        registry.gather(edgeprom::Format::Prometheus).unwrap()
    );

    let prom = Prometheus::start(addr.port()).unwrap();
    prom.wait_for("up{job=\"edgeprom\"}", DEADLINE, |s| single_value(s, 1.0));
    let got = prom.wait_for("axum_demo_requests_total{route=\"/api\"}", DEADLINE, |s| {
        single_value(s, 5.0)
    });
    assert_eq!(got[0].label("instance").unwrap(), addr.to_string());
    prom.wait_for("axum_demo_temperature", DEADLINE, |s| {
        single_value(s, 19.25)
    });
    prom.wait_for("axum_demo_latency_seconds_count", DEADLINE, |s| {
        single_value(s, 2.0)
    });
    // Later updates reach Prometheus at the next scrapes.
    requests.labels(&["/api"]).unwrap().inc_by(2);
    prom.wait_for("axum_demo_requests_total{route=\"/api\"}", DEADLINE, |s| {
        single_value(s, 7.0)
    });
}

static NATIVE: Metric<NativeHistogram<f64, 160>> =
    Metric::new("axum_native_latency_seconds", "Native latency");

#[test]
fn prometheus_with_native_histograms_gets_protobuf_from_the_route() {
    let mut registry: Registry<'static, 2> = Registry::new();
    registry.register(&NATIVE).unwrap();
    for v in [0.002, 0.02, 0.02, 2.0] {
        NATIVE.observe(v).unwrap();
    }
    let source: Arc<dyn Gather> = Arc::new(registry);
    let addr = serve(Router::new().route("/metrics", metrics_route(source)));
    let prom = Prometheus::start_native_histograms(addr.port()).unwrap();
    // histogram_count of a native histogram exists only if it arrived in protobuf.
    prom.wait_for(
        "histogram_count(axum_native_latency_seconds)",
        DEADLINE,
        |s| single_value(s, 4.0),
    );
    let (status, ct, _) = get(
        addr,
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;\
         encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8",
    );
    assert_eq!(status, 200);
    assert!(ct.starts_with("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"), "{ct}");
    // Not found on another path: the route is only where it was mounted.
    let other = ureq::get(format!("http://{addr}/other")).call();
    assert!(
        matches!(other, Err(ureq::Error::StatusCode(404))),
        "{other:?}"
    );
}
