//! [`DynRegistry`]: a growable, thread-safe list of metric families to encode.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use edgeprom::{name_clash, Collect, Encoder, Format, Registry, WallClock};

use crate::clock::SystemClock;
use crate::gather::{Gather, GatherError};

/// A family could not be added to a [`DynRegistry`]; the registry is unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DynRegisterError {
    /// Both families would write the name `existing` + `existing_suffix`, as a family name or
    /// a sample name (the core's [`RegisterError::NameClash`](edgeprom::RegisterError)).
    NameClash {
        /// The family being added.
        name: String,
        /// The registered family it clashes with.
        existing: String,
        /// The suffix under which `existing` writes the shared name.
        existing_suffix: &'static str,
    },
    /// A core [`Registry`] with a namespace or constant labels: a `DynRegistry` writes its
    /// families without them, so the document would not be the registry's.
    RegistryLabels {
        /// The core registry's namespace (`""` for none).
        namespace: String,
        /// How many constant labels it has.
        const_labels: usize,
    },
}

impl fmt::Display for DynRegisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DynRegisterError::NameClash {
                name,
                existing,
                existing_suffix,
            } => write!(
                f,
                "cannot register `{name}`: `{existing}{existing_suffix}` is written by the registered family `{existing}` already"
            ),
            DynRegisterError::RegistryLabels {
                namespace,
                const_labels,
            } => write!(
                f,
                "cannot register a core registry with a namespace (`{namespace}`) or constant labels ({const_labels}): a DynRegistry writes neither"
            ),
        }
    }
}

impl std::error::Error for DynRegisterError {}

/// A registry on the heap: any number of families, registered at any time through `&self`
/// (from any thread), encoded in registration order. Registration stamps unknown creation times
/// from the [`SystemClock`], and rejects a family whose name, or any of whose sample names,
/// clashes with one already registered (a `x` counter writes `x_total`, so a `x_total` gauge
/// clashes with it), as the core [`Registry`](edgeprom::Registry) does.
///
/// `static` metrics join it with [`register_static`](Self::register_static), or a whole core
/// [`Registry`] of them with [`register_registry`](Self::register_registry): static and
/// run-time families in one document, with one `# EOF`.
///
/// ```
/// use edgeprom::{Counter, Family, Format, Gauge, Metric, Registry};
/// use edgeprom_std::{DynFamily, DynRegistry, Gather};
/// use std::sync::Arc;
///
/// static UP: Metric<Gauge> = Metric::new("up", "Up");
/// static HITS: Family<Counter, 1, 8> = Family::new("hits", "Hits", ["route"]);
/// let mut statics: Registry<'static, 2> = Registry::new();
/// statics.register(&UP)?;
/// statics.register(&HITS)?;
///
/// let registry = Arc::new(DynRegistry::new());
/// registry.register_registry(&statics)?;
/// // Later, through the shared registry, from any thread:
/// let jobs = Arc::new(DynFamily::<Gauge>::new("jobs", "Jobs", &["queue"])?);
/// registry.register(jobs.clone())?;
/// UP.set(1.0);
/// HITS.labels(["/"])?.inc();
/// jobs.labels(&["mail"])?.set(3.0);
/// let text = registry.gather(Format::OpenMetrics)?;
/// assert!(text.contains("up 1.0\n") && text.contains("hits_total{route=\"/\"} 1\n"));
/// assert!(text.contains("jobs{queue=\"mail\"} 3.0\n"));
/// assert_eq!(text.matches("# EOF").count(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct DynRegistry {
    metrics: RwLock<Vec<Arc<dyn Collect + Send + Sync>>>,
    created: bool,
}

impl fmt::Debug for DynRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let metrics = self.metrics.read().unwrap_or_else(PoisonError::into_inner);
        f.debug_list()
            .entries(metrics.iter().map(|m| m.desc().name().to_owned()))
            .finish()
    }
}

impl Default for DynRegistry {
    fn default() -> Self {
        Self::new()
    }
}

