//! UTF-8 metric and label names: quoted in text 1.0.0 and OpenMetrics 1.0.0 under
//! `allow-utf-8`, escaped by every other scheme and in every other format, and checked at
//! compile time in `static`s.

#![cfg(feature = "utf8-names")]

use edgeprom::{
    negotiate, Counter, Escaping, Family, FamilyBuilder, Format, Gauge, Histogram, Metric,
    NameError, Registry,
};

static DOTTED: Metric<Counter> = Metric::utf8("my.metric_total", "A \"dotted\" counter.");
static REQUESTS: Family<Counter, 1, 2, 16> =
    FamilyBuilder::new("http.requests", "Requests.", ["http.method"])
        .utf8()
        .build();
static LEGACY: Metric<Gauge> = Metric::new("plain_gauge", "Legacy name.");
static LATENCY: Family<Histogram, 1, 1, 8> =
    FamilyBuilder::new("rpc.latency_seconds", "Latency.", ["rpc.system"])
        .utf8()
        .build::<Histogram, 1, 8>();

fn registry(namespace: Option<&'static str>) -> Registry<'static, 4> {
    let mut r = Registry::new();
    if let Some(ns) = namespace {
        r = r.with_namespace(ns).unwrap();
    }
    r.register(&DOTTED).unwrap();
    r.register(&REQUESTS).unwrap();
    r.register(&LEGACY).unwrap();
    r.register(&LATENCY).unwrap();
    // The statics are shared by the tests, which run in parallel: updated once.
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        DOTTED.inc_by(1);
        REQUESTS.labels(["get"]).unwrap().inc_by(2);
        LEGACY.set(3.0);
        LATENCY.labels(["grpc"]).unwrap().observe(0.2).unwrap();
    });
    r
}

fn doc(r: &Registry<'_, 4>, format: Format, escaping: Escaping) -> String {
    let mut s = String::new();
    r.encode_to_escaped(format, escaping, &mut s).unwrap();
    let mut buf = vec![0u8; 1 << 14];
    let n = r.encode_escaped(format, escaping, &mut buf).unwrap();
    assert_eq!(
        std::str::from_utf8(&buf[..n]).unwrap(),
        s,
        "slice and fmt::Write agree"
    );
    s
}

fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

#[test]
fn quoted_in_openmetrics_and_text_1_0_0_under_allow_utf8() {
    let r = registry(None);
    let om = doc(&r, Format::OpenMetrics, Escaping::AllowUtf8);
    let l = lines(&om);
    assert!(l.contains(&"# TYPE \"my.metric\" counter"), "{om}");
    assert!(
        l.contains(&"# HELP \"my.metric\" A \\\"dotted\\\" counter."),
        "{om}"
    );
    assert!(
        l.iter().any(|x| x.starts_with("{\"my.metric_total\"} 1")),
        "{om}"
    );
    assert!(
        l.iter()
            .any(|x| x.starts_with("{\"http.requests_total\",\"http.method\"=\"get\"} 2")),
        "{om}"
    );
    assert!(
        l.contains(&"{\"rpc.latency_seconds_bucket\",\"rpc.system\"=\"grpc\",le=\"+Inf\"} 1"),
        "{om}"
    );
    assert!(l.contains(&"plain_gauge 3.0"), "{om}");
    assert!(om.ends_with("# EOF\n"));

    let text = doc(&r, Format::PrometheusV1, Escaping::AllowUtf8);
    let l = lines(&text);
    assert!(l.contains(&"# TYPE \"my.metric_total\" counter"), "{text}");
    assert!(l.contains(&"{\"my.metric_total\"} 1"), "{text}");
    assert!(
        l.contains(&"{\"http.requests_total\",\"http.method\"=\"get\"} 2"),
        "{text}"
    );
    assert!(!text.contains("# EOF"));
}

#[test]
fn escaped_by_each_scheme() {
    let r = registry(None);
    for format in [
        Format::Prometheus,
        Format::PrometheusV1,
        Format::OpenMetrics,
    ] {
        let u = doc(&r, format, Escaping::Underscores);
        assert!(u.contains("\nmy_metric_total 1"), "{u}");
        assert!(
            u.contains("\nhttp_requests_total{http_method=\"get\"} 2"),
            "{u}"
        );
        assert!(u.contains("\nrpc_latency_seconds_bucket{rpc_system=\"grpc\",le=\"+Inf\"} 1"));
        assert!(!u.contains("{\""), "no quoted name: {u}");
        let d = doc(&r, format, Escaping::Dots);
        assert!(d.contains("\nmy_dot_metric_total 1"), "{d}");
        assert!(
            d.contains("\nhttp_dot_requests_total{http_dot_method=\"get\"} 2"),
            "{d}"
        );
        // Legacy-valid names are never escaped, by any scheme.
        assert!(d.contains("\nplain_gauge 3"), "{d}");
        let v = doc(&r, format, Escaping::Values);
        assert!(v.contains("\nU__my_2E_metric_total 1"), "{v}");
        assert!(
            v.contains("\nU__http_2E_requests_total{U__http_2E_method=\"get\"} 2"),
            "{v}"
        );
        assert!(
            v.contains("\nU__rpc_2E_latency__seconds_count{U__rpc_2E_system=\"grpc\"} 1"),
            "{v}"
        );
    }
    // Text 0.0.4 cannot quote: allow-utf-8 is underscores there, and the default.
    let t = doc(&r, Format::Prometheus, Escaping::AllowUtf8);
    assert_eq!(t, doc(&r, Format::Prometheus, Escaping::Underscores));
    let mut plain = String::new();
    r.encode_to(Format::OpenMetrics, &mut plain).unwrap();
    assert_eq!(plain, doc(&r, Format::OpenMetrics, Escaping::Underscores));
}

