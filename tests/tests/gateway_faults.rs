//! The std Pushgateway client against faults: hostile loopback servers written here (refused
//! connections, silence, a trickle, error statuses, replies cut short), a real
//! `prometheus-pushgateway` behind TLS and basic auth, and grouping keys that try to escape
//! their path segment.
//!
//! Every server listens on 127.0.0.1 on a port picked by the OS, runs in a thread that the test
//! joins, and stops by itself after a bounded time. Each test prints how many faults it injected
//! (`cargo test --test gateway_faults -- --nocapture` shows them).

use std::collections::BTreeSet;
use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use edgeprom_std::{DynRegistry, PushClient, PushError};
use edgeprom_tests::registry_with_gauges;
use edgeprom_tests::servers::{find, GatewayTls, Pushgateway};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};

/// No hostile server lives longer than this, whatever the client does.
const SERVER_LIFETIME: Duration = Duration::from_secs(20);

/// What a hostile server does with one connection after reading the request.
type Behaviour = Box<dyn Fn(&mut TcpStream, &AtomicBool) + Send + 'static>;

/// A loopback server that treats every connection with `behaviour`, until stopped (or
/// [`SERVER_LIFETIME`] has passed). Stopped and joined on drop.
struct Hostile {
    url: String,
    stop: Arc<AtomicBool>,
    served: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl Hostile {
    fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let served = Arc::new(AtomicUsize::new(0));
        let (s, n) = (Arc::clone(&stop), Arc::clone(&served));
        let thread = thread::spawn(move || {
            let deadline = Instant::now() + SERVER_LIFETIME;
            while !s.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((mut conn, _)) => {
                        conn.set_nonblocking(false).unwrap();
                        read_request(&mut conn);
                        behaviour(&mut conn, &s);
                        n.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(5))
                    }
                    Err(e) => panic!("accept: {e}"),
                }
            }
        });
        Hostile {
            url,
            stop,
            served,
            thread: Some(thread),
        }
    }

    /// A server that writes `reply` and closes the connection.
    fn replying(reply: &'static [u8]) -> Self {
        Hostile::start(Box::new(move |conn, _| {
            let _ = conn.write_all(reply);
            let _ = conn.flush();
        }))
    }

    /// Stops the server, joins its thread and returns how many connections it served.
    fn finish(mut self) -> usize {
        self.stop_and_join();
        self.served.load(Ordering::SeqCst)
    }

    fn stop_and_join(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().expect("the hostile server thread panicked");
        }
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// Reads one request (head, then as many body bytes as its Content-Length says, or whatever
/// comes within 300 ms), bounded in time and size.
fn read_request(conn: &mut TcpStream) {
    conn.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline && got.len() < 1 << 20 {
        if let Some(end) = find_bytes(&got, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).to_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if got.len() >= end + 4 + len {
                return;
            }
        }
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Waits, without answering, until the client closes the connection or the server is stopped.
fn stay_silent(conn: &mut TcpStream, stop: &AtomicBool) {
    conn.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let deadline = Instant::now() + SERVER_LIFETIME;
    let mut buf = [0u8; 512];
    while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
        match conn.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return,
        }
    }
}

/// Writes `head` at once, then one byte of `trickle` (cycled) every 100 ms, until the client
/// goes away or the server is stopped.
fn trickle(conn: &mut TcpStream, stop: &AtomicBool, head: &[u8], trickle: &[u8]) {
    if conn.write_all(head).is_err() {
        return;
    }
    let deadline = Instant::now() + SERVER_LIFETIME;
    for b in trickle.iter().cycle() {
        if stop.load(Ordering::SeqCst) || Instant::now() >= deadline {
            return;
        }
        if conn.write_all(&[*b]).and_then(|_| conn.flush()).is_err() {
            return;
        }
        thread::sleep(Duration::from_millis(100));
    }
}

