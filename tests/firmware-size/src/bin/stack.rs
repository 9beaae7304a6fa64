//! Measures the encoder's stack use under QEMU (`lm3s6965evb`, thumbv7m): paints the stack
//! below the caller, runs each workload's encode, finds the lowest word that changed, and
//! prints the result through semihosting:
//! `stack float=N int=N f32=N stream=N setup_float=N setup_int=N bytes float=N int=N`.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::ptr;

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use edgeprom::{Collect, Format, Registry};
use edgeprom_firmware_size::{float, int, single, BUF_LEN};
use panic_semihosting as _;

/// How far below the stack pointer to paint (RAM is 64 KiB, the program's data a few).
const DEPTH: usize = 8 * 1024;
/// Left alone just below the stack pointer, for `measure`'s own bookkeeping.
const MARGIN: usize = 64;
const PAINT: u32 = 0xC0FF_EE55;

/// Runs `f` and returns how many bytes of stack below the caller's frame it touched.
#[inline(never)]
fn measure(f: &mut dyn FnMut()) -> usize {
    let sp = cortex_m::register::msp::read() as usize;
    let (low, high) = (sp - DEPTH, sp - MARGIN);
    for addr in (low..high).step_by(4) {
        // SAFETY: [low, high) lies in RAM below the current stack pointer, which nothing
        // uses (no interrupts are enabled); writing it changes no live data.
        unsafe { ptr::write_volatile(addr as *mut u32, PAINT) };
    }
    f();
    let mut lowest = high;
    for addr in (low..high).step_by(4) {
        // SAFETY: as above; the stack below `sp` is plain RAM, readable at any time.
        if unsafe { ptr::read_volatile(addr as *const u32) } != PAINT {
            lowest = addr;
            break;
        }
    }
    sp - lowest
}

/// Streams into a sink that discards everything, through 64-byte chunks.
struct Discard;

impl edgeprom_embedded::embedded_io::ErrorType for Discard {
    type Error = core::convert::Infallible;
}

impl edgeprom_embedded::embedded_io::Write for Discard {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        Ok(black_box(buf).len())
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

#[entry]
fn main() -> ! {
    let mut buf = [0u8; BUF_LEN];
    float::record();
    int::record();
    single::record();
    // The budgeted figure: one `Registry::encode` call, the registry already built.
    let (Some(reg_float), Some(reg_int), Some(reg_f32)) = (
        registry(float::metrics()),
        registry(int::metrics()),
        registry(single::metrics()),
    ) else {
        hprintln!("registering failed");
        debug::exit(debug::EXIT_FAILURE);
        loop {
            cortex_m::asm::wfi();
        }
    };
    let mut n_float = Err(edgeprom::EncodeError::Write);
    let s_float = measure(&mut || {
        n_float = reg_float.encode(Format::Prometheus, black_box(&mut buf));
    });
    let mut n_int = Err(edgeprom::EncodeError::Write);
    let s_int = measure(&mut || {
        n_int = reg_int.encode(Format::Prometheus, black_box(&mut buf));
    });
    let mut n_f32 = Err(edgeprom::EncodeError::Write);
    let s_f32 = measure(&mut || {
        n_f32 = reg_f32.encode(Format::Prometheus, black_box(&mut buf));
    });
    // For comparison: building the registry on the stack, registering and encoding.
    let s_setup_float = measure(&mut || {
        let _ = black_box(float::encode(black_box(&mut buf)));
    });
    let s_setup_int = measure(&mut || {
        let _ = black_box(int::encode(black_box(&mut buf)));
    });
    let mut streamed = 0;
    let s_stream = measure(&mut || {
        let mut chunk = [0u8; 64];
        streamed = stream(&mut chunk);
    });
    match (n_float, n_int, n_f32) {
        (Ok(a), Ok(b), Ok(c)) if a > 0 && b > 0 && c > 0 && streamed > 0 => {
            hprintln!(
                "stack float={} int={} f32={} stream={} setup_float={} setup_int={} bytes float={} int={}",
                s_float,
                s_int,
                s_f32,
                s_stream,
                s_setup_float,
                s_setup_int,
                a,
                b
            );
            debug::exit(debug::EXIT_SUCCESS);
        }
        _ => {
            hprintln!("encoding failed");
            debug::exit(debug::EXIT_FAILURE);
        }
    }
    loop {
        cortex_m::asm::wfi();
    }
}

/// A registry of `metrics`.
fn registry(metrics: [&'static dyn Collect; 4]) -> Option<Registry<'static, 4>> {
    let mut registry = Registry::new();
    for m in metrics {
        registry.register(m).ok()?;
    }
    Some(registry)
}

/// The float workload streamed with `edgeprom-embedded` (chunk included in the measure).
#[inline(never)]
fn stream(chunk: &mut [u8]) -> usize {
    let mut registry: Registry<'_, 1> = Registry::new();
    static METRIC_STREAMED: edgeprom::Metric<edgeprom::Counter> =
        edgeprom::Metric::new("streamed", "Streamed");
    if registry.register(&METRIC_STREAMED).is_err() {
        return 0;
    }
    let mut sink = Discard;
    edgeprom_embedded::write_exposition(&registry, Format::Prometheus, &mut sink, chunk)
        .unwrap_or(0)
}
