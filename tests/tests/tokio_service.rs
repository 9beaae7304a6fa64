//! edgeprom in a tokio service: the `async` forms of timers and error counting measure a
//! future's whole run (here a real `tokio::time::sleep`) from tasks on a multi-threaded
//! runtime (`tokio::spawn` needs them `Send`), and the blocking Pushgateway client pushes from
//! async code through `spawn_blocking` to a real Pushgateway 1.5.1.

use std::sync::Arc;
use std::time::{Duration, Instant};

use edgeprom::{Counter, Gauge, Histogram};
use edgeprom_std::{DynMetric, DynRegistry, PushClient, SystemClock};
use edgeprom_tests::servers::{find, Pushgateway};

#[derive(Debug, PartialEq)]
struct Refused;

async fn fetch(fail: bool) -> Result<u32, Refused> {
    tokio::time::sleep(Duration::from_millis(40)).await;
    if fail {
        Err(Refused)
    } else {
        Ok(200)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_forms_measure_the_whole_run_and_push_works_from_tokio() {
    let registry = Arc::new(DynRegistry::new());
    let latency = Arc::new(DynMetric::<Histogram>::new("svc_fetch_seconds", "Fetch time").unwrap());
    let failures = Arc::new(DynMetric::<Counter>::new("svc_fetch_failures", "Failed").unwrap());
    let in_flight = Arc::new(DynMetric::<Gauge>::new("svc_in_flight", "In flight").unwrap());
    registry.register(latency.clone()).unwrap();
    registry.register(failures.clone()).unwrap();
    registry.register(in_flight.clone()).unwrap();

    let started = Instant::now();
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let (latency, failures, in_flight) =
                (latency.clone(), failures.clone(), in_flight.clone());
            tokio::spawn(async move {
                let run = failures.count_errors_async(fetch(i == 3));
                let tracked = in_flight.track_inprogress_async(run);
                latency.time_async(&SystemClock, tracked).await
            })
        })
        .collect();
    // While they sleep, all four are in flight and nothing is recorded yet.
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(in_flight.get(), 4.0);
    assert_eq!(latency.count(), 0);
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let wall = started.elapsed().as_secs_f64();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 3);
    assert_eq!(results.last(), Some(&Err(Refused)));
    assert_eq!(failures.get(), 1);
    assert_eq!(in_flight.get(), 0.0);
    assert_eq!(latency.count(), 4);
    // Each run slept 40 ms: the whole run was timed, not the creation of the future.
    let mean = latency.sum() / 4.0;
    assert!(
        mean >= 0.040 && mean <= wall,
        "mean {mean} s, wall {wall} s"
    );

    // Pushing from async code: the blocking client on tokio's blocking pool.
    let gateway = Pushgateway::start().unwrap();
    let client = PushClient::new(&gateway.url()).unwrap();
    let source = Arc::clone(&registry);
    tokio::task::spawn_blocking(move || {
        client.push("tokio_service", &[("instance", "t1")], &*source)
    })
    .await
    .unwrap()
    .unwrap();
    let pushed = gateway.pushed().unwrap();
    let count = find(
        &pushed,
        "svc_fetch_seconds_count",
        &[("job", "tokio_service"), ("instance", "t1")],
    )
    .unwrap_or_else(|| panic!("no svc_fetch_seconds_count in {pushed:?}"));
    assert_eq!(count.value, 4.0);
    let failed = find(
        &pushed,
        "svc_fetch_failures_total",
        &[("job", "tokio_service")],
    )
    .unwrap();
    assert_eq!(failed.value, 1.0);
    let sum = find(
        &pushed,
        "svc_fetch_seconds_sum",
        &[("job", "tokio_service")],
    )
    .unwrap();
    assert!(
        (sum.value - latency.sum()).abs() < 1e-9,
        "{} vs {}",
        sum.value,
        latency.sum()
    );
}
