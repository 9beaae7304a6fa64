//! Shapes on a host: the last four, each with the order of its labels and the finished bytes
//! of the labels its series share.

use core::cmp::Ordering;

use super::super::wire::{FIELD1_LEN, FIELD2_LEN};
use super::super::{
    format_le_field, label_len, parts_cmp, parts_len, Head, Parts, Sample, SampleTail, Val,
    LE_FIELD,
};
use super::{Key, Label, Repeat, Segment, Written, SORTED};
use crate::encode::out::Out;

/// Bytes of shared labels kept per shape.
const SHARED: usize = 512;

/// Shapes kept.
const WAYS: usize = 4;

/// The last [`WAYS`] shapes seen, the one of the last series marked, and where the last
/// series written in place is.
#[derive(Debug)]
pub(crate) struct Shapes {
    ways: [Shape; WAYS],
    current: Option<usize>,
    next: usize,
    last: Option<Written>,
    /// The request's `Sample` field but for the value.
    tail: SampleTail,
}

impl Shapes {
    /// None yet.
    pub(crate) const fn new() -> Self {
        Shapes {
            ways: [const { Shape::new() }; WAYS],
            current: None,
            next: 0,
            last: None,
            tail: SampleTail::NONE,
        }
    }

    /// None yet, for a request at `timestamp_ms`.
    pub(crate) fn at(timestamp_ms: u64) -> Self {
        Shapes {
            tail: SampleTail::at(timestamp_ms),
            ..Self::new()
        }
    }

    /// The request's `Sample` field with the value left zero (at [`SampleTail::VALUE`]).
    pub(in crate::encode::remote_write) fn tail(&self) -> &[u8] {
        self.tail.bytes()
    }

    /// Makes the shape keyed `key` (of `sample`) the current one, worked out unless it is
    /// kept; `false` (none current) when the sample has more than [`SORTED`] labels.
    #[inline]
    pub(in crate::encode::remote_write) fn prepare(
        &mut self,
        key: &Key,
        sample: &Sample<'_>,
    ) -> bool {
        // Most series have the shape of the one before.
        let current = self.current.and_then(|i| self.ways.get(i));
        if current.is_some_and(|w| w.key.as_ref() == Some(key)) {
            return true;
        }
        self.prepare_other(key, sample)
    }

    /// [`prepare`](Self::prepare) for a shape other than the current one. The key comes by
    /// reference: built just now by narrower stores, a copy of it by value would wait for
    /// them to reach the cache (a store-forwarding stall on every change of shape).
    #[inline(never)]
    fn prepare_other(&mut self, key: &Key, sample: &Sample<'_>) -> bool {
        if let Some(i) = self.ways.iter().position(|w| w.key.as_ref() == Some(key)) {
            self.current = Some(i);
            return true;
        }
        let i = self.next;
        self.next = (i + 1) % WAYS;
        let shaped = self
            .ways
            .get_mut(i)
            .is_some_and(|w| w.prepare(*key, sample));
        self.current = shaped.then_some(i);
        shaped
    }

    /// Notes where the last series written in place is (`None`: it was not).
    pub(in crate::encode::remote_write) fn set_last(&mut self, last: Option<Written>) {
        self.last = last;
    }

    /// Where the last series written in place is.
    pub(in crate::encode::remote_write) fn last(&self) -> Option<Written> {
        self.last
    }

    /// The shape [`prepare`](Self::prepare) made current.
    pub(in crate::encode::remote_write) fn current(&self) -> Option<&Shape> {
        self.ways.get(self.current?)
    }

    /// Notes the last series of the current shape written as runs (`None`: forget it).
    pub(in crate::encode::remote_write) fn set_repeat(&mut self, repeat: Option<Repeat>) {
        if let Some(shape) = self.current.and_then(|i| self.ways.get_mut(i)) {
            shape.repeat = repeat;
        }
    }
}

/// Most bounds whose `le` fields are kept (with `+Inf`, one more field).
const LE_BOUNDS: usize = 32;
/// Bytes of `le` fields kept.
const LE_BYTES: usize = 640;

/// The `le` label fields (tag, length, name, value) of the bounds seen last, `+Inf` after
/// them: a histogram's bucket series copy theirs from here.
#[derive(Debug)]
pub(crate) struct LeFields {
    key: Option<(usize, usize)>,
    bytes: heapless::Vec<u8, LE_BYTES>,
    ends: heapless::Vec<u16, { LE_BOUNDS + 1 }>,
}

impl LeFields {
    /// None kept.
    pub(crate) const fn new() -> Self {
        LeFields {
            key: None,
            bytes: heapless::Vec::new(),
            ends: heapless::Vec::new(),
        }
    }

