//! Remote write and VictoriaMetrics import against real receivers on loopback: Prometheus
//! 2.42 (`--web.enable-remote-write-receiver`) and VictoriaMetrics 1.79, values read back;
//! from every registry: the core's `Registry`, a `static_registry!` and a `DynRegistry`
//! (directly and from a `PeriodicRemoteWriter`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use edgeprom::encode::remote_write::RemoteWrite;
use edgeprom::{static_registry, Counter, Family, Gauge, Histogram, Metric, Registry};
use edgeprom_std::{
    DynFamily, DynMetric, DynRegistry, FnGauge, MetricsLogger, PeriodicRemoteWriter,
    RemoteWriteClient, RemoteWriteError, RemoteWriteMetrics, VictoriaImport,
};
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

/// Writes at three timestamps a second apart from `start` (ms, whole seconds) with `write`,
/// then reads back every series matching `selector`, `n` of them, three samples each.
fn write_thrice_and_export(
    vm: &VictoriaMetrics,
    selector: &str,
    n: usize,
    mut write: impl FnMut(&RemoteWriteClient, &RemoteWrite) -> Result<usize, RemoteWriteError>,
) -> (Vec<Exported>, i64) {
    let client = RemoteWriteClient::new(&format!("{}/api/v1/write", vm.url())).unwrap();
    let start = now().as_millis() as i64 / 1000 * 1000;
    for i in 0..3 {
        let t = Duration::from_millis((start + i * 1000) as u64);
        assert!(write(&client, &RemoteWrite::at(t)).unwrap() > 0);
    }
    let series = poll_until(Duration::from_secs(10), || {
        vm.export(selector)
            .ok()
            .filter(|s| s.len() == n && s.iter().all(|e| e.values.len() == 3))
    })
    .unwrap_or_else(|| panic!("{n} series of {selector}, three samples each"));
    (series, start)
}

#[test]
fn victoria_metrics_stores_a_dyn_registry() {
    let vm = VictoriaMetrics::start().expect("victoria-metrics starts");
    let r = DynRegistry::new();
    let jobs = Arc::new(DynMetric::<Counter>::new("dyn_jobs", "Jobs").unwrap());
    let temp = Arc::new(DynFamily::<Gauge>::new("dyn_temp", "Temperature", &["room"]).unwrap());
    let lat = Arc::new(DynMetric::<Histogram>::new("dyn_latency_seconds", "Latency").unwrap());
    r.register(jobs.clone()).unwrap();
    r.register(temp.clone()).unwrap();
    r.register(lat.clone()).unwrap();
    jobs.inc_by(12);
    temp.labels(&["kitchen"]).unwrap().set(19.25);
    temp.labels(&["attic"]).unwrap().set(-3.5);
    for v in [0.05, 0.5, 5.0] {
        lat.observe(v).unwrap();
    }
    // The counter, two gauges, 15 buckets (14 default, +Inf), _count and _sum.
    let (series, start) =
        write_thrice_and_export(&vm, "{__name__=~\"dyn_.*\"}", 20, |c, req| c.write(&r, req));
    let want: [Want; 9] = [
        ("dyn_jobs_total", None, 12.0),
        ("dyn_temp", Some(("room", "kitchen")), 19.25),
        ("dyn_temp", Some(("room", "attic")), -3.5),
        ("dyn_latency_seconds_bucket", Some(("le", "0.01")), 0.0),
        ("dyn_latency_seconds_bucket", Some(("le", "0.1")), 1.0),
        ("dyn_latency_seconds_bucket", Some(("le", "1.0")), 2.0),
        ("dyn_latency_seconds_bucket", Some(("le", "+Inf")), 3.0),
        ("dyn_latency_seconds_count", None, 3.0),
        ("dyn_latency_seconds_sum", None, 5.55),
    ];
    for (name, extra, value) in want {
        let e = find(&series, name, extra);
        assert_eq!(e.values, [value; 3], "{name} {extra:?}");
        assert_eq!(e.timestamps, [start, start + 1000, start + 2000], "{name}");
    }
}

static_registry! {
    static STATIC_RW (namespace "srw", const_labels &[("board", "b1")]) {
        static S_BOOTS: Metric<Counter> = Metric::new("boots", "Boots");
        static S_VOLTS: Family<Gauge, 1, 4> = Family::new("volts", "Rail voltage", ["rail"]);
        static S_LAT: Metric<Histogram<Ms>> = Metric::new("latency_ms", "Latency");
    }
}

#[test]
fn victoria_metrics_stores_a_static_registry() {
    let vm = VictoriaMetrics::start().expect("victoria-metrics starts");
    S_BOOTS.inc_by(4);
    S_VOLTS.labels(["3v3"]).unwrap().set(3.29);
    S_VOLTS.labels(["5v"]).unwrap().set(5.02);
    S_LAT.observe(7).unwrap();
    S_LAT.observe(700).unwrap();
    let (series, start) = write_thrice_and_export(&vm, "{__name__=~\"srw_.*\"}", 8, |c, req| {
        c.write(&STATIC_RW, req)
    });
    let want: [Want; 8] = [
        ("srw_boots_total", None, 4.0),
        ("srw_volts", Some(("rail", "3v3")), 3.29),
        ("srw_volts", Some(("rail", "5v")), 5.02),
        ("srw_latency_ms_bucket", Some(("le", "10.0")), 1.0),
        ("srw_latency_ms_bucket", Some(("le", "100.0")), 1.0),
        ("srw_latency_ms_bucket", Some(("le", "+Inf")), 2.0),
        ("srw_latency_ms_count", None, 2.0),
        ("srw_latency_ms_sum", None, 707.0),
    ];
    for (name, extra, value) in want {
        let e = find(&series, name, extra);
        assert_eq!(e.sample.label("board"), Some("b1"), "{name}");
        assert_eq!(e.values, [value; 3], "{name} {extra:?}");
        assert_eq!(e.timestamps, [start, start + 1000, start + 2000], "{name}");
    }
}

