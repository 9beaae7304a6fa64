//! A metric's creation time, the `_created` sample.

use core::time::Duration;

#[cfg(feature = "created")]
use portable_atomic::{AtomicU64, Ordering};

/// When a series was created, since the Unix epoch; zero means "not known".
///
/// Set by [`Registry::register`](crate::Registry::register) when the registry has a wall clock,
/// by a [`Family`](crate::Family) with a wall clock when it creates a child, or by hand.
///
/// Without the `created` feature (on by default) this is empty: creation times are not kept,
/// [`get`](Self::get) returns `None`, and no `_created` sample is written.
#[derive(Debug)]
pub struct Created(#[cfg(feature = "created")] AtomicU64);

/// Bits of the nanoseconds in the stored word (the seconds take the 34 above them): packing
/// instead of counting nanoseconds spares a 64-bit division, which a 32-bit core does in a
/// large runtime routine, every time the time is read.
#[cfg(feature = "created")]
const NANO_BITS: u32 = 30;

#[cfg(feature = "created")]
impl Created {
    /// Not known.
    pub const fn new() -> Self {
        Created(AtomicU64::new(0))
    }

    /// The creation time since the Unix epoch, if known.
    // One copy on bare metal, where flash counts: every series type calls these.
    #[cfg_attr(edgeprom_small_code, inline(never))]
    pub fn get(&self) -> Option<Duration> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            // Stored nanoseconds are below a second (`min` tells the compiler so).
            n => Some(Duration::new(
                n >> NANO_BITS,
                ((n as u32) & ((1 << NANO_BITS) - 1)).min(999_999_999),
            )),
        }
    }

    /// Sets the creation time (saturating in the year 2514).
    pub fn set(&self, unix: Duration) {
        self.0.store(pack(unix), Ordering::Relaxed);
    }

    /// Sets the creation time unless one is already known.
    #[cfg_attr(edgeprom_small_code, inline(never))]
    pub fn init(&self, unix: Duration) {
        let _ = self
            .0
            .compare_exchange(0, pack(unix), Ordering::Relaxed, Ordering::Relaxed);
    }
}

#[cfg(not(feature = "created"))]
impl Created {
    /// Not known (and never will be: the `created` feature is off).
    pub const fn new() -> Self {
        Created()
    }

    /// `None`: the `created` feature is off.
    pub fn get(&self) -> Option<Duration> {
        None
    }

    /// Does nothing: the `created` feature is off.
    pub fn set(&self, _unix: Duration) {}

    /// Does nothing: the `created` feature is off.
    pub fn init(&self, _unix: Duration) {}
}

impl Default for Created {
    fn default() -> Self {
        Created::new()
    }
}

/// The seconds above [`NANO_BITS`] nanoseconds, saturating; never zero (the epoch itself is
/// kept as one nanosecond past it).
#[cfg(feature = "created")]
fn pack(d: Duration) -> u64 {
    const MAX_SECS: u64 = (1 << (64 - NANO_BITS)) - 1;
    let (secs, nanos) = match d.as_secs() {
        s if s > MAX_SECS => (MAX_SECS, 999_999_999),
        s => (s, d.subsec_nanos()),
    };
    ((secs << NANO_BITS) | u64::from(nanos)).max(1)
}

#[cfg(all(test, feature = "created"))]
mod tests {
    use super::*;

    #[test]
    fn init_only_once() {
        let c = Created::new();
        assert_eq!(c.get(), None);
        c.init(Duration::new(10, 5));
        c.init(Duration::new(20, 0));
        assert_eq!(c.get(), Some(Duration::new(10, 5)));
        c.set(Duration::new(30, 0));
        assert_eq!(c.get(), Some(Duration::new(30, 0)));
        c.set(Duration::ZERO);
        assert_eq!(c.get(), Some(Duration::from_nanos(1)));
        let t = Duration::new(1_795_582_621, 773_270_001);
        c.set(t);
        assert_eq!(c.get(), Some(t));
        let last = Duration::new((1 << 34) - 1, 999_999_999);
        c.set(last);
        assert_eq!(c.get(), Some(last));
        c.set(Duration::MAX);
        assert_eq!(c.get(), Some(last), "saturates");
    }
}
