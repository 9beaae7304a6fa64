//! Exposition: Prometheus text 0.0.4 ([`text`]) and OpenMetrics 1.0.0 ([`openmetrics`]), written
//! into a caller's `&mut [u8]` or any [`core::fmt::Write`], without allocation.
//!
//! Most users call [`Registry::encode`](crate::Registry::encode). The [`Encoder`] is public so
//! that other crates (the std and embedded adapters, or your own metric types) can implement
//! [`Collect`](crate::Collect) and write families that are exactly as valid as the built-in ones.

#[cfg(not(edgeprom_small_code))]
mod le;
mod line;
pub mod openmetrics;
pub mod text;

use core::fmt::{self, Write};
use core::time::Duration;

#[cfg(edgeprom_small_code)]
use portable_atomic::AtomicU8;

use crate::metric::{MetricType, State};
use crate::name::Desc;
use crate::number::sealed::Sealed as _;
use crate::number::{put_timestamp, Number, SampleValue};

/// An exposition format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Prometheus text format 0.0.4, what the Pushgateway and every Prometheus accept.
    Prometheus,
    /// OpenMetrics 1.0.0, with `# EOF`, `# UNIT`, `_created` and native info/stateset types.
    OpenMetrics,
}

impl Format {
    /// The HTTP `Content-Type` of a document in this format.
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Prometheus => text::CONTENT_TYPE,
            Format::OpenMetrics => openmetrics::CONTENT_TYPE,
        }
    }
}

/// Encoding into a buffer failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// A [`Write`] into a byte slice that never fails: past the end it keeps counting, so that the
/// caller learns the size the whole document needs.
#[derive(Debug)]
pub struct SliceWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> SliceWriter<'b> {
    /// A writer at the start of `buf`.
    pub fn new(buf: &'b mut [u8]) -> Self {
        SliceWriter { buf, len: 0 }
    }

    /// Bytes written so far, or that would have been written.
    pub fn needed(&self) -> usize {
        self.len
    }

    /// The written length, or [`EncodeError::BufferTooSmall`] when anything did not fit.
    pub fn finish(self) -> Result<usize, EncodeError> {
        if self.len <= self.buf.len() {
            Ok(self.len)
        } else {
            Err(EncodeError::BufferTooSmall { needed: self.len })
        }
    }

    /// Appends `s` (or counts it, past the end).
    #[inline]
    fn put(&mut self, s: &[u8]) {
        let end = self.len.saturating_add(s.len());
        if let Some(dst) = self.buf.get_mut(self.len..end) {
            copy(dst, s);
        }
        self.len = end;
    }

    /// Appends `b` (or counts it, past the end).
    #[inline]
    fn put_byte(&mut self, b: u8) {
        if let Some(dst) = self.buf.get_mut(self.len) {
            *dst = b;
        }
        self.len = self.len.saturating_add(1);
    }

    /// Appends a copy of the `len` bytes at `at`, which this writer wrote earlier (or counts
    /// them, past the end).
    fn repeat(&mut self, at: usize, len: usize) {
        let end = self.len.saturating_add(len);
        if end <= self.buf.len() {
            let (done, free) = self.buf.split_at_mut(self.len);
            let src = at.checked_add(len).and_then(|e| done.get(at..e));
            if let (Some(src), Some(dst)) = (src, free.get_mut(..len)) {
                copy(dst, src);
            }
        }
        self.len = end;
    }
}

impl Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.put(s.as_bytes());
        Ok(())
    }
}

