//! The two kinds of 128-bit words a native histogram is made of, and their packing.
//!
//! **A bucket slot** (one per bucket, in two banks per sign): the low 64 bits hold flags, a
//! tag and the count, the high 64 bits the sum of the bucket's observations (in the form of
//! [`SumBits`](crate::SumBits)), so that one load reads a count and a sum of the same
//! observations, as a [`Tally`](crate::Tally).
//!
//! | bits | what |
//! |---|---|
//! | 63 | `FROZEN`: a resolution change is moving this slot; nothing is added to it any more |
//! | 62, 61 | `GOT_LOW`, `GOT_HIGH`: bucket `2j - 1` (`2j`) of the schema above was added into this bucket `j` |
//! | 60..57 | the tag: which schema's bucket this slot holds (or, when empty, will hold), counted in changes of this bank since the start: `(initial schema - schema) / 2`, rounded down (each bank holds every other schema, so all slots start at tag 0) |
//! | 56..0 | the count (wrapping at 2^57) |
//!
//! **The state** (one per histogram): the schema of the active bank, which bank is active,
//! whether a resolution change is moving it into the other one, and per sign the lowest and
//! highest index populated (none yet, or `lo..=hi`, at most the sign's slot count apart, each
//! index `i` living in slot `i mod slots`).

/// A slot is being moved by a resolution change.
pub(super) const FROZEN: u64 = 1 << 63;
/// The lower of the two buckets merged into this one was added.
pub(super) const GOT_LOW: u64 = 1 << 62;
/// The upper of the two buckets merged into this one was added.
pub(super) const GOT_HIGH: u64 = 1 << 61;
const TAG_SHIFT: u32 = 57;
/// The tag bits.
pub(super) const TAG_MASK: u64 = 0xf << TAG_SHIFT;
/// The count bits.
pub(super) const COUNT_MASK: u64 = (1 << TAG_SHIFT) - 1;

/// The tag of a slot holding buckets of `schema` in a histogram that started at `initial`
/// (`schema` in `initial - 13..=initial`: one below the lowest schema is what a bank left by
/// a change to the lowest one is tagged for, a schema never reached).
pub(super) const fn tag(initial: i8, schema: i8) -> u64 {
    (((initial - schema) >> 1) as u64 & 0xf) << TAG_SHIFT
}

/// The low and high halves of a slot.
#[inline]
pub(super) const fn split(slot: u128) -> (u64, u64) {
    (slot as u64, (slot >> 64) as u64)
}

/// A slot of these halves.
#[inline]
pub(super) const fn join(low: u64, sum: u64) -> u128 {
    ((sum as u128) << 64) | low as u128
}

/// The low half with the count advanced by `n` (wrapping in its 57 bits), flags and tag kept.
#[inline]
pub(super) const fn add_count(low: u64, n: u64) -> u64 {
    (low & !COUNT_MASK) | (low.wrapping_add(n) & COUNT_MASK)
}

/// The populated indices of one sign: `lo..=hi`.
pub(super) type Range = Option<(i32, i32)>;

/// How many slots `range` needs.
#[inline]
pub(super) const fn span(range: Range) -> u64 {
    match range {
        Some((lo, hi)) => (hi as i64 - lo as i64 + 1) as u64,
        None => 0,
    }
}

/// `range` with `i` in it.
#[inline]
pub(super) const fn with(range: Range, i: i32) -> Range {
    match range {
        Some((lo, hi)) => Some((if i < lo { i } else { lo }, if i > hi { i } else { hi })),
        None => Some((i, i)),
    }
}

/// Whether `i` is in `range`.
#[inline]
pub(super) const fn contains(range: Range, i: i32) -> bool {
    match range {
        Some((lo, hi)) => lo <= i && i <= hi,
        None => false,
    }
}

/// `range` one schema lower.
#[inline]
pub(super) const fn halved(range: Range) -> Range {
    match range {
        Some((lo, hi)) => Some((super::index::halve(lo), super::index::halve(hi))),
        None => None,
    }
}

/// The slot of index `i` among `slots` (at least one).
#[inline]
pub(super) const fn slot_of(i: i32, slots: usize) -> usize {
    let n = slots as u64;
    if n == 0 {
        return 0;
    }
    if n >= 1 << 30 || i < -INDEX_BIAS || i >= INDEX_BIAS {
        return (i as i64).rem_euclid(n as i64) as usize;
    }
    // An index of the state's range plus a multiple of `n` above `INDEX_BIAS` is positive,
    // below 2^32 and congruent to it: a 32-bit unsigned remainder, which by a constant `n` is
    // a multiplication.
    let k = (INDEX_BIAS as u64 / n + 1) * n;
    ((i as i64 + k as i64) as u32 % n as u32) as usize
}

