//! Prometheus' protobuf exposition: a registry as length-delimited
//! `io.prometheus.client.MetricFamily` messages (client_model's
//! `io/prometheus/client/metrics.proto`), without a heap, into a buffer or streamed.
//!
//! This is the format Prometheus asks for first when its native histograms are on
//! (`--enable-feature=native-histograms` in 2.x, `scrape_protocols` in 3.x), and one the
//! Pushgateway takes. Content type: [`CONTENT_TYPE`].
//!
//! # Mapping
//! Names and types are those of the Prometheus text format, so that Prometheus stores the
//! same series from either:
//! - a counter is a `COUNTER` family named `<name>_total` (Prometheus' protobuf parser takes
//!   the family name as the series name, as Go's client names counters), with
//!   `Counter.value` and, when known, `Counter.created_timestamp`; a
//!   [`CounterWithExemplar`](crate::CounterWithExemplar)'s latest exemplar is
//!   `Counter.exemplar` (labels, value as a double, timestamp);
//! - a gauge is `GAUGE` with `Gauge.value`; an info is a `GAUGE` family `<name>_info` with
//!   value 1; a state set is a `GAUGE` family with one `Metric` per state, labelled
//!   `<name>="<state>"`, value 0 or 1 (as in Prometheus text); an unknown type is `UNTYPED`;
//! - a histogram is `HISTOGRAM`: cumulative `bucket`s with `upper_bound`, the `+Inf` one
//!   included, `sample_count` (the `+Inf` bucket's count), `sample_sum` (left out when the
//!   buckets reach below zero, as the text formats leave out `_sum`) and `created_timestamp`;
//!   a [`HistogramWithExemplars`](crate::HistogramWithExemplars)' buckets carry their latest
//!   exemplars in `Bucket.exemplar`;
//! - a [`NativeHistogram`](crate::NativeHistogram) is `HISTOGRAM` with the native fields:
//!   `schema`, `zero_threshold`, `zero_count`, `positive_span`/`positive_delta` and
//!   `negative_span`/`negative_delta` (the spans as client_golang writes them: a gap of up to
//!   two empty buckets is filled, a wider one starts a span; an empty histogram has one empty
//!   positive span, which marks it native), `sample_count` and `sample_sum`; no classic
//!   `bucket`;
//! - a summary is `SUMMARY` with `sample_count`, `sample_sum`, the quantiles a collector of
//!   your own writes, and `created_timestamp`;
//! - the namespace prefixes each family name; constant labels come first in every `Metric`;
//!   `# UNIT` is `MetricFamily.unit`. Every value is a double (an `f32` as the double of its
//!   shortest decimal, `0.1` for `0.1f32`, as a scrape of the text reads it), counts uint64.
//!
//! A collector of your own writes through [`Encoder::write_family`] (one `Metric` per series)
//! or [`Encoder::write_header`] and [`Encoder::write_sample`] (one `Metric` per sample: right
//! for counters, gauges, info and state sets; the samples of a histogram or summary written
//! one by one outside a series cannot form one `Metric` and are left out). `le` and `quantile`
//! given as strings are parsed (only a firmware that calls `write_sample` links the parser).
//!
//! # Into a buffer or streamed
//! Every message is preceded by its length. Into a buffer
//! ([`Registry::encode_protobuf`](crate::Registry::encode_protobuf)) each message is written
//! in place and its length put before it when it ends, so a buffer as long as the document is
//! enough, and [`EncodeError::BufferTooSmall`] tells that length. Streamed
//! ([`Registry::write_protobuf`](crate::Registry::write_protobuf), to any [`ByteWrite`]) each
//! family, and each series in it, is first measured and then written; the bytes are the same
//! as in a buffer. A metric that changes length between the two (a count crossing a power of
//! 128, a new series) fails the document with [`EncodeError::Write`]: what was sent is not
//! valid, send it again (so does an exemplar replaced by one of another length in between;
//! into a buffer nothing can change). A collector that writes several families (through `write_header`)
//! can stream up to 16 of them. [`Registry::protobuf_len`](crate::Registry::protobuf_len) measures
//! the whole document (for a `Content-Length`).
//!
//! ```
//! use edgeprom::{Counter, Metric, Registry};
//!
//! static BOOTS: Metric<Counter> = Metric::new("boots", "Boots since flashing");
//! let mut registry: Registry<'_, 1> = Registry::new().with_const_labels(&[("device", "d1")])?;
//! registry.register(&BOOTS)?;
//! BOOTS.inc();
//!
//! let mut buf = [0u8; 128];
//! let n = registry.encode_protobuf(&mut buf)?;
//! assert_eq!(n, registry.protobuf_len()?);
//! // One length-delimited MetricFamily: its length, then `name` (field 1) "boots_total".
//! assert_eq!(usize::from(buf[0]) + 1, n);
//! assert_eq!(&buf[1..3], &[0x0a, 11]);
//! assert_eq!(&buf[3..14], b"boots_total");
//!
//! // Streamed, to any `ByteWrite`: the same bytes.
//! let mut out = [0u8; 128];
//! let mut sink = edgeprom::encode::SliceWriter::new(&mut out);
//! assert_eq!(registry.write_protobuf(&mut sink)?, n);
//! assert_eq!(out[..n], buf[..n]);
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

