//! Helpers shared by the fuzz targets: a strict exposition checker ([`exposition`]) and
//! reference rules for names ([`names`]), written independently of the core so that the
//! targets compare two implementations rather than one with itself.

#![forbid(unsafe_code)]

pub mod exposition;
pub mod intern;
pub mod names;
