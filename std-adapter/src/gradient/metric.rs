//! [`LoggerMetric`]: what `logger["name"]` returns, one series of a
//! [`MetricsLogger`](crate::MetricsLogger) already bound to its labels.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use edgeprom::name::validate_label_name;
use edgeprom::{
    Counter, CounterError, Gauge, Histogram, MetricType, NameError, ObserveError, Summary,
};

use crate::clock::SystemClock;

/// Using a metric of a [`MetricsLogger`](crate::MetricsLogger) failed; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "gradient")))]
pub enum AccessError {
    /// No metric of that name was added.
    NotFound {
        /// The name asked for.
        name: String,
    },
    /// The metric does not support the operation (`set` on a counter, say).
    WrongType {
        /// The operation attempted.
        operation: &'static str,
        /// The metric's type.
        metric_type: MetricType,
    },
    /// A counter increment was negative or not finite.
    Counter(CounterError),
    /// An observation was NaN or infinite.
    Observe(ObserveError),
    /// An info label name is invalid, repeated, or one of the logger's own labels.
    InfoLabel {
        /// The label name at fault.
        label: String,
        /// What is wrong with it.
        error: NameError,
    },
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccessError::NotFound { name } => {
                write!(f, "no metric named `{name}` was added to the logger")
            }
            AccessError::WrongType {
                operation,
                metric_type,
            } => write!(
                f,
                "`{operation}` is not supported by a {metric_type:?} metric"
            ),
            AccessError::Counter(e) => e.fmt(f),
            AccessError::Observe(e) => e.fmt(f),
            AccessError::InfoLabel { label, error } => {
                write!(f, "invalid info label `{label}`: {error}")
            }
        }
    }
}

