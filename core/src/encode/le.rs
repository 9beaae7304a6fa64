//! `le` label values prepared once: the canonical strings of a histogram's bucket bounds,
//! formatted for the first series of a family and reused by the others.

use core::any::TypeId;

use crate::number::Number;

/// Most bounds cached; histograms with more format their bounds line by line. Small, as the
/// cache lives in the encoder, on the stack of whoever encodes (a microcontroller, say).
const MAX_BOUNDS: usize = 16;
/// Bytes of text cached (the default buckets take 53).
const TEXT: usize = 64;

/// The formatted bounds of the last bucket set seen, keyed by its address, length and type.
#[derive(Debug)]
pub(crate) struct LeCache {
    key: Option<(usize, usize, TypeId)>,
    text: heapless::String<TEXT>,
    ends: heapless::Vec<u8, MAX_BOUNDS>,
}

impl LeCache {
    /// An empty cache.
    pub(crate) const fn new() -> Self {
        LeCache {
            key: None,
            text: heapless::String::new(),
            ends: heapless::Vec::new(),
        }
    }

    /// Prepares the strings of `bounds` unless they are cached already. Returns whether they
    /// are available through [`get`](Self::get) (false when they do not fit).
    #[inline(never)]
    pub(crate) fn prepare<V: Number>(&mut self, bounds: &'static [V]) -> bool {
        let key = (bounds.as_ptr() as usize, bounds.len(), TypeId::of::<V>());
        if self.key == Some(key) {
            return true;
        }
        self.key = None;
        self.text.clear();
        self.ends.clear();
        if self.fill(bounds).is_none() {
            self.text.clear();
            self.ends.clear();
            return false;
        }
        self.key = Some(key);
        true
    }

    fn fill<V: Number>(&mut self, bounds: &[V]) -> Option<()> {
        for b in bounds {
            b.write_canonical(&mut self.text).ok()?;
            let end = u8::try_from(self.text.len()).ok()?;
            self.ends.push(end).ok()?;
        }
        Some(())
    }

    /// The `i`th prepared string.
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        let end = usize::from(*self.ends.get(i)?);
        let start = match i.checked_sub(1) {
            Some(p) => usize::from(*self.ends.get(p)?),
            None => 0,
        };
        self.text.get(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static BOUNDS: [f64; 4] = [0.005, 0.25, 1.0, 2.5];
    static INTS: [u64; 2] = [10, 20];

    #[test]
    fn prepares_once_and_switches_sets() {
        let mut c = LeCache::new();
        assert!(c.prepare(&BOUNDS[..]));
        for (i, want) in ["0.005", "0.25", "1.0", "2.5"].into_iter().enumerate() {
            assert_eq!(c.get(i), Some(want));
        }
        assert_eq!(c.get(4), None);
        assert!(c.prepare(&INTS[..]));
        assert_eq!((c.get(0), c.get(1)), (Some("10.0"), Some("20.0")));
        assert!(c.prepare(&BOUNDS[..]));
        assert_eq!(c.get(0), Some("0.005"));
    }

    #[test]
    fn too_many_bounds_are_not_cached() {
        static MANY: [f64; 20] = crate::linear_buckets(1.0, 1.0);
        let mut c = LeCache::new();
        assert!(!c.prepare(&MANY[..]));
        assert_eq!(c.get(0), None);
    }
}
