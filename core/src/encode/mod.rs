//! Exposition: Prometheus text 0.0.4 ([`text`]) and OpenMetrics 1.0.0 ([`openmetrics`]), written
//! into a caller's `&mut [u8]` or any [`core::fmt::Write`], without allocation.
//!
//! Most users call [`Registry::encode`](crate::Registry::encode). The [`Encoder`] is public so
//! that other crates (the std and embedded adapters, or your own metric types) can implement
//! [`Collect`](crate::Collect) and write families that are exactly as valid as the built-in ones.
//!
//! # How it is built
//! The data path is metric -> registry -> [`Encoder`] -> format -> output:
//! - a [`Collect`](crate::Collect) (a metric, a family, or your own) hands the encoder its
//!   family (description, type) and its series, each a [`Series`] with [`Labels`];
//! - the encoder walks them in the sample model of `syntax.rs` (family header, series,
//!   samples, end of document), adding the registry's namespace and constant labels;
//! - the format, one file implementing `Syntax` (`text.rs`, `openmetrics.rs`), decides what
//!   each step writes; the text formats share their lines (`text_lines.rs`), digits
//!   (`digits.rs`), floats (`float.rs`), escaping (`label_value/`) and bucket lines
//!   (`bucket_lines/`);
//! - the output (`out.rs`) is a byte buffer written in place or any `fmt::Write`; writing
//!   never fails midway: a failing writer is remembered and reported at the end.
//!
//! # Adding a format
//! Add a file beside `text.rs` with a zero-sized type implementing `Syntax` (its family
//! header, where `_created` goes, the end of the document, and, for a format that is not
//! Prometheus-style text, the sample methods, which default to text lines), a variant of
//! [`Format`] with its content type, and one arm in the `dispatch!` macro of `syntax.rs`.
//! Nothing else changes: metrics, families and registries do not know formats.
//!
//! # Names of the methods
//! `write_*` methods are public, return [`fmt::Result`] and can be used by any
//! [`Collect`](crate::Collect); `put_*` methods are the crate's own: typed at compile time
//! (so that only the formatting a firmware uses is linked) and infallible, a failing writer
//! being reported by the `write_*` method or the registry that called them.

mod bucket_lines;
#[cfg(any(feature = "remote-write", feature = "protobuf"))]
mod byte_write;
pub(crate) mod digits;
mod escaping;
pub(crate) mod exemplar;
pub(crate) mod float;
pub(crate) mod float32;
pub(crate) mod label_value;
mod labels;
#[cfg(any(feature = "remote-write", feature = "protobuf"))]
pub(crate) mod name_parts;
#[cfg(any(feature = "remote-write", feature = "protobuf"))]
pub(crate) mod native_spans;
mod negotiate;
pub mod openmetrics;
mod out;
#[cfg(feature = "protobuf")]
#[cfg_attr(docsrs, doc(cfg(feature = "protobuf")))]
pub mod protobuf;
#[cfg(feature = "remote-write")]
#[cfg_attr(docsrs, doc(cfg(feature = "remote-write")))]
pub mod remote_write;
pub(crate) mod syntax;
pub mod text;
pub(crate) mod text_lines;
pub(crate) mod value;
#[cfg(any(feature = "remote-write", feature = "protobuf"))]
pub(crate) mod wire;

use core::fmt::{self, Write};
use core::time::Duration;

use self::bucket_lines::BucketCache;
#[cfg(any(feature = "remote-write", feature = "protobuf"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "remote-write", feature = "protobuf"))))]
pub use self::byte_write::ByteWrite;
pub use self::escaping::Escaping;
use self::label_value::{escaped, LabelValue};
pub use self::labels::Labels;
pub(crate) use self::labels::StoredLabels;
pub use self::negotiate::{negotiate, Negotiated, ScrapeFormat};
pub(crate) use self::out::Out;
pub use self::out::SliceWriter;
pub(crate) use self::syntax::NativeWritten;
use self::syntax::{dispatch, CreatedPlacement, Kind};
use self::value::sealed::WriteValue;
pub use self::value::SampleValue;