impl DynRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        DynRegistry {
            metrics: RwLock::new(Vec::new()),
            created: true,
        }
    }

    /// Whether `_created` samples are written (default on), in the text formats and the
    /// protobuf exposition, as [`Registry::with_created`] says for the core registry.
    pub fn with_created(mut self, created: bool) -> Self {
        self.created = created;
        self
    }

    /// Adds a family. Fails with [`DynRegisterError::NameClash`] when it would write a name
    /// a registered family writes, by the core's rule ([`name_clash`]): its name or sample names
    /// clash with a registered family's; the registry is then unchanged.
    pub fn register(&self, metric: Arc<dyn Collect + Send + Sync>) -> Result<(), DynRegisterError> {
        let mut metrics = self.metrics.write().unwrap_or_else(PoisonError::into_inner);
        push_checked(&mut metrics, metric)
    }

    /// Adds a `static` metric or family (the clash rule and `_created` as
    /// [`register`](Self::register)); a static [`Family`](edgeprom::Family) without a clock of
    /// its own stamps the series it creates afterwards from the [`SystemClock`].
    pub fn register_static(&self, metric: &'static dyn Collect) -> Result<(), DynRegisterError> {
        self.register(Arc::new(StaticCollect(metric)))
    }

    /// Adds every family of a core [`Registry`] of `static`s, in its order, all or none (the
    /// registry is unchanged when one clashes). The core registry must have no namespace and
    /// no constant labels ([`DynRegisterError::RegistryLabels`]): they are the core
    /// registry's, not its families'.
    pub fn register_registry<const N: usize>(
        &self,
        registry: &Registry<'static, N>,
    ) -> Result<(), DynRegisterError> {
        if !registry.namespace().is_empty() || !registry.const_labels().is_empty() {
            return Err(DynRegisterError::RegistryLabels {
                namespace: registry.namespace().to_owned(),
                const_labels: registry.const_labels().len(),
            });
        }
        let mut metrics = self.metrics.write().unwrap_or_else(PoisonError::into_inner);
        let before = metrics.len();
        for m in registry.iter() {
            if let Err(e) = push_checked(&mut metrics, Arc::new(StaticCollect(m))) {
                metrics.truncate(before);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Removes the family named `name` (without `_total`/`_info`); returns whether it was there.
    pub fn unregister(&self, name: &str) -> bool {
        let mut metrics = self.metrics.write().unwrap_or_else(PoisonError::into_inner);
        let before = metrics.len();
        metrics.retain(|m| m.desc().name() != name);
        metrics.len() != before
    }

    /// Number of registered families.
    pub fn len(&self) -> usize {
        self.metrics
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Adds `metric` unless it clashes with one of `metrics`; stamps its creation times (and, for a
/// family, those of its later series) from the [`SystemClock`].
fn push_checked(
    metrics: &mut Vec<Arc<dyn Collect + Send + Sync>>,
    metric: Arc<dyn Collect + Send + Sync>,
) -> Result<(), DynRegisterError> {
    for m in metrics.iter() {
        let (existing, name) = (m.desc().name(), metric.desc().name());
        if let Some(c) = name_clash(existing, m.metric_type(), name, metric.metric_type()) {
            return Err(DynRegisterError::NameClash {
                name: name.to_owned(),
                existing: existing.to_owned(),
                existing_suffix: c.a_suffix,
            });
        }
    }
    metric.adopt_wall_clock(&SystemClock);
    metric.init_created(SystemClock.unix_time());
    metrics.push(metric);
    Ok(())
}

/// A `'static` metric, registered into a [`DynRegistry`]: every method forwarded.
pub(crate) struct StaticCollect(pub(crate) &'static dyn Collect);

impl Collect for StaticCollect {
    fn desc(&self) -> edgeprom::Desc<'_> {
        self.0.desc()
    }
    fn metric_type(&self) -> edgeprom::MetricType {
        self.0.metric_type()
    }
    fn label_name(&self, i: usize) -> Option<&str> {
        self.0.label_name(i)
    }
    fn encode(&self, enc: &mut Encoder<'_>) -> fmt::Result {
        self.0.encode(enc)
    }
    fn init_created(&self, unix: Duration) {
        self.0.init_created(unix);
    }
    fn adopt_wall_clock(&self, clock: &'static dyn WallClock) {
        self.0.adopt_wall_clock(clock);
    }
}

impl Gather for DynRegistry {
    fn gather_into(&self, format: Format, out: &mut String) -> Result<(), GatherError> {
        self.gather_escaped_into(format, edgeprom::Escaping::Underscores, out)
    }

    fn gather_escaped_into(
        &self,
        format: Format,
        escaping: edgeprom::Escaping,
        out: &mut String,
    ) -> Result<(), GatherError> {
        let metrics = self.metrics.read().unwrap_or_else(PoisonError::into_inner);
        let mut enc = Encoder::new(out, format)
            .with_escaping(escaping)
            .with_created(self.created);
        for m in metrics.iter() {
            m.encode(&mut enc).map_err(|_| GatherError)?;
        }
        enc.finish().map_err(|_| GatherError)
    }

    /// The same families as the text, under one read lock.
    #[cfg(feature = "protobuf")]
    fn gather_protobuf(&self) -> Option<Result<Vec<u8>, GatherError>> {
        self.gather_protobuf_escaped(edgeprom::Escaping::Underscores)
    }

    /// The same families as the text, under one read lock.
    #[cfg(feature = "protobuf")]
    fn gather_protobuf_escaped(
        &self,
        escaping: edgeprom::Escaping,
    ) -> Option<Result<Vec<u8>, GatherError>> {
        let metrics = self.metrics.read().unwrap_or_else(PoisonError::into_inner);
        Some(crate::protobuf::gather_collectors(
            escaping,
            self.created,
            |enc| metrics.iter().try_for_each(|m| enc.write_collector(&**m)),
        ))
    }
}

/// The whole request under one read lock: a family registered or removed meanwhile is in it
/// entirely or not at all.
#[cfg(feature = "remote-write")]
impl crate::RemoteWriteEncode for DynRegistry {
    fn remote_write_into(
        &self,
        request: &edgeprom::encode::remote_write::RemoteWrite,
        buf: &mut Vec<u8>,
    ) -> Result<(), crate::RemoteWriteError> {
        let metrics = self.metrics.read().unwrap_or_else(PoisonError::into_inner);
        crate::remote_write::encode_with(request, buf, |enc| {
            metrics.iter().try_for_each(|m| m.encode(enc))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DynFamily, DynMetric, FnGauge};
    use edgeprom::{Counter, Gauge, Histogram};

    #[test]
    fn registers_rejects_clashes_and_encodes() {
        let r = DynRegistry::new();
        r.register(Arc::new(DynMetric::<Counter>::new("x", "").unwrap()))
            .unwrap();
        let clash = Arc::new(DynMetric::<Gauge>::new("x_total", "").unwrap());
        assert!(matches!(
            r.register(clash),
            Err(DynRegisterError::NameClash {
                existing_suffix: "_total",
                ..
            })
        ));
        let same = Arc::new(DynMetric::<Gauge>::new("x", "").unwrap());
        assert!(matches!(
            r.register(same),
            Err(DynRegisterError::NameClash { .. })
        ));
        let h = Arc::new(DynFamily::<Histogram>::new("h", "", &["a"]).unwrap());
        r.register(h.clone()).unwrap();
        let bucket = Arc::new(DynMetric::<Gauge>::new("h_bucket", "").unwrap());
        assert!(matches!(
            r.register(bucket),
            Err(DynRegisterError::NameClash {
                existing_suffix: "_bucket",
                ..
            })
        ));
        r.register(Arc::new(FnGauge::new("f", "", || 1.0).unwrap()))
            .unwrap();
        assert_eq!(r.len(), 3);
        h.labels(&["v"]).unwrap().observe(1.0).unwrap();
        let text = r.gather(Format::OpenMetrics).unwrap();
        assert!(text.contains("x_total 0\n"), "{text}");
        assert!(text.contains("h_sum{a=\"v\"} 1.0\n"), "{text}");
        assert!(text.ends_with("# EOF\n"));
        assert!(r.unregister("x"));
        assert!(!r.unregister("x"));
        assert_eq!(format!("{r:?}"), "[\"h\", \"f\"]");
    }

    #[test]
    fn statics_and_run_time_families_in_one_document_and_late_series_stamped() {
        use edgeprom::{Family, Metric, Registry};
        static UP: Metric<Gauge> = Metric::new("joined_up", "h");
        static LATE: Family<Counter, 1, 4> = Family::new("joined_late", "h", ["route"]);
        let mut statics: Registry<'static, 2> = Registry::new();
        statics.register(&UP).unwrap();
        statics.register(&LATE).unwrap();
        let r = Arc::new(DynRegistry::new());
        r.register(Arc::new(DynMetric::<Gauge>::new("joined_up", "").unwrap()))
            .unwrap();
        // A clash refuses the whole core registry.
        assert!(matches!(
            r.register_registry(&statics),
            Err(DynRegisterError::NameClash { .. })
        ));
        assert_eq!(r.len(), 1);
        assert!(r.unregister("joined_up"));
        r.register_registry(&statics).unwrap();
        // Registering through a shared registry, from another thread.
        let shared = Arc::clone(&r);
        std::thread::spawn(move || {
            let f = Arc::new(DynFamily::<Gauge>::new("joined_jobs", "", &["q"]).unwrap());
            f.labels(&["mail"]).unwrap().set(2.0);
            shared.register(f).unwrap();
        })
        .join()
        .unwrap();
        LATE.labels(["/after"]).unwrap().inc();
        assert!(LATE.get(["/after"]).unwrap().created().is_some());
        let text = r.gather(Format::OpenMetrics).unwrap();
        for line in [
            "joined_up 0.0\n",
            "joined_late_total{route=\"/after\"} 1\n",
            "joined_late_created{route=\"/after\"} ",
            "joined_jobs{q=\"mail\"} 2.0\n",
        ] {
            assert!(text.contains(line), "{line:?} in\n{text}");
        }
        assert_eq!(text.matches("# EOF").count(), 1);
        let with_ns: Registry<'static, 1> = Registry::new().with_namespace("ns").unwrap();
        assert_eq!(
            r.register_registry(&with_ns),
            Err(DynRegisterError::RegistryLabels {
                namespace: "ns".into(),
                const_labels: 0
            })
        );
    }
}
