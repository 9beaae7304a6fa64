//! The fuzz targets' logic: each module's `check(data)` turns libFuzzer's bytes into a
//! structured input (with `arbitrary`, as `fuzz_target!` would) and asserts its oracle. The
//! binaries in `fuzz_targets/` call it, and so does `tests/replay.rs` for every file of
//! `corpus/<target>/` and `artifacts/<target>/`, on a normal `cargo test`.
//!
//! A new target: a module here with `pub fn check(data: &[u8])`, a three-line binary in
//! `fuzz_targets/`, a `[[bin]]` in `Cargo.toml`, and an entry in [`ALL`] (and in
//! `xtask/src/fuzz.rs`'s `TARGETS`). The binary encoders (remote write, protobuf) are checked
//! by `names_and_encode`, on the registries it builds, against the text document it checks.

pub mod http_request;
pub mod http_response;
pub mod names_and_encode;
pub mod push_path;

/// Every target: its name (as cargo-fuzz knows it) and its check.
pub const ALL: [(&str, fn(&[u8])); 4] = [
    ("names_and_encode", names_and_encode::check),
    ("push_path", push_path::check),
    ("http_response", http_response::check),
    ("http_request", http_request::check),
];