/// A native histogram series' buckets as a format writes them: count, schema, zero bucket,
/// and per sign the first index and the counts from there on (zeros included). The sum is
/// handed beside it, as the histogram's value type.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(
    not(any(feature = "protobuf", feature = "remote-write")),
    allow(dead_code)
)] // only the binary formats read them
pub(crate) struct NativeBuckets<'a> {
    /// Every bucket's count and the zero bucket's (remote write's `count_int`).
    #[cfg_attr(not(feature = "remote-write"), allow(dead_code))]
    pub(crate) count: u64,
    pub(crate) schema: i8,
    pub(crate) zero_threshold: f64,
    pub(crate) zero_count: u64,
    pub(crate) positive: (i32, &'a [u64]),
    pub(crate) negative: (i32, &'a [u64]),
}
use crate::name::{Desc, MetricType};

/// An exposition format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Prometheus text format 0.0.4, what the Pushgateway and every Prometheus accept.
    Prometheus,
    /// OpenMetrics 1.0.0, with `# EOF`, `# UNIT`, `_created` and native info/stateset types.
    OpenMetrics,
    /// Prometheus text format 1.0.0: the lines of 0.0.4, and names outside the legacy
    /// character set written quoted when the encoder's escaping is
    /// [`Escaping::AllowUtf8`] (`{"my.metric","http.method"="get"} 1`). Added in 0.2: an
    /// exhaustive `match` on `Format` needs an arm for it.
    PrometheusV1,
}

impl Format {
    /// The HTTP `Content-Type` of a document in this format.
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Prometheus => text::CONTENT_TYPE,
            Format::OpenMetrics => openmetrics::CONTENT_TYPE,
            Format::PrometheusV1 => text::CONTENT_TYPE_V1,
        }
    }
}

/// Encoding into a buffer failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// The buffer is too small; the whole document needs `needed` bytes. Nothing in the buffer
    /// should be used.
    BufferTooSmall {
        /// Bytes the complete document needs.
        needed: usize,
    },
    /// A collector or the writer failed.
    Write,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::BufferTooSmall { needed } => {
                write!(f, "buffer too small: the exposition needs {needed} bytes")
            }
            EncodeError::Write => f.write_str("a collector or the writer failed"),
        }
    }
}

impl core::error::Error for EncodeError {}

/// One series as the encoder reads it, whatever its type: what a
/// [`State`](crate::State) writes. Object-safe, so that families of any state type are read
/// through it.
pub trait Series {
    /// Writes this series' samples (not `_created`, which the encoder adds).
    fn write_samples(
        &self,
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
    ) -> fmt::Result;
    /// When this series was created, if known.
    fn created(&self) -> Option<Duration> {
        None
    }
}

/// The series of a [`Metric`](crate::Metric) (one) or a [`Family`](crate::Family), read by
/// index, in a stable order.
pub(crate) trait SeriesTable {
    /// How many series may be read (some may not be ready yet).
    fn series_count(&self) -> usize;
    /// The `i`th series with its labels, when it is ready.
    fn series(&self, i: usize) -> Option<(Labels<'_>, &dyn Series)>;
}

/// Writes metric families in one format, with the registry's namespace and constant labels.
pub struct Encoder<'w> {
    out: Out<'w>,
    kind: Kind,
    namespace: &'w str,
    const_labels: &'w [(&'w str, &'w str)],
    created: bool,
    /// How names outside the legacy character set are written.
    escaping: Escaping,
    /// Whether the format and escaping write such names quoted.
    quote_utf8: bool,
    /// Whether a series of the family being written knows its creation time.
    any_created: bool,
    #[cfg_attr(edgeprom_small_code, allow(dead_code))] // nothing is cached on bare metal
    buckets: BucketCache,
    /// Remote write's request: timestamp, metadata, the length measured in a first pass.
    #[cfg(feature = "remote-write")]
    rw: remote_write::Pass,
    /// The protobuf exposition's state: the messages open, their lengths.
    #[cfg(feature = "protobuf")]
    pb: protobuf::Pass,
}

