//! The `_bucket` lines of one histogram series in the text formats.
//!
//! Two whole implementations behind one API (`Encoder::bucket_lines` and the
//! [`BucketCache`] an encoder keeps), chosen by `cfg(edgeprom_small_code)`: a host copies the
//! first line's prefix for the others and formats float bounds once for every series that
//! shares them; bare metal writes every line in full (less code, no cache on the stack).

#[cfg(not(edgeprom_small_code))]
mod host;
#[cfg(not(edgeprom_small_code))]
mod le_cache;
#[cfg(edgeprom_small_code)]
mod small;

#[cfg(not(edgeprom_small_code))]
pub(crate) use host::BucketCache;
#[cfg(edgeprom_small_code)]
pub(crate) use small::BucketCache;
