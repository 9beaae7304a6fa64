//! Clocks as traits: the core has no time source of its own. The std adapter implements them
//! over `std::time`, the embedded adapter over a tick counter.

use core::time::Duration;

/// Monotonic time, for timers: never goes backwards while the program runs.
pub trait Clock {
    /// Time since an arbitrary, fixed origin (boot, say).
    fn now(&self) -> Duration;
}

/// Wall-clock time, for `_created` samples and
/// [`Gauge::set_to_current_time`](crate::Gauge::set_to_current_time).
pub trait WallClock: Sync {
    /// Time since the Unix epoch, 1970-01-01T00:00:00Z.
    fn unix_time(&self) -> Duration;
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> Duration {
        (**self).now()
    }
}

impl<C: WallClock + ?Sized> WallClock for &C {
    fn unix_time(&self) -> Duration {
        (**self).unix_time()
    }
}

/// A clock that returns a fixed time: for tests, and for devices that learn the time once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub Duration);

impl Clock for FixedClock {
    fn now(&self) -> Duration {
        self.0
    }
}

impl WallClock for FixedClock {
    fn unix_time(&self) -> Duration {
        self.0
    }
}