    /// Makes the fields of the bounds `key` (address, count; `le(i, out)` writes the `i`th,
    /// `+Inf` past the last) the kept ones unless they are; `false` when they do not fit.
    pub(in crate::encode::remote_write) fn prepare(
        &mut self,
        key: (usize, usize),
        le: &dyn Fn(usize, &mut Out<'_>),
    ) -> bool {
        if self.key == Some(key) {
            return true;
        }
        self.key = None;
        self.bytes.clear();
        self.ends.clear();
        for i in 0..=key.1 {
            let mut field = [0u8; LE_FIELD];
            let len = format_le_field(le, i, &mut field);
            let ok = len.is_some_and(|len| {
                self.bytes
                    .extend_from_slice(field.get(..len).unwrap_or_default())
                    .is_ok()
                    && u16::try_from(self.bytes.len()).is_ok_and(|e| self.ends.push(e).is_ok())
            });
            if !ok {
                self.bytes.clear();
                self.ends.clear();
                return false;
            }
        }
        self.key = Some(key);
        true
    }

    /// The `i`th kept field.
    #[inline]
    pub(in crate::encode::remote_write) fn get(&self, i: usize) -> Option<&[u8]> {
        let end = usize::from(*self.ends.get(i)?);
        let start = match i.checked_sub(1) {
            Some(p) => usize::from(*self.ends.get(p)?),
            None => 0,
        };
        self.bytes.get(start..end)
    }
}

/// One label of the shape: where [`Sample::get`] finds it, and its bytes when shared.
#[derive(Debug, Clone, Copy)]
struct Slot {
    pos: u8,
    /// Its name is the one before it (a name given twice).
    again: bool,
    /// `start..end` in [`Shape::shared`]: the whole `Label` field, for `__name__` and the
    /// constant labels (when they fit).
    shared: Option<(u16, u16)>,
}

/// The shape of the last series seen.
#[derive(Debug)]
pub(crate) struct Shape {
    key: Option<Key>,
    slots: heapless::Vec<Slot, SORTED>,
    shared: heapless::Vec<u8, SHARED>,
    /// The labels as runs, when every shared label's bytes are kept and no name is given
    /// twice: then a series is its runs, each a copy or one label.
    segments: heapless::Vec<Segment, SORTED>,
    fast: bool,
    /// The last series of the shape written as runs: the ones after it are copies of it.
    repeat: Option<Repeat>,
}

impl Shape {
    /// No shape yet.
    const fn new() -> Self {
        Shape {
            key: None,
            slots: heapless::Vec::new(),
            shared: heapless::Vec::new(),
            segments: heapless::Vec::new(),
            fast: false,
            repeat: None,
        }
    }

    /// Makes this the shape of `sample` (keyed `key`), unless it is already; `false` when the
    /// sample has more than [`SORTED`] labels.
    fn prepare(&mut self, key: Key, sample: &Sample<'_>) -> bool {
        if self.key == Some(key) {
            return true;
        }
        self.key = None;
        self.slots.clear();
        self.shared.clear();
        self.segments.clear();
        self.fast = false;
        self.repeat = None;
        // Every label, empty values too (the next series may fill them): sorted by name, a
        // name given twice after its first (the first non-empty one is written).
        let mut i = 0;
        while let Some((name, _)) = sample.label(i) {
            let Ok(pos) = u8::try_from(i) else {
                return false;
            };
            i += 1;
            let mut at = self.slots.len();
            while at > 0 {
                let before = self
                    .slots
                    .get(at - 1)
                    .and_then(|s| sample.label(usize::from(s.pos)));
                match before.map(|(b, _)| parts_cmp(&b, &name)) {
                    Some(Ordering::Greater) => at -= 1,
                    _ => break,
                }
            }
            let slot = Slot {
                pos,
                again: false,
                shared: None,
            };
            if self.slots.insert(at, slot).is_err() {
                self.slots.clear();
                return false;
            }
        }
        let mut last: Option<Parts<'_>> = None;
        for slot in &mut self.slots {
            let name = sample.label(usize::from(slot.pos)).map(|(n, _)| n);
            slot.again =
                matches!((last, name), (Some(l), Some(n)) if parts_cmp(&l, &n) == Ordering::Equal);
            last = name;
        }
        // The labels every series of the shape has, written once.
        for slot in &mut self.slots {
            let Some((name, value)) = sample.label(usize::from(slot.pos)) else {
                continue;
            };
            let (Val::Parts(value), true) = (value, sample.is_shared(usize::from(slot.pos))) else {
                continue;
            };
            let start = self.shared.len();
            let (n, v) = (parts_len(&name), parts_len(&value));
            let mut head = Head::<22>::new();
            head.field(FIELD1_LEN, label_len(n, v));
            head.field(FIELD1_LEN, n);
            let mut ok = self.shared.extend_from_slice(head.bytes()).is_ok();
            for piece in name.iter() {
                ok = ok && self.shared.extend_from_slice(piece).is_ok();
            }
            let mut head = Head::<11>::new();
            head.field(FIELD2_LEN, v);
            ok = ok && self.shared.extend_from_slice(head.bytes()).is_ok();
            for piece in value.iter() {
                ok = ok && self.shared.extend_from_slice(piece).is_ok();
            }
            let range = u16::try_from(start)
                .ok()
                .zip(u16::try_from(self.shared.len()).ok());
            match range.filter(|_| ok && v != 0) {
                Some(r) => slot.shared = Some(r),
                None => self.shared.truncate(start),
            }
        }
        self.fast = self.runs(sample);
        self.key = Some(key);
        true
    }