impl std::error::Error for AccessError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AccessError::Counter(e) => Some(e),
            AccessError::Observe(e) => Some(e),
            AccessError::InfoLabel { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// The key-value pairs of an info metric (Python's `Info.info({...})`). Setting them takes a
/// short lock; they are meant to change rarely.
#[derive(Debug)]
#[cfg_attr(docsrs, doc(cfg(feature = "gradient")))]
pub struct LoggerInfo {
    reserved: Vec<String>,
    pairs: Mutex<Vec<(String, String)>>,
}

impl LoggerInfo {
    pub(crate) fn new(reserved: Vec<String>) -> Self {
        LoggerInfo {
            reserved,
            pairs: Mutex::new(Vec::new()),
        }
    }

    /// Replaces the pairs. Names must be valid label names, distinct, and not one of the
    /// logger's own labels (workload, `pod`, `step`).
    pub fn info(&self, pairs: &[(&str, &str)]) -> Result<(), AccessError> {
        for (i, (name, _)) in pairs.iter().enumerate() {
            let refuse = |error| AccessError::InfoLabel {
                label: (*name).to_owned(),
                error,
            };
            validate_label_name(name).map_err(refuse)?;
            if self.reserved.iter().any(|r| r == name) {
                return Err(refuse(NameError::ReservedLabel));
            }
            let before = pairs.get(..i).unwrap_or_default();
            if before.iter().any(|(earlier, _)| earlier == name) {
                return Err(refuse(NameError::DuplicateLabel));
            }
        }
        let pairs = pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        *self.pairs.lock().unwrap_or_else(PoisonError::into_inner) = pairs;
        Ok(())
    }

    /// The current pairs.
    pub fn get(&self) -> Vec<(String, String)> {
        self.pairs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// One metric of a [`MetricsLogger`](crate::MetricsLogger), bound to the logger's labels:
/// what `logger["name"]` returns. Its methods update the core's atomic types directly, without
/// a lock (except [`info`](LoggerMetric::info)); one that does not fit the metric's type
/// (`set` on a counter) is an [`AccessError::WrongType`] and changes nothing.
///
/// Clone the `Arc` inside (or use the logger's typed getters) to update from other threads.
///
/// `logger["Gauge"] = 5` (Python's form) reports `expected LoggerMetric, found integer`: set
/// the value with `logger["Gauge"].set(5.0)?` (or `logger.set("Gauge", 5.0)?`).
#[derive(Debug, Clone)]
#[cfg_attr(docsrs, doc(cfg(feature = "gradient")))]
pub enum LoggerMetric {
    /// `add_gauge`.
    Gauge(Arc<Gauge>),
    /// `add_counter`: a float counter, as Python's.
    Counter(Arc<Counter<f64>>),
    /// `add_summary`: count and sum.
    Summary(Arc<Summary>),
    /// `add_histogram`: Python's default buckets, 0.005 to 10.
    Histogram(Arc<Histogram>),
    /// `add_info`.
    Info(Arc<LoggerInfo>),
}

impl LoggerMetric {
    pub(crate) fn new(ty: MetricType, reserved: Vec<String>) -> Option<Self> {
        let clock = SystemClock;
        Some(match ty {
            MetricType::Gauge => LoggerMetric::Gauge(Arc::new(Gauge::new())),
            MetricType::Counter => {
                let c = Counter::new();
                c.set_created(edgeprom::WallClock::unix_time(&clock));
                LoggerMetric::Counter(Arc::new(c))
            }
            MetricType::Summary => {
                let s = Summary::new();
                s.set_created(edgeprom::WallClock::unix_time(&clock));
                LoggerMetric::Summary(Arc::new(s))
            }
            MetricType::Histogram => {
                let h = Histogram::new();
                h.set_created(edgeprom::WallClock::unix_time(&clock));
                LoggerMetric::Histogram(Arc::new(h))
            }
            MetricType::Info => LoggerMetric::Info(Arc::new(LoggerInfo::new(reserved))),
            MetricType::StateSet | MetricType::Unknown => return None,
        })
    }

    /// The metric's type.
    pub fn metric_type(&self) -> MetricType {
        match self {
            LoggerMetric::Gauge(_) => MetricType::Gauge,
            LoggerMetric::Counter(_) => MetricType::Counter,
            LoggerMetric::Summary(_) => MetricType::Summary,
            LoggerMetric::Histogram(_) => MetricType::Histogram,
            LoggerMetric::Info(_) => MetricType::Info,
        }
    }

    fn wrong(&self, operation: &'static str) -> AccessError {
        AccessError::WrongType {
            operation,
            metric_type: self.metric_type(),
        }
    }

    /// Sets a gauge (Python's `logger["Gauge"].set(5)`).
    pub fn set(&self, v: f64) -> Result<(), AccessError> {
        match self {
            LoggerMetric::Gauge(g) => {
                g.set(v);
                Ok(())
            }
            _ => Err(self.wrong("set")),
        }
    }

    /// Adds one to a gauge or counter.
    pub fn inc(&self) -> Result<(), AccessError> {
        match self {
            LoggerMetric::Gauge(g) => {
                g.inc();
                Ok(())
            }
            LoggerMetric::Counter(c) => {
                c.inc();
                Ok(())
            }
            _ => Err(self.wrong("inc")),
        }
    }

    /// Adds `v` to a gauge, or to a counter (finite and not negative).
    pub fn inc_by(&self, v: f64) -> Result<(), AccessError> {
        match self {
            LoggerMetric::Gauge(g) => {
                g.inc_by(v);
                Ok(())
            }
            LoggerMetric::Counter(c) => c.inc_by(v).map_err(AccessError::Counter),
            _ => Err(self.wrong("inc_by")),
        }
    }

    /// Subtracts one from a gauge.
    pub fn dec(&self) -> Result<(), AccessError> {
        self.dec_by(1.0)
    }

    /// Subtracts `v` from a gauge.
    pub fn dec_by(&self, v: f64) -> Result<(), AccessError> {
        match self {
            LoggerMetric::Gauge(g) => {
                g.dec_by(v);
                Ok(())
            }
            _ => Err(self.wrong("dec")),
        }
    }

    /// Sets a gauge to the current Unix time.
    pub fn set_to_current_time(&self) -> Result<(), AccessError> {
        match self {
            LoggerMetric::Gauge(g) => {
                g.set_to_current_time(&SystemClock);
                Ok(())
            }
            _ => Err(self.wrong("set_to_current_time")),
        }
    }

    /// Records an observation in a summary or histogram (finite).
    pub fn observe(&self, v: f64) -> Result<(), AccessError> {
        match self {
            LoggerMetric::Summary(s) => s.observe(v).map_err(AccessError::Observe),
            LoggerMetric::Histogram(h) => h.observe(v).map_err(AccessError::Observe),
            _ => Err(self.wrong("observe")),
        }
    }

    /// Sets an info metric's pairs.
    pub fn info(&self, pairs: &[(&str, &str)]) -> Result<(), AccessError> {
        match self {
            LoggerMetric::Info(i) => i.info(pairs),
            _ => Err(self.wrong("info")),
        }
    }

    /// The gauge, if this is one.
    pub fn as_gauge(&self) -> Option<&Arc<Gauge>> {
        match self {
            LoggerMetric::Gauge(g) => Some(g),
            _ => None,
        }
    }

    /// The counter, if this is one.
    pub fn as_counter(&self) -> Option<&Arc<Counter<f64>>> {
        match self {
            LoggerMetric::Counter(c) => Some(c),
            _ => None,
        }
    }

    /// The summary, if this is one.
    pub fn as_summary(&self) -> Option<&Arc<Summary>> {
        match self {
            LoggerMetric::Summary(s) => Some(s),
            _ => None,
        }
    }

    /// The histogram, if this is one.
    pub fn as_histogram(&self) -> Option<&Arc<Histogram>> {
        match self {
            LoggerMetric::Histogram(h) => Some(h),
            _ => None,
        }
    }

    /// The info, if this is one.
    pub fn as_info(&self) -> Option<&Arc<LoggerInfo>> {
        match self {
            LoggerMetric::Info(i) => Some(i),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make(ty: MetricType) -> LoggerMetric {
        LoggerMetric::new(ty, vec!["pod".into()]).unwrap()
    }

    #[test]
    fn operations_fit_types() {
        let g = make(MetricType::Gauge);
        g.set(5.0).unwrap();
        g.inc().unwrap();
        g.inc_by(0.5).unwrap();
        g.dec().unwrap();
        g.dec_by(0.25).unwrap();
        assert_eq!(g.as_gauge().unwrap().get(), 5.25);
        g.set_to_current_time().unwrap();
        assert!(g.as_gauge().unwrap().get() > 1.6e9);
        assert_eq!(
            g.observe(1.0),
            Err(AccessError::WrongType {
                operation: "observe",
                metric_type: MetricType::Gauge
            })
        );
        let c = make(MetricType::Counter);
        c.inc().unwrap();
        c.inc_by(1.5).unwrap();
        assert_eq!(
            c.inc_by(-1.0),
            Err(AccessError::Counter(CounterError::Negative))
        );
        assert!(c.set(1.0).is_err() && c.dec().is_err());
        assert_eq!(c.as_counter().unwrap().get(), 2.5);
        assert!(c.as_counter().unwrap().created().is_some());
        let h = make(MetricType::Histogram);
        h.observe(0.3).unwrap();
        assert_eq!(
            h.observe(f64::NAN),
            Err(AccessError::Observe(ObserveError::NotFinite))
        );
        assert_eq!(h.as_histogram().unwrap().count(), 1);
        let s = make(MetricType::Summary);
        s.observe(2.0).unwrap();
        assert_eq!(s.as_summary().unwrap().sum(), 2.0);
        let i = make(MetricType::Info);
        i.info(&[("version", "1.0")]).unwrap();
        assert_eq!(
            i.info(&[("pod", "x")]),
            Err(AccessError::InfoLabel {
                label: "pod".into(),
                error: NameError::ReservedLabel
            })
        );
        assert_eq!(
            i.info(&[("a", "x"), ("b", "y"), ("a", "z")]),
            Err(AccessError::InfoLabel {
                label: "a".into(),
                error: NameError::DuplicateLabel
            })
        );
        let e = i.info(&[("ok", "x"), ("not-ok", "y")]).unwrap_err();
        assert_eq!(
            e,
            AccessError::InfoLabel {
                label: "not-ok".into(),
                error: NameError::InvalidLabelName
            }
        );
        assert!(
            e.to_string().starts_with("invalid info label `not-ok`: "),
            "{e}"
        );
        assert_eq!(
            i.as_info().unwrap().get(),
            vec![("version".to_owned(), "1.0".to_owned())]
        );
        assert!(i.inc().is_err());
        assert!(LoggerMetric::new(MetricType::StateSet, vec![]).is_none());
        assert_eq!(
            AccessError::NotFound { name: "x".into() }.to_string(),
            "no metric named `x` was added to the logger"
        );
    }
}
