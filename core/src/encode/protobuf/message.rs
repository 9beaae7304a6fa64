//! Messages written before their length is known: the exposition's state ([`Pass`]) and the
//! three nested messages it keeps open (`MetricFamily`, `Metric`, the series' value message),
//! and the fields inside them.
//!
//! Into a buffer ([`Mode::Slice`]) a message is written after one byte reserved for its
//! length; when it ends, the varint goes there and, if it needs more than that byte, what
//! follows moves right (so a buffer as long as the document is always enough, and the size
//! reported past the end is exact). Counting ([`Mode::Count`]) adds the same lengths without
//! writing. To a stream ([`Mode::Stream`]) nothing can move, so each unit (a family, one
//! series' `Metric`) is first counted, which records the lengths of its messages, and then
//! written with those lengths; a length that came out different when written (a metric
//! changed between the two) fails the document.

use super::fields::*;
use crate::encode::escaping::EscapeName;
use crate::encode::label_value::{raw, LabelValue};
use crate::encode::name_parts::{parts_len, Parts, Val};
use crate::encode::out::Out;
use crate::encode::wire::{field_len, varint, varint_len, Head};
use crate::encode::Encoder;
use crate::name::MetricType;

/// How lengths are found (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Into a buffer, in place.
    Slice,
    /// Counted, nothing written.
    Count,
    /// To a byte stream, each unit counted first.
    Stream,
}

/// `MetricFamily`, the outer message (length-delimited, no tag).
pub(super) const FAMILY: usize = 0;
/// A `Metric`.
pub(super) const METRIC: usize = 1;
/// The `Metric`'s `counter`, `gauge`, `summary`, `untyped` or `histogram`.
pub(super) const VALUE_MSG: usize = 2;

/// How many families one collector may write to a stream (each is measured before it is
/// written, and these lengths are kept between the two); past that the document fails.
pub(crate) const MAX_FAMILIES: usize = 16;

/// An open message: where its body starts (after the byte reserved for its length, in a
/// buffer), and, to a stream, the length it was announced with.
#[derive(Debug, Clone, Copy)]
struct Open {
    start: usize,
    announced: usize,
}

/// An encoder's protobuf state.
#[derive(Debug)]
pub(crate) struct Pass {
    /// What writes the messages: set only by the protobuf constructors, so that a firmware
    /// that never builds a protobuf encoder links none of it.
    pub(crate) fns: Option<&'static super::Fns>,
    pub(super) mode: Mode,
    /// Bytes of the document written (or counted) so far.
    pub(super) written: usize,
    /// The type of the family being written.
    pub(super) ty: MetricType,
    open: [Option<Open>; 3],
    /// Each level's length when it last ended: what a counted unit tells the stream.
    lens: [usize; 3],
    /// The lengths of the families a collector wrote when it was counted, in order (a
    /// collector may write several, through `write_header`), and which one is next.
    fam_lens: [usize; MAX_FAMILIES],
    pub(super) fam_i: usize,
    /// Whether the open histogram's `sample_count` is written (from its `+Inf` bucket).
    pub(super) count_written: bool,
    /// Whether the family being written opted into UTF-8 names (so its names are checked,
    /// and escaped unless the escaping is `allow-utf-8`).
    pub(super) utf8: bool,
    /// A message written to a stream came out longer or shorter than announced.
    pub(super) changed: bool,
}

impl Pass {
    /// Not writing protobuf.
    pub(crate) const NONE: Pass = Pass {
        fns: None,
        mode: Mode::Slice,
        written: 0,
        ty: MetricType::Unknown,
        open: [None; 3],
        lens: [0; 3],
        utf8: false,
        fam_lens: [0; MAX_FAMILIES],
        fam_i: 0,
        count_written: false,
        changed: false,
    };

    /// A protobuf encoder's state.
    pub(super) const fn new(mode: Mode) -> Pass {
        Pass {
            fns: Some(&super::FNS),
            mode,
            ..Pass::NONE
        }
    }

    pub(super) fn is_open(&self, level: usize) -> bool {
        matches!(self.open.get(level), Some(Some(_)))
    }
}