#[test]
fn a_periodic_writer_of_a_shared_dyn_registry_sends_every_snapshot() {
    static RW: RemoteWriteMetrics = RemoteWriteMetrics::new();
    let vm = VictoriaMetrics::start().expect("victoria-metrics starts");
    let r = Arc::new(DynRegistry::new());
    let ticks = Arc::new(DynMetric::<Counter>::new("pdyn_ticks", "Ticks").unwrap());
    let level = Arc::new(DynFamily::<Gauge>::new("pdyn_level", "Level", &["tank"]).unwrap());
    // Called once per snapshot: its values read back must be 1, 2, 3, ... in time order.
    let calls = Arc::new(AtomicU64::new(0));
    let c = Arc::clone(&calls);
    let snapshot = FnGauge::new("pdyn_snapshot", "Snapshots encoded", move || {
        (c.fetch_add(1, Ordering::SeqCst) + 1) as f64
    })
    .unwrap();
    r.register(ticks.clone()).unwrap();
    r.register(level.clone()).unwrap();
    r.register(Arc::new(snapshot)).unwrap();
    RW.register_dyn(&r).unwrap();
    level.labels(&["a"]).unwrap().set(0.5);

    let client = RemoteWriteClient::new(&format!("{}/api/v1/write", vm.url())).unwrap();
    let writer = PeriodicRemoteWriter::every(Duration::from_millis(150))
        .metrics(&RW)
        .start(client, Arc::clone(&r))
        .unwrap();
    while writer.stats().sent_snapshots < 4 {
        ticks.inc();
        std::thread::sleep(Duration::from_millis(20));
    }
    ticks.inc_by(100);
    let stats = writer.stop(Duration::from_secs(10)).unwrap(); // a final snapshot, sent
    let sent = stats.sent_snapshots as usize;
    assert!(sent >= 5, "{stats:?}");
    assert_eq!(
        (stats.snapshots as usize, stats.dropped_snapshots),
        (sent, 0)
    );
    assert_eq!(calls.load(Ordering::SeqCst) as usize, sent);

    let series = poll_until(Duration::from_secs(10), || {
        vm.export("{__name__=~\"pdyn_.*|edgeprom_remote_write_snapshots_total\"}")
            .ok()
            .filter(|s| s.len() == 4 && s.iter().all(|e| e.values.len() == sent))
    })
    .expect("four series, every snapshot");
    let seq = find(&series, "pdyn_snapshot", None);
    let want: Vec<f64> = (1..=sent).map(|i| i as f64).collect();
    assert_eq!(seq.values, want);
    assert!(seq.timestamps.windows(2).all(|w| w[0] < w[1]), "{seq:?}");
    let ticks_sent = &find(&series, "pdyn_ticks_total", None).values;
    assert!(
        ticks_sent.windows(2).all(|w| w[0] <= w[1]),
        "{ticks_sent:?}"
    );
    assert_eq!(ticks_sent.last().copied(), Some(ticks.get() as f64));
    assert!(ticks.get() > 100);
    let levels = &find(&series, "pdyn_level", Some(("tank", "a"))).values;
    assert_eq!(levels, &vec![0.5; sent]);
    // The writer's own metrics, registered into the registry it writes: each snapshot counts
    // the ones queued before it.
    let own = &find(&series, "edgeprom_remote_write_snapshots_total", None).values;
    let before: Vec<f64> = (0..sent).map(|i| i as f64).collect();
    assert_eq!(own, &before);
}

#[test]
fn victoria_metrics_stores_a_metrics_logger() {
    let vm = VictoriaMetrics::start().expect("victoria-metrics starts");
    let mut logger = MetricsLogger::builder()
        .env(|_| None)
        .workload_id("exp7")
        .pod("pod-1")
        .gateway("http://127.0.0.1:1")
        .step(9)
        .build()
        .unwrap();
    logger.add_gauge("lg_loss").unwrap();
    logger.add_counter("lg_batches").unwrap();
    logger.set("lg_loss", 0.125).unwrap();
    logger["lg_batches"].inc_by(3.0).unwrap();
    let (series, start) = write_thrice_and_export(&vm, "{__name__=~\"lg_.*\"}", 2, |c, req| {
        c.write(&logger, req)
    });
    for (name, value) in [("lg_loss", 0.125), ("lg_batches_total", 3.0)] {
        let e = find(&series, name, None);
        assert_eq!(e.values, [value; 3], "{name}");
        assert_eq!(e.timestamps, [start, start + 1000, start + 2000], "{name}");
        let labels = [
            ("label_metrics_experiment_handle", "exp7"),
            ("pod", "pod-1"),
            ("step", "9"),
        ];
        for (k, v) in labels {
            assert_eq!(e.sample.label(k), Some(v), "{name} {k}");
        }
    }
}
