//! [`HistogramWithExemplars`]: a [`Histogram`] whose buckets keep their latest exemplar.

use core::fmt;
use core::ops::Deref;
use core::time::Duration;

use crate::buckets::{BucketCounts, Buckets, DefaultBuckets};
use crate::encode::exemplar::ExemplarRef;
use crate::encode::{Encoder, Labels, Series};
use crate::exemplar::{
    check_labels, BucketExemplarCells, ExemplarError, ExemplarSnapshot, ExemplarWrite,
    DEFAULT_EXEMPLAR_BYTES,
};
use crate::histogram::Histogram;
use crate::metric::State;
use crate::name::{Desc, MetricType};
use crate::number::SumBits;

/// The exemplar cells of a histogram with buckets `B`, `S` bytes each.
type Cells<B, const S: usize> =
    <<B as Buckets>::Counts as BucketCounts<<B as Buckets>::Value>>::Exemplars<S>;

/// A [`Histogram`] whose buckets (`+Inf` included) each keep their latest exemplar
/// (OpenMetrics 1.0): the label set of an observation (at most 128 UTF-8 characters in all),
/// its value and an optional timestamp, in `S` bytes of fixed storage per bucket (default
/// 128; see [`ExemplarCell`](crate::ExemplarCell)). Everything a histogram does, through
/// `Deref`, and [`observe_with_exemplar`](Self::observe_with_exemplar).
///
/// Each exemplar is written after its bucket's sample in OpenMetrics
/// (`latency_seconds_bucket{le="0.25"} 3 # {trace_id="abc"} 0.2`) and as `Bucket.exemplar` in
/// the protobuf exposition; never in Prometheus text 0.0.4 or 1.0.0, nor in remote write.
///
/// ```
/// use edgeprom::{Format, HistogramWithExemplars, Metric, Registry};
///
/// static LATENCY: Metric<HistogramWithExemplars> = Metric::new("latency_seconds", "Latency");
/// LATENCY.observe(0.3)?; // a histogram's updates, without an exemplar
/// LATENCY.observe_with_exemplar(0.2, &[("trace_id", "abc")], None)?;
/// assert_eq!(LATENCY.count(), 2);
///
/// let mut registry: Registry<'_, 1> = Registry::new();
/// registry.register(&LATENCY)?;
/// let mut doc = String::new();
/// registry.encode_to(Format::OpenMetrics, &mut doc)?;
/// assert!(doc.contains("latency_seconds_bucket{le=\"0.25\"} 1 # {trace_id=\"abc\"} 0.2\n"));
/// assert!(doc.contains("latency_seconds_bucket{le=\"0.5\"} 2\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct HistogramWithExemplars<
    B: Buckets = DefaultBuckets,
    const S: usize = DEFAULT_EXEMPLAR_BYTES,
> {
    histogram: Histogram<B>,
    exemplars: Cells<B, S>,
}

impl<B: Buckets, const S: usize> HistogramWithExemplars<B, S> {
    /// An empty histogram, without exemplars.
    pub const fn new() -> Self {
        HistogramWithExemplars {
            histogram: Histogram::new(),
            exemplars: <Cells<B, S> as BucketExemplarCells<S>>::INIT,
        }
    }

    /// Records `v` as [`Histogram::observe`] does, and keeps the exemplar `labels` with value
    /// `v` at `timestamp` (Unix time) as the latest of `v`'s bucket. A value the histogram
    /// refuses ([`ExemplarError::Observe`]), labels with more than 128 characters in all,
    /// more bytes than `S`, an invalid or repeated name are an error, and then nothing
    /// changes. The observation is recorded even when the exemplar is dropped because
    /// another writer held the bucket's ([`ExemplarWrite::Dropped`]).
    pub fn observe_with_exemplar(
        &self,
        v: B::Value,
        labels: &[(&str, &str)],
        timestamp: Option<Duration>,
    ) -> Result<ExemplarWrite, ExemplarError> {
        Histogram::<B>::check(v).map_err(ExemplarError::Observe)?;
        check_labels(labels, S)?;
        let i = self.histogram.record(v);
        Ok(match self.exemplars.cell(i) {
            Some(cell) => cell.store(labels, v.to_sum_bits(), timestamp),
            None => ExemplarWrite::Dropped, // every bucket has a cell
        })
    }

    /// The latest exemplar of bucket `i` (`B::BOUNDS[i]`, or `+Inf` for `i == B::BOUNDS.len()`),
    /// if it has one and it could be read.
    pub fn exemplar(&self, i: usize) -> Option<ExemplarSnapshot<B::Value, S>> {
        self.exemplars.cell(i)?.snapshot()
    }
}

impl<B: Buckets, const S: usize> Deref for HistogramWithExemplars<B, S> {
    type Target = Histogram<B>;
    fn deref(&self) -> &Histogram<B> {
        &self.histogram
    }
}

impl<B: Buckets, const S: usize> Default for HistogramWithExemplars<B, S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<B: Buckets, const S: usize> fmt::Debug for HistogramWithExemplars<B, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HistogramWithExemplars")
            .field("histogram", &self.histogram)
            .finish_non_exhaustive()
    }
}