impl Encoder<'_> {
    /// Writes `bytes` (counts them only, in [`Mode::Count`]).
    pub(super) fn pb_put(&mut self, bytes: &[u8]) {
        self.pb.written += bytes.len();
        if self.pb.mode != Mode::Count {
            self.out.put_bytes(bytes);
        }
    }

    fn pb_parts(&mut self, p: &Parts<'_>) {
        for s in p.iter().filter(|s| !s.is_empty()) {
            self.pb_put(s);
        }
    }

    fn pb_stored(&mut self, v: LabelValue<'_>) {
        self.pb.written += v.len();
        if self.pb.mode != Mode::Count {
            raw(&mut self.out, v);
        }
    }

    /// Starts a message at `level`, after its field's `tag` (none for a `MetricFamily`, which
    /// is length-delimited).
    pub(super) fn pb_open(&mut self, level: usize, tag: Option<u8>) {
        if let Some(tag) = tag {
            self.pb_put(&[tag]);
        }
        let announced = if level == FAMILY {
            self.pb.fam_lens.get(self.pb.fam_i).copied()
        } else {
            self.pb.lens.get(level).copied()
        };
        let announced = announced.unwrap_or_else(|| {
            self.pb.changed |= self.pb.mode == Mode::Stream; // more families than were kept
            0
        });
        if self.pb.mode == Mode::Stream {
            let (b, n) = varint(announced as u64, 0);
            self.pb_put(b.get(..n).unwrap_or_default());
        } else {
            self.pb_put(&[0]); // the length's first byte, set when the message ends
        }
        let start = self.pb.written;
        if let Some(slot) = self.pb.open.get_mut(level) {
            *slot = Some(Open { start, announced });
        }
    }

    /// Ends the message at `level`, if one is open: its length goes before it (or, to a
    /// stream, is checked against the one announced).
    pub(super) fn pb_close(&mut self, level: usize) {
        let Some(open) = self.pb.open.get_mut(level).and_then(Option::take) else {
            return;
        };
        let len = self.pb.written - open.start;
        let slot = if level == FAMILY {
            self.pb.fam_i += 1;
            self.pb.fam_lens.get_mut(self.pb.fam_i - 1)
        } else {
            self.pb.lens.get_mut(level)
        };
        if self.pb.mode == Mode::Stream {
            self.pb.changed |= len != open.announced;
            return;
        }
        if let Some(slot) = slot {
            *slot = len;
        }
        let (b, n) = varint(len as u64, 0);
        let more = n - 1;
        if let (Mode::Slice, Out::Slice(w)) = (self.pb.mode, &mut self.out) {
            if more > 0 {
                w.insert_gap(open.start, more);
            }
            w.patch(open.start - 1, b.get(..n).unwrap_or_default());
        }
        self.pb.written += more;
    }

    /// A double field.
    pub(super) fn pb_double(&mut self, tag: u8, v: f64) {
        let mut h = Head::<9>::new();
        h.push(&[tag]);
        h.push(&v.to_bits().to_le_bytes());
        self.pb_put(h.bytes());
    }

    /// A varint field.
    pub(super) fn pb_varint(&mut self, tag: u8, v: u64) {
        let mut h = Head::<11>::new();
        h.push(&[tag]);
        h.varint(v);
        self.pb_put(h.bytes());
    }

    /// A string field of pieces.
    pub(super) fn pb_string(&mut self, tag: u8, p: &Parts<'_>) {
        let mut h = Head::<11>::new();
        h.field(tag, parts_len(p));
        self.pb_put(h.bytes());
        self.pb_parts(p);
    }

    /// A string field of a name escaped by the encoder's scheme: `pieces` (namespace, `_`,
    /// name) escaped as one name (a metric name when `colons`), then `suffix` as it is.
    pub(super) fn pb_escaped_string(
        &mut self,
        tag: u8,
        pieces: &[&str],
        suffix: &str,
        colons: bool,
    ) {
        let n = self.escaped_len(pieces, colons) + suffix.len();
        let mut h = Head::<11>::new();
        h.field(tag, n);
        self.pb_put(h.bytes());
        self.pb_escaped(pieces, colons);
        self.pb_put(suffix.as_bytes());
    }

    /// A `Metric.label` field whose name is escaped (see [`pb_escaped_string`]).
    pub(super) fn pb_escaped_label(&mut self, pieces: &[&str], colons: bool, value: Val<'_>) {
        let (n, v) = (self.escaped_len(pieces, colons), value.len());
        let mut h = Head::<22>::new();
        h.field(METRIC_LABEL, field_len(n) + field_len(v));
        h.field(LABEL_NAME, n);
        self.pb_put(h.bytes());
        self.pb_escaped(pieces, colons);
        self.pb_label_value(v, value);
    }

    /// The length of `pieces` escaped as one name.
    fn escaped_len(&self, pieces: &[&str], colons: bool) -> usize {
        let mut n = 0;
        let mut count = |s: &str| n += s.len();
        let mut name = EscapeName::start(self.escaping(), colons, &mut count);
        for p in pieces {
            name.piece(p, &mut count);
        }
        n
    }

    /// `pieces` escaped as one name.
    fn pb_escaped(&mut self, pieces: &[&str], colons: bool) {
        let scheme = self.escaping();
        let mut put = |s: &str| self.pb_put(s.as_bytes());
        let mut name = EscapeName::start(scheme, colons, &mut put);
        for p in pieces {
            name.piece(p, &mut put);
        }
    }

    /// A `LabelPair`'s value field, of length `v`.
    fn pb_label_value(&mut self, v: usize, value: Val<'_>) {
        let mut h = Head::<11>::new();
        h.field(LABEL_VALUE, v);
        self.pb_put(h.bytes());
        match value {
            Val::Parts(p) => self.pb_parts(&p),
            Val::Stored(v) => self.pb_stored(v),
        }
    }

    /// A `Metric.label` field: a `LabelPair` of `name` and a value of pieces or stored.
    pub(super) fn pb_label(&mut self, name: &Parts<'_>, value: Val<'_>) {
        let (n, v) = (parts_len(name), value.len());
        let mut h = Head::<22>::new();
        h.field(METRIC_LABEL, field_len(n) + field_len(v));
        h.field(LABEL_NAME, n);
        self.pb_put(h.bytes());
        self.pb_parts(name);
        self.pb_label_value(v, value);
    }

    /// Opens the series' value message, unless it is open.
    pub(super) fn pb_value_msg(&mut self) {
        if !self.pb.is_open(VALUE_MSG) {
            self.pb_open(VALUE_MSG, Some(value_field(self.pb.ty)));
        }
    }

    /// A `Histogram.bucket`: `cumulative_count` and `upper_bound`.
    pub(super) fn pb_bucket(&mut self, bound: f64, count: u64) {
        let body = 1 + varint_len(count) + 9;
        let mut h = Head::<32>::new();
        h.field(HISTOGRAM_BUCKET, body);
        h.push(&[BUCKET_COUNT]);
        h.varint(count);
        h.push(&[BUCKET_BOUND]);
        h.push(&bound.to_bits().to_le_bytes());
        self.pb_put(h.bytes());
    }

    /// A `Summary.quantile`: `quantile` and `value`.
    pub(super) fn pb_quantile(&mut self, quantile: f64, value: f64) {
        let mut h = Head::<20>::new();
        h.field(SUMMARY_QUANTILE, 18);
        h.push(&[QUANTILE_QUANTILE]);
        h.push(&quantile.to_bits().to_le_bytes());
        h.push(&[QUANTILE_VALUE]);
        h.push(&value.to_bits().to_le_bytes());
        self.pb_put(h.bytes());
    }

    /// A `google.protobuf.Timestamp` field of `secs` and `nanos` (zeros left out).
    pub(super) fn pb_timestamp(&mut self, tag: u8, secs: u64, nanos: u32) {
        let len = |v: u64| if v == 0 { 0 } else { 1 + varint_len(v) };
        let body = len(secs) + len(u64::from(nanos));
        let mut h = Head::<32>::new();
        h.field(tag, body);
        if secs != 0 {
            h.push(&[SECONDS]);
            h.varint(secs);
        }
        if nanos != 0 {
            h.push(&[NANOS]);
            h.varint(u64::from(nanos));
        }
        self.pb_put(h.bytes());
    }
}
