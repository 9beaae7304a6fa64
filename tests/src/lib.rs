//! Shared helpers for edgeprom's integration tests: starting real servers on loopback and
//! stopping them by process id.
#![forbid(unsafe_code)]
