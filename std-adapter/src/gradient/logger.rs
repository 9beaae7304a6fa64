//! [`MetricsLogger`]: Gradient's `MetricsLogger` (Python package `gradient-utils`) in Rust.

use std::collections::HashMap;
use std::fmt;
use std::ops::Index;
use std::sync::{Arc, PoisonError, RwLock};

use edgeprom::{
    Collect, Counter, Desc, Encoder, Format, Gauge, Histogram, Labels, MetricType, NameError,
    SampleValue, Summary,
};

use super::config::MetricsLoggerBuilder;
use super::metric::{AccessError, LoggerInfo, LoggerMetric};
use crate::dynamic::DynDesc;
use crate::gather::{Gather, GatherError};
use crate::push::{PushClient, PushError};

/// A metric could not be added to a [`MetricsLogger`]; the logger is unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "gradient")))]
pub enum AddError {
    /// The name is not a valid metric name.
    InvalidName {
        /// The name given.
        name: String,
        /// Why it is invalid.
        error: NameError,
    },
    /// A metric of this name was already added with another type.
    TypeConflict {
        /// The name given.
        name: String,
        /// The type it has.
        existing: MetricType,
        /// The type asked for.
        requested: MetricType,
    },
    /// The metric would write a series name another metric writes (a counter `x` writes
    /// `x_total`, so a gauge `x_total` clashes with it).
    NameClash {
        /// The name given.
        name: String,
        /// The metric it clashes with.
        existing: String,
    },
}

impl fmt::Display for AddError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddError::InvalidName { name, error } => {
                write!(f, "invalid metric name `{name}`: {error}")
            }
            AddError::TypeConflict {
                name,
                existing,
                requested,
            } => write!(
                f,
                "metric `{name}` was added as a {existing:?}, not a {requested:?}"
            ),
            AddError::NameClash { name, existing } => {
                write!(f, "metric `{name}` clashes with metric `{existing}`")
            }
        }
    }
}

impl std::error::Error for AddError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AddError::InvalidName { error, .. } => Some(error),
            _ => None,
        }
    }
}

struct Entry {
    key: String,
    desc: DynDesc,
    metric: LoggerMetric,
}

/// Gradient's `MetricsLogger`: metrics named at run time, each bound to the labels
/// `label_metrics_<type>_handle` (the workload id), `pod` and `step`, pushed (PUT) to the
/// Pushgateway as job `<workload id>` with the grouping key
/// `{label_metrics_<type>_handle: <workload id>, step: <step>}` plus any keys you add: the same
/// series, labels and grouping key as the Python package `gradient-utils` 0.5.0, so dashboards
/// built on its series keep working.
///
/// Differences from Python, on purpose:
/// - without a step, there is no `step` label and no `step` in the grouping key (Python sends
///   the text `None`);
/// - the `step` label in the body is the current step when pushing (Python keeps the step a
///   metric was added with, and the gateway then overwrites it with the grouping key's, so the
///   gateway holds the same);
/// - a name never added is an error ([`get`](Self::get)), or a panic through `logger[name]`,
///   which, like any `Index`, cannot return an error; adding a name again with another type is
///   an [`AddError::TypeConflict`] (again with the same type returns the same metric).
///
/// Updates never lock: `add_*` takes `&mut self`, access by name takes `&self`, and every
/// metric is one of the core's atomic types behind an `Arc`.
///
/// ```no_run
/// use edgeprom_std::MetricsLogger;
///
/// let mut logger = MetricsLogger::builder()
///     .workload_id("exp42")
///     .gateway("http://127.0.0.1:9091")
///     .grouping_key("run", "baseline")
///     .step(3)
///     .build()?;
/// logger.add_gauge("Gauge")?;
/// logger.add_counter("Counter")?;
/// for round in 0..5 {
///     logger.set("Gauge", f64::from(round) * 1.5)?; // Python: logger["Gauge"] = value
///     logger["Counter"].inc()?; // panics if "Counter" was never added; get() returns Err
///     logger.push_metrics()?;
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "gradient")))]
pub struct MetricsLogger {
    client: PushClient,
    workload_label: String,
    workload_id: String,
    pod: String,
    step: RwLock<Option<u64>>,
    grouping: Vec<(String, String)>,
    entries: Vec<Entry>,
    index: HashMap<String, usize>,
}

