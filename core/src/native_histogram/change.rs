//! The resolution change: every bucket of the active bank, at schema `s`, moved into the
//! other bank at `s - 1` (buckets `2j - 1` and `2j` into `j`), by whichever threads or
//! interrupts take part, each step decided by one compare-and-swap, so that a step done twice
//! takes effect once and a helper stopped anywhere blocks nobody.
//!
//! Per slot of the old bank, in three steps:
//! 1. **freeze**: set `FROZEN` (observers that find it re-read the state and go to the new
//!    bank; what the slot held stays in it);
//! 2. **absorb**: add its count and sum into bucket `j` of the new bank and set that
//!    bucket's `GOT_LOW` or `GOT_HIGH`, in one compare-and-swap that does nothing if the bit
//!    is set (absorbed already) or the bucket's tag is not `s - 1` any more (this change is
//!    over, so someone absorbed it);
//! 3. **empty**: replace the frozen slot by an empty one tagged for `s - 2`, the schema this
//!    bank holds next; a slot tagged otherwise is done.
//!
//! When every slot is done, the state moves to `s - 1` and the new bank (one
//! compare-and-swap; it fails harmlessly for all but one helper). Tags never repeat in a bank
//! (the schema only goes down), so a helper that stalled for any time fails its
//! compare-and-swap instead of acting on a later change's slots.

use super::index::halve;
use super::layout::*;
use super::{NativeHistogram, NativeValue};
use crate::sync::{AtomicU128, Ordering};

/// The index in `range` that lives in slot `k` of `len`, if any.
fn index_in(range: Range, k: usize, len: usize) -> Option<i32> {
    let (lo, hi) = range?;
    let k = i64::try_from(k).ok()?;
    let len = i64::try_from(len).ok()?;
    let i = i64::from(lo) + (k - i64::from(lo)).rem_euclid(len);
    i32::try_from(i).ok().filter(|i| *i <= hi)
}

impl<V: NativeValue, const N: usize, const NEG: usize> NativeHistogram<V, N, NEG> {
    /// Completes the change `word` (a state with `changing` set) describes, helping whoever
    /// began it.
    pub(super) fn finish_change(&self, word: u128) {
        let st = State::unpack(word);
        let to = st.changed();
        for neg in [false, true] {
            let [a, b] = self.banks(neg);
            let (src, dst) = if st.bank == 0 { (a, b) } else { (b, a) };
            for k in 0..src.len() {
                self.move_slot(src, dst, k, st.range(neg), st.schema);
            }
        }
        let _ = self
            .state
            .compare_exchange(word, to.pack(), Ordering::AcqRel, Ordering::Acquire);
    }

    /// Freezes, absorbs and empties slot `k` of `src` (holding `range` at `schema`).
    fn move_slot(
        &self,
        src: &[AtomicU128],
        dst: &[AtomicU128],
        k: usize,
        range: Range,
        schema: i8,
    ) {
        let src_tag = tag(self.initial, schema);
        let Some(slot) = src.get(k) else { return };
        // 1. Freeze.
        let mut cur = slot.load(Ordering::Acquire);
        let frozen = loop {
            let (low, _) = split(cur);
            if low & TAG_MASK != src_tag {
                return; // emptied: moved already
            }
            if low & FROZEN != 0 {
                break cur;
            }
            let new = cur | u128::from(FROZEN);
            match slot.compare_exchange_weak(cur, new, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break new,
                Err(actual) => cur = actual,
            }
        };
        // 2. Absorb.
        let (low, sum) = split(frozen);
        let count = low & COUNT_MASK;
        if let (Some(i), true) = (index_in(range, k, src.len()), count != 0 || sum != 0) {
            let j = halve(i);
            let bit = if i & 1 != 0 { GOT_LOW } else { GOT_HIGH };
            self.absorb(dst, j, schema - 1, bit, count, sum);
        }
        // 3. Empty, tagged for the schema this bank holds next.
        let empty = join(tag(self.initial, schema - 2), 0);
        let mut cur = slot.load(Ordering::Acquire);
        while split(cur).0 & TAG_MASK == src_tag {
            match slot.compare_exchange_weak(cur, empty, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Adds `count` observations summing to `sum` into bucket `j` of `dst` (at `schema`),
    /// once: marked by `bit`.
    fn absorb(&self, dst: &[AtomicU128], j: i32, schema: i8, bit: u64, count: u64, sum: u64) {
        let want = tag(self.initial, schema);
        let Some(slot) = dst.get(slot_of(j, dst.len())) else {
            return;
        };
        let mut cur = slot.load(Ordering::Acquire);
        loop {
            let (low, dsum) = split(cur);
            if low & (FROZEN | TAG_MASK) != want || low & bit != 0 {
                return; // absorbed already, or this change is over
            }
            let new = join(
                add_count(low, count) | bit,
                V::from_sum_bits(sum).add_to_sum_bits(dsum),
            );
            match slot.compare_exchange_weak(cur, new, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_in_finds_the_index_of_a_slot() {
        assert_eq!(index_in(Some((5, 7)), 1, 4), Some(5));
        assert_eq!(index_in(Some((5, 7)), 3, 4), Some(7));
        assert_eq!(index_in(Some((5, 7)), 0, 4), None);
        assert_eq!(index_in(Some((-3, 0)), 1, 4), Some(-3));
        assert_eq!(index_in(None, 0, 4), None);
    }
}
