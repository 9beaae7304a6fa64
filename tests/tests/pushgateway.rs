//! The std Pushgateway client against a real `prometheus-pushgateway`: every check reads the
//! gateway's own `/metrics`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use edgeprom::{Counter, Gauge};
use edgeprom_std::{DynFamily, DynMetric, DynRegistry, PushClient, PushError};
use edgeprom_tests::registry_with_gauges;
use edgeprom_tests::servers::{find, Pushgateway};

#[test]
fn push_put_replaces_the_group_and_arrives_as_sent() {
    let gw = Pushgateway::start().unwrap();
    let client = PushClient::new(&gw.url()).unwrap();
    let registry = DynRegistry::new();
    let jobs = Arc::new(DynMetric::<Counter>::new("batch_jobs", "Jobs done").unwrap());
    let temps = Arc::new(DynFamily::<Gauge>::new("temp_celsius", "T", &["room"]).unwrap());
    registry.register(jobs.clone()).unwrap();
    registry.register(temps.clone()).unwrap();
    jobs.inc_by(7);
    temps.labels(&["kitchen"]).unwrap().set(21.5);
    temps.labels(&["attic \"top\""]).unwrap().set(-3.25);

    client
        .push("nightly", &[("instance", "host-1")], &registry)
        .unwrap();
    let s = gw.pushed().unwrap();
    let key = [("job", "nightly"), ("instance", "host-1")];
    assert_eq!(find(&s, "batch_jobs_total", &key).unwrap().value, 7.0);
    let kitchen = [key[0], key[1], ("room", "kitchen")];
    assert_eq!(find(&s, "temp_celsius", &kitchen).unwrap().value, 21.5);
    let attic = [key[0], key[1], ("room", "attic \"top\"")];
    assert_eq!(find(&s, "temp_celsius", &attic).unwrap().value, -3.25);
    // `_created` travels as its own gauge family, as Python's client sends it.
    assert!(find(&s, "batch_jobs_created", &key).unwrap().value > 1.6e9);
    assert!(find(&s, "push_time_seconds", &key).is_some());

    // PUT replaces the whole group: a push without the family drops it.
    let only_jobs = registry_with_gauges(&[("batch_last_success", 1.0)]);
    client
        .push("nightly", &[("instance", "host-1")], &only_jobs)
        .unwrap();
    let s = gw.pushed().unwrap();
    assert!(find(&s, "batch_jobs_total", &key).is_none());
    assert!(find(&s, "temp_celsius", &key).is_none());
    assert_eq!(find(&s, "batch_last_success", &key).unwrap().value, 1.0);
}

#[test]
fn post_replaces_only_the_metrics_in_the_body() {
    let gw = Pushgateway::start().unwrap();
    let client = PushClient::new(&gw.url()).unwrap();
    let key = [("job", "j"), ("instance", "i")];
    let both = registry_with_gauges(&[("first", 1.0), ("second", 2.0)]);
    client.push("j", &[("instance", "i")], &both).unwrap();

    let new_first = registry_with_gauges(&[("first", 10.0)]);
    client
        .push_add("j", &[("instance", "i")], &new_first)
        .unwrap();
    let s = gw.pushed().unwrap();
    assert_eq!(find(&s, "first", &key).unwrap().value, 10.0);
    assert_eq!(find(&s, "second", &key).unwrap().value, 2.0, "POST kept it");

    client.push("j", &[("instance", "i")], &new_first).unwrap();
    let s = gw.pushed().unwrap();
    assert_eq!(find(&s, "first", &key).unwrap().value, 10.0);
    assert!(find(&s, "second", &key).is_none(), "PUT dropped it");
}

#[test]
fn delete_removes_only_that_group() {
    let gw = Pushgateway::start().unwrap();
    let client = PushClient::new(&gw.url()).unwrap();
    let r = registry_with_gauges(&[("kept_or_not", 5.0)]);
    client.push("j", &[("instance", "a")], &r).unwrap();
    client.push("j", &[("instance", "b")], &r).unwrap();
    assert_eq!(gw.pushed().unwrap().len(), 2 * 3); // gauge, push_time, push_failure_time

    client.delete("j", &[("instance", "a")]).unwrap();
    let s = gw.pushed().unwrap();
    assert!(s.iter().all(|s| s.label("instance") == Some("b")), "{s:?}");
    assert_eq!(
        find(&s, "kept_or_not", &[("instance", "b")]).unwrap().value,
        5.0
    );
    // Deleting a group that does not exist is fine too (202).
    client.delete("j", &[("instance", "a")]).unwrap();
}

