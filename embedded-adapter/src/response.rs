//! Reading an HTTP/1.x response head (status line and headers) into a bounded buffer, with
//! [`httparse`]. The body is not read: requests are sent with `Connection: close` (with the
//! feature `remote-write`, the reply's `Date`, `Retry-After` and `Content-Length` are kept, so
//! that a client on a kept-alive connection can skip the body).

use core::fmt;
#[cfg(feature = "remote-write")]
use core::time::Duration;

/// How many header lines a response may have (the Pushgateway sends four or five). Each takes
/// four words of stack while parsing.
pub(crate) const MAX_HEADERS: usize = 16;

/// The response to a request was not a success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResponseError {
    /// The connection closed before the response head was complete.
    Closed,
    /// The bytes received are not an HTTP/1.x response head.
    Malformed,
    /// The response head does not fit in the buffer.
    TooLarge,
    /// The gateway answered with a status other than 2xx.
    Status(u16),
}

/// Accumulates a response head in `buf`; the caller reads into [`HeadReader::space`] and
/// reports each read with [`HeadReader::received`]. With `META` (made by
/// [`HeadReader::with_meta`], feature `remote-write`), it also keeps the final response's
/// [`Meta`]; without it (the Pushgateway client), no header but the status line is read, and
/// no date parsing is linked.
pub(crate) struct HeadReader<'b, const META: bool = false> {
    buf: &'b mut [u8],
    filled: usize,
    #[cfg(feature = "remote-write")]
    meta: Meta,
}

/// What a client reads of a final response's headers besides the status.
#[cfg(feature = "remote-write")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Meta {
    /// `Date`, when present and an IMF-fixdate.
    pub(crate) date: Option<Duration>,
    /// `Retry-After` in seconds (given as seconds, or as a date after `Date`).
    pub(crate) retry_after: Option<u64>,
    /// `Content-Length`, when present.
    pub(crate) body_len: Option<usize>,
    /// The bytes of the body that arrived with the head.
    pub(crate) body_read: usize,
}

#[cfg(feature = "remote-write")]
impl Meta {
    fn read(headers: &[httparse::Header<'_>], body_read: usize) -> Self {
        let find = |name: &str| {
            headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(name))
                .map(|h| h.value.trim_ascii())
        };
        let number = |v: &[u8]| core::str::from_utf8(v).ok()?.parse::<u64>().ok();
        let date = find("date").and_then(|v| crate::parse_http_date(v).ok());
        let retry_after = find("retry-after").and_then(|v| {
            number(v).or_else(|| {
                let at = crate::parse_http_date(v).ok()?;
                Some(at.saturating_sub(date?).as_secs())
            })
        });
        let body_len = find("content-length")
            .and_then(number)
            .and_then(|n| usize::try_from(n).ok());
        Meta {
            date,
            retry_after,
            body_len,
            body_read,
        }
    }
}

impl<const META: bool> fmt::Debug for HeadReader<'_, META> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeadReader")
            .field("capacity", &self.buf.len())
            .field("filled", &self.filled)
            .finish()
    }
}

impl<'b> HeadReader<'b, false> {
    /// A reader of the status only.
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        HeadReader {
            buf,
            filled: 0,
            #[cfg(feature = "remote-write")]
            meta: Meta::default(),
        }
    }
}

#[cfg(feature = "remote-write")]
impl<'b> HeadReader<'b, true> {
    /// A reader that also keeps the final response's `Date`, `Retry-After` and body length.
    pub(crate) fn with_meta(buf: &'b mut [u8]) -> Self {
        HeadReader {
            buf,
            filled: 0,
            meta: Meta::default(),
        }
    }
}

