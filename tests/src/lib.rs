//! Shared helpers for edgeprom's integration tests: starting real servers on loopback and
//! stopping them by process id.
#![forbid(unsafe_code)]

pub mod client_model;
pub mod native;
pub mod prompb;
pub mod qemu;
pub mod seed;
pub mod servers;
pub mod spans;

use std::sync::Arc;

use edgeprom::Gauge;
use edgeprom_std::{DynMetric, DynRegistry};

/// A registry of gauges named and set as given (the helpers' usual push body).
///
/// # Panics
/// On an invalid or repeated name: test input.
pub fn registry_with_gauges(values: &[(&str, f64)]) -> DynRegistry {
    let registry = DynRegistry::new();
    for (name, v) in values {
        let g = Arc::new(DynMetric::<Gauge>::new(*name, "a gauge").expect("a valid name"));
        g.set(*v);
        registry.register(g).expect("a new name");
    }
    registry
}

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
