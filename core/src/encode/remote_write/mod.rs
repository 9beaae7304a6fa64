//! Prometheus remote write 1.0: a registry as one `prometheus.WriteRequest` (protobuf, as in
//! Prometheus' `prompb/remote.proto` and `types.proto`), in a snappy block, without a heap.
//!
//! Each sample series of the registry is one `TimeSeries` with one `Sample` (the value as a
//! double, the request's timestamp in milliseconds) and every label, **sorted by name** as the
//! specification requires: `__name__`, the registry's constant labels, the family's labels and
//! `le`/`quantile`/a state set's label. The series are those Prometheus stores when it scrapes
//! the Prometheus text exposition: counters as `_total`, histograms and summaries as their
//! `_bucket`/`_sum`/`_count` series, info as `_info` = 1, state sets as one 0/1 series per
//! state. A [`NativeHistogram`](crate::NativeHistogram) series is one `TimeSeries` named
//! after the family with one `Histogram` in `histograms` (integer counts, spans and
//! delta-encoded buckets, the request's timestamp; a receiver needs native histograms on,
//! e.g. Prometheus 2.42's `--enable-feature=native-histograms`), as Prometheus stores one it
//! scrapes in protobuf. `_created` samples are not sent (remote write has no place for them, and Prometheus
//! does not store them as series by default). Labels with an empty value are left out, as
//! Prometheus treats them as absent. With [`RemoteWrite::with_metadata`], each family also
//! gets a `MetricMetadata` (type, family name, help, unit), with the names and types of the
//! Prometheus text format (`foo_total` counter; info and state sets as gauges).
//!
//! # Values
//! Every value is a double. Integers are converted (exactly up to 2^53). An `f32` is sent as
//! the double nearest its **shortest decimal**, the one the text formats write: a
//! `Gauge<f32>` holding `0.1f32` sends `0.1`, as a scrape of the text would read it, not the
//! `f32`'s exact value `0.10000000149011612`; the double still converts back to the same
//! `f32`. The conversion is exact integer arithmetic on the shortest digits (no decimal
//! parser, whose tables alone are 10 KiB), linked only into a firmware that remote-writes
//! `f32` values.
//!
//! # Every registry
//! [`Registry`] and [`StaticRegistry`] have the same methods, and the
//! [`Exposition`](crate::Exposition) trait has the two a streaming client needs
//! ([`remote_write_len`](crate::Exposition::remote_write_len),
//! [`write_remote_write_snappy`](crate::Exposition::write_remote_write_snappy)). A registry
//! outside this crate, which calls its collectors itself, builds the encoder with
//! [`Encoder::remote_write`].
//!
//! A receiver requires the snappy **block** format (not the framed one). A host compresses the
//! protobuf with a snappy library ([`Registry::encode_remote_write`] gives the uncompressed
//! request); bare metal sends a literal-only block, which is valid snappy and costs 2 to 6
//! bytes over the request ([`Registry::write_remote_write_snappy`],
//! [`Registry::encode_remote_write_snappy`]).
//!
//! # Streaming with an exact length
//! The block starts with the request's length, so a request streamed without a buffer is
//! encoded twice: once to measure it ([`Registry::remote_write_len`]), once to write it.
//! Values are doubles (always 8 bytes) and one timestamp, read once, serves both passes, so
//! values changing between the passes do not change the length. A family can gain a series
//! between the passes (or a custom collector lose one): the second pass writes a series only
//! if it fits whole into what the first pass measured (a new series goes out with the next
//! request), and fills what is left, if anything, with an unknown field that decoders skip.
//! The request is always exactly as long as announced and always decodes.
//!
//! ```
//! use core::time::Duration;
//! use edgeprom::encode::remote_write::RemoteWrite;
//! use edgeprom::{Counter, Metric, Registry};
//!
//! static BOOTS: Metric<Counter> = Metric::new("boots", "Boots since flashing");
//! let mut registry: Registry<'_, 1> = Registry::new().with_const_labels(&[("device", "d1")])?;
//! registry.register(&BOOTS)?;
//! BOOTS.inc();
//!
//! let request = RemoteWrite::at(Duration::from_secs(1_700_000_000));
//! let mut buf = [0u8; 128];
//! let n = registry.encode_remote_write_snappy(&request, &mut buf)?;
//! assert_eq!(n, registry.remote_write_snappy_len(&request)?);
//! // One TimeSeries: labels `__name__="boots_total"`, `device="d1"`, one sample.
//! assert!(buf[..n].windows(11).any(|w| w == b"boots_total"));
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

#[cfg(feature = "utf8-names")]
mod escaped;
mod native;
mod shape;
mod wire;

/// Without the feature `utf8-names` no family has names to escape.
#[cfg(not(feature = "utf8-names"))]
mod escaped {
    use crate::encode::{Encoder, Labels};
    use crate::name::Desc;

    /// Calls `f` with `desc` and `labels`.
    #[inline(always)]
    pub(super) fn names(
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        f: impl FnOnce(&mut Encoder<'_>, &Desc<'_>, &Labels<'_>),
    ) {
        f(enc, desc, labels)
    }
}

use core::cmp::Ordering;
use core::fmt;
use core::time::Duration;

use self::shape::{Key, Label, LeFields, Repeat, Segment, Shapes, Written};
use self::wire::*;
use super::label_value::{raw, LabelValue};
use super::name_parts::{full_name, one, parts_len, Parts, Val};
use super::out::Out;
use super::syntax::{CreatedPlacement, Dialect, Kind, Syntax};
use super::value::sealed::WriteValue;
use super::wire::Head;
use super::{EncodeError, Encoder, Labels, NativeBuckets, NativeWritten, SampleValue, SliceWriter};
use crate::clock::WallClock;
use crate::metric::Collect;
use crate::name::{Desc, MetricType};
use crate::{Registry, StaticRegistry};

/// `Content-Type` of a remote write request.
pub const CONTENT_TYPE: &str = "application/x-protobuf";
/// `Content-Encoding` of a remote write request.
pub const CONTENT_ENCODING: &str = "snappy";
/// The `X-Prometheus-Remote-Write-Version` header's value for remote write 1.0.
pub const VERSION: &str = "0.1.0";

pub use super::ByteWrite;

/// What one remote write request carries besides the samples: their timestamp and whether
/// families' metadata is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteWrite {
    timestamp: Duration,
    metadata: bool,
}

impl RemoteWrite {
    /// Samples stamped `timestamp` (since the Unix epoch), without metadata.
    pub const fn at(timestamp: Duration) -> Self {
        RemoteWrite {
            timestamp,
            metadata: false,
        }
    }

    /// Samples stamped with `clock`'s time now (read once).
    pub fn now(clock: &dyn WallClock) -> Self {
        Self::at(clock.unix_time())
    }

    /// Whether a `MetricMetadata` (type, help, unit) is sent for each family.
    pub const fn with_metadata(mut self, metadata: bool) -> Self {
        self.metadata = metadata;
        self
    }

    /// The samples' timestamp.
    pub const fn timestamp(&self) -> Duration {
        self.timestamp
    }

    /// The timestamp as sent: milliseconds since the epoch.
    pub const fn timestamp_ms(&self) -> i64 {
        let ms = self.timestamp.as_millis();
        if ms > i64::MAX as u128 {
            i64::MAX
        } else {
            ms as i64
        }
    }
}

