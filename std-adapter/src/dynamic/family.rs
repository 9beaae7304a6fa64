//! [`DynFamily`]: a labelled metric with run-time names and any number of series.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, PoisonError, RwLock};

use edgeprom::name::validate_label_names_as;
use edgeprom::{
    Collect, Desc, Encoder, LabelError, Labels, MetricType, NameError, State, WallClock,
};

use super::desc::DynDesc;
use crate::clock::SystemClock;

type Values = Box<[Box<str>]>;

#[derive(Default)]
struct Series<T> {
    /// Hash of the label values -> positions in `list`.
    index: HashMap<u64, Vec<usize>>,
    /// In creation order.
    list: Vec<(Values, Arc<T>)>,
}

/// A metric with labels whose names, and number of series, are known only at run time.
///
/// Resolving label values takes a read lock (a write lock the first time a series is created);
/// the returned `Arc<T>` is the series itself, so keep it and every update is a lock-free atomic
/// operation. Each series' `_created` time is stamped from the [`SystemClock`].
///
/// ```
/// use edgeprom::{Format, Histogram};
/// use edgeprom_std::{DynFamily, Gather, DynRegistry};
/// use std::sync::Arc;
///
/// let latency = Arc::new(DynFamily::<Histogram>::new("rpc_seconds", "RPC latency", &["method"])?);
/// let registry = DynRegistry::new();
/// registry.register(latency.clone())?;
/// latency.labels(&["Get"])?.observe(0.02)?;
/// assert!(latency.labels(&["Get", "extra"]).is_err());
/// let text = registry.gather(Format::OpenMetrics)?;
/// assert!(text.contains("rpc_seconds_count{method=\"Get\"} 1\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct DynFamily<T: State> {
    desc: DynDesc,
    label_names: Box<[Box<str>]>,
    max_series: usize,
    hasher: RandomState,
    series: RwLock<Series<T>>,
}

