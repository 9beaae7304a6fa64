//! The stack a call takes, measured by painting the RAM below the stack pointer first (as
//! tests/firmware-size/src/bin/stack.rs measures the encoder); shared by the binaries of
//! `src/bin/` that report their stack.

use core::ptr;

/// How far below the stack pointer to paint (RAM is 64 KiB, the program's data a few).
const DEPTH: usize = 8 * 1024;
/// Left alone just below the stack pointer, for `measure`'s own bookkeeping.
const MARGIN: usize = 64;
const PAINT: u32 = 0xC0FF_EE55;

/// Runs `f` and returns how many bytes of stack below the caller's frame it touched (as
/// tests/firmware-size/src/bin/stack.rs measures the encoder).
#[inline(never)]
pub fn measure<R>(f: &mut dyn FnMut() -> R) -> (R, usize) {
    let sp = cortex_m::register::msp::read() as usize;
    let (low, high) = (sp - DEPTH, sp - MARGIN);
    for addr in (low..high).step_by(4) {
        // SAFETY: [low, high) lies in RAM below the current stack pointer, which nothing
        // uses (no interrupts are enabled); writing it changes no live data.
        unsafe { ptr::write_volatile(addr as *mut u32, PAINT) };
    }
    let result = f();
    let mut lowest = high;
    for addr in (low..high).step_by(4) {
        // SAFETY: as above; the stack below `sp` is plain RAM, readable at any time.
        if unsafe { ptr::read_volatile(addr as *const u32) } != PAINT {
            lowest = addr;
            break;
        }
    }
    (result, sp - lowest)
}
