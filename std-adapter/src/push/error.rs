//! [`PushError`]: why a push failed, with the error beneath it (the operating system's, the TLS
//! stack's or the HTTP client's) kept as its [`source`](std::error::Error::source).

use std::error::Error;
use std::fmt;
use std::io;
use std::sync::Arc;

use edgeprom::push::PushPathError;

use crate::gather::GatherError;

/// The error beneath a [`PushError`], kept whole: an [`io::Error`] from the connection, a
/// `rustls::Error` from the TLS handshake or a certificate, or a `ureq::Error` from the HTTP
/// client. [`PushError::source`](Error::source) returns it, to downcast or to follow its chain.
///
/// It is shared, so that a `PushError` stays cheap to clone. The errors beneath have no
/// equality of their own; two `PushErrorSource`s are equal when they say the same (the same
/// `Display` text), which is what a `PushError` compared before it kept them.
#[derive(Clone)]
#[cfg_attr(docsrs, doc(cfg(feature = "push")))]
pub struct PushErrorSource(Arc<dyn Error + Send + Sync + 'static>);

impl PushErrorSource {
    pub(crate) fn new(error: impl Into<Box<dyn Error + Send + Sync + 'static>>) -> Self {
        PushErrorSource(Arc::from(error.into()))
    }

    /// The error beneath.
    pub fn get_ref(&self) -> &(dyn Error + Send + Sync + 'static) {
        &*self.0
    }
}

impl fmt::Debug for PushErrorSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for PushErrorSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl PartialEq for PushErrorSource {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.to_string() == other.0.to_string()
    }
}

impl Eq for PushErrorSource {}

/// A push failed. No variant carries credentials: the client strips them from the URL and
/// keeps them only in the `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "push")))]
pub enum PushError {
    /// The gateway URL is unusable (the reason says why): not an absolute `http://` or
    /// `https://` URL, no host, a port that is not a number up to 65535, or a query string or
    /// fragment, which the group's path would silently drop.
    InvalidUrl(&'static str),
    /// The job name is empty; the Pushgateway needs one.
    EmptyJob,
    /// The grouping key cannot be sent: `label` is not a valid label name, is `job` (which the
    /// path carries already), or appears twice.
    InvalidGroupingKey {
        /// The label at fault.
        label: String,
        /// What is wrong with it.
        error: PushPathError,
    },
    /// The metrics could not be encoded.
    Encode(GatherError),
    /// The gateway could not be reached: connection refused or reset, host not found.
    Connection(PushErrorSource),
    /// The gateway did not answer within the timeout.
    Timeout(PushErrorSource),
    /// The TLS handshake failed: most often the gateway's certificate is not trusted (not
    /// signed by a trusted root, or not valid for the host name), or the gateway does not
    /// speak TLS on that port. See
    /// [`with_root_certificates_pem`](crate::PushClient::with_root_certificates_pem).
    Tls(PushErrorSource),
    /// The PEM given to
    /// [`with_root_certificates_pem`](crate::PushClient::with_root_certificates_pem) holds no
    /// usable certificate: an item does not parse or is not a valid X.509 certificate, or
    /// there is no certificate at all.
    InvalidCertificate {
        /// The PEM item at fault, counted from 1; `None` when the PEM holds no certificate.
        item: Option<usize>,
        /// Why the item is unusable (the PEM or X.509 parser's error); `None` when the PEM
        /// holds no certificate.
        source: Option<PushErrorSource>,
    },
    /// Another transport failure (a malformed or truncated response, ...).
    Transport(PushErrorSource),
    /// The gateway answered with a status other than 200 or 202; `message` is the start of
    /// its response body, which says why (a parse error, a type conflict, ...). 401 and 403
    /// mean the credentials were missing or refused: see
    /// [`is_auth_failure`](PushError::is_auth_failure).
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The gateway's explanation (at most 4 KiB, lossy UTF-8, trimmed).
        message: String,
    },
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushError::InvalidUrl(why) => write!(f, "invalid Pushgateway URL: {why}"),
            PushError::EmptyJob => f.write_str("the job name is empty; the Pushgateway needs one"),
            PushError::InvalidGroupingKey { label, error } => {
                write!(f, "invalid grouping key, label `{label}`: {error}")
            }
            PushError::Encode(e) => write!(f, "cannot encode the metrics: {e}"),
            PushError::Connection(e) => write!(f, "cannot connect to the Pushgateway: {e}"),
            PushError::Timeout(e) => write!(f, "the Pushgateway did not answer in time: {e}"),
            PushError::Tls(e) => write!(
                f,
                "TLS handshake with the Pushgateway failed (is its certificate trusted?): {e}"
            ),
            PushError::InvalidCertificate {
                item: Some(item),
                source,
            } => {
                write!(f, "invalid CA certificate: PEM item {item}")?;
                match source {
                    Some(e) => write!(f, ": {e}"),
                    None => Ok(()),
                }
            }
            PushError::InvalidCertificate { item: None, .. } => {
                f.write_str("invalid CA certificate: the PEM holds no certificate")
            }
            PushError::Transport(e) => write!(f, "push failed: {e}"),
            PushError::Rejected { status, message } if self.is_auth_failure() => write!(
                f,
                "authentication failed: the Pushgateway answered {status}: {message}"
            ),
            PushError::Rejected { status, message } => {
                write!(f, "the Pushgateway answered {status}: {message}")
            }
        }
    }
}

