//! The remote write firmware (tests/firmware/src/bin/remote_write.rs) boots in QEMU with
//! UART0 bridged to a real VictoriaMetrics 1.79: it imports its text exposition (with an
//! `extra_label`), sets its clock from the reply's `Date`, and remote-writes the same
//! registry stamped by that clock, on one kept-alive connection. Every value is read back
//! through `/api/v1/export`, and every timestamp must fall in this test's run: the device had
//! no clock but the receiver's.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use edgeprom_tests::qemu::{build_firmware, firmware_elf, run_firmware};
use edgeprom_tests::servers::{poll_until, Exported, VictoriaMetrics};

/// One expected series: its name, the label that tells it apart (if any), its value.
type Want = (&'static str, Option<(&'static str, &'static str)>, f64);

/// The firmware's recorded values (from `record()` there, not read back from anything).
const WANT: [Want; 9] = [
    ("rwfw_boots_total", None, 3.0),
    // A `Gauge<f32>` set to 21.3: the double 21.3 (as the text says), not 21.299999237060547.
    ("rwfw_temperature_celsius", None, 21.3),
    ("rwfw_frames_total", Some(("port", "uart0")), 7.0),
    ("rwfw_frames_total", Some(("port", "can 1")), 2.0),
    ("rwfw_latency_ms_bucket", Some(("le", "10.0")), 1.0),
    ("rwfw_latency_ms_bucket", Some(("le", "100.0")), 2.0),
    ("rwfw_latency_ms_bucket", Some(("le", "+Inf")), 3.0),
    ("rwfw_latency_ms_count", None, 3.0),
    ("rwfw_latency_ms_sum", None, 777.0),
];

/// The import's extra label (tests/firmware/src/bin/remote_write.rs, percent-encoded there).
const DEVICE: &str = "qemu 1/lm3s";

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The series `name` with the label `extra` and, for the imported ones, `device`.
fn find<'a>(
    series: &'a [Exported],
    name: &str,
    extra: Option<(&str, &str)>,
    device: Option<&str>,
) -> &'a Exported {
    series
        .iter()
        .find(|e| {
            e.sample.name == name
                && extra.is_none_or(|(k, v)| e.sample.label(k) == Some(v))
                && e.sample.label("device") == device
        })
        .unwrap_or_else(|| panic!("{name} {extra:?} device {device:?} missing in {series:#?}"))
}

/// A number the firmware printed after `key` (`"date "`, `"timestamp "`).
fn printed(stdout: &str, key: &str) -> i64 {
    let at = stdout
        .find(key)
        .unwrap_or_else(|| panic!("no {key:?} in {stdout}"))
        + key.len();
    stdout[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number after {key:?} in {stdout}"))
}

#[test]
fn firmware_sets_its_clock_from_the_receiver_and_remote_writes_every_value() {
    build_firmware().unwrap_or_else(|e| panic!("{e}"));
    let elf = firmware_elf().with_file_name("remote_write");
    let vm = VictoriaMetrics::start().expect("victoria-metrics starts");
    // The Date header has whole seconds: the window starts at the second before.
    let start = now_ms() / 1000 * 1000 - 1000;
    let run =
        run_firmware(&elf, vm.port(), Duration::from_secs(120)).unwrap_or_else(|e| panic!("{e}"));
    let end = now_ms() + 1000;
    run.assert_success();
    // One connection, two requests, each with its own reply.
    let sent = String::from_utf8_lossy(&run.sent);
    assert!(sent.starts_with(
        "POST /api/v1/import/prometheus?extra_label=device=qemu%201%2Flm3s HTTP/1.1\r\n"
    ));
    assert!(sent.contains("POST /api/v1/write HTTP/1.1\r\n"), "{sent}");
    assert!(sent.contains("Content-Encoding: snappy\r\n"));
    assert!(!sent.contains("Connection: close"));
    let received = String::from_utf8_lossy(&run.received);
    assert_eq!(received.matches("HTTP/1.1 204").count(), 2, "{received}");

    let date_ms = printed(&run.stdout, "date ") * 1000;
    let stamped = printed(&run.stdout, "timestamp ");
    assert!(
        (start..=end).contains(&date_ms),
        "{start} <= {date_ms} <= {end}"
    );
    // The clock read its tick counter once after it was set: 1 ms later.
    assert_eq!(stamped, date_ms + 1);

    // Stack (last run: 1,324 B and 2,260 B): the client, the encoder, the reply parser.
    let import_stack = printed(&run.stdout, "stack import ");
    let write_stack = printed(&run.stdout, "B, remote write ");
    assert!(import_stack < 2048 && write_stack < 3072, "{}", run.stdout);

    let series = poll_until(Duration::from_secs(20), || {
        vm.export("{__name__=~\"rwfw_.*\"}")
            .ok()
            .filter(|s| s.len() == 2 * WANT.len())
    })
    .unwrap_or_else(|| {
        panic!(
            "every series, imported and remote-written: {:#?}",
            vm.export("{__name__=~\"rwfw_.*\"}")
        )
    });
    for (name, extra, value) in WANT {
        // Remote write: the registry's constant label, the device's own timestamp.
        let written = find(&series, name, extra, None);
        assert_eq!(written.sample.label("board"), Some("lm3s6965"), "{name}");
        assert_eq!(written.values, [value], "{name} {extra:?}");
        assert_eq!(written.timestamps, [stamped], "{name} {extra:?}");
        // Import: the extra label, stamped by VictoriaMetrics on arrival.
        let imported = find(&series, name, extra, Some(DEVICE));
        assert_eq!(imported.sample.label("board"), Some("lm3s6965"), "{name}");
        assert_eq!(imported.values, [value], "{name} {extra:?}");
        let [t] = imported.timestamps[..] else {
            panic!("{imported:?}")
        };
        assert!((start..=end).contains(&t), "{start} <= {t} <= {end}");
    }
    drop(vm);
}
