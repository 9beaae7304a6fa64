//! The footprint workload (int, in a `static_registry!`): the baseline plus metrics
//! recorded and encoded, with no registration code.
#![no_std]
#![no_main]

use core::hint::black_box;

use cortex_m_rt::entry;
use edgeprom_firmware_size::{int::in_static, BUF_LEN};
use panic_halt as _;

#[entry]
fn main() -> ! {
    let mut buf = [0u8; BUF_LEN];
    buf[0] = black_box(1);
    in_static::record();
    let n = in_static::encode(&mut buf);
    black_box(n.ok());
    black_box(&mut buf);
    loop {
        cortex_m::asm::wfi();
    }
}
