//! [`MetricsLoggerBuilder`]: a [`MetricsLogger`]'s settings, from arguments or from the
//! environment variables Gradient sets.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use edgeprom::name::validate_label_name;
use edgeprom::push::{validate_grouping_key, PushPathError};
use edgeprom::NameError;

use super::logger::MetricsLogger;
use crate::push::{label_at_fault, PushClient, PushError, DEFAULT_TIMEOUT};

/// The gateway's URL.
pub(crate) const GATEWAY_ENV: &str = "PAPERSPACE_METRIC_PUSHGATEWAY";
/// The gateway used when neither the builder nor the environment names one.
pub(crate) const GATEWAY_DEFAULT: &str = "http://gradient-processing-prometheus-pushgateway:9091";
/// The workload type, which names the workload label.
pub(crate) const WORKLOAD_TYPE_ENV: &str = "PAPERSPACE_METRIC_WORKLOAD_TYPE";
/// The workload type when not set.
pub(crate) const WORKLOAD_TYPE_DEFAULT: &str = "experiment";
/// The workload id.
pub(crate) const WORKLOAD_ID_ENV: &str = "PAPERSPACE_METRIC_WORKLOAD_ID";
/// The workload id, legacy name.
pub(crate) const LEGACY_EXPERIMENT_ID_ENV: &str = "PAPERSPACE_EXPERIMENT_ID";
/// The pod name; its second `-`-separated part is the last resort for the workload id.
pub(crate) const HOSTNAME_ENV: &str = "HOSTNAME";

/// A [`MetricsLogger`] could not be configured.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "gradient")))]
pub enum ConfigError {
    /// No workload id: none given, `PAPERSPACE_METRIC_WORKLOAD_ID` and
    /// `PAPERSPACE_EXPERIMENT_ID` unset, and `HOSTNAME` has no second `-`-separated part.
    NoWorkloadId,
    /// The workload type does not make a valid label name `label_metrics_<type>_handle`.
    InvalidWorkloadType {
        /// The workload type given.
        workload_type: String,
        /// What is wrong with the label name it makes.
        error: NameError,
    },
    /// The grouping key has an invalid or repeated label name, or `job`.
    InvalidGroupingKey {
        /// The label at fault.
        label: String,
        /// What is wrong with it.
        error: PushPathError,
    },
    /// The gateway URL is invalid.
    Gateway(PushError),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::NoWorkloadId => write!(
                f,
                "no workload id: pass one, or set {WORKLOAD_ID_ENV} or {LEGACY_EXPERIMENT_ID_ENV}"
            ),
            ConfigError::InvalidWorkloadType {
                workload_type,
                error,
            } => write!(
                f,
                "the workload type `{workload_type}` does not make a label name \
                 `label_metrics_{workload_type}_handle`: {error}"
            ),
            ConfigError::InvalidGroupingKey { label, error } => {
                write!(f, "invalid grouping key, label `{label}`: {error}")
            }
            ConfigError::Gateway(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::InvalidWorkloadType { error, .. } => Some(error),
            ConfigError::InvalidGroupingKey { error, .. } => Some(error),
            ConfigError::Gateway(e) => Some(e),
            ConfigError::NoWorkloadId => None,
        }
    }
}

type Env = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Settings of a [`MetricsLogger`]; whatever is not given comes from the environment, as in
/// Python's `gradient-utils`:
///
/// | setting | builder | environment | default |
/// |---|---|---|---|
/// | gateway | [`gateway`](Self::gateway) | `PAPERSPACE_METRIC_PUSHGATEWAY` | `http://gradient-processing-prometheus-pushgateway:9091` |
/// | workload type | [`workload_type`](Self::workload_type) | `PAPERSPACE_METRIC_WORKLOAD_TYPE` | `experiment` |
/// | workload id | [`workload_id`](Self::workload_id) | `PAPERSPACE_METRIC_WORKLOAD_ID`, `PAPERSPACE_EXPERIMENT_ID`, 2nd `-`-part of `HOSTNAME` | error |
/// | pod label | [`pod`](Self::pod) | `HOSTNAME` | empty |
///
/// Empty environment variables count as unset.
#[derive(Clone)]
#[cfg_attr(docsrs, doc(cfg(feature = "gradient")))]
pub struct MetricsLoggerBuilder {
    pub(crate) workload_id: Option<String>,
    pub(crate) workload_type: Option<String>,
    pub(crate) gateway: Option<String>,
    pub(crate) pod: Option<String>,
    pub(crate) step: Option<u64>,
    pub(crate) grouping: Vec<(String, String)>,
    basic_auth: Option<(String, String)>,
    timeout: Duration,
    #[cfg(feature = "protobuf")]
    protobuf: bool,
    env: Env,
}

