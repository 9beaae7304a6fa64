//! The integer footprint workload in a `static_registry!` plus one `NativeHistogram<u64, 16>`:
//! minus `int_static`, one native histogram's flash and RAM.
#![no_std]
#![no_main]

use panic_halt as _;

edgeprom_firmware_size::footprint_main!(native);
