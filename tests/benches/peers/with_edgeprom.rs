//! edgeprom: statics, fixed-capacity families, encoding into a reused `&mut [u8]`.

use std::hint::black_box;

use edgeprom::{Counter, EncodeError, Family, Format, Histogram, Metric, Registry};

use crate::inputs::{self, VALUES};
use crate::subject::{Scraper, Subject};

static COUNTER: Metric<Counter> = Metric::new("bench_counter", "Benchmark counter");
static REQUESTS: Family<Counter, 2, 32> =
    Family::new("http_requests", "Requests", ["method", "route"]);
static LATENCY: Metric<Histogram> = Metric::new("bench_latency_seconds", "Latency");

type ScrapeCounters = Family<Counter, 1, 1024, 16>;
type ScrapeHistograms = Family<Histogram, 1, 16, 16>;

pub fn subject(values: &'static [f64]) -> Subject {
    let mut s = Subject::new(
        "edgeprom",
        &[
            "counter: `static Metric<Counter>`, `inc()` (one relaxed `fetch_add`)",
            "labelled: `static Family<Counter, 2, 32>`, `labels([m, r])?.inc()` on every op",
            "histogram: `static Metric<Histogram>` (default buckets), `observe(v)?`",
            "scrape: `Registry::encode(Format::Prometheus, &mut buf)` into a reused buffer; \
             families in registration order, series in creation order; nothing is sorted",
        ],
    );
    s.counter = Some(Box::new(|n| {
        for _ in 0..n {
            COUNTER.inc();
        }
    }));
    let pairs = inputs::pairs();
    s.labelled = Some(Box::new(move |n| {
        let pairs = black_box(&pairs);
        let mut j = 0;
        for _ in 0..n {
            let (m, r) = pairs[j];
            if let Ok(c) = REQUESTS.labels([m, r]) {
                c.inc();
            }
            j += 1;
            if j == pairs.len() {
                j = 0;
            }
        }
    }));
    s.observe = Some(Box::new(move |n| {
        let values = black_box(values);
        for i in 0..n as usize {
            let _ = LATENCY.observe(values[i & (VALUES - 1)]);
        }
    }));
    s.scraper = Some(Box::new(EdgepromScrape::new(values)));
    s
}

struct EdgepromScrape {
    registry: Registry<'static, 16>,
    buf: Vec<u8>,
    len: usize,
}

/// The scrape workload's registry: 1,000 counter series and 10 histogram families of 10
/// series, recorded (also what the remote-write rows encode).
pub fn scrape_registry(values: &[f64]) -> Registry<'static, 16> {
    let counters: &'static ScrapeCounters = Box::leak(Box::new(Family::new(
        inputs::SCRAPE_COUNTER_NAME,
        inputs::SCRAPE_HELP,
        [inputs::SCRAPE_COUNTER_LABEL],
    )));
    for i in 0..inputs::SCRAPE_COUNTERS {
        let c = counters
            .labels([inputs::counter_label(i).as_str()])
            .expect("the family has room for every scraped series");
        c.inc_by(inputs::counter_value(i));
    }
    let mut registry = Registry::new();
    registry.register(counters).expect("the registry has room");
    for f in 0..inputs::SCRAPE_HISTOGRAMS {
        let family: &'static ScrapeHistograms = Box::leak(Box::new(Family::new(
            inputs::histogram_name(f),
            inputs::SCRAPE_HELP,
            [inputs::SCRAPE_HISTOGRAM_LABEL],
        )));
        for s in 0..inputs::SCRAPE_HISTOGRAM_SERIES {
            let h = family
                .labels([inputs::histogram_label(s).as_str()])
                .expect("the family has room for every scraped series");
            for v in inputs::histogram_observations(values, f, s) {
                h.observe(v).expect("observations are finite");
            }
        }
        registry.register(family).expect("the registry has room");
    }
    registry
}

impl EdgepromScrape {
    fn new(values: &[f64]) -> Self {
        let registry = scrape_registry(values);
        let mut scrape = EdgepromScrape {
            registry,
            buf: Vec::new(),
            len: 0,
        };
        // Size the buffer once, as a server would; every later scrape reuses it.
        match scrape.registry.encode(Format::Prometheus, &mut scrape.buf) {
            Err(EncodeError::BufferTooSmall { needed }) => scrape.buf.resize(needed * 2, 0),
            other => panic!("sizing the buffer: {other:?}"),
        }
        scrape
    }
}

impl Scraper for EdgepromScrape {
    fn scrape(&mut self) {
        self.len = self
            .registry
            .encode(Format::Prometheus, &mut self.buf)
            .expect("the buffer was sized for the registry");
    }

    fn output(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}
