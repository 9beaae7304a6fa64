//! The shape of a family's series in remote write, worked out for the first series and reused
//! for the others: the order of their label names (which only depends on the names: the same
//! for every series of a family with the same suffix) and, on a host, the finished bytes of the
//! labels every such series shares (`__name__` and the constant labels). A series then costs
//! about what a line of text does: its own label values, `le` or `quantile`, and the sample.
//!
//! Past [`SORTED`] labels a series has no shape: the caller sorts by scanning.

use core::cmp::Ordering;

use super::wire::{field_len, FIELD1_LEN, FIELD2_LEN};
use super::{label_len, parts_cmp, parts_len, Head, Parts, Sample, Val};

/// Most labels of one series put in order once.
pub(super) const SORTED: usize = 16;

/// Bytes of shared labels kept (none on bare metal, where they would take stack).
#[cfg(not(edgeprom_small_code))]
const SHARED: usize = 512;
#[cfg(edgeprom_small_code)]
const SHARED: usize = 0;

/// What tells two series' shapes apart: the family's name, the suffix, the label names and
/// which of `le`/`quantile` and a state label it has, each by address and length (equal
/// strings at equal addresses: the same family and suffix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Key {
    name: (usize, usize),
    suffix: (usize, usize),
    names: (usize, usize, usize),
    own: usize,
    extra: Option<(usize, usize)>,
    state: bool,
}

impl Key {
    /// The key of `sample`, whose family is named `name`, with `suffix`.
    pub(super) fn of(sample: &Sample<'_>, name: &str, suffix: &str) -> Self {
        let at = |s: &[u8]| (s.as_ptr() as usize, s.len());
        Key {
            name: at(name.as_bytes()),
            suffix: at(suffix.as_bytes()),
            names: sample.labels.names_key(),
            own: sample.own,
            extra: sample.extra.map(|(n, _)| at(n.as_bytes())),
            state: sample.state.is_some(),
        }
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
}

impl Shape {
    /// No shape yet.
    pub(crate) const fn new() -> Self {
        Shape {
            key: None,
            slots: heapless::Vec::new(),
            shared: heapless::Vec::new(),
        }
    }

    /// Makes this the shape of `sample` (keyed `key`), unless it is already; `false` when the
    /// sample has more than [`SORTED`] labels.
    pub(super) fn prepare(&mut self, key: Key, sample: &Sample<'_>) -> bool {
        if self.key == Some(key) {
            return true;
        }
        self.key = None;
        self.slots.clear();
        self.shared.clear();
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
        self.key = Some(key);
        true
    }

    /// Calls `f` with the labels of `sample` (of this shape) in order of name, each either as
    /// its finished bytes (shared) or as a name and a value; empty values and a name given
    /// twice (after its first written) left out.
    pub(super) fn for_each<'s>(&self, sample: &Sample<'s>, f: &mut dyn FnMut(Label<'_, 's>)) {
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

/// A label as [`Shape::for_each`] hands it out.
pub(super) enum Label<'b, 's> {
    /// The whole `Label` field, written before.
    Shared(&'b [u8]),
    /// A name and a value.
    Pair(Parts<'s>, Val<'s>),
}

impl Label<'_, '_> {
    /// The bytes of its `Label` field (tag, length, body).
    pub(super) fn field_len(&self) -> usize {
        match self {
            Label::Shared(b) => b.len(),
            Label::Pair(n, v) => field_len(label_len(parts_len(n), v.len())),
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::String;
    use std::vec::Vec;

    use super::super::{one, Labels, Parts, Sample, Val};
    use super::{Key, Label, Shape, SORTED};

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
                extra: Some(("le", b"1.0")),
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
            // Kept for the next series of the same shape.
            assert!(shape.prepare(key, &sample));
            assert_eq!(labels(&shape, &sample), want, "{k} constant labels, again");
        }
    }
}
