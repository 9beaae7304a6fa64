//! `prometheus` 0.14 (tikv): `IntCounter`, `IntCounterVec`, `Histogram`, gather + `TextEncoder`.

use std::hint::black_box;

use prometheus::{
    Encoder as _, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts,
    Registry, TextEncoder,
};

use crate::inputs::{self, BUCKETS, VALUES};
use crate::subject::{Scraper, Subject};

pub fn subject(values: &'static [f64]) -> Subject {
    let mut s = Subject::new(
        "prometheus",
        &[
            "counter: `IntCounter::inc()` on a kept handle",
            "labelled: `IntCounterVec::with_label_values(&[m, r]).inc()` (hash of the values, \
             read lock, clone of the child's `Arc`)",
            "histogram: `Histogram::observe` with the same 14 buckets; hot/cold shards, so its \
             observe pays one more atomic than a plain histogram, for consistent snapshots",
            "scrape: `Registry::gather()` (builds and sorts protobuf-like structs per scrape) \
             plus `TextEncoder::encode` into a reused `Vec<u8>`",
        ],
    );
    let counter = IntCounter::new("bench_counter", "Benchmark counter").expect("valid name");
    s.counter = Some(Box::new(move |n| {
        for _ in 0..n {
            counter.inc();
        }
    }));
    let requests = IntCounterVec::new(
        Opts::new("http_requests_total", "Requests"),
        &["method", "route"],
    )
    .expect("valid names");
    let pairs = inputs::pairs();
    s.labelled = Some(Box::new(move |n| {
        let pairs = black_box(&pairs);
        let mut j = 0;
        for _ in 0..n {
            let (m, r) = pairs[j];
            requests.with_label_values(&[m, r]).inc();
            j += 1;
            if j == pairs.len() {
                j = 0;
            }
        }
    }));
    let latency = Histogram::with_opts(
        HistogramOpts::new("bench_latency_seconds", "Latency").buckets(BUCKETS.to_vec()),
    )
    .expect("valid histogram");
    s.observe = Some(Box::new(move |n| {
        let values = black_box(values);
        for i in 0..n as usize {
            latency.observe(values[i & (VALUES - 1)]);
        }
    }));
    s.scraper = Some(Box::new(PrometheusScrape::new(values)));
    s
}

struct PrometheusScrape {
    registry: Registry,
    encoder: TextEncoder,
    buf: Vec<u8>,
}

impl PrometheusScrape {
    fn new(values: &[f64]) -> Self {
        let registry = Registry::new();
        let counters = IntCounterVec::new(
            Opts::new(
                format!("{}_total", inputs::SCRAPE_COUNTER_NAME),
                inputs::SCRAPE_HELP,
            ),
            &[inputs::SCRAPE_COUNTER_LABEL],
        )
        .expect("valid names");
        for i in 0..inputs::SCRAPE_COUNTERS {
            counters
                .with_label_values(&[inputs::counter_label(i)])
                .inc_by(inputs::counter_value(i));
        }
        registry.register(Box::new(counters)).expect("registers");
        for f in 0..inputs::SCRAPE_HISTOGRAMS {
            let opts = HistogramOpts::new(inputs::histogram_name(f), inputs::SCRAPE_HELP)
                .buckets(BUCKETS.to_vec());
            let family =
                HistogramVec::new(opts, &[inputs::SCRAPE_HISTOGRAM_LABEL]).expect("valid names");
            for s in 0..inputs::SCRAPE_HISTOGRAM_SERIES {
                let h = family.with_label_values(&[inputs::histogram_label(s)]);
                for v in inputs::histogram_observations(values, f, s) {
                    h.observe(v);
                }
            }
            registry.register(Box::new(family)).expect("registers");
        }
        PrometheusScrape {
            registry,
            encoder: TextEncoder::new(),
            buf: Vec::new(),
        }
    }
}

impl Scraper for PrometheusScrape {
    fn scrape(&mut self) {
        self.buf.clear();
        let families = self.registry.gather();
        self.encoder
            .encode(&families, &mut self.buf)
            .expect("encoding into a Vec does not fail");
    }

    fn output(&self) -> &[u8] {
        &self.buf
    }
}
