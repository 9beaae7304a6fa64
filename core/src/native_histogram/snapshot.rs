//! [`NativeSnapshot`]: a native histogram's buckets, count and sum read at one time.

use super::layout::{split, Range, COUNT_MASK, TAG_MASK};
use super::NativeValue;
use crate::encode::NativeBuckets;
use crate::sync::{AtomicU128, Ordering};

/// One sign's buckets: the first index and the counts from there on.
#[derive(Debug, Clone, Copy)]
struct Side<const M: usize> {
    first: i32,
    len: usize,
    counts: [u64; M],
}

impl<const M: usize> Side<M> {
    const EMPTY: Self = Side {
        first: 0,
        len: 0,
        counts: [0; M],
    };

    fn counts(&self) -> &[u64] {
        self.counts.get(..self.len).unwrap_or_default()
    }

    fn iter(&self) -> impl Iterator<Item = (i32, u64)> + '_ {
        (self.first..)
            .zip(self.counts().iter().copied())
            .filter(|(_, n)| *n != 0)
    }
}

/// A [`NativeHistogram`](super::NativeHistogram)'s state at one time: its count is the
/// zero bucket's plus every bucket's, its sum the sum of the same observations.
#[derive(Debug, Clone)]
pub struct NativeSnapshot<V: NativeValue, const N: usize, const NEG: usize> {
    schema: i8,
    zero_threshold: f64,
    zero_count: u64,
    count: u64,
    sum_bits: u64,
    pos: Side<N>,
    neg: Side<NEG>,
    _v: core::marker::PhantomData<V>,
}

impl<V: NativeValue, const N: usize, const NEG: usize> NativeSnapshot<V, N, NEG> {
    pub(super) fn new(schema: i8, zero_threshold: f64) -> Self {
        NativeSnapshot {
            schema,
            zero_threshold,
            zero_count: 0,
            count: 0,
            sum_bits: V::ZERO.to_sum_bits(),
            pos: Side::EMPTY,
            neg: Side::EMPTY,
            _v: core::marker::PhantomData,
        }
    }

    /// Reads one sign's buckets in `range` from `bank`, each slot by one load; false if one
    /// is not tagged `want` (a resolution change moved it: read again).
    pub(super) fn read(&mut self, neg: bool, bank: &[AtomicU128], range: Range, want: u64) -> bool {
        let Some((lo, hi)) = range else { return true };
        let (first, len, counts) = if neg {
            (
                &mut self.neg.first,
                &mut self.neg.len,
                self.neg.counts.as_mut_slice(),
            )
        } else {
            (
                &mut self.pos.first,
                &mut self.pos.len,
                self.pos.counts.as_mut_slice(),
            )
        };
        *first = lo;
        *len = 0;
        for i in lo..=hi {
            let Some(slot) = bank.get(super::layout::slot_of(i, bank.len())) else {
                return false;
            };
            let (low, sum) = split(slot.load(Ordering::Acquire));
            if low & TAG_MASK != want {
                return false;
            }
            let n = low & COUNT_MASK;
            let Some(c) = counts.get_mut(*len) else {
                return false;
            };
            *c = n;
            *len += 1;
            self.count = self.count.wrapping_add(n);
            self.sum_bits = V::from_sum_bits(sum).add_to_sum_bits(self.sum_bits);
        }
        true
    }

    pub(super) fn add_zero(&mut self, count: u64, sum: V) {
        self.zero_count = count;
        self.count = self.count.wrapping_add(count);
        self.sum_bits = sum.add_to_sum_bits(self.sum_bits);
    }

    /// The schema of the buckets.
    pub fn schema(&self) -> i8 {
        self.schema
    }

    /// The largest magnitude the zero bucket holds.
    pub fn zero_threshold(&self) -> f64 {
        self.zero_threshold
    }

    /// Observations in the zero bucket.
    pub fn zero_count(&self) -> u64 {
        self.zero_count
    }

    /// Number of observations: the zero bucket's and every bucket's.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Sum of the observations (added bucket by bucket, then the zero bucket).
    pub fn sum(&self) -> V {
        V::from_sum_bits(self.sum_bits)
    }

    /// The populated positive buckets, `(index, count)` by increasing index; bucket `i` holds
    /// `(upper_bound(schema, i - 1), upper_bound(schema, i)]`.
    pub fn positive(&self) -> impl Iterator<Item = (i32, u64)> + '_ {
        self.pos.iter()
    }

    /// The populated negative buckets, `(index, count)` by increasing index; bucket `i` holds
    /// the values whose magnitude bucket `i` of [`positive`](Self::positive) would hold.
    pub fn negative(&self) -> impl Iterator<Item = (i32, u64)> + '_ {
        self.neg.iter()
    }

    /// What the protobuf formats write.
    pub(super) fn buckets(&self) -> NativeBuckets<'_> {
        NativeBuckets {
            count: self.count,
            schema: self.schema,
            zero_threshold: self.zero_threshold,
            zero_count: self.zero_count,
            positive: (self.pos.first, self.pos.counts()),
            negative: (self.neg.first, self.neg.counts()),
        }
    }
}
