//! The footprint workload with embeprom 0.3 instead of edgeprom (int): the README's comparison.
#![no_std]
#![no_main]

use panic_halt as _;

edgeprom_firmware_size::footprint_main!(embeprom_workload::int);
