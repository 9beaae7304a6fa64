//! The footprint workload (f64 values, registered at run time): the baseline plus metrics recorded and encoded.
#![no_std]
#![no_main]

use panic_halt as _;

edgeprom_firmware_size::footprint_main!(float);