/// The length of a literal-only snappy block around a request of `protobuf_len` bytes.
pub fn snappy_len(protobuf_len: usize) -> usize {
    wire::snappy_len(protobuf_len)
}

/// An encoder's remote write state: the request, in a second pass the length the first
/// measured and how much of it is written, and the shape of the last series.
#[derive(Debug)]
pub(crate) struct Pass {
    timestamp_ms: u64,
    metadata: bool,
    budget: Option<usize>,
    written: usize,
    shapes: Shapes,
    /// The `le` fields of the bounds seen last (on hosts).
    le: LeFields,
    /// What writes the messages: set only by [`Encoder::remote_write`], so that a firmware
    /// that never builds a remote write encoder links none of it (the format's arm in every
    /// `dispatch!` calls through this table).
    fns: Option<&'static Fns>,
}

impl Pass {
    /// Not writing remote write.
    pub(crate) const NONE: Pass = Pass {
        timestamp_ms: 0,
        metadata: false,
        budget: None,
        written: 0,
        shapes: Shapes::new(),
        le: LeFields::new(),
        fns: None,
    };

    /// Whether a message of `len` bytes may be written: always in a first pass; in a second,
    /// when it fits and does not leave a single byte (no field is that short, so it could not
    /// be padded).
    fn fits(&self, len: usize) -> bool {
        match self.budget {
            None => true,
            Some(b) => {
                let left = b.saturating_sub(self.written);
                len <= left && left - len != 1
            }
        }
    }
}

/// Writes the bytes a literal-only snappy block of a `protobuf_len`-byte request starts with
/// (the length, the literal's tag) to `sink`, and returns how many: what goes before the
/// second pass of an [`Encoder::remote_write`] for a snappy body. The block is
/// [`snappy_len`]`(protobuf_len)` bytes in all.
pub fn write_snappy_preamble(
    protobuf_len: usize,
    sink: &mut dyn ByteWrite,
) -> Result<usize, EncodeError> {
    let (pre, n) = wire::snappy_preamble(protobuf_len);
    sink.write_bytes(pre.get(..n).unwrap_or_default())
        .map_err(|_| EncodeError::Write)?;
    Ok(n)
}

/// The families of a registry, its namespace and its constant labels: what every registry's
/// remote write methods read.
#[derive(Clone, Copy)]
pub(crate) struct Source<'s> {
    pub(crate) metrics: &'s [&'s dyn Collect],
    pub(crate) namespace: &'s str,
    pub(crate) const_labels: &'s [(&'s str, &'s str)],
}