/// The histogram's state word, unpacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct State {
    /// The schema of the active bank's buckets.
    pub(super) schema: i8,
    /// The active bank (0 or 1).
    pub(super) bank: usize,
    /// A resolution change is moving the active bank into the other one, at `schema - 1`.
    pub(super) changing: bool,
    pub(super) pos: Range,
    pub(super) neg: Range,
}

const INDEX_BITS: u32 = 21;
const INDEX_MASK: u128 = (1 << INDEX_BITS) - 1;
const INDEX_BIAS: i32 = 1 << (INDEX_BITS - 1);

#[inline]
const fn pack_index(i: i32) -> u128 {
    ((i + INDEX_BIAS) as u128) & INDEX_MASK
}

#[inline]
const fn unpack_index(w: u128) -> i32 {
    (w & INDEX_MASK) as i32 - INDEX_BIAS
}

#[inline]
const fn pack_range(r: Range, at: u32) -> u128 {
    match r {
        Some((lo, hi)) => (pack_index(lo) << at) | (pack_index(hi) << (at + INDEX_BITS)),
        None => 0,
    }
}

#[inline]
const fn unpack_range(w: u128, some: bool, at: u32) -> Range {
    if some {
        Some((unpack_index(w >> at), unpack_index(w >> (at + INDEX_BITS))))
    } else {
        None
    }
}

const POS_AT: u32 = 8;
/// The bits of `hi - lo` in a view (the indices of a state are 21 bits apart at most).
const VIEW_SPAN: u64 = (1 << INDEX_BITS) - 1;
const NEG_AT: u32 = POS_AT + 2 * INDEX_BITS;

/// What an observation of one sign needs of the state word, read without unpacking the
/// rest: the active bank, the tag of its slots, how much coarser than schema 8 its schema is,
/// and the sign's populated indices `lo..=hi`. None while a resolution change is under way or
/// before the sign's first observation (the observation then takes the slow path, which
/// unpacks the whole [`State`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Window {
    /// `8 - schema` (`0..=12`): an index at schema 8 shifted by it is the index at `schema`
    /// ([`shifted`](super::index::shifted)).
    pub(super) shift: u32,
    pub(super) bank: usize,
    /// The tag of the bank's slots at this schema ([`tag`]), in its place ([`TAG_MASK`]).
    pub(super) tag: u64,
    pub(super) lo: i32,
    pub(super) hi: i32,
    /// The slot of `lo` among the sign's slots when there are at most [`VIEW_SLOTS`] (else 0).
    pub(super) base: usize,
}

/// The most slots of a sign whose view holds the slot of `lo` ([`Window::base`]).
pub(super) const VIEW_SLOTS: usize = 1 << 11;

impl Window {
    /// This window as a view word (see `NativeHistogram::views`): the shift in bits 0..5,
    /// the bank in bit 5, bit 6 set, the tag in bits 7..11, the slot of `lo` in bits 11..22,
    /// `hi - lo` from bit 22 and `lo` (21 bits, two's complement) from bit 43, where one
    /// arithmetic shift reads it.
    #[inline]
    pub(super) const fn pack(self) -> u64 {
        (self.shift as u64 & 0x1f)
            | ((self.bank as u64 & 1) << 5)
            | (1 << 6)
            | (((self.tag & TAG_MASK) >> TAG_SHIFT) << 7)
            | ((self.base as u64 & (VIEW_SLOTS as u64 - 1)) << 11)
            | ((self.hi.wrapping_sub(self.lo) as u64 & VIEW_SPAN) << 22)
            | ((self.lo as u64) << 43)
    }

    /// The window of a view word (none for 0, the word of no window).
    #[inline]
    pub(super) const fn unpack(v: u64) -> Option<Window> {
        if v & (1 << 6) == 0 {
            return None;
        }
        let lo = ((v as i64) >> 43) as i32;
        Some(Window {
            shift: (v & 0x1f) as u32,
            bank: ((v >> 5) & 1) as usize,
            tag: ((v >> 7) & 0xf) << TAG_SHIFT,
            lo,
            hi: lo.wrapping_add(((v >> 22) & VIEW_SPAN) as i32),
            base: ((v >> 11) as usize) & (VIEW_SLOTS - 1),
        })
    }

    /// The slot of index `i` (in this window) among `slots` (those of the window's sign).
    #[inline]
    pub(super) const fn slot(self, i: i32, slots: usize) -> usize {
        if slots > VIEW_SLOTS {
            return slot_of(i, slots);
        }
        // `base + (i - lo)`, below `2 * slots` (`i - lo` is below the slots' count).
        let k = self.base + (i.wrapping_sub(self.lo) as u32 as usize);
        if k >= slots {
            k - slots
        } else {
            k
        }
    }

