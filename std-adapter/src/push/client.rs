//! [`PushClient`]: a Pushgateway client on `ureq`: `push` (PUT), `push_add` (POST) and
//! `delete` (DELETE), with job and grouping key encoded by the core's
//! [`write_path`](edgeprom::push::write_path).
//!
//! Every failure is a [`PushError`] that says what went wrong: the URL, job or grouping key is
//! unusable, the gateway could not be reached or did not answer in time, the TLS handshake
//! failed (an untrusted certificate), the credentials were refused, or the gateway rejected the
//! metrics with its reason.

use std::fmt;
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use base64::display::Base64Display;
use base64::engine::general_purpose::STANDARD;
use edgeprom::push::{validate_grouping_key, write_path};
use edgeprom::Format;
use ureq::http::Uri;
use ureq::tls::{parse_pem, Certificate, PemItem, RootCerts, TlsConfig};

use super::error::{classify, PushError, PushErrorSource};
use crate::gather::Gather;

/// The request timeout unless told otherwise: 30 s, as Python's `push_to_gateway`.
#[cfg_attr(docsrs, doc(cfg(feature = "push")))]
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Most of a rejection's body kept in the error.
const MAX_MESSAGE_BYTES: u64 = 4096;

/// The HTTP method of a push, and so its meaning to the Pushgateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(docsrs, doc(cfg(feature = "push")))]
pub enum PushMethod {
    /// `PUT`: replaces every metric of the group.
    Put,
    /// `POST`: replaces only the metrics whose names are in the body.
    Post,
    /// `DELETE`: removes the group.
    Delete,
}

impl PushMethod {
    /// The method's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            PushMethod::Put => "PUT",
            PushMethod::Post => "POST",
            PushMethod::Delete => "DELETE",
        }
    }
}

/// A Pushgateway client.
///
/// The body is Prometheus text 0.0.4, what every Pushgateway parses, or with
/// [`with_protobuf`](PushClient::with_protobuf) (feature `protobuf`) the protobuf exposition. 200 and 202 are success;
/// any other status is [`PushError::Rejected`] with the gateway's message, and no response can
/// make it panic. Credentials given in the URL (`https://user:pass@host`) or with
/// [`with_basic_auth`](PushClient::with_basic_auth) travel only in the `Authorization` header
/// and never show in errors or `Debug` output. https works through rustls with the webpki
/// roots, or with your own CA through
/// [`with_root_certificates_pem`](PushClient::with_root_certificates_pem).
///
/// ```no_run
/// use edgeprom::{Counter, Metric, Registry};
/// use edgeprom_std::PushClient;
///
/// static JOBS: Metric<Counter> = Metric::new("batch_jobs", "Jobs done");
/// let mut registry: Registry<'_, 4> = Registry::new();
/// registry.register(&JOBS)?;
/// JOBS.inc();
///
/// let client = PushClient::new("http://127.0.0.1:9091")?;
/// client.push("nightly", &[("instance", "host-1")], &registry)?; // PUT
/// client.delete("nightly", &[("instance", "host-1")])?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # From async code (tokio)
///
/// The client is blocking (ureq): from a tokio task, push in
/// [`spawn_blocking`](https://docs.rs/tokio/latest/tokio/task/fn.spawn_blocking.html), which
/// runs it on tokio's pool for blocking work and leaves the runtime's worker threads free, as
/// tokio's documentation asks for any blocking I/O. The client is `Clone` (one shared agent)
/// and `Send`; give the closure an `Arc` of the registry. The same holds for
/// `RemoteWriteClient::write`. For periodic pushes, [`PeriodicPusher`](crate::PeriodicPusher)
/// (and `PeriodicRemoteWriter`) need no runtime at all: they keep their own thread.
/// `tests/tests/tokio_service.rs` pushes this way to a real Pushgateway from a tokio runtime.
///
/// ```no_run
/// use std::sync::Arc;
/// use edgeprom::Counter;
/// use edgeprom_std::{DynMetric, DynRegistry, PushClient};
///
/// # #[tokio::main(flavor = "current_thread")]
/// async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
///     let registry = Arc::new(DynRegistry::new());
///     let rows = Arc::new(DynMetric::<Counter>::new("rows_loaded", "Rows loaded")?);
///     registry.register(rows.clone())?;
///     rows.inc_by(1200);
///
///     let client = PushClient::new("http://127.0.0.1:9091")?;
///     let source = Arc::clone(&registry);
///     tokio::task::spawn_blocking(move || client.push("loader", &[], &*source)).await??;
///     Ok(())
/// }
/// ```
#[derive(Clone)]
#[cfg_attr(docsrs, doc(cfg(feature = "push")))]
pub struct PushClient {
    base: String,
    auth: Option<String>,
    timeout: Duration,
    /// The trusted roots when not the webpki ones.
    roots: Option<Arc<Vec<Certificate<'static>>>>,
    /// Whether pushes go in the protobuf exposition.
    #[cfg(feature = "protobuf")]
    protobuf: bool,
    agent: ureq::Agent,
}