mod exemplar;
mod fields;
mod message;
mod native;

use core::fmt;
use core::time::Duration;

use self::fields::*;
pub(crate) use self::message::Pass;
use self::message::{Mode, FAMILY, METRIC, VALUE_MSG};
use super::escaping::is_legacy;
use super::exemplar::{BucketExemplars, ExemplarRef};
use super::name_parts::{full_name, one, Val};
use super::out::Out;
use super::syntax::{CreatedPlacement, Dialect, Kind, Syntax};
use super::value::sealed::WriteValue;
use super::{
    ByteWrite, EncodeError, Encoder, Labels, NativeBuckets, NativeWritten, SampleValue, Series,
    SliceWriter,
};
use crate::metric::Collect;
use crate::name::{Desc, MetricType};
use crate::{Registry, StaticRegistry};

/// `Content-Type` of the protobuf exposition (and the media type a scraper's `Accept` names).
pub const CONTENT_TYPE: &str =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

/// A sample's value as the messages hold it: a double, and a count for `sample_count` and
/// `cumulative_count`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Num {
    f: f64,
    count: u64,
}

impl Num {
    fn of<V: WriteValue>(v: V) -> Self {
        Num {
            f: v.to_f64(),
            count: v.to_count(),
        }
    }
}

/// The pieces of a name escaped as one: the name, or namespace, `_` and name.
enum Pieces<'n> {
    One([&'n str; 1]),
    Three([&'n str; 3]),
}

impl Pieces<'_> {
    fn as_slice(&self) -> &[&str] {
        match self {
            Pieces::One(p) => p,
            Pieces::Three(p) => p,
        }
    }
}

/// `le` or `quantile` of a sample, parsed.
type Extra<'a> = Option<(&'a str, f64)>;

/// A histogram's cumulative bucket counts, `+Inf` last.
type Cumulative<'a> = &'a mut dyn FnMut() -> Option<u64>;

/// The writers of the exposition's messages, reached only through [`Pass::fns`].
pub(crate) struct Fns {
    sample: fn(&mut Encoder<'_>, &str, &Labels<'_>, Extra<'_>, Num),
    state: fn(&mut Encoder<'_>, &Desc<'_>, &Labels<'_>, &str, u64),
    buckets: fn(&mut Encoder<'_>, &dyn Fn(usize) -> f64, Cumulative<'_>),
    native: fn(&mut Encoder<'_>, &NativeBuckets<'_>),
    created: fn(&mut Encoder<'_>, Duration),
    pub(super) series: fn(&mut Encoder<'_>, &Desc<'_>, &Labels<'_>, &dyn Series) -> fmt::Result,
    header: fn(&mut Encoder<'_>, &Desc<'_>, MetricType),
    pub(super) collector: fn(&mut Encoder<'_>, &dyn Collect) -> fmt::Result,
    end: fn(&mut Encoder<'_>),
}

impl fmt::Debug for Fns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Fns")
    }
}

pub(super) static FNS: Fns = Fns {
    sample: write_sample,
    state: write_state_sample,
    buckets: write_buckets,
    native: native::write_native,
    created: write_created,
    series: write_series,
    header: write_family_header,
    collector: write_collector,
    end: |enc| {
        for level in [VALUE_MSG, METRIC, FAMILY] {
            enc.pb_close(level);
        }
    },
};

impl<'w> Encoder<'w> {
    /// An encoder of the protobuf exposition streamed into `sink`, for a registry of your
    /// own: hand it each collector with [`write_collector`](Self::write_collector) (which
    /// measures each family before writing it), then call [`finish`](Self::finish). Add the
    /// namespace and constant labels with [`with_namespace`](Self::with_namespace) and
    /// [`with_const_labels`](Self::with_const_labels), as for the text formats. The bytes
    /// written are [`protobuf_len`](Self::protobuf_len).
    ///
    /// ```
    /// use edgeprom::encode::{Encoder, SliceWriter};
    /// use edgeprom::{Collect, Gauge, Metric};
    ///
    /// static TEMP: Metric<Gauge> = Metric::new("temp", "Temperature");
    /// TEMP.set(21.5);
    /// let families: [&dyn Collect; 1] = [&TEMP];
    /// let mut buf = [0u8; 64];
    /// let mut sink = SliceWriter::new(&mut buf);
    /// let mut enc = Encoder::protobuf(&mut sink).with_namespace("dev");
    /// for f in families {
    ///     enc.write_collector(f)?;
    /// }
    /// enc.finish()?;
    /// let n = enc.protobuf_len();
    /// drop(enc);
    /// assert_eq!(sink.finish()?, n);
    /// assert_eq!(&buf[3..11], b"dev_temp");
    /// # Ok::<(), Box<dyn core::error::Error>>(())
    /// ```
    pub fn protobuf(sink: &'w mut dyn ByteWrite) -> Self {
        Self::protobuf_with(Out::Bytes(sink, false), Mode::Stream)
    }

    fn protobuf_with(out: Out<'w>, mode: Mode) -> Self {
        let mut enc = Encoder::with_out(out, super::Format::Prometheus, "", &[], true);
        enc.kind = Kind::Protobuf;
        enc.pb = Pass::new(mode);
        enc
    }

    /// For a protobuf encoder ([`Encoder::protobuf`]): the bytes written so far; after
    /// [`finish`](Self::finish), the document's length. Zero for the other formats.
    pub fn protobuf_len(&self) -> usize {
        self.pb.written
    }

    /// Whether a streamed message came out with another length than it was measured with.
    pub(super) fn pb_status(&self) -> Result<(), EncodeError> {
        match (self.pb.changed, self.out.status()) {
            (false, Ok(())) => Ok(()),
            _ => Err(EncodeError::Write),
        }
    }

    /// Runs `unit` (a family or a series' `Metric`): to a stream, counted first (which records
    /// its messages' lengths), then written.
    fn pb_unit(&mut self, unit: &mut dyn FnMut(&mut Self) -> fmt::Result) -> fmt::Result {
        if self.pb.mode == Mode::Stream {
            let at = self.pb.written;
            self.pb.mode = Mode::Count;
            let counted = unit(self);
            self.pb.written = at;
            self.pb.mode = Mode::Stream;
            counted?;
        }
        unit(self)
    }

    /// Opens a `Metric` with the constant labels, `labels` and a state set's label.
    fn pb_metric(&mut self, labels: &Labels<'_>, state: Option<(&Desc<'_>, &str)>) {
        self.pb_open(METRIC, Some(FAMILY_METRIC));
        self.pb.count_written = false;
        for (n, v) in self.const_labels {
            self.pb_label(&one(n), Val::Parts(one(v)));
        }
        let mut i = 0;
        while let Some((n, v)) = labels.get(i) {
            if self.pb_escapes(n, false) {
                self.pb_escaped_label(&[n], false, Val::Stored(v));
            } else {
                self.pb_label(&one(n), Val::Stored(v));
            }
            i += 1;
        }
        if let Some((desc, s)) = state {
            if self.pb_escapes(desc.name(), false) {
                let pieces = self.pb_pieces(desc.name());
                self.pb_escaped_label(pieces.as_slice(), false, Val::Parts(one(s)));
            } else {
                let name = full_name(self.namespace, desc.name(), "");
                self.pb_label(&name, Val::Parts(one(s)));
            }
        }
    }

    /// Whether a name of the family being written is escaped: the family opted into UTF-8
    /// names, this one is outside the legacy set (of metric names when `colons`), and the
    /// escaping is not `allow-utf-8`.
    fn pb_escapes(&self, name: &str, colons: bool) -> bool {
        self.pb.utf8 && self.escaping() != super::Escaping::AllowUtf8 && !is_legacy(name, colons)
    }

    /// The pieces of `namespace_name`, escaped as one name.
    fn pb_pieces<'n>(&self, name: &'n str) -> Pieces<'n>
    where
        'w: 'n,
    {
        if self.namespace.is_empty() {
            Pieces::One([name])
        } else {
            Pieces::Three([self.namespace, "_", name])
        }
    }

    /// Ends the open `Metric` (and its value message).
    fn pb_metric_end(&mut self) {
        self.pb_close(VALUE_MSG);
        self.pb_close(METRIC);
    }

    /// One sample's field in the open `Metric`'s value message.
    fn pb_field(&mut self, suffix: &str, extra: Extra<'_>, v: Num) {
        match (self.pb.ty, suffix, extra) {
            (MetricType::Histogram, "_count", _) | (MetricType::Summary, "_count", _) => {
                if !self.pb.count_written {
                    self.pb_value_msg();
                    self.pb_varint(SAMPLE_COUNT, v.count);
                    self.pb.count_written = true;
                }
            }
            (MetricType::Histogram, "_sum", _) | (MetricType::Summary, "_sum", _) => {
                self.pb_value_msg();
                self.pb_double(SAMPLE_SUM, v.f);
            }
            (MetricType::Histogram, "_bucket", Some(("le", bound))) => {
                self.pb_value_msg();
                self.pb_bucket(bound, v.count);
            }
            (MetricType::Summary, _, Some(("quantile", q))) => {
                self.pb_value_msg();
                self.pb_quantile(q, v.f);
            }
            (MetricType::Histogram | MetricType::Summary, _, _) => {} // no such field
            _ => {
                self.pb_value_msg();
                self.pb_double(VALUE, v.f);
            }
        }
    }
}

/// A sample: a field of the open `Metric`, or a `Metric` of its own.
fn write_sample(
    enc: &mut Encoder<'_>,
    suffix: &str,
    labels: &Labels<'_>,
    extra: Extra<'_>,
    v: Num,
) {
    if enc.pb.is_open(METRIC) {
        enc.pb_field(suffix, extra, v);
        return;
    }
    if matches!(enc.pb.ty, MetricType::Histogram | MetricType::Summary) {
        return; // one sample of several cannot be a whole `Metric` (see the module docs)
    }
    let _ = enc.pb_unit(&mut |enc| {
        enc.pb_metric(labels, None);
        enc.pb_field(suffix, extra, v);
        enc.pb_metric_end();
        Ok(())
    });
}

/// A state set's state: a gauge `Metric` of its own, labelled with the state.
fn write_state_sample(
    enc: &mut Encoder<'_>,
    desc: &Desc<'_>,
    labels: &Labels<'_>,
    state: &str,
    v: u64,
) {
    if enc.pb.is_open(METRIC) {
        return; // a state is a `Metric` of its own, not a field
    }
    let _ = enc.pb_unit(&mut |enc| {
        enc.pb_metric(labels, Some((desc, state)));
        enc.pb_value_msg();
        enc.pb_double(VALUE, v as f64);
        enc.pb_metric_end();
        Ok(())
    });
}

/// A histogram's buckets (bounds from `bound`, `+Inf` past the last) and its `sample_count`,
/// the `+Inf` bucket's.
fn write_buckets(enc: &mut Encoder<'_>, bound: &dyn Fn(usize) -> f64, cumulative: Cumulative<'_>) {
    let open = enc.pb.is_open(METRIC) && enc.pb.ty == MetricType::Histogram;
    let (mut i, mut count) = (0, None);
    while let Some(c) = cumulative() {
        if open {
            enc.pb_value_msg();
            enc.pb_bucket(bound(i), c);
        }
        count = Some(c);
        i += 1;
    }
    if let (true, Some(c)) = (open, count) {
        enc.pb_varint(SAMPLE_COUNT, c);
        enc.pb.count_written = true;
    }
}

/// The open `Metric`'s `created_timestamp`, for the types that have one.
fn write_created(enc: &mut Encoder<'_>, at: Duration) {
    let Some(tag) = created_field(enc.pb.ty) else {
        return;
    };
    if enc.pb.is_open(METRIC) {
        enc.pb_value_msg();
        enc.pb_timestamp(tag, at.as_secs(), at.subsec_nanos());
    }
}

/// One series as one `Metric`: its labels, its samples and its creation time.
fn write_series(
    enc: &mut Encoder<'_>,
    desc: &Desc<'_>,
    labels: &Labels<'_>,
    s: &dyn Series,
) -> fmt::Result {
    enc.pb_unit(&mut |enc| {
        enc.pb_metric(labels, None);
        let written = s.write_samples(enc, desc, labels);
        if cfg!(feature = "created") {
            enc.created_sample(desc, labels, s, false);
        }
        enc.pb_metric_end();
        written
    })
}

/// A family's `name`, `help`, `type` and `unit`, after ending the family before.
fn write_family_header(enc: &mut Encoder<'_>, desc: &Desc<'_>, ty: MetricType) {
    for level in [VALUE_MSG, METRIC, FAMILY] {
        enc.pb_close(level);
    }
    enc.pb.ty = ty;
    enc.pb_open(FAMILY, None);
    enc.pb.utf8 = desc.utf8();
    let suffix = super::text::header_suffix(ty);
    if enc.pb_escapes(desc.name(), true) {
        let pieces = enc.pb_pieces(desc.name());
        enc.pb_escaped_string(FAMILY_NAME, pieces.as_slice(), suffix, true);
    } else {
        let name = full_name(enc.namespace, desc.name(), suffix);
        enc.pb_string(FAMILY_NAME, &name);
    }
    enc.pb_string(FAMILY_HELP, &one(desc.help()));
    enc.pb_varint(FAMILY_TYPE, family_type(ty));
    if let Some(unit) = desc.unit().filter(|u| !u.is_empty()) {
        enc.pb_string(FAMILY_UNIT, &one(unit));
    }
}

/// One collector's family, ended; to a stream, measured first.
fn write_collector(enc: &mut Encoder<'_>, c: &dyn Collect) -> fmt::Result {
    enc.pb_unit(&mut |enc| {
        enc.pb.fam_i = 0;
        let written = c.encode(enc);
        for level in [VALUE_MSG, METRIC, FAMILY] {
            enc.pb_close(level);
        }
        written
    })
}

/// `le` or `quantile` given as a string, parsed (`+Inf` included); other labels are none.
fn parse_extra<'a>(extra: Option<&(&'a str, &str)>) -> Extra<'a> {
    let (name, v) = extra?;
    let f = match *v {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().ok()?,
    };
    Some((name, f))
}

