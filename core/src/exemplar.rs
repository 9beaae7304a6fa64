//! Exemplars (OpenMetrics 1.0): the latest exemplar of a counter or of a histogram bucket, kept
//! in fixed storage ([`ExemplarCell`]), the errors of an update that carries one
//! ([`ExemplarError`]), what became of it ([`ExemplarWrite`]) and a copy read back
//! ([`ExemplarSnapshot`]).
//!
//! Exemplar storage is opt-in: [`Counter`](crate::Counter) and
//! [`Histogram`](crate::Histogram) have none; [`CounterWithExemplar`](crate::CounterWithExemplar)
//! and [`HistogramWithExemplars`](crate::HistogramWithExemplars) add one cell (per bucket).

use core::fmt;
use core::time::Duration;

use crate::counter::CounterError;
use crate::encode::exemplar::{stored_len, ExemplarRef, NAME_END, VALUE_END};
use crate::histogram::ObserveError;
use crate::name::{validate_label_name, NameError};
use crate::number::SumBits;
use crate::sync::{fence, spin_loop, AtomicU32, AtomicU8, Ordering};

/// The most UTF-8 characters an exemplar's label names and values may have in all
/// (OpenMetrics 1.0: "The combined length of the label names and values of an Exemplar's
/// LabelSet MUST NOT exceed 128 UTF-8 character code points").
pub const MAX_EXEMPLAR_CHARS: usize = 128;

/// The bytes of label storage a cell has unless told otherwise: a `trace_id` of 32 hex
/// digits and a `span_id` of 16 take 67.
pub const DEFAULT_EXEMPLAR_BYTES: usize = 128;

/// An update with an exemplar was refused; nothing changed (the counter was not
/// incremented, the observation not recorded, the exemplar not stored), as Python's
/// `prometheus_client` raises without incrementing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExemplarError {
    /// The label names and values have more than [`MAX_EXEMPLAR_CHARS`] UTF-8 characters in
    /// all, OpenMetrics' limit.
    TooLong {
        /// Characters the labels have.
        chars: usize,
    },
    /// The labels do not fit the cell's storage (`S` bytes: each name and value in UTF-8,
    /// and two bytes per label).
    TooBig {
        /// Bytes the labels need.
        bytes: usize,
        /// Bytes the cell has.
        capacity: usize,
    },
    /// A label name is not a legacy label name (`[a-zA-Z_][a-zA-Z0-9_]*`, not starting with
    /// `__`): OpenMetrics 1.0's exemplar labels are.
    InvalidLabelName {
        /// Position of the label in the call.
        index: usize,
        /// What is wrong with it.
        error: NameError,
    },
    /// A label name was given twice.
    DuplicateLabel {
        /// Position of the second label with that name.
        index: usize,
    },
    /// The counter increment was refused.
    Counter(CounterError),
    /// The observation was refused.
    Observe(ObserveError),
}

impl fmt::Display for ExemplarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExemplarError::TooLong { chars } => write!(
                f,
                "the exemplar's labels have {chars} UTF-8 characters, over the limit of {MAX_EXEMPLAR_CHARS}"
            ),
            ExemplarError::TooBig { bytes, capacity } => write!(
                f,
                "the exemplar's labels need {bytes} bytes; the metric keeps {capacity}"
            ),
            ExemplarError::InvalidLabelName { index, .. } => {
                write!(f, "exemplar label name {index} is invalid")
            }
            ExemplarError::DuplicateLabel { index } => {
                write!(f, "exemplar label name {index} was given before")
            }
            ExemplarError::Counter(_) => f.write_str("the counter increment was refused"),
            ExemplarError::Observe(_) => f.write_str("the observation was refused"),
        }
    }
}

impl core::error::Error for ExemplarError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            ExemplarError::InvalidLabelName { error, .. } => Some(error),
            ExemplarError::Counter(e) => Some(e),
            ExemplarError::Observe(e) => Some(e),
            _ => None,
        }
    }
}