impl<T: State> fmt::Debug for DynFamily<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynFamily")
            .field("desc", &self.desc)
            .field("labels", &self.label_names)
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl<T: State> DynFamily<T> {
    /// A family named `name` with these label names (checked: valid, distinct, not `le` on a
    /// histogram nor `quantile` on a summary).
    pub fn new(
        name: impl Into<String>,
        help: impl Into<String>,
        label_names: &[&str],
    ) -> Result<Self, NameError> {
        Self::with_desc(DynDesc::new(name, help, T::TYPE)?, label_names)
    }

    /// A family with a description made beforehand (to add a unit, say, or opt into UTF-8
    /// names with [`DynDesc::utf8`]).
    pub fn with_desc(desc: DynDesc, label_names: &[&str]) -> Result<Self, NameError> {
        // UTF-8 label names when the description opted into them.
        validate_label_names_as(label_names, T::TYPE.reserved_label(), desc.is_utf8())?;
        Ok(DynFamily {
            desc,
            label_names: label_names.iter().map(|n| Box::from(*n)).collect(),
            max_series: usize::MAX,
            hasher: RandomState::new(),
            series: RwLock::new(Series {
                index: HashMap::new(),
                list: Vec::new(),
            }),
        })
    }

    /// Limits the number of series (label-value combinations); beyond it,
    /// [`labels`](DynFamily::labels) returns [`LabelError::Full`]. Unlimited by default.
    pub fn with_max_series(mut self, max: usize) -> Self {
        self.max_series = max;
        self
    }

    /// The name, help and unit.
    pub fn dyn_desc(&self) -> &DynDesc {
        &self.desc
    }

    /// The series for these label values (in the order of the label names), created if new.
    pub fn labels(&self, values: &[&str]) -> Result<Arc<T>, LabelError> {
        if values.len() != self.label_names.len() {
            return Err(LabelError::WrongCount {
                expected: self.label_names.len(),
                got: values.len(),
            });
        }
        let hash = self.hasher.hash_one(values);
        if let Some(found) = self.find(&self.read(), hash, values) {
            return Ok(found);
        }
        let mut series = self.series.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = self.find(&series, hash, values) {
            return Ok(found);
        }
        if series.list.len() >= self.max_series {
            return Err(LabelError::Full {
                capacity: self.max_series,
            });
        }
        let state = Arc::new(T::INIT);
        state.init_created(SystemClock.unix_time());
        let pos = series.list.len();
        series.list.push((
            values.iter().map(|v| Box::from(*v)).collect(),
            Arc::clone(&state),
        ));
        series.index.entry(hash).or_default().push(pos);
        Ok(state)
    }

    /// The series for these label values, if it exists (never creates one).
    pub fn get(&self, values: &[&str]) -> Option<Arc<T>> {
        let hash = self.hasher.hash_one(values);
        self.find(&self.read(), hash, values)
    }

    /// The series for labels given by name, in any order (Python's `labels(method="get")`).
    pub fn labels_by_name(&self, pairs: &[(&str, &str)]) -> Result<Arc<T>, LabelError> {
        if pairs.len() != self.label_names.len() {
            return Err(LabelError::WrongCount {
                expected: self.label_names.len(),
                got: pairs.len(),
            });
        }
        let mut values: Vec<Option<&str>> = vec![None; pairs.len()];
        for (position, (name, value)) in pairs.iter().enumerate() {
            let i = self
                .label_names
                .iter()
                .position(|n| &**n == *name)
                .ok_or(LabelError::UnknownLabel { position })?;
            match values.get_mut(i) {
                Some(slot @ None) => *slot = Some(value),
                _ => return Err(LabelError::DuplicateLabel { position }),
            }
        }
        let values: Vec<&str> = values.into_iter().map(Option::unwrap_or_default).collect();
        self.labels(&values)
    }

    /// Removes a series (Python's `remove`); handles on it keep working but are no longer
    /// exposed. Returns whether it existed.
    pub fn remove(&self, values: &[&str]) -> bool {
        let mut series = self.series.write().unwrap_or_else(PoisonError::into_inner);
        let before = series.list.len();
        series
            .list
            .retain(|(v, _)| !v.iter().map(|b| &**b).eq(values.iter().copied()));
        let removed = series.list.len() != before;
        if removed {
            let mut index: HashMap<u64, Vec<usize>> = HashMap::new();
            for (pos, (v, _)) in series.list.iter().enumerate() {
                index.entry(self.hasher.hash_one(v)).or_default().push(pos);
            }
            series.index = index;
        }
        removed
    }

    /// Number of series.
    pub fn len(&self) -> usize {
        self.read().list.len()
    }

    /// Whether no series exists yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Series<T>> {
        self.series.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn find(&self, series: &Series<T>, hash: u64, values: &[&str]) -> Option<Arc<T>> {
        series.index.get(&hash)?.iter().find_map(|&pos| {
            let (v, state) = series.list.get(pos)?;
            v.iter()
                .map(|b| &**b)
                .eq(values.iter().copied())
                .then(|| Arc::clone(state))
        })
    }
}

