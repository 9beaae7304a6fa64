//! The example firmware (tests/firmware) boots in QEMU's `lm3s6965evb`, pushes its metrics with
//! `edgeprom-embedded`'s HTTP client over UART0, bridged to a real Pushgateway, and every
//! value it recorded is read back from the gateway's `/metrics`.
//!
//! The firmware is built by `cargo xtask test` before the tests run; this test also runs the
//! same `cargo build` (a no-op when up to date), so `cargo test` alone works too.

use std::time::Duration;

use edgeprom_tests::qemu::{build_firmware, run_firmware, Pushgateway, Samples};

/// The firmware's job and grouping key (tests/firmware/src/main.rs).
const GROUP: [(&str, &str); 2] = [("job", "edgeprom_firmware"), ("instance", "qemu-lm3s6965")];
/// The Unix time the firmware sets its clock to.
const UNIX_TIME: f64 = 1_700_000_000.0;

/// One expected sample: its name, its labels besides the group's, its value.
type Expected = (&'static str, Vec<(&'static str, &'static str)>, f64);

/// The firmware's recorded values. Derived from the updates in `record()` there, not read
/// back from anything.
fn expected() -> Vec<Expected> {
    // Latency observations: four direct ones and one 0.25 s timer.
    let latencies = [0.05, 0.3, 0.3, 2.0, 0.25];
    let bucket = |le: f64| latencies.iter().filter(|v| **v <= le).count() as f64;
    vec![
        ("fw_boots_total", vec![], 3.0),
        ("fw_energy_joules_total", vec![], 1.5 + 0.25),
        ("fw_temperature_celsius", vec![], 21.5 - 0.25),
        ("fw_queue_depth", vec![], -2.0),
        // Set to the wall clock one tick reading (0.25 s) after the clock was set.
        ("fw_last_sync_timestamp_seconds", vec![], UNIX_TIME + 0.25),
        (
            "fw_latency_seconds_bucket",
            vec![("le", "0.1")],
            bucket(0.1),
        ),
        (
            "fw_latency_seconds_bucket",
            vec![("le", "0.25")],
            bucket(0.25),
        ),
        (
            "fw_latency_seconds_bucket",
            vec![("le", "0.5")],
            bucket(0.5),
        ),
        ("fw_latency_seconds_bucket", vec![("le", "1")], bucket(1.0)),
        ("fw_latency_seconds_bucket", vec![("le", "+Inf")], 5.0),
        ("fw_latency_seconds_count", vec![], 5.0),
        ("fw_latency_seconds_sum", vec![], latencies.iter().sum()),
        ("fw_payload_bytes_count", vec![], 2.0),
        ("fw_payload_bytes_sum", vec![], 100.0 + 412.5),
        (
            "fw_frames_total",
            vec![("port", "uart0"), ("result", "ok")],
            7.0,
        ),
        (
            "fw_frames_total",
            vec![("port", "uart0"), ("result", "crc")],
            1.0,
        ),
        (
            "fw_frames_total",
            vec![("port", "can \"1\""), ("result", "ok")],
            3.0,
        ),
        (
            "fw_build_info",
            vec![("version", "0.1.0"), ("target", "thumbv7m-none-eabi")],
            1.0,
        ),
        ("fw_link", vec![("fw_link", "up")], 1.0),
        ("fw_link", vec![("fw_link", "down")], 0.0),
        ("fw_link", vec![("fw_link", "degraded")], 0.0),
        ("fw_free_ram_bytes", vec![], 40_960.0),
    ]
}

fn the_one(samples: &Samples, name: &str, labels: &[(&str, &str)]) -> f64 {
    let mut all = GROUP.to_vec();
    all.extend_from_slice(labels);
    let found = samples.find(name, &all);
    assert_eq!(
        found.len(),
        1,
        "{name}{labels:?}: {found:?} in {samples:#?}"
    );
    found[0]
}

#[test]
fn firmware_in_qemu_pushes_every_metric_type_to_a_real_pushgateway() {
    let elf = build_firmware().unwrap_or_else(|e| panic!("{e}"));
    let gateway = Pushgateway::start().unwrap_or_else(|e| panic!("{e}"));

    let run = run_firmware(&elf, gateway.port(), Duration::from_secs(60))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        run.status.success(),
        "firmware failed: {run:?}\nstdout: {}\nstderr: {}",
        run.stdout,
        run.stderr
    );
    assert!(
        run.stdout
            .contains("edgeprom-firmware: pushed, gateway answered 200"),
        "{}",
        run.stdout
    );

    // The request on the wire: the path by the core's rules, an exact Content-Length, and the
    // length the firmware measured.
    let sent = String::from_utf8(run.sent.clone()).expect("the request is UTF-8");
    let (head, body) = sent.split_once("\r\n\r\n").expect("a request head");
    assert!(
        head.starts_with("PUT /metrics/job/edgeprom_firmware/instance/qemu-lm3s6965 HTTP/1.1\r\n"),
        "{head}"
    );
    assert!(head.contains("\r\nConnection: close"), "{head}");
    let content_length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .expect("a Content-Length header")
        .parse()
        .expect("a number");
    assert_eq!(body.len(), content_length);
    assert!(
        run.stdout
            .contains(&format!("exposition is {content_length} bytes")),
        "{}",
        run.stdout
    );
    assert!(body.ends_with('\n') && !body.contains('\r'));
    assert!(
        run.received.starts_with(b"HTTP/1.1 200 "),
        "{:?}",
        String::from_utf8_lossy(&run.received)
    );

    // Every value, as the gateway now serves it.
    let samples = gateway.metrics().unwrap_or_else(|e| panic!("{e}"));
    for (name, labels, value) in expected() {
        let got = the_one(&samples, name, &labels);
        assert!(
            (got - value).abs() <= 1e-9 * value.abs().max(1.0),
            "{name}{labels:?}: got {got}, expected {value}"
        );
    }
    // `_created` samples, stamped by the firmware's wall clock when it registered them: after
    // the clock was set, within the few tick readings the firmware made.
    for name in ["fw_boots_created", "fw_latency_seconds_created"] {
        let created = the_one(&samples, name, &[]);
        assert!(
            (UNIX_TIME..UNIX_TIME + 10.0).contains(&created),
            "{name} = {created}"
        );
    }
    let pushed = the_one(&samples, "push_time_seconds", &[]);
    assert!(pushed > 1.6e9, "push_time_seconds = {pushed}");
    assert_eq!(
        the_one(&samples, "push_failure_time_seconds", &[]),
        0.0,
        "the gateway recorded a failed push"
    );
}
