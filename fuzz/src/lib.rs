//! Helpers shared by the fuzz targets: a strict exposition checker ([`exposition`]), the
//! binary encoders' oracle ([`binary`], on the integration tests' prost messages), and
//! reference rules for names ([`names`]), written independently of the core so that the
//! targets compare two implementations rather than one with itself; and the targets' own
//! logic ([`targets`]), callable from a normal test.

#![forbid(unsafe_code)]

pub mod binary;
/// Prometheus client_model's messages, shared with the integration tests.
#[path = "../../tests/src/client_model.rs"]
pub mod client_model;
pub mod exposition;
pub mod intern;
pub mod names;
/// Prometheus' remote write messages, shared with the integration tests.
#[path = "../../tests/src/prompb.rs"]
pub mod prompb;
/// Native histogram spans back to buckets, which both message modules use.
#[path = "../../tests/src/spans.rs"]
pub mod spans;
pub mod targets;
