//! `metrics` 0.24 with `metrics-exporter-prometheus` 0.18: the facade's macros over a
//! `PrometheusRecorder` with buckets set, so that histograms render as histograms.

use std::hint::black_box;

use metrics::{counter, describe_counter, describe_histogram, histogram, with_local_recorder};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

use crate::inputs::{self, BUCKETS, VALUES};
use crate::subject::{Scraper, Subject};

fn recorder() -> PrometheusRecorder {
    PrometheusBuilder::new()
        .set_buckets(&BUCKETS)
        .expect("buckets are not empty")
        .build_recorder()
}

pub fn subject(values: &'static [f64]) -> Subject {
    let mut s = Subject::new(
        "metrics",
        &[
            "counter: `counter!(name)` handle kept, `increment(1)` (a dynamic call on an `Arc`)",
            "labelled: `counter!(name, \"method\" => m, \"route\" => r).increment(1)` on every op \
             (builds a `Key`, hashes it, looks it up in the recorder's registry)",
            "histogram: `histogram!(name)` handle kept, `record(v)`: appends the raw value to a \
             lock-free buffer; the bucketing is deferred to upkeep/render, which the bench runs \
             untimed after every batch: its cost is not in this row",
            "scrape: `PrometheusHandle::render_to_write` into a reused `Vec<u8>` (the usual \
             `render()` also allocates its `String`); sorts names and label sets per scrape",
        ],
    );
    let rec: &'static PrometheusRecorder = Box::leak(Box::new(recorder()));
    let handle = rec.handle();
    let c = with_local_recorder(rec, || counter!("bench_counter"));
    s.counter = Some(Box::new(move |n| {
        for _ in 0..n {
            c.increment(1);
        }
    }));
    let pairs = inputs::pairs();
    s.labelled = Some(Box::new(move |n| {
        let pairs = black_box(&pairs);
        with_local_recorder(rec, || {
            let mut j = 0;
            for _ in 0..n {
                let (m, r) = pairs[j];
                counter!("http_requests_total", "method" => m, "route" => r).increment(1);
                j += 1;
                if j == pairs.len() {
                    j = 0;
                }
            }
        });
    }));
    let h = with_local_recorder(rec, || histogram!("bench_latency_seconds"));
    s.observe = Some(Box::new(move |n| {
        let values = black_box(values);
        for i in 0..n as usize {
            h.record(values[i & (VALUES - 1)]);
        }
    }));
    s.upkeep = Some(Box::new(move || handle.run_upkeep()));
    s.scraper = Some(Box::new(MetricsScrape::new(values)));
    s
}

struct MetricsScrape {
    handle: PrometheusHandle,
    buf: Vec<u8>,
}

impl MetricsScrape {
    fn new(values: &[f64]) -> Self {
        // A recorder of its own, holding only the scraped registry.
        let rec: &'static PrometheusRecorder = Box::leak(Box::new(recorder()));
        let counter_name = format!("{}_total", inputs::SCRAPE_COUNTER_NAME);
        with_local_recorder(rec, || {
            describe_counter!(counter_name.clone(), inputs::SCRAPE_HELP);
            for i in 0..inputs::SCRAPE_COUNTERS {
                counter!(counter_name.clone(), inputs::SCRAPE_COUNTER_LABEL => inputs::counter_label(i))
                    .increment(inputs::counter_value(i));
            }
            for f in 0..inputs::SCRAPE_HISTOGRAMS {
                let name = inputs::histogram_name(f);
                describe_histogram!(name, inputs::SCRAPE_HELP);
                for s in 0..inputs::SCRAPE_HISTOGRAM_SERIES {
                    let h = histogram!(name, inputs::SCRAPE_HISTOGRAM_LABEL => inputs::histogram_label(s));
                    for v in inputs::histogram_observations(values, f, s) {
                        h.record(v);
                    }
                }
            }
        });
        MetricsScrape {
            handle: rec.handle(),
            buf: Vec::new(),
        }
    }
}

impl Scraper for MetricsScrape {
    fn scrape(&mut self) {
        self.buf.clear();
        self.handle
            .render_to_write(&mut self.buf)
            .expect("rendering into a Vec does not fail");
    }

    fn output(&self) -> &[u8] {
        &self.buf
    }
}
