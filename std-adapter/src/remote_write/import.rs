//! [`VictoriaImport`]: the Prometheus text exposition `POST`ed to VictoriaMetrics'
//! `/api/v1/import/prometheus`, for devices without a wall clock (the receiver stamps the
//! samples when they arrive).

use std::fmt::Write as _;
use std::time::Duration;

use edgeprom::Format;

use super::client::{retrying, Attempt};
use super::RemoteWriteError;
use crate::{Gather, PushClient};

/// Imports a registry's Prometheus text into VictoriaMetrics (or vmagent) at
/// `/api/v1/import/prometheus`, with `extra_label=name=value` query parameters giving the
/// device's identity to every series. Retries as [`RemoteWriteClient`](crate::RemoteWriteClient).
///
/// ```no_run
/// use edgeprom::{Counter, Metric, Registry};
/// use edgeprom_std::VictoriaImport;
///
/// static BOOTS: Metric<Counter> = Metric::new("boots", "Boots");
/// let mut registry: Registry<'_, 1> = Registry::new();
/// registry.register(&BOOTS)?;
/// let import = VictoriaImport::new("http://127.0.0.1:8428", &[("device", "d1")])?;
/// import.import(&registry)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct VictoriaImport {
    transport: PushClient,
    url: String,
}

/// `s` percent-encoded for a query parameter.
fn query_escape(out: &mut String, s: &str) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// The import URL below `base` with the extra labels as query parameters.
pub(crate) fn import_url(base: &str, extra_labels: &[(&str, &str)]) -> String {
    let mut url = format!("{base}/api/v1/import/prometheus");
    for (i, (name, value)) in extra_labels.iter().enumerate() {
        url.push_str(if i == 0 {
            "?extra_label="
        } else {
            "&extra_label="
        });
        query_escape(&mut url, name);
        url.push_str("%3D");
        query_escape(&mut url, value);
    }
    url
}

impl VictoriaImport {
    /// An importer to the VictoriaMetrics at `base` (`http://host:8428`), adding
    /// `extra_labels` to every series. Label names are checked as the core checks constant
    /// labels.
    pub fn new(base: &str, extra_labels: &[(&str, &str)]) -> Result<Self, RemoteWriteError> {
        let transport = PushClient::new(base)?;
        for (name, _) in extra_labels {
            edgeprom::name::validate_label_name(name).map_err(|_| {
                RemoteWriteError::Transport(crate::PushError::InvalidUrl(
                    "an extra label's name is not a valid label name",
                ))
            })?;
        }
        let url = import_url(transport.url(), extra_labels);
        Ok(VictoriaImport { transport, url })
    }

    /// The timeout of one attempt.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.transport = self.transport.with_timeout(timeout);
        self
    }

    /// Sends `Authorization: Basic ...`.
    pub fn with_basic_auth(mut self, user: &str, password: &str) -> Self {
        self.transport = self.transport.with_basic_auth(user, password);
        self
    }

    /// The import URL, query included.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Sends `registry`'s Prometheus text exposition.
    pub fn import(&self, registry: &dyn Gather) -> Result<(), RemoteWriteError> {
        let body = registry
            .gather(Format::Prometheus)
            .map_err(RemoteWriteError::Gather)?;
        let headers = [("Content-Type", Format::Prometheus.content_type())];
        let backoff = (Duration::from_millis(100), Duration::from_secs(5));
        retrying(5, backoff, || {
            Attempt::of(self.transport.post(&self.url, &headers, body.as_bytes()))
        })
        .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_labels_are_query_parameters() {
        assert_eq!(
            import_url("http://h:8428", &[("device", "d 1/é"), ("site", "x")]),
            "http://h:8428/api/v1/import/prometheus?extra_label=device%3Dd%201%2F%C3%A9&extra_label=site%3Dx"
        );
        assert!(VictoriaImport::new("http://h:8428", &[("bad-name", "x")]).is_err());
    }
}
