//! [`EmbassyClock`]: the core's [`Clock`] over `embassy_time::Instant` (feature
//! `embassy-time`).

use core::time::Duration;

use edgeprom::Clock;

/// Monotonic time from `embassy_time::Instant::now()`, at the embassy tick rate rounded to
/// microseconds. Wrap it in an [`OffsetClock`](crate::OffsetClock) for wall-clock time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(docsrs, doc(cfg(feature = "embassy-time")))]
pub struct EmbassyClock;

impl Clock for EmbassyClock {
    fn now(&self) -> Duration {
        Duration::from_micros(embassy_time::Instant::now().as_micros())
    }
}
