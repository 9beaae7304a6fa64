//! cargo-fuzz entry of `edgeprom_fuzz::targets::names_and_encode`, which describes the input and the
//! invariants checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| edgeprom_fuzz::targets::names_and_encode::check(data));
