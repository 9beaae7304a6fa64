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
