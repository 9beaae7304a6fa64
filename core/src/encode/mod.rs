//! Exposition: Prometheus text 0.0.4 ([`text`]) and OpenMetrics 1.0.0 ([`openmetrics`]), written
//! into a caller's `&mut [u8]` or any [`core::fmt::Write`], without allocation.
//!
//! Most users call [`Registry::encode`](crate::Registry::encode). The [`Encoder`] is public so
//! that other crates (the std and embedded adapters, or your own metric types) can implement
//! [`Collect`](crate::Collect) and write families that are exactly as valid as the built-in ones.

mod le;
mod line;
pub mod openmetrics;
pub mod text;

use core::fmt::{self, Write};

use self::le::LeCache;
use self::line::{Names, Prefix};
use crate::metric::{MetricType, State};
use crate::name::Desc;
use crate::number::{Number, SampleValue};

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
}

impl Write for SliceWriter<'_> {
    // Inlined where speed matters; one copy on bare metal, where flash does.
    #[cfg_attr(not(target_os = "none"), inline)]
    #[cfg_attr(target_os = "none", inline(never))]
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.saturating_add(s.len());
        if let Some(dst) = self.buf.get_mut(self.len..end) {
            copy(dst, s.as_bytes());
        }
        self.len = end;
        Ok(())
    }

    #[cfg_attr(not(target_os = "none"), inline)]
    #[cfg_attr(target_os = "none", inline(never))]
    fn write_char(&mut self, c: char) -> fmt::Result {
        match u8::try_from(c) {
            Ok(b) if b.is_ascii() => {
                if let Some(dst) = self.buf.get_mut(self.len) {
                    *dst = b;
                }
                self.len = self.len.saturating_add(1);
                Ok(())
            }
            _ => self.write_str(c.encode_utf8(&mut [0; 4])),
        }
    }
}

/// `dst.copy_from_slice(src)` for slices of equal length, with the short copies that make up
/// most of a line (names, labels, numbers) done inline, as one or two overlapping moves,
/// instead of calling `memcpy`.
#[inline]
fn copy(dst: &mut [u8], src: &[u8]) {
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

/// The labels of one series: names and values, in order.
#[derive(Debug, Clone, Copy)]
pub struct Labels<'a> {
    names: &'a [&'a str],
    values: &'a [&'a str],
}

impl<'a> Labels<'a> {
    /// No labels.
    pub const EMPTY: Labels<'static> = Labels {
        names: &[],
        values: &[],
    };

    /// Pairs names with values; extra names or values on either side are ignored.
    pub const fn new(names: &'a [&'a str], values: &'a [&'a str]) -> Self {
        Labels { names, values }
    }

    fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.names.iter().copied().zip(self.values.iter().copied())
    }
}