impl Error for PushError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            PushError::InvalidGroupingKey { error, .. } => Some(error),
            PushError::Encode(e) => Some(e),
            PushError::Connection(e)
            | PushError::Timeout(e)
            | PushError::Tls(e)
            | PushError::Transport(e)
            | PushError::InvalidCertificate {
                source: Some(e), ..
            } => Some(e.get_ref()),
            PushError::InvalidUrl(_)
            | PushError::EmptyJob
            | PushError::InvalidCertificate { source: None, .. }
            | PushError::Rejected { .. } => None,
        }
    }
}

impl PushError {
    /// Whether the gateway could not be reached at all (worth retrying later).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, PushError::Connection(_) | PushError::Timeout(_))
    }

    /// Whether the gateway refused the credentials, or needs some (a 401 or 403 answer).
    pub fn is_auth_failure(&self) -> bool {
        matches!(
            self,
            PushError::Rejected {
                status: 401 | 403,
                ..
            }
        )
    }
}

/// Whether `e`, or an error it wraps, is a rustls error: rustls reports handshake failures
/// (an untrusted certificate, a peer that does not speak TLS) as `io::Error`s around one.
fn wraps_rustls_error(e: &io::Error) -> bool {
    let mut inner: Option<&(dyn Error + 'static)> =
        e.get_ref().map(|e| e as &(dyn Error + 'static));
    // Bounded: error chains are short, and a cyclic one must not hang the client.
    for _ in 0..8 {
        let Some(err) = inner else { return false };
        if err.is::<rustls::Error>() {
            return true;
        }
        inner = err.source();
    }
    false
}

/// The [`PushError`] for a failed request, with the error beneath it: the I/O error ureq
/// reports, the rustls error of a TLS failure, or ureq's own.
pub(crate) fn classify(e: ureq::Error) -> PushError {
    match e {
        // The rustls error itself when the I/O error holds it, as it does for a handshake.
        ureq::Error::Io(io) if wraps_rustls_error(&io) => {
            PushError::Tls(match io.downcast::<rustls::Error>() {
                Ok(tls) => PushErrorSource::new(tls),
                Err(io) => PushErrorSource::new(io),
            })
        }
        ureq::Error::Io(io) => match io.kind() {
            io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::NotConnected
            | io::ErrorKind::AddrNotAvailable
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof => PushError::Connection(PushErrorSource::new(io)),
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
                PushError::Timeout(PushErrorSource::new(io))
            }
            _ => PushError::Transport(PushErrorSource::new(io)),
        },
        ureq::Error::Rustls(tls) => PushError::Tls(PushErrorSource::new(tls)),
        e @ (ureq::Error::ConnectionFailed | ureq::Error::HostNotFound) => {
            PushError::Connection(PushErrorSource::new(e))
        }
        e @ ureq::Error::Timeout(_) => PushError::Timeout(PushErrorSource::new(e)),
        e @ ureq::Error::Tls(_) => PushError::Tls(PushErrorSource::new(e)),
        e => PushError::Transport(PushErrorSource::new(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PushMethod;

    fn refused() -> PushErrorSource {
        PushErrorSource::new(io::Error::new(io::ErrorKind::ConnectionRefused, "refused"))
    }

    #[test]
    fn errors_display() {
        let e = PushError::Rejected {
            status: 400,
            message: "type conflict".into(),
        };
        assert_eq!(e.to_string(), "the Pushgateway answered 400: type conflict");
        assert!(!e.is_unreachable());
        assert!(PushError::Connection(refused()).is_unreachable());
        assert_eq!(PushMethod::Post.as_str(), "POST");
        assert!(!e.is_auth_failure());

        for status in [401, 403] {
            let e = PushError::Rejected {
                status,
                message: "Unauthorized".into(),
            };
            assert!(e.is_auth_failure());
            assert!(!e.is_unreachable());
            assert_eq!(
                e.to_string(),
                format!("authentication failed: the Pushgateway answered {status}: Unauthorized")
            );
        }
        let tls = PushError::Tls(PushErrorSource::new(rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer,
        )));
        assert!(!tls.is_unreachable() && !tls.is_auth_failure());
        assert!(tls
            .to_string()
            .starts_with("TLS handshake with the Pushgateway failed"));
        assert!(tls.to_string().ends_with("UnknownIssuer"), "{tls}");
        assert_eq!(
            PushError::EmptyJob.to_string(),
            "the job name is empty; the Pushgateway needs one"
        );
        assert_eq!(
            PushError::InvalidGroupingKey {
                label: "job".into(),
                error: PushPathError::DuplicateLabel
            }
            .to_string(),
            "invalid grouping key, label `job`: grouping-key label is `job` or appears twice"
        );
    }

    #[test]
    fn the_error_beneath_is_the_source() {
        let e = PushError::Connection(refused());
        let io = e.source().and_then(|s| s.downcast_ref::<io::Error>());
        assert_eq!(
            io.map(io::Error::kind),
            Some(io::ErrorKind::ConnectionRefused)
        );
        assert_eq!(e.to_string(), "cannot connect to the Pushgateway: refused");

        // A TLS failure inside an I/O error, as rustls reports a handshake: its source is the
        // rustls error itself.
        let handshake = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        let e = classify(ureq::Error::Io(handshake));
        assert!(matches!(e, PushError::Tls(_)), "{e:?}");
        let tls = e.source().and_then(|s| s.downcast_ref::<rustls::Error>());
        assert_eq!(
            tls,
            Some(&rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer
            ))
        );
        let timeout = io::Error::new(io::ErrorKind::TimedOut, "slow");
        assert!(matches!(
            classify(ureq::Error::Io(timeout)),
            PushError::Timeout(_)
        ));
        let e = classify(ureq::Error::HostNotFound);
        assert!(matches!(e, PushError::Connection(_)));
        assert!(e.source().is_some_and(|s| s.is::<ureq::Error>()));
        assert!(PushError::EmptyJob.source().is_none());
    }

    #[test]
    fn equal_when_they_say_the_same() {
        let a = PushError::Timeout(PushErrorSource::new(io::Error::other("slow")));
        assert_eq!(a, a.clone());
        assert_eq!(
            a,
            PushError::Timeout(PushErrorSource::new(io::Error::other("slow")))
        );
        assert_ne!(
            a,
            PushError::Timeout(PushErrorSource::new(io::Error::other("late")))
        );
        assert_ne!(
            a,
            PushError::Connection(PushErrorSource::new(io::Error::other("slow")))
        );
        assert_eq!(
            format!("{:?}", refused()),
            format!(
                "{:?}",
                io::Error::new(io::ErrorKind::ConnectionRefused, "refused")
            )
        );
    }
}