impl fmt::Debug for MetricsLoggerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsLoggerBuilder")
            .field("workload_id", &self.workload_id)
            .field("workload_type", &self.workload_type)
            .field("gateway", &self.gateway.as_ref().map(|_| "<set>"))
            .field("pod", &self.pod)
            .field("step", &self.step)
            .field("grouping", &self.grouping)
            .field(
                "basic_auth",
                &self.basic_auth.as_ref().map(|_| "<redacted>"),
            )
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Default for MetricsLoggerBuilder {
    fn default() -> Self {
        MetricsLoggerBuilder {
            workload_id: None,
            workload_type: None,
            gateway: None,
            pod: None,
            step: None,
            grouping: Vec::new(),
            basic_auth: None,
            timeout: DEFAULT_TIMEOUT,
            #[cfg(feature = "protobuf")]
            protobuf: false,
            env: Arc::new(|k| std::env::var(k).ok()),
        }
    }
}

impl MetricsLoggerBuilder {
    /// The workload id: the push's job, and the value of the workload label.
    pub fn workload_id(mut self, id: impl Into<String>) -> Self {
        self.workload_id = Some(id.into());
        self
    }

    /// The workload type (`experiment`, `deployment`, ...), which names the workload label
    /// `label_metrics_<type>_handle`.
    pub fn workload_type(mut self, ty: impl Into<String>) -> Self {
        self.workload_type = Some(ty.into());
        self
    }

    /// The Pushgateway's URL (credentials in it are sent as basic auth, never shown).
    pub fn gateway(mut self, url: impl Into<String>) -> Self {
        self.gateway = Some(url.into());
        self
    }

    /// The `pod` label's value.
    pub fn pod(mut self, pod: impl Into<String>) -> Self {
        self.pod = Some(pod.into());
        self
    }

    /// The step: a `step` label on every series and in the grouping key. Without one, neither
    /// has a `step` (Python sends the text `None` there instead).
    pub fn step(mut self, step: u64) -> Self {
        self.step = Some(step);
        self
    }

    /// Adds a label to the grouping key (Python's `grouping_key={...}`, merged like a dict
    /// update: a name given again replaces its value).
    pub fn grouping_key(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let (name, value) = (name.into(), value.into());
        match self.grouping.iter_mut().find(|(n, _)| *n == name) {
            Some(pair) => pair.1 = value,
            None => self.grouping.push((name, value)),
        }
        self
    }

    /// Sends basic auth with every push.
    pub fn basic_auth(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.basic_auth = Some((user.into(), password.into()));
        self
    }

    /// The push timeout (30 s unless told).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Pushes in the protobuf exposition instead of Prometheus text (see
    /// [`PushClient::with_protobuf`]); the same series either way. Off unless told.
    #[cfg(feature = "protobuf")]
    #[cfg_attr(docsrs, doc(cfg(feature = "protobuf")))]
    pub fn protobuf(mut self, protobuf: bool) -> Self {
        self.protobuf = protobuf;
        self
    }

    /// Reads "environment variables" from `lookup` instead of the process environment (for
    /// tests, or for configuration from elsewhere).
    pub fn env(mut self, lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        self.env = Arc::new(lookup);
        self
    }

    fn var(&self, name: &str) -> Option<String> {
        (self.env)(name).filter(|v| !v.is_empty())
    }