impl fmt::Debug for MetricsLogger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsLogger")
            .field("client", &self.client)
            .field("workload_id", &self.workload_id)
            .field("grouping_key", &self.grouping_key())
            .field(
                "metrics",
                &self.entries.iter().map(|e| &e.key).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl MetricsLogger {
    /// Settings for a logger; what is not given comes from Gradient's environment variables.
    pub fn builder() -> MetricsLoggerBuilder {
        MetricsLoggerBuilder::default()
    }

    /// A logger configured from the environment, with these extra grouping-key labels
    /// (Python's `MetricsLogger(grouping_key={...})`).
    pub fn new(grouping_key: &[(&str, &str)]) -> Result<Self, crate::ConfigError> {
        grouping_key
            .iter()
            .fold(Self::builder(), |b, (n, v)| b.grouping_key(*n, *v))
            .build()
    }

    pub(crate) fn from_parts(
        client: PushClient,
        workload_label: String,
        workload_id: String,
        pod: String,
        step: Option<u64>,
        grouping: Vec<(String, String)>,
    ) -> Self {
        MetricsLogger {
            client,
            workload_label,
            workload_id,
            pod,
            step: RwLock::new(step),
            grouping,
            entries: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// The workload id (the push's job).
    pub fn workload_id(&self) -> &str {
        &self.workload_id
    }

    /// The workload label's name, `label_metrics_<type>_handle`.
    pub fn workload_label(&self) -> &str {
        &self.workload_label
    }

    /// The `pod` label's value.
    pub fn pod(&self) -> &str {
        &self.pod
    }

    /// The push client.
    pub fn client(&self) -> &PushClient {
        &self.client
    }

    /// The current step, if any.
    pub fn step(&self) -> Option<u64> {
        *self.step.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Changes the step: the `step` label of every series and of the grouping key, from the
    /// next push on.
    pub fn set_step(&self, step: u64) {
        *self.step.write().unwrap_or_else(PoisonError::into_inner) = Some(step);
    }

    /// Removes the step: no `step` label from the next push on.
    pub fn clear_step(&self) {
        *self.step.write().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// The grouping key pushes go to: the workload label, the step if any, then the labels
    /// you added (a name given twice keeps its first place and its last value, like a Python
    /// dict update).
    pub fn grouping_key(&self) -> Vec<(String, String)> {
        let mut key = vec![(self.workload_label.clone(), self.workload_id.clone())];
        if let Some(step) = self.step() {
            key.push(("step".to_owned(), step.to_string()));
        }
        for (n, v) in &self.grouping {
            match key.iter_mut().find(|(k, _)| k == n) {
                Some(pair) => pair.1.clone_from(v),
                None => key.push((n.clone(), v.clone())),
            }
        }
        key
    }

    /// Adds a gauge (Python's `add_gauge`) and returns it.
    pub fn add_gauge(&mut self, name: &str) -> Result<Arc<Gauge>, AddError> {
        let m = self.add(name, MetricType::Gauge)?;
        Ok(Arc::clone(
            m.as_gauge()
                .ok_or_else(|| conflict(name, m, MetricType::Gauge))?,
        ))
    }

    /// Adds a counter (a float counter, as Python's) and returns it.
    pub fn add_counter(&mut self, name: &str) -> Result<Arc<Counter<f64>>, AddError> {
        let m = self.add(name, MetricType::Counter)?;
        Ok(Arc::clone(
            m.as_counter()
                .ok_or_else(|| conflict(name, m, MetricType::Counter))?,
        ))
    }

    /// Adds a summary (count and sum) and returns it.
    pub fn add_summary(&mut self, name: &str) -> Result<Arc<Summary>, AddError> {
        let m = self.add(name, MetricType::Summary)?;
        Ok(Arc::clone(
            m.as_summary()
                .ok_or_else(|| conflict(name, m, MetricType::Summary))?,
        ))
    }

    /// Adds a histogram with Python's default buckets (0.005 to 10) and returns it.
    pub fn add_histogram(&mut self, name: &str) -> Result<Arc<Histogram>, AddError> {
        let m = self.add(name, MetricType::Histogram)?;
        Ok(Arc::clone(
            m.as_histogram()
                .ok_or_else(|| conflict(name, m, MetricType::Histogram))?,
        ))
    }

    /// Adds an info metric (set its pairs with [`LoggerMetric::info`]) and returns it.
    pub fn add_info(&mut self, name: &str) -> Result<Arc<LoggerInfo>, AddError> {
        let m = self.add(name, MetricType::Info)?;
        Ok(Arc::clone(
            m.as_info()
                .ok_or_else(|| conflict(name, m, MetricType::Info))?,
        ))
    }

    fn add(&mut self, name: &str, ty: MetricType) -> Result<&LoggerMetric, AddError> {
        let pos = match self.index.get(name) {
            Some(&pos) => pos,
            None => self.insert(name, ty)?,
        };
        let entry = self.entries.get(pos).ok_or_else(|| AddError::NameClash {
            name: name.to_owned(),
            existing: name.to_owned(),
        })?;
        Ok(&entry.metric)
    }

    fn insert(&mut self, name: &str, ty: MetricType) -> Result<usize, AddError> {
        let desc = DynDesc::new(name, "", ty).map_err(|error| AddError::InvalidName {
            name: name.to_owned(),
            error,
        })?;
        for e in &self.entries {
            let ety = e.metric.metric_type();
            if e.desc.name() == desc.name() && ety != ty {
                return Err(AddError::TypeConflict {
                    name: name.to_owned(),
                    existing: ety,
                    requested: ty,
                });
            }
            if edgeprom::name_clash(e.desc.name(), ety, desc.name(), ty).is_some() {
                return Err(AddError::NameClash {
                    name: name.to_owned(),
                    existing: e.key.clone(),
                });
            }
        }
        let reserved = vec![
            self.workload_label.clone(),
            "pod".to_owned(),
            "step".to_owned(),
        ];
        let metric = LoggerMetric::new(ty, reserved).ok_or_else(|| AddError::InvalidName {
            name: name.to_owned(),
            error: NameError::InvalidMetricName,
        })?;
        let pos = self.entries.len();
        self.entries.push(Entry {
            key: name.to_owned(),
            desc,
            metric,
        });
        self.index.insert(name.to_owned(), pos);
        Ok(pos)
    }

    /// The metric added as `name`.
    pub fn get(&self, name: &str) -> Result<&LoggerMetric, AccessError> {
        self.index
            .get(name)
            .and_then(|&pos| self.entries.get(pos))
            .map(|e| &e.metric)
            .ok_or_else(|| AccessError::NotFound {
                name: name.to_owned(),
            })
    }

    /// Sets the gauge `name`: Python's `logger["Gauge"] = 5`.
    pub fn set(&self, name: &str, value: f64) -> Result<(), AccessError> {
        self.get(name)?.set(value)
    }

    fn typed<T>(
        &self,
        name: &str,
        operation: &'static str,
        pick: impl FnOnce(&LoggerMetric) -> Option<&Arc<T>>,
    ) -> Result<&Arc<T>, AccessError> {
        let m = self.get(name)?;
        pick(m).ok_or(AccessError::WrongType {
            operation,
            metric_type: m.metric_type(),
        })
    }

    /// The gauge `name`.
    pub fn gauge(&self, name: &str) -> Result<&Arc<Gauge>, AccessError> {
        self.typed(name, "gauge", LoggerMetric::as_gauge)
    }

    /// The counter `name`.
    pub fn counter(&self, name: &str) -> Result<&Arc<Counter<f64>>, AccessError> {
        self.typed(name, "counter", LoggerMetric::as_counter)
    }

    /// The summary `name`.
    pub fn summary(&self, name: &str) -> Result<&Arc<Summary>, AccessError> {
        self.typed(name, "summary", LoggerMetric::as_summary)
    }

    /// The histogram `name`.
    pub fn histogram(&self, name: &str) -> Result<&Arc<Histogram>, AccessError> {
        self.typed(name, "histogram", LoggerMetric::as_histogram)
    }

    /// The info `name`.
    pub fn info(&self, name: &str) -> Result<&Arc<LoggerInfo>, AccessError> {
        self.typed(name, "info", LoggerMetric::as_info)
    }

    /// Names of the metrics added, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.key.as_str())
    }

    /// PUTs every metric to the gateway, replacing the group's previous metrics (Python's
    /// `push_metrics`).
    pub fn push_metrics(&self) -> Result<(), PushError> {
        let key = self.grouping_key();
        let key: Vec<(&str, &str)> = key.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        self.client.push(&self.workload_id, &key, self)
    }

    /// DELETEs the logger's group from the gateway.
    pub fn delete_metrics(&self) -> Result<(), PushError> {
        let key = self.grouping_key();
        let key: Vec<(&str, &str)> = key.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        self.client.delete(&self.workload_id, &key)
    }
}

fn conflict(name: &str, m: &LoggerMetric, requested: MetricType) -> AddError {
    AddError::TypeConflict {
        name: name.to_owned(),
        existing: m.metric_type(),
        requested,
    }
}

/// `logger["Gauge"]`: the metric added under that name.
///
/// Python's `logger["Gauge"] = 5` is `logger["Gauge"].set(5.0)?` or
/// [`logger.set("Gauge", 5.0)?`](MetricsLogger::set) here. Written as in Python it does not
/// compile (`expected LoggerMetric, found integer`): in Rust an assignment through `[]` would
/// replace the whole [`LoggerMetric`], not set its value, so the logger offers no such
/// assignment.
///
/// ```compile_fail
/// # fn f(logger: &mut edgeprom_std::MetricsLogger) {
/// logger["Gauge"] = 5; // error[E0308]: expected `LoggerMetric`, found integer
/// # }
/// ```
///
/// ```
/// # fn f(logger: &edgeprom_std::MetricsLogger) -> Result<(), edgeprom_std::AccessError> {
/// logger["Gauge"].set(5.0)?;
/// # Ok(()) }
/// ```
///
/// # Panics
/// When no metric of that name was added: `Index` cannot return an error. Use
/// [`MetricsLogger::get`] to get an [`AccessError`] instead.
impl Index<&str> for MetricsLogger {
    type Output = LoggerMetric;

    #[track_caller]
    #[allow(clippy::panic)] // documented: Index has no way to report a missing name
    fn index(&self, name: &str) -> &LoggerMetric {
        match self.get(name) {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        }
    }
}

impl MetricsLogger {
    /// Every metric, with the grouping labels, into `enc` (without `finish`), each as a
    /// collector of its own (a streamed protobuf encoder measures each family first).
    fn write_to(&self, enc: &mut Encoder<'_>) -> fmt::Result {
        let step = self.step().map(|s| s.to_string());
        let mut names = vec![self.workload_label.as_str(), "pod"];
        let mut values = vec![self.workload_id.as_str(), self.pod.as_str()];
        if let Some(step) = &step {
            names.push("step");
            values.push(step);
        }
        for entry in &self.entries {
            enc.write_collector(&Bound {
                entry,
                names: &names,
                values: &values,
            })?;
        }
        Ok(())
    }
}

/// One metric of the logger with the grouping labels' names and values: its family.
struct Bound<'a> {
    entry: &'a Entry,
    names: &'a [&'a str],
    values: &'a [&'a str],
}

impl Collect for Bound<'_> {
    fn desc(&self) -> Desc<'_> {
        self.entry.desc.desc()
    }

    fn metric_type(&self) -> MetricType {
        self.entry.metric.metric_type()
    }

    fn encode(&self, enc: &mut Encoder<'_>) -> fmt::Result {
        let desc = self.entry.desc.desc();
        let labels = Labels::new(self.names, self.values);
        match &self.entry.metric {
            LoggerMetric::Gauge(g) => {
                enc.write_family(&desc, MetricType::Gauge, |f| f(&labels, &**g))
            }
            LoggerMetric::Counter(c) => {
                enc.write_family(&desc, MetricType::Counter, |f| f(&labels, &**c))
            }
            LoggerMetric::Summary(s) => {
                enc.write_family(&desc, MetricType::Summary, |f| f(&labels, &**s))
            }
            LoggerMetric::Histogram(h) => {
                enc.write_family(&desc, MetricType::Histogram, |f| f(&labels, &**h))
            }
            LoggerMetric::Info(i) => {
                let pairs = i.get();
                let mut names = self.names.to_vec();
                let mut values = self.values.to_vec();
                names.extend(pairs.iter().map(|(n, _)| n.as_str()));
                values.extend(pairs.iter().map(|(_, v)| v.as_str()));
                let labels = Labels::new(&names, &values);
                enc.write_header(&desc, MetricType::Info).and_then(|()| {
                    enc.write_sample(&desc, "_info", &labels, None, SampleValue::Unsigned(1))
                })
            }
        }
    }
}

