//! Golden tests: the seed page's examples and the extras (namespace, constant labels, units,
//! escaping, special floats, integer and labelled histograms, info, state set, callback gauge)
//! encode in both formats byte for byte to the checked-in documents in `tests/golden/`.
//!
//! The golden documents were written from the format specifications
//! (`shared/reference/formats-and-pushgateway.md`), not copied from the encoder's output. Run
//! with `UPDATE_GOLDEN=1` to rewrite them from the encoder after a deliberate change, then
//! review the diff line by line.

use std::path::PathBuf;

use edgeprom::{EncodeError, Format, Registry};
use edgeprom_tests::seed::{Extras, Seed};

fn golden_path(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("golden")
        .join(file)
}

fn encode<const N: usize>(registry: &Registry<'_, N>, format: Format) -> String {
    let mut buf = vec![0u8; 64 * 1024];
    let n = registry
        .encode(format, &mut buf)
        .unwrap_or_else(|e| panic!("encoding {format:?} failed: {e}"));
    buf.truncate(n);
    String::from_utf8(buf).expect("the encoder writes UTF-8")
}

/// Compares `actual` with the golden file, or rewrites it under `UPDATE_GOLDEN=1`.
fn check_golden(file: &str, actual: &str) {
    let path = golden_path(file);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).expect("writing the golden file");
        eprintln!("rewrote {}", path.display());
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "reading {}: {e} (UPDATE_GOLDEN=1 creates it)",
            path.display()
        )
    });
    if expected == actual {
        return;
    }
    let mut exp = expected.split_inclusive('\n');
    let mut act = actual.split_inclusive('\n');
    for line in 1.. {
        match (exp.next(), act.next()) {
            (Some(e), Some(a)) if e == a => continue,
            (e, a) => panic!(
                "{file} differs at line {line}\n  expected: {e:?}\n  actual:   {a:?}\n\
                 (after a deliberate change: UPDATE_GOLDEN=1 cargo test -p edgeprom-tests \
                 --test golden, then review the diff)"
            ),
        }
    }
}

/// Checks the golden documents themselves against rules of their format, so that an
/// `UPDATE_GOLDEN=1` run cannot silently bless a broken document.
fn check_shape(file: &str, format: Format) {
    let text = std::fs::read_to_string(golden_path(file)).expect("golden file");
    assert!(text.ends_with('\n'), "{file}: last line ends in \\n");
    assert!(!text.contains('\r'), "{file}: no carriage returns");
    assert!(!text.contains("\n\n"), "{file}: no blank lines");
    assert!(!text.starts_with('\u{feff}'), "{file}: no BOM");
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        assert!(!line.contains(",}"), "{file}: trailing comma in {line:?}");
        let value = line.rsplit(' ').next().unwrap_or_default();
        let ok = matches!(value, "NaN" | "+Inf" | "-Inf") || value.parse::<f64>().is_ok();
        assert!(ok, "{file}: bad value in {line:?}");
    }
    match format {
        Format::OpenMetrics => {
            assert!(text.ends_with("\n# EOF\n"), "{file}: ends with # EOF");
            assert_eq!(text.matches("# EOF").count(), 1, "{file}: one # EOF");
        }
        Format::Prometheus | Format::PrometheusV1 => {
            assert!(
                !text.contains("# EOF"),
                "{file}: no # EOF in Prometheus text"
            );
            assert!(
                !text.contains("# UNIT"),
                "{file}: no # UNIT in Prometheus text"
            );
        }
    }
}

#[test]
fn seed_prometheus() {
    let seed = Seed::recorded().expect("recorded updates");
    let r = seed.registry().expect("registry");
    check_golden("seed.prom", &encode(&r, Format::Prometheus));
    check_shape("seed.prom", Format::Prometheus);
}

#[test]
fn seed_openmetrics() {
    let seed = Seed::recorded().expect("recorded updates");
    let r = seed.registry().expect("registry");
    check_golden("seed.om", &encode(&r, Format::OpenMetrics));
    check_shape("seed.om", Format::OpenMetrics);
}