/// What became of the exemplar of an accepted update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExemplarWrite {
    /// It is the series' (or bucket's) latest exemplar now.
    Stored,
    /// Another writer held the cell (another thread, or the code this interrupt handler
    /// interrupted): the update was made, its exemplar dropped.
    Dropped,
}

/// Checks exemplar labels against OpenMetrics' rules and a storage of `capacity` bytes.
pub(crate) fn check_labels(labels: &[(&str, &str)], capacity: usize) -> Result<(), ExemplarError> {
    let mut chars = 0;
    for (index, (name, value)) in labels.iter().enumerate() {
        if let Err(error) = validate_label_name(name) {
            return Err(ExemplarError::InvalidLabelName { index, error });
        }
        if labels.iter().take(index).any(|(n, _)| n == name) {
            return Err(ExemplarError::DuplicateLabel { index });
        }
        // A name is ASCII: its characters are its bytes. A value's are its bytes that do not
        // continue a character (counted so, not by `chars()`, which links a counter of its
        // own on bare metal).
        let continuing = value.bytes().filter(|b| b & 0xc0 == 0x80).count();
        chars += name.len() + value.len() - continuing;
    }
    if chars > MAX_EXEMPLAR_CHARS {
        return Err(ExemplarError::TooLong { chars });
    }
    let bytes = stored_len(labels);
    if bytes > capacity {
        return Err(ExemplarError::TooBig { bytes, capacity });
    }
    Ok(())
}

/// The length word's flag: an exemplar has been stored.
const PRESENT: u32 = 1 << 31;
/// The nanoseconds word of an exemplar without a timestamp.
const NO_TIMESTAMP: u32 = u32::MAX;
/// How often a reader tries before giving up on a cell being written.
const READ_TRIES: u32 = 4;

/// Storage for one exemplar: `S` bytes of labels and a few words behind a sequence lock.
/// Used through [`CounterWithExemplar`](crate::CounterWithExemplar) and
/// [`HistogramWithExemplars`](crate::HistogramWithExemplars); `S + 28` bytes of RAM
/// (rounded up to 4), and `S` bytes of stack while an encoder copies it out.
///
/// # The sequence lock
/// A cell is a sequence word, a length word, the value, the timestamp and `S` label bytes,
/// all atomics (no `unsafe`, no lock anyone waits for):
/// - a writer claims the cell by moving the sequence from even to odd with one
///   compare-and-swap, writes the words, and makes it even again (`Release`). A writer that
///   finds the cell claimed (another thread, or the code an interrupt handler interrupted, is
///   writing) does not wait: its exemplar is dropped, and the update says so
///   ([`ExemplarWrite::Dropped`]). The counter or histogram is updated all the same.
/// - a reader (the encoder) reads the sequence, copies the words, and reads the sequence
///   again after an `Acquire` fence; the copy is used only when both reads are the same even
///   number, so a reader never sees a torn exemplar. It retries a few times and then gives
///   up (the sample is written without its exemplar for that scrape): an interrupt handler
///   that encodes while the code it interrupted is writing would otherwise wait forever.
///
/// The fences are what make a copy whole: `core/tests/loom_exemplar.rs` checks every
/// interleaving of a writer and a reader within loom's bound, and fails without either.
pub struct ExemplarCell<const S: usize = DEFAULT_EXEMPLAR_BYTES> {
    /// Even when the cell is complete, odd while a writer holds it.
    seq: AtomicU32,
    /// [`PRESENT`] and the labels' stored length.
    len: AtomicU32,
    /// The value's bits ([`SumBits`]), low word first.
    value: [AtomicU32; 2],
    /// The timestamp's seconds, low word first.
    secs: [AtomicU32; 2],
    /// The timestamp's nanoseconds, or [`NO_TIMESTAMP`].
    nanos: AtomicU32,
    bytes: [AtomicU8; S],
}

