//! Arbitrary gateway replies, cut into arbitrary reads, through the embedded adapter's
//! response reader, by its public API: `Pushgateway::push` and `Pushgateway::delete` over an
//! `embedded_io` transport that accepts the request (in short writes) and answers with the
//! fuzzer's bytes (in short reads, optionally failing).
//!
//! The same reply also answers a remote write (`RemoteWriteClient::write`, whose reader keeps
//! `Date` and `Retry-After`), and every header value is given to `parse_http_date`.
//!
//! Invariants: nothing panics or loops forever; a success is a 2xx status; an error is one of
//! the documented variants (a remote write's 429 and 5xx retryable, its other statuses not);
//! and the outcome does not depend on how the reply was split into reads (the same reply read
//! whole gives the same result).

use arbitrary::Arbitrary;
use core::time::Duration;

use edgeprom::encode::remote_write::RemoteWrite;
use edgeprom::{Counter, Metric, Registry};
use edgeprom_embedded::{
    parse_http_date, PushError, Pushgateway, RemoteWriteClient, RemoteWriteError,
};

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    /// Read sizes, cycled (0 is taken as 1: a read of 0 bytes means the peer closed).
    reads: Vec<u8>,
    /// Write sizes, cycled (0 is taken as 1).
    writes: Vec<u8>,
    /// Fail every read from this offset of the reply on, if any.
    fail_at: Option<u16>,
    /// The `Host` header, and basic-auth credentials.
    host: &'a str,
    auth: Option<(&'a str, &'a str)>,
    /// The caller's buffer: `1 + buf % 512` bytes.
    buf: u16,
    delete: bool,
    /// The gateway's reply: the rest of the input, so that dictionary tokens land in it.
    reply: &'a [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Broken;

impl core::fmt::Display for Broken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("broken")
    }
}

impl std::error::Error for Broken {}

impl embedded_io::Error for Broken {
    fn kind(&self) -> embedded_io::ErrorKind {
        embedded_io::ErrorKind::Other
    }
}

struct Wire<'a> {
    reply: &'a [u8],
    at: usize,
    reads: &'a [u8],
    writes: &'a [u8],
    fail_at: Option<usize>,
    calls: usize,
    sent: Vec<u8>,
}

impl embedded_io::ErrorType for Wire<'_> {
    type Error = Broken;
}

fn step(sizes: &[u8], call: usize) -> usize {
    match sizes {
        [] => usize::MAX,
        _ => usize::from(sizes[call % sizes.len()]).max(1),
    }
}

impl embedded_io::Read for Wire<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Broken> {
        if self.fail_at.is_some_and(|f| self.at >= f) {
            return Err(Broken);
        }
        self.calls += 1;
        assert!(self.calls < 1_000_000, "the reader does not stop reading");
        let rest = self.reply.get(self.at..).unwrap_or_default();
        let n = rest.len().min(buf.len()).min(step(self.reads, self.calls));
        buf[..n].copy_from_slice(&rest[..n]);
        self.at += n;
        Ok(n)
    }
}

impl embedded_io::Write for Wire<'_> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Broken> {
        let n = buf.len().min(step(self.writes, self.sent.len()));
        self.sent.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> Result<(), Broken> {
        Ok(())
    }
}

/// The gateway, with the fuzzer's host and credentials where they are valid; checks that
/// they are refused exactly when invalid.
fn gateway<'a>(input: &Input<'a>) -> Pushgateway<'a> {
    let host_ok = !input.host.is_empty()
        && input
            .host
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"/\\@".contains(&b));
    let gateway = match Pushgateway::new(input.host, "fuzz") {
        Ok(g) => {
            assert!(host_ok, "host {:?} accepted", input.host);
            g
        }
        Err(_) => {
            assert!(!host_ok, "host {:?} refused", input.host);
            Pushgateway::new("127.0.0.1:9091", "fuzz").expect("a valid host")
        }
    };
    let gateway = gateway
        .with_grouping(&[("instance", "a/b")])
        .expect("a valid key");
    match input.auth {
        Some((user, password)) => {
            let ok = auth_ok(user, password);
            match gateway.with_basic_auth(user, password) {
                Ok(g) => {
                    assert!(ok, "credentials {user:?} {password:?} accepted");
                    g
                }
                Err(_) => {
                    assert!(!ok, "credentials {user:?} {password:?} refused");
                    gateway
                }
            }
        }
        None => gateway,
    }
}

/// Basic-auth credentials fit a header: a non-empty user without `:`, no control characters.
fn auth_ok(user: &str, password: &str) -> bool {
    let control = |s: &str| s.chars().any(char::is_control);
    !user.is_empty() && !user.contains(':') && !control(user) && !control(password)
}

static PUSHES: Metric<Counter> = Metric::new("pushes", "Pushes tried");

fn exchange(
    input: &Input<'_>,
    reads: &[u8],
    writes: &[u8],
) -> (Result<u16, PushError<Broken>>, Vec<u8>) {
    let mut registry: Registry<'_, 1> = Registry::new();
    registry.register(&PUSHES).expect("one metric");
    let gateway = gateway(input);
    let mut wire = Wire {
        reply: input.reply,
        at: 0,
        reads,
        writes,
        fail_at: input.fail_at.map(usize::from),
        calls: 0,
        sent: Vec::new(),
    };
    let mut buf = vec![0u8; 1 + usize::from(input.buf % 512)];
    let result = if input.delete {
        gateway.delete(&mut wire, &mut buf)
    } else {
        gateway.push(&mut wire, &registry, &mut buf)
    };
    (result, wire.sent)
}

