//! [`DynMetric`]: one unlabelled series whose name is known only at run time.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use edgeprom::{Collect, Desc, Encoder, Labels, MetricType, NameError, State, WallClock};

use super::desc::DynDesc;
use crate::clock::SystemClock;

/// A named metric without labels, like the core's [`Metric`](edgeprom::Metric) but with an
/// owned name. The series is an `Arc<T>` of the core's atomic type: clone a handle with
/// [`handle`](DynMetric::handle) and update it from any thread without a lock. Its creation
/// time (`_created`) is stamped from the [`SystemClock`] when it is made.
///
/// ```
/// use edgeprom::{Counter, Format};
/// use edgeprom_std::{DynMetric, DynRegistry, Gather};
/// use std::sync::Arc;
///
/// let name = format!("{}_events", "import");
/// let events = Arc::new(DynMetric::<Counter>::new(name, "Events imported")?);
/// let registry = DynRegistry::new();
/// registry.register(events.clone())?;
/// let handle = events.handle();
/// std::thread::spawn(move || handle.inc_by(3)).join().unwrap();
/// let text = registry.gather(Format::Prometheus)?;
/// assert!(text.contains("import_events_total 3\n"));
/// assert!(text.contains("# TYPE import_events_created gauge\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct DynMetric<T: State> {
    desc: DynDesc,
    state: Arc<T>,
}

impl<T: State> fmt::Debug for DynMetric<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynMetric")
            .field("desc", &self.desc)
            .field("type", &T::TYPE)
            .finish_non_exhaustive()
    }
}

impl<T: State> DynMetric<T> {
    /// A metric named `name`, or why the name is invalid.
    pub fn new(name: impl Into<String>, help: impl Into<String>) -> Result<Self, NameError> {
        Ok(Self::with_desc(DynDesc::new(name, help, T::TYPE)?))
    }

    /// A metric with a description made beforehand (to add a unit, say).
    pub fn with_desc(desc: DynDesc) -> Self {
        let state = Arc::new(T::INIT);
        state.init_created(SystemClock.unix_time());
        DynMetric { desc, state }
    }

    /// The name, help and unit.
    pub fn dyn_desc(&self) -> &DynDesc {
        &self.desc
    }

    /// A handle on the series, for other threads; updates through it are lock-free.
    pub fn handle(&self) -> Arc<T> {
        Arc::clone(&self.state)
    }
}

impl<T: State> Deref for DynMetric<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.state
    }
}

impl<T: State + Send> Collect for DynMetric<T> {
    fn desc(&self) -> Desc<'_> {
        self.desc.desc()
    }
    fn metric_type(&self) -> MetricType {
        T::TYPE
    }
    fn encode(&self, enc: &mut Encoder<'_>) -> fmt::Result {
        let desc = self.desc.desc();
        enc.write_family(&desc, T::TYPE, |f| f(&Labels::EMPTY, &*self.state))
    }
    fn init_created(&self, unix: Duration) {
        self.state.init_created(unix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgeprom::{Format, Gauge, Histogram, Summary};

    fn encode(c: &dyn Collect, format: Format) -> String {
        let mut s = String::new();
        let mut enc = Encoder::new(&mut s, format);
        c.encode(&mut enc).unwrap();
        enc.finish().unwrap();
        s
    }

    #[test]
    fn encodes_like_the_core() {
        let g = DynMetric::<Gauge>::new("dyn_gauge", "A gauge").unwrap();
        g.set(1.5);
        assert_eq!(
            encode(&g, Format::Prometheus),
            "# HELP dyn_gauge A gauge\n# TYPE dyn_gauge gauge\ndyn_gauge 1.5\n"
        );
        let h = DynMetric::<Histogram>::new("dyn_h", "").unwrap();
        h.observe(0.3).unwrap();
        let text = encode(&h, Format::OpenMetrics);
        assert!(text.contains("dyn_h_bucket{le=\"0.5\"} 1\n"), "{text}");
        assert!(text.contains("dyn_h_created "), "{text}");
        let s = DynMetric::<Summary>::new("dyn_s", "").unwrap();
        s.handle().observe(2.0).unwrap();
        assert_eq!(s.count(), 1);
        assert_eq!(s.dyn_desc().name(), "dyn_s");
        assert!(format!("{s:?}").contains("dyn_s"));
        assert!(DynMetric::<Gauge>::new("no spaces", "").is_err());
    }
}