#[test]
fn extras_prometheus() {
    let extras = Extras::recorded().expect("recorded updates");
    let r = extras.registry().expect("registry");
    check_golden("extras.prom", &encode(&r, Format::Prometheus));
    check_shape("extras.prom", Format::Prometheus);
}

#[test]
fn extras_openmetrics() {
    let extras = Extras::recorded().expect("recorded updates");
    let r = extras.registry().expect("registry");
    check_golden("extras.om", &encode(&r, Format::OpenMetrics));
    check_shape("extras.om", Format::OpenMetrics);
}

/// A fresh registry without updates still encodes a valid document: zero counts, and no
/// `_created` when no clock is set.
#[test]
fn untouched_metrics_without_clock() {
    let seed = Seed::new();
    let mut r: Registry<'_, 4> = Registry::new();
    r.register(&seed.failures).expect("register");
    r.register(&seed.requests).expect("register");
    r.register(&seed.latency_summary).expect("register");
    assert_eq!(
        encode(&r, Format::OpenMetrics),
        "# TYPE my_failures counter\n\
         # HELP my_failures Description of counter\n\
         my_failures_total 0.0\n\
         # TYPE my_requests counter\n\
         # HELP my_requests HTTP Failures\n\
         # TYPE request_latency_seconds summary\n\
         # HELP request_latency_seconds Description of summary\n\
         request_latency_seconds_count 0\n\
         request_latency_seconds_sum 0.0\n\
         # EOF\n"
    );
    assert_eq!(
        encode(&r, Format::Prometheus),
        "# HELP my_failures_total Description of counter\n\
         # TYPE my_failures_total counter\n\
         my_failures_total 0.0\n\
         # HELP my_requests_total HTTP Failures\n\
         # TYPE my_requests_total counter\n\
         # HELP request_latency_seconds Description of summary\n\
         # TYPE request_latency_seconds summary\n\
         request_latency_seconds_count 0\n\
         request_latency_seconds_sum 0.0\n"
    );
}

/// Every too-small buffer, down to empty, reports exactly the full document's size; the exact
/// size succeeds with the same bytes.
fn check_too_small<const N: usize>(r: &Registry<'_, N>, format: Format) {
    let full = encode(r, format);
    let n = full.len();
    let mut buf = vec![0u8; n];
    for short in [0, 1, n / 3, n / 2, n - 2, n - 1] {
        assert_eq!(
            r.encode(format, &mut buf[..short]),
            Err(EncodeError::BufferTooSmall { needed: n }),
            "{format:?} into {short} of {n} bytes"
        );
    }
    assert_eq!(r.encode(format, &mut buf), Ok(n));
    assert_eq!(buf, full.as_bytes());
}

#[test]
fn buffer_too_small_reports_full_length() {
    let seed = Seed::recorded().expect("recorded updates");
    let extras = Extras::recorded().expect("recorded updates");
    for format in [Format::Prometheus, Format::OpenMetrics] {
        check_too_small(&seed.registry().expect("registry"), format);
        check_too_small(&extras.registry().expect("registry"), format);
    }
}

/// `encode_to` into a `String` writes exactly what `encode` writes into a slice.
#[test]
fn encode_to_string_equals_encode_into_slice() {
    let seed = Seed::recorded().expect("recorded updates");
    let extras = Extras::recorded().expect("recorded updates");
    let (rs, re) = (
        seed.registry().expect("registry"),
        extras.registry().expect("registry"),
    );
    for format in [Format::Prometheus, Format::OpenMetrics] {
        let mut s = String::new();
        rs.encode_to(format, &mut s).expect("encode_to");
        assert_eq!(s, encode(&rs, format));
        let mut s = String::new();
        re.encode_to(format, &mut s).expect("encode_to");
        assert_eq!(s, encode(&re, format));
    }
}

#[test]
fn content_types() {
    assert_eq!(
        Format::Prometheus.content_type(),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert_eq!(
        Format::OpenMetrics.content_type(),
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
}
