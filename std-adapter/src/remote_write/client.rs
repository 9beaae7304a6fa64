//! [`RemoteWriteClient`]: remote write 1.0 over the push client's transport, with the
//! specification's retries.

use std::thread;
use std::time::Duration;

use super::{RemoteWriteEncode, RemoteWriteError};
use crate::PushClient;
use edgeprom::encode::remote_write::{RemoteWrite, CONTENT_ENCODING, CONTENT_TYPE, VERSION};

/// Most a `Retry-After` is waited for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// A remote write 1.0 client: `POST`s a registry as a snappy-compressed protobuf
/// `WriteRequest` with `Content-Encoding: snappy`, `Content-Type: application/x-protobuf`,
/// `User-Agent` and `X-Prometheus-Remote-Write-Version: 0.1.0` to a receiver's write URL
/// (Prometheus with `--web.enable-remote-write-receiver`, VictoriaMetrics, vmagent:
/// `http://host:port/api/v1/write`).
///
/// As the specification says, a 5xx or 429 answer (and a receiver that cannot be reached,
/// resets the connection, cuts its reply short or does not answer within the timeout) is
/// retried with exponential backoff, a 429's `Retry-After` (in seconds, at most 300)
/// honoured; any other 4xx is [`RemoteWriteError::Rejected`] at once, never retried, and so
/// is a TLS failure. [`send`](Self::send) returns the number of requests it took.
/// For writing in the background from a bounded queue, see
/// [`PeriodicRemoteWriter`](crate::PeriodicRemoteWriter).
///
/// ```no_run
/// use edgeprom::encode::remote_write::RemoteWrite;
/// use edgeprom::{Counter, Metric, Registry, WallClock};
/// use edgeprom_std::{RemoteWriteClient, SystemClock};
///
/// static JOBS: Metric<Counter> = Metric::new("jobs", "Jobs done");
/// let mut registry: Registry<'_, 4> = Registry::new().with_const_labels(&[("host", "h1")])?;
/// registry.register(&JOBS)?;
/// JOBS.inc();
///
/// let client = RemoteWriteClient::new("http://127.0.0.1:8428/api/v1/write")?;
/// client.write(&registry, &RemoteWrite::now(&SystemClock))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RemoteWriteClient {
    transport: PushClient,
    attempts: u32,
    backoff: (Duration, Duration),
}

impl RemoteWriteClient {
    /// A client for the write URL `url` (`http://` or `https://`, optionally with
    /// `user:password@`), a 30 s timeout, 5 attempts, backoff from 100 ms to 5 s.
    pub fn new(url: &str) -> Result<Self, RemoteWriteError> {
        Ok(RemoteWriteClient {
            transport: PushClient::new(url)?,
            attempts: 5,
            backoff: (Duration::from_millis(100), Duration::from_secs(5)),
        })
    }

    /// Sends `Authorization: Basic ...`.
    pub fn with_basic_auth(mut self, user: &str, password: &str) -> Self {
        self.transport = self.transport.with_basic_auth(user, password);
        self
    }

    /// Sends `Authorization: Bearer <token>`.
    pub fn with_bearer_token(mut self, token: &str) -> Self {
        self.transport = self.transport.with_bearer_token(token);
        self
    }