/// `dst.copy_from_slice(src)` for slices of equal length. On a host, the short copies that
/// make up most of a line (names, labels, numbers) are done inline, as one or two overlapping
/// moves, instead of calling `memcpy`.
#[inline]
fn copy(dst: &mut [u8], src: &[u8]) {
    #[cfg(not(edgeprom_small_code))]
    {
        fn both<const K: usize>(dst: &mut [u8], src: &[u8]) {
            if let (Some(d), Some(s)) = (dst.first_chunk_mut::<K>(), src.first_chunk::<K>()) {
                *d = *s;
            }
            if let (Some(d), Some(s)) = (dst.last_chunk_mut::<K>(), src.last_chunk::<K>()) {
                *d = *s;
            }
        }
        match src.len() {
            0 => {}
            n @ 1..=3 => {
                // First, middle and last byte cover 1, 2 and 3 bytes alike.
                for i in [0, n / 2, n - 1] {
                    if let (Some(d), Some(s)) = (dst.get_mut(i), src.get(i)) {
                        *d = *s;
                    }
                }
            }
            4..=7 => both::<4>(dst, src),
            8..=16 => both::<8>(dst, src),
            17..=32 => both::<16>(dst, src),
            _ => dst.copy_from_slice(src),
        }
    }
    // A byte loop, kept from being turned into a `memcpy` call: lines are short, and
    // `memcpy` would be the largest routine of a small firmware.
    #[cfg(edgeprom_small_code)]
    for (d, s) in dst.iter_mut().zip(src) {
        *d = core::hint::black_box(*s);
    }
}

/// The labels of one series: names and values, in order.
#[derive(Debug, Clone, Copy)]
pub struct Labels<'a> {
    names: &'a [&'a str],
    values: Values<'a>,
}

/// The values of [`Labels`].
#[derive(Clone, Copy)]
enum Values<'a> {
    Str(&'a [&'a str]),
    /// The values a [`Family`](crate::Family) keeps for one series.
    Stored(&'a dyn StoredValues),
}

impl fmt::Debug for Values<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Values::Str(v) => v.fmt(f),
            Values::Stored(_) => f.write_str("[stored]"),
        }
    }
}

/// Label values kept by a family, read one at a time (they are not `&str`s on bare metal).
pub(crate) trait StoredValues {
    /// The `i`th value.
    fn value(&self, i: usize) -> Option<Value<'_>>;
}

/// One label value.
#[derive(Clone, Copy)]
pub(crate) enum Value<'a> {
    Str(&'a str),
    #[cfg(edgeprom_small_code)]
    Stored(&'a [AtomicU8]),
}

impl<'a> Labels<'a> {
    /// No labels.
    pub const EMPTY: Labels<'static> = Labels {
        names: &[],
        values: Values::Str(&[]),
    };

    /// Pairs names with values; extra names or values on either side are ignored.
    pub const fn new(names: &'a [&'a str], values: &'a [&'a str]) -> Self {
        Labels {
            names,
            values: Values::Str(values),
        }
    }

    /// Pairs names with the values a family stores.
    pub(crate) const fn stored(names: &'a [&'a str], values: &'a dyn StoredValues) -> Self {
        Labels {
            names,
            values: Values::Stored(values),
        }
    }

    /// The `i`th pair.
    fn get(&self, i: usize) -> Option<(&'a str, Value<'a>)> {
        let name = *self.names.get(i)?;
        let value = match self.values {
            Values::Str(v) => Value::Str(v.get(i)?),
            Values::Stored(v) => v.value(i)?,
        };
        Some((name, value))
    }
}