impl fmt::Debug for Encoder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Encoder")
            .field("format", &self.kind)
            .field("namespace", &self.namespace)
            .field("const_labels", &self.const_labels)
            .field("created", &self.created)
            .finish_non_exhaustive()
    }
}

impl<'w> Encoder<'w> {
    /// An encoder with no namespace, no constant labels, and `_created` samples on.
    pub fn new(out: &'w mut dyn Write, format: Format) -> Self {
        Self::with_out(Out::new(out), format, "", &[], true)
    }

    /// An encoder writing into `buf`; [`finish_slice`](Self::finish_slice) tells the length.
    pub(crate) fn for_slice(
        buf: &'w mut [u8],
        format: Format,
        namespace: &'w str,
        const_labels: &'w [(&'w str, &'w str)],
        created: bool,
    ) -> Self {
        let out = Out::Slice(SliceWriter::new(buf));
        Self::with_out(out, format, namespace, const_labels, created)
    }

    pub(crate) fn with_out(
        out: Out<'w>,
        format: Format,
        namespace: &'w str,
        const_labels: &'w [(&'w str, &'w str)],
        created: bool,
    ) -> Self {
        Encoder {
            out,
            kind: Kind::of(format),
            namespace,
            const_labels,
            created,
            escaping: Escaping::Underscores,
            quote_utf8: false,
            any_created: false,
            buckets: BucketCache::new(),
            #[cfg(feature = "remote-write")]
            rw: remote_write::Pass::NONE,
            #[cfg(feature = "protobuf")]
            pb: protobuf::Pass::NONE,
        }
    }

    /// Prefixes every metric name with `namespace_` (`""` for none). The caller validates it.
    pub fn with_namespace(mut self, namespace: &'w str) -> Self {
        self.namespace = namespace;
        self
    }

    /// Adds these labels, first, to every series. The caller validates the names.
    pub fn with_const_labels(mut self, labels: &'w [(&'w str, &'w str)]) -> Self {
        self.const_labels = labels;
        self
    }

    /// Whether `_created` samples are written for metrics that know their creation time
    /// (on by default; in Prometheus text they form a separate gauge family, as Python's client
    /// writes them).
    pub fn with_created(mut self, created: bool) -> Self {
        self.created = created;
        self
    }

    /// Writes names outside the legacy character set by `escaping` (the default is
    /// [`Escaping::Underscores`]); [`Escaping::AllowUtf8`] quotes them in
    /// [`Format::PrometheusV1`] and [`Format::OpenMetrics`], writes them as they are in the
    /// protobuf exposition, and is `underscores` in text 0.0.4 and in remote write 1.0
    /// (whose receivers take only legacy names: it escapes the metric and label names by
    /// this scheme, as the text formats do).
    pub fn with_escaping(mut self, escaping: Escaping) -> Self {
        self.escaping = match escaping {
            Escaping::AllowUtf8 if !self.kind.carries_utf8() => Escaping::Underscores,
            e => e,
        };
        self.quote_utf8 = self.escaping == Escaping::AllowUtf8
            && matches!(self.kind, Kind::PrometheusV1 | Kind::OpenMetrics);
        self
    }

    /// How names outside the legacy character set are written.
    pub fn escaping(&self) -> Escaping {
        self.escaping
    }

    /// The format being written.
    pub fn format(&self) -> Format {
        self.kind.format()
    }

    /// Whether every write so far succeeded (the crate's own metrics write without checking).
    pub(crate) fn status(&self) -> fmt::Result {
        self.out.status()
    }

    /// For an encoder made by [`for_slice`](Self::for_slice): the length written, or
    /// [`EncodeError::BufferTooSmall`] with the length needed.
    pub(crate) fn finish_slice(self) -> Result<usize, EncodeError> {
        match self.out {
            Out::Slice(w) => w.finish(),
            _ => Err(EncodeError::Write),
        }
    }

