//! [`CountPanics`]: Python's `count_exceptions` for code that panics as well as for code that
//! returns `Err`.

use std::panic::{self, AssertUnwindSafe};

use edgeprom::{Counter, CounterValue, NotAFuture};

/// Counts the failures of a closure on a [`Counter`]: its panics, and with
/// [`count_failures`](CountPanics::count_failures) its `Err`s too. A panic is counted and then
/// resumed unchanged with [`std::panic::resume_unwind`], as Python's `count_exceptions`
/// re-raises.
///
/// ```
/// use edgeprom::{Counter, Metric};
/// use edgeprom_std::CountPanics;
/// static FAILURES: Metric<Counter> = Metric::new("job_failures", "Jobs that failed");
///
/// let r: Result<u32, String> = FAILURES.count_failures(|| Err("disk full".into()));
/// assert!(r.is_err());
/// let caught = std::panic::catch_unwind(|| FAILURES.count_panics(|| panic!("boom")));
/// assert!(caught.is_err()); // the panic goes on
/// assert_eq!(FAILURES.get(), 2);
/// ```
pub trait CountPanics {
    /// Runs `f`; if it panics, counts one and resumes the panic.
    ///
    /// A closure that returns a future is refused ([`NotAFuture`]): it would return before the
    /// future runs, so the future's panics would not be seen. For `async` code, count `Err`s
    /// with the core's `count_errors_async`; a panicking tokio task shows as the `JoinError` of
    /// its handle.
    fn count_panics<R: NotAFuture>(&self, f: impl FnOnce() -> R) -> R;

    /// Runs `f`; counts one if it returns `Err` or panics (the panic is resumed).
    fn count_failures<T, E>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<T, E>;
}

/// Runs `f`; if it panics, counts one on `counter` and resumes the panic.
fn counting_panics<V: CounterValue, R>(counter: &Counter<V>, f: impl FnOnce() -> R) -> R {
    // The panic is resumed at once, so the caller observes it exactly as if it had not
    // been caught: asserting unwind safety here hides nothing.
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            counter.inc();
            panic::resume_unwind(payload)
        }
    }
}

impl<V: CounterValue> CountPanics for Counter<V> {
    fn count_panics<R: NotAFuture>(&self, f: impl FnOnce() -> R) -> R {
        counting_panics(self, f)
    }

    fn count_failures<T, E>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        let r = counting_panics(self, f);
        if r.is_err() {
            self.inc();
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_panics_and_errors_and_passes_values_through() {
        let c: Counter = Counter::new();
        assert_eq!(c.count_panics(|| 7), 7);
        assert_eq!(c.count_failures(|| Ok::<_, ()>(3)), Ok(3));
        assert_eq!(c.get(), 0);
        assert_eq!(c.count_failures(|| Err::<(), _>("e")), Err("e"));
        assert_eq!(c.get(), 1);
        let payload = panic::catch_unwind(AssertUnwindSafe(|| {
            c.count_failures(|| -> Result<(), ()> { panic::panic_any(42u8) })
        }))
        .unwrap_err();
        assert_eq!(payload.downcast_ref::<u8>(), Some(&42));
        assert_eq!(c.get(), 2);
        let f: Counter<f64> = Counter::new();
        let _ = panic::catch_unwind(AssertUnwindSafe(|| f.count_panics(|| panic!("x"))));
        assert_eq!(f.get(), 1.0);
    }
}