/// The protobuf exposition: its [`Syntax`] and [`Dialect`] call the encoder's [`Fns`], so
/// that no code of the format is reachable from an encoder of another.
pub(crate) struct ProtobufExposition;

impl Syntax for ProtobufExposition {
    fn sample<V: WriteValue>(
        enc: &mut Encoder<'_>,
        _: &Desc<'_>,
        suffix: &str,
        labels: &Labels<'_>,
        _: Option<&(&str, &str)>,
        value: V,
    ) {
        // The crate's own metrics give no `le` or `quantile` here.
        if let Some(f) = enc.pb.fns {
            (f.sample)(enc, suffix, labels, None, Num::of(value));
        }
    }

    fn sample_value(
        enc: &mut Encoder<'_>,
        _: &Desc<'_>,
        suffix: &str,
        labels: &Labels<'_>,
        extra: Option<&(&str, &str)>,
        value: SampleValue,
    ) {
        // Converted and parsed here, not in the table: only a firmware whose collectors call
        // `Encoder::write_sample` links these conversions.
        if let Some(f) = enc.pb.fns {
            let v = match value {
                SampleValue::Unsigned(v) => Num::of(v),
                SampleValue::Signed(v) => Num::of(v),
                SampleValue::Float(v) => Num::of(v),
                SampleValue::Float32(v) => Num::of(v),
                SampleValue::Timestamp(d) => Num::of(d.as_secs_f64()),
            };
            (f.sample)(enc, suffix, labels, parse_extra(extra), v);
        }
    }

