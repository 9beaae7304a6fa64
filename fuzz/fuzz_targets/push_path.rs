//! cargo-fuzz entry of `edgeprom_fuzz::targets::push_path`, which describes the input and the
//! invariants checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| edgeprom_fuzz::targets::push_path::check(data));
