//! Interrupt firmware for QEMU's `lm3s6965evb`: SysTick fires thousands of times while the
//! main loop encodes the registry again and again; each interrupt updates a counter, a gauge,
//! a family series and a histogram. With the README's atomics configuration
//! (`unsafe-assume-single-core`: no lock table) nothing can hang. Then SysTick stops, the
//! firmware prints how many interrupts ran and pushes once over UART0; the test
//! (tests/tests/qemu_interrupts.rs) checks that every update the handler made is in the
//! gateway.
#![no_std]
#![no_main]
#![deny(unsafe_op_in_unsafe_fn)]

#[path = "../uart.rs"]
mod uart;

use core::sync::atomic::{AtomicU32, Ordering};

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::{entry, exception};
use cortex_m_semihosting::{debug, hprintln};
use edgeprom_embedded::edgeprom::{
    buckets, static_registry, Counter, Family, Format, Gauge, Histogram, Metric,
};
use edgeprom_embedded::Pushgateway;
use panic_semihosting as _;

/// Interrupts to wait for before stopping SysTick.
const INTERRUPTS: u32 = 3_000;
/// SysTick reload: an interrupt every 2,000 core cycles.
const RELOAD: u32 = 2_000;

buckets!(Spread: u64 = [10, 100]);

static_registry! {
    static METRICS {
        static TICKS: Metric<Counter> = Metric::new("irq_ticks", "SysTick interrupts");
        static LAST: Metric<Gauge> = Metric::new("irq_last", "Number of the last interrupt");
        static PARITY: Family<Counter, 1, 2, 4> =
            Family::new("irq_parity", "Interrupts by parity", ["parity"]);
        static SPREAD: Metric<Histogram<Spread>> =
            Metric::new("irq_spread", "Interrupt number modulo 200");
    }
}

/// Interrupts handled so far (the handler's own count, outside edgeprom).
static HITS: AtomicU32 = AtomicU32::new(0);
/// Updates that edgeprom refused (none are expected).
static REFUSED: AtomicU32 = AtomicU32::new(0);

#[exception]
fn SysTick() {
    let n = HITS.fetch_add(1, Ordering::Relaxed) + 1;
    TICKS.inc();
    LAST.set(f64::from(n));
    let parity = if n % 2 == 0 { "even" } else { "odd" };
    let ok = PARITY.labels([parity]).map(|c| c.inc()).is_ok()
        && SPREAD.observe(u64::from(n % 200)).is_ok();
    if !ok {
        REFUSED.fetch_add(1, Ordering::Relaxed);
    }
}

#[entry]
fn main() -> ! {
    let code = match run() {
        Ok(status) => {
            hprintln!("interrupts-firmware: pushed, gateway answered {}", status);
            debug::EXIT_SUCCESS
        }
        Err(()) => debug::EXIT_FAILURE,
    };
    debug::exit(code);
    loop {
        cortex_m::asm::wfi();
    }
}

fn run() -> Result<u16, ()> {
    let Some(mut core) = cortex_m::Peripherals::take() else {
        hprintln!("interrupts-firmware: no core peripherals");
        return Err(());
    };
    let syst = &mut core.SYST;
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(RELOAD);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();

    // Encode while the handler updates the same metrics.
    let mut buf = [0u8; 2048];
    let mut encodes = 0u32;
    while HITS.load(Ordering::Relaxed) < INTERRUPTS {
        if let Err(e) = METRICS.encode(Format::Prometheus, &mut buf) {
            hprintln!("interrupts-firmware: encoding failed: {}", e);
            return Err(());
        }
        encodes += 1;
    }
    syst.disable_interrupt();
    syst.disable_counter();
    // A SysTick pended as it was disabled would still be taken: clear it, then count.
    cortex_m::peripheral::SCB::clear_pendst();
    cortex_m::asm::dsb();
    cortex_m::asm::isb();
    let hits = HITS.load(Ordering::Relaxed);
    hprintln!(
        "interrupts-firmware: {} interrupts, {} encodes, {} refused",
        hits,
        encodes,
        REFUSED.load(Ordering::Relaxed)
    );

    let gateway = Pushgateway::new("127.0.0.1", "edgeprom_interrupts").map_err(|e| {
        hprintln!("interrupts-firmware: bad gateway config: {}", e);
    })?;
    let mut uart = uart::Uart0::take();
    let mut chunk = [0u8; 256];
    gateway.push(&mut uart, &METRICS, &mut chunk).map_err(|e| {
        hprintln!("interrupts-firmware: push failed: {}", e);
    })
}
