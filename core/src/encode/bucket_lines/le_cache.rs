//! `le` label values prepared once (on a host): the canonical strings of a histogram's float
//! bucket bounds, formatted for the first series that has them and reused by the others,
//! in any output.

use crate::encode::out::Out;

/// Most bounds cached; histograms with more format their bounds line by line.
const MAX_BOUNDS: usize = 16;
/// Bytes of text cached (the default buckets take 53).
const TEXT: usize = 64;

/// The formatted bounds of the last bucket set seen, keyed by its address and length.
#[derive(Debug)]
pub(crate) struct LeCache {
    key: Option<(usize, usize)>,
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

    /// Prepares the `n` strings `le(i, out)` writes for the bounds `key` unless they are
    /// cached already. Returns whether they are available through [`get`](Self::get) (false
    /// when they do not fit).
    pub(crate) fn prepare(
        &mut self,
        key: (usize, usize),
        le: &dyn Fn(usize, &mut Out<'_>),
    ) -> bool {
        if self.key == Some(key) {
            return true;
        }
        self.key = None;
        self.text.clear();
        self.ends.clear();
        if self.fill(key.1, le).is_none() {
            self.text.clear();
            self.ends.clear();
            return false;
        }
        self.key = Some(key);
        true
    }

    fn fill(&mut self, n: usize, le: &dyn Fn(usize, &mut Out<'_>)) -> Option<()> {
        for i in 0..n {
            let mut out = Out::new(&mut self.text);
            le(i, &mut out);
            out.status().ok()?;
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
    static OTHER: [f64; 2] = [10.0, 20.0];

    fn key(b: &[f64]) -> (usize, usize) {
        (b.as_ptr() as usize, b.len())
    }

    fn le(bounds: &'static [f64]) -> impl Fn(usize, &mut Out<'_>) {
        move |i, out| {
            if let Some(b) = bounds.get(i) {
                crate::encode::float::put_f64(out, *b)
            }
        }
    }

    #[test]
    fn prepares_once_and_switches_sets() {
        let mut c = LeCache::new();
        assert!(c.prepare(key(&BOUNDS), &le(&BOUNDS)));
        for (i, want) in ["0.005", "0.25", "1.0", "2.5"].into_iter().enumerate() {
            assert_eq!(c.get(i), Some(want));
        }
        assert_eq!(c.get(4), None);
        assert!(c.prepare(key(&OTHER), &le(&OTHER)));
        assert_eq!((c.get(0), c.get(1)), (Some("10.0"), Some("20.0")));
        assert!(c.prepare(key(&BOUNDS), &le(&BOUNDS)));
        assert_eq!(c.get(0), Some("0.005"));
    }

    #[test]
    fn too_many_bounds_are_not_cached() {
        static MANY: [f64; 20] = crate::linear_buckets(1.0, 1.0);
        let mut c = LeCache::new();
        assert!(!c.prepare(key(&MANY), &le(&MANY)));
        assert_eq!(c.get(0), None);
    }
}