impl fmt::Debug for PushClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushClient")
            .field("url", &self.base)
            .field("auth", &self.auth.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field(
                "root_certificates",
                &match &self.roots {
                    None => "webpki".to_owned(),
                    Some(certs) => format!("{} given", certs.len()),
                },
            )
            .field("body", &self.body_format())
            .finish_non_exhaustive()
    }
}

fn agent(timeout: Duration, roots: Option<&Arc<Vec<Certificate<'static>>>>) -> ureq::Agent {
    let tls = match roots {
        Some(certs) => TlsConfig::builder()
            .root_certs(RootCerts::Specific(Arc::clone(certs)))
            .build(),
        None => TlsConfig::default(),
    };
    ureq::Agent::config_builder()
        .tls_config(tls)
        // Non-2xx statuses come back as responses, so the gateway's message can be read.
        .http_status_as_error(false)
        // A redirect is an answer too: following it would resend the metrics elsewhere.
        .max_redirects(0)
        .timeout_global(Some(timeout))
        .user_agent(concat!("edgeprom-std/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// A host, with a port (if any) that is a number up to 65535: the URL parser takes
/// `host:99999` and `host:abc`, and reports no port at all for them.
fn check_host(host: &str) -> Result<(), PushError> {
    // The port follows the last colon, unless that colon is inside an IPv6 literal.
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) if !port.contains(']') => (name, Some(port)),
        _ => (host, None),
    };
    if name.is_empty() {
        return Err(PushError::InvalidUrl("the URL has no host"));
    }
    match port {
        Some(port) if !port.bytes().all(|b| b.is_ascii_digit()) || port.parse::<u16>().is_err() => {
            Err(PushError::InvalidUrl(
                "the port must be a number from 0 to 65535",
            ))
        }
        _ => Ok(()),
    }
}

fn basic_auth(user: &str, password: &str) -> String {
    let pair = format!("{user}:{password}");
    format!("Basic {}", Base64Display::new(pair.as_bytes(), &STANDARD))
}

impl PushClient {
    /// A client for the gateway at `url` (`http://host:9091` or `https://...`, optionally with a
    /// path prefix and `user:password@` credentials), with a 30 s timeout.
    ///
    /// Fails with [`PushError::InvalidUrl`] unless `url` is an absolute `http://` or `https://`
    /// URL with a host, a port (if any) up to 65535, and neither a query string nor a fragment:
    /// pushes go to paths below it, which could not keep them.
    pub fn new(url: &str) -> Result<Self, PushError> {
        let url = url.trim();
        let uri: Uri = url
            .parse()
            .map_err(|_| PushError::InvalidUrl("not a valid URL"))?;
        let scheme = match uri.scheme_str() {
            Some(scheme @ ("http" | "https")) => scheme,
            Some(_) => return Err(PushError::InvalidUrl("the scheme must be http or https")),
            None => {
                return Err(PushError::InvalidUrl(
                    "the URL must start with http:// or https://",
                ))
            }
        };
        let authority = uri
            .authority()
            .ok_or(PushError::InvalidUrl("the URL has no host"))?
            .as_str();
        let (auth, host) = match authority.rsplit_once('@') {
            Some((userinfo, host)) => {
                let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                (Some(basic_auth(user, password)), host)
            }
            None => (None, authority),
        };
        check_host(host)?;
        // The parser keeps the query but drops a fragment without a word.
        if uri.query().is_some() {
            return Err(PushError::InvalidUrl(
                "the URL has a query string, which the push paths would drop",
            ));
        }
        if url.contains('#') {
            return Err(PushError::InvalidUrl(
                "the URL has a fragment (#...), which the push paths would drop",
            ));
        }
        let path = uri.path().trim_end_matches('/');
        Ok(PushClient {
            base: format!("{scheme}://{host}{path}"),
            auth,
            timeout: DEFAULT_TIMEOUT,
            roots: None,
            #[cfg(feature = "protobuf")]
            protobuf: false,
            agent: agent(DEFAULT_TIMEOUT, None),
        })
    }

    /// Sends `Authorization: Basic ...` with every request.
    pub fn with_basic_auth(mut self, user: &str, password: &str) -> Self {
        self.auth = Some(basic_auth(user, password));
        self
    }

    /// The timeout for a whole request (connect, send, answer).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self.agent = agent(timeout, self.roots.as_ref());
        self
    }

    /// Trusts only the certificates in `pem` (one or more `-----BEGIN CERTIFICATE-----`
    /// blocks, e.g. your own CA) for https, instead of the webpki roots. Other PEM items
    /// (private keys) are ignored. Works with [`with_timeout`](Self::with_timeout) in either
    /// order.
    ///
    /// Fails with [`PushError::InvalidCertificate`] when the PEM does not parse, holds no
    /// certificate, or holds one that is not a valid X.509 certificate.
    pub fn with_root_certificates_pem(mut self, pem: &[u8]) -> Result<Self, PushError> {
        let invalid = |i: usize, source| PushError::InvalidCertificate {
            item: Some(i + 1),
            source: Some(source),
        };
        let mut certs = Vec::new();
        for (i, item) in parse_pem(pem).enumerate() {
            match item {
                Ok(PemItem::Certificate(cert)) => {
                    // ureq silently skips roots that do not parse; check them here instead.
                    let der = rustls::pki_types::CertificateDer::from(cert.der());
                    rustls::RootCertStore::empty()
                        .add(der)
                        .map_err(|e| invalid(i, PushErrorSource::new(e)))?;
                    certs.push(cert);
                }
                Ok(_) => {}
                Err(e) => return Err(invalid(i, PushErrorSource::new(e))),
            }
        }
        if certs.is_empty() {
            return Err(PushError::InvalidCertificate {
                item: None,
                source: None,
            });
        }
        let roots = Arc::new(certs);
        self.agent = agent(self.timeout, Some(&roots));
        self.roots = Some(roots);
        Ok(self)
    }

    /// The gateway's URL, without credentials.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// The request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Pushes (`push`, `push_add`) in the Prometheus protobuf exposition (length-delimited
    /// `MetricFamily` messages, `Content-Type` [`edgeprom::encode::protobuf::CONTENT_TYPE`])
    /// when `protobuf` is true, instead of Prometheus text (the default). Every source of
    /// this crate writes it ([`Gather::gather_protobuf`]) with the same families, series and
    /// values as its text; a source of your own that writes only text is pushed as text.
    ///
    /// The Pushgateway stores what it parses either way; protobuf is the smaller body, the
    /// only one that can carry a native histogram, and keeps creation times as the messages'
    /// `created_timestamp` (the text sends them as `_created` gauges).
    ///
    /// ```no_run
    /// use edgeprom::{Histogram, Metric, Registry};
    /// use edgeprom_std::PushClient;
    ///
    /// static LATENCY: Metric<Histogram> = Metric::new("job_latency_seconds", "Latency");
    /// let mut registry: Registry<'_, 4> = Registry::new();
    /// registry.register(&LATENCY)?;
    /// LATENCY.observe(0.25)?;
    ///
    /// let client = PushClient::new("http://127.0.0.1:9091")?.with_protobuf(true);
    /// assert!(client.pushes_protobuf());
    /// client.push("nightly", &[("instance", "host-1")], &registry)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "protobuf")]
    #[cfg_attr(docsrs, doc(cfg(feature = "protobuf")))]
    pub fn with_protobuf(mut self, protobuf: bool) -> Self {
        self.protobuf = protobuf;
        self
    }

    /// Whether pushes go in the protobuf exposition (see
    /// [`with_protobuf`](Self::with_protobuf)).
    #[cfg(feature = "protobuf")]
    #[cfg_attr(docsrs, doc(cfg(feature = "protobuf")))]
    pub fn pushes_protobuf(&self) -> bool {
        self.protobuf
    }

    /// What pushes are written in, for `Debug`.
    fn body_format(&self) -> &'static str {
        #[cfg(feature = "protobuf")]
        if self.protobuf {
            return "protobuf";
        }
        "text"
    }

    /// `PUT`: replaces all metrics of the group `job` + `grouping` with `metrics`.
    pub fn push(
        &self,
        job: &str,
        grouping: &[(&str, &str)],
        metrics: &dyn Gather,
    ) -> Result<(), PushError> {
        self.send_metrics(PushMethod::Put, job, grouping, metrics)
    }

    /// `POST`: replaces, in the group, only the metrics whose names `metrics` contains.
    pub fn push_add(
        &self,
        job: &str,
        grouping: &[(&str, &str)],
        metrics: &dyn Gather,
    ) -> Result<(), PushError> {
        self.send_metrics(PushMethod::Post, job, grouping, metrics)
    }

    /// `DELETE`: removes the whole group.
    pub fn delete(&self, job: &str, grouping: &[(&str, &str)]) -> Result<(), PushError> {
        self.send_to(PushMethod::Delete, &self.group_url(job, grouping)?, "", &[])
    }

    fn send_metrics(
        &self,
        method: PushMethod,
        job: &str,
        grouping: &[(&str, &str)],
        metrics: &dyn Gather,
    ) -> Result<(), PushError> {
        // An unusable job or grouping key is reported before any encoding.
        let url = self.group_url(job, grouping)?;
        #[cfg(feature = "protobuf")]
        if self.protobuf {
            if let Some(body) = metrics.gather_protobuf() {
                let body = body.map_err(PushError::Encode)?;
                return self.send_to(
                    method,
                    &url,
                    edgeprom::encode::protobuf::CONTENT_TYPE,
                    &body,
                );
            }
        }
        let body = metrics
            .gather(Format::Prometheus)
            .map_err(PushError::Encode)?;
        self.send_to(
            method,
            &url,
            Format::Prometheus.content_type(),
            body.as_bytes(),
        )
    }

    /// The full URL of a group. Fails with [`PushError::EmptyJob`] for an empty `job`, and
    /// with [`PushError::InvalidGroupingKey`] for an invalid or repeated label name, or `job`.
    pub fn group_url(&self, job: &str, grouping: &[(&str, &str)]) -> Result<String, PushError> {
        if job.is_empty() {
            return Err(PushError::EmptyJob);
        }
        let mut url = self.base.clone();
        write_path(&mut url, job, grouping).map_err(|error| PushError::InvalidGroupingKey {
            label: label_at_fault(grouping),
            error,
        })?;
        Ok(url)
    }

    /// Sends a Prometheus-text `body` (ignored for `DELETE`) with `method` to the group.
    pub fn send(
        &self,
        method: PushMethod,
        job: &str,
        grouping: &[(&str, &str)],
        body: &str,
    ) -> Result<(), PushError> {
        let url = self.group_url(job, grouping)?;
        self.send_to(
            method,
            &url,
            Format::Prometheus.content_type(),
            body.as_bytes(),
        )
    }

    /// `POST`s `body` to `url` (below this client's or any other) with `headers`, this
    /// client's credentials, timeout and trusted roots: the transport the remote write and
    /// VictoriaMetrics import clients share with the push client. Returns the status, the
    /// `Retry-After` header's seconds, and for a status other than 2xx the start of the body.
    #[cfg(feature = "remote-write")]
    pub(crate) fn post(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<(u16, Option<u64>, String), PushError> {
        let mut req = self.agent.post(url);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(auth) = &self.auth {
            req = req.header("Authorization", auth);
        }
        let mut response = req.send(body).map_err(classify)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let message = if (200..300).contains(&status) {
            String::new()
        } else {
            message(&mut response)
        };
        Ok((status, retry_after, message))
    }

    /// Sends `Authorization: Bearer <token>` with every request (instead of basic auth).
    pub fn with_bearer_token(mut self, token: &str) -> Self {
        self.auth = Some(format!("Bearer {token}"));
        self
    }

    /// Sends `body` of `content_type` (both ignored for `DELETE`) with `method` to `url`.
    fn send_to(
        &self,
        method: PushMethod,
        url: &str,
        content_type: &str,
        body: &[u8],
    ) -> Result<(), PushError> {
        let result = match method {
            PushMethod::Delete => {
                let mut req = self.agent.delete(url);
                if let Some(auth) = &self.auth {
                    req = req.header("Authorization", auth);
                }
                req.call()
            }
            PushMethod::Put | PushMethod::Post => {
                let mut req = match method {
                    PushMethod::Put => self.agent.put(url),
                    _ => self.agent.post(url),
                };
                req = req.header("Content-Type", content_type);
                if let Some(auth) = &self.auth {
                    req = req.header("Authorization", auth);
                }
                req.send(body)
            }
        };
        let mut response = result.map_err(classify)?;
        let status = response.status().as_u16();
        if status == 200 || status == 202 {
            return Ok(());
        }
        let message = message(&mut response);
        Err(PushError::Rejected { status, message })
    }
}