impl<const S: usize> ExemplarCell<S> {
    /// An empty cell.
    pub const fn new() -> Self {
        ExemplarCell {
            seq: AtomicU32::new(0),
            len: AtomicU32::new(0),
            value: [const { AtomicU32::new(0) }; 2],
            secs: [const { AtomicU32::new(0) }; 2],
            nanos: AtomicU32::new(NO_TIMESTAMP),
            bytes: [const { AtomicU8::new(0) }; S],
        }
    }

    /// Stores labels checked by [`check_labels`], `value`'s bits and `timestamp`, unless
    /// another writer holds the cell.
    pub(crate) fn store(
        &self,
        labels: &[(&str, &str)],
        value: u64,
        timestamp: Option<Duration>,
    ) -> ExemplarWrite {
        let seq = self.seq.load(Ordering::Relaxed);
        if seq & 1 == 1
            || self
                .seq
                .compare_exchange(
                    seq,
                    seq.wrapping_add(1),
                    Ordering::Acquire,
                    Ordering::Relaxed,
                )
                .is_err()
        {
            return ExemplarWrite::Dropped;
        }
        // The odd sequence is seen before any word below by a reader that sees one of them.
        fence(Ordering::Release);
        let mut at = 0;
        let mut put = |b: u8| {
            if let Some(cell) = self.bytes.get(at) {
                cell.store(b, Ordering::Relaxed);
            }
            at += 1;
        };
        for (name, v) in labels {
            name.bytes().for_each(&mut put);
            put(NAME_END);
            v.bytes().for_each(&mut put);
            put(VALUE_END);
        }
        self.len.store(PRESENT | at as u32, Ordering::Relaxed);
        let [lo, hi] = &self.value;
        lo.store(value as u32, Ordering::Relaxed);
        hi.store((value >> 32) as u32, Ordering::Relaxed);
        let (secs, nanos) =
            timestamp.map_or((0, NO_TIMESTAMP), |t| (t.as_secs(), t.subsec_nanos()));
        let [lo, hi] = &self.secs;
        lo.store(secs as u32, Ordering::Relaxed);
        hi.store((secs >> 32) as u32, Ordering::Relaxed);
        self.nanos.store(nanos, Ordering::Relaxed);
        self.seq.store(seq.wrapping_add(2), Ordering::Release);
        ExemplarWrite::Stored
    }

    /// Copies the exemplar into `buf`: its labels' stored length, value bits and timestamp;
    /// `None` when there is none, or a writer held the cell at every try.
    fn read_into(&self, buf: &mut [u8; S]) -> Option<(usize, u64, Option<Duration>)> {
        for _ in 0..READ_TRIES {
            let seq = self.seq.load(Ordering::Acquire);
            if seq & 1 == 0 {
                let len = self.len.load(Ordering::Relaxed);
                let n = ((len & !PRESENT) as usize).min(S);
                for (b, cell) in buf.iter_mut().zip(&self.bytes).take(n) {
                    *b = cell.load(Ordering::Relaxed);
                }
                let [lo, hi] = &self.value;
                let value = u64::from(lo.load(Ordering::Relaxed))
                    | u64::from(hi.load(Ordering::Relaxed)) << 32;
                let [lo, hi] = &self.secs;
                let secs = u64::from(lo.load(Ordering::Relaxed))
                    | u64::from(hi.load(Ordering::Relaxed)) << 32;
                let nanos = self.nanos.load(Ordering::Relaxed);
                // The words above were read before the sequence is read again.
                fence(Ordering::Acquire);
                if self.seq.load(Ordering::Relaxed) == seq {
                    if len & PRESENT == 0 {
                        return None;
                    }
                    let at = (nanos != NO_TIMESTAMP).then(|| Duration::new(secs, nanos));
                    return Some((n, value, at));
                }
            }
            spin_loop();
        }
        None
    }

