//! `prometheus-client` 0.26 (the official Rust client): `Counter`, `Family`, `Histogram`,
//! `encode` into a reused `String` (OpenMetrics text).

use std::hint::black_box;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::inputs::{self, BUCKETS, VALUES};
use crate::subject::{Scraper, Subject};

/// The label set of workload 3: static string pairs, so lookups need no allocation (a
/// `String`-keyed struct, what dynamic values would need, allocates on every lookup).
type RequestLabels = [(&'static str, &'static str); 2];
type ScrapeLabels = [(&'static str, String); 1];

fn histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

pub fn subject(values: &'static [f64]) -> Subject {
    let mut s = Subject::new(
        "prometheus-client",
        &[
            "counter: `Counter::inc()` on a kept handle",
            "labelled: `Family<[(&'static str, &'static str); 2], Counter>::get_or_create(..).inc()` \
             (SipHash of the whole key, read lock); `'static` label values spare it the \
             allocation a `String` key would need",
            "histogram: `Histogram::observe` with the same 14 buckets, under a mutex",
            "scrape: `encode(&mut String, &registry)` into a reused `String`; OpenMetrics text \
             (adds `# EOF`); each histogram's buckets are cloned into a `Vec` per series",
        ],
    );
    let counter: Counter = Counter::default();
    s.counter = Some(Box::new(move |n| {
        for _ in 0..n {
            counter.inc();
        }
    }));
    let requests: Family<RequestLabels, Counter> = Family::default();
    let pairs = inputs::pairs();
    s.labelled = Some(Box::new(move |n| {
        let pairs = black_box(&pairs);
        let mut j = 0;
        for _ in 0..n {
            let (m, r) = pairs[j];
            requests.get_or_create(&[("method", m), ("route", r)]).inc();
            j += 1;
            if j == pairs.len() {
                j = 0;
            }
        }
    }));
    let latency = histogram();
    s.observe = Some(Box::new(move |n| {
        let values = black_box(values);
        for i in 0..n as usize {
            latency.observe(values[i & (VALUES - 1)]);
        }
    }));
    s.scraper = Some(Box::new(ClientScrape::new(values)));
    s
}

struct ClientScrape {
    registry: Registry,
    buf: String,
}

impl ClientScrape {
    fn new(values: &[f64]) -> Self {
        let mut registry = Registry::default();
        let counters: Family<ScrapeLabels, Counter> = Family::default();
        for i in 0..inputs::SCRAPE_COUNTERS {
            counters
                .get_or_create(&[(inputs::SCRAPE_COUNTER_LABEL, inputs::counter_label(i))])
                .inc_by(inputs::counter_value(i));
        }
        registry.register(inputs::SCRAPE_COUNTER_NAME, inputs::SCRAPE_HELP, counters);
        for f in 0..inputs::SCRAPE_HISTOGRAMS {
            let family: Family<ScrapeLabels, Histogram, fn() -> Histogram> =
                Family::new_with_constructor(histogram);
            for s in 0..inputs::SCRAPE_HISTOGRAM_SERIES {
                let h = family
                    .get_or_create(&[(inputs::SCRAPE_HISTOGRAM_LABEL, inputs::histogram_label(s))]);
                for v in inputs::histogram_observations(values, f, s) {
                    h.observe(v);
                }
            }
            registry.register(inputs::histogram_name(f), inputs::SCRAPE_HELP, family);
        }
        ClientScrape {
            registry,
            buf: String::new(),
        }
    }
}

impl Scraper for ClientScrape {
    fn scrape(&mut self) {
        self.buf.clear();
        encode(&mut self.buf, &self.registry).expect("encoding into a String does not fail");
    }

    fn output(&self) -> &[u8] {
        self.buf.as_bytes()
    }
}
