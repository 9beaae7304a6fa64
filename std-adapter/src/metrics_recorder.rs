//! [`MetricsRecorder`]: the [`metrics`] facade's `Recorder` over edgeprom (feature `metrics`),
//! so a program instrumented with `counter!`, `gauge!` and `histogram!` exports through a
//! [`DynRegistry`], in every format edgeprom writes.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::marker::PhantomData;
use std::sync::{Arc, PoisonError, RwLock};

use edgeprom::{
    Buckets, Counter, DefaultBuckets, DualHistogram, Gauge, Histogram, NativeHistogram, State,
};
use metrics::{Key, KeyName, Metadata, SharedString, Unit};

use crate::{DynFamily, DynRegistry};

/// The name of the self-metric counting refused label sets, `family` labelled.
pub const REFUSED_NAME: &str = "edgeprom_label_sets_refused";

/// A `metrics::Recorder` writing into a [`DynRegistry`]: each metric name is a
/// [`DynFamily`] (its labels the family's labels), counters are
/// [`Counter`]s, gauges [`Gauge`]s, histograms `H` (any [`RecorderHistogram`]): by default
/// [`Histogram`] of [`DefaultBuckets`] (Python's; declare others with [`edgeprom::buckets!`]
/// and make the recorder with [`with_buckets`](MetricsRecorder::with_buckets)), or native
/// histograms ([`NativeHistogram`], [`native`](MetricsRecorder::native)), or both at once
/// ([`DualHistogram`], [`with_histograms`](MetricsRecorder::with_histograms)), so a program
/// instrumented with `histogram!` gets native histograms without changing a macro.
///
/// Cardinality is bounded: a family holds at most [`with_max_series`](Self::with_max_series)
/// series (10,000 by default); further label sets are folded into one series whose every
/// label is [`with_overflow_value`](Self::with_overflow_value) (`__overflow__` by default),
/// and counted in the self-metric `edgeprom_label_sets_refused_total{family="..."}`, as are
/// uses the registry cannot hold (a name clash between a counter and a gauge of one name, a
/// histogram label `le`, or a name used again with other label names), which get a handle
/// that does nothing.
///
/// Names and label names are made valid as `metrics-exporter-prometheus` does: every
/// character outside `[a-zA-Z0-9_:]` (`[a-zA-Z0-9_]` in label names) becomes `_`, and a leading
/// digit gets a `_` before it. A description given before a name's first use is its help
/// text (an undescribed name has an empty one, which `promtool check metrics` lints); units
/// are not written (a Prometheus unit must end the metric's name).
///
/// ```
/// use edgeprom::Format;
/// use edgeprom_std::{DynRegistry, Gather, MetricsRecorder};
/// use std::sync::Arc;
///
/// let registry = Arc::new(DynRegistry::new());
/// let recorder = MetricsRecorder::new(registry.clone()).with_max_series(100);
/// metrics::with_local_recorder(&recorder, || {
///     metrics::describe_counter!("http_requests_total", "Requests served");
///     metrics::counter!("http_requests_total", "route" => "/").increment(2);
///     metrics::gauge!("queue_depth").set(3.0);
///     metrics::histogram!("latency_seconds").record(0.02);
/// });
/// let text = registry.gather(Format::OpenMetrics)?;
/// assert!(text.contains("http_requests_total{route=\"/\"} 2\n"));
/// assert!(text.contains("queue_depth 3.0\n"));
/// assert!(text.contains("latency_seconds_bucket{le=\"0.025\"} 1\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct MetricsRecorder<H: RecorderHistogram = Histogram<DefaultBuckets>> {
    registry: Arc<DynRegistry>,
    max_series: usize,
    overflow: Box<str>,
    refused: Arc<DynFamily<Counter>>,
    help: RwLock<HashMap<String, String>>,
    counters: Kind<Counter, CounterHandle>,
    gauges: Kind<Gauge, GaugeHandle>,
    histograms: Kind<H, HistogramHandle<H>>,
    kind: PhantomData<H>,
}

/// A histogram type `histogram!` can be recorded into: [`Histogram<B>`], [`NativeHistogram`]
/// and [`DualHistogram`] of `f64`.
pub trait RecorderHistogram: State + Send + Sync + 'static {
    /// Records `v`; a value the histogram refuses (NaN, infinite, negative where it has no
    /// negative buckets) is dropped, as `metrics` has no way to report it.
    fn record(&self, v: f64);
}