impl<T: State + Send> Collect for DynFamily<T> {
    fn desc(&self) -> Desc<'_> {
        self.desc.desc()
    }
    fn metric_type(&self) -> MetricType {
        T::TYPE
    }
    fn label_name(&self, i: usize) -> Option<&str> {
        self.label_names.get(i).map(|n| &**n)
    }
    fn encode(&self, enc: &mut Encoder<'_>) -> fmt::Result {
        let desc = self.desc.desc();
        let names: Vec<&str> = self.label_names.iter().map(|n| &**n).collect();
        let series = self.read();
        enc.write_family(&desc, T::TYPE, |f| {
            for (values, state) in &series.list {
                let values: Vec<&str> = values.iter().map(|v| &**v).collect();
                f(&Labels::new(&names, &values), &**state)?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgeprom::{Counter, Format, Gauge, Histogram, Summary};

    #[test]
    fn a_registry_refuses_labels_that_repeat_its_constant_labels_in_either_order() {
        let f = DynFamily::<Counter>::new("reqs", "h", &["method", "path"]).unwrap();
        let clash = Err(edgeprom::RegisterError::LabelClash {
            name: "reqs",
            label: "method",
        });
        // Constant labels first, then the family.
        let mut r: edgeprom::Registry<'_, 2> = edgeprom::Registry::new()
            .with_const_labels(&[("method", "const")])
            .unwrap();
        assert_eq!(r.register(&f), clash);
        assert!(r.is_empty());
        // The family first, then constant labels.
        let mut r: edgeprom::Registry<'_, 2> = edgeprom::Registry::new();
        r.register(&f).unwrap();
        assert_eq!(
            r.with_const_labels(&[("method", "const")]).map(|_| ()),
            clash
        );
        // A label name the family does not have is fine.
        let mut r: edgeprom::Registry<'_, 2> = edgeprom::Registry::new()
            .with_const_labels(&[("device", "d1")])
            .unwrap();
        r.register(&f).unwrap();
    }

    fn encode(c: &dyn Collect, format: Format) -> String {
        let mut s = String::new();
        let mut enc = Encoder::new(&mut s, format);
        c.encode(&mut enc).unwrap();
        enc.finish().unwrap();
        s
    }

    #[test]
    fn creates_finds_and_encodes_in_order() {
        let f = DynFamily::<Counter>::new("reqs_total", "Requests", &["method", "code"]).unwrap();
        f.labels(&["get", "200"]).unwrap().inc();
        f.labels(&["post", "500"]).unwrap().inc_by(2);
        f.labels_by_name(&[("code", "200"), ("method", "get")])
            .unwrap()
            .inc();
        assert_eq!(f.len(), 2);
        assert_eq!(f.get(&["get", "200"]).unwrap().get(), 2);
        assert!(f.get(&["get", "404"]).is_none());
        let text = encode(&f, Format::Prometheus);
        let get = text
            .find("reqs_total{method=\"get\",code=\"200\"} 2\n")
            .unwrap();
        let post = text
            .find("reqs_total{method=\"post\",code=\"500\"} 2\n")
            .unwrap();
        assert!(get < post, "{text}");
        assert!(text.contains("# TYPE reqs_created gauge\n"), "{text}");
        assert!(f.remove(&["get", "200"]));
        assert!(!f.remove(&["get", "200"]));
        assert_eq!(f.len(), 1);
        assert_eq!(f.get(&["post", "500"]).unwrap().get(), 2);
    }

    #[test]
    fn label_errors() {
        let f = DynFamily::<Gauge>::new("g", "", &["a"])
            .unwrap()
            .with_max_series(1);
        assert_eq!(
            f.labels(&[]).err(),
            Some(LabelError::WrongCount {
                expected: 1,
                got: 0
            })
        );
        f.labels(&["x"]).unwrap().set(1.0);
        assert_eq!(
            f.labels(&["y"]).err(),
            Some(LabelError::Full { capacity: 1 })
        );
        assert_eq!(
            f.labels_by_name(&[("b", "x")]).err(),
            Some(LabelError::UnknownLabel { position: 0 })
        );
        assert_eq!(
            DynFamily::<Histogram>::new("h", "", &["le"]).err(),
            Some(NameError::ReservedLabel)
        );
        assert_eq!(
            DynFamily::<Summary>::new("s", "", &["a", "a"]).err(),
            Some(NameError::DuplicateLabel)
        );
        assert!(f.labels(&["x"]).is_ok());
        assert!(format!("{f:?}").contains("len: 1"));
    }

    #[test]
    fn escapes_label_values() {
        let f = DynFamily::<Gauge>::new("esc", "", &["path"]).unwrap();
        f.labels(&["a\"b\\c\nd"]).unwrap().set(1.0);
        assert!(encode(&f, Format::OpenMetrics).contains("esc{path=\"a\\\"b\\\\c\\nd\"} 1.0\n"));
    }
}