/// Pushes `registry` to `url` with `timeout` and returns the error and how long it took.
fn timed_push(url: &str, timeout: Duration, registry: &DynRegistry) -> (PushError, Duration) {
    let client = PushClient::new(url).unwrap().with_timeout(timeout);
    let start = Instant::now();
    let result = client.push("faults", &[("instance", "i")], registry);
    let elapsed = start.elapsed();
    (
        result.expect_err("a hostile server must not yield Ok"),
        elapsed,
    )
}

/// The timeout holds within 10 %: no sooner, at most a tenth later.
fn assert_within_10_percent(elapsed: Duration, timeout: Duration, what: &str) {
    println!("{what}: timeout {timeout:?}, elapsed {elapsed:?}");
    assert!(
        elapsed >= timeout && elapsed <= timeout + timeout / 10,
        "{what}: took {elapsed:?} with a timeout of {timeout:?}"
    );
}

#[test]
fn a_dead_port_is_a_connection_error() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    }; // dropped: nothing listens there now
    let r = registry_with_gauges(&[("x", 1.0)]);
    let client = PushClient::new(&format!("http://127.0.0.1:{port}"))
        .unwrap()
        .with_timeout(Duration::from_secs(5));
    let start = Instant::now();
    let err = client.push("faults", &[], &r).unwrap_err();
    assert!(matches!(err, PushError::Connection(_)), "{err:?}");
    assert!(err.is_unreachable() && !err.is_auth_failure());
    assert!(start.elapsed() < Duration::from_secs(2), "refused at once");
    let err = client.delete("faults", &[]).unwrap_err();
    assert!(matches!(err, PushError::Connection(_)), "{err:?}");
    println!("faults injected: 2");
}

#[test]
fn silence_and_a_trickle_time_out_within_ten_percent() {
    let timeout = Duration::from_secs(1);
    let r = registry_with_gauges(&[("x", 1.0)]);
    let mut faults = 0;

    // Accepts, reads the request, never answers.
    let server = Hostile::start(Box::new(stay_silent));
    let (err, elapsed) = timed_push(&server.url, timeout, &r);
    assert!(matches!(err, PushError::Timeout(_)), "silent: {err:?}");
    assert!(err.is_unreachable());
    assert_within_10_percent(elapsed, timeout, "silent server");
    faults += server.finish();

    // A valid-looking head, one byte every 100 ms, that never ends.
    let server = Hostile::start(Box::new(|conn, stop| {
        trickle(
            conn,
            stop,
            b"",
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Trickle: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        )
    }));
    let (err, elapsed) = timed_push(&server.url, timeout, &r);
    assert!(
        matches!(err, PushError::Timeout(_)),
        "trickled head: {err:?}"
    );
    assert_within_10_percent(elapsed, timeout, "trickled head");
    faults += server.finish();

    // A complete 503 head, then its long body one byte every 100 ms: the status is the
    // answer, with the part of the body that arrived in time.
    let server = Hostile::start(Box::new(|conn, stop| {
        trickle(
            conn,
            stop,
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 100000\r\n\r\n",
            b"slow ",
        )
    }));
    let (err, elapsed) = timed_push(&server.url, timeout, &r);
    match &err {
        PushError::Rejected { status, message } => {
            assert_eq!(*status, 503);
            assert!(message.starts_with("slow"), "{message:?}");
            assert!(message.len() < 20, "only ~1 s of trickle: {message:?}");
        }
        other => panic!("trickled body: {other:?}"),
    }
    assert_within_10_percent(elapsed, timeout, "trickled body");
    faults += server.finish();

    assert_eq!(faults, 3, "each server saw exactly one push");
    println!("faults injected: {faults}");
}