impl<B: Buckets<Value = f64>> RecorderHistogram for Histogram<B>
where
    Histogram<B>: Send + Sync,
{
    fn record(&self, v: f64) {
        let _ = self.observe(v);
    }
}

impl<const N: usize, const NEG: usize> RecorderHistogram for NativeHistogram<f64, N, NEG> {
    fn record(&self, v: f64) {
        let _ = self.observe(v);
    }
}

impl<B: Buckets<Value = f64>, const N: usize, const NEG: usize> RecorderHistogram
    for DualHistogram<B, N, NEG>
where
    DualHistogram<B, N, NEG>: Send + Sync,
{
    fn record(&self, v: f64) {
        let _ = self.observe(v);
    }
}

impl<H: RecorderHistogram> fmt::Debug for MetricsRecorder<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsRecorder")
            .field("max_series", &self.max_series)
            .field("overflow", &self.overflow)
            .finish_non_exhaustive()
    }
}

/// `metrics`' keys carry their hash: a map of them needs no hashing of its own.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // `Key` writes one u64; anything else is folded in, in case.
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// One metric kind's families (by sanitised name) and handles (by key, so that a macro called
/// again finds its handle with one lookup).
struct Kind<T: State, H> {
    families: RwLock<HashMap<String, Option<Arc<DynFamily<T>>>>>,
    handles: RwLock<HashMap<Key, Arc<H>, BuildHasherDefault<KeyHasher>>>,
}

impl<T: State, H> Default for Kind<T, H> {
    fn default() -> Self {
        Kind {
            families: RwLock::default(),
            handles: RwLock::default(),
        }
    }
}

impl MetricsRecorder {
    /// A recorder writing into `registry`, with histograms of Python's default buckets.
    pub fn new(registry: Arc<DynRegistry>) -> Self {
        Self::with_histograms(registry)
    }
}

impl<B: Buckets<Value = f64>> MetricsRecorder<Histogram<B>>
where
    Histogram<B>: Send + Sync,
{
    /// A recorder writing into `registry`, with histograms of the buckets `B`
    /// (`MetricsRecorder::<Histogram<MyBuckets>>::with_buckets(registry)`).
    pub fn with_buckets(registry: Arc<DynRegistry>) -> Self {
        Self::with_histograms(registry)
    }
}

impl MetricsRecorder<NativeHistogram<f64, 160>> {
    /// A recorder writing into `registry`, with native histograms of at most 160 buckets
    /// (5 KiB a series; other sizes with [`with_histograms`](MetricsRecorder::with_histograms)).
    pub fn native(registry: Arc<DynRegistry>) -> Self {
        Self::with_histograms(registry)
    }
}

impl<H: RecorderHistogram> MetricsRecorder<H> {
    /// A recorder writing into `registry`, with histograms of the type `H`
    /// (`MetricsRecorder::<DualHistogram>::with_histograms(registry)`). Registers the
    /// self-metric `edgeprom_label_sets_refused_total` (unless the name is taken).
    pub fn with_histograms(registry: Arc<DynRegistry>) -> Self {
        let refused = Arc::new(
            DynFamily::<Counter>::new(
                REFUSED_NAME,
                "Label sets the metrics recorder folded into an overflow series or dropped",
                &["family"],
            )
            .unwrap_or_else(|_| unreachable!("a valid name")),
        );
        let _ = registry.register(refused.clone());
        MetricsRecorder {
            registry,
            max_series: 10_000,
            overflow: "__overflow__".into(),
            refused,
            help: RwLock::default(),
            counters: Kind::default(),
            gauges: Kind::default(),
            histograms: Kind::default(),
            kind: PhantomData,
        }
    }

    /// The most series a family (one metric name) holds, the overflow series included; for
    /// families created afterwards.
    pub fn with_max_series(mut self, max: usize) -> Self {
        self.max_series = max;
        self
    }

    /// The value of every label of a family's overflow series.
    pub fn with_overflow_value(mut self, value: impl Into<Box<str>>) -> Self {
        self.overflow = value.into();
        self
    }

    /// The registry written into.
    pub fn registry(&self) -> &Arc<DynRegistry> {
        &self.registry
    }

    fn describe(&self, name: &str, description: SharedString) {
        self.help
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(sanitize(name, true))
            .or_insert_with(|| description.into_owned());
    }