    fn state_sample<V: WriteValue>(
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        state: &str,
        value: V,
    ) {
        if let Some(f) = enc.pb.fns {
            (f.state)(enc, desc, labels, state, value.to_count());
        }
    }

    fn created_sample(enc: &mut Encoder<'_>, _: &Desc<'_>, _: &Labels<'_>, at: Duration) {
        if let Some(f) = enc.pb.fns {
            (f.created)(enc, at);
        }
    }

    fn bucket_samples<V: WriteValue>(
        enc: &mut Encoder<'_>,
        _: &Desc<'_>,
        _: &Labels<'_>,
        bounds: &'static [V],
        cumulative: &mut dyn FnMut() -> Option<u64>,
    ) {
        if let Some(f) = enc.pb.fns {
            let bound = |i: usize| bounds.get(i).map_or(f64::INFINITY, |b| b.to_f64());
            (f.buckets)(enc, &bound, cumulative);
        }
    }

    fn sample_exemplar<V: WriteValue>(
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        suffix: &str,
        labels: &Labels<'_>,
        value: V,
        ex: &ExemplarRef<'_, V>,
    ) {
        Self::sample(enc, desc, suffix, labels, None, value);
        // Called directly, not through `Fns`: only a metric that keeps exemplars links it.
        if enc.pb.fns.is_some() {
            exemplar::counter_exemplar(enc, suffix, ex);
        }
    }

