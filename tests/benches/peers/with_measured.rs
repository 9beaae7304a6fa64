//! `measured` 0.0.25: `Counter`, `CounterVec` over a `LabelGroup` whose string labels are
//! interned in `lasso::RodeoReader`s (known up front, dense storage), `Histogram<14>`,
//! `BufferedTextEncoder`.

use std::hint::black_box;

use measured::lasso::{Rodeo, RodeoReader};
use measured::metric::group::Encoding as _;
use measured::metric::histogram::Thresholds;
use measured::metric::name::MetricName;
use measured::metric::MetricFamilyEncoding as _;
use measured::text::BufferedTextEncoder;
use measured::{Counter, CounterVec, Histogram, HistogramVec, LabelGroup};

use crate::inputs::{self, BUCKETS, VALUES};
use crate::subject::{Scraper, Subject};

#[derive(LabelGroup)]
#[label(set = RequestSet)]
struct Request<'a> {
    #[label(fixed_with = RodeoReader)]
    method: &'a str,
    #[label(fixed_with = RodeoReader)]
    route: &'a str,
}

#[derive(LabelGroup)]
#[label(set = ClientSet)]
struct Client<'a> {
    #[label(fixed_with = RodeoReader)]
    client: &'a str,
}

#[derive(LabelGroup)]
#[label(set = ShardSet)]
struct Shard<'a> {
    #[label(fixed_with = RodeoReader)]
    shard: &'a str,
}

fn reader<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> RodeoReader {
    let mut rodeo = Rodeo::new();
    for v in values {
        rodeo.get_or_intern(v.as_ref());
    }
    rodeo.into_reader()
}

fn thresholds() -> Thresholds<14> {
    Thresholds::with_buckets(BUCKETS)
}

pub fn subject(values: &'static [f64]) -> Subject {
    let mut s = Subject::new(
        "measured",
        &[
            "counter: `Counter::inc()` (`get_metric()` then one `fetch_add`)",
            "labelled: `CounterVec::inc(Request { method: m, route: r })` with both labels \
             interned up front in `RodeoReader`s (dense storage): the fastest of its options; \
             unknown values need `dynamic_with = ThreadedRodeo` and a sharded map",
            "histogram: `Histogram<14>::observe` with the same buckets (a read lock per observe)",
            "scrape: `collect_family_into` per family into a reused `BufferedTextEncoder` \
             (plus `write_help`), `finish()` hands out `Bytes`; no `# HELP` escaping checks",
        ],
    );
    let counter = Counter::new();
    s.counter = Some(Box::new(move |n| {
        for _ in 0..n {
            counter.inc();
        }
    }));
    let requests = CounterVec::with_label_set(RequestSet::new(
        reader(inputs::METHODS),
        reader(inputs::ROUTES),
    ));
    let pairs = inputs::pairs();
    s.labelled = Some(Box::new(move |n| {
        let pairs = black_box(&pairs);
        let mut j = 0;
        for _ in 0..n {
            let (m, r) = pairs[j];
            requests.inc(Request {
                method: m,
                route: r,
            });
            j += 1;
            if j == pairs.len() {
                j = 0;
            }
        }
    }));
    let latency = Histogram::with_metadata(thresholds());
    s.observe = Some(Box::new(move |n| {
        let values = black_box(values);
        for i in 0..n as usize {
            latency.observe(values[i & (VALUES - 1)]);
        }
    }));
    s.scraper = Some(Box::new(MeasuredScrape::new(values)));
    s
}

struct MeasuredScrape {
    counters: CounterVec<ClientSet>,
    counter_name: &'static MetricName,
    histograms: Vec<(&'static MetricName, HistogramVec<ShardSet, 14>)>,
    encoder: BufferedTextEncoder,
    out: bytes::Bytes,
}

impl MeasuredScrape {
    fn new(values: &[f64]) -> Self {
        let clients: Vec<String> = (0..inputs::SCRAPE_COUNTERS)
            .map(inputs::counter_label)
            .collect();
        let counters = CounterVec::with_label_set(ClientSet::new(reader(&clients)));
        for (i, c) in clients.iter().enumerate() {
            counters.inc_by(Client { client: c }, inputs::counter_value(i));
        }
        let shards: Vec<String> = (0..inputs::SCRAPE_HISTOGRAM_SERIES)
            .map(inputs::histogram_label)
            .collect();
        let histograms = (0..inputs::SCRAPE_HISTOGRAMS)
            .map(|f| {
                let family = HistogramVec::with_label_set_and_metadata(
                    ShardSet::new(reader(&shards)),
                    thresholds(),
                );
                for (s, shard) in shards.iter().enumerate() {
                    for v in inputs::histogram_observations(values, f, s) {
                        family.observe(Shard { shard }, v);
                    }
                }
                (MetricName::from_str(inputs::histogram_name(f)), family)
            })
            .collect();
        let counter_name: &'static str =
            Box::leak(format!("{}_total", inputs::SCRAPE_COUNTER_NAME).into_boxed_str());
        MeasuredScrape {
            counters,
            counter_name: MetricName::from_str(counter_name),
            histograms,
            encoder: BufferedTextEncoder::new(),
            out: bytes::Bytes::new(),
        }
    }
}

impl Scraper for MeasuredScrape {
    fn scrape(&mut self) {
        let enc = &mut self.encoder;
        let _ = enc.write_help(self.counter_name, inputs::SCRAPE_HELP);
        let _ = self.counters.collect_family_into(self.counter_name, enc);
        for (name, family) in &self.histograms {
            let _ = enc.write_help(*name, inputs::SCRAPE_HELP);
            let _ = family.collect_family_into(*name, enc);
        }
        // Dropping the previous output first lets the encoder reuse its buffer.
        self.out = bytes::Bytes::new();
        self.out = enc.finish();
    }

    fn output(&self) -> &[u8] {
        &self.out
    }
}