    /// Writes `s` unchanged.
    pub fn write_raw(&mut self, s: &str) -> fmt::Result {
        #[cfg(feature = "remote-write")]
        if self.kind == Kind::RemoteWrite {
            return Err(fmt::Error); // text has no place in a protobuf message
        }
        #[cfg(feature = "protobuf")]
        if self.kind == Kind::Protobuf {
            return Err(fmt::Error);
        }
        self.out.put(s);
        self.out.status()
    }

    /// Writes a family's metadata (`# HELP` and `# TYPE`, and `# UNIT` in OpenMetrics), for a
    /// family whose samples follow through [`write_sample`](Self::write_sample).
    pub fn write_header(&mut self, desc: &Desc<'_>, ty: MetricType) -> fmt::Result {
        self.put_header(desc, ty);
        self.out.status()
    }

    /// Writes one sample: the family name plus `suffix`, the constant labels, `labels`, an
    /// optional extra label (`le`, `quantile`) and the value.
    pub fn write_sample(
        &mut self,
        desc: &Desc<'_>,
        suffix: &str,
        labels: &Labels<'_>,
        extra: Option<(&str, &str)>,
        value: SampleValue,
    ) -> fmt::Result {
        dispatch!(syntax self, sample_value(desc, suffix, labels, extra.as_ref(), value));
        self.out.status()
    }

    /// Writes one sample of a state set: `<name>{...,<name>="<state>"} <value>`, where the
    /// label is named after the family, namespace included, as OpenMetrics requires of state
    /// sets (and as Python's client writes them in both formats).
    pub fn write_state_sample(
        &mut self,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        state: &str,
        value: bool,
    ) -> fmt::Result {
        self.put_state_sample(desc, labels, state, u64::from(value));
        self.out.status()
    }