/// Where an [`Encoder`] writes: every byte of a document goes through [`Out::put`].
///
/// Writing never returns an error: a writer that fails is remembered (and not written to
/// again), and [`status`](Self::status) reports it when the encoder is done with what it was
/// asked to write. Lines are made of many short writes, and without a test and a branch after
/// each of them the encoder is much smaller.
pub(crate) enum Out<'w> {
    /// Any writer, and whether it failed.
    Dyn(&'w mut dyn Write, bool),
    /// A byte buffer ([`Registry::encode`](crate::Registry::encode)): written in place.
    Slice(SliceWriter<'w>),
}

impl<'w> Out<'w> {
    /// Any writer, not failed yet.
    pub(crate) fn new(w: &'w mut dyn Write) -> Self {
        Out::Dyn(w, false)
    }

    /// Writes `s`.
    // Inlined where speed matters; one copy on bare metal, where flash does.
    #[cfg_attr(not(edgeprom_small_code), inline)]
    #[cfg_attr(edgeprom_small_code, inline(never))]
    pub(crate) fn put(&mut self, s: &str) {
        match self {
            Out::Slice(w) => w.put(s.as_bytes()),
            Out::Dyn(w, failed) => {
                if !*failed {
                    *failed = w.write_str(s).is_err();
                }
            }
        }
    }

    /// Writes one ASCII byte (a digit).
    #[cfg_attr(edgeprom_small_code, inline(never))]
    pub(crate) fn put_byte(&mut self, b: u8) {
        match self {
            Out::Slice(w) => w.put_byte(b),
            Out::Dyn(w, failed) => {
                if !*failed {
                    *failed = w.write_char(char::from(b)).is_err();
                }
            }
        }
    }

    /// Whether every write so far succeeded.
    pub(crate) fn status(&self) -> fmt::Result {
        match self {
            Out::Dyn(_, true) => Err(fmt::Error),
            _ => Ok(()),
        }
    }

    /// How much a byte buffer holds so far (`None` for any other writer).
    fn pos(&self) -> Option<usize> {
        match self {
            Out::Slice(w) => Some(w.len),
            Out::Dyn(..) => None,
        }
    }
}

/// Writes metric families in one format, with the registry's namespace and constant labels.
pub struct Encoder<'w> {
    out: Out<'w>,
    format: Format,
    namespace: &'w str,
    const_labels: &'w [(&'w str, &'w str)],
    created: bool,
    /// Whether a series of the family being written knows its creation time.
    any_created: bool,
    /// The `le` strings of the float bounds seen last (on a host).
    #[cfg(not(edgeprom_small_code))]
    le: le::LeCache,
}