    /// Fills [`segments`](Self::segments): whether every label is either shared with its
    /// bytes kept (or empty) or the series' own, and no name is given twice.
    fn runs(&mut self, sample: &Sample<'_>) -> bool {
        for slot in &self.slots {
            let pos = usize::from(slot.pos);
            let segment = match slot.shared {
                _ if slot.again => return false,
                Some((start, end)) => match self.segments.last_mut() {
                    Some(Segment::Shared(_, last)) if *last == start => {
                        *last = end;
                        continue;
                    }
                    _ => Segment::Shared(start, end),
                },
                None if sample.is_shared(pos) => {
                    // Kept out: empty (never written), or too long to keep.
                    match sample.label(pos) {
                        Some((_, value)) if value.len() == 0 => continue,
                        _ => return false,
                    }
                }
                None => Segment::Own(slot.pos, 0, 0),
            };
            if self.segments.push(segment).is_err() {
                return false;
            }
        }
        // After every shared label's bytes (whose runs are joined when they follow each
        // other): each own label's name run.
        for segment in &mut self.segments {
            let Segment::Own(pos, start, end) = segment else {
                continue;
            };
            let Some((name, _)) = sample.label(usize::from(*pos)) else {
                return false;
            };
            let at = self.shared.len();
            let mut head = Head::<11>::new();
            head.field(FIELD1_LEN, parts_len(&name));
            let mut ok = self.shared.extend_from_slice(head.bytes()).is_ok();
            for piece in name.iter() {
                ok = ok && self.shared.extend_from_slice(piece).is_ok();
            }
            ok = ok && self.shared.push(FIELD2_LEN).is_ok();
            match (u16::try_from(at), u16::try_from(self.shared.len())) {
                (Ok(a), Ok(b)) if ok => (*start, *end) = (a, b),
                _ => return false,
            }
        }
        true
    }

    /// The last series of the shape written as runs, if it is known.
    pub(in crate::encode::remote_write) fn repeat(&self) -> Option<&Repeat> {
        self.repeat.as_ref()
    }

    /// The series as runs and the bytes the shared ones point into, when it can be written
    /// that way (see [`Segment`]).
    pub(in crate::encode::remote_write) fn segments(&self) -> Option<(&[Segment], &[u8])> {
        self.fast.then_some((&self.segments, &self.shared))
    }

