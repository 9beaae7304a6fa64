//! A metric's creation time, the `_created` sample.

use core::time::Duration;

use portable_atomic::{AtomicU64, Ordering};

/// When a series was created, as nanoseconds since the Unix epoch; zero means "not known".
///
/// Set by [`Registry::register`](crate::Registry::register) when the registry has a wall clock,
/// by a [`Family`](crate::Family) with a wall clock when it creates a child, or by hand.
#[derive(Debug)]
pub struct Created(AtomicU64);

impl Created {
    /// Not known.
    pub const fn new() -> Self {
        Created(AtomicU64::new(0))
    }

    /// The creation time since the Unix epoch, if known.
    pub fn get(&self) -> Option<Duration> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            n => Some(Duration::from_nanos(n)),
        }
    }

    /// Sets the creation time (saturating at year 2554).
    pub fn set(&self, unix: Duration) {
        self.0.store(to_nanos(unix), Ordering::Relaxed);
    }

    /// Sets the creation time unless one is already known.
    pub fn init(&self, unix: Duration) {
        let _ = self
            .0
            .compare_exchange(0, to_nanos(unix), Ordering::Relaxed, Ordering::Relaxed);
    }
}

impl Default for Created {
    fn default() -> Self {
        Created::new()
    }
}

fn to_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
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
    }
}
