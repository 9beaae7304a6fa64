//! [`AdoptedClock`]: the wall clock a [`Family`](super::Family) without one of its own takes
//! from the registry it is registered in, to stamp the `_created` time of series it creates
//! afterwards (as Python's client stamps a child when it is created).
//!
//! Two whole implementations behind one API, chosen by `cfg(edgeprom_small_code)`: on a host a
//! `spin::Once` holding the clock; on bare metal nothing (a firmware family names its clock
//! with [`FamilyBuilder::wall_clock`](super::FamilyBuilder::wall_clock), in the `static`, and
//! pays no RAM for a clock it may never adopt).
//!
//! The API both implement:
//! - `AdoptedClock::NONE`, for `const` construction;
//! - `adopt(&self, clock)`: keeps `clock` unless one was adopted before;
//! - `get(&self)`: the adopted clock, if any.

#[cfg(not(edgeprom_small_code))]
mod host;
#[cfg(edgeprom_small_code)]
mod small;

#[cfg(not(edgeprom_small_code))]
pub(crate) use host::AdoptedClock;
#[cfg(edgeprom_small_code)]
pub(crate) use small::AdoptedClock;