    fn bucket_samples_exemplars<V: WriteValue>(
        enc: &mut Encoder<'_>,
        _: &Desc<'_>,
        _: &Labels<'_>,
        bounds: &'static [V],
        cumulative: &mut dyn FnMut() -> Option<u64>,
        exemplars: BucketExemplars<'_, V>,
    ) {
        if enc.pb.fns.is_some() {
            exemplar::buckets_exemplars(enc, bounds, cumulative, exemplars);
        }
    }

    fn native<V: WriteValue>(
        enc: &mut Encoder<'_>,
        _: &Desc<'_>,
        _: &Labels<'_>,
        buckets: &NativeBuckets<'_>,
        _: V,
    ) -> NativeWritten {
        if let Some(f) = enc.pb.fns {
            (f.native)(enc, buckets);
        }
        NativeWritten::Buckets
    }
}

impl Dialect for ProtobufExposition {
    fn created_placement(_: &Encoder<'_>) -> CreatedPlacement {
        CreatedPlacement::AfterSeries
    }

    fn family_header(enc: &mut Encoder<'_>, desc: &Desc<'_>, ty: MetricType) {
        if let Some(f) = enc.pb.fns {
            (f.header)(enc, desc, ty);
        }
    }

    fn document_end(enc: &mut Encoder<'_>) {
        if let Some(f) = enc.pb.fns {
            (f.end)(enc);
        }
    }
}

