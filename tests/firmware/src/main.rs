//! Example firmware for QEMU's `lm3s6965evb` (Cortex-M3): records every edgeprom metric type,
//! then pushes them to a Pushgateway with `edgeprom-embedded`'s HTTP client over UART0 and
//! reports the outcome through semihosting.
//!
//! QEMU connects UART0 to a TCP port (`-serial tcp:127.0.0.1:PORT`); the test on the host
//! listens there and bridges the bytes to a real Pushgateway (tests/tests/qemu_firmware.rs),
//! then checks every value below in the gateway's `/metrics`. Keep the two in step.
#![no_std]
#![no_main]
#![deny(unsafe_op_in_unsafe_fn)]

mod uart;

use core::num::NonZeroU32;
use core::sync::atomic::{AtomicU32, Ordering};
use core::time::Duration;

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use edgeprom_embedded::edgeprom::{
    buckets, CallbackGauge, Counter, Family, Format, Gauge, Histogram, Info, Metric, Registry,
    StateSet, Summary,
};
use edgeprom_embedded::{exposition_len, OffsetClock, Pushgateway, TickClock};
use panic_semihosting as _;

/// The job the firmware pushes as, and its grouping key.
const JOB: &str = "edgeprom_firmware";
const GROUPING: &[(&str, &str)] = &[("instance", "qemu-lm3s6965")];
/// The Unix time the firmware is told (as if from SNTP) before it stamps anything.
const UNIX_TIME: Duration = Duration::from_secs(1_700_000_000);

/// A stand-in tick counter at 1 kHz that advances 250 ticks at every reading, so that every
/// timer measures exactly 0.25 s and the test can check the values.
static TICKS: AtomicU32 = AtomicU32::new(0);

fn ticks() -> u64 {
    u64::from(TICKS.fetch_add(250, Ordering::Relaxed))
}

static CLOCK: OffsetClock<TickClock> =
    OffsetClock::new(TickClock::new(ticks, NonZeroU32::new(1_000).unwrap()));

buckets!(LatencyBuckets: f64 = [0.1, 0.25, 0.5, 1.0]);

static BOOTS: Metric<Counter> = Metric::new("fw_boots", "Boots since flashing");
static ENERGY: Metric<Counter<f64>> =
    Metric::with_unit("fw_energy_joules", "Energy used", "joules");
static TEMPERATURE: Metric<Gauge> = Metric::new("fw_temperature_celsius", "Die temperature");
static QUEUE: Metric<Gauge<i64>> = Metric::new("fw_queue_depth", "Frames waiting");
static LAST_SYNC: Metric<Gauge> =
    Metric::new("fw_last_sync_timestamp_seconds", "When the clock was set");
static LATENCY: Metric<Histogram<LatencyBuckets>> =
    Metric::with_unit("fw_latency_seconds", "Request latency", "seconds");
static PAYLOAD: Metric<Summary> = Metric::new("fw_payload_bytes", "Payload sizes");
static FRAMES: Family<Counter, 2, 4, 16> =
    Family::new("fw_frames", "Frames by port and result", ["port", "result"]);
static BUILD: Info<'static, 2> = Info::new(
    "fw_build",
    "Firmware build",
    [("version", "0.1.0"), ("target", "thumbv7m-none-eabi")],
);
static LINK: StateSet<3> = StateSet::new("fw_link", "Link state", ["down", "up", "degraded"]);
static FREE_RAM: CallbackGauge<fn() -> i64, i64> =
    CallbackGauge::new("fw_free_ram_bytes", "Free RAM", free_ram);

fn free_ram() -> i64 {
    40_960
}

/// Records the values the test expects (see `EXPECTED` in tests/tests/qemu_firmware.rs).
fn record() -> Result<(), &'static str> {
    BOOTS.inc();
    BOOTS.inc_by(2);
    ENERGY.inc_by(1.5).map_err(|_| "energy")?;
    ENERGY.inc_by(0.25).map_err(|_| "energy")?;
    TEMPERATURE.set(21.5);
    TEMPERATURE.dec_by(0.25);
    QUEUE.set(-3);
    QUEUE.inc();
    CLOCK.set_unix_time(UNIX_TIME);
    LAST_SYNC.set_to_current_time(&CLOCK);
    for v in [0.05, 0.3, 0.3, 2.0] {
        LATENCY.observe(v).map_err(|_| "latency")?;
    }
    // One more observation through a timer: exactly 0.25 s by the tick source.
    LATENCY.time(&CLOCK, || ());
    PAYLOAD.observe(100.0).map_err(|_| "payload")?;
    PAYLOAD.observe(412.5).map_err(|_| "payload")?;
    FRAMES
        .labels(["uart0", "ok"])
        .map_err(|_| "frames")?
        .inc_by(7);
    FRAMES.labels(["uart0", "crc"]).map_err(|_| "frames")?.inc();
    FRAMES
        .labels(["can \"1\"", "ok"])
        .map_err(|_| "frames")?
        .inc_by(3);
    LINK.set("up").map_err(|_| "link")?;
    Ok(())
}

#[entry]
fn main() -> ! {
    let outcome = run();
    match outcome {
        Ok(status) => {
            hprintln!("edgeprom-firmware: pushed, gateway answered {}", status);
            debug::exit(debug::EXIT_SUCCESS);
        }
        Err(()) => debug::exit(debug::EXIT_FAILURE),
    }
    loop {
        cortex_m::asm::wfi();
    }
}

fn run() -> Result<u16, ()> {
    if let Err(what) = record() {
        hprintln!("edgeprom-firmware: recording {} failed", what);
        return Err(());
    }
    let mut registry: Registry<'_, 12> = Registry::new().with_wall_clock(&CLOCK);
    let metrics: [&dyn edgeprom_embedded::edgeprom::Collect; 11] = [
        &BOOTS,
        &ENERGY,
        &TEMPERATURE,
        &QUEUE,
        &LAST_SYNC,
        &LATENCY,
        &PAYLOAD,
        &FRAMES,
        &BUILD,
        &LINK,
        &FREE_RAM,
    ];
    for m in metrics {
        if let Err(e) = registry.register(m) {
            hprintln!("edgeprom-firmware: register failed: {}", e);
            return Err(());
        }
    }
    match exposition_len(&registry, Format::Prometheus) {
        Ok(n) => hprintln!("edgeprom-firmware: exposition is {} bytes", n),
        Err(e) => {
            hprintln!("edgeprom-firmware: encoding failed: {}", e);
            return Err(());
        }
    }

    let gateway = match Pushgateway::new("127.0.0.1", JOB).and_then(|g| g.with_grouping(GROUPING)) {
        Ok(g) => g,
        Err(e) => {
            hprintln!("edgeprom-firmware: bad gateway config: {}", e);
            return Err(());
        }
    };
    let mut uart = uart::Uart0::take();
    // Request chunks go out through this buffer, then the response head comes in.
    let mut buf = [0u8; 256];
    gateway.push(&mut uart, &registry, &mut buf).map_err(|e| {
        hprintln!("edgeprom-firmware: push failed: {}", e);
    })
}
