//! cargo-fuzz entry of `edgeprom_fuzz::targets::http_request`, which describes the input and the
//! invariants checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| edgeprom_fuzz::targets::http_request::check(data));