/// The families of a registry, its namespace, constant labels and whether it writes creation
/// times: what every registry's protobuf methods read.
#[derive(Clone, Copy)]
pub(crate) struct Source<'s> {
    pub(crate) metrics: &'s [&'s dyn Collect],
    pub(crate) namespace: &'s str,
    pub(crate) const_labels: &'s [(&'s str, &'s str)],
    pub(crate) created: bool,
    /// How names outside the legacy character set are written.
    pub(crate) escaping: super::Escaping,
}

impl<'s> Source<'s> {
    /// The same, with names written by `escaping`.
    fn escaped(self, escaping: super::Escaping) -> Self {
        Source { escaping, ..self }
    }

    fn run<'w>(&self, out: Out<'w>, mode: Mode) -> Result<Encoder<'w>, EncodeError>
    where
        's: 'w,
    {
        let mut enc = Encoder::protobuf_with(out, mode)
            .with_namespace(self.namespace)
            .with_const_labels(self.const_labels)
            .with_created(self.created)
            .with_escaping(self.escaping);
        for m in self.metrics {
            enc.write_collector(*m).map_err(|_| EncodeError::Write)?;
        }
        enc.finish().map_err(|_| EncodeError::Write)?;
        enc.pb_status()?;
        Ok(enc)
    }

    pub(crate) fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        self.run(Out::Slice(SliceWriter::new(buf)), Mode::Slice)?
            .finish_slice()
    }

    pub(crate) fn len(&self) -> Result<usize, EncodeError> {
        let enc = self.run(Out::Slice(SliceWriter::new(&mut [])), Mode::Count)?;
        Ok(enc.pb.written)
    }

    pub(crate) fn write(&self, sink: &mut dyn ByteWrite) -> Result<usize, EncodeError> {
        let enc = self.run(Out::Bytes(sink, false), Mode::Stream)?;
        Ok(enc.pb.written)
    }
}

