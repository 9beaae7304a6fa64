//! The adopted clock on a host: behind a `Once`.

use crate::clock::WallClock;

/// The clock a family took from its registry, set once.
pub(crate) struct AdoptedClock(spin::Once<&'static dyn WallClock>);

impl AdoptedClock {
    #[allow(clippy::declare_interior_mutable_const)]
    pub(crate) const NONE: Self = AdoptedClock(spin::Once::new());

    /// Keeps `clock` unless one was adopted before.
    pub(crate) fn adopt(&self, clock: &'static dyn WallClock) {
        self.0.call_once(|| clock);
    }

    /// The adopted clock, if any.
    pub(crate) fn get(&self) -> Option<&'static dyn WallClock> {
        self.0.get().copied()
    }
}
