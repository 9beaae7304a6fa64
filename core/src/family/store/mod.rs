//! [`LabelStore`]: the label values of one series of a [`Family`](super::Family), written once
//! by the thread that claims the series' slot, before the slot is published, and immutable
//! afterwards.
//!
//! Two whole implementations behind one API, chosen by `cfg(edgeprom_small_code)`: on a host
//! plain strings behind a `Once` (lookups compare them as slices, a word at a time, and the
//! encoder borrows them as `&str`); on bare metal atomic bytes, written and compared byte by
//! byte without `memcpy`, `memcmp` or UTF-8 validation, which would be most of a small
//! firmware's label code.
//!
//! The API both implement:
//! - `DEFAULT_VALUE_BYTES`, the family's default `S`;
//! - `LabelStore::<L, S>::EMPTY`, for `const` construction;
//! - `write(&self, values)`: stores the values (each at most `S` bytes, checked by the caller);
//!   only the thread that claimed the slot calls it, once;
//! - `matches(&self, values)`: whether these values are stored;
//! - `with_values(&self, f)`: calls `f` with the values as `&str`s (once stored);
//! - [`StoredLabels`](crate::encode::StoredLabels), for the encoder;
//! - under `cfg(loom)`, `loom_prime(&self)`: creates its loom atomics (`crate::sync`).

#[cfg(not(edgeprom_small_code))]
mod host;
#[cfg(edgeprom_small_code)]
mod small;

#[cfg(not(edgeprom_small_code))]
pub(crate) use host::LabelStore;
#[cfg(not(edgeprom_small_code))]
pub use host::DEFAULT_VALUE_BYTES;
#[cfg(edgeprom_small_code)]
pub(crate) use small::LabelStore;
#[cfg(edgeprom_small_code)]
pub use small::DEFAULT_VALUE_BYTES;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::StoredLabels;

    #[test]
    fn stores_once_and_compares() {
        let store: LabelStore<2, 8> = LabelStore::EMPTY;
        store.write(&["get", "/ü"]);
        assert!(store.matches(&["get", "/ü"]));
        assert!(!store.matches(&["get", "/u"]));
        assert!(!store.matches(&["ge", "t/ü"]));
        assert!(!store.matches(&["get", ""]));
        let mut seen = false;
        store.with_values(|v| {
            assert_eq!(v, &["get", "/ü"]);
            seen = true;
        });
        assert!(seen);
        assert!(store.value(0).is_some() && store.value(1).is_some());
        assert!(store.value(2).is_none());
        let empty: LabelStore<1, 4> = LabelStore::EMPTY;
        empty.write(&[""]);
        assert!(empty.matches(&[""]) && !empty.matches(&["x"]));
    }
}