    /// The timeout of one attempt (connect, send, answer).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.transport = self.transport.with_timeout(timeout);
        self
    }

    /// Trusts only the certificates in `pem` for https (see
    /// [`PushClient::with_root_certificates_pem`]).
    pub fn with_root_certificates_pem(mut self, pem: &[u8]) -> Result<Self, RemoteWriteError> {
        self.transport = self.transport.with_root_certificates_pem(pem)?;
        Ok(self)
    }

    /// At most `attempts` requests per write (at least 1), waiting `min`, then twice as long
    /// each time up to `max`, between them.
    pub fn with_retries(mut self, attempts: u32, min: Duration, max: Duration) -> Self {
        self.attempts = attempts.max(1);
        self.backoff = (min, max.max(min));
        self
    }

    /// The write URL, without credentials.
    pub fn url(&self) -> &str {
        self.transport.url()
    }

    /// `registry` (any [`RemoteWriteEncode`]: a core [`Registry`](edgeprom::Registry), a
    /// [`StaticRegistry`](edgeprom::StaticRegistry), a [`DynRegistry`](crate::DynRegistry),
    /// ...) as a request body: the protobuf `WriteRequest`, snappy-compressed.
    pub fn encode<R: RemoteWriteEncode + ?Sized>(
        registry: &R,
        request: &RemoteWrite,
    ) -> Result<Vec<u8>, RemoteWriteError> {
        let mut raw = Vec::new();
        registry.remote_write_into(request, &mut raw)?;
        compress(&raw)
    }

    /// Encodes `registry` (any [`RemoteWriteEncode`]) stamped with `request`'s timestamp and
    /// sends it (with retries). Returns the body's size on the wire.
    pub fn write<R: RemoteWriteEncode + ?Sized>(
        &self,
        registry: &R,
        request: &RemoteWrite,
    ) -> Result<usize, RemoteWriteError> {
        let body = Self::encode(registry, request)?;
        self.send(&body)?;
        Ok(body.len())
    }

    /// Sends a snappy-compressed `WriteRequest` (with retries). Returns how many requests it
    /// took (1 when the first was accepted).
    pub fn send(&self, body: &[u8]) -> Result<u32, RemoteWriteError> {
        retrying(self.attempts, self.backoff, || self.post_once(body))
    }

    /// One request with `body`, no retry.
    pub(super) fn post_once(&self, body: &[u8]) -> Attempt {
        let headers = [
            ("Content-Type", CONTENT_TYPE),
            ("Content-Encoding", CONTENT_ENCODING),
            ("X-Prometheus-Remote-Write-Version", VERSION),
        ];
        Attempt::of(self.transport.post(self.url(), &headers, body))
    }

    /// The backoff between attempts: first wait and longest wait.
    pub(super) fn backoff(&self) -> (Duration, Duration) {
        self.backoff
    }
}

/// `raw` in a snappy block.
pub(super) fn compress(raw: &[u8]) -> Result<Vec<u8>, RemoteWriteError> {
    snap::raw::Encoder::new()
        .compress_vec(raw)
        .map_err(RemoteWriteError::Compress)
}

/// How one request went, by the specification's rules.
#[derive(Debug)]
pub(super) enum Attempt {
    /// 2xx.
    Accepted,
    /// 5xx, 429 or a transport failure (unreachable, timeout, reset, a reply cut short):
    /// worth retrying, after the `Retry-After` (in seconds, 429 only) if there is one.
    Retry(RemoteWriteError, Option<u64>),
    /// Any other 4xx, a URL or TLS problem: never retried.
    Final(RemoteWriteError),
}

impl Attempt {
    pub(super) fn of(r: Result<(u16, Option<u64>, String), crate::PushError>) -> Self {
        match r {
            Ok((200..=299, ..)) => Attempt::Accepted,
            Ok((status, retry_after, message)) if status == 429 || status >= 500 => Attempt::Retry(
                RemoteWriteError::Unavailable {
                    status,
                    message,
                    attempts: 1,
                },
                retry_after.filter(|_| status == 429),
            ),
            Ok((status, _, message)) => {
                Attempt::Final(RemoteWriteError::Rejected { status, message })
            }
            Err(e @ (crate::PushError::InvalidUrl(_) | crate::PushError::Tls(_))) => {
                Attempt::Final(e.into())
            }
            Err(e) => Attempt::Retry(RemoteWriteError::Transport(e), None),
        }
    }
}

/// The pause before a retry: the `Retry-After` (at most [`MAX_RETRY_AFTER`]) or `backoff`.
pub(super) fn pause(retry_after: Option<u64>, backoff: Duration) -> Duration {
    match retry_after {
        Some(secs) => Duration::from_secs(secs).min(MAX_RETRY_AFTER),
        None => backoff,
    }
}

/// Calls `post` until it answers 2xx, at most `attempts` times: 5xx, 429 and transport
/// failures are retried after a backoff (or a 429's `Retry-After`), other statuses are final.
/// Returns the requests made.
pub(super) fn retrying(
    attempts: u32,
    (min, max): (Duration, Duration),
    mut post: impl FnMut() -> Attempt,
) -> Result<u32, RemoteWriteError> {
    let mut wait = min;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let (error, retry_after) = match post() {
            Attempt::Accepted => return Ok(attempt),
            Attempt::Final(e) => return Err(e),
            Attempt::Retry(e, retry_after) => (e, retry_after),
        };
        if attempt >= attempts {
            return Err(match error {
                RemoteWriteError::Unavailable {
                    status, message, ..
                } => RemoteWriteError::Unavailable {
                    status,
                    message,
                    attempts: attempt,
                },
                e => e,
            });
        }
        thread::sleep(pause(retry_after, wait));
        wait = (wait * 2).min(max);
    }
}