/// The protobuf methods of [`Registry`] and [`StaticRegistry`], in one place.
macro_rules! registry_methods {
    () => {
        /// The registry as the protobuf exposition (length-delimited `MetricFamily`
        /// messages, [`CONTENT_TYPE`]) in `buf`; returns its length, or
        /// [`EncodeError::BufferTooSmall`] with the length needed.
        pub fn encode_protobuf(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
            self.protobuf_source().encode(buf)
        }

        /// The length of the protobuf exposition, computed by encoding it without storing
        /// it (for a `Content-Length`).
        pub fn protobuf_len(&self) -> Result<usize, EncodeError> {
            self.protobuf_source().len()
        }

        /// Streams the protobuf exposition to `sink`, each family measured and then written
        /// (see the [module docs](crate::encode::protobuf) on what may change in between);
        /// returns its length.
        pub fn write_protobuf(&self, sink: &mut dyn ByteWrite) -> Result<usize, EncodeError> {
            self.protobuf_source().write(sink)
        }

        /// As [`encode_protobuf`](Self::encode_protobuf), with names outside the legacy
        /// character set written by `escaping` (as they are under
        /// [`Escaping::AllowUtf8`](crate::Escaping::AllowUtf8); `encode_protobuf` escapes
        /// them with `underscores`): what a scraper's negotiated answer names.
        pub fn encode_protobuf_escaped(
            &self,
            escaping: crate::Escaping,
            buf: &mut [u8],
        ) -> Result<usize, EncodeError> {
            self.protobuf_source().escaped(escaping).encode(buf)
        }

        /// The length of [`encode_protobuf_escaped`](Self::encode_protobuf_escaped)'s
        /// document.
        pub fn protobuf_len_escaped(
            &self,
            escaping: crate::Escaping,
        ) -> Result<usize, EncodeError> {
            self.protobuf_source().escaped(escaping).len()
        }
    };
}

impl<'a, const N: usize> Registry<'a, N> {
    registry_methods!();

    fn protobuf_source(&self) -> Source<'_> {
        Source {
            metrics: self.families(),
            namespace: self.namespace(),
            const_labels: self.const_labels(),
            created: self.writes_created(),
            escaping: crate::Escaping::Underscores,
        }
    }
}

impl<const N: usize> StaticRegistry<N> {
    registry_methods!();

    fn protobuf_source(&self) -> Source<'_> {
        Source {
            metrics: self.families(),
            namespace: self.namespace(),
            const_labels: self.const_labels(),
            created: true,
            escaping: crate::Escaping::Underscores,
        }
    }
}
