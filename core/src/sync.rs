//! The atomics of the lock-free parts (a [`Family`](crate::Family)'s slots and label store,
//! [`Tally`](crate::Tally)): `portable-atomic`'s, or under `cfg(loom)` (`RUSTFLAGS="--cfg
//! loom"`, only for `core/tests/loom_*.rs`) stand-ins that `loom` schedules and checks.
//!
//! Under loom:
//! - `AtomicU8`, `AtomicU32`, `AtomicU64` and `AtomicUsize` are loom's, created on first use (loom's
//!   constructors are not `const`, and a family is built in `const` context), so every access
//!   is a point where loom switches threads and every ordering is checked against its memory
//!   model. A model must create the objects it checks inside `loom::model`.
//! - `AtomicU128` (a tally's count and sum; loom has no 128-bit atomic) is a `u128` behind a
//!   loom mutex: each operation is one indivisible step at which loom switches threads, which
//!   is what a tally relies on (every operation is `Relaxed` on one location, and a snapshot's
//!   consistency comes from reading each tally in one load). Memory orderings are not checked
//!   for it: it behaves as sequentially consistent.
//! - [`spin_loop`] yields to loom's scheduler, so that a spinning thread lets the one it waits
//!   for run, and `fence` is loom's (an exemplar's sequence lock relies on fences: every
//!   ordering of it is checked).
//!
//! Other atomics of the core (counters', gauges' and creation times' `portable-atomic` values)
//! are not swapped: under loom they are plain atomics, each update indivisible but no point
//! where loom switches threads.

#[cfg(not(loom))]
pub(crate) use portable_atomic::{
    fence, AtomicU128, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
};

/// A busy-wait's pause.
#[cfg(not(loom))]
#[inline]
pub(crate) fn spin_loop() {
    core::hint::spin_loop();
}

#[cfg(loom)]
pub(crate) use self::model::{
    fence, spin_loop, AtomicU128, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
};

#[cfg(loom)]
mod model {
    extern crate std;

    pub(crate) use core::sync::atomic::Ordering;
    pub(crate) use loom::sync::atomic::fence;
    use std::sync::OnceLock;

    pub(crate) fn spin_loop() {
        loom::thread::yield_now();
    }

    macro_rules! lazy_atomic {
        ($name:ident, $int:ty) => {
            /// loom's atomic of the same name, created on first use.
            pub(crate) struct $name {
                init: $int,
                cell: OnceLock<loom::sync::atomic::$name>,
            }

            // Each has the methods the core calls on any of them.
            #[allow(dead_code)]
            impl $name {
                pub(crate) const fn new(v: $int) -> Self {
                    Self {
                        init: v,
                        cell: OnceLock::new(),
                    }
                }
                fn get(&self) -> &loom::sync::atomic::$name {
                    self.cell
                        .get_or_init(|| loom::sync::atomic::$name::new(self.init))
                }
                pub(crate) fn load(&self, order: Ordering) -> $int {
                    self.get().load(order)
                }
                pub(crate) fn store(&self, v: $int, order: Ordering) {
                    self.get().store(v, order)
                }
                pub(crate) fn fetch_add(&self, v: $int, order: Ordering) -> $int {
                    self.get().fetch_add(v, order)
                }
                pub(crate) fn fetch_sub(&self, v: $int, order: Ordering) -> $int {
                    self.get().fetch_sub(v, order)
                }
                pub(crate) fn fetch_update(
                    &self,
                    set: Ordering,
                    fetch: Ordering,
                    f: impl FnMut($int) -> Option<$int>,
                ) -> Result<$int, $int> {
                    self.get().fetch_update(set, fetch, f)
                }
                pub(crate) fn compare_exchange(
                    &self,
                    current: $int,
                    new: $int,
                    success: Ordering,
                    failure: Ordering,
                ) -> Result<$int, $int> {
                    self.get().compare_exchange(current, new, success, failure)
                }
            }
        };
    }

    lazy_atomic!(AtomicU8, u8);
    lazy_atomic!(AtomicU32, u32);
    lazy_atomic!(AtomicU64, u64);
    lazy_atomic!(AtomicUsize, usize);

    /// A `u128` behind a loom mutex (created on first use): indivisible operations, no
    /// memory-ordering checks.
    pub(crate) struct AtomicU128 {
        init: u128,
        cell: OnceLock<loom::sync::Mutex<u128>>,
    }

    impl AtomicU128 {
        pub(crate) const fn new(v: u128) -> Self {
            Self {
                init: v,
                cell: OnceLock::new(),
            }
        }
        fn with<R>(&self, f: impl FnOnce(&mut u128) -> R) -> R {
            let mutex = self.cell.get_or_init(|| loom::sync::Mutex::new(self.init));
            // Nothing panics while holding it, so it is never poisoned.
            let mut guard = mutex.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut guard)
        }
        pub(crate) fn load(&self, _: Ordering) -> u128 {
            self.with(|v| *v)
        }
        pub(crate) fn fetch_add(&self, add: u128, _: Ordering) -> u128 {
            self.with(|v| {
                let old = *v;
                *v = old.wrapping_add(add);
                old
            })
        }
        /// Never fails spuriously.
        pub(crate) fn compare_exchange_weak(
            &self,
            current: u128,
            new: u128,
            _: Ordering,
            _: Ordering,
        ) -> Result<u128, u128> {
            self.with(|v| {
                if *v == current {
                    *v = new;
                    Ok(current)
                } else {
                    Err(*v)
                }
            })
        }
        /// The same as [`compare_exchange_weak`](Self::compare_exchange_weak) (which never
        /// fails spuriously here).
        pub(crate) fn compare_exchange(
            &self,
            current: u128,
            new: u128,
            success: Ordering,
            failure: Ordering,
        ) -> Result<u128, u128> {
            self.compare_exchange_weak(current, new, success, failure)
        }
        pub(crate) fn is_lock_free() -> bool {
            false
        }
    }
}