    /// Calls `f` with the exemplar, read consistently, as a value of type `V`, if there is
    /// one (see [`read_into`](Self::read_into)).
    pub(crate) fn with<V: SumBits>(&self, f: &mut dyn FnMut(&ExemplarRef<'_, V>)) {
        let mut buf = [0u8; S];
        if let Some((n, bits, timestamp)) = self.read_into(&mut buf) {
            let labels = buf.get(..n).unwrap_or_default();
            f(&ExemplarRef {
                labels,
                value: V::from_sum_bits(bits),
                timestamp,
            });
        }
    }

    /// A copy of the exemplar, as a value of type `V`.
    pub(crate) fn snapshot<V: SumBits>(&self) -> Option<ExemplarSnapshot<V, S>> {
        let mut labels = [0u8; S];
        let (len, bits, timestamp) = self.read_into(&mut labels)?;
        Some(ExemplarSnapshot {
            labels,
            len,
            value: V::from_sum_bits(bits),
            timestamp,
        })
    }
}

impl<const S: usize> Default for ExemplarCell<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const S: usize> fmt::Debug for ExemplarCell<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExemplarCell")
            .field("capacity", &S)
            .finish_non_exhaustive()
    }
}

/// A copy of an exemplar: its labels, value and timestamp.
#[derive(Clone, Copy)]
pub struct ExemplarSnapshot<V, const S: usize = DEFAULT_EXEMPLAR_BYTES> {
    labels: [u8; S],
    len: usize,
    value: V,
    timestamp: Option<Duration>,
}

impl<V: Copy, const S: usize> ExemplarSnapshot<V, S> {
    /// The labels, in the order they were given.
    pub fn labels(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.as_ref().pairs()
    }

    /// The exemplar's value (the increment, or the observed value).
    pub fn value(&self) -> V {
        self.value
    }

    /// The exemplar's timestamp, if it was given one.
    pub fn timestamp(&self) -> Option<Duration> {
        self.timestamp
    }

    fn as_ref(&self) -> ExemplarRef<'_, V> {
        ExemplarRef {
            labels: self.labels.get(..self.len).unwrap_or_default(),
            value: self.value,
            timestamp: self.timestamp,
        }
    }
}

impl<V: Copy + fmt::Debug, const S: usize> fmt::Debug for ExemplarSnapshot<V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut labels = f.debug_map();
        labels.entries(self.labels());
        labels.finish()?;
        f.write_str(" ")?;
        fmt::Debug::fmt(&self.value, f)?;
        if let Some(t) = self.timestamp {
            write!(f, " @{t:?}")?;
        }
        Ok(())
    }
}

/// One cell per finite bucket and one for `+Inf`: a histogram's exemplars (the storage of
/// [`HistogramWithExemplars`](crate::HistogramWithExemplars), chosen by its buckets' type).
#[doc(hidden)]
pub struct BucketCells<const N: usize, const S: usize> {
    finite: [ExemplarCell<S>; N],
    inf: ExemplarCell<S>,
}

/// The exemplar storage of a histogram's buckets; implemented by [`BucketCells`] only.
#[doc(hidden)]
pub trait BucketExemplarCells<const S: usize>: Sync + 'static {
    /// Empty cells.
    const INIT: Self;
    /// The `i`th bucket's cell, `+Inf` the last.
    fn cell(&self, i: usize) -> Option<&ExemplarCell<S>>;
}

