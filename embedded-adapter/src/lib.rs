//! Embedded adapter for [`edgeprom`]: filled by the embedded adapter issue.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use edgeprom;
