//! Shared helpers for edgeprom's integration tests: starting real servers on loopback and
//! stopping them by process id.
#![forbid(unsafe_code)]

pub mod qemu;
pub mod seed;
pub mod servers;

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
