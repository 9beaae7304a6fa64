//! [`DynRegistry`]: a growable, thread-safe list of metric families to encode.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use edgeprom::{Collect, Encoder, Format, RegisterError, WallClock};

use crate::clock::SystemClock;
use crate::gather::{Gather, GatherError};

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

    /// Adds a family. Fails with [`RegisterError::Duplicate`] when its name or sample names
    /// clash with a registered family's; the registry is then unchanged.
    pub fn register(&self, metric: Arc<dyn Collect + Send + Sync>) -> Result<(), RegisterError> {
        let mut metrics = self.metrics.write().unwrap_or_else(PoisonError::into_inner);
        if metrics.iter().any(|m| clashes(&**m, &*metric)) {
            return Err(RegisterError::Duplicate);
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
        let metrics = self.metrics.read().unwrap_or_else(PoisonError::into_inner);
        let mut enc = Encoder::new(out, format);
        for m in metrics.iter() {
            m.encode(&mut enc).map_err(|_| GatherError)?;
        }
        enc.finish().map_err(|_| GatherError)
    }
}

/// Whether two families would write a family or sample name twice.
pub(crate) fn clashes(a: &dyn Collect, b: &dyn Collect) -> bool {
    names_clash(
        a.desc().name(),
        a.metric_type(),
        b.desc().name(),
        b.metric_type(),
    )
}

/// Whether families `an` of type `at` and `bn` of type `bt` would write a name twice.
pub(crate) fn names_clash(
    an: &str,
    at: edgeprom::MetricType,
    bn: &str,
    bt: edgeprom::MetricType,
) -> bool {
    an == bn
        || at.sample_suffixes().iter().any(|sa| {
            bt.sample_suffixes().iter().any(|sb| {
                an.len() + sa.len() == bn.len() + sb.len() && {
                    let a = an.bytes().chain(sa.bytes());
                    a.eq(bn.bytes().chain(sb.bytes()))
                }
            })
        })
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
        assert_eq!(r.register(clash), Err(RegisterError::Duplicate));
        let same = Arc::new(DynMetric::<Gauge>::new("x", "").unwrap());
        assert_eq!(r.register(same), Err(RegisterError::Duplicate));
        let h = Arc::new(DynFamily::<Histogram>::new("h", "", &["a"]).unwrap());
        r.register(h.clone()).unwrap();
        let bucket = Arc::new(DynMetric::<Gauge>::new("h_bucket", "").unwrap());
        assert_eq!(r.register(bucket), Err(RegisterError::Duplicate));
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