    /// Whether index `i` is in `lo..=hi` (one comparison: `lo <= hi`).
    #[inline]
    pub(super) const fn contains(self, i: i32) -> bool {
        (i.wrapping_sub(self.lo) as u32) <= (self.hi.wrapping_sub(self.lo) as u32)
    }

    /// The window of the negative (`neg`) or positive indices in the state word `w` of a
    /// histogram that started at schema `initial` with `slots` slots of that sign.
    #[inline]
    pub(super) const fn of(w: u128, neg: bool, initial: i8, slots: usize) -> Option<Window> {
        let (some, at) = if neg { (7, NEG_AT) } else { (6, POS_AT) };
        if (w >> 5) & 1 == 1 || (w >> some) & 1 == 0 {
            return None;
        }
        let schema = (w & 0xf) as i8 - 4;
        Some(Window {
            shift: (super::index::MAX_SCHEMA - schema) as u32 & 0xf,
            bank: ((w >> 4) & 1) as usize,
            tag: tag(initial, schema),
            lo: unpack_index(w >> at),
            hi: unpack_index(w >> (at + INDEX_BITS)),
            base: if slots <= VIEW_SLOTS {
                slot_of(unpack_index(w >> at), slots)
            } else {
                0
            },
        })
    }
}

impl State {
    /// A fresh histogram's: nothing observed, bank 0 at `schema`.
    pub(super) const fn new(schema: i8) -> State {
        State {
            schema,
            bank: 0,
            changing: false,
            pos: None,
            neg: None,
        }
    }

    #[inline]
    pub(super) const fn pack(self) -> u128 {
        ((self.schema + 4) as u128 & 0xf)
            | ((self.bank as u128 & 1) << 4)
            | ((self.changing as u128) << 5)
            | ((self.pos.is_some() as u128) << 6)
            | ((self.neg.is_some() as u128) << 7)
            | pack_range(self.pos, POS_AT)
            | pack_range(self.neg, NEG_AT)
    }

    #[inline]
    pub(super) const fn unpack(w: u128) -> State {
        State {
            schema: (w & 0xf) as i8 - 4,
            bank: ((w >> 4) & 1) as usize,
            changing: (w >> 5) & 1 == 1,
            pos: unpack_range(w, (w >> 6) & 1 == 1, POS_AT),
            neg: unpack_range(w, (w >> 7) & 1 == 1, NEG_AT),
        }
    }

    /// Where observations go: this state, or during a change the state it leads to.
    #[inline]
    pub(super) const fn target(self) -> State {
        if self.changing {
            self.changed()
        } else {
            self
        }
    }

    /// The state once the change from this one is done: one schema lower, the other bank,
    /// the ranges halved.
    #[inline]
    pub(super) const fn changed(self) -> State {
        State {
            schema: self.schema - 1,
            bank: 1 - self.bank,
            changing: false,
            pos: halved(self.pos),
            neg: halved(self.neg),
        }
    }

    /// The range of one sign.
    #[inline]
    pub(super) const fn range(self, neg: bool) -> Range {
        if neg {
            self.neg
        } else {
            self.pos
        }
    }

    /// This state with the range of one sign replaced.
    #[inline]
    pub(super) const fn with_range(mut self, neg: bool, r: Range) -> State {
        if neg {
            self.neg = r;
        } else {
            self.pos = r;
        }
        self
    }