#[test]
fn awkward_grouping_keys_arrive_exactly() {
    let gw = Pushgateway::start().unwrap();
    let client = PushClient::new(&gw.url()).unwrap();
    let r = registry_with_gauges(&[("awkward", 1.0)]);
    let job = "train/run 1";
    let grouping = [
        ("path", "a/b/c"),
        ("spaced", "with spaces  and %20 + signs?#"),
        ("unicode", "Grüße, 世界 ✓"),
        ("dots", ".."),
        ("empty", ""),
    ];
    client.push(job, &grouping, &r).unwrap();
    let s = gw.pushed().unwrap();
    let sample = find(&s, "awkward", &[("job", job)]).expect("job arrived exactly");
    for (name, value) in grouping.iter().take(4) {
        assert_eq!(sample.label(name), Some(*value), "{name}: {sample:?}");
    }
    // An empty label value is no label at all in Prometheus' data model: the gateway keeps the
    // group apart (below) but does not print `empty=""`.
    assert_eq!(sample.label("empty").unwrap_or(""), "");

    // The empty value is part of the group's identity: deleting with it removes this group,
    // and a group with another value for it is a different group.
    let other = [
        grouping[0],
        grouping[1],
        grouping[2],
        grouping[3],
        ("empty", "x"),
    ];
    client.push(job, &other, &r).unwrap();
    assert_eq!(
        gw.pushed()
            .unwrap()
            .iter()
            .filter(|s| s.name == "awkward")
            .count(),
        2
    );
    client.delete(job, &grouping).unwrap();
    let s = gw.pushed().unwrap();
    let left: Vec<_> = s.iter().filter(|s| s.name == "awkward").collect();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].label("empty"), Some("x"));
}

#[test]
fn a_rejected_push_carries_the_gateways_message() {
    let gw = Pushgateway::start().unwrap();
    let client = PushClient::new(&gw.url()).unwrap();
    let counter = DynRegistry::new();
    counter
        .register(Arc::new(
            DynMetric::<Counter>::new("conflicted", "").unwrap(),
        ))
        .unwrap();
    client.push("j", &[("instance", "a")], &counter).unwrap();
    // The same name as a gauge in another group: the gateway's consistency check refuses it.
    let gauge = registry_with_gauges(&[("conflicted_total", 1.0)]);
    let err = client
        .push("j", &[("instance", "b")], &gauge)
        .expect_err("type conflict");
    match &err {
        PushError::Rejected { status, message } => {
            assert_eq!(*status, 400);
            assert!(message.contains("conflicted_total"), "{message}");
            // "... is not a GAUGE" or "... is not a COUNTER", depending on which series the
            // gateway checks first.
            let lower = message.to_lowercase();
            assert!(lower.contains("is not a"), "{message}");
            assert!(
                lower.contains("gauge") || lower.contains("counter"),
                "{message}"
            );
            assert!(message.contains("inconsistent"), "{message}");
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert!(err.to_string().contains("400"), "{err}");
    // The first group is untouched; the second holds no metric, only the gateway's own record
    // of the failed push.
    let s = gw.pushed().unwrap();
    assert!(find(&s, "conflicted_total", &[("instance", "a")]).is_some());
    let b: Vec<&str> = s
        .iter()
        .filter(|s| s.label("instance") == Some("b"))
        .map(|s| s.name.as_str())
        .collect();
    assert!(!b.contains(&"conflicted_total"), "{b:?}");
    assert!(
        find(&s, "push_failure_time_seconds", &[("instance", "b")])
            .unwrap()
            .value
            > 1.6e9,
        "{s:?}"
    );
}

#[test]
fn a_stopped_gateway_is_a_connection_error() {
    let mut gw = Pushgateway::start().unwrap();
    let client = PushClient::new(&gw.url()).unwrap();
    let r = registry_with_gauges(&[("up_before", 1.0)]);
    client.push("j", &[], &r).unwrap();
    gw.stop();
    let err = client.push("j", &[], &r).unwrap_err();
    assert!(
        matches!(err, PushError::Connection(_)),
        "expected a connection error, got {err:?}"
    );
    assert!(err.is_unreachable());
    assert!(client.delete("j", &[]).unwrap_err().is_unreachable());
}

/// What an odd answer must turn into.
type Expect = fn(&PushError) -> bool;

/// A loopback server that answers every connection with `answer` (after reading the request),
/// or never answers when `answer` is `None`.
fn fake_server(answer: Option<&'static [u8]>) -> (String, thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let t = thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        let mut buf = [0u8; 4096];
        let _ = conn.read(&mut buf);
        match answer {
            Some(a) => {
                let _ = conn.write_all(a);
            }
            None => thread::sleep(Duration::from_secs(2)),
        }
    });
    (url, t)
}