impl fmt::Debug for Encoder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Encoder")
            .field("format", &self.format)
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
            format,
            namespace,
            const_labels,
            created,
            any_created: false,
            #[cfg(not(edgeprom_small_code))]
            le: le::LeCache::new(),
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

    /// Whether every write so far succeeded (the crate's own metrics write without checking).
    pub(crate) fn status(&self) -> fmt::Result {
        self.out.status()
    }

    /// The format being written.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Writes `s` unchanged.
    pub fn write_raw(&mut self, s: &str) -> fmt::Result {
        self.out.put(s);
        self.out.status()
    }

    /// For an encoder made by [`for_slice`](Self::for_slice): the length written, or
    /// [`EncodeError::BufferTooSmall`] with the length needed.
    pub(crate) fn finish_slice(self) -> Result<usize, EncodeError> {
        match self.out {
            Out::Slice(w) => w.finish(),
            Out::Dyn(..) => Err(EncodeError::Write),
        }
    }

    /// Writes a family's metadata: `# HELP` and `# TYPE`, and `# UNIT` in OpenMetrics.
    pub fn header(&mut self, desc: &Desc<'_>, ty: MetricType) -> fmt::Result {
        self.put_header(desc, ty);
        self.out.status()
    }

    // Out of line on bare metal: its locals would otherwise enlarge the frame every series is
    // written from.
    #[cfg_attr(edgeprom_small_code, inline(never))]
    fn put_header(&mut self, desc: &Desc<'_>, ty: MetricType) {
        match self.format {
            Format::Prometheus => {
                self.text_header(desc, text::header_suffix(ty), text::type_name(ty))
            }
            Format::OpenMetrics => {
                self.meta("# TYPE ", desc, "", openmetrics::type_name(ty), false);
                if let Some(unit) = desc.unit() {
                    self.meta("# UNIT ", desc, "", unit, false);
                }
                self.meta("# HELP ", desc, "", desc.help(), true);
            }
        }
    }

    /// `# HELP` and `# TYPE` in Prometheus text, for the family name with `suffix`.
    fn text_header(&mut self, desc: &Desc<'_>, suffix: &str, type_name: &str) {
        self.meta("# HELP ", desc, suffix, desc.help(), false);
        self.meta("# TYPE ", desc, suffix, type_name, false);
    }

    /// Writes one sample line: the family name plus `suffix`, the constant labels, `labels`, an
    /// optional extra label (`le`, `quantile`, or a stateset's state) and the value.
    pub fn sample(
        &mut self,
        desc: &Desc<'_>,
        suffix: &str,
        labels: &Labels<'_>,
        extra: Option<(&str, &str)>,
        value: SampleValue,
    ) -> fmt::Result {
        self.head(desc, suffix, labels, extra.as_ref());
        value.put(&mut self.out);
        self.out.put("\n");
        self.out.status()
    }

    /// [`sample`](Self::sample) for a value whose type is known at compile time: the metrics
    /// of this crate write through it, so that only the formatting they need is linked. A
    /// failing writer is reported at the end of the family.
    pub(crate) fn sample_of<V: Number>(
        &mut self,
        desc: &Desc<'_>,
        suffix: &str,
        labels: &Labels<'_>,
        value: V,
    ) {
        self.head(desc, suffix, labels, None);
        value.put(&mut self.out);
        self.out.put("\n");
    }

    /// Writes one sample of a state set: `<name>{...,<name>="<state>"} <value>`, where the label
    /// is named after the family, namespace included, as OpenMetrics requires of state sets
    /// (and as Python's client writes them in both formats).
    pub fn state_sample(
        &mut self,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        state: &str,
        value: SampleValue,
    ) -> fmt::Result {
        self.state_head(desc, labels, state);
        value.put(&mut self.out);
        self.out.put("\n");
        self.out.status()
    }

    /// [`state_sample`](Self::state_sample) with an integer value.
    pub(crate) fn state_sample_of(
        &mut self,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        state: &str,
        value: u64,
    ) {
        self.state_head(desc, labels, state);
        value.put(&mut self.out);
        self.out.put("\n");
    }

    /// Writes the `_bucket` lines of one histogram series: one per bound of `bounds` and
    /// then `+Inf`, with the cumulative counts `cumulative` yields (one more than there are
    /// bounds). The same lines as [`sample`](Self::sample) with `("le", bound)` writes, but
    /// in a buffer the name and labels are written once per series, and float bounds are
    /// formatted once for all the series that share them.
    pub(crate) fn bucket_lines<V: Number>(
        &mut self,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        bounds: &'static [V],
        cumulative: &mut dyn FnMut() -> Option<u64>,
    ) {
        let le = |i: usize, out: &mut Out<'_>| match bounds.get(i) {
            Some(b) => b.put_canonical(out),
            None => out.put("+Inf"),
        };
        // Integer bounds are cheap to format: no caching, and no caching code linked.
        let key = V::FLOAT.then_some((bounds.as_ptr() as usize, bounds.len()));
        self.buckets(desc, labels, key, &le, cumulative);
    }

    /// Writes a whole family of `T`s: the header, every series' samples and, when enabled and
    /// known, their `_created` samples (inline in OpenMetrics, as a following gauge family in
    /// Prometheus text). `each` calls its argument once per series, in a stable order.
    pub fn family<T, E>(&mut self, desc: &Desc<'_>, each: E) -> fmt::Result
    where
        T: State,
        E: Fn(&mut dyn FnMut(&Labels<'_>, &T) -> fmt::Result) -> fmt::Result,
    {
        self.passes(desc, T::TYPE, |enc, created_pass| {
            each(&mut |labels, s| enc.series(desc, labels, s, created_pass))
        })
    }

    /// [`family`](Self::family) for this crate's metrics and families, whose series are read
    /// by index: a loop here rather than a callback from the family, so there is no closure
    /// code and no closure frames between the encoder and the series.
    pub(crate) fn family_of(
        &mut self,
        desc: &Desc<'_>,
        ty: MetricType,
        table: &dyn SeriesTable,
    ) -> fmt::Result {
        self.passes(desc, ty, |enc, created_pass| {
            for i in 0..table.len() {
                if let Some((labels, s)) = table.get(i) {
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

    /// After a family's series: whether their `_created` samples follow, as a gauge family
    /// of their own (Prometheus text); if so, writes its header.
    fn created_family(&mut self, desc: &Desc<'_>, ty: MetricType) -> bool {
        let due = cfg!(feature = "created")
            && self.any_created
            && self.created
            && self.format == Format::Prometheus
            && ty.has_created();
        if due {
            self.text_header(desc, "_created", "gauge");
        }
        due
    }

    /// One series' samples and `_created` sample, or only the latter (`created_pass`).
    #[inline(always)]
    fn series(
        &mut self,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        s: &dyn AnySeries,
        created_pass: bool,
    ) -> fmt::Result {
        if !created_pass {
            s.write_samples(self, desc, labels)?;
        }
        if cfg!(feature = "created") {
            self.created_sample(desc, labels, s, created_pass);
        }
        Ok(())
    }

    /// After a series' samples (`created_pass` false), or in the separate `_created` family
    /// of Prometheus text (true): its `_created` sample, when it has one and it goes here.
    // Out of line: its locals would otherwise enlarge the frame every series is written from.
    #[inline(never)]
    fn created_sample(
        &mut self,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        s: &dyn AnySeries,
        created_pass: bool,
    ) {
        let Some(c) = s.created() else {
            return;
        };
        self.any_created = true;
        if created_pass || (self.created && self.format == Format::OpenMetrics) {
            self.head(desc, "_created", labels, None);
            put_timestamp(&mut self.out, c);
            self.out.put("\n");
        }
    }

    /// Ends the document (`# EOF` in OpenMetrics, nothing in Prometheus text).
    pub fn finish(&mut self) -> fmt::Result {
        if self.format == Format::OpenMetrics {
            self.out.put("# EOF\n");
        }
        self.out.status()
    }
}

/// The series of a [`Metric`](crate::Metric) (one) or a [`Family`](crate::Family), read by
/// index, in a stable order.
pub(crate) trait SeriesTable {
    /// How many series there are (some may not be ready yet).
    fn len(&self) -> usize;
    /// The `i`th series with its labels, when it is ready.
    fn get(&self, i: usize) -> Option<(Labels<'_>, &dyn AnySeries)>;
}

/// What the encoder needs of one series, whatever its [`State`] type: the object-safe part of
/// `State` (whose constants make it unusable as `dyn State`).
pub(crate) trait AnySeries {
    fn write_samples(
        &self,
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
    ) -> fmt::Result;
    fn created(&self) -> Option<Duration>;
}

impl<T: State> AnySeries for T {
    fn write_samples(
        &self,
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
    ) -> fmt::Result {
        State::write_samples(self, enc, desc, labels)
    }
    fn created(&self) -> Option<Duration> {
        State::created(self)
    }
}

/// Writes `s` with `\`, `"` and newline escaped, as both formats require in label values.
pub fn write_escaped_label_value(out: &mut dyn Write, s: &str) -> fmt::Result {
    write_escaped(out, s, true)
}

/// Writes `s` escaping `\` and newline, and `"` too when `quotes` is set.
pub(crate) fn write_escaped(out: &mut dyn Write, s: &str, quotes: bool) -> fmt::Result {
    let mut out = Out::new(out);
    line::escaped(&mut out, Value::Str(s), quotes);
    out.status()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_writer_counts_past_the_end() {
        let mut buf = [0u8; 4];
        let mut w = SliceWriter::new(&mut buf);
        w.write_str("ab").unwrap();
        w.write_str("cdef").unwrap();
        w.write_str("g").unwrap();
        assert_eq!(w.needed(), 7);
        assert_eq!(w.finish(), Err(EncodeError::BufferTooSmall { needed: 7 }));
        let mut buf = [0u8; 4];
        let mut w = SliceWriter::new(&mut buf);
        w.write_str("abcd").unwrap();
        assert_eq!(w.finish(), Ok(4));
        assert_eq!(&buf, b"abcd");
    }

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