    /// Writes a whole family of type `ty`: the header, every series' samples and, when enabled
    /// and known, their `_created` samples. `each` calls its argument once per series, in a
    /// stable order (it is called twice in formats that write `_created` samples as a family
    /// of their own).
    pub fn write_family<E>(&mut self, desc: &Desc<'_>, ty: MetricType, each: E) -> fmt::Result
    where
        E: Fn(&mut dyn FnMut(&Labels<'_>, &dyn Series) -> fmt::Result) -> fmt::Result,
    {
        self.passes(desc, ty, |enc, created_pass| {
            each(&mut |labels, s| enc.series(desc, labels, s, created_pass))
        })
    }

    /// Writes the family of `c`. For the text formats this is `c.encode(self)`; a streamed
    /// protobuf encoder (`Encoder::protobuf`, feature `protobuf`) measures the family first,
    /// as it writes its length before it.
    pub fn write_collector(&mut self, c: &dyn crate::Collect) -> fmt::Result {
        #[cfg(feature = "protobuf")]
        if let Some(f) = self.pb.fns {
            return (f.collector)(self, c);
        }
        c.encode(self)
    }

    /// Ends the document (`# EOF` in OpenMetrics, nothing in Prometheus text). A streamed
    /// protobuf encoder (`Encoder::protobuf`, feature `protobuf`) also fails here when a
    /// family or series came out with another length than it was measured with (a metric
    /// changed in between): what was written is not a valid document.
    pub fn finish(&mut self) -> fmt::Result {
        dispatch!(self, document_end());
        #[cfg(feature = "protobuf")]
        if self.pb.fns.is_some() {
            return self.pb_status().map_err(|_| fmt::Error);
        }
        self.out.status()
    }

    /// [`write_header`](Self::write_header) without the check.
    // Out of line on bare metal: its locals would otherwise enlarge the frame every series is
    // written from.
    #[cfg_attr(edgeprom_small_code, inline(never))]
    pub(crate) fn put_header(&mut self, desc: &Desc<'_>, ty: MetricType) {
        dispatch!(self, family_header(desc, ty));
    }

    /// One sample of a value typed at compile time (see the module docs on `put_*`).
    pub(crate) fn put_sample<V: WriteValue>(
        &mut self,
        desc: &Desc<'_>,
        suffix: &str,
        labels: &Labels<'_>,
        value: V,
    ) {
        dispatch!(syntax self, sample(desc, suffix, labels, None, value));
    }

    /// One sample of a state set, `value` being 0 or 1.
    pub(crate) fn put_state_sample(
        &mut self,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        state: &str,
        value: u64,
    ) {
        dispatch!(syntax self, state_sample(desc, labels, state, value));
    }

    /// What [`put_native`](Self::put_native) would write of a native histogram in this
    /// encoder's format.
    pub(crate) fn native_support(&self) -> NativeWritten {
        match self.kind {
            #[cfg(feature = "protobuf")]
            Kind::Protobuf => NativeWritten::Buckets,
            #[cfg(feature = "remote-write")]
            Kind::RemoteWrite => NativeWritten::Series,
            _ => NativeWritten::Nothing,
        }
    }

    /// Whether this format writes exemplars (OpenMetrics and the protobuf exposition): a
    /// metric that keeps them reads them only then.
    pub(crate) fn writes_exemplars(&self) -> bool {
        match self.kind {
            Kind::OpenMetrics => true,
            #[cfg(feature = "protobuf")]
            Kind::Protobuf => true,
            _ => false,
        }
    }

    /// One sample with its series' latest exemplar (a counter's `_total`), written where the
    /// format has exemplars.
    pub(crate) fn put_sample_exemplar<V: WriteValue>(
        &mut self,
        desc: &Desc<'_>,
        suffix: &str,
        labels: &Labels<'_>,
        value: V,
        exemplar: &exemplar::ExemplarRef<'_, V>,
    ) {
        dispatch!(syntax self, sample_exemplar(desc, suffix, labels, value, exemplar));
    }

    /// [`put_bucket_samples`](Self::put_bucket_samples) with each bucket's latest exemplar,
    /// visited by `exemplars`, written where the format has exemplars.
    pub(crate) fn put_bucket_samples_exemplars<V: WriteValue>(
        &mut self,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        bounds: &'static [V],
        cumulative: &mut dyn FnMut() -> Option<u64>,
        exemplars: exemplar::BucketExemplars<'_, V>,
    ) {
        dispatch!(syntax self, bucket_samples_exemplars(desc, labels, bounds, cumulative, exemplars));
    }

    /// A native histogram series (its buckets, count and `sum`), for the formats that have
    /// them; what the format wrote of it (the text formats nothing).
    pub(crate) fn put_native<V: WriteValue>(
        &mut self,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        buckets: &NativeBuckets<'_>,
        sum: V,
    ) -> NativeWritten {
        dispatch!(syntax self, native(desc, labels, buckets, sum))
    }

    /// The `_bucket` samples of one histogram series: one per bound of `bounds` and then
    /// `+Inf`, with the cumulative counts `cumulative` yields (one more than there are
    /// bounds).
    pub(crate) fn put_bucket_samples<V: WriteValue>(
        &mut self,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        bounds: &'static [V],
        cumulative: &mut dyn FnMut() -> Option<u64>,
    ) {
        dispatch!(syntax self, bucket_samples(desc, labels, bounds, cumulative));
    }

    /// A whole family of this crate's metrics and families, whose series are read by index: a
    /// loop here rather than a callback from the family, so there is no closure code and no
    /// closure frames between the encoder and the series.
    #[inline(always)]
    pub(crate) fn put_family(
        &mut self,
        desc: &Desc<'_>,
        ty: MetricType,
        table: &dyn SeriesTable,
    ) -> fmt::Result {
        self.passes(desc, ty, |enc, created_pass| {
            for i in 0..table.series_count() {
                if let Some((labels, s)) = table.series(i) {
                    enc.series(desc, &labels, s, created_pass)?;
                }
            }
            Ok(())
        })
    }

    /// A family: the header, then `pass(self, false)` over every series, then, when their
    /// `_created` samples form a family of their own, its header and `pass(self, true)`.
    #[inline(always)] // a loop around its caller's closure, not a call per pass
    fn passes(
        &mut self,
        desc: &Desc<'_>,
        ty: MetricType,
        mut pass: impl FnMut(&mut Self, bool) -> fmt::Result,
    ) -> fmt::Result {
        self.put_header(desc, ty);
        self.any_created = false;
        for created_pass in [false, true] {
            if created_pass && !self.created_family(desc, ty) {
                break;
            }
            pass(self, created_pass)?;
        }
        self.out.status()
    }

    /// After a family's series: whether their `_created` samples follow as a family of their
    /// own; if so, writes its header.
    fn created_family(&mut self, desc: &Desc<'_>, ty: MetricType) -> bool {
        let due = cfg!(feature = "created")
            && self.any_created
            && self.created
            && ty.has_created()
            && dispatch!(self, created_placement()) == CreatedPlacement::OwnFamily;
        if due {
            dispatch!(self, created_family_header(desc));
        }
        due
    }

    /// One series' samples and `_created` sample, or only the latter (`created_pass`).
    #[inline(always)]
    fn series(
        &mut self,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        s: &dyn Series,
        created_pass: bool,
    ) -> fmt::Result {
        // A protobuf `Metric` around the series' samples (through its table: an encoder of
        // another format links none of it).
        #[cfg(feature = "protobuf")]
        if let Some(f) = self.pb.fns {
            return (f.series)(self, desc, labels, s);
        }
        if !created_pass {
            s.write_samples(self, desc, labels)?;
        }
        // Not even read when none is written (remote write, `with_created(false)`): both
        // the `_created` sample and the family of them need `created` on.
        if cfg!(feature = "created") && self.created {
            self.created_sample(desc, labels, s, created_pass);
        }
        Ok(())
    }

    /// After a series' samples (`created_pass` false), or in the `_created` family of its
    /// own (true): its `_created` sample, when it has one and it goes here.
    // Out of line: its locals would otherwise enlarge the frame every series is written from.
    #[inline(never)]
    fn created_sample(
        &mut self,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        s: &dyn Series,
        created_pass: bool,
    ) {
        let Some(at) = s.created() else {
            return;
        };
        self.any_created = true;
        let here = created_pass
            || (self.created
                && dispatch!(self, created_placement()) == CreatedPlacement::AfterSeries);
        if here {
            dispatch!(syntax self, created_sample(desc, labels, at));
        }
    }
}

/// Writes `s` with `\`, `"` and newline escaped, as every text format requires in label values.
pub fn write_escaped_label_value(out: &mut dyn Write, s: &str) -> fmt::Result {
    write_escaped(out, s, true)
}

/// Writes `s` escaping `\` and newline, and `"` too when `quotes` is set.
pub(crate) fn write_escaped(out: &mut dyn Write, s: &str, quotes: bool) -> fmt::Result {
    let mut out = Out::new(out);
    escaped(&mut out, LabelValue::str(s), quotes);
    out.status()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        let mut s: heapless::String<64> = heapless::String::new();
        write_escaped_label_value(&mut s, "a\\b\"c\nd é").unwrap();
        assert_eq!(s, "a\\\\b\\\"c\\nd é");
        s.clear();
        write_escaped(&mut s, "q\"\\", false).unwrap();
        assert_eq!(s, "q\"\\\\");
    }

    #[test]
    fn content_types() {
        assert_eq!(
            Format::Prometheus.content_type(),
            "text/plain; version=0.0.4; charset=utf-8"
        );
        assert_eq!(
            Format::OpenMetrics.content_type(),
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
        );
    }

    #[test]
    fn errors_display() {
        let mut s: heapless::String<80> = heapless::String::new();
        write!(s, "{}", EncodeError::BufferTooSmall { needed: 99 }).unwrap();
        assert_eq!(s, "buffer too small: the exposition needs 99 bytes");
    }
}
