//! A blocking `embedded_io` driver for UART0 of the Stellaris LM3S6965 (a PL011 with
//! Luminary's ID registers), as QEMU's `lm3s6965evb` machine emulates it.

use core::fmt;
use core::ptr;

/// UART0's registers.
const BASE: usize = 0x4000_C000;
/// Data register: a read takes a received byte (bits 0-7) and its error flags (bits 8-11).
const DR: usize = BASE;
/// Flag register.
const FR: usize = BASE + 0x018;
/// Line control: word length and FIFO enable.
const LCRH: usize = BASE + 0x02C;
/// Control: UART, transmit and receive enable.
const CTL: usize = BASE + 0x030;

/// `FR`: the receive FIFO is empty.
const FR_RXFE: u32 = 1 << 4;
/// `FR`: the transmit FIFO is full.
const FR_TXFF: u32 = 1 << 5;
/// `DR`: framing, parity, break and overrun errors.
const DR_ERRORS: u32 = 0xF00;
/// `LCRH`: 8-bit words, FIFOs on.
const LCRH_8BIT_FIFO: u32 = (0b11 << 5) | (1 << 4);
/// `CTL`: UARTEN, TXE, RXE.
const CTL_ENABLE: u32 = 1 | (1 << 8) | (1 << 9);

fn read_reg(addr: usize) -> u32 {
    // SAFETY: `addr` is one of UART0's memory-mapped registers above, always mapped on this
    // machine and 4-byte aligned; a volatile read has no other effect than the device's own.
    unsafe { ptr::read_volatile(addr as *const u32) }
}

fn write_reg(addr: usize, value: u32) {
    // SAFETY: as in `read_reg`; nothing else in this program accesses UART0 (the `Uart0`
    // value is created once, in `main`).
    unsafe { ptr::write_volatile(addr as *mut u32, value) }
}

/// A receive error reported by the UART (framing, parity, break or overrun).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UartError(pub u32);

impl fmt::Display for UartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UART receive error (flags {:#x})", self.0 >> 8)
    }
}

impl core::error::Error for UartError {}

impl embedded_io::Error for UartError {
    fn kind(&self) -> embedded_io::ErrorKind {
        embedded_io::ErrorKind::InvalidData
    }
}

/// UART0, 8 bits, FIFOs on (QEMU ignores the baud rate).
pub struct Uart0(());

impl Uart0 {
    /// Enables UART0. Call it once.
    pub fn take() -> Self {
        write_reg(CTL, 0);
        write_reg(LCRH, LCRH_8BIT_FIFO);
        write_reg(CTL, CTL_ENABLE);
        Uart0(())
    }
}

impl embedded_io::ErrorType for Uart0 {
    type Error = UartError;
}

impl embedded_io::Write for Uart0 {
    /// Writes at least one byte, waiting for room in the transmit FIFO, and then as many as
    /// fit without waiting.
    fn write(&mut self, buf: &[u8]) -> Result<usize, UartError> {
        let mut n = 0;
        for &b in buf {
            while read_reg(FR) & FR_TXFF != 0 {
                if n > 0 {
                    return Ok(n);
                }
            }
            write_reg(DR, u32::from(b));
            n += 1;
        }
        Ok(n)
    }

    fn flush(&mut self) -> Result<(), UartError> {
        // The transmit FIFO drains by itself; QEMU sends each byte as it is written.
        Ok(())
    }
}

impl embedded_io::Read for Uart0 {
    /// Waits for at least one byte, then takes what the receive FIFO holds.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, UartError> {
        let mut n = 0;
        for slot in buf.iter_mut() {
            while read_reg(FR) & FR_RXFE != 0 {
                if n > 0 {
                    return Ok(n);
                }
            }
            let word = read_reg(DR);
            if word & DR_ERRORS != 0 {
                return Err(UartError(word & DR_ERRORS));
            }
            *slot = word as u8;
            n += 1;
        }
        Ok(n)
    }
}
