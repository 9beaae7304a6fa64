//! Label values on a host: strings behind a `Once`.

/// The default most bytes of a label value a [`Family`](crate::Family) stores (its `S`) on
/// a host, where RAM is plentiful: room for route templates and the like.
pub const DEFAULT_VALUE_BYTES: usize = 128;

use crate::encode::label_value::LabelValue;
use crate::encode::StoredLabels;

/// A series' label values: `L` strings of at most `S` bytes.
pub(crate) struct LabelStore<const L: usize, const S: usize>(
    spin::Once<[heapless::String<S, u16>; L]>,
);

impl<const L: usize, const S: usize> LabelStore<L, S> {
    #[allow(clippy::declare_interior_mutable_const)]
    pub(crate) const EMPTY: Self = LabelStore(spin::Once::new());

    /// Stores the values.
    pub(crate) fn write(&self, values: &[&str; L]) {
        self.0.call_once(|| {
            values.map(|v| {
                let mut s = heapless::String::new();
                // Lengths were checked against S before claiming, so this cannot fail.
                let _ = s.push_str(v);
                s
            })
        });
    }

    /// Under loom: nothing to create (`spin::Once` is not loom's).
    #[cfg(loom)]
    pub(crate) fn loom_prime(&self) {}

    /// Whether these values are stored.
    pub(crate) fn matches(&self, values: &[&str; L]) -> bool {
        self.0.get().is_some_and(|stored| {
            stored
                .iter()
                .zip(values)
                .all(|(s, v)| s.as_bytes() == v.as_bytes())
        })
    }

    /// Calls `f` with the stored values, once they are stored.
    pub(crate) fn with_values(&self, f: impl FnOnce(&[&str; L])) {
        if let Some(v) = self.0.get() {
            f(&v.each_ref().map(|s| s.as_str()));
        }
    }
}

impl<const L: usize, const S: usize> StoredLabels for LabelStore<L, S> {
    fn value(&self, i: usize) -> Option<LabelValue<'_>> {
        Some(LabelValue::str(self.0.get()?.get(i)?.as_str()))
    }
}