impl<'s> Source<'s> {
    fn encoder<'w>(&self, request: &RemoteWrite, out: Out<'w>, budget: Option<usize>) -> Encoder<'w>
    where
        's: 'w,
    {
        Encoder::remote_write_with(out, request, budget)
            .with_namespace(self.namespace)
            .with_const_labels(self.const_labels)
    }

    fn write(&self, enc: &mut Encoder<'_>) -> Result<(), EncodeError> {
        for m in self.metrics {
            m.encode(enc).map_err(|_| EncodeError::Write)?;
        }
        enc.finish().map_err(|_| EncodeError::Write)
    }

    pub(crate) fn encode(
        &self,
        request: &RemoteWrite,
        buf: &mut [u8],
    ) -> Result<usize, EncodeError> {
        let mut enc = self.encoder(request, Out::Slice(SliceWriter::new(buf)), None);
        self.write(&mut enc)?;
        enc.finish_slice()
    }

    pub(crate) fn len(&self, request: &RemoteWrite) -> Result<usize, EncodeError> {
        let mut enc = self.encoder(request, Out::Slice(SliceWriter::new(&mut [])), None);
        self.write(&mut enc)?;
        Ok(enc.rw.written)
    }

    pub(crate) fn encode_snappy(
        &self,
        request: &RemoteWrite,
        buf: &mut [u8],
    ) -> Result<usize, EncodeError> {
        // One pass when the buffer also takes the longest preamble: the request encoded after
        // room for it, then its preamble put before it and both moved to the front.
        let room = wire::SNAPPY_PREAMBLE_MAX;
        if let Some(body) = buf.get_mut(room..) {
            match self.encode(request, body) {
                Ok(n) => {
                    let (pre, k) = wire::snappy_preamble(n);
                    buf.copy_within(room..room + n, k);
                    if let (Some(d), Some(p)) = (buf.get_mut(..k), pre.get(..k)) {
                        d.copy_from_slice(p);
                    }
                    return Ok(k + n);
                }
                Err(EncodeError::BufferTooSmall { needed }) if snappy_len(needed) > buf.len() => {
                    return Err(EncodeError::BufferTooSmall {
                        needed: snappy_len(needed),
                    });
                }
                // It fits without the spare room: measured, then written.
                Err(EncodeError::BufferTooSmall { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        let len = self.len(request)?;
        let mut out = SliceWriter::new(buf);
        self.write_snappy(request, len, &mut out)?;
        out.finish()
    }

    pub(crate) fn write_snappy(
        &self,
        request: &RemoteWrite,
        protobuf_len: usize,
        sink: &mut dyn ByteWrite,
    ) -> Result<usize, EncodeError> {
        let n = write_snappy_preamble(protobuf_len, sink)?;
        let mut enc = self.encoder(request, Out::Bytes(sink, false), Some(protobuf_len));
        self.write(&mut enc)?;
        Ok(n + enc.rw.written)
    }
}

/// The remote write methods of [`Registry`] and [`StaticRegistry`], in one place.
macro_rules! registry_methods {
    () => {
        /// The registry as an uncompressed remote write `WriteRequest` in `buf`; returns its
        /// length, or [`EncodeError::BufferTooSmall`] with the length needed.
        pub fn encode_remote_write(
            &self,
            request: &RemoteWrite,
            buf: &mut [u8],
        ) -> Result<usize, EncodeError> {
            self.remote_write_source().encode(request, buf)
        }

        /// The length of the uncompressed request, computed by encoding it without storing
        /// it.
        pub fn remote_write_len(&self, request: &RemoteWrite) -> Result<usize, EncodeError> {
            self.remote_write_source().len(request)
        }

        /// The length of the literal-only snappy block
        /// [`encode_remote_write_snappy`](Self::encode_remote_write_snappy) writes (for a
        /// `Content-Length`).
        pub fn remote_write_snappy_len(&self, request: &RemoteWrite) -> Result<usize, EncodeError> {
            self.remote_write_len(request).map(snappy_len)
        }

        /// The request in a literal-only snappy block in `buf`: what a receiver takes as the
        /// body of a `POST`. Written in one pass when `buf` has 15 bytes to spare (room for
        /// the longest preamble; the request is then moved up behind its own), else measured,
        /// then written. Returns its length, or [`EncodeError::BufferTooSmall`] with the
        /// length needed.
        pub fn encode_remote_write_snappy(
            &self,
            request: &RemoteWrite,
            buf: &mut [u8],
        ) -> Result<usize, EncodeError> {
            self.remote_write_source().encode_snappy(request, buf)
        }

        /// Streams the request, whose uncompressed length `protobuf_len` was measured by
        /// [`remote_write_len`](Self::remote_write_len), to `sink` in a literal-only snappy
        /// block of exactly [`snappy_len`]`(protobuf_len)` bytes (see the
        /// [module docs](crate::encode::remote_write) on what may change between the passes).
        /// Returns that length.
        pub fn write_remote_write_snappy(
            &self,
            request: &RemoteWrite,
            protobuf_len: usize,
            sink: &mut dyn ByteWrite,
        ) -> Result<usize, EncodeError> {
            self.remote_write_source()
                .write_snappy(request, protobuf_len, sink)
        }
    };
}

impl<'a, const N: usize> Registry<'a, N> {
    registry_methods!();

    fn remote_write_source(&self) -> Source<'_> {
        Source {
            metrics: self.families(),
            namespace: self.namespace(),
            const_labels: self.const_labels(),
        }
    }
}

impl<const N: usize> StaticRegistry<N> {
    registry_methods!();

    fn remote_write_source(&self) -> Source<'_> {
        Source {
            metrics: self.families(),
            namespace: self.namespace(),
            const_labels: self.const_labels(),
        }
    }
}

impl<'w> Encoder<'w> {
    /// An encoder of one remote write `WriteRequest` (uncompressed protobuf) into `sink`, for
    /// a registry of your own: hand it to each collector's
    /// [`Collect::encode`], then call [`finish`](Self::finish). Add
    /// the namespace and constant labels with [`with_namespace`](Self::with_namespace) and
    /// [`with_const_labels`](Self::with_const_labels), as for the text formats.
    ///
    /// `budget` is `None` to write (or, into a [`SliceWriter`] over an empty buffer, to
    /// measure) the request as it is; `Some(len)` for the second pass of a streamed request
    /// whose first pass measured `len` bytes ([`remote_write_len`](Self::remote_write_len)
    /// after `finish`): then exactly `len` bytes are written whatever changed in between (see
    /// the [module docs](crate::encode::remote_write)). For a snappy body, write
    /// [`write_snappy_preamble`]`(len, sink)` before the second pass.
    ///
    /// ```
    /// use core::time::Duration;
    /// use edgeprom::encode::remote_write::{snappy_len, write_snappy_preamble, RemoteWrite};
    /// use edgeprom::encode::{Encoder, SliceWriter};
    /// use edgeprom::{Collect, Counter, Metric};
    ///
    /// static BOOTS: Metric<Counter> = Metric::new("boots", "Boots since flashing");
    /// let families: [&dyn Collect; 1] = [&BOOTS];
    /// let request = RemoteWrite::at(Duration::from_secs(1_700_000_000));
    ///
    /// // First pass: measure.
    /// let mut counter = SliceWriter::new(&mut []);
    /// let mut enc = Encoder::remote_write(&mut counter, &request, None)
    ///     .with_const_labels(&[("device", "d1")]);
    /// for f in families {
    ///     f.encode(&mut enc)?;
    /// }
    /// enc.finish()?;
    /// let len = enc.remote_write_len();
    ///
    /// // Second pass: a snappy block of exactly `snappy_len(len)` bytes.
    /// let mut buf = [0u8; 128];
    /// let mut body = SliceWriter::new(&mut buf);
    /// let pre = write_snappy_preamble(len, &mut body)?;
    /// let mut enc = Encoder::remote_write(&mut body, &request, Some(len))
    ///     .with_const_labels(&[("device", "d1")]);
    /// for f in families {
    ///     f.encode(&mut enc)?;
    /// }
    /// enc.finish()?;
    /// assert_eq!(pre + enc.remote_write_len(), snappy_len(len));
    /// drop(enc);
    /// assert_eq!(body.finish()?, snappy_len(len));
    /// # Ok::<(), Box<dyn core::error::Error>>(())
    /// ```
    pub fn remote_write(
        sink: &'w mut dyn ByteWrite,
        request: &RemoteWrite,
        budget: Option<usize>,
    ) -> Self {
        Self::remote_write_with(Out::Bytes(sink, false), request, budget)
    }

    fn remote_write_with(out: Out<'w>, request: &RemoteWrite, budget: Option<usize>) -> Self {
        let mut enc = Encoder::with_out(out, super::Format::Prometheus, "", &[], false);
        enc.kind = Kind::RemoteWrite;
        enc.rw = Pass {
            timestamp_ms: request.timestamp_ms() as u64,
            metadata: request.metadata,
            budget,
            written: 0,
            shapes: Shapes::at(request.timestamp_ms() as u64),
            le: LeFields::new(),
            fns: Some(&FNS),
        };
        enc
    }

    /// For a remote write encoder ([`Encoder::remote_write`]): the bytes of the request
    /// written (or measured) so far; after [`finish`](Self::finish), its whole length. Zero
    /// for the other formats.
    pub fn remote_write_len(&self) -> usize {
        self.rw.written
    }
}

/// `a` and `b` compared as the strings their pieces make, a run of bytes at a time.
fn parts_cmp(a: &Parts<'_>, b: &Parts<'_>) -> Ordering {
    let (mut a, mut b) = (Pieces::new(a), Pieces::new(b));
    loop {
        match (a.run(), b.run()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let n = x.len().min(y.len());
                match x.get(..n).cmp(&y.get(..n)) {
                    Ordering::Equal => {
                        a.skip(n);
                        b.skip(n);
                    }
                    other => return other,
                }
            }
        }
    }
}

/// The bytes of a [`Parts`] not compared yet.
struct Pieces<'p, 'a> {
    parts: &'p Parts<'a>,
    piece: usize,
    at: usize,
}

impl<'p, 'a> Pieces<'p, 'a> {
    fn new(parts: &'p Parts<'a>) -> Self {
        Pieces {
            parts,
            piece: 0,
            at: 0,
        }
    }

    /// The rest of the current piece (never empty), or `None` at the end.
    fn run(&mut self) -> Option<&'a [u8]> {
        loop {
            let rest = self
                .parts
                .get(self.piece)?
                .get(self.at..)
                .unwrap_or_default();
            if !rest.is_empty() {
                return Some(rest);
            }
            self.piece += 1;
            self.at = 0;
        }
    }

    fn skip(&mut self, n: usize) {
        self.at += n;
    }
}

/// One sample's labels, as the encoder was handed them.
struct Sample<'s> {
    /// `__name__`.
    name: Parts<'s>,
    consts: &'s [(&'s str, &'s str)],
    labels: &'s Labels<'s>,
    /// How many labels `labels` has.
    own: usize,
    /// `le`, `quantile`.
    extra: Option<&'s (&'s str, &'s [u8])>,
    /// A state set's label (named after the family) and its state.
    state: Option<&'s (Parts<'s>, &'s str)>,
}

const NAME_LABEL: Parts<'static> = [b"__name__", b"", b"", b""];

impl<'s> Sample<'s> {
    /// The `i`th label, in the order given (not sorted: `__name__`, the constant labels, the
    /// family's, `le`/`quantile`, a state set's), empty values too, or `None` past the last.
    fn label(&self, i: usize) -> Option<(Parts<'s>, Val<'s>)> {
        if i == 0 {
            return Some((NAME_LABEL, Val::Parts(self.name)));
        }
        if let Some((n, v)) = self.consts.get(i - 1) {
            return Some((one(n), Val::Parts(one(v))));
        }
        self.own_label(i)
    }

