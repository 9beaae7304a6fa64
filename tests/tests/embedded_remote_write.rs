//! The embedded adapter's remote write client (`edgeprom-embedded`, feature `remote-write`)
//! against a real Prometheus 2.42 receiver on loopback, over `StdIo<TcpStream>` (what a
//! firmware's socket is to it): a `static_registry!` written with a timestamp from the
//! receiver's own `Date`, values read back, and a sample too old refused as not retryable.

use std::net::TcpStream;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use edgeprom::encode::remote_write::RemoteWrite;
use edgeprom::{static_registry, Counter, Family, Gauge, Metric};
use edgeprom_embedded::{RemoteWriteClient, RemoteWriteError, StdIo};
use edgeprom_tests::servers::{poll_until, Prometheus};

static_registry! {
    static METRICS (namespace "", const_labels &[("device", "emb-1")]) {
        static SENT: Metric<Counter> = Metric::new("emb_rw_sent", "Frames sent");
        static VOLTS: Metric<Gauge<f32>> = Metric::new("emb_rw_volts", "Supply voltage");
        static PORTS: Family<Counter, 1, 2, 8> = Family::new("emb_rw_port", "By port", ["port"]);
    }
}

fn now() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap()
}

#[test]
fn prometheus_stores_what_the_embedded_client_writes_and_refuses_old_samples() {
    let prom = Prometheus::start_receiver().expect("prometheus starts");
    let port = prom
        .url()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap();
    SENT.inc_by(41);
    VOLTS.set(3.3);
    PORTS.labels(["uart0"]).unwrap().inc_by(5);

    let client = RemoteWriteClient::new("127.0.0.1", "/api/v1/write")
        .unwrap()
        .with_keep_alive(true);
    let mut socket = StdIo(TcpStream::connect(("127.0.0.1", port)).unwrap());
    let mut buf = [0u8; 256];
    let before = now();
    let reply = client
        .write(&mut socket, &METRICS, &RemoteWrite::at(now()), &mut buf)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reply.status(), 204);
    let date = reply.date().expect("Prometheus sends a Date");
    assert!(
        date.as_secs() + 1 >= before.as_secs() && date <= now(),
        "{date:?}"
    );

    for (sel, want) in [
        ("emb_rw_sent_total{device=\"emb-1\"}", 41.0),
        // The f32 gauge: 3.3 as the text says, not 3.299999952316284.
        ("emb_rw_volts{device=\"emb-1\"}", 3.3),
        ("emb_rw_port_total{device=\"emb-1\",port=\"uart0\"}", 5.0),
    ] {
        let got = poll_until(Duration::from_secs(10), || {
            prom.query(sel).ok().filter(|s| s.len() == 1)
        })
        .unwrap_or_else(|| panic!("{sel} not stored"));
        assert_eq!(got[0].value, want, "{sel}");
    }

    // Two hours old: out of bounds for the head block. A 4xx, not to be retried; the same
    // kept-alive connection carries it.
    let old = RemoteWrite::at(now() - Duration::from_secs(7200));
    let e = client
        .write(&mut socket, &METRICS, &old, &mut buf)
        .unwrap_err();
    assert!(
        matches!(e, RemoteWriteError::Rejected { status: 400, .. }),
        "{e}"
    );
    assert!(!e.is_retryable());
    assert!(e.date().is_some());
}
