//! Shared helpers for edgeprom's integration tests.