/// Runs the target on one input: what libFuzzer gives it, and what the corpus replay
/// (`fuzz/tests/replay.rs`) gives it for every kept input.
pub fn check(data: &[u8]) {
    if let Ok(input) = Input::arbitrary_take_rest(arbitrary::Unstructured::new(data)) {
        one(&input);
    }
}

fn one(input: &Input<'_>) {
    let (result, sent) = exchange(input, &input.reads, &input.writes);
    match result {
        Ok(code) => assert!((200..300).contains(&code), "success with {code}"),
        Err(PushError::Status(code)) => {
            // Three digits, as httparse reads them (`041` is 41: httparse does not insist on
            // a first digit of 1-5).
            assert!(!(200..300).contains(&code) && code < 1000, "{code}")
        }
        Err(
            PushError::Closed
            | PushError::Malformed
            | PushError::TooLarge
            | PushError::Transport(Broken),
        ) => {}
        Err(e) => panic!("unexpected error {e:?}"),
    }
    // The request went out whole, whatever the write sizes.
    let head_end = sent
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete request head");
    let head = std::str::from_utf8(&sent[..head_end]).expect("an ASCII head");
    let method = if input.delete { "DELETE " } else { "PUT " };
    assert!(
        head.starts_with(method)
            && head.contains(" /metrics/job/fuzz/instance@base64/YS9i HTTP/1.1"),
        "{head}"
    );
    let host = head
        .lines()
        .find_map(|l| l.strip_prefix("Host: "))
        .expect("a Host header");
    assert_eq!(host, gateway(input).host());
    let auth = head
        .lines()
        .find_map(|l| l.strip_prefix("Authorization: Basic "))
        .map(|b64| {
            use base64::Engine as _;
            let raw = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap_or_else(|e| panic!("{b64:?}: {e}"));
            String::from_utf8(raw).expect("UTF-8 credentials")
        });
    let want = input
        .auth
        .filter(|(u, p)| auth_ok(u, p))
        .map(|(u, p)| format!("{u}:{p}"));
    assert_eq!(auth, want, "{head}");
    let body = &sent[head_end + 4..];
    if let Some(len) = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
    {
        assert_eq!(len.parse::<usize>().ok(), Some(body.len()), "{head}");
    } else {
        assert!(body.is_empty());
    }

    // Split differently (one read and one write as large as the buffer allows), same outcome.
    if input.fail_at.is_none() {
        let (whole, sent_whole) = exchange(input, &[], &[]);
        assert_eq!(
            whole, result,
            "the outcome depends on how the reply was split"
        );
        assert_eq!(sent_whole, sent);
    }
    remote_write(input);
    // Any header value as a date: never a panic, and never a date past the year 9999 (an
    // IMF-fixdate has four digits of year).
    for line in input.reply.split(|&b| b == b'\n') {
        let value = line.splitn(2, |&b| b == b':').nth(1).unwrap_or(line);
        let value = value.trim_ascii();
        if let Ok(t) = parse_http_date(value) {
            assert!(t.as_secs() < 253_402_300_800, "{value:?} is past year 9999");
        }
    }
}

/// The outcome of a remote write answered by `input.reply`, read in `reads`-sized pieces:
/// the status (and the reply's date) or the error.
fn rw_exchange(
    input: &Input<'_>,
    reads: &[u8],
) -> Result<(u16, Option<Duration>), RemoteWriteError<Broken>> {
    let mut registry: Registry<'_, 1> = Registry::new();
    registry.register(&PUSHES).expect("one metric");
    let client = match RemoteWriteClient::new(input.host, "/api/v1/write") {
        Ok(c) => c,
        Err(_) => RemoteWriteClient::new("127.0.0.1:8428", "/api/v1/write").expect("a valid host"),
    };
    let mut wire = Wire {
        reply: input.reply,
        at: 0,
        reads,
        writes: &input.writes,
        fail_at: input.fail_at.map(usize::from),
        calls: 0,
        sent: Vec::new(),
    };
    let mut buf = vec![0u8; 1 + usize::from(input.buf % 512)];
    let request = RemoteWrite::at(Duration::from_secs(1_700_000_000));
    client
        .write(&mut wire, &registry, &request, &mut buf)
        .map(|reply| (reply.status(), reply.date()))
}

fn remote_write(input: &Input<'_>) {
    let result = rw_exchange(input, &input.reads);
    match &result {
        Ok((status, _)) => assert!((200..300).contains(status), "success with {status}"),
        Err(RemoteWriteError::Retryable { status, .. }) => {
            assert!(
                *status == 429 || (500..600).contains(status),
                "{status} retryable"
            )
        }
        Err(RemoteWriteError::Rejected { status, .. }) => {
            assert!(!(200..300).contains(status) && *status != 429 && !(500..600).contains(status))
        }
        Err(
            RemoteWriteError::Closed
            | RemoteWriteError::Malformed
            | RemoteWriteError::TooLarge
            | RemoteWriteError::WriteZero
            | RemoteWriteError::Transport(Broken),
        ) => {}
        Err(e) => panic!("unexpected remote write error {e:?}"),
    }
    if let Err(e) = &result {
        assert_eq!(
            e.retry_after().is_some(),
            matches!(
                e,
                RemoteWriteError::Retryable {
                    retry_after: Some(_),
                    ..
                }
            )
        );
    }
    if input.fail_at.is_none() {
        let whole = rw_exchange(input, &[]);
        assert_eq!(
            format!("{whole:?}"),
            format!("{result:?}"),
            "the remote write's outcome depends on how the reply was split"
        );
    }
}