    /// Label `i` when it is one of the series' own (not `__name__` nor a constant label):
    /// the family's labels, `le`/`quantile`, a state set's.
    fn own(&self, i: usize) -> Option<Own<'s>> {
        let i = i.checked_sub(1 + self.consts.len())?;
        if i < self.own {
            let (n, v) = self.labels.get(i)?;
            return Some(Own::Family(n, v));
        }
        match (i - self.own, self.extra, self.state) {
            (0, Some(&(n, v)), _) => Some(Own::Extra(n, v)),
            (0, None, Some(&(n, v))) | (1, Some(_), Some(&(n, v))) => Some(Own::State(n, v)),
            _ => None,
        }
    }

    /// [`own`](Self::own) as a name and a value.
    fn own_label(&self, i: usize) -> Option<(Parts<'s>, Val<'s>)> {
        Some(match self.own(i)? {
            Own::Family(n, v) => (one(n), Val::Stored(v)),
            Own::Extra(n, v) => (one(n), Val::Parts([v, b"", b"", b""])),
            Own::State(n, v) => (n, Val::Parts(one(v))),
        })
    }

    /// Whether label `i` is the same for every series of the family and suffix: `__name__`
    /// and the constant labels.
    #[cfg_attr(edgeprom_small_code, allow(dead_code))] // a host's shapes keep their bytes
    fn is_shared(&self, i: usize) -> bool {
        i <= self.consts.len()
    }

    /// The `i`th label as [`label`](Self::label) gives it, `Some(None)` when its value is
    /// empty (it is not written).
    #[allow(clippy::option_option)]
    fn get(&self, i: usize) -> Option<Option<(Parts<'s>, Val<'s>)>> {
        self.label(i)
            .map(|pair| (pair.1.len() != 0).then_some(pair))
    }

    /// Calls `f` with each label in order of name, a name given twice once (its first), by
    /// scanning for the smallest name greater than the last each time (no storage: for series
    /// with more labels than a shape holds).
    fn sorted(&self, f: &mut dyn FnMut(Label<'_, 's>)) {
        let mut last: Option<Parts<'s>> = None;
        loop {
            let mut best: Option<(Parts<'s>, Val<'s>)> = None;
            let mut i = 0;
            while let Some(label) = self.get(i) {
                i += 1;
                let Some((n, v)) = label else { continue };
                let after = last.is_none_or(|l| parts_cmp(&n, &l) == Ordering::Greater);
                let before = best.is_none_or(|(b, _)| parts_cmp(&n, &b) == Ordering::Less);
                if after && before {
                    best = Some((n, v));
                }
            }
            let Some((n, v)) = best else { return };
            f(Label::Pair(n, v));
            last = Some(n);
        }
    }
}

/// One of a series' own labels: the family's, `le`/`quantile`, a state set's.
#[derive(Clone, Copy)]
enum Own<'s> {
    Family(&'s str, LabelValue<'s>),
    Extra(&'s str, &'s [u8]),
    State(Parts<'s>, &'s str),
}

impl Own<'_> {
    /// The lengths of its name and its value.
    fn lens(&self) -> (usize, usize) {
        match self {
            Own::Family(n, v) => (n.len(), v.len()),
            Own::Extra(n, v) => (n.len(), v.len()),
            Own::State(n, v) => (parts_len(n), v.len()),
        }
    }

    /// Writes its value's bytes.
    fn write_value(&self, c: &mut Cursor<'_>) {
        match self {
            Own::Family(_, value) => c.value(value),
            Own::Extra(_, value) => c.put(value),
            Own::State(_, value) => c.put(value.as_bytes()),
        }
    }
}

/// A request's `Sample` field with the value left zero, the same for every series: written
/// whole, then the value put in.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(edgeprom_small_code, allow(dead_code))] // nothing is written in place on bare metal
pub(crate) struct SampleTail {
    bytes: [u8; 32],
    len: u8,
}

#[cfg_attr(edgeprom_small_code, allow(dead_code))] // nothing is written in place on bare metal
impl SampleTail {
    /// Where the value is in it (after the field's tag and length, the value's tag).
    const VALUE: usize = 3;

    /// None: no request.
    pub(crate) const NONE: SampleTail = SampleTail {
        bytes: [0; 32],
        len: 0,
    };

    /// The `Sample` field of a request at `timestamp_ms`.
    pub(crate) fn at(timestamp_ms: u64) -> Self {
        let sample = 9 + 1 + varint_len(timestamp_ms);
        let mut head = Head::<32>::new();
        head.field(FIELD2_LEN, sample);
        head.push(&[SAMPLE_VALUE]);
        head.push(&[0; 8]);
        head.push(&[SAMPLE_TIMESTAMP]);
        head.varint(timestamp_ms);
        let mut tail = SampleTail::NONE;
        let b = head.bytes();
        if let Some(d) = tail.bytes.get_mut(..b.len()) {
            d.copy_from_slice(b);
        }
        tail.len = b.len() as u8; // at most 2 + 9 + 11
        tail
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }
}

/// A series written in place: the bytes of the buffer it was measured to take.
struct Cursor<'b> {
    dst: &'b mut [u8],
    at: usize,
}

impl Cursor<'_> {
    #[inline]
    fn put(&mut self, b: &[u8]) {
        let end = self.at + b.len();
        if let Some(d) = self.dst.get_mut(self.at..end) {
            super::out::copy(d, b);
        }
        self.at = end;
    }

    #[inline]
    fn byte(&mut self, b: u8) {
        if let Some(d) = self.dst.get_mut(self.at) {
            *d = b;
        }
        self.at += 1;
    }

    #[inline]
    fn value(&mut self, v: &LabelValue<'_>) {
        let end = self.at + v.len();
        if let Some(d) = self.dst.get_mut(self.at..end) {
            v.copy_to(d);
        }
        self.at = end;
    }

    #[inline]
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.byte((v as u8) | 0x80);
            v >>= 7;
        }
        self.byte(v as u8);
    }

    /// A length-delimited field's tag and length.
    #[inline]
    fn field(&mut self, tag: u8, len: usize) {
        self.byte(tag);
        self.varint(len as u64);
    }
}

/// A `Label` message's body length.
fn label_len(name: usize, value: usize) -> usize {
    field_len(name) + field_len(value)
}

/// An encoder's output and its count of remote write bytes, borrowed apart from the rest of
/// the encoder (so that a series can be written while its shape is read).
struct Wire<'e, 'w> {
    out: &'e mut Out<'w>,
    written: &'e mut usize,
}

impl Wire<'_, '_> {
    fn put(&mut self, bytes: &[u8]) {
        *self.written += bytes.len();
        self.out.put_bytes(bytes);
    }

    fn varint(&mut self, v: u64, width: usize) {
        let (b, n) = varint(v, width);
        self.put(b.get(..n).unwrap_or_default());
    }

    /// A tag and a length.
    fn head(&mut self, tag: u8, len: usize) {
        let mut head = Head::<11>::new();
        head.field(tag, len);
        self.put(head.bytes());
    }

    fn parts(&mut self, p: &Parts<'_>) {
        for s in p.iter().filter(|s| !s.is_empty()) {
            self.put(s);
        }
    }

    fn val(&mut self, v: Val<'_>) {
        match v {
            Val::Parts(p) => self.parts(&p),
            Val::Stored(v) => {
                *self.written += v.len();
                raw(self.out, v);
            }
        }
    }

