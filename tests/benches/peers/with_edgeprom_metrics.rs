//! edgeprom behind the `metrics` 0.24 facade: the same macros as the `metrics` column, over
//! edgeprom-std's `MetricsRecorder` (feature `metrics`) instead of
//! `metrics-exporter-prometheus`'s recorder, writing into a `DynRegistry`.

use std::hint::black_box;
use std::sync::Arc;

use edgeprom::Format;
use edgeprom_std::{DynRegistry, Gather, MetricsRecorder};
use metrics::{counter, describe_counter, describe_histogram, histogram, with_local_recorder};

use crate::inputs::{self, VALUES};
use crate::subject::{Scraper, Subject};

fn recorder() -> &'static MetricsRecorder {
    // Python's default buckets: the bench's 14 bounds. No `_created` lines, as the other
    // columns (the series' creation times are still kept).
    let registry = Arc::new(DynRegistry::new().with_created(false));
    Box::leak(Box::new(MetricsRecorder::new(registry)))
}

pub fn subject(values: &'static [f64]) -> Subject {
    let mut s = Subject::new(
        "edgeprom+metrics",
        &[
            "the `metrics` column's macros and handles, over edgeprom-std's `MetricsRecorder`: \
             counter: handle kept, `increment(1)` (a dynamic call, then the edgeprom counter's \
             atomic add)",
            "labelled: `counter!` with two labels on every op: the macro builds the `Key`, the \
             recorder finds its handle by the key's own hash under a read lock",
            "histogram: handle kept, `record(v)` buckets at once (no deferred upkeep)",
            "scrape: `DynRegistry::gather_into` (Prometheus text, `with_created(false)` as the \
             other columns write no `_created`) into a reused `String`",
        ],
    );
    let rec = recorder();
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
    s.scraper = Some(Box::new(RecorderScrape::new(values)));
    s
}

struct RecorderScrape {
    registry: Arc<DynRegistry>,
    buf: String,
}

impl RecorderScrape {
    fn new(values: &[f64]) -> Self {
        // A recorder of its own, holding only the scraped registry.
        let rec = recorder();
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
        RecorderScrape {
            registry: rec.registry().clone(),
            buf: String::new(),
        }
    }
}

impl Scraper for RecorderScrape {
    fn scrape(&mut self) {
        self.buf.clear();
        self.registry
            .gather_into(Format::Prometheus, &mut self.buf)
            .expect("gathering into a String does not fail");
    }

    fn output(&self) -> &[u8] {
        self.buf.as_bytes()
    }
}
