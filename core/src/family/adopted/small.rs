//! The adopted clock on bare metal: none (a firmware family names its own clock).

use crate::clock::WallClock;

/// Never holds a clock.
pub(crate) struct AdoptedClock;

impl AdoptedClock {
    pub(crate) const NONE: Self = AdoptedClock;

    /// Does nothing.
    pub(crate) fn adopt(&self, _clock: &'static dyn WallClock) {}

    /// `None`.
    pub(crate) fn get(&self) -> Option<&'static dyn WallClock> {
        None
    }
}