    /// One `Label` field: its bytes, or the heads of the `Label` and its name in one write,
    /// the name's pieces, the value's head, the value.
    fn label(&mut self, label: Label<'_, '_>) {
        match label {
            Label::Shared(bytes) => self.put(bytes),
            Label::Pair(n, v) => {
                let name = parts_len(&n);
                let mut head = Head::<22>::new();
                head.field(FIELD1_LEN, label_len(name, v.len()));
                head.field(FIELD1_LEN, name);
                self.put(head.bytes());
                self.parts(&n);
                self.head(FIELD2_LEN, v.len());
                self.val(v);
            }
        }
    }
}

impl<'w> Encoder<'w> {
    fn wire(&mut self) -> Wire<'_, 'w> {
        Wire {
            out: &mut self.out,
            written: &mut self.rw.written,
        }
    }

    fn rw_put(&mut self, bytes: &[u8]) {
        self.wire().put(bytes);
    }

    fn rw_varint(&mut self, v: u64, width: usize) {
        self.wire().varint(v, width);
    }

    /// A tag and a length.
    fn rw_head(&mut self, tag: u8, len: usize) {
        self.wire().head(tag, len);
    }

    fn rw_parts(&mut self, p: &Parts<'_>) {
        self.wire().parts(p);
    }

    /// One `TimeSeries` with one sample, if it fits (see [`Pass::fits`]), its labels in
    /// order of name: in place, as runs of the family's shape, when the output is a buffer it
    /// fits in; else as the shape orders them (its shared labels as their bytes), or sorted
    /// by scanning when there are more than a shape holds.
    fn rw_series(&mut self, key: &Key, s: &Sample<'_>, value: f64) {
        // Only a series written in place just now may be repeated.
        self.rw.shapes.set_last(None);
        self.rw.shapes.prepare(key, s);
        if self.rw_series_in_place(s, value) {
            return;
        }
        let timestamp_ms = self.rw.timestamp_ms;
        let sample = 9 + 1 + varint_len(timestamp_ms);
        self.rw_series_with(s, field_len(sample), &mut |wire| {
            let mut tail = Head::<32>::new();
            tail.field(FIELD2_LEN, sample);
            tail.push(&[SAMPLE_VALUE]);
            tail.push(&value.to_bits().to_le_bytes());
            tail.push(&[SAMPLE_TIMESTAMP]);
            tail.varint(timestamp_ms);
            wire.put(tail.bytes());
        });
    }

    /// One `TimeSeries` of `s`'s labels, as the current shape orders them (its shared labels
    /// as their bytes) or sorted by scanning when there are more than a shape holds, then
    /// what `tail` writes (`tail_len` bytes: a sample, a histogram); if it fits (see
    /// [`Pass::fits`]).
    fn rw_series_with(
        &mut self,
        s: &Sample<'_>,
        tail_len: usize,
        tail: &mut dyn FnMut(&mut Wire<'_, '_>),
    ) {
        let shape = self.rw.shapes.current();
        let each = |f: &mut dyn FnMut(Label<'_, '_>)| match shape {
            Some(shape) => shape.for_each(s, f),
            None => s.sorted(f),
        };
        let mut labels = 0;
        each(&mut |l| labels += l.field_len());
        let body = labels + tail_len;
        if !self.rw.fits(field_len(body)) {
            return;
        }
        let mut wire = Wire {
            out: &mut self.out,
            written: &mut self.rw.written,
        };
        wire.head(TIMESERIES, body);
        each(&mut |l| wire.label(l));
        tail(&mut wire);
    }

    /// The series written in place into the buffer, as runs of its shape: when the encoder
    /// writes into a buffer the series fits in and the shape has runs (on hosts). Returns
    /// whether it was written so (or left out, not fitting the second pass's budget).
    fn rw_series_in_place(&mut self, s: &Sample<'_>, value: f64) -> bool {
        self.rw_series_repeat(s, value) || self.rw_series_runs(s, value)
    }

    /// [`rw_series_in_place`](Self::rw_series_in_place) as runs of the shape.
    #[inline(never)]
    fn rw_series_runs(&mut self, s: &Sample<'_>, value: f64) -> bool {
        let Some((segments, shared)) = self.rw.shapes.current().and_then(|s| s.segments()) else {
            return false;
        };
        let Out::Slice(w) = &mut self.out else {
            return false;
        };
        // One pass: the body after room for a one-byte length (most series are shorter than
        // 128 bytes), moved on when the length takes more.
        let start = w.pos();
        let free = w.free();
        let mut c = Cursor { dst: free, at: 2 };
        let mut extra = None;
        // One per own label: the shape has at most `SORTED` labels.
        let mut values = heapless::Vec::<(u32, u16, u8), { shape::SORTED }>::new();
        for segment in segments {
            let run = |a: u16, b: u16| shared.get(usize::from(a)..usize::from(b));
            match *segment {
                Segment::Shared(a, b) => c.put(run(a, b).unwrap_or_default()),
                Segment::Own(pos, a, b) => {
                    let own = s.own(usize::from(pos));
                    let v = own.map_or(0, |o| o.lens().1);
                    let (Some(own), Ok(len)) = (own.filter(|_| v != 0), u16::try_from(v)) else {
                        let _ = values.push((0, 0, pos)); // an empty value: no label
                        continue;
                    };
                    // Its tag and length, the name run, the value's length and bytes.
                    let at = c.at;
                    let name_run = run(a, b).unwrap_or_default();
                    c.field(FIELD1_LEN, name_run.len() + varint_len(v as u64) + v);
                    c.put(name_run);
                    c.varint(v as u64);
                    let _ = values.push((c.at as u32, len, pos));
                    own.write_value(&mut c);
                    if let Own::Extra(..) = own {
                        extra = Some((at, c.at - at));
                    }
                }
            }
        }
        // The sample: the request's, the value put in.
        let tail = self.rw.shapes.tail();
        let sample_at = c.at;
        c.put(tail);
        c.at = sample_at + SampleTail::VALUE;
        c.put(&value.to_bits().to_le_bytes());
        let body = sample_at + tail.len() - 2;
        let total = field_len(body);
        if total > c.dst.len() {
            return false; // not in the buffer: measured (or counted) by the general path
        }
        if !self.rw.fits(total) {
            return true; // left out, nothing counted
        }
        let moved = total - body - 2; // past a one-byte length
        if let Some(series) = c.dst.get_mut(2..total).filter(|_| moved > 0) {
            series.copy_within(..body, moved);
        }
        let mut head = Cursor { dst: c.dst, at: 0 };
        head.field(TIMESERIES, body);
        w.commit(total);
        self.rw.written += total;
        for (at, len, _) in &mut values {
            if *len != 0 {
                *at += moved as u32;
            }
        }
        let repeat = Repeat {
            start,
            total,
            body,
            extra: extra.map(|(at, len)| (at + moved, len)),
            sample: sample_at + moved,
            values,
        };
        self.rw.shapes.set_last(repeat.written());
        self.rw.shapes.set_repeat(Some(repeat));
        true
    }

