//! [`DynFamily`]: a labelled metric with run-time names and any number of series.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, PoisonError, RwLock};

use edgeprom::name::validate_label_names_as;
use edgeprom::{
    Collect, CountRefused, Counter, CounterValue, Desc, Encoder, LabelError, Labels, MetricType,
    NameError, State, WallClock,
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
    overflow: Option<DynOverflow>,
    hasher: RandomState,
    series: RwLock<Series<T>>,
}

/// A [`DynFamily`]'s overflow policy: the value of every label of the overflow series, and
/// who counts the label sets folded into it.
struct DynOverflow {
    value: Box<str>,
    counter: Option<Arc<dyn CountRefused + Send>>,
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
            overflow: None,
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

    /// Folds label sets that find the family full (see
    /// [`with_max_series`](Self::with_max_series)) into one series whose every label is
    /// `value`, instead of refusing them with [`LabelError::Full`], as a static
    /// [`Family`](edgeprom::Family) with an [`Overflow`](edgeprom::Overflow) does: that series
    /// counts towards the maximum, so `max - 1` label sets of their own fit.
    ///
    /// ```
    /// use edgeprom::Counter;
    /// use edgeprom_std::DynFamily;
    /// use std::sync::Arc;
    ///
    /// let refused = Arc::new(DynFamily::<Counter>::new("label_sets_refused", "", &["family"])?);
    /// let routes = DynFamily::<Counter>::new("http_requests", "", &["route"])?
    ///     .with_max_series(3)
    ///     .with_overflow("other", Some(refused.clone()));
    /// for route in ["/a", "/b", "/c", "/d"] {
    ///     routes.labels(&[route])?.inc();
    /// }
    /// assert_eq!(routes.get(&["other"]).map(|c| c.get()), Some(2));
    /// assert_eq!(refused.get(&["http_requests"]).map(|c| c.get()), Some(2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_overflow(
        mut self,
        value: impl Into<Box<str>>,
        counter: Option<Arc<dyn CountRefused + Send>>,
    ) -> Self {
        self.overflow = Some(DynOverflow {
            value: value.into(),
            counter,
        });
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
        let limit = self.limit(values);
        {
            let series = self.read();
            if let Some(found) = self.find(&series, hash, values) {
                return Ok(found);
            }
            // Full: no write lock for a label set that will not be created.
            if series.list.len() >= limit {
                drop(series);
                return self.overflowed();
            }
        }
        let mut series = self.series.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = self.find(&series, hash, values) {
            return Ok(found);
        }
        if series.list.len() >= limit {
            drop(series);
            return self.overflowed();
        }
        Ok(self.create(&mut series, hash, values))
    }

    /// How many series may exist when `values` is created: all for the overflow series, one
    /// fewer for any other label set under an overflow policy.
    fn limit(&self, values: &[&str]) -> usize {
        match &self.overflow {
            Some(o) if !values.iter().all(|v| *v == &*o.value) => self.max_series.saturating_sub(1),
            _ => self.max_series,
        }
    }

    /// A label set found the family full: the overflow series (counted), or `Full`.
    fn overflowed(&self) -> Result<Arc<T>, LabelError> {
        let full = LabelError::Full {
            capacity: self.max_series,
        };
        let Some(o) = &self.overflow else {
            return Err(full);
        };
        let values: Vec<&str> = vec![&*o.value; self.label_names.len()];
        let hash = self.hasher.hash_one(&values[..]);
        // The read guard ends with this statement, before the write lock is taken.
        let existing = self.find(&self.read(), hash, &values);
        let found = match existing {
            Some(found) => found,
            None => {
                let mut series = self.series.write().unwrap_or_else(PoisonError::into_inner);
                match self.find(&series, hash, &values) {
                    Some(found) => found,
                    None if series.list.len() < self.max_series => {
                        self.create(&mut series, hash, &values)
                    }
                    None => return Err(full),
                }
            }
        };
        if let Some(counter) = &o.counter {
            counter.refused(self.desc.desc().name());
        }
        Ok(found)
    }

    /// Adds the series, under the write lock.
    fn create(&self, series: &mut Series<T>, hash: u64, values: &[&str]) -> Arc<T> {
        let state = Arc::new(T::INIT);
        state.init_created(SystemClock.unix_time());
        let pos = series.list.len();
        series.list.push((
            values.iter().map(|v| Box::from(*v)).collect(),
            Arc::clone(&state),
        ));
        series.index.entry(hash).or_default().push(pos);
        state
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

/// One series per refusing family, labelled with its name (the family's one label).
impl<V: CounterValue + Send> CountRefused for DynFamily<Counter<V>> {
    fn refused(&self, family: &str) {
        if let Ok(c) = self.labels(&[family]) {
            c.inc();
        }
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
    fn overflow_folds_counts_and_stays_bounded_under_threads() {
        let refused = Arc::new(DynFamily::<Counter>::new("refused", "", &["family"]).unwrap());
        let f = Arc::new(
            DynFamily::<Counter>::new("routes", "", &["route", "code"])
                .unwrap()
                .with_max_series(8)
                .with_overflow("__overflow__", Some(refused.clone())),
        );
        std::thread::scope(|s| {
            for t in 0..4 {
                let f = &f;
                s.spawn(move || {
                    for i in 0..50 {
                        f.labels(&[&format!("/r{t}/{i}"), "200"]).unwrap().inc();
                    }
                });
            }
        });
        assert_eq!(f.len(), 8);
        let other = f.get(&["__overflow__", "__overflow__"]).unwrap();
        assert_eq!(other.get(), 200 - 7);
        assert_eq!(refused.get(&["routes"]).unwrap().get(), 200 - 7);
        let text = encode(&*f, Format::OpenMetrics);
        assert!(
            text.contains("routes_total{route=\"__overflow__\",code=\"__overflow__\"} 193\n"),
            "{text}"
        );
        // Without a policy: an error, and nothing counted.
        let plain = DynFamily::<Counter>::new("p", "", &["a"])
            .unwrap()
            .with_max_series(1);
        plain.labels(&["x"]).unwrap();
        assert_eq!(
            plain.labels(&["y"]).err(),
            Some(LabelError::Full { capacity: 1 })
        );
    }

    #[test]
    fn escapes_label_values() {
        let f = DynFamily::<Gauge>::new("esc", "", &["path"]).unwrap();
        f.labels(&["a\"b\\c\nd"]).unwrap().set(1.0);
        assert!(encode(&f, Format::OpenMetrics).contains("esc{path=\"a\\\"b\\\\c\\nd\"} 1.0\n"));
    }
}
