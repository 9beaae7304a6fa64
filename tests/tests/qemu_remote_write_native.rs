//! The native histogram firmware (tests/firmware/src/bin/remote_write_native.rs) boots in QEMU
//! with UART0 bridged to a real Prometheus 2.42 (`--web.enable-remote-write-receiver
//! --enable-feature=native-histograms`): it sets its clock from the reply to an empty request,
//! then remote-writes a `NativeHistogram<u64, 40>` of 400 latencies. Prometheus'
//! `histogram_count` and `histogram_sum` are exact, `histogram_quantile` for 0.5, 0.9, 0.99
//! within the bucket of the exact quantile; the firmware's stack is bounded.

use std::time::Duration;

use edgeprom::{Metric, NativeHistogram};
use edgeprom_tests::native::check_in_prometheus;
use edgeprom_tests::qemu::{build_firmware, firmware_elf, run_firmware};
use edgeprom_tests::servers::Prometheus;

/// The firmware's observations (`record()` there): `i * i` µs for `i` in `1..=400`.
fn values() -> Vec<u64> {
    (1..=400u64).map(|i| i * i).collect()
}

/// A number the firmware printed after `key`.
fn printed(stdout: &str, key: &str) -> i64 {
    let at = stdout
        .find(key)
        .unwrap_or_else(|| panic!("no {key:?} in {stdout}"))
        + key.len();
    let digits: String = stdout[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number after {key:?} in {stdout}"))
}

#[test]
fn firmware_remote_writes_a_native_histogram_that_prometheus_reads() {
    // The same histogram on the host: the schema the firmware must have reached.
    static HOST: Metric<NativeHistogram<u64, 40>> = Metric::new("host", "Host copy");
    for v in values() {
        HOST.observe(v).unwrap();
    }
    let host = HOST.snapshot();
    assert_eq!(host.schema(), 1, "17 powers of two in 40 buckets");

    build_firmware().unwrap_or_else(|e| panic!("{e}"));
    let elf = firmware_elf().with_file_name("remote_write_native");
    let prom = Prometheus::start_native_receiver().expect("prometheus starts");
    let run =
        run_firmware(&elf, prom.port(), Duration::from_secs(120)).unwrap_or_else(|e| panic!("{e}"));
    run.assert_success();
    let sent = String::from_utf8_lossy(&run.sent);
    assert_eq!(sent.matches("POST /api/v1/write HTTP/1.1\r\n").count(), 2);
    let received = String::from_utf8_lossy(&run.received);
    assert_eq!(received.matches("HTTP/1.1 204").count(), 2, "{received}");
    assert_eq!(printed(&run.stdout, "count "), 400);
    assert_eq!(printed(&run.stdout, "schema "), i64::from(host.schema()));
    // Stack (last run: 2,208 B): the client, the encoder, a snapshot of 40 buckets.
    let stack = printed(&run.stdout, "stack remote write ");
    assert!(stack < 3072, "{}", run.stdout);

    let values: Vec<f64> = values().into_iter().map(|v| v as f64).collect();
    let exact_sum: u64 = values.iter().map(|&v| v as u64).sum();
    assert_eq!(host.sum(), exact_sum);
    check_in_prometheus(
        &prom,
        "rwnfw_latency_us{board=\"lm3s6965\"}",
        &values,
        host.schema(),
        exact_sum as f64,
    );
}
