//! Remote write and VictoriaMetrics import against real receivers on loopback: Prometheus
//! 2.42 (`--web.enable-remote-write-receiver`) and VictoriaMetrics 1.79, values read back.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use edgeprom::encode::remote_write::RemoteWrite;
use edgeprom::{Counter, Family, Gauge, Histogram, Metric, Registry};
use edgeprom_std::{RemoteWriteClient, RemoteWriteError, VictoriaImport};
use edgeprom_tests::servers::{poll_until, Exported, Prometheus, VictoriaMetrics};

edgeprom::buckets!(Ms: u64 = [10, 100]);

fn now() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap()
}

static REQS: Family<Counter, 1, 4> = Family::new("rw_requests", "Requests", ["path"]);
static TEMP: Metric<Gauge> = Metric::new("rw_temp", "Temperature");
static LAT: Metric<Histogram<Ms>> = Metric::new("rw_latency_ms", "Latency");

fn registry() -> Registry<'static, 4> {
    let mut r: Registry<'_, 4> = Registry::new()
        .with_const_labels(&[("device", "dev-7")])
        .unwrap();
    r.register(&REQS).unwrap();
    r.register(&TEMP).unwrap();
    r.register(&LAT).unwrap();
    r
}

/// Records the values of [`WANT`], once per process (both tests read the same statics).
fn record() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(record_once);
}

fn record_once() {
    REQS.labels(["/a"]).unwrap().inc_by(41);
    TEMP.set(21.5);
    LAT.observe(7).unwrap();
    LAT.observe(70).unwrap();
    LAT.observe(700).unwrap();
}

/// What was recorded, as `(name, extra label, value)`, every series with `device=dev-7`.
/// A series' name, the label that tells it apart (if any), and its value.
type Want = (&'static str, Option<(&'static str, &'static str)>, f64);

const WANT: [Want; 7] = [
    ("rw_requests_total", Some(("path", "/a")), 41.0),
    ("rw_temp", None, 21.5),
    ("rw_latency_ms_bucket", Some(("le", "10.0")), 1.0),
    ("rw_latency_ms_bucket", Some(("le", "100.0")), 2.0),
    ("rw_latency_ms_bucket", Some(("le", "+Inf")), 3.0),
    ("rw_latency_ms_count", None, 3.0),
    ("rw_latency_ms_sum", None, 777.0),
];

/// The exported series `name` with the label `extra`.
fn find<'a>(series: &'a [Exported], name: &str, extra: Option<(&str, &str)>) -> &'a Exported {
    series
        .iter()
        .find(|e| e.sample.name == name && extra.is_none_or(|(k, v)| e.sample.label(k) == Some(v)))
        .unwrap_or_else(|| panic!("{name} {extra:?} missing"))
}

#[test]
fn prometheus_stores_every_value_written() {
    let prom = Prometheus::start_receiver().expect("prometheus starts");
    record();
    let r = registry();
    let client = RemoteWriteClient::new(&format!("{}/api/v1/write", prom.url())).unwrap();
    let sent = client.write(&r, &RemoteWrite::at(now())).unwrap();
    assert!(sent > 0);
    for (name, extra, value) in WANT {
        let mut sel = format!("{name}{{device=\"dev-7\"");
        if let Some((k, v)) = extra {
            sel.push_str(&format!(",{k}=\"{v}\""));
        }
        sel.push('}');
        let got = poll_until(Duration::from_secs(10), || {
            prom.query(&sel).ok().filter(|s| s.len() == 1)
        })
        .unwrap_or_else(|| panic!("{sel} not stored"));
        assert_eq!(got[0].value, value, "{sel}");
    }
    // A 400 (here: out of order, an older timestamp) is reported, not retried.
    let e = client
        .write(&r, &RemoteWrite::at(now() - Duration::from_secs(7200)))
        .unwrap_err();
    assert!(
        matches!(e, RemoteWriteError::Rejected { status: 400, .. }),
        "{e}"
    );
}

#[test]
fn victoria_metrics_stores_remote_write_and_import() {
    let vm = VictoriaMetrics::start().expect("victoria-metrics starts");
    record();
    let r = registry();
    let client = RemoteWriteClient::new(&format!("{}/api/v1/write", vm.url())).unwrap();
    let start = now().as_millis() as i64 / 1000 * 1000;
    for i in 0..3 {
        let t = Duration::from_millis((start + i * 1000) as u64);
        client.write(&r, &RemoteWrite::at(t)).unwrap();
    }
    let series = poll_until(Duration::from_secs(10), || {
        vm.export("{__name__=~\"rw_.*\"}")
            .ok()
            .filter(|s| s.len() == WANT.len() && s.iter().all(|e| e.values.len() == 3))
    })
    .expect("every series, three samples each");
    for (name, extra, value) in WANT {
        let e = find(&series, name, extra);
        assert_eq!(e.sample.label("device"), Some("dev-7"));
        assert_eq!(e.values, [value; 3], "{name}");
        assert_eq!(e.timestamps, [start, start + 1000, start + 2000], "{name}");
    }

    // The text import, with the device's identity as extra labels.
    let import = VictoriaImport::new(&vm.url(), &[("site", "lab 1")]).unwrap();
    import.import(&r).unwrap();
    let imported = poll_until(Duration::from_secs(10), || {
        vm.export("{__name__=~\"rw_.*\",site=\"lab 1\"}")
            .ok()
            .filter(|s| s.len() == WANT.len())
    })
    .expect("every imported series");
    for (name, extra, value) in WANT {
        let e = find(&imported, name, extra);
        assert_eq!(e.values, [value], "{name}");
        assert_eq!(e.sample.label("device"), Some("dev-7"));
    }
}