#[test]
fn odd_answers_are_errors_never_panics() {
    let r = registry_with_gauges(&[("x", 1.0)]);
    let cases: [(&[u8], Expect); 3] = [
        (
            b"HTTP/1.1 500 Oops\r\nContent-Length: 4\r\n\r\n\xff\xfeok",
            |e| matches!(e, PushError::Rejected { status: 500, message } if message.ends_with("ok")),
        ),
        (b"this is not HTTP\r\n\r\n", |e| {
            matches!(e, PushError::Transport(_) | PushError::Connection(_))
        }),
        (b"HTTP/1.1 301 Moved\r\nContent-Length: 0\r\n\r\n", |e| {
            matches!(e, PushError::Rejected { status: 301, .. })
        }),
    ];
    for (answer, expected) in cases {
        let (url, t) = fake_server(Some(answer));
        let err = PushClient::new(&url)
            .unwrap()
            .push("j", &[], &r)
            .unwrap_err();
        assert!(
            expected(&err),
            "{:?}: {err:?}",
            String::from_utf8_lossy(answer)
        );
        t.join().unwrap();
    }
    let (url, t) = fake_server(None);
    let start = Instant::now();
    let err = PushClient::new(&url)
        .unwrap()
        .with_timeout(Duration::from_millis(300))
        .push("j", &[], &r)
        .unwrap_err();
    assert!(matches!(err, PushError::Timeout(_)), "{err:?}");
    assert!(start.elapsed() < Duration::from_secs(2));
    t.join().unwrap();
}

/// bcrypt (cost 4) of `edgeprom-test-pw`, for the gateway's `basic_auth_users`.
const TEST_PW_HASH: &str = "$2b$04$kK7f6VlI0fdGmBk8PgdNqOWtIRVKyCKRuXGNwAZ0WEjg/kAO8ms8q";

#[test]
fn basic_auth_is_sent_and_never_shown() {
    let gw =
        Pushgateway::start_with_basic_auth("pusher", "edgeprom-test-pw", TEST_PW_HASH).unwrap();
    let r = registry_with_gauges(&[("authed", 2.0)]);

    let anonymous = PushClient::new(&gw.url()).unwrap();
    let err = anonymous.push("j", &[], &r).unwrap_err();
    assert!(
        matches!(err, PushError::Rejected { status: 401, .. }),
        "{err:?}"
    );

    let wrong = PushClient::new(&gw.url())
        .unwrap()
        .with_basic_auth("pusher", "not-the-password");
    let err = wrong.push("j", &[], &r).unwrap_err();
    assert!(
        matches!(err, PushError::Rejected { status: 401, .. }),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?} {wrong:?}").contains("not-the-password"));

    // Credentials in the URL work too, and are shown nowhere.
    let url = gw
        .url()
        .replace("http://", "http://pusher:edgeprom-test-pw@");
    let client = PushClient::new(&url).unwrap();
    assert!(!format!("{client:?}").contains("edgeprom-test-pw"));
    client.push("j", &[("instance", "i")], &r).unwrap();
    let s = gw.pushed().unwrap();
    assert_eq!(find(&s, "authed", &[("instance", "i")]).unwrap().value, 2.0);
    client.delete("j", &[("instance", "i")]).unwrap();
    assert!(find(&gw.pushed().unwrap(), "authed", &[]).is_none());
}
