//! std adapter for [`edgeprom`]: filled by the std adapter issue.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use edgeprom;
