//! The interrupt firmware (tests/firmware/src/bin/interrupts.rs) boots in QEMU: SysTick updates
//! a counter, a gauge, a family series and a histogram thousands of times while the main loop
//! encodes the same registry, with the README's atomics configuration (no lock table). The
//! firmware must not hang, and every update the handler made must arrive at a real
//! Pushgateway.

use std::time::Duration;

use edgeprom_tests::qemu::{build_firmware, firmware_elf, run_firmware, Pushgateway};

const GROUP: (&str, &str) = ("job", "edgeprom_interrupts");

#[test]
fn interrupts_update_metrics_while_the_main_loop_encodes_and_nothing_is_lost() {
    build_firmware().unwrap_or_else(|e| panic!("{e}"));
    let elf = firmware_elf().with_file_name("interrupts");
    let gateway = Pushgateway::start().unwrap_or_else(|e| panic!("{e}"));
    // A hang would show as a timeout here.
    let run = run_firmware(&elf, gateway.port(), Duration::from_secs(120))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        run.status.success(),
        "firmware failed: {run:?}\nstdout: {}",
        run.stdout
    );
    // "interrupts-firmware: N interrupts, M encodes, R refused"
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains(" interrupts, "))
        .unwrap_or_else(|| panic!("no count in {}", run.stdout));
    let numbers: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .map(|w| w.parse().unwrap())
        .collect();
    let [hits, encodes, refused] = numbers[..] else {
        panic!("{line}")
    };
    assert!(hits >= 3_000, "{line}");
    println!("{line}");
    assert!(
        encodes >= 10,
        "the main loop encoded while interrupts ran: {line}"
    );
    assert_eq!(refused, 0, "{line}");

    let samples = gateway.metrics().unwrap_or_else(|e| panic!("{e}"));
    let one = |name: &str, labels: &[(&str, &str)]| {
        let mut all = vec![GROUP];
        all.extend_from_slice(labels);
        let found = samples.find(name, &all);
        assert_eq!(found.len(), 1, "{name}{labels:?}: {found:?}");
        found[0]
    };
    let n = hits as f64;
    assert_eq!(one("irq_ticks_total", &[]), n);
    assert_eq!(one("irq_last", &[]), n);
    let even = (hits / 2) as f64;
    assert_eq!(one("irq_parity_total", &[("parity", "even")]), even);
    assert_eq!(one("irq_parity_total", &[("parity", "odd")]), n - even);
    let below = |le: u64| (1..=hits).filter(|i| i % 200 <= le).count() as f64;
    assert_eq!(one("irq_spread_bucket", &[("le", "10")]), below(10));
    assert_eq!(one("irq_spread_bucket", &[("le", "100")]), below(100));
    assert_eq!(one("irq_spread_bucket", &[("le", "+Inf")]), n);
    assert_eq!(one("irq_spread_count", &[]), n);
    let sum: u64 = (1..=hits).map(|i| i % 200).sum();
    assert_eq!(one("irq_spread_sum", &[]), sum as f64);
}
