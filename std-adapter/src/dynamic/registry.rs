//! [`DynRegistry`]: a growable, thread-safe list of metric families to encode.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use edgeprom::{name_clash, Collect, Encoder, Format, WallClock};

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
/// The core's `static` metrics stay in a core [`Registry`](edgeprom::Registry), which is a
/// [`Gather`] too.
pub struct DynRegistry {
    metrics: RwLock<Vec<Arc<dyn Collect + Send + Sync>>>,
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
        }
    }

    /// Adds a family. Fails with [`DynRegisterError::NameClash`] when it would write a name
    /// a registered family writes, by the core's rule ([`name_clash`]): its name or sample names
    /// clash with a registered family's; the registry is then unchanged.
    pub fn register(&self, metric: Arc<dyn Collect + Send + Sync>) -> Result<(), DynRegisterError> {
        let mut metrics = self.metrics.write().unwrap_or_else(PoisonError::into_inner);
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
        metric.init_created(SystemClock.unix_time());
        metrics.push(metric);
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
        let mut enc = Encoder::new(out, format).with_escaping(escaping);
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
        Some(crate::protobuf::gather_collectors(escaping, |enc| {
            metrics.iter().try_for_each(|m| enc.write_collector(&**m))
        }))
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
}
