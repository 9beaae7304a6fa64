//! [`Pushgateway`]: where and how to push (host, job, grouping key, credentials), and the
//! HTTP/1.1 requests it writes.

use core::fmt::{self, Write};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use edgeprom::push::{self, PushPathError};

/// A [`Pushgateway`] could not be configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigError {
    /// The host is empty or holds a byte that cannot appear in a `Host` header (a space, a
    /// control character, `/`, non-ASCII).
    InvalidHost,
    /// The grouping key is invalid (see [`edgeprom::push::validate_grouping_key`]).
    Grouping(PushPathError),
    /// A basic-auth user name is empty or contains `:` or a control character, or the
    /// password contains a control character.
    InvalidCredentials,
    /// A request path does not start with `/` or holds a byte other than visible ASCII.
    InvalidPath,
    /// An extra label's name is not a valid label name.
    InvalidLabel,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::InvalidHost => f.write_str("invalid host for the Host header"),
            ConfigError::Grouping(e) => write!(f, "invalid grouping key: {e}"),
            ConfigError::InvalidCredentials => {
                f.write_str("invalid basic-auth credentials (empty user, `:` or control character)")
            }
            ConfigError::InvalidPath => {
                f.write_str("invalid request path (not starting with `/`, or not visible ASCII)")
            }
            ConfigError::InvalidLabel => f.write_str("invalid label name"),
        }
    }
}

impl core::error::Error for ConfigError {}

/// The HTTP method of a push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// `push`: replace the whole group.
    Put,
    /// `push_add`: replace only the metric names in the body.
    Post,
    /// `delete`: remove the group.
    Delete,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// A Pushgateway and the group to push to: host, job, grouping key and optional basic-auth
/// credentials. Borrowed strings, no allocation; the push methods take the transport.
///
/// The job and grouping-key values are written by the core's path rules
/// ([`edgeprom::push::write_path`]): any value arrives exactly, `/` and empty values in
/// base64.
///
/// ```
/// use edgeprom_embedded::Pushgateway;
/// let gateway = Pushgateway::new("10.0.0.2:9091", "sensor")?
///     .with_grouping(&[("instance", "dev-01")])?
///     .with_basic_auth("push", "s3cret")?;
/// assert_eq!(gateway.job(), "sensor");
/// # Ok::<(), edgeprom_embedded::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Pushgateway<'a> {
    host: &'a str,
    job: &'a str,
    grouping: &'a [(&'a str, &'a str)],
    auth: Option<(&'a str, &'a str)>,
}

impl<'a> Pushgateway<'a> {
    /// A gateway at `host` (`host:port`, sent as the `Host` header; the transport is already
    /// connected to it) and the job to push as.
    pub fn new(host: &'a str, job: &'a str) -> Result<Self, ConfigError> {
        validate_host(host)?;
        Ok(Pushgateway {
            host,
            job,
            grouping: &[],
            auth: None,
        })
    }

    /// Adds grouping-key labels after the job (`instance`, say): valid label names, none
    /// `job`, none twice.
    pub fn with_grouping(
        mut self,
        grouping: &'a [(&'a str, &'a str)],
    ) -> Result<Self, ConfigError> {
        push::validate_grouping_key(grouping).map_err(ConfigError::Grouping)?;
        self.grouping = grouping;
        Ok(self)
    }

    /// Sends `Authorization: Basic` with these credentials.
    pub fn with_basic_auth(
        mut self,
        user: &'a str,
        password: &'a str,
    ) -> Result<Self, ConfigError> {
        validate_credentials(user, password)?;
        self.auth = Some((user, password));
        Ok(self)
    }

    /// The `Host` header value.
    pub fn host(&self) -> &'a str {
        self.host
    }

    /// The job.
    pub fn job(&self) -> &'a str {
        self.job
    }

    /// The grouping-key labels.
    pub fn grouping(&self) -> &'a [(&'a str, &'a str)] {
        self.grouping
    }

    /// Writes the request line and headers; `body` is the exposition's content type and
    /// length (`None` for a request without a body).
    pub(crate) fn write_head(
        &self,
        out: &mut dyn Write,
        method: Method,
        body: Option<(&'static str, usize)>,
    ) -> fmt::Result {
        let head = Head {
            method: method.as_str(),
            host: self.host,
            auth: self.auth,
            content_type: body.map(|(ty, _)| ty),
            extra: "",
            body_len: body.map(|(_, len)| len),
            close: true,
        };
        head.write(out, &|out| {
            push::write_path(out, self.job, self.grouping).map_err(|_| fmt::Error)
        })
    }
}

/// `host` can be sent as a `Host` header: not empty, visible ASCII, no `/`, `\`, `@`.
pub(crate) fn validate_host(host: &str) -> Result<(), ConfigError> {
    let valid = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'/' | b'\\' | b'@'));
    if valid {
        Ok(())
    } else {
        Err(ConfigError::InvalidHost)
    }
}

/// Basic-auth credentials can be sent: a user without `:`, no control characters.
pub(crate) fn validate_credentials(user: &str, password: &str) -> Result<(), ConfigError> {
    let control = |s: &str| s.chars().any(char::is_control);
    if user.is_empty() || user.contains(':') || control(user) || control(password) {
        Err(ConfigError::InvalidCredentials)
    } else {
        Ok(())
    }
}

