//! Native histogram firmware for QEMU's `lm3s6965evb`: a device without a wall clock records
//! 400 latencies in a `NativeHistogram<u64, 40>` of a `static_registry!` and remote-writes it,
//! on one kept-alive HTTP/1.1 connection over UART0 (bridged to a real Prometheus 2.42 with
//! `--web.enable-remote-write-receiver --enable-feature=native-histograms`):
//!
//! 1. an empty request (no series), whose reply's `Date` sets its `OffsetClock`;
//! 2. the registry, stamped with that clock: one `TimeSeries` with one native `Histogram`.
//!
//! It prints what it did, the histogram's schema and the stack it took through semihosting;
//! the test (tests/tests/qemu_remote_write_native.rs) queries `histogram_count`,
//! `histogram_sum` and `histogram_quantile`. Keep the two in step.
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
use edgeprom_embedded::edgeprom::{static_registry, Metric, NativeHistogram, Registry};
use edgeprom_embedded::{OffsetClock, RemoteWriteClient, TickClock};
use panic_semihosting as _;
use stack::measure;

/// A stand-in tick counter at 1 kHz that advances one tick at every reading.
static TICKS: AtomicU32 = AtomicU32::new(0);

fn ticks() -> u64 {
    u64::from(TICKS.fetch_add(1, Ordering::Relaxed))
}

static CLOCK: OffsetClock<TickClock> =
    OffsetClock::new(TickClock::new(ticks, NonZeroU32::new(1_000).unwrap()));

static_registry! {
    /// What the firmware reports.
    static METRICS (namespace "", const_labels &[("board", "lm3s6965")]) {
        static LATENCY: Metric<NativeHistogram<u64, 40>> =
            Metric::new("rwnfw_latency_us", "Latency");
    }
}

/// The observations: `i * i` µs for `i` in `1..=400` (1 µs to 160 ms, 17 powers of two: 35
/// buckets at schema 1). The test computes the same (`values()` there).
fn record() -> Result<(), ()> {
    for i in 1..=400u64 {
        LATENCY.observe(i * i).map_err(|_| ())?;
    }
    Ok(())
}

#[entry]
fn main() -> ! {
    exit::exit_with(run())
}

fn run() -> Result<(), ()> {
    record().map_err(|()| hprintln!("remote-write-native: recording failed"))?;
    let client = RemoteWriteClient::new("127.0.0.1", "/api/v1/write")
        .map_err(|e| hprintln!("remote-write-native: bad remote write config: {}", e))?
        .with_keep_alive(true);
    let mut uart = uart::Uart0::take();
    let mut buf = [0u8; 256];

    // No series: only the receiver's Date.
    let empty: Registry<'_, 1> = Registry::new();
    let reply = client
        .write(&mut uart, &empty, &RemoteWrite::now(&CLOCK), &mut buf)
        .map_err(|e| hprintln!("remote-write-native: empty write failed: {}", e))?;
    let Some(date) = reply.date() else {
        hprintln!("remote-write-native: the reply has no Date");
        return Err(());
    };
    CLOCK.set_unix_time(date);

    let request = RemoteWrite::now(&CLOCK);
    let (result, stack) = measure(&mut || client.write(&mut uart, &METRICS, &request, &mut buf));
    let reply = result.map_err(|e| hprintln!("remote-write-native: remote write failed: {}", e))?;
    let snap = LATENCY.snapshot();
    hprintln!(
        "remote-write-native: status {}, timestamp {} ms, count {}, schema {}",
        reply.status(),
        request.timestamp_ms(),
        snap.count(),
        snap.schema()
    );
    hprintln!("remote-write-native: stack remote write {} B", stack);
    Ok(())
}