    fn refuse(&self, name: &str) {
        if let Ok(c) = self.refused.labels(&[name]) {
            c.inc();
        }
    }

    /// The handle for `key`: the one made before, or a new one on the family's series;
    /// `None` when the registry cannot hold it (counted).
    fn handle<T: State + Send + 'static, W>(
        &self,
        kind: &Kind<T, W>,
        key: &Key,
        wrap: impl FnOnce(Arc<T>) -> W,
    ) -> Option<Arc<W>> {
        if let Some(h) = kind
            .handles
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
        {
            return Some(Arc::clone(h));
        }
        let name = sanitize(key.name(), true);
        let Some(family) = self.family(kind, &name, key) else {
            // Counted under the name its family would have had (a counter's without `_total`).
            let suffix = T::TYPE.strip_suffix().unwrap_or("");
            self.refuse(name.strip_suffix(suffix).unwrap_or(&name));
            return None;
        };
        let labels: Vec<(String, &str)> = key
            .labels()
            .map(|l| (sanitize(l.key(), false), l.value()))
            .collect();
        let pairs: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let Ok(series) = family.labels_by_name(&pairs) else {
            self.refuse(family.dyn_desc().desc().name());
            return None;
        };
        let mut handles = kind.handles.write().unwrap_or_else(PoisonError::into_inner);
        let h = handles
            .entry(key.clone())
            .or_insert_with(|| Arc::new(wrap(series)));
        Some(Arc::clone(h))
    }

    /// The family named `name`, created and registered on its first use with `key`'s label
    /// names; `None` when it cannot be (remembered, so it is not tried again).
    fn family<T: State + Send + 'static, W>(
        &self,
        kind: &Kind<T, W>,
        name: &str,
        key: &Key,
    ) -> Option<Arc<DynFamily<T>>> {
        if let Some(found) = kind
            .families
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
        {
            return found.clone();
        }
        let mut families = kind
            .families
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = families.get(name) {
            return found.clone();
        }
        let label_names: Vec<String> = key.labels().map(|l| sanitize(l.key(), false)).collect();
        let label_names: Vec<&str> = label_names.iter().map(String::as_str).collect();
        let help = self
            .help
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .cloned()
            .unwrap_or_default();
        let family = DynFamily::<T>::new(name, help, &label_names)
            .ok()
            .map(|f| {
                Arc::new(
                    f.with_max_series(self.max_series)
                        .with_overflow(&*self.overflow, Some(self.refused.clone())),
                )
            })
            .filter(|f| self.registry.register(f.clone()).is_ok());
        families.insert(name.to_owned(), family.clone());
        family
    }
}

impl<H: RecorderHistogram> metrics::Recorder for MetricsRecorder<H> {
    fn describe_counter(&self, key: KeyName, _unit: Option<Unit>, description: SharedString) {
        self.describe(key.as_str(), description);
    }

    fn describe_gauge(&self, key: KeyName, _unit: Option<Unit>, description: SharedString) {
        self.describe(key.as_str(), description);
    }

    fn describe_histogram(&self, key: KeyName, _unit: Option<Unit>, description: SharedString) {
        self.describe(key.as_str(), description);
    }

    fn register_counter(&self, key: &Key, _metadata: &Metadata<'_>) -> metrics::Counter {
        match self.handle(&self.counters, key, CounterHandle) {
            Some(h) => metrics::Counter::from_arc(h),
            None => metrics::Counter::noop(),
        }
    }

    fn register_gauge(&self, key: &Key, _metadata: &Metadata<'_>) -> metrics::Gauge {
        match self.handle(&self.gauges, key, GaugeHandle) {
            Some(h) => metrics::Gauge::from_arc(h),
            None => metrics::Gauge::noop(),
        }
    }

    fn register_histogram(&self, key: &Key, _metadata: &Metadata<'_>) -> metrics::Histogram {
        match self.handle(&self.histograms, key, HistogramHandle) {
            Some(h) => metrics::Histogram::from_arc(h),
            None => metrics::Histogram::noop(),
        }
    }
}

/// A series of a counter family, as `metrics` drives it.
struct CounterHandle(Arc<Counter>);

impl metrics::CounterFn for CounterHandle {
    fn increment(&self, value: u64) {
        self.0.inc_by(value);
    }

