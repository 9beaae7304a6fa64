//! [`Syntax`] and [`Dialect`]: the small interface a format implements, over one sample model.
//!
//! The model is the one every Prometheus format describes: a document is a sequence of
//! families; a family has a header (name, type, help, unit) and series; a series has labels
//! and samples; a sample is the family name with a suffix (`_total`, `_bucket`, `_count`,
//! `_sum`, `_created`, `_info` or none), the series' labels plus at most one extra label
//! (`le`, `quantile`, a state set's state) and a value. The [`Encoder`] walks registries,
//! families and series in that order and hands each step to the format through this trait;
//! a format is one file implementing it (see [`text`](super::text) and
//! [`openmetrics`](super::openmetrics)), and [`dispatch!`] names every format once.
//!
//! Values are typed at compile time (`V: WriteValue`), so that a firmware writing only
//! integers links no float formatting; the formats are therefore chosen by a `match` on
//! [`Kind`] (the public [`Format`](super::Format)s, and remote write behind its feature)
//! rather than by a trait object.

use core::time::Duration;

use super::exemplar::{BucketExemplars, ExemplarRef};
use super::value::sealed::WriteValue;
use super::value::SampleValue;
use super::{Encoder, Labels, NativeBuckets};
use crate::name::{Desc, MetricType};

/// The format an encoder writes: the public [`Format`](super::Format)s, and remote write,
/// which is not a scrape exposition anyone negotiates and so is chosen only through
/// [`remote_write`](super::remote_write).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Prometheus text 0.0.4.
    Prometheus,
    /// OpenMetrics 1.0.0.
    OpenMetrics,
    /// Prometheus text 1.0.0.
    PrometheusV1,
    /// A remote write 1.0 `WriteRequest` (protobuf).
    #[cfg(feature = "remote-write")]
    RemoteWrite,
    /// The protobuf exposition: length-delimited `io.prometheus.client.MetricFamily`s.
    #[cfg(feature = "protobuf")]
    Protobuf,
}

impl Kind {
    /// The kind of a public format.
    pub(crate) const fn of(format: super::Format) -> Self {
        match format {
            super::Format::Prometheus => Kind::Prometheus,
            super::Format::OpenMetrics => Kind::OpenMetrics,
            super::Format::PrometheusV1 => Kind::PrometheusV1,
        }
    }

    /// Whether names outside the legacy character set may be written as they are
    /// ([`Escaping::AllowUtf8`](super::Escaping)): quoted in text 1.0.0 and OpenMetrics, as
    /// strings in the protobuf exposition; never in text 0.0.4 nor in remote write 1.0
    /// (whose receivers take only legacy names: it escapes them, `remote_write/escaped.rs`).
    pub(crate) const fn carries_utf8(self) -> bool {
        match self {
            Kind::PrometheusV1 | Kind::OpenMetrics => true,
            Kind::Prometheus => false,
            #[cfg(feature = "remote-write")]
            Kind::RemoteWrite => false,
            #[cfg(feature = "protobuf")]
            Kind::Protobuf => true,
        }
    }

    /// The public format: remote write and the protobuf exposition follow Prometheus' naming
    /// (`_total` in names, info and state sets as gauges), so they read as Prometheus text to
    /// a collector.
    pub(crate) const fn format(self) -> super::Format {
        match self {
            Kind::Prometheus => super::Format::Prometheus,
            Kind::OpenMetrics => super::Format::OpenMetrics,
            Kind::PrometheusV1 => super::Format::PrometheusV1,
            #[cfg(feature = "remote-write")]
            Kind::RemoteWrite => super::Format::Prometheus,
            #[cfg(feature = "protobuf")]
            Kind::Protobuf => super::Format::Prometheus,
        }
    }
}

/// Where a format writes each series' `_created` sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CreatedPlacement {
    /// Right after the series' own samples (OpenMetrics).
    AfterSeries,
    /// In a gauge family of their own after the family (Prometheus text, as Python's client
    /// writes them).
    OwnFamily,
}

/// How a format writes series and samples. The text formats share one implementation,
/// [`TextLines`](super::text_lines::TextLines); a binary format (protobuf) is another.
pub(crate) trait Syntax {
    /// One sample with a value typed at compile time.
    fn sample<V: WriteValue>(
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        suffix: &str,
        labels: &Labels<'_>,
        extra: Option<&(&str, &str)>,
        value: V,
    );

    /// One sample with a value typed at run time.
    fn sample_value(
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        suffix: &str,
        labels: &Labels<'_>,
        extra: Option<&(&str, &str)>,
        value: SampleValue,
    );

    /// One sample of a state set (the label named after the family carries the state).
    fn state_sample<V: WriteValue>(
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        state: &str,
        value: V,
    );