#[test]
fn namespace_is_part_of_the_escaped_or_quoted_name() {
    let r = registry(Some("app"));
    let om = doc(&r, Format::OpenMetrics, Escaping::AllowUtf8);
    assert!(om.contains("\n{\"app_my.metric_total\"} 1"), "{om}");
    let d = doc(&r, Format::OpenMetrics, Escaping::Dots);
    assert!(d.contains("\napp__my_dot_metric_total 1"), "{d}");
    assert!(d.contains("\napp_plain_gauge 3"), "{d}");
}

#[test]
fn negotiated_documents() {
    let r = registry(None);
    let mut s = String::new();
    let p3 = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,*/*;q=0.2";
    r.encode_negotiated(negotiate(p3, false), &mut s).unwrap();
    assert!(s.contains("{\"my.metric_total\"} 1"), "{s}");
    s.clear();
    r.encode_negotiated(negotiate("*/*", false), &mut s)
        .unwrap();
    assert!(s.contains("\nmy_metric_total 1"), "{s}");
    let pb = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited";
    assert!(r.encode_negotiated(negotiate(pb, true), &mut s).is_err());
}

#[test]
fn utf8_names_are_still_checked() {
    assert_eq!(
        Metric::<Gauge>::try_utf8("", "h").err(),
        Some(NameError::Empty)
    );
    assert_eq!(
        Metric::<Gauge>::try_utf8("__x.y", "h").err(),
        Some(NameError::ReservedPrefix)
    );
    assert!(Metric::<Gauge>::try_utf8("temp.°C \"quoted\"\n", "h").is_ok());
    assert!(
        Metric::<Gauge>::try_new("my.metric", "h").is_err(),
        "legacy constructors refuse"
    );
    let bad = FamilyBuilder::new("a.b", "h", ["x.y", "x.y"])
        .utf8()
        .try_build::<Gauge, 1, 8>();
    assert_eq!(bad.err(), Some(NameError::DuplicateLabel));
    let reserved = FamilyBuilder::new("a.b", "h", ["__x"])
        .utf8()
        .try_build::<Gauge, 1, 8>();
    assert_eq!(reserved.err(), Some(NameError::ReservedPrefix));
    let legacy = FamilyBuilder::new("a_b", "h", ["x.y"]).try_build::<Gauge, 1, 8>();
    assert_eq!(legacy.err(), Some(NameError::InvalidLabelName));
}

#[test]
fn quotes_and_newlines_in_names_are_escaped() {
    static ODD: Metric<Gauge> = Metric::utf8("a\"b\\c\nd", "h");
    let mut r: Registry<'_, 1> = Registry::new();
    r.register(&ODD).unwrap();
    let mut s = String::new();
    r.encode_to_escaped(Format::OpenMetrics, Escaping::AllowUtf8, &mut s)
        .unwrap();
    assert!(s.contains("\n{\"a\\\"b\\\\c\\nd\"} 0"), "{s}");
    s.clear();
    r.encode_to_escaped(Format::OpenMetrics, Escaping::Underscores, &mut s)
        .unwrap();
    assert!(s.contains("\na_b_c_d 0"), "{s}");
}

#[test]
fn names_that_escape_alike_do_not_register_together() {
    static A: Metric<Gauge> = Metric::utf8("disk.free", "h");
    static B: Metric<Gauge> = Metric::new("disk_free", "h");
    static C: Metric<Counter> = Metric::utf8("disk-free_total", "h");
    let mut r: Registry<'_, 3> = Registry::new();
    r.register(&A).unwrap();
    assert!(r.register(&B).is_err(), "disk_free is disk.free escaped");
    assert!(
        r.register(&C).is_err(),
        "disk-free_total is disk_free_total escaped"
    );
    let labels = FamilyBuilder::new("x", "h", ["a.b", "a-b"])
        .utf8()
        .try_build::<Gauge, 1, 8>();
    assert_eq!(labels.err(), Some(NameError::DuplicateLabel));
}