    /// Whether `other` is this state with (possibly) wider ranges: no change of resolution
    /// began between the two.
    #[inline]
    pub(super) const fn same_layout(self, other: State) -> bool {
        self.schema == other.schema && self.bank == other.bank && self.changing == other.changing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips() {
        for s in [
            State::new(8),
            State {
                schema: -4,
                bank: 1,
                changing: true,
                pos: Some((-274944, 262143)),
                neg: Some((-3, -3)),
            },
            State {
                schema: 0,
                bank: 0,
                changing: false,
                pos: None,
                neg: Some((1000, 1100)),
            },
        ] {
            assert_eq!(State::unpack(s.pack()), s);
        }
    }

    #[test]
    fn window_is_what_the_state_says() {
        let s = State {
            schema: 3,
            bank: 1,
            changing: false,
            pos: Some((-5, 150)),
            neg: Some((-274944, -274800)),
        };
        let pos = Window::of(s.pack(), false, 8, 160);
        assert_eq!(
            pos,
            Some(Window {
                shift: 5,
                bank: 1,
                tag: tag(8, 3),
                lo: -5,
                hi: 150,
                base: 155,
            })
        );
        let neg = Window::of(s.pack(), true, 6, 200);
        assert_eq!(
            neg,
            Some(Window {
                shift: 5,
                bank: 1,
                tag: tag(6, 3),
                lo: -274944,
                hi: -274800,
                base: 56,
            })
        );
        for w in [pos, neg] {
            assert_eq!(Window::unpack(w.unwrap().pack()), w, "a view round-trips");
        }
        for (schema, shift) in [(-4, 12), (0, 8), (8, 0)] {
            let w = Window::of(State { schema, ..s }.pack(), false, 8, 160).unwrap();
            assert_eq!((w.shift, w.tag), (shift, tag(8, schema)));
        }
        let big = Window::of(s.pack(), false, 8, VIEW_SLOTS + 1).unwrap();
        assert_eq!(
            big.base, 0,
            "no slot of lo with more slots than a view holds"
        );
        let edge = Window {
            shift: 12,
            bank: 0,
            tag: tag(8, -5),
            lo: -(1 << 20),
            hi: (1 << 20) - 1,
            base: VIEW_SLOTS - 1,
        };
        assert_eq!(Window::unpack(edge.pack()), Some(edge));
        for (lo, hi) in [
            (-5, 150),
            (-(1 << 20), -(1 << 20)),
            (0, 0),
            (7, (1 << 20) - 1),
        ] {
            let w = Window { lo, hi, ..edge };
            assert_eq!(Window::unpack(w.pack()), Some(w), "{lo}..={hi}");
            for i in [
                lo - 1,
                lo,
                lo + 1,
                hi - 1,
                hi,
                hi + 1,
                i32::MIN,
                i32::MAX,
                0,
            ] {
                assert_eq!(w.contains(i), lo <= i && i <= hi, "{i} in {lo}..={hi}");
            }
        }
        // The slot of every index of a window, as `slot_of` gives it.
        for slots in [1, 3, 160, VIEW_SLOTS, VIEW_SLOTS + 1, 5000] {
            for lo in [-274944, -1, 0, 5, 1 << 19] {
                let hi = lo + slots as i32 - 1;
                let st = State {
                    pos: Some((lo, hi)),
                    ..s
                };
                let w = Window::of(st.pack(), false, 8, slots).unwrap();
                let w = Window::unpack(w.pack()).unwrap();
                for i in lo..=hi {
                    assert_eq!(
                        w.slot(i, slots),
                        slot_of(i, slots),
                        "{i} of {lo}..={hi} in {slots}"
                    );
                }
            }
        }
        assert_eq!(Window::unpack(0), None);
        assert_eq!(
            Window::of(State { neg: None, ..s }.pack(), true, 8, 4),
            None
        );
        assert_eq!(
            Window::of(
                State {
                    changing: true,
                    ..s
                }
                .pack(),
                false,
                8,
                4
            ),
            None
        );
    }

    #[test]
    fn slots_and_ranges() {
        assert_eq!((tag(8, 8), tag(8, 7)), (0, 0), "both banks start at tag 0");
        assert_ne!(tag(8, 8), tag(8, 6), "a bank's schemas differ in tag");
        assert_ne!(tag(8, -3), tag(8, -5));
        assert_eq!(tag(8, -5) & !TAG_MASK, 0);
        let low = add_count(tag(8, 3) | GOT_LOW | COUNT_MASK, 2);
        assert_eq!(low & COUNT_MASK, 1, "the count wraps in its bits");
        assert_eq!(low & !COUNT_MASK, tag(8, 3) | GOT_LOW, "flags and tag kept");
        assert_eq!(span(with(with(None, 5), -2)), 8);
        assert_eq!(halved(Some((-3, 4))), Some((-1, 2)));
        assert_eq!(slot_of(-1, 4), 3);
        for i in [
            -1 << 20,
            -274944,
            -1,
            0,
            1,
            159,
            160,
            262143,
            (1 << 20) - 1,
            1 << 20,
            i32::MIN,
            i32::MAX,
        ] {
            for n in [
                1,
                3,
                4,
                160,
                1 << 20,
                (1 << 20) + 1,
                1 << 30,
                usize::MAX >> 1,
            ] {
                assert_eq!(
                    slot_of(i, n) as i64,
                    i64::from(i).rem_euclid(n as i64),
                    "{i} {n}"
                );
            }
        }
        assert!(contains(Some((1, 2)), 2) && !contains(Some((1, 2)), 3) && !contains(None, 0));
        assert_eq!(split(join(7, 9)), (7, 9));
    }
}
