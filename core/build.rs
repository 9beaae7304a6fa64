//! Sets `cfg(edgeprom_small_code)` on bare-metal targets (`target_os = "none"`): the code paths
//! chosen there for flash and stack (see `cargo xtask size`) rather than for host speed.
//!
//! `EDGEPROM_SMALL_CODE=1` sets it on any target, so that `cargo xtask test` runs the core's
//! tests and the golden, parser and property tests over those paths on the host as well.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(edgeprom_small_code)");
    println!("cargo::rerun-if-env-changed=EDGEPROM_SMALL_CODE");
    let bare_metal = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "none");
    let forced = std::env::var_os("EDGEPROM_SMALL_CODE").is_some_and(|v| !v.is_empty() && v != "0");
    if bare_metal || forced {
        println!("cargo::rustc-cfg=edgeprom_small_code");
    }
}
