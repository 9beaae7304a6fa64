//! Remote write firmware for QEMU's `lm3s6965evb`: a device without a wall clock records a
//! counter, an `f32` gauge, a family and a histogram in a `static_registry!`, then, on one
//! kept-alive HTTP/1.1 connection over UART0 (bridged to a real VictoriaMetrics):
//!
//! 1. imports the Prometheus text into VictoriaMetrics (`/api/v1/import/prometheus` with
//!    `extra_label=device=...`), which stamps the samples itself, and reads the reply's
//!    `Date`;
//! 2. sets its `OffsetClock` from that `Date`;
//! 3. remote-writes the same registry (`/api/v1/write`), stamped with its own clock.
//!
//! It prints what it did through semihosting; the test (tests/tests/qemu_remote_write.rs)
//! reads every value and timestamp back through `/api/v1/export`. Keep the two in step.
#![no_std]
#![no_main]
#![deny(unsafe_op_in_unsafe_fn)]

#[path = "../exit.rs"]
mod exit;
#[path = "../stack.rs"]
mod stack;
#[path = "../uart.rs"]
mod uart;

use core::num::NonZeroU32;
use core::sync::atomic::{AtomicU32, Ordering};

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use edgeprom_embedded::edgeprom::encode::remote_write::RemoteWrite;
use edgeprom_embedded::edgeprom::{
    buckets, static_registry, Counter, Family, Gauge, Histogram, Metric, WallClock,
};
use edgeprom_embedded::{OffsetClock, RemoteWriteClient, TickClock, VictoriaImport};
use panic_semihosting as _;
use stack::measure;

/// A stand-in tick counter at 1 kHz that advances one tick at every reading: the device's
/// monotonic clock, which knows nothing of the date.
static TICKS: AtomicU32 = AtomicU32::new(0);

fn ticks() -> u64 {
    u64::from(TICKS.fetch_add(1, Ordering::Relaxed))
}

static CLOCK: OffsetClock<TickClock> =
    OffsetClock::new(TickClock::new(ticks, NonZeroU32::new(1_000).unwrap()));

buckets!(Ms: u64 = [10, 100]);

static_registry! {
    /// What the firmware reports.
    static METRICS (namespace "", const_labels &[("board", "lm3s6965")]) {
        static BOOTS: Metric<Counter> = Metric::new("rwfw_boots", "Boots since flashing");
        static TEMPERATURE: Metric<Gauge<f32>> =
            Metric::new("rwfw_temperature_celsius", "Die temperature");
        static FRAMES: Family<Counter, 1, 2, 8> =
            Family::new("rwfw_frames", "Frames by port", ["port"]);
        static LATENCY: Metric<Histogram<Ms>> = Metric::new("rwfw_latency_ms", "Latency");
    }
}

/// The import's extra labels: the device's identity, added by VictoriaMetrics.
const EXTRA_LABELS: &[(&str, &str)] = &[("device", "qemu 1/lm3s")];

/// Records the values the test expects (see `expected()` in tests/tests/qemu_remote_write.rs).
fn record() -> Result<(), &'static str> {
    BOOTS.inc_by(3);
    // 21.3 has no exact f32: the text says 21.3, and so must remote write.
    TEMPERATURE.set(21.3);
    FRAMES.labels(["uart0"]).map_err(|_| "frames")?.inc_by(7);
    FRAMES.labels(["can 1"]).map_err(|_| "frames")?.inc_by(2);
    for v in [7, 70, 700] {
        LATENCY.observe(v).map_err(|_| "latency")?;
    }
    Ok(())
}

#[entry]
fn main() -> ! {
    exit::exit_with(run())
}

fn run() -> Result<(), ()> {
    if let Err(what) = record() {
        hprintln!("remote-write-firmware: recording {} failed", what);
        return Err(());
    }
    let import = VictoriaImport::new("127.0.0.1", EXTRA_LABELS).map_err(|e| {
        hprintln!("remote-write-firmware: bad import config: {}", e);
    })?;
    let client = RemoteWriteClient::new("127.0.0.1", "/api/v1/write").map_err(|e| {
        hprintln!("remote-write-firmware: bad remote write config: {}", e);
    })?;
    // One connection for both requests.
    let (import, client) = (import.with_keep_alive(true), client.with_keep_alive(true));
    let mut uart = uart::Uart0::take();
    // Request chunks go out through this buffer, then each reply's head comes in.
    let mut buf = [0u8; 256];

    let (reply, import_stack) = measure(&mut || import.import(&mut uart, &METRICS, &mut buf));
    let reply = reply.map_err(|e| {
        hprintln!("remote-write-firmware: import failed: {}", e);
    })?;
    let Some(date) = reply.date() else {
        hprintln!("remote-write-firmware: the import's reply has no Date");
        return Err(());
    };
    hprintln!(
        "remote-write-firmware: imported, status {}, date {} s",
        reply.status(),
        date.as_secs()
    );
    CLOCK.set_unix_time(date);

    let request = RemoteWrite::now(&CLOCK);
    let mut attempts = 0;
    let mut write_stack = 0;
    let reply = loop {
        attempts += 1;
        let (result, stack) =
            measure(&mut || client.write(&mut uart, &METRICS, &request, &mut buf));
        write_stack = write_stack.max(stack);
        match result {
            Ok(reply) => break reply,
            // The specification's rule: retry 5xx and 429, never another 4xx.
            Err(e) if e.is_retryable() && attempts < 3 => {
                hprintln!("remote-write-firmware: retrying after: {}", e);
            }
            Err(e) => {
                hprintln!("remote-write-firmware: remote write failed: {}", e);
                return Err(());
            }
        }
    };
    hprintln!(
        "remote-write-firmware: remote write, status {}, timestamp {} ms, clock now {} ms",
        reply.status(),
        request.timestamp_ms(),
        CLOCK.unix_time().as_millis() as u64
    );
    hprintln!(
        "remote-write-firmware: stack import {} B, remote write {} B",
        import_stack,
        write_stack
    );
    Ok(())
}