impl Gather for MetricsLogger {
    fn gather_into(&self, format: Format, out: &mut String) -> Result<(), GatherError> {
        self.gather_escaped_into(format, edgeprom::Escaping::Underscores, out)
    }

    fn gather_escaped_into(
        &self,
        format: Format,
        escaping: edgeprom::Escaping,
        out: &mut String,
    ) -> Result<(), GatherError> {
        let mut enc = Encoder::new(out, format).with_escaping(escaping);
        self.write_to(&mut enc)
            .and_then(|()| enc.finish())
            .map_err(|_| GatherError)
    }

    /// The same families, series and grouping labels as the text.
    #[cfg(feature = "protobuf")]
    fn gather_protobuf(&self) -> Option<Result<Vec<u8>, GatherError>> {
        self.gather_protobuf_escaped(edgeprom::Escaping::Underscores)
    }

    /// The same families, series and grouping labels as the text.
    #[cfg(feature = "protobuf")]
    fn gather_protobuf_escaped(
        &self,
        escaping: edgeprom::Escaping,
    ) -> Option<Result<Vec<u8>, GatherError>> {
        Some(crate::protobuf::gather_collectors(escaping, true, |enc| {
            self.write_to(enc)
        }))
    }
}

/// The same series as [`push_metrics`](MetricsLogger::push_metrics) pushes, the grouping
/// labels (workload, pod, step) on each.
#[cfg(feature = "remote-write")]
impl crate::RemoteWriteEncode for MetricsLogger {
    fn remote_write_into(
        &self,
        request: &edgeprom::encode::remote_write::RemoteWrite,
        buf: &mut Vec<u8>,
    ) -> Result<(), crate::RemoteWriteError> {
        crate::remote_write::encode_with(request, buf, |enc| self.write_to(enc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logger(step: Option<u64>) -> MetricsLogger {
        let b = MetricsLogger::builder()
            .env(|_| None)
            .workload_id("exp42")
            .pod("host-1")
            .gateway("http://127.0.0.1:1");
        match step {
            Some(s) => b.step(s),
            None => b,
        }
        .build()
        .unwrap()
    }

    #[test]
    fn pushes_the_same_shape_as_python() {
        let mut l = logger(Some(3));
        l.add_gauge("Gauge").unwrap();
        l.add_counter("Counter").unwrap();
        l.set("Gauge", 5.0).unwrap();
        l["Counter"].inc().unwrap();
        let text = l.gather(Format::Prometheus).unwrap();
        let labels = "{label_metrics_experiment_handle=\"exp42\",pod=\"host-1\",step=\"3\"}";
        let expected_start = format!(
            "# HELP Gauge \n# TYPE Gauge gauge\nGauge{labels} 5.0\n\
             # HELP Counter_total \n# TYPE Counter_total counter\nCounter_total{labels} 1.0\n\
             # HELP Counter_created \n# TYPE Counter_created gauge\nCounter_created{labels} "
        );
        assert!(text.starts_with(&expected_start), "{text}");
        assert_eq!(
            l.grouping_key(),
            vec![
                (
                    "label_metrics_experiment_handle".to_owned(),
                    "exp42".to_owned()
                ),
                ("step".to_owned(), "3".to_owned())
            ]
        );
        l.set_step(4);
        assert!(l.gather(Format::Prometheus).unwrap().contains("step=\"4\""));
        l.clear_step();
        let text = l.gather(Format::Prometheus).unwrap();
        assert!(!text.contains("step"), "{text}");
        assert_eq!(l.grouping_key().len(), 1);
    }

    #[test]
    fn names_are_checked() {
        let mut l = logger(None);
        let g = l.add_gauge("Gauge").unwrap();
        assert!(Arc::ptr_eq(&g, &l.add_gauge("Gauge").unwrap()));
        assert_eq!(
            l.add_counter("Gauge").err(),
            Some(AddError::TypeConflict {
                name: "Gauge".into(),
                existing: MetricType::Gauge,
                requested: MetricType::Counter
            })
        );
        l.add_counter("c").unwrap();
        assert_eq!(
            l.add_gauge("c_total").err(),
            Some(AddError::NameClash {
                name: "c_total".into(),
                existing: "c".into()
            })
        );
        assert!(matches!(
            l.add_counter("c_total").err(),
            Some(AddError::TypeConflict { .. }) | Some(AddError::NameClash { .. })
        ));
        assert!(matches!(
            l.add_summary("bad name").err(),
            Some(AddError::InvalidName { .. })
        ));
        assert_eq!(
            l.get("missing").err(),
            Some(AccessError::NotFound {
                name: "missing".into()
            })
        );
        assert!(l.set("c", 1.0).is_err());
        assert!(l.counter("Gauge").is_err());
        l.gauge("Gauge").unwrap().set(2.0);
        assert_eq!(g.get(), 2.0);
        let names: Vec<&str> = l.names().collect();
        assert_eq!(names, ["Gauge", "c"]);
        assert!(l.add_gauge("c").is_err());
    }

    #[test]
    #[should_panic(expected = "no metric named `nope`")]
    fn index_on_a_missing_name_panics() {
        let l = logger(None);
        let _ = l["nope"].set(1.0);
    }

    #[test]
    fn info_histogram_summary_encode() {
        let mut l = logger(Some(1));
        l.add_info("Build").unwrap();
        l.add_histogram("Hist").unwrap();
        l.add_summary("Sum").unwrap();
        l["Build"].info(&[("version", "1.2")]).unwrap();
        l["Hist"].observe(0.3).unwrap();
        l["Sum"].observe(1.5).unwrap();
        l.histogram("Hist").unwrap();
        l.summary("Sum").unwrap();
        l.info("Build").unwrap();
        let text = l.gather(Format::Prometheus).unwrap();
        assert!(text.contains(
            "Build_info{label_metrics_experiment_handle=\"exp42\",pod=\"host-1\",step=\"1\",version=\"1.2\"} 1\n"
        ), "{text}");
        assert!(text.contains("Hist_bucket{label_metrics_experiment_handle=\"exp42\",pod=\"host-1\",step=\"1\",le=\"0.5\"} 1\n"), "{text}");
        assert!(text.contains("Sum_sum{label_metrics_experiment_handle=\"exp42\",pod=\"host-1\",step=\"1\"} 1.5\n"), "{text}");
        let om = l.gather(Format::OpenMetrics).unwrap();
        assert!(om.ends_with("# EOF\n"));
        assert!(format!("{l:?}").contains("Build"));
    }
}