    /// A series' `_created` sample.
    fn created_sample(enc: &mut Encoder<'_>, desc: &Desc<'_>, labels: &Labels<'_>, at: Duration);

    /// The `_bucket` samples of one histogram series: one per bound and `+Inf`, with the
    /// cumulative counts `cumulative` yields.
    fn bucket_samples<V: WriteValue>(
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        bounds: &'static [V],
        cumulative: &mut dyn FnMut() -> Option<u64>,
    );

    /// A sample with its series' latest exemplar (a counter's `_total`); a format without
    /// exemplars writes the sample alone.
    fn sample_exemplar<V: WriteValue>(
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        suffix: &str,
        labels: &Labels<'_>,
        value: V,
        exemplar: &ExemplarRef<'_, V>,
    ) {
        let _ = exemplar;
        Self::sample(enc, desc, suffix, labels, None, value);
    }

    /// [`bucket_samples`](Self::bucket_samples) with each bucket's latest exemplar, visited
    /// by `exemplars`; a format without exemplars writes the buckets alone.
    fn bucket_samples_exemplars<V: WriteValue>(
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        bounds: &'static [V],
        cumulative: &mut dyn FnMut() -> Option<u64>,
        exemplars: BucketExemplars<'_, V>,
    ) {
        let _ = exemplars;
        Self::bucket_samples(enc, desc, labels, bounds, cumulative);
    }

    /// A native histogram series: what the format wrote of it (the text formats have no
    /// native histograms: nothing).
    fn native<V: WriteValue>(
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
        buckets: &NativeBuckets<'_>,
        sum: V,
    ) -> NativeWritten {
        let _ = (enc, desc, labels, buckets, sum);
        NativeWritten::Nothing
    }
}

/// What a format wrote of a native histogram series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NativeWritten {
    /// Nothing (text formats): the caller writes the `+Inf` bucket, `_count` and `_sum`.
    Nothing,
    /// The buckets, into the open series (the protobuf exposition): the caller writes the
    /// count and sum as samples.
    #[cfg_attr(not(feature = "protobuf"), allow(dead_code))]
    Buckets,
    /// The whole series, count and sum too (remote write).
    #[cfg_attr(not(feature = "remote-write"), allow(dead_code))]
    Series,
}

/// What a format writes around its series: the family header, where `_created` samples go,
/// and the end of the document. Each format's file implements it.
pub(crate) trait Dialect {
    /// Where `_created` samples go.
    fn created_placement(enc: &Encoder<'_>) -> CreatedPlacement;

    /// A family's metadata.
    fn family_header(enc: &mut Encoder<'_>, desc: &Desc<'_>, ty: MetricType);

    /// The header of the family of `_created` samples that follows a family, for
    /// [`CreatedPlacement::OwnFamily`].
    fn created_family_header(enc: &mut Encoder<'_>, desc: &Desc<'_>) {
        let _ = (enc, desc);
    }

    /// The end of the document.
    fn document_end(enc: &mut Encoder<'_>);
}

/// Calls a [`Dialect`] method of the encoder's format, or with `syntax` a [`Syntax`] method:
/// the one place that lists the formats. Text formats share one syntax, so sample lines are
/// one copy of code however many text formats there are.
macro_rules! dispatch {
    ($enc:expr, $method:ident ( $($arg:expr),* $(,)? )) => {
        match $enc.kind {
            $crate::encode::syntax::Kind::Prometheus | $crate::encode::syntax::Kind::PrometheusV1 => {
                <$crate::encode::text::PrometheusText as $crate::encode::syntax::Dialect>::$method(
                    $enc, $($arg),*
                )
            }
            $crate::encode::syntax::Kind::OpenMetrics => {
                <$crate::encode::openmetrics::OpenMetricsText as $crate::encode::syntax::Dialect>::$method(
                    $enc, $($arg),*
                )
            }
            #[cfg(feature = "remote-write")]
            $crate::encode::syntax::Kind::RemoteWrite => {
                <$crate::encode::remote_write::RemoteWriteProto as $crate::encode::syntax::Dialect>::$method(
                    $enc, $($arg),*
                )
            }
            #[cfg(feature = "protobuf")]
            $crate::encode::syntax::Kind::Protobuf => {
                <$crate::encode::protobuf::ProtobufExposition as $crate::encode::syntax::Dialect>::$method(
                    $enc, $($arg),*
                )
            }
        }
    };
    (syntax $enc:expr, $method:ident ( $($arg:expr),* $(,)? )) => {
        match $enc.kind {
            $crate::encode::syntax::Kind::Prometheus
            | $crate::encode::syntax::Kind::PrometheusV1
            | $crate::encode::syntax::Kind::OpenMetrics => {
                <$crate::encode::text_lines::TextLines as $crate::encode::syntax::Syntax>::$method(
                    $enc, $($arg),*
                )
            }
            #[cfg(feature = "remote-write")]
            $crate::encode::syntax::Kind::RemoteWrite => {
                <$crate::encode::remote_write::RemoteWriteProto as $crate::encode::syntax::Syntax>::$method(
                    $enc, $($arg),*
                )
            }
            #[cfg(feature = "protobuf")]
            $crate::encode::syntax::Kind::Protobuf => {
                <$crate::encode::protobuf::ProtobufExposition as $crate::encode::syntax::Syntax>::$method(
                    $enc, $($arg),*
                )
            }
        }
    };
}
pub(crate) use dispatch;