#[test]
fn error_statuses_carry_status_and_body() {
    let r = registry_with_gauges(&[("x", 1.0)]);
    let cases: [(&'static [u8], u16, &str); 3] = [
        (
            b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 43\r\n\r\ntext format parsing error in line 3: oops\r\n",
            400,
            "text format parsing error in line 3: oops",
        ),
        (
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 19\r\n\r\n404 page not found\n",
            404,
            "404 page not found",
        ),
        // No Content-Length: the body ends when the connection closes.
        (
            b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n  gateway overloaded, try later \n",
            503,
            "gateway overloaded, try later",
        ),
    ];
    let mut faults = 0;
    for (reply, status, message) in cases {
        let server = Hostile::replying(reply);
        let client = PushClient::new(&server.url).unwrap();
        let err = client.push("faults", &[], &r).unwrap_err();
        assert_eq!(
            err,
            PushError::Rejected {
                status,
                message: message.to_owned()
            }
        );
        assert!(!err.is_unreachable() && !err.is_auth_failure());
        assert_eq!(
            err.to_string(),
            format!("the Pushgateway answered {status}: {message}")
        );
        // DELETE reads the same way.
        let err = client.delete("faults", &[]).unwrap_err();
        assert!(
            matches!(&err, PushError::Rejected { status: s, .. } if *s == status),
            "{err:?}"
        );
        faults += server.finish();
    }
    assert_eq!(faults, 6);
    println!("faults injected: {faults}");
}

#[test]
fn a_reply_cut_short_is_an_error_never_ok() {
    let r = registry_with_gauges(&[("x", 1.0)]);
    type Check = fn(&PushError) -> bool;
    let transport: Check = |e| matches!(e, PushError::Transport(_) | PushError::Connection(_));
    let cases: [(&'static [u8], Check); 6] = [
        (b"", transport),
        (b"HTTP/1.", transport),
        (b"HTTP/1.1 2", transport),
        (b"HTTP/1.1 200 OK\r\n", transport),
        (b"HTTP/1.1 200 OK\r\nContent-Type: text/pl", transport),
        // The status arrived, so it is the answer, with the part of the body that came.
        (
            b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 100\r\n\r\nonly part of",
            |e| matches!(e, PushError::Rejected { status: 500, message } if message == "only part of"),
        ),
    ];
    let mut faults = 0;
    for (reply, expected) in cases {
        let server = Hostile::replying(reply);
        let client = PushClient::new(&server.url)
            .unwrap()
            .with_timeout(Duration::from_secs(5));
        let start = Instant::now();
        let result = client.push("faults", &[], &r);
        let err = result.expect_err("a cut reply must not be Ok");
        assert!(
            expected(&err),
            "{:?}: {err:?}",
            String::from_utf8_lossy(reply)
        );
        assert!(
            start.elapsed() < Duration::from_secs(4),
            "the close is noticed, no waiting for the timeout"
        );
        faults += server.finish();
    }
    assert_eq!(faults, 6);
    println!("faults injected: {faults}");
}

#[test]
fn plain_http_from_a_server_to_an_https_client_is_a_tls_error() {
    // The server answers the ClientHello with plain HTTP.
    let server = Hostile::replying(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    let url = server.url.replace("http://", "https://");
    let err = PushClient::new(&url)
        .unwrap()
        .with_timeout(Duration::from_secs(5))
        .push("faults", &[], &registry_with_gauges(&[("x", 1.0)]))
        .unwrap_err();
    assert!(matches!(err, PushError::Tls(_)), "{err:?}");
    assert!(err.to_string().starts_with("TLS handshake"), "{err}");
    let faults = server.finish();
    assert_eq!(faults, 1);
    println!("faults injected: {faults}");
}

/// bcrypt (cost 4) of `edgeprom-test-pw`, for the gateway's `basic_auth_users`.
const TEST_PW_HASH: &str = "$2b$04$kK7f6VlI0fdGmBk8PgdNqOWtIRVKyCKRuXGNwAZ0WEjg/kAO8ms8q";
const TEST_PW: &str = "edgeprom-test-pw";

/// A fresh CA, and a server certificate it signed for 127.0.0.1 and localhost.
fn make_pki(ca_name: &str) -> GatewayTls {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.distinguished_name.push(DnType::CommonName, ca_name);
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);

    let key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    leaf.subject_alt_names
        .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    leaf.distinguished_name
        .push(DnType::CommonName, "edgeprom test gateway");
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    GatewayTls {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        ca_pem: ca_cert.pem(),
    }
}

#[test]
fn https_with_basic_auth_against_the_real_gateway() {
    let tls = make_pki("edgeprom test CA");
    let gw =
        Pushgateway::start_with_web_config(Some(&tls), Some(("pusher", TEST_PW, TEST_PW_HASH)))
            .unwrap();
    assert!(gw.url().starts_with("https://127.0.0.1:"), "{}", gw.url());
    let ca = tls.ca_pem.as_bytes();
    let r = registry_with_gauges(&[("over_tls", 42.5)]);

    // The CA and the right credentials, set before or after the timeout: it arrives.
    let client = PushClient::new(&gw.url())
        .unwrap()
        .with_basic_auth("pusher", TEST_PW)
        .with_root_certificates_pem(ca)
        .unwrap()
        .with_timeout(Duration::from_secs(5));
    client.push("tls", &[("instance", "a")], &r).unwrap();
    let client = PushClient::new(&gw.url())
        .unwrap()
        .with_timeout(Duration::from_secs(5))
        .with_root_certificates_pem(ca)
        .unwrap()
        .with_basic_auth("pusher", TEST_PW);
    client.push("tls", &[("instance", "b")], &r).unwrap();
    let s = gw.pushed().unwrap();
    for instance in ["a", "b"] {
        let sample = find(&s, "over_tls", &[("job", "tls"), ("instance", instance)]);
        assert_eq!(sample.map(|s| s.value), Some(42.5), "{instance}: {s:?}");
    }

    // Wrong credentials: a clear authentication failure that shows no password.
    let wrong_pw = "wrong-pw-0xDEADBEEF";
    let wrong = PushClient::new(&gw.url())
        .unwrap()
        .with_root_certificates_pem(ca)
        .unwrap()
        .with_basic_auth("pusher", wrong_pw);
    let rejected = registry_with_gauges(&[("never_stored", 1.0)]);
    let err = wrong
        .push("tls", &[("instance", "c")], &rejected)
        .unwrap_err();
    assert!(err.is_auth_failure(), "{err:?}");
    assert!(
        matches!(err, PushError::Rejected { status: 401, .. }),
        "{err:?}"
    );
    let shown = format!("{err} | {err:?} | {wrong:?}");
    assert!(
        shown.starts_with("authentication failed: the Pushgateway answered 401"),
        "{shown}"
    );
    assert!(
        !shown.contains(wrong_pw) && !shown.contains(TEST_PW),
        "{shown}"
    );
    // No credentials at all, and credentials in the URL that are wrong: the same.
    let anonymous = PushClient::new(&gw.url())
        .unwrap()
        .with_root_certificates_pem(ca)
        .unwrap();
    let err = anonymous
        .push("tls", &[("instance", "c")], &rejected)
        .unwrap_err();
    assert!(err.is_auth_failure(), "{err:?}");
    let in_url = gw
        .url()
        .replace("https://", &format!("https://pusher:{wrong_pw}@"));
    let err = PushClient::new(&in_url)
        .unwrap()
        .with_root_certificates_pem(ca)
        .unwrap()
        .delete("tls", &[("instance", "a")])
        .unwrap_err();
    assert!(err.is_auth_failure(), "{err:?}");
    assert!(!format!("{err} {err:?}").contains(wrong_pw));

    // The right credentials but the default (webpki) roots, or another CA: a TLS error.
    let untrusting = PushClient::new(&gw.url())
        .unwrap()
        .with_basic_auth("pusher", TEST_PW)
        .with_timeout(Duration::from_secs(5));
    let err = untrusting
        .push("tls", &[("instance", "d")], &rejected)
        .unwrap_err();
    assert!(matches!(err, PushError::Tls(_)), "{err:?}");
    assert!(!err.is_unreachable() && !err.is_auth_failure());
    println!("webpki roots: {err}");
    let other_ca = make_pki("another CA").ca_pem;
    let err = untrusting
        .clone()
        .with_root_certificates_pem(other_ca.as_bytes())
        .unwrap()
        .push("tls", &[("instance", "e")], &rejected)
        .unwrap_err();
    assert!(matches!(err, PushError::Tls(_)), "{err:?}");
    assert!(!format!("{err} {err:?}").contains(TEST_PW));

    // Plain http to the https port: the gateway's own 400.
    let err = PushClient::new(&gw.url().replace("https://", "http://"))
        .unwrap()
        .with_basic_auth("pusher", TEST_PW)
        .push("tls", &[("instance", "f")], &rejected)
        .unwrap_err();
    assert!(
        matches!(&err, PushError::Rejected { status: 400, message } if message.contains("HTTPS")),
        "{err:?}"
    );

    // None of the failed pushes arrived, the good ones are untouched.
    let s = gw.pushed().unwrap();
    assert!(find(&s, "never_stored", &[]).is_none(), "{s:?}");
    let instances: BTreeSet<&str> = s.iter().filter_map(|s| s.label("instance")).collect();
    assert_eq!(instances, BTreeSet::from(["a", "b"]), "{s:?}");

    // And the right client can delete.
    client.delete("tls", &[("instance", "a")]).unwrap();
    assert!(find(&gw.pushed().unwrap(), "over_tls", &[("instance", "a")]).is_none());
    println!("faults injected: 6");
}

#[test]
fn grouping_values_stay_in_their_own_path_segment() {
    let gw = Pushgateway::start().unwrap();
    let client = PushClient::new(&gw.url()).unwrap();
    let values = [
        "../../x",
        "a/b",
        "%2F",
        "?q=1",
        "#frag",
        "..",
        ".",
        "a%2F..%2Fb",
        "x?y=1#z/../w",
        "/",
        "\\..\\",
    ];
    // As label values, each in its own group of job `paths`; as job names, each its own group.
    for (i, v) in values.iter().enumerate() {
        let url = client.group_url("paths", &[("key", v)]).unwrap();
        let path = url.strip_prefix(&gw.url()).unwrap();
        let segments: Vec<&str> = path.split('/').collect();
        assert_eq!(segments.len(), 6, "{v:?} -> {path}"); // "", metrics, job, paths, key, value
        assert!(!path.contains(['?', '#', '\\']), "{v:?} -> {path}");
        assert!(segments.iter().all(|s| *s != "." && *s != ".."), "{path}");
        let r = registry_with_gauges(&[("probe", i as f64)]);
        client.push("paths", &[("key", v)], &r).unwrap();
        client.push(v, &[("kind", "job")], &r).unwrap();
    }
    let s = gw.pushed().unwrap();
    let groups: BTreeSet<(String, Option<String>, Option<String>)> = s
        .iter()
        .map(|s| {
            (
                s.label("job").unwrap().to_owned(),
                s.label("key").map(str::to_owned),
                s.label("kind").map(str::to_owned),
            )
        })
        .collect();
    let mut expected = BTreeSet::new();
    for v in values {
        expected.insert(("paths".to_owned(), Some(v.to_owned()), None));
        expected.insert((v.to_owned(), None, Some("job".to_owned())));
    }
    assert_eq!(groups, expected, "nothing else was created");
    // probe, push_time_seconds, push_failure_time_seconds per group.
    assert_eq!(s.len(), 3 * expected.len(), "{s:?}");
    for (i, v) in values.iter().enumerate() {
        let by_key = find(&s, "probe", &[("job", "paths"), ("key", v)]).unwrap();
        assert_eq!(by_key.value, i as f64, "{v:?}");
        let by_job = find(&s, "probe", &[("job", v), ("kind", "job")]).unwrap();
        assert_eq!(by_job.value, i as f64, "{v:?}");
    }
    // Deleting one of them removes exactly that group.
    client.delete("paths", &[("key", "../../x")]).unwrap();
    let left = gw.pushed().unwrap();
    assert_eq!(left.len(), s.len() - 3);
    assert!(find(&left, "probe", &[("key", "../../x")]).is_none());
    assert!(find(&left, "probe", &[("job", "../../x")]).is_some());
}