impl<B: Buckets, const S: usize> Series for HistogramWithExemplars<B, S> {
    fn write_samples(
        &self,
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
    ) -> fmt::Result {
        let exemplars = |i: usize, f: &mut dyn FnMut(&ExemplarRef<'_, B::Value>)| {
            if let Some(cell) = self.exemplars.cell(i) {
                cell.with(f);
            }
        };
        self.histogram
            .write_with(enc, desc, labels, |enc, cumulative| {
                if enc.writes_exemplars() {
                    enc.put_bucket_samples_exemplars(
                        desc,
                        labels,
                        B::BOUNDS,
                        cumulative,
                        &exemplars,
                    );
                } else {
                    enc.put_bucket_samples(desc, labels, B::BOUNDS, cumulative);
                }
            });
        Ok(())
    }
    fn created(&self) -> Option<Duration> {
        Series::created(&self.histogram)
    }
}

impl<B: Buckets, const S: usize> State for HistogramWithExemplars<B, S> {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = Self::new();
    const TYPE: MetricType = MetricType::Histogram;

    fn init_created(&self, unix: Duration) {
        State::init_created(&self.histogram, unix)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use std::string::String;

    use super::*;
    use crate::{Family, Format, Metric, ObserveError, Registry};

    crate::buckets!(Small: f64 = [0.1, 1.0]);
    crate::buckets!(Ints: u64 = [10, 100]);

    fn doc<const N: usize>(r: &Registry<'_, N>, format: Format) -> String {
        let mut s = String::new();
        r.encode_to(format, &mut s).unwrap();
        let mut buf = std::vec![0u8; s.len()];
        let n = r.encode(format, &mut buf).unwrap();
        assert_eq!(core::str::from_utf8(&buf[..n]).unwrap(), s, "in place too");
        s
    }

    #[test]
    fn each_bucket_keeps_its_latest_exemplar() {
        let h: Family<HistogramWithExemplars<Small>, 1, 2> = Family::new("h_seconds", "h", ["k"]);
        let s = h.labels(["a"]).unwrap();
        s.observe(0.05).unwrap();
        s.observe_with_exemplar(0.07, &[("trace_id", "old")], None)
            .unwrap();
        let at = Duration::new(12, 5_000_000);
        s.observe_with_exemplar(0.08, &[("trace_id", "new")], Some(at))
            .unwrap();
        s.observe_with_exemplar(7.5, &[("trace_id", "inf")], None)
            .unwrap();
        let i: Metric<HistogramWithExemplars<Ints, 16>> = Metric::new("i", "i");
        i.observe_with_exemplar(50, &[("t", "x")], None).unwrap();
        let mut r: Registry<'_, 2> = Registry::new().with_namespace("ns").unwrap();
        r.register(&h).unwrap();
        r.register(&i).unwrap();
        let om = doc(&r, Format::OpenMetrics);
        let want = "ns_h_seconds_bucket{k=\"a\",le=\"0.1\"} 3 # {trace_id=\"new\"} 0.08 12.005\n\
                    ns_h_seconds_bucket{k=\"a\",le=\"1.0\"} 3\n\
                    ns_h_seconds_bucket{k=\"a\",le=\"+Inf\"} 4 # {trace_id=\"inf\"} 7.5\n\
                    ns_h_seconds_count{k=\"a\"} 4\n";
        assert!(om.contains(want), "{om}");
        assert!(
            om.contains("ns_i_bucket{le=\"100.0\"} 1 # {t=\"x\"} 50\n"),
            "{om}"
        );
        for format in [Format::Prometheus, Format::PrometheusV1] {
            let text = doc(&r, format);
            assert!(!text.contains(" # {"), "{text}");
            assert!(
                text.contains("ns_h_seconds_bucket{k=\"a\",le=\"+Inf\"} 4\n"),
                "{text}"
            );
        }
        assert_eq!(s.exemplar(0).unwrap().value(), 0.08);
        assert!(s.exemplar(1).is_none());
        assert!(s.exemplar(2).unwrap().labels().eq([("trace_id", "inf")]));
        assert!(s.exemplar(3).is_none(), "past +Inf");
    }

    #[test]
    fn a_refused_observation_changes_nothing() {
        let h: HistogramWithExemplars<Small, 8> = HistogramWithExemplars::new();
        h.observe_with_exemplar(0.5, &[("t", "1")], None).unwrap();
        assert_eq!(
            h.observe_with_exemplar(f64::NAN, &[("t", "2")], None),
            Err(ExemplarError::Observe(ObserveError::NotFinite))
        );
        assert_eq!(
            h.observe_with_exemplar(-1.0, &[("t", "2")], None),
            Err(ExemplarError::Observe(ObserveError::Negative))
        );
        assert_eq!(
            h.observe_with_exemplar(0.5, &[("t", "too long")], None),
            Err(ExemplarError::TooBig {
                bytes: 11,
                capacity: 8
            })
        );
        assert_eq!((h.count(), h.sum()), (1, 0.5));
        assert!(h.exemplar(1).unwrap().labels().eq([("t", "1")]));
    }
}