/// The start of a response's body, as text: what arrived even if the body is longer than the
/// limit, cut short or too slow (the timeout covers the body too), since the status alone is
/// already the answer.
fn message(response: &mut ureq::http::Response<ureq::Body>) -> String {
    let mut bytes = Vec::new();
    let _ = response
        .body_mut()
        .as_reader()
        .take(MAX_MESSAGE_BYTES)
        .read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).trim().to_owned()
}

/// The label of `grouping` that the core's check refuses (empty if it refuses none): the last
/// of the shortest refused prefix.
pub(crate) fn label_at_fault(grouping: &[(&str, &str)]) -> String {
    (1..=grouping.len())
        .filter_map(|end| grouping.get(..end))
        .find(|prefix| validate_grouping_key(prefix).is_err())
        .and_then(|prefix| prefix.last())
        .map(|(label, _)| (*label).to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgeprom::push::PushPathError;

    #[test]
    fn urls_are_checked_and_credentials_hidden() {
        let c = PushClient::new("http://127.0.0.1:9091/").unwrap();
        assert_eq!(c.url(), "http://127.0.0.1:9091");
        assert_eq!(
            c.group_url("j", &[("a", "x/y")]).unwrap(),
            "http://127.0.0.1:9091/metrics/job/j/a@base64/eC95"
        );
        let c = PushClient::new("https://alice:s3cret@gw.example:443/prefix").unwrap();
        assert_eq!(c.url(), "https://gw.example:443/prefix");
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("alice"),
            "{shown}"
        );
        assert!(shown.contains("<redacted>"));
        let c = c
            .with_basic_auth("bob", "hunter2")
            .with_timeout(Duration::from_secs(1));
        assert!(!format!("{c:?}").contains("hunter2"));
        assert_eq!(c.timeout(), Duration::from_secs(1));
        assert_eq!(c.auth.as_deref(), Some("Basic Ym9iOmh1bnRlcjI="));
        for bad in ["", "not a url", "ftp://h", "/metrics", "127.0.0.1:9091"] {
            let e = PushClient::new(bad).unwrap_err();
            assert!(matches!(e, PushError::InvalidUrl(_)), "{bad}: {e:?}");
        }
        let e = PushClient::new("gw:9091").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid Pushgateway URL: the URL must start with http:// or https://"
        );
    }

    #[test]
    fn ports_queries_and_fragments_are_refused_not_dropped() {
        for ok in [
            "http://h:65535",
            "http://h:0/p",
            "https://u:p@h:443",
            "http://[::1]:9091",
            "http://[::1]",
        ] {
            assert!(PushClient::new(ok).is_ok(), "{ok}");
        }
        let why = |url: &str| match PushClient::new(url) {
            Err(PushError::InvalidUrl(why)) => why,
            other => panic!("{url}: {other:?}"),
        };
        for port in [
            "http://h:65536",
            "http://u:p@h:99999/x",
            "http://h:abc",
            "http://h:",
            "http://h:+1",
        ] {
            assert_eq!(
                why(port),
                "the port must be a number from 0 to 65535",
                "{port}"
            );
        }
        for query in ["http://h:9091?x=1", "http://h/p?", "https://h/p?a=b#c"] {
            assert!(
                why(query).starts_with("the URL has a query string"),
                "{query}"
            );
        }
        for fragment in ["http://h:9091/#frag", "http://h#f", "http://h/p/#"] {
            assert!(
                why(fragment).starts_with("the URL has a fragment"),
                "{fragment}"
            );
        }
    }

    #[test]
    fn jobs_and_grouping_keys_are_checked_and_named() {
        let c = PushClient::new("http://127.0.0.1:9091").unwrap();
        assert_eq!(c.group_url("", &[]), Err(PushError::EmptyJob));
        assert!(matches!(
            c.delete("", &[("instance", "a")]),
            Err(PushError::EmptyJob)
        ));
        // Before the metrics are encoded (nothing is sent either: no gateway listens there).
        struct Failing;
        impl Gather for Failing {
            fn gather_into(&self, _: Format, _: &mut String) -> Result<(), crate::GatherError> {
                Err(crate::GatherError)
            }
        }
        assert_eq!(c.push("", &[], &Failing), Err(PushError::EmptyJob));
        assert_eq!(
            c.push_add("j", &[], &Failing),
            Err(PushError::Encode(crate::GatherError))
        );
        assert_eq!(
            c.group_url("j", &[("a", "1"), ("job", "x")]),
            Err(PushError::InvalidGroupingKey {
                label: "job".into(),
                error: PushPathError::DuplicateLabel
            })
        );
        let e = c
            .group_url("j", &[("a", "1"), ("b-c", "2"), ("a", "3")])
            .unwrap_err();
        assert_eq!(
            e,
            PushError::InvalidGroupingKey {
                label: "b-c".into(),
                error: PushPathError::InvalidLabel(edgeprom::NameError::InvalidLabelName)
            }
        );
        assert!(e.to_string().contains("`b-c`"), "{e}");
        assert_eq!(label_at_fault(&[("a", "1"), ("b", "2"), ("a", "3")]), "a");
        assert_eq!(label_at_fault(&[("a", "1")]), "");
    }

    /// A self-signed P-256 CA certificate (valid until 2126), for the parsing checks.
    const TEST_CA_PEM: &str = "\
-----BEGIN CERTIFICATE-----
MIIBljCCAT2gAwIBAgIUB/27B68mFcK5SYNmYkj0vGQ915AwCgYIKoZIzj0EAwIw
IDEeMBwGA1UEAwwVZWRnZXByb20gdW5pdC10ZXN0IENBMCAXDTI2MTEyOTEyNTk1
MVoYDzIxMjYxMTA1MTI1OTUxWjAgMR4wHAYDVQQDDBVlZGdlcHJvbSB1bml0LXRl
c3QgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAT2Qfe8+rKvUDvhRl7fm9MY
ZteF0E9V7ESIIiXaPnoW+6W8K5uvbirXNagcq8iGcbsQFKyfGEZlXOKBQajTIPb7
o1MwUTAdBgNVHQ4EFgQU8qEajK7BMNMmRAad7nO9IZhJqwMwHwYDVR0jBBgwFoAU
8qEajK7BMNMmRAad7nO9IZhJqwMwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQD
AgNHADBEAiAvIxsSHcrUy+ZBV+/afZod1HpnpMHDZLu3BhhpWZi9AAIgHaMxUewq
Sftuo4tBwuX/Ky770mFMo4V6YrZs8sPfF3E=
-----END CERTIFICATE-----
";

    #[test]
    fn root_certificates_are_checked_and_kept_across_with_timeout() {
        let base = PushClient::new("https://user:pw@127.0.0.1:9091").unwrap();
        assert!(format!("{base:?}").contains("webpki"));

        let a = base
            .clone()
            .with_timeout(Duration::from_secs(3))
            .with_root_certificates_pem(TEST_CA_PEM.as_bytes())
            .unwrap();
        let b = base
            .clone()
            .with_root_certificates_pem(TEST_CA_PEM.as_bytes())
            .unwrap()
            .with_timeout(Duration::from_secs(3));
        for c in [&a, &b] {
            assert_eq!(c.timeout(), Duration::from_secs(3));
            assert_eq!(c.roots.as_ref().map(|r| r.len()), Some(1));
            let shown = format!("{c:?}");
            assert!(shown.contains("1 given"), "{shown}");
            assert!(!shown.contains("pw") && !shown.contains("user"), "{shown}");
        }
        // Two certificates, and a private key that is skipped.
        let two = format!(
            "{TEST_CA_PEM}-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n{TEST_CA_PEM}"
        );
        let c = base
            .clone()
            .with_root_certificates_pem(two.as_bytes())
            .unwrap();
        assert_eq!(c.roots.as_ref().map(|r| r.len()), Some(2));

        let not_a_cert =
            "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n";
        let truncated = &TEST_CA_PEM[..TEST_CA_PEM.len() - 30];
        let bad_base64 = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        for bad in [not_a_cert, truncated, bad_base64] {
            match base.clone().with_root_certificates_pem(bad.as_bytes()) {
                Err(
                    e @ PushError::InvalidCertificate {
                        item: Some(1),
                        source: Some(_),
                    },
                ) => {
                    assert!(std::error::Error::source(&e).is_some());
                    assert!(e
                        .to_string()
                        .starts_with("invalid CA certificate: PEM item 1: "));
                }
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        // The second item is the bad one.
        let second = format!("{TEST_CA_PEM}{not_a_cert}");
        assert!(matches!(
            base.clone().with_root_certificates_pem(second.as_bytes()),
            Err(PushError::InvalidCertificate { item: Some(2), .. })
        ));
        for none in ["", "hello"] {
            assert_eq!(
                base.clone()
                    .with_root_certificates_pem(none.as_bytes())
                    .err(),
                Some(PushError::InvalidCertificate {
                    item: None,
                    source: None
                }),
                "{none:?}"
            );
        }
        let e = base
            .with_root_certificates_pem(
                b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            )
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid CA certificate: the PEM holds no certificate"
        );
    }
}
