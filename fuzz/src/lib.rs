//! Helpers shared by the fuzz targets: a strict exposition checker ([`exposition`]) and
//! reference rules for names ([`names`]), written independently of the core so that the
//! targets compare two implementations rather than one with itself; and the targets' own
//! logic ([`targets`]), callable from a normal test.

#![forbid(unsafe_code)]

pub mod exposition;
pub mod intern;
pub mod names;
pub mod targets;