    /// Builds the logger.
    pub fn build(self) -> Result<MetricsLogger, ConfigError> {
        let gateway = self
            .gateway
            .clone()
            .or_else(|| self.var(GATEWAY_ENV))
            .unwrap_or_else(|| GATEWAY_DEFAULT.to_owned());
        let workload_type = self
            .workload_type
            .clone()
            .or_else(|| self.var(WORKLOAD_TYPE_ENV))
            .unwrap_or_else(|| WORKLOAD_TYPE_DEFAULT.to_owned());
        let workload_label = format!("label_metrics_{workload_type}_handle");
        validate_label_name(&workload_label).map_err(|error| ConfigError::InvalidWorkloadType {
            workload_type: workload_type.clone(),
            error,
        })?;
        let hostname = self.var(HOSTNAME_ENV);
        let workload_id = self
            .workload_id
            .clone()
            .filter(|id| !id.is_empty())
            .or_else(|| self.var(WORKLOAD_ID_ENV))
            .or_else(|| self.var(LEGACY_EXPERIMENT_ID_ENV))
            .or_else(|| {
                hostname
                    .as_deref()
                    .and_then(|h| h.split('-').nth(1))
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
            })
            .ok_or(ConfigError::NoWorkloadId)?;
        let pod = self.pod.clone().or(hostname).unwrap_or_default();
        let grouping: Vec<(&str, &str)> = self
            .grouping
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        validate_grouping_key(&grouping).map_err(|error| ConfigError::InvalidGroupingKey {
            label: label_at_fault(&grouping),
            error,
        })?;
        let mut client = PushClient::new(&gateway)
            .map_err(ConfigError::Gateway)?
            .with_timeout(self.timeout);
        #[cfg(feature = "protobuf")]
        {
            client = client.with_protobuf(self.protobuf);
        }
        if let Some((user, password)) = &self.basic_auth {
            client = client.with_basic_auth(user, password);
        }
        Ok(MetricsLogger::from_parts(
            client,
            workload_label,
            workload_id,
            pod,
            self.step,
            self.grouping,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn reads_the_environment_like_gradient() {
        let b = MetricsLogger::builder().env(env(&[
            (WORKLOAD_ID_ENV, "exp42"),
            (LEGACY_EXPERIMENT_ID_ENV, "legacy"),
            (HOSTNAME_ENV, "host-1"),
            (WORKLOAD_TYPE_ENV, "deployment"),
            (GATEWAY_ENV, "http://gw:9091"),
        ]));
        let l = b.build().unwrap();
        assert_eq!(l.workload_id(), "exp42");
        assert_eq!(l.workload_label(), "label_metrics_deployment_handle");
        assert_eq!(l.pod(), "host-1");
        assert_eq!(l.client().url(), "http://gw:9091");

        let l = MetricsLogger::builder()
            .env(env(&[
                (LEGACY_EXPERIMENT_ID_ENV, "legacy"),
                (WORKLOAD_ID_ENV, ""),
            ]))
            .build()
            .unwrap();
        assert_eq!(l.workload_id(), "legacy");
        assert_eq!(l.workload_label(), "label_metrics_experiment_handle");
        assert_eq!(l.client().url(), GATEWAY_DEFAULT);
        assert_eq!(l.pod(), "");

        let l = MetricsLogger::builder()
            .env(env(&[(HOSTNAME_ENV, "experiment-abc123-worker-0")]))
            .build()
            .unwrap();
        assert_eq!(l.workload_id(), "abc123");
        assert_eq!(l.pod(), "experiment-abc123-worker-0");

        let no_id = MetricsLogger::builder().env(env(&[(HOSTNAME_ENV, "nodash")]));
        assert_eq!(no_id.build().err(), Some(ConfigError::NoWorkloadId));
    }

    #[test]
    fn arguments_win_and_are_checked() {
        let base = MetricsLogger::builder().env(env(&[(WORKLOAD_ID_ENV, "from-env")]));
        let l = base
            .clone()
            .workload_id("exp7")
            .pod("p")
            .gateway("http://u:pw@127.0.0.1:1")
            .basic_auth("u2", "pw2")
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        assert_eq!((l.workload_id(), l.pod()), ("exp7", "p"));
        assert_eq!(l.client().timeout(), Duration::from_secs(2));
        assert!(!format!("{l:?}").contains("pw"));
        assert!(!format!("{:?}", base.clone().basic_auth("u", "hunter2")).contains("hunter2"));
        let e = base.clone().workload_type("a-b").build().err();
        assert_eq!(
            e,
            Some(ConfigError::InvalidWorkloadType {
                workload_type: "a-b".into(),
                error: NameError::InvalidLabelName
            })
        );
        assert!(e.is_some_and(|e| e.to_string().contains("`a-b`")));
        let e = base
            .clone()
            .grouping_key("run", "1")
            .grouping_key("job", "x")
            .build()
            .err();
        assert_eq!(
            e,
            Some(ConfigError::InvalidGroupingKey {
                label: "job".into(),
                error: PushPathError::DuplicateLabel
            })
        );
        assert!(e.is_some_and(|e| e.to_string().contains("label `job`")));
        assert!(matches!(
            base.clone().gateway("gw:9091").build(),
            Err(ConfigError::Gateway(PushError::InvalidUrl(_)))
        ));
        let b = base
            .grouping_key("a", "1")
            .grouping_key("b", "2")
            .grouping_key("a", "3");
        assert_eq!(
            b.grouping,
            vec![
                ("a".to_owned(), "3".to_owned()),
                ("b".to_owned(), "2".to_owned())
            ]
        );
        assert!(ConfigError::NoWorkloadId
            .to_string()
            .contains(WORKLOAD_ID_ENV));
    }
}
