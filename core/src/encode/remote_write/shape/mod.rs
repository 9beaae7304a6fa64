//! The shape of a family's series in remote write, worked out for the first series and reused
//! for the others: the order of their label names (which only depends on the names: the same
//! for every series of a family with the same suffix) and, on a host, the finished bytes of the
//! labels every such series shares (`__name__` and the constant labels). A series then costs
//! copies of those bytes, its own labels (the family's, `le` or `quantile`) and the sample.
//!
//! Shapes are told apart by the addresses of the names (see [`Key`]): a collector that built
//! different label names at one address for two series of one family within one encode would
//! get the first one's order. The crate's families, registries and the std adapter's dynamic
//! families keep their names where they are.
//!
//! Past [`SORTED`] labels a series has no shape: the caller sorts by scanning.
//!
//! Two whole implementations behind one API ([`Shapes`]), chosen by `cfg(edgeprom_small_code)`:
//! a host keeps the last four shapes (a histogram's `_bucket`, `_count` and `_sum` alternate),
//! with the shared labels' bytes; bare metal keeps none (no stack for them): every series is
//! sorted by scanning.

#[cfg(not(edgeprom_small_code))]
mod host;
#[cfg(edgeprom_small_code)]
mod small;

#[cfg(not(edgeprom_small_code))]
pub(crate) use host::{LeFields, Shapes};
#[cfg(edgeprom_small_code)]
pub(crate) use small::{LeFields, Shapes};

use super::wire::field_len;
use super::{label_len, parts_len, Parts, Sample, Val};

/// Most labels of one series put in order once.
#[cfg_attr(edgeprom_small_code, allow(dead_code))] // no shapes on bare metal
pub(super) const SORTED: usize = 16;

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
            extra: sample.extra.map(|&(n, _)| at(n.as_bytes())),
            state: sample.state.is_some(),
        }
    }
}

/// A run of a series' labels in order: shared labels' bytes (`start..end` in the shape's
/// shared bytes), or one label of the series' own: its position for `Sample::own` and where
/// the shared bytes hold what its field has between its length and its value's length (the
/// name's tag, length and bytes, the value's tag), the same for every series of the shape.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(edgeprom_small_code, allow(dead_code))] // no shapes on bare metal
pub(crate) enum Segment {
    Shared(u16, u16),
    Own(u8, u16, u16),
}

/// Where a series written in place is in the buffer, and its `le` (or `quantile`) label:
/// the next bucket of the same series copies the rest.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(edgeprom_small_code, allow(dead_code))] // nothing is written in place on bare metal
pub(crate) struct Written {
    /// Where it starts.
    pub(in crate::encode::remote_write) start: usize,
    /// Its bytes in all.
    pub(in crate::encode::remote_write) total: usize,
    /// The length of its body (after the tag and length).
    pub(in crate::encode::remote_write) body: usize,
    /// Where its `le` label field starts and how long it is, from `start`.
    pub(in crate::encode::remote_write) extra: (usize, usize),
    /// Where its `Sample` field starts, from `start`.
    pub(in crate::encode::remote_write) sample: usize,
}

/// Where the last series of a shape written as runs (label by label) is, and each of its own
/// labels' values (in the order of the shape's [`Segment::Own`]s: where it is from the series' start
/// and its length, `(0, 0)` for one left out, and the label's position for `Sample::own`):
/// the next series of the shape whose values have the same lengths is a copy of it with the
/// values and the sample's value replaced.
#[derive(Debug)]
#[cfg_attr(edgeprom_small_code, allow(dead_code))] // nothing is written in place on bare metal
pub(crate) struct Repeat {
    /// Where it starts.
    pub(in crate::encode::remote_write) start: usize,
    /// Its bytes in all.
    pub(in crate::encode::remote_write) total: usize,
    /// The length of its body (after the tag and length).
    pub(in crate::encode::remote_write) body: usize,
    /// Where its `le` (or `quantile`) label field starts and how long it is, from `start`.
    pub(in crate::encode::remote_write) extra: Option<(usize, usize)>,
    /// Where its `Sample` field starts, from `start`.
    pub(in crate::encode::remote_write) sample: usize,
    /// Its own labels' values.
    pub(in crate::encode::remote_write) values: heapless::Vec<(u32, u16, u8), SORTED>,
}

impl Repeat {
    /// Where it is for the next bucket of the same series, when it has an `le` label.
    pub(in crate::encode::remote_write) fn written(&self) -> Option<Written> {
        self.extra.map(|extra| Written {
            start: self.start,
            total: self.total,
            body: self.body,
            extra,
            sample: self.sample,
        })
    }
}

/// A label as a shape's `for_each` hands it out.
pub(super) enum Label<'b, 's> {
    /// The whole `Label` field, written before.
    #[cfg_attr(edgeprom_small_code, allow(dead_code))] // no shapes on bare metal
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
