//! [`FnGauge`]: a gauge whose value a closure computes at encode time (Python's
//! `set_function`), for any `Fn() -> f64 + Send + Sync`.

use std::fmt;

use edgeprom::{Collect, Desc, Encoder, Labels, MetricType, NameError, SampleValue};

use crate::dynamic::DynDesc;

type Callback = Box<dyn Fn() -> f64 + Send + Sync>;

/// A gauge read from a closure whenever it is encoded: the length of a map behind a lock, the
/// number of open files, the age of a cache. The core's
/// [`CallbackGauge`](edgeprom::CallbackGauge) takes a `'static` name and a function type; this
/// one takes a run-time name and boxes any closure.
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::{Arc, Mutex};
/// use edgeprom::Format;
/// use edgeprom_std::{DynRegistry, FnGauge, Gather};
///
/// let sessions: Arc<Mutex<HashMap<u32, String>>> = Arc::default();
/// let seen = Arc::clone(&sessions);
/// let gauge = FnGauge::new("sessions", "Open sessions", move || {
///     seen.lock().map(|m| m.len() as f64).unwrap_or(f64::NAN)
/// })?;
/// let registry = DynRegistry::new();
/// registry.register(Arc::new(gauge))?;
/// sessions.lock().unwrap().insert(1, "alice".into());
/// assert!(registry.gather(Format::Prometheus)?.contains("sessions 1.0\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct FnGauge {
    desc: DynDesc,
    f: Callback,
}

impl fmt::Debug for FnGauge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnGauge")
            .field("desc", &self.desc)
            .finish_non_exhaustive()
    }
}

impl FnGauge {
    /// A gauge named `name` whose value is `f()`, or why the name is invalid.
    pub fn new(
        name: impl Into<String>,
        help: impl Into<String>,
        f: impl Fn() -> f64 + Send + Sync + 'static,
    ) -> Result<Self, NameError> {
        Ok(FnGauge {
            desc: DynDesc::new(name, help, MetricType::Gauge)?,
            f: Box::new(f),
        })
    }

    /// Calls the closure.
    pub fn get(&self) -> f64 {
        (self.f)()
    }
}

impl Collect for FnGauge {
    fn desc(&self) -> Desc<'_> {
        self.desc.desc()
    }
    fn metric_type(&self) -> MetricType {
        MetricType::Gauge
    }
    fn encode(&self, enc: &mut Encoder<'_>) -> fmt::Result {
        let desc = self.desc.desc();
        enc.write_header(&desc, MetricType::Gauge)?;
        enc.write_sample(
            &desc,
            "",
            &Labels::EMPTY,
            None,
            SampleValue::Float(self.get()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgeprom::Format;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    #[test]
    fn reads_the_closure_at_encode_time() {
        let n = Arc::new(AtomicU32::new(0));
        let m = Arc::clone(&n);
        let g = FnGauge::new("calls", "h", move || {
            f64::from(m.fetch_add(1, Ordering::Relaxed))
        })
        .unwrap();
        assert_eq!(g.get(), 0.0);
        let mut s = String::new();
        let mut enc = Encoder::new(&mut s, Format::Prometheus);
        g.encode(&mut enc).unwrap();
        assert_eq!(s, "# HELP calls h\n# TYPE calls gauge\ncalls 1.0\n");
        assert_eq!(n.load(Ordering::Relaxed), 2);
        assert!(FnGauge::new("1x", "", || 0.0).is_err());
        assert!(format!("{g:?}").contains("calls"));
    }
}