/// An HTTP/1.1 request head, as every client of this crate writes it: request line, `Host`,
/// `User-Agent`, basic auth, the body's type, more headers, `Content-Length`, `Connection`.
pub(crate) struct Head<'h> {
    pub(crate) method: &'static str,
    pub(crate) host: &'h str,
    pub(crate) auth: Option<(&'h str, &'h str)>,
    pub(crate) content_type: Option<&'static str>,
    /// More header lines, each ending in `\r\n`.
    pub(crate) extra: &'static str,
    pub(crate) body_len: Option<usize>,
    /// `Connection: close` (else the connection is kept alive, as HTTP/1.1 does by default).
    pub(crate) close: bool,
}

impl Head<'_> {
    /// Writes the head; `target` writes the request target (path and query).
    pub(crate) fn write(
        &self,
        out: &mut dyn Write,
        target: &dyn Fn(&mut dyn Write) -> fmt::Result,
    ) -> fmt::Result {
        out.write_str(self.method)?;
        out.write_str(" ")?;
        target(out)?;
        out.write_str(" HTTP/1.1\r\nHost: ")?;
        out.write_str(self.host)?;
        out.write_str("\r\nUser-Agent: edgeprom-embedded\r\n")?;
        if let Some((user, password)) = self.auth {
            out.write_str("Authorization: Basic ")?;
            write_basic_credentials(out, user, password)?;
            out.write_str("\r\n")?;
        }
        if let Some(ty) = self.content_type {
            out.write_str("Content-Type: ")?;
            out.write_str(ty)?;
            out.write_str("\r\n")?;
        }
        out.write_str(self.extra)?;
        if let Some(len) = self.body_len {
            out.write_str("Content-Length: ")?;
            out.write_str(itoa::Buffer::new().format(len))?;
            out.write_str("\r\n")?;
        }
        out.write_str(if self.close {
            "Connection: close\r\n\r\n"
        } else {
            "\r\n"
        })
    }
}

/// Writes base64(`user:password`) without joining them: whole 3-byte groups encode
/// independently, so the input is fed through a 3-byte window.
fn write_basic_credentials(out: &mut dyn Write, user: &str, password: &str) -> fmt::Result {
    let mut group = [0u8; 3];
    let mut len = 0;
    let bytes = user.bytes().chain(Some(b':')).chain(password.bytes());
    let emit = |group: &[u8], out: &mut dyn Write| -> fmt::Result {
        let mut encoded = [0u8; 4];
        let n = STANDARD
            .encode_slice(group, &mut encoded)
            .map_err(|_| fmt::Error)?;
        let text = encoded.get(..n).ok_or(fmt::Error)?;
        out.write_str(core::str::from_utf8(text).map_err(|_| fmt::Error)?)
    };
    for b in bytes {
        if let Some(slot) = group.get_mut(len) {
            *slot = b;
        }
        len += 1;
        if len == group.len() {
            emit(&group, out)?;
            len = 0;
        }
    }
    if len > 0 {
        emit(group.get(..len).ok_or(fmt::Error)?, out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(g: &Pushgateway<'_>, m: Method, len: Option<usize>) -> heapless::String<512> {
        let mut s = heapless::String::new();
        let text = edgeprom::Format::Prometheus.content_type();
        g.write_head(&mut s, m, len.map(|n| (text, n))).unwrap();
        s
    }

    #[test]
    fn request_heads() {
        let g = Pushgateway::new("127.0.0.1:9091", "j/b")
            .unwrap()
            .with_grouping(&[("instance", "d 1")])
            .unwrap();
        assert_eq!(
            head(&g, Method::Put, Some(1234)),
            "PUT /metrics/job@base64/ai9i/instance/d%201 HTTP/1.1\r\n\
             Host: 127.0.0.1:9091\r\nUser-Agent: edgeprom-embedded\r\n\
             Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n\
             Content-Length: 1234\r\nConnection: close\r\n\r\n"
        );
        assert_eq!(
            head(&g, Method::Delete, None),
            "DELETE /metrics/job@base64/ai9i/instance/d%201 HTTP/1.1\r\n\
             Host: 127.0.0.1:9091\r\nUser-Agent: edgeprom-embedded\r\n\
             Connection: close\r\n\r\n"
        );
    }

    #[test]
    fn basic_auth_matches_rfc_7617() {
        // RFC 7617's example: Aladdin / open sesame.
        for (user, pass, expected) in [
            ("Aladdin", "open sesame", "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
            ("a", "", "YTo="),
            ("ab", "", "YWI6"),
            ("abc", "d", "YWJjOmQ="),
        ] {
            let mut s: heapless::String<64> = heapless::String::new();
            write_basic_credentials(&mut s, user, pass).unwrap();
            assert_eq!(s, expected);
        }
        let g = Pushgateway::new("h", "j")
            .unwrap()
            .with_basic_auth("Aladdin", "open sesame")
            .unwrap();
        assert!(head(&g, Method::Post, Some(0))
            .contains("\r\nAuthorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"));
    }

    #[test]
    fn rejects_bad_config() {
        for host in ["", "a b", "h/x", "a\r\nX: y", "hé"] {
            assert_eq!(
                Pushgateway::new(host, "j").err(),
                Some(ConfigError::InvalidHost),
                "{host:?}"
            );
        }
        let g = Pushgateway::new("h", "j").unwrap();
        assert_eq!(
            g.with_grouping(&[("job", "x")]).err(),
            Some(ConfigError::Grouping(PushPathError::DuplicateLabel))
        );
        for (u, p) in [("", "p"), ("a:b", "p"), ("u", "p\n")] {
            assert_eq!(
                g.with_basic_auth(u, p).err(),
                Some(ConfigError::InvalidCredentials)
            );
        }
    }
}