/// Where an [`Encoder`] writes.
enum Out<'w> {
    /// Any writer.
    Dyn(&'w mut dyn Write),
    /// A byte buffer ([`Registry::encode`](crate::Registry::encode)): written in place.
    Slice(SliceWriter<'w>),
}

impl Write for Out<'_> {
    // Inlined where speed matters; one copy on bare metal, where flash does.
    #[cfg_attr(not(target_os = "none"), inline)]
    #[cfg_attr(target_os = "none", inline(never))]
    fn write_str(&mut self, s: &str) -> fmt::Result {
        match self {
            Out::Slice(w) => w.write_str(s),
            Out::Dyn(w) => w.write_str(s),
        }
    }

    #[cfg_attr(not(target_os = "none"), inline)]
    #[cfg_attr(target_os = "none", inline(never))]
    fn write_char(&mut self, c: char) -> fmt::Result {
        match self {
            Out::Slice(w) => w.write_char(c),
            Out::Dyn(w) => w.write_char(c),
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
    /// The `le` strings of the histogram bounds seen last.
    le: LeCache,
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
        Self::with_out(Out::Dyn(out), format)
    }

    /// An encoder writing into `buf`; [`finish_slice`](Self::finish_slice) tells the length.
    pub(crate) fn for_slice(buf: &'w mut [u8], format: Format) -> Self {
        Self::with_out(Out::Slice(SliceWriter::new(buf)), format)
    }

    fn with_out(out: Out<'w>, format: Format) -> Self {
        Encoder {
            out,
            format,
            namespace: "",
            const_labels: &[],
            created: true,
            le: LeCache::new(),
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

    /// The format being written.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Writes `s` unchanged.
    pub fn write_raw(&mut self, s: &str) -> fmt::Result {
        self.out.write_str(s)
    }

    /// For an encoder made by [`for_slice`](Self::for_slice): the length written, or
    /// [`EncodeError::BufferTooSmall`] with the length needed.
    pub(crate) fn finish_slice(self) -> Result<usize, EncodeError> {
        match self.out {
            Out::Slice(w) => w.finish(),
            Out::Dyn(_) => Err(EncodeError::Write),
        }
    }

    fn names(&self) -> Names<'w> {
        Names {
            namespace: self.namespace,
            const_labels: self.const_labels,
        }
    }

    /// Writes a family's metadata: `# HELP` and `# TYPE`, and `# UNIT` in OpenMetrics.
    pub fn header(&mut self, desc: &Desc<'_>, ty: MetricType) -> fmt::Result {
        let names = self.names();
        // Metadata is a few lines per family: written through `dyn Write`, which keeps this
        // code small on a microcontroller.
        let out: &mut dyn Write = &mut self.out;
        match self.format {
            Format::Prometheus => {
                let suffix = text::header_suffix(ty);
                out.write_str("# HELP ")?;
                names.name(out, desc, suffix)?;
                out.write_str(" ")?;
                text::write_help(out, desc.help())?;
                out.write_str("\n# TYPE ")?;
                names.name(out, desc, suffix)?;
                out.write_str(" ")?;
                out.write_str(text::type_name(ty))?;
                out.write_str("\n")
            }
            Format::OpenMetrics => {
                out.write_str("# TYPE ")?;
                names.name(out, desc, "")?;
                out.write_str(" ")?;
                out.write_str(openmetrics::type_name(ty))?;
                if let Some(unit) = desc.unit() {
                    out.write_str("\n# UNIT ")?;
                    names.name(out, desc, "")?;
                    out.write_str(" ")?;
                    out.write_str(unit)?;
                }
                out.write_str("\n# HELP ")?;
                names.name(out, desc, "")?;
                out.write_str(" ")?;
                openmetrics::write_help(out, desc.help())?;
                out.write_str("\n")
            }
        }
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
        self.names()
            .sample(&mut self.out, desc, suffix, labels, extra, value)
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
        self.names()
            .state_sample(&mut self.out, desc, labels, state, value)
    }

    /// Writes the `_bucket` lines of one histogram series: one per bound of `bounds` and
    /// then `+Inf`, with the cumulative counts `cumulative` yields (one more than there are
    /// bounds). The same lines as [`sample`](Self::sample) with `("le", bound)` writes, but
    /// the bounds' `le` strings are formatted once per family and the name and labels once per
    /// series.
    pub(crate) fn bucket_lines<V: Number>(
        &mut self,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        bounds: &'static [V],
        cumulative: impl Iterator<Item = u64>,
    ) -> fmt::Result {
        let names = self.names();
        let mut prefix = Prefix::new();
        let shared = names.bucket_prefix(&mut prefix, desc, labels).is_ok();
        let cached = self.le.prepare(bounds);
        let mut own: heapless::String<32> = heapless::String::new();
        for (i, count) in cumulative.enumerate() {
            let le = match bounds.get(i) {
                None => "+Inf",
                Some(_) if cached => self.le.get(i).ok_or(fmt::Error)?,
                Some(bound) => {
                    own.clear();
                    bound.write_canonical(&mut own)?;
                    &own
                }
            };
            if shared {
                line::bucket(&mut self.out, &prefix, le, count)?;
            } else {
                let v = SampleValue::Unsigned(count);
                names.sample(&mut self.out, desc, "_bucket", labels, Some(("le", le)), v)?;
            }
        }
        Ok(())
    }

    /// Writes a whole family of `T`s: the header, every series' samples and, when enabled and
    /// known, their `_created` samples (inline in OpenMetrics, as a following gauge family in
    /// Prometheus text). `each` calls its argument once per series, in a stable order.
    pub fn family<T, E>(&mut self, desc: &Desc<'_>, each: E) -> fmt::Result
    where
        T: State,
        E: Fn(&mut dyn FnMut(&Labels<'_>, &T) -> fmt::Result) -> fmt::Result,
    {
        self.header(desc, T::TYPE)?;
        let inline_created = self.created && self.format == Format::OpenMetrics;
        // Whether any series knows its creation time, learnt during the first pass.
        let mut any = false;
        each(&mut |labels, state| {
            state.write_samples(self, desc, labels)?;
            let created = state.created();
            any |= created.is_some();
            match created {
                Some(c) if inline_created => {
                    self.sample(desc, "_created", labels, None, SampleValue::Timestamp(c))
                }
                _ => Ok(()),
            }
        })?;
        if any && self.created && self.format == Format::Prometheus && T::TYPE.has_created() {
            self.created_header(desc)?;
            each(&mut |labels, state| match state.created() {
                Some(c) => self.sample(desc, "_created", labels, None, SampleValue::Timestamp(c)),
                None => Ok(()),
            })?;
        }
        Ok(())
    }

    fn created_header(&mut self, desc: &Desc<'_>) -> fmt::Result {
        let names = self.names();
        let out: &mut dyn Write = &mut self.out;
        out.write_str("# HELP ")?;
        names.name(out, desc, "_created")?;
        out.write_str(" ")?;
        text::write_help(out, desc.help())?;
        out.write_str("\n# TYPE ")?;
        names.name(out, desc, "_created")?;
        out.write_str(" gauge\n")
    }

    /// Ends the document (`# EOF` in OpenMetrics, nothing in Prometheus text).
    pub fn finish(&mut self) -> fmt::Result {
        match self.format {
            Format::Prometheus => Ok(()),
            Format::OpenMetrics => self.out.write_str("# EOF\n"),
        }
    }
}

/// Writes `s` with `\`, `"` and newline escaped, as both formats require in label values.
pub fn write_escaped_label_value(out: &mut dyn Write, s: &str) -> fmt::Result {
    write_escaped(out, s, true)
}

/// Writes `s` escaping `\` and newline, and `"` too when `quotes` is set.
pub(crate) fn write_escaped(out: &mut dyn Write, s: &str, quotes: bool) -> fmt::Result {
    line::escaped(out, s, quotes)
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