    /// Raises the counter to `value` (a counter never goes down; a lower value is ignored).
    /// Not atomic with increments made meanwhile.
    fn absolute(&self, value: u64) {
        let now = self.0.get();
        if value > now {
            self.0.inc_by(value - now);
        }
    }
}

/// A series of a gauge family.
struct GaugeHandle(Arc<Gauge>);

impl metrics::GaugeFn for GaugeHandle {
    fn increment(&self, value: f64) {
        self.0.inc_by(value);
    }
    fn decrement(&self, value: f64) {
        self.0.dec_by(value);
    }
    fn set(&self, value: f64) {
        self.0.set(value);
    }
}

/// A series of a histogram family; refused observations are dropped (NaN, say).
struct HistogramHandle<H>(Arc<H>);

impl<H: RecorderHistogram> metrics::HistogramFn for HistogramHandle<H> {
    fn record(&self, value: f64) {
        self.0.record(value);
    }
}

/// `name` with every character outside `[a-zA-Z0-9_]` (and `:` in metric names) as `_`, and a
/// `_` before a leading digit (or for an empty name).
fn sanitize(name: &str, colon: bool) -> String {
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '_' || (colon && c == ':');
    let mut out = String::with_capacity(name.len() + 1);
    if name.chars().next().is_none_or(|c| c.is_ascii_digit()) {
        out.push('_');
    }
    out.extend(name.chars().map(|c| if ok(c) { c } else { '_' }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Gather;
    use edgeprom::Format;
    use metrics::with_local_recorder;

    #[test]
    fn sanitises_names() {
        assert_eq!(sanitize("http.requests-total", true), "http_requests_total");
        assert_eq!(sanitize("a:b", true), "a:b");
        assert_eq!(sanitize("a:b", false), "a_b");
        assert_eq!(sanitize("9lives", true), "_9lives");
        assert_eq!(sanitize("", false), "_");
        assert_eq!(sanitize("ü", true), "_");
    }

    #[test]
    fn counters_gauges_histograms_overflow_and_refusals() {
        let registry = Arc::new(DynRegistry::new());
        let rec = MetricsRecorder::new(registry.clone())
            .with_max_series(3)
            .with_overflow_value("other");
        with_local_recorder(&rec, || {
            metrics::describe_counter!("reqs_total", "Requests");
            for route in ["/a", "/b", "/c", "/d", "/a"] {
                metrics::counter!("reqs_total", "route" => route, "code" => "200").increment(1);
            }
            // Labels in another order find the same series.
            metrics::counter!("reqs_total", "code" => "200", "route" => "/a").increment(10);
            metrics::counter!("reqs_total", "route" => "/b", "code" => "200").absolute(7);
            metrics::counter!("reqs_total", "route" => "/b", "code" => "200").absolute(3);
            // Other label names for the same name: refused, a no-op handle.
            metrics::counter!("reqs_total", "verb" => "get").increment(100);
            // A gauge of a counter's name clashes; a histogram's `le` is reserved.
            metrics::gauge!("reqs").set(1.0);
            metrics::histogram!("lat_seconds", "le" => "1").record(1.0);
            let g = metrics::gauge!("queue.depth");
            g.set(5.0);
            g.increment(2.0);
            g.decrement(0.5);
            metrics::histogram!("lat2_seconds").record(0.3);
            metrics::histogram!("lat2_seconds").record(f64::NAN);
        });
        let text = registry.gather(Format::OpenMetrics).unwrap();
        for line in [
            "# HELP reqs Requests\n",
            "reqs_total{route=\"/a\",code=\"200\"} 12\n",
            "reqs_total{route=\"/b\",code=\"200\"} 7\n",
            "reqs_total{route=\"other\",code=\"other\"} 2\n",
            "queue_depth 6.5\n",
            "lat2_seconds_bucket{le=\"0.25\"} 0\n",
            "lat2_seconds_bucket{le=\"0.5\"} 1\n",
            "lat2_seconds_count 1\n",
            // Two folded, one with other label names, one gauge of its name.
            "edgeprom_label_sets_refused_total{family=\"reqs\"} 4\n",
            "edgeprom_label_sets_refused_total{family=\"lat_seconds\"} 1\n",
        ] {
            assert!(text.contains(line), "{line:?} in\n{text}");
        }
        assert!(!text.contains("verb"), "{text}");
    }
}