    /// Calls `f` with the labels of `sample` (of this shape) in order of name, each either as
    /// its finished bytes (shared) or as a name and a value; empty values and a name given
    /// twice (after its first written) left out.
    pub(in crate::encode::remote_write) fn for_each<'s>(
        &self,
        sample: &Sample<'s>,
        f: &mut dyn FnMut(Label<'_, 's>),
    ) {
        // Whether a label of the current name has been written.
        let mut written = false;
        for slot in &self.slots {
            written &= slot.again;
            if written {
                continue;
            }
            let Some((name, value)) = sample.label(usize::from(slot.pos)) else {
                continue;
            };
            if value.len() == 0 {
                continue;
            }
            written = true;
            let bytes = slot
                .shared
                .and_then(|(s, e)| self.shared.get(usize::from(s)..usize::from(e)));
            match bytes {
                Some(bytes) => f(Label::Shared(bytes)),
                None => f(Label::Pair(name, value)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::String;
    use std::vec::Vec;

    use super::super::super::{one, Labels, Parts, Sample, Val};
    use super::super::{Key, Label, Segment, SORTED};
    use super::Shape;

    fn text(p: &Parts<'_>) -> String {
        p.iter().map(|s| core::str::from_utf8(s).unwrap()).collect()
    }

    /// The labels as `name=value`, shared ones decoded from their bytes.
    fn labels(shape: &Shape, sample: &Sample<'_>) -> Vec<String> {
        let mut got = Vec::new();
        shape.for_each(sample, &mut |l| {
            got.push(match l {
                Label::Pair(n, Val::Parts(v)) => std::format!("{}={}", text(&n), text(&v)),
                Label::Pair(_, Val::Stored(_)) => unreachable!("no stored labels here"),
                Label::Shared(b) => {
                    // tag, len, tag, name len, name, tag, value len, value
                    let n = usize::from(b[3]);
                    let name = core::str::from_utf8(&b[4..4 + n]).unwrap();
                    let value = core::str::from_utf8(&b[6 + n..]).unwrap();
                    std::format!("{name}={value}")
                }
            })
        });
        got
    }

    /// Concatenated `Label` fields (short ones) as `name=value`.
    fn decode(mut b: &[u8], out: &mut Vec<String>) {
        while !b.is_empty() {
            let len = usize::from(b[1]);
            let body = &b[2..2 + len];
            let n = usize::from(body[1]);
            let name = core::str::from_utf8(&body[2..2 + n]).unwrap();
            let value = core::str::from_utf8(&body[4 + n..]).unwrap();
            out.push(std::format!("{name}={value}"));
            b = &b[2 + len..];
        }
    }

    /// The labels as the runs give them, when the shape has runs.
    fn runs(shape: &Shape, sample: &Sample<'_>) -> Option<Vec<String>> {
        let (segments, shared) = shape.segments()?;
        let mut got = Vec::new();
        for segment in segments {
            match *segment {
                Segment::Shared(a, b) => decode(&shared[usize::from(a)..usize::from(b)], &mut got),
                Segment::Own(pos, a, b) => {
                    // The name run: the name's tag, length, bytes, the value's tag.
                    let run = &shared[usize::from(a)..usize::from(b)];
                    assert_eq!((run[0], run[run.len() - 1]), (0x0a, 0x12));
                    if let Some((n, Val::Parts(v))) = sample.own_label(usize::from(pos)) {
                        assert_eq!(&run[2..run.len() - 1], text(&n).as_bytes());
                        if !text(&v).is_empty() {
                            got.push(std::format!("{}={}", text(&n), text(&v)));
                        }
                    }
                }
            }
        }
        Some(got)
    }

    #[test]
    fn sorts_by_name_writes_the_first_of_a_name_and_gives_up_past_the_limit() {
        let names = [
            "m", "b", "zz", "a", "__x", "m", "A", "b2", "c", "q", "d", "e", "f", "g", "h",
        ];
        let values = [
            "0", "1", "2", "", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14",
        ];
        let consts: Vec<(&str, &str)> = names.iter().copied().zip(values).collect();
        for k in 0..=consts.len() {
            let sample = Sample {
                name: one("metric"),
                consts: &consts[..k],
                labels: &Labels::EMPTY,
                own: 0,
                extra: Some(&("le", &b"1.0"[..])),
                state: None,
            };
            let mut shape = Shape::new();
            let key = Key::of(&sample, "metric", "");
            // `__name__`, the constants and `le`; past 16 there is no shape.
            if k + 2 > SORTED {
                assert!(!shape.prepare(key, &sample), "{k}");
                continue;
            }
            assert!(shape.prepare(key, &sample), "{k}");
            let mut want: Vec<(&str, &str)> = std::vec![("__name__", "metric"), ("le", "1.0")];
            for (i, (n, v)) in consts[..k].iter().enumerate() {
                let first = !consts[..i].iter().any(|(m, w)| m == n && !w.is_empty());
                if first && !v.is_empty() {
                    want.push((n, v));
                }
            }
            want.sort();
            let want: Vec<String> = want.iter().map(|(n, v)| std::format!("{n}={v}")).collect();
            assert_eq!(labels(&shape, &sample), want, "{k} constant labels");
            // As runs too, unless a name is given twice (`m`, from the 6th on) or on bare
            // metal (no shared bytes kept).
            match runs(&shape, &sample) {
                Some(got) => assert_eq!(got, want, "{k} constant labels, in runs"),
                None => assert!(k >= 6, "{k}: no runs"),
            }
            // Kept for the next series of the same shape.
            assert!(shape.prepare(key, &sample));
            assert_eq!(labels(&shape, &sample), want, "{k} constant labels, again");
        }
    }
}
