//! [`TickClock`]: the core's monotonic [`Clock`] over a device's tick counter.

use core::num::NonZeroU32;
use core::time::Duration;

use edgeprom::Clock;

/// A free-running tick counter: a timer peripheral, the RTOS tick, a cycle counter extended
/// to 64 bits. It must not go backwards.
pub trait TickSource: Sync {
    /// Ticks since an arbitrary, fixed origin (boot, say).
    fn ticks(&self) -> u64;
}

impl TickSource for fn() -> u64 {
    fn ticks(&self) -> u64 {
        self()
    }
}

/// A [`Clock`] counting `hz` ticks of a [`TickSource`] per second, for timers
/// (`start_timer`, `time`) on a device. Pair it with an [`OffsetClock`](crate::OffsetClock)
/// for wall-clock time.
///
/// ```
/// use core::num::NonZeroU32;
/// use core::time::Duration;
/// use edgeprom::Clock;
/// use edgeprom_embedded::TickClock;
///
/// fn ticks() -> u64 {
///     1_500 // read the timer here
/// }
/// static CLOCK: TickClock = TickClock::new(ticks, NonZeroU32::new(1_000).unwrap());
/// assert_eq!(CLOCK.now(), Duration::from_millis(1_500));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct TickClock<S = fn() -> u64> {
    source: S,
    hz: NonZeroU32,
}

impl<S> TickClock<S> {
    /// A clock over `source`, which ticks `hz` times a second.
    pub const fn new(source: S, hz: NonZeroU32) -> Self {
        TickClock { source, hz }
    }

    /// Ticks per second.
    pub const fn hz(&self) -> NonZeroU32 {
        self.hz
    }

    /// The time `ticks` ticks take, exact to the nanosecond (rounded down), without
    /// overflow for any `u64`.
    pub const fn ticks_to_duration(&self, ticks: u64) -> Duration {
        let hz = self.hz.get() as u64;
        let secs = ticks / hz;
        // `rem < hz <= u32::MAX`, so `rem * 1e9` fits in a u64.
        let rem = ticks % hz;
        let nanos = rem * 1_000_000_000 / hz;
        Duration::new(secs, nanos as u32)
    }
}

impl<S: TickSource> Clock for TickClock<S> {
    fn now(&self) -> Duration {
        self.ticks_to_duration(self.source.ticks())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::sync::atomic::{AtomicU64, Ordering};

    static TICKS: AtomicU64 = AtomicU64::new(0);

    fn ticks() -> u64 {
        TICKS.load(Ordering::Relaxed)
    }

    struct Fixed(u64);
    impl TickSource for Fixed {
        fn ticks(&self) -> u64 {
            self.0
        }
    }

    #[test]
    fn converts_ticks() {
        static CLOCK: TickClock = TickClock::new(ticks, NonZeroU32::new(32_768).unwrap());
        TICKS.store(32_768 * 3 + 16_384, Ordering::Relaxed);
        assert_eq!(CLOCK.now(), Duration::new(3, 500_000_000));
        let c = TickClock::new(Fixed(u64::MAX), NonZeroU32::new(u32::MAX).unwrap());
        let d = c.now();
        assert_eq!(d.as_secs(), u64::MAX / u64::from(u32::MAX));
        assert!(d.subsec_nanos() < 1_000_000_000);
        let mhz = TickClock::new(Fixed(1), NonZeroU32::new(3).unwrap());
        assert_eq!(mhz.now(), Duration::from_nanos(333_333_333));
        assert_eq!(mhz.hz().get(), 3);
    }

    #[test]
    fn timers_use_it() {
        use edgeprom::{Histogram, Metric};
        static H: Metric<Histogram> = Metric::new("tick_timer_seconds", "h");
        static CLOCK: TickClock = TickClock::new(ticks, NonZeroU32::new(1_000).unwrap());
        TICKS.store(10_000, Ordering::Relaxed);
        let t = H.start_timer(&CLOCK);
        TICKS.store(10_250, Ordering::Relaxed);
        assert_eq!(t.stop(), Duration::from_millis(250));
        assert_eq!(H.count(), 1);
        assert_eq!(H.sum(), 0.25);
    }
}