    /// The series as a copy of the last one of its shape written as runs (not of the last
    /// one copied from it: that one's patched bytes may still be on their way to the cache,
    /// and loading them back would wait for them), its own labels' values and its sample's
    /// value replaced: when every value has the length it had there
    /// (label values of one width: ids, codes, shard numbers). Returns whether it was
    /// written so (or left out, not fitting the second pass's budget).
    fn rw_series_repeat(&mut self, s: &Sample<'_>, value: f64) -> bool {
        let Some(shape) = self.rw.shapes.current() else {
            return false;
        };
        let Some(repeat) = shape.repeat() else {
            return false;
        };
        let Out::Slice(w) = &mut self.out else {
            return false;
        };
        // Left to the general path when the second pass's budget may not take it.
        if !self.rw.fits(repeat.total) {
            return false;
        }
        // The copy, then each own value put in, as long as it is as long as there (else
        // taken back: the general path writes the series).
        let start = w.pos();
        let Some((past, dst)) = w.claim_after(repeat.total) else {
            return false;
        };
        if let Some(before) = past.get(repeat.start..repeat.start + repeat.total) {
            super::out::copy(dst, before);
        }
        let mut c = Cursor { dst, at: 0 };
        let mut same = true;
        for &(at, len, pos) in &repeat.values {
            let own = s.own(usize::from(pos));
            let v = own.map_or(0, |o| o.lens().1);
            if usize::from(len) != v {
                same = false;
                break;
            }
            if let (Some(own), 1..) = (own, len) {
                c.at = at as usize;
                own.write_value(&mut c);
            }
        }
        if !same {
            w.rewind(start);
            return false;
        }
        c.at = repeat.sample + SampleTail::VALUE;
        c.put(&value.to_bits().to_le_bytes());
        self.rw.written += repeat.total;
        let last = repeat.written().map(|w| Written { start, ..w });
        self.rw.shapes.set_last(last);
        true
    }

    /// The next bucket of the series just written in place, `le` (its label field's bytes in
    /// `le_field`) and the count being all that differ: a copy of the series before, in place,
    /// with those two replaced. Returns whether it was written so (or left out, not fitting
    /// the second pass's budget).
    fn rw_bucket_again(&mut self, le: Le<'_>, value: f64) -> bool {
        let Some(last) = self.rw.shapes.last() else {
            return false;
        };
        let le_field = match le {
            Le::Kept(i) => match self.rw.le.get(i) {
                Some(f) => f,
                None => return false,
            },
            Le::Field(f) => f,
        };
        let Out::Slice(w) = &mut self.out else {
            return false;
        };
        if w.pos() != last.start + last.total {
            return false; // something else came between
        }
        let (extra_at, extra_len) = last.extra;
        let body = last.body - extra_len + le_field.len();
        let head = last.total - last.body; // the tag and the body's length
        if 1 + varint_len(body as u64) != head {
            return false;
        }
        let total = last.total - extra_len + le_field.len();
        if !self.rw.fits(total) {
            self.rw.shapes.set_last(None);
            return true;
        }
        let start = w.pos();
        let Some((past, dst)) = w.claim_after(total) else {
            return false;
        };
        // The series before: its labels up to `le`, `le`, the labels after it and the
        // sample's tag, length and value tag, the value, the timestamp.
        let before = past.get(last.start..).unwrap_or_default();
        let value_at = last.sample + SampleTail::VALUE;
        let mut c = Cursor { dst, at: 0 };
        if extra_len == le_field.len() {
            // The same length: the series before whole, `le` and the value put in.
            c.put(before);
            c.at = extra_at;
            c.put(le_field);
            c.at = value_at;
            c.put(&value.to_bits().to_le_bytes());
            c.at = total;
        } else if head == 2 {
            // A one-byte length: the series before up to `le`, `le`, the rest after it; the
            // length and the value put in.
            c.put(before.get(..extra_at).unwrap_or_default());
            c.put(le_field);
            c.put(before.get(extra_at + extra_len..).unwrap_or_default());
            c.at = 1;
            c.byte(body as u8);
            c.at = value_at + le_field.len() - extra_len;
            c.put(&value.to_bits().to_le_bytes());
            c.at = total;
        } else {
            let pieces: [&[u8]; 5] = [
                before.get(head..extra_at).unwrap_or_default(),
                le_field,
                before
                    .get(extra_at + extra_len..value_at)
                    .unwrap_or_default(),
                &value.to_bits().to_le_bytes(),
                before.get(value_at + 8..).unwrap_or_default(),
            ];
            c.field(TIMESERIES, body);
            for piece in pieces {
                c.put(piece);
            }
        }
        debug_assert_eq!(c.at, total, "a bucket repeated with a different length");
        self.rw.written += total;
        let moved = le_field.len() as isize - extra_len as isize;
        self.rw.shapes.set_last(Some(Written {
            start,
            total,
            body,
            extra: (extra_at, le_field.len()),
            sample: last.sample.wrapping_add_signed(moved),
        }));
        true
    }

    fn rw_sample(
        &mut self,
        desc: &Desc<'_>,
        suffix: &str,
        labels: &Labels<'_>,
        extra: Extra<'_>,
        value: f64,
    ) {
        let sample = Sample {
            name: full_name(self.namespace, desc.name(), suffix),
            consts: self.const_labels,
            labels,
            own: labels.count(),
            extra,
            state: None,
        };
        let key = Key::of(&sample, desc.name(), suffix);
        self.rw_series(&key, &sample, value);
    }
}

/// The remote write format: its [`Syntax`] writes `TimeSeries`, its [`Dialect`] metadata,
/// each through the encoder's [`Fns`] (values already doubles, bucket bounds formatted by a
/// callback), so that no code of the format is reachable from an encoder of another.
pub(crate) struct RemoteWriteProto;

/// A `Label`'s value as bytes.
type Extra<'a> = Option<&'a (&'a str, &'a [u8])>;

