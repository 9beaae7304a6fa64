//! The periodic pusher against a real Pushgateway that is stopped and restarted mid-run.

use std::sync::Arc;
use std::time::Duration;

use edgeprom::Counter;
use edgeprom_std::{DynMetric, DynRegistry, PeriodicPusher, PushClient, PushError};
use edgeprom_tests::servers::{poll_until, Pushgateway};

const DEADLINE: Duration = Duration::from_secs(20);

/// The value of `name` in the gateway, if it holds it.
fn held(gw: &Pushgateway, name: &str) -> Option<f64> {
    gw.pushed()
        .ok()?
        .into_iter()
        .find(|s| s.name == name)
        .map(|s| s.value)
}

fn counter(registry: &DynRegistry, name: &str) -> Arc<DynMetric<Counter>> {
    let c = Arc::new(DynMetric::<Counter>::new(name, "Events").unwrap());
    registry.register(c.clone()).unwrap();
    c
}

#[test]
fn survives_a_gateway_restart_and_loses_no_count() {
    let mut gw = Pushgateway::start().unwrap();
    let registry = Arc::new(DynRegistry::new());
    let events = counter(&registry, "periodic_events");
    let client = PushClient::new(&gw.url())
        .unwrap()
        .with_timeout(Duration::from_secs(2));
    let source = Arc::clone(&registry);
    let pusher = PeriodicPusher::every(Duration::from_millis(200))
        .backoff(Duration::from_millis(20), Duration::from_millis(200))
        .start(move || client.push("periodic", &[("instance", "w1")], &*source))
        .unwrap();

    let mut made = 0;
    for _ in 0..10 {
        events.inc();
        made += 1;
    }
    poll_until(DEADLINE, || {
        (held(&gw, "periodic_events_total") == Some(10.0)).then_some(())
    })
    .expect("the first counts arrive");

    // The gateway goes away; counting goes on.
    gw.stop();
    let failures_before = pusher.stats().failures;
    for _ in 0..25 {
        events.inc();
        made += 1;
    }
    let stats = poll_until(DEADLINE, || {
        let s = pusher.stats();
        (s.failures >= failures_before + 3).then_some(s)
    })
    .expect("the pusher keeps trying while the gateway is down");
    assert!(
        matches!(stats.last_error, Some(PushError::Connection(_))),
        "{stats:?}"
    );

    // Back on the same port, empty (no persistence): the next push carries every count.
    gw.restart().unwrap();
    poll_until(DEADLINE, || {
        (held(&gw, "periodic_events_total") == Some(35.0)).then_some(())
    })
    .expect("the counts made while the gateway was down arrive");
    assert_eq!(pusher.stats().last_error, None);

    for _ in 0..5 {
        events.inc();
        made += 1;
    }
    pusher.stop().unwrap();
    assert_eq!(held(&gw, "periodic_events_total"), Some(f64::from(made)));
    assert_eq!(made, 40);
}

#[test]
fn pushes_once_more_on_stop_and_on_drop() {
    let gw = Pushgateway::start().unwrap();
    let registry = Arc::new(DynRegistry::new());
    let events = counter(&registry, "final_events");
    let client = PushClient::new(&gw.url()).unwrap();

    // An interval far longer than the test: only the first push and the final one happen.
    let (c, source) = (client.clone(), Arc::clone(&registry));
    let pusher = PeriodicPusher::every(Duration::from_secs(3600))
        .start(move || c.push("final", &[("how", "stop")], &*source))
        .unwrap();
    poll_until(DEADLINE, || (pusher.stats().successes == 1).then_some(()))
        .expect("the first push happens at once");
    assert_eq!(held(&gw, "final_events_total"), Some(0.0));
    events.inc_by(3);
    pusher.stop().unwrap();
    assert_eq!(held(&gw, "final_events_total"), Some(3.0));

    let source = Arc::clone(&registry);
    let pusher = PeriodicPusher::every(Duration::from_secs(3600))
        .start(move || client.push("final", &[("how", "drop")], &*source))
        .unwrap();
    poll_until(DEADLINE, || (pusher.stats().successes == 1).then_some(()))
        .expect("the first push happens at once");
    events.inc_by(4);
    drop(pusher);
    let dropped = gw
        .pushed()
        .unwrap()
        .into_iter()
        .find(|s| s.name == "final_events_total" && s.label("how") == Some("drop"))
        .unwrap();
    assert_eq!(dropped.value, 7.0);
}
