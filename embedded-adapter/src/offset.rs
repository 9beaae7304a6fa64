//! [`OffsetClock`]: a [`WallClock`] from a monotonic [`Clock`] and the Unix time, once it is
//! learned (from SNTP, GPS, a gateway's `Date` header or a user).

use core::time::Duration;

use edgeprom::{Clock, WallClock};
use portable_atomic::{AtomicU64, Ordering};

/// The offset before [`OffsetClock::set_unix_time`]: none.
const UNSET: u64 = u64::MAX;

/// Wall-clock time as a monotonic clock plus the Unix time of its origin, which can be set
/// (and corrected) at any time from any context. It can live in a `static`.
///
/// Until the time is set, [`WallClock::unix_time`] returns the monotonic time itself (as if
/// the device had booted on 1970-01-01); check [`OffsetClock::is_set`] before trusting it.
///
/// ```
/// use core::num::NonZeroU32;
/// use core::time::Duration;
/// use edgeprom::WallClock;
/// use edgeprom_embedded::{OffsetClock, TickClock};
///
/// fn ticks() -> u64 {
///     5_000 // ms since boot
/// }
/// static CLOCK: OffsetClock<TickClock> =
///     OffsetClock::new(TickClock::new(ticks, NonZeroU32::new(1_000).unwrap()));
/// assert!(!CLOCK.is_set());
/// CLOCK.set_unix_time(Duration::from_secs(1_764_000_005)); // learned from SNTP
/// assert_eq!(CLOCK.unix_time(), Duration::from_secs(1_764_000_005));
/// assert_eq!(CLOCK.offset(), Some(Duration::from_secs(1_764_000_000)));
/// ```
#[derive(Debug)]
pub struct OffsetClock<C> {
    clock: C,
    /// Nanoseconds from the Unix epoch to the clock's origin, or [`UNSET`].
    offset_nanos: AtomicU64,
}

impl<C> OffsetClock<C> {
    /// A wall clock over `clock`, its Unix time not set yet.
    pub const fn new(clock: C) -> Self {
        OffsetClock {
            clock,
            offset_nanos: AtomicU64::new(UNSET),
        }
    }

    /// A wall clock over `clock`, whose origin (`clock.now() == 0`) is `offset` after the
    /// Unix epoch.
    pub fn with_offset(clock: C, offset: Duration) -> Self {
        let c = Self::new(clock);
        c.set_offset(offset);
        c
    }

    /// Sets the Unix time of the clock's origin. Offsets past the year 2554 saturate.
    pub fn set_offset(&self, offset: Duration) {
        let nanos = u64::try_from(offset.as_nanos()).unwrap_or(UNSET - 1);
        self.offset_nanos
            .store(nanos.min(UNSET - 1), Ordering::Relaxed);
    }

    /// The Unix time of the clock's origin, once set.
    pub fn offset(&self) -> Option<Duration> {
        match self.offset_nanos.load(Ordering::Relaxed) {
            UNSET => None,
            n => Some(Duration::from_nanos(n)),
        }
    }

    /// Whether the Unix time has been set.
    pub fn is_set(&self) -> bool {
        self.offset().is_some()
    }

    /// The monotonic clock.
    pub fn clock(&self) -> &C {
        &self.clock
    }
}

impl<C: Clock> OffsetClock<C> {
    /// Sets the wall clock so that it reads `now` at this instant.
    pub fn set_unix_time(&self, now: Duration) {
        self.set_offset(now.saturating_sub(self.clock.now()));
    }
}

impl<C: Clock> Clock for OffsetClock<C> {
    fn now(&self) -> Duration {
        self.clock.now()
    }
}

impl<C: Clock + Sync> WallClock for OffsetClock<C> {
    fn unix_time(&self) -> Duration {
        self.offset()
            .unwrap_or(Duration::ZERO)
            .saturating_add(self.clock.now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgeprom::{FixedClock, Gauge, Metric};

    #[test]
    fn offset_and_unset() {
        let c = OffsetClock::new(FixedClock(Duration::from_secs(7)));
        assert_eq!(c.offset(), None);
        assert_eq!(c.unix_time(), Duration::from_secs(7));
        c.set_unix_time(Duration::from_secs(1_000));
        assert_eq!(c.offset(), Some(Duration::from_secs(993)));
        assert_eq!(c.unix_time(), Duration::from_secs(1_000));
        assert_eq!(c.now(), Duration::from_secs(7));
        // A Unix time before the origin (a bad source) clamps to the epoch.
        c.set_unix_time(Duration::from_secs(3));
        assert_eq!(c.offset(), Some(Duration::ZERO));
        let far = OffsetClock::with_offset(FixedClock(Duration::ZERO), Duration::MAX);
        assert!(far.is_set());
        assert_eq!(far.offset(), Some(Duration::from_nanos(u64::MAX - 1)));
    }

    #[test]
    fn set_to_current_time() {
        static G: Metric<Gauge> = Metric::new("offset_last_seen", "h");
        let c = OffsetClock::with_offset(
            FixedClock(Duration::from_millis(2_500)),
            Duration::from_secs(1_700_000_000),
        );
        G.set_to_current_time(&c);
        assert_eq!(G.get(), 1_700_000_002.5);
    }
}
