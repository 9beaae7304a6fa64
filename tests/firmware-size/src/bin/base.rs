//! The footprint baseline: the same firmware as `float` and `int`, without metrics.
#![no_std]
#![no_main]

use core::hint::black_box;

use cortex_m_rt::entry;
use edgeprom_firmware_size::BUF_LEN;
use panic_halt as _;

#[entry]
fn main() -> ! {
    let mut buf = [0u8; BUF_LEN];
    buf[0] = black_box(1);
    black_box(&mut buf);
    loop {
        cortex_m::asm::wfi();
    }
}