impl<const N: usize, const S: usize> BucketExemplarCells<S> for BucketCells<N, S> {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = BucketCells {
        finite: [const { ExemplarCell::new() }; N],
        inf: ExemplarCell::new(),
    };
    fn cell(&self, i: usize) -> Option<&ExemplarCell<S>> {
        if i == N {
            Some(&self.inf)
        } else {
            self.finite.get(i)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_checked_as_openmetrics_and_python_check_them() {
        let ok = [("trace_id", "abc"), ("span_id", "é€𝄞")];
        assert_eq!(check_labels(&ok, 128), Ok(()));
        assert_eq!(check_labels(&[], 0), Ok(()));
        assert_eq!(
            check_labels(&[("ok", "1"), ("bad-name", "x")], 128),
            Err(ExemplarError::InvalidLabelName {
                index: 1,
                error: NameError::InvalidLabelName
            })
        );
        assert_eq!(
            check_labels(&[("__reserved", "x")], 128),
            Err(ExemplarError::InvalidLabelName {
                index: 0,
                error: NameError::ReservedPrefix
            })
        );
        assert_eq!(
            check_labels(&[("a", "1"), ("b", "2"), ("a", "3")], 128),
            Err(ExemplarError::DuplicateLabel { index: 2 })
        );
        // 128 characters in all pass, 129 do not; characters, not bytes.
        let v127 = "é".repeat(127);
        assert_eq!(check_labels(&[("a", &v127)], 1024), Ok(()));
        let v128 = "é".repeat(128);
        assert_eq!(
            check_labels(&[("a", &v128)], 1024),
            Err(ExemplarError::TooLong { chars: 129 })
        );
        // Within the limit, but not within the storage: 1 + 254 + 2 bytes.
        assert_eq!(
            check_labels(&[("a", &v127)], 128),
            Err(ExemplarError::TooBig {
                bytes: 257,
                capacity: 128
            })
        );
    }

    #[test]
    fn a_cell_keeps_the_latest_exemplar() {
        let cell: ExemplarCell<32> = ExemplarCell::new();
        assert!(cell.snapshot::<u64>().is_none());
        let t = Duration::new(1_520_879_607, 789_000_000);
        assert_eq!(
            cell.store(&[("trace_id", "abc")], 7, Some(t)),
            ExemplarWrite::Stored
        );
        let s = cell.snapshot::<u64>().unwrap();
        assert!(s.labels().eq([("trace_id", "abc")]));
        assert_eq!((s.value(), s.timestamp()), (7, Some(t)));
        let bits = 0.25f64.to_sum_bits();
        assert_eq!(cell.store(&[], bits, None), ExemplarWrite::Stored);
        let s = cell.snapshot::<f64>().unwrap();
        assert_eq!(s.labels().count(), 0);
        assert_eq!((s.value(), s.timestamp()), (0.25, None));
    }

    #[test]
    fn a_held_cell_drops_the_writer_and_gives_up_the_reader() {
        let cell: ExemplarCell<8> = ExemplarCell::new();
        cell.store(&[("a", "1")], 1, None);
        // As if a writer was interrupted midway.
        let seq = cell.seq.load(Ordering::Relaxed);
        cell.seq.store(seq + 1, Ordering::Relaxed);
        assert_eq!(cell.store(&[("a", "2")], 2, None), ExemplarWrite::Dropped);
        assert!(cell.snapshot::<u64>().is_none(), "gives up, never waits");
        cell.seq.store(seq, Ordering::Relaxed);
        let s = cell.snapshot::<u64>().unwrap();
        assert!(s.labels().eq([("a", "1")]));
        assert_eq!(s.value(), 1);
    }

    #[test]
    fn errors_say_what_is_wrong_and_keep_their_source() {
        use core::error::Error as _;
        use core::fmt::Write as _;
        let mut s: heapless::String<128> = heapless::String::new();
        write!(s, "{}", ExemplarError::TooLong { chars: 130 }).unwrap();
        assert!(s.contains("130") && s.contains("128"), "{s}");
        let e = ExemplarError::InvalidLabelName {
            index: 0,
            error: NameError::InvalidLabelName,
        };
        assert!(e.source().is_some());
        assert!(ExemplarError::Counter(CounterError::Negative)
            .source()
            .is_some());
        assert!(ExemplarError::DuplicateLabel { index: 1 }
            .source()
            .is_none());
    }
}