/// The writers of remote write's messages, reached only through [`Pass::fns`]. Pairs and
/// keys go by reference: built by the caller just before, a copy of them by value would load
/// them with wider loads than the stores that built them, and wait for those to reach the
/// cache.
pub(crate) struct Fns {
    sample: fn(&mut Encoder<'_>, &Desc<'_>, &str, &Labels<'_>, Extra<'_>, f64),
    state: fn(&mut Encoder<'_>, &Desc<'_>, &Labels<'_>, &str, f64),
    #[allow(clippy::type_complexity)]
    buckets: fn(
        &mut Encoder<'_>,
        &Desc<'_>,
        &Labels<'_>,
        Option<&(usize, usize)>,
        &dyn Fn(usize, &mut Out<'_>),
        &mut dyn FnMut() -> Option<u64>,
    ),
    /// A series of the family's name without suffix whose tail (`usize` bytes after the
    /// labels) the callback writes: a native histogram's.
    #[allow(clippy::type_complexity)]
    series_with:
        fn(&mut Encoder<'_>, &Desc<'_>, &Labels<'_>, usize, &mut dyn FnMut(&mut Wire<'_, '_>)),
    header: fn(&mut Encoder<'_>, &Desc<'_>, MetricType),
    end: fn(&mut Encoder<'_>),
}

impl fmt::Debug for Fns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Fns")
    }
}

// Each through `escaped::names`: a family that opted into UTF-8 names is sent with its names
// escaped (remote write 1.0 receivers take only legacy names).
static FNS: Fns = Fns {
    sample: |enc, desc, suffix, labels, extra, value| {
        escaped::names(enc, desc, labels, |enc, desc, labels| {
            enc.rw_sample(desc, suffix, labels, extra, value)
        })
    },
    state: |enc, desc, labels, state, value| {
        escaped::names(enc, desc, labels, |enc, desc, labels| {
            write_state_sample(enc, desc, labels, state, value)
        })
    },
    buckets: |enc, desc, labels, key, le, cumulative| {
        escaped::names(enc, desc, labels, |enc, desc, labels| {
            write_bucket_samples(enc, desc, labels, key, le, cumulative)
        })
    },
    series_with: |enc, desc, labels, tail_len, tail| {
        escaped::names(enc, desc, labels, |enc, desc, labels| {
            write_series_with(enc, desc, labels, tail_len, tail)
        })
    },
    header: |enc, desc, ty| {
        escaped::names(enc, desc, &Labels::EMPTY, |enc, desc, _| {
            write_metadata(enc, desc, ty)
        })
    },
    end: write_padding,
};

fn write_series_with(
    enc: &mut Encoder<'_>,
    desc: &Desc<'_>,
    labels: &Labels<'_>,
    tail_len: usize,
    tail: &mut dyn FnMut(&mut Wire<'_, '_>),
) {
    let sample = Sample {
        name: full_name(enc.namespace, desc.name(), ""),
        consts: enc.const_labels,
        labels,
        own: labels.count(),
        extra: None,
        state: None,
    };
    let key = Key::of(&sample, desc.name(), "");
    enc.rw.shapes.set_last(None);
    enc.rw.shapes.prepare(&key, &sample);
    enc.rw_series_with(&sample, tail_len, tail);
}

fn write_state_sample(
    enc: &mut Encoder<'_>,
    desc: &Desc<'_>,
    labels: &Labels<'_>,
    state: &str,
    value: f64,
) {
    let name = full_name(enc.namespace, desc.name(), "");
    let named = (name, state);
    let sample = Sample {
        name,
        consts: enc.const_labels,
        labels,
        own: labels.count(),
        extra: None,
        state: Some(&named),
    };
    let key = Key::of(&sample, desc.name(), "");
    enc.rw_series(&key, &sample, value);
}

/// One `_bucket` series per bound (`le` written by `write_le(i, out)`, `+Inf` past the last);
/// `key` names float bounds, whose `le` strings are formatted once (on hosts).
fn write_bucket_samples(
    enc: &mut Encoder<'_>,
    desc: &Desc<'_>,
    labels: &Labels<'_>,
    key: Option<&(usize, usize)>,
    write_le: &dyn Fn(usize, &mut Out<'_>),
    cumulative: &mut dyn FnMut() -> Option<u64>,
) {
    // On hosts every bound's field is kept: a bucket after the first is the one before with
    // the field and the count put in.
    let kept = key.is_some_and(|&key| enc.rw.le.prepare(key, write_le));
    let mut i = 0;
    while let Some(count) = cumulative() {
        if kept && i > 0 && enc.rw_bucket_again(Le::Kept(i), count as f64) {
            i += 1;
            continue;
        }
        // The `le` label's whole field, its value as the text formats write it (`0.005`,
        // `1.0`, `+Inf`: at most 24 bytes): the kept one, or formatted here.
        let mut field = [0u8; LE_FIELD];
        let len = match enc.rw.le.get(i).filter(|_| kept) {
            Some(f) => {
                let n = f.len().min(LE_FIELD);
                if let (Some(d), Some(f)) = (field.get_mut(..n), f.get(..n)) {
                    d.copy_from_slice(f);
                }
                n
            }
            // A value too long for the field is sent empty.
            None => format_le_field(write_le, i, &mut field)
                .unwrap_or_else(|| le_field(&mut field, &[])),
        };
        let field = field.get(..len).unwrap_or_default();
        // After the first bucket, a copy of the one before with `le` and the count replaced.
        let repeated = i > 0 && !kept && enc.rw_bucket_again(Le::Field(field), count as f64);
        if !repeated {
            let le = field.get(LE_HEAD..).unwrap_or_default();
            enc.rw_sample(desc, "_bucket", labels, Some(&("le", le)), count as f64);
        }
        i += 1;
    }
}

/// A bucket's `le` field: the `i`th kept one, or these bytes.
#[derive(Clone, Copy)]
enum Le<'f> {
    Kept(usize),
    Field(&'f [u8]),
}

/// The longest `le` value a bucket series is written with (longer bounds' strings are cut:
/// the text formats' canonical bounds take at most 24 bytes).
const LE_VALUE: usize = 32;
/// The bytes of an `le` `Label` field before its value: the field's tag and length, the
/// name's tag, length and `le`, the value's tag and length (all lengths under 128).
const LE_HEAD: usize = 8;
/// The longest `le` `Label` field.
const LE_FIELD: usize = LE_HEAD + LE_VALUE;

/// The `i`th bound's `le` field, its value as `write_le` formats it, in `field`: its length,
/// or `None` when the value takes more than [`LE_VALUE`] bytes.
fn format_le_field(
    write_le: &dyn Fn(usize, &mut Out<'_>),
    i: usize,
    field: &mut [u8; LE_FIELD],
) -> Option<usize> {
    let mut value = [0u8; LE_VALUE];
    let mut w = Out::Slice(SliceWriter::new(&mut value));
    write_le(i, &mut w);
    let n = match w {
        Out::Slice(w) => w.finish().ok()?,
        _ => return None,
    };
    Some(le_field(field, value.get(..n).unwrap_or_default()))
}

/// Writes the `Label` field `le="value"` into `field` (at most [`LE_VALUE`] bytes of the
/// value); returns its length.
fn le_field(field: &mut [u8; LE_FIELD], value: &[u8]) -> usize {
    let value = value.get(..LE_VALUE).unwrap_or(value);
    let v = value.len() as u8; // at most 32
    if let Some(head) = field.first_chunk_mut::<LE_HEAD>() {
        *head = [FIELD1_LEN, 6 + v, FIELD1_LEN, 2, b'l', b'e', FIELD2_LEN, v];
    }
    if let Some(d) = field.get_mut(LE_HEAD..LE_HEAD + value.len()) {
        super::out::copy(d, value);
    }
    LE_HEAD + value.len()
}

/// One sample through the table, its `le`/`quantile` pair (if any) as the name and the
/// value's bytes, passed by reference (see [`Fns`]).
#[inline(always)]
fn send_sample(
    f: &Fns,
    enc: &mut Encoder<'_>,
    desc: &Desc<'_>,
    suffix: &str,
    labels: &Labels<'_>,
    extra: Option<&(&str, &str)>,
    value: f64,
) {
    let pair;
    let extra = match extra {
        Some(&(n, v)) => {
            pair = (n, v.as_bytes());
            Some(&pair)
        }
        None => None,
    };
    (f.sample)(enc, desc, suffix, labels, extra, value);
}

impl Syntax for RemoteWriteProto {
    fn sample<V: WriteValue>(
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        suffix: &str,
        labels: &Labels<'_>,
        extra: Option<&(&str, &str)>,
        value: V,
    ) {
        if let Some(f) = enc.rw.fns {
            send_sample(f, enc, desc, suffix, labels, extra, value.to_f64());
        }
    }

    fn sample_value(
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        suffix: &str,
        labels: &Labels<'_>,
        extra: Option<&(&str, &str)>,
        value: SampleValue,
    ) {
        // Converted here, not in the table: only a firmware whose collectors call
        // `Encoder::write_sample` links these conversions.
        if let Some(f) = enc.rw.fns {
            let v = match value {
                SampleValue::Unsigned(v) => v as f64,
                SampleValue::Signed(v) => v as f64,
                SampleValue::Float(v) => v,
                SampleValue::Float32(v) => super::float32::f32_to_decimal_f64(v),
                SampleValue::Timestamp(d) => d.as_secs_f64(),
            };
            send_sample(f, enc, desc, suffix, labels, extra, v);
        }
    }

    fn state_sample<V: WriteValue>(
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        state: &str,
        value: V,
    ) {
        if let Some(f) = enc.rw.fns {
            (f.state)(enc, desc, labels, state, value.to_f64());
        }
    }

    fn created_sample(_: &mut Encoder<'_>, _: &Desc<'_>, _: &Labels<'_>, _: Duration) {
        // Not sent: remote write has no `_created`, and Prometheus keeps none by default.
    }

    fn bucket_samples<V: WriteValue>(
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        bounds: &'static [V],
        cumulative: &mut dyn FnMut() -> Option<u64>,
    ) {
        if let Some(f) = enc.rw.fns {
            let write_le = |i: usize, out: &mut Out<'_>| match bounds.get(i) {
                Some(b) => b.put_canonical(out),
                None => out.put("+Inf"),
            };
            // Bounds are formatted once for every series with them (on hosts).
            let key = (bounds.as_ptr() as usize, bounds.len());
            (f.buckets)(enc, desc, labels, Some(&key), &write_le, cumulative);
        }
    }

    fn native<V: WriteValue>(
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        buckets: &NativeBuckets<'_>,
        sum: V,
    ) -> NativeWritten {
        if let Some(f) = enc.rw.fns {
            native::write(enc, f, desc, labels, buckets, sum.to_f64());
        }
        NativeWritten::Series
    }
}

/// `MetricMetadata.type` of a family, as Prometheus text declares it.
fn metadata_type(ty: MetricType) -> u64 {
    match ty {
        MetricType::Unknown => 0,
        MetricType::Counter => 1,
        MetricType::Gauge | MetricType::Info | MetricType::StateSet => 2,
        MetricType::Histogram => 3,
        MetricType::Summary => 5,
    }
}

/// A family's `MetricMetadata`, when the request asks for it.
fn write_metadata(enc: &mut Encoder<'_>, desc: &Desc<'_>, ty: MetricType) {
    if !enc.rw.metadata {
        return;
    }
    let name = full_name(enc.namespace, desc.name(), super::text::header_suffix(ty));
    let (help, unit) = (desc.help().as_bytes(), desc.unit().unwrap_or_default());
    let mut body = 2 + field_len(parts_len(&name)) + field_len(help.len());
    if !unit.is_empty() {
        body += field_len(unit.len());
    }
    if !enc.rw.fits(field_len(body)) {
        return;
    }
    enc.rw_head(METADATA, body);
    enc.rw_put(&[METADATA_TYPE]);
    enc.rw_varint(metadata_type(ty), 0);
    enc.rw_head(FIELD2_LEN, parts_len(&name));
    enc.rw_parts(&name);
    enc.rw_head(METADATA_HELP, help.len());
    enc.rw_put(help);
    if !unit.is_empty() {
        enc.rw_head(METADATA_UNIT, unit.len());
        enc.rw_put(unit.as_bytes());
    }
}

/// In a second pass, fills what the series that went away left with an unknown field.
fn write_padding(enc: &mut Encoder<'_>) {
    let Some(budget) = enc.rw.budget else { return };
    let left = budget.saturating_sub(enc.rw.written);
    if left < 2 {
        return; // 0; never 1 (see `Pass::fits`)
    }
    // Tag, length, zeros: a 1-byte length up to 127, else a 5-byte one.
    let width = if left - 2 < 128 { 1 } else { 5 };
    let pad = left - 1 - width;
    enc.rw_put(&[PADDING]);
    enc.rw_varint(pad as u64, width);
    for _ in 0..pad {
        enc.rw_put(&[0]);
    }
}

impl Dialect for RemoteWriteProto {
    fn created_placement(_: &Encoder<'_>) -> CreatedPlacement {
        CreatedPlacement::AfterSeries
    }

    fn family_header(enc: &mut Encoder<'_>, desc: &Desc<'_>, ty: MetricType) {
        if let Some(f) = enc.rw.fns {
            (f.header)(enc, desc, ty);
        }
    }

    fn document_end(enc: &mut Encoder<'_>) {
        if let Some(f) = enc.rw.fns {
            (f.end)(enc);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{static_registry, Counter, Exposition, Gauge, Metric};

    static_registry! {
        static STATIC (namespace "rw", const_labels &[("device", "d1")]) {
            static BOOTS: Metric<Counter> = Metric::new("boots", "Boots");
            static TEMP: Metric<Gauge<f32>> = Metric::new("temp", "Temperature");
        }
    }

    fn request() -> RemoteWrite {
        RemoteWrite::at(Duration::from_secs(1_700_000_000)).with_metadata(true)
    }

    /// The request's bytes through the trait, streamed.
    fn streamed(e: &dyn Exposition) -> ([u8; 512], usize) {
        let len = e.remote_write_len(&request()).unwrap();
        let mut buf = [0u8; 512];
        let mut w = SliceWriter::new(&mut buf);
        let n = e
            .write_remote_write_snappy(&request(), len, &mut w)
            .unwrap();
        assert_eq!(n, snappy_len(len));
        assert_eq!(w.finish(), Ok(n));
        (buf, n)
    }

    #[test]
    fn every_registry_and_a_foreign_one_write_the_same_request() {
        BOOTS.inc();
        TEMP.set(0.1);
        let mut dynamic: Registry<'_, 2> = Registry::new()
            .with_namespace("rw")
            .unwrap()
            .with_const_labels(&[("device", "d1")])
            .unwrap();
        dynamic.register(&BOOTS).unwrap();
        dynamic.register(&TEMP).unwrap();
        let (a, n) = streamed(&STATIC);
        let (b, m) = streamed(&dynamic);
        assert_eq!(a[..n], b[..m]);
        let mut whole = [0u8; 512];
        let k = STATIC
            .encode_remote_write_snappy(&request(), &mut whole)
            .unwrap();
        assert_eq!(whole[..k], a[..n]);
        assert_eq!(STATIC.remote_write_snappy_len(&request()), Ok(n));

        // A registry of one's own, through the public encoder.
        let families: [&dyn Collect; 2] = [&BOOTS, &TEMP];
        let run = |sink: &mut dyn ByteWrite, budget| {
            let mut enc = Encoder::remote_write(sink, &request(), budget)
                .with_namespace("rw")
                .with_const_labels(&[("device", "d1")]);
            for f in families {
                f.encode(&mut enc).unwrap();
            }
            enc.finish().unwrap();
            enc.remote_write_len()
        };
        let len = run(&mut SliceWriter::new(&mut []), None);
        let mut buf = [0u8; 512];
        let mut w = SliceWriter::new(&mut buf);
        let pre = write_snappy_preamble(len, &mut w).unwrap();
        assert_eq!(pre + run(&mut w, Some(len)), n);
        assert_eq!(w.finish(), Ok(n));
        assert_eq!(buf[..n], a[..n]);

        // The f32 gauge's value is the double 0.1, not 0.10000000149011612.
        let value = 0.1f64.to_bits().to_le_bytes();
        assert!(a[..n]
            .windows(9)
            .any(|w| w[0] == SAMPLE_VALUE && w[1..] == value));
    }
}
