//! Label values on bare metal: atomic bytes. The bytes are those of a `&str`, so UTF-8.

/// The default most bytes of a label value a [`Family`](crate::Family) stores (its `S`) on
/// bare metal, where each byte of each slot of a `static` family is RAM.
pub const DEFAULT_VALUE_BYTES: usize = 32;

use crate::sync::{AtomicU8, Ordering};

use crate::encode::label_value::LabelValue;
use crate::encode::StoredLabels;

/// One value: its length and bytes.
struct Value<const S: usize> {
    len: AtomicU8,
    bytes: [AtomicU8; S],
}

impl<const S: usize> Value<S> {
    #[allow(clippy::declare_interior_mutable_const)]
    const EMPTY: Self = Value {
        len: AtomicU8::new(0),
        bytes: [const { AtomicU8::new(0) }; S],
    };

    /// Stores `v`, which is at most `S` (and 255) bytes long.
    fn set(&self, v: &str) {
        for (d, b) in self.bytes.iter().zip(v.bytes()) {
            d.store(b, Ordering::Relaxed);
        }
        self.len.store(v.len() as u8, Ordering::Relaxed);
    }

    /// The stored bytes.
    fn get(&self) -> &[AtomicU8] {
        let len = usize::from(self.len.load(Ordering::Relaxed));
        self.bytes.get(..len).unwrap_or_default()
    }

    /// Whether `v` is stored.
    fn is(&self, v: &str) -> bool {
        let stored = self.get();
        stored.len() == v.len()
            && stored
                .iter()
                .zip(v.bytes())
                .all(|(s, b)| s.load(Ordering::Relaxed) == b)
    }
}

/// A series' label values: `L` values of at most `S` bytes.
pub(crate) struct LabelStore<const L: usize, const S: usize>([Value<S>; L]);

impl<const L: usize, const S: usize> LabelStore<L, S> {
    #[allow(clippy::declare_interior_mutable_const)]
    pub(crate) const EMPTY: Self = LabelStore([const { Value::EMPTY }; L]);

    /// Stores the values.
    pub(crate) fn write(&self, values: &[&str; L]) {
        for (s, v) in self.0.iter().zip(values) {
            s.set(v);
        }
    }

    /// Under loom: creates the loom atomics of every value.
    #[cfg(loom)]
    pub(crate) fn loom_prime(&self) {
        for value in &self.0 {
            value.len.load(Ordering::Relaxed);
            for b in &value.bytes {
                b.load(Ordering::Relaxed);
            }
        }
    }

    /// Whether these values are stored.
    pub(crate) fn matches(&self, values: &[&str; L]) -> bool {
        self.0.iter().zip(values).all(|(s, v)| s.is(v))
    }

    /// Calls `f` with the stored values, copied onto the stack.
    pub(crate) fn with_values(&self, f: impl FnOnce(&[&str; L])) {
        let mut bufs = [[0u8; S]; L];
        let mut strs = [""; L];
        for ((value, buf), s) in self.0.iter().zip(&mut bufs).zip(&mut strs) {
            let value = value.get();
            for (d, b) in buf.iter_mut().zip(value) {
                *d = b.load(Ordering::Relaxed);
            }
            // The bytes were a `&str`'s.
            *s = core::str::from_utf8(buf.get(..value.len()).unwrap_or_default())
                .unwrap_or_default();
        }
        f(&strs);
    }
}

impl<const L: usize, const S: usize> StoredLabels for LabelStore<L, S> {
    fn value(&self, i: usize) -> Option<LabelValue<'_>> {
        Some(LabelValue::Atomic(self.0.get(i)?.get()))
    }
}