impl<const META: bool> HeadReader<'_, META> {
    /// The final response's `Date`, `Retry-After` and body length, once its head is complete
    /// (whatever its status).
    #[cfg(feature = "remote-write")]
    pub(crate) fn meta(&self) -> Meta {
        self.meta
    }

    /// Where the next read goes; `TooLarge` when the buffer is full.
    pub(crate) fn space(&mut self) -> Result<&mut [u8], ResponseError> {
        match self.buf.get_mut(self.filled..) {
            Some(rest) if !rest.is_empty() => Ok(rest),
            _ => Err(ResponseError::TooLarge),
        }
    }

    /// Takes note of `n` bytes read into [`HeadReader::space`] (0: the peer closed). Returns
    /// the 2xx status once a final response head is complete, `None` while more is needed.
    pub(crate) fn received(&mut self, n: usize) -> Result<Option<u16>, ResponseError> {
        if n == 0 {
            return Err(ResponseError::Closed);
        }
        self.filled = self.filled.saturating_add(n).min(self.buf.len());
        loop {
            let data = self.buf.get(..self.filled).unwrap_or_default();
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut response = httparse::Response::new(&mut headers);
            let head_len = match response.parse(data) {
                Ok(httparse::Status::Complete(len)) => len,
                Ok(httparse::Status::Partial) => return Ok(None),
                Err(httparse::Error::TooManyHeaders) => return Err(ResponseError::TooLarge),
                Err(_) => return Err(ResponseError::Malformed),
            };
            let code = response.code.ok_or(ResponseError::Malformed)?;
            #[cfg(feature = "remote-write")]
            if META && code >= 200 {
                self.meta = Meta::read(response.headers, self.filled - head_len);
            }
            match code {
                // An interim response (100 Continue): the final one follows.
                100..=199 => {
                    self.buf.copy_within(head_len..self.filled, 0);
                    self.filled -= head_len;
                }
                200..=299 => return Ok(Some(code)),
                _ => return Err(ResponseError::Status(code)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `reply` in reads of `step` bytes into a buffer of `cap` bytes.
    fn feed(reply: &[u8], step: usize, cap: usize) -> Result<Option<u16>, ResponseError> {
        let mut buf = [0u8; 512];
        let mut r = HeadReader::new(&mut buf[..cap]);
        let mut rest = reply;
        loop {
            let space = r.space()?;
            let n = step.min(space.len()).min(rest.len());
            space[..n].copy_from_slice(&rest[..n]);
            rest = &rest[n..];
            if let Some(code) = r.received(n)? {
                return Ok(Some(code));
            }
        }
    }

    const OK: &[u8] = b"HTTP/1.1 200 OK\r\nDate: Tue, 25 Nov 2025 05:00:00 GMT\r\n\
        Content-Length: 0\r\n\r\n";

    #[test]
    fn complete_heads_in_any_read_size() {
        for step in [1, 2, 7, 512] {
            assert_eq!(feed(OK, step, 512), Ok(Some(200)), "step {step}");
        }
        let accepted = b"HTTP/1.1 202 Accepted\r\n\r\n";
        assert_eq!(feed(accepted, 3, 64), Ok(Some(202)));
        let continued = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n";
        assert_eq!(feed(continued, 512, 64), Ok(Some(200)));
        assert_eq!(feed(continued, 1, 64), Ok(Some(200)));
    }

    #[cfg(feature = "remote-write")]
    #[test]
    fn keeps_date_retry_after_and_body_length() {
        let reply = b"HTTP/1.1 100 Continue\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n\
            HTTP/1.1 503 Service Unavailable\r\nDate: Tue, 25 Nov 2025 05:00:00 GMT\r\n\
            retry-after:  Tue, 25 Nov 2025 05:00:30 GMT \r\nContent-Length: 5\r\n\r\nbu";
        for step in [1, 3, 512] {
            let mut buf = [0u8; 512];
            let mut r = HeadReader::with_meta(&mut buf);
            let mut rest = &reply[..];
            let got = loop {
                let space = r.space().unwrap();
                let n = step.min(rest.len());
                space[..n].copy_from_slice(&rest[..n]);
                rest = &rest[n..];
                match r.received(n) {
                    Ok(None) => continue,
                    other => break other,
                }
            };
            assert_eq!(got, Err(ResponseError::Status(503)));
            let m = r.meta();
            assert_eq!(m.date, Some(Duration::from_secs(1_764_046_800)));
            assert_eq!(m.retry_after, Some(30));
            assert_eq!(m.body_len, Some(5));
            // The body's first bytes that came in the read completing the head.
            let head = reply.len() - 2;
            let end = (head.div_ceil(step) * step).min(reply.len());
            assert_eq!(m.body_read, end - head, "step {step}");
        }
    }

    #[test]
    fn distinct_failures() {
        assert_eq!(
            feed(b"HTTP/1.1 200 OK\r\n", 4, 512),
            Err(ResponseError::Closed)
        );
        assert_eq!(feed(b"", 4, 512), Err(ResponseError::Closed));
        assert_eq!(
            feed(b"SSH-2.0-OpenSSH_9.2\r\n\r\n", 4, 512),
            Err(ResponseError::Malformed)
        );
        assert_eq!(
            feed(b"\x00\xff\xfe garbage", 1, 512),
            Err(ResponseError::Malformed)
        );
        assert_eq!(feed(OK, 5, 40), Err(ResponseError::TooLarge));
        assert_eq!(feed(OK, 5, 0), Err(ResponseError::TooLarge));
        let bad = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad";
        assert_eq!(feed(bad, 9, 512), Err(ResponseError::Status(400)));
        let mut many = [0u8; 512];
        let mut n = 0;
        for chunk in [&b"HTTP/1.1 200 OK\r\n"[..]]
            .into_iter()
            .chain([&b"X: y\r\n"[..]; 20])
            .chain([&b"\r\n"[..]])
        {
            many[n..n + chunk.len()].copy_from_slice(chunk);
            n += chunk.len();
        }
        assert_eq!(feed(&many[..n], 64, 512), Err(ResponseError::TooLarge));
    }
}
