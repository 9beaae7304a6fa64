//! The std sources' protobuf exposition (`Gather::gather_protobuf` of `DynRegistry`,
//! `MetricsLogger` and `StaticRegistry`), decoded with prost and compared with the text of
//! the same registry: every family's help and type, every sample's name, labels and value,
//! and each creation time against its `_created` sample. Also the sizes of both for the
//! benchmark's scrape registry (`tests/benches/peers`).

use std::collections::BTreeMap;
use std::sync::Arc;

use edgeprom::{Counter, Format, Histogram};
use edgeprom_std::{DynFamily, DynRegistry, Gather, MetricsLogger};
use edgeprom_tests::client_model::{decode_families, MetricFamily, Timestamp};
use edgeprom_tests::servers::parse_text;

#[path = "../benches/peers/inputs.rs"]
#[allow(dead_code)]
mod inputs;

type Samples = Vec<(String, BTreeMap<String, String>, u64)>;

/// A number as a label value, written one way.
fn num(v: f64) -> String {
    if v == f64::INFINITY {
        "+Inf".into()
    } else {
        v.to_string()
    }
}

fn seconds(t: &Timestamp) -> f64 {
    t.seconds as f64 + f64::from(t.nanos) / 1e9
}

/// The text samples the families stand for (Prometheus' mapping), `_created` ones from the
/// creation times; and `# HELP`/`# TYPE` lines.
fn as_text(families: &[MetricFamily]) -> (Samples, Vec<String>) {
    let mut out = Vec::new();
    let mut headers = Vec::new();
    for f in families {
        let name = f.name.clone().unwrap();
        let ty =
            ["counter", "gauge", "summary", "untyped", "histogram"][f.r#type.unwrap() as usize];
        let help = f.help.clone().unwrap_or_default();
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        headers.push(format!("# HELP {name} {help}"));
        headers.push(format!("# TYPE {name} {ty}"));
        let base = name.strip_suffix("_total").unwrap_or(&name).to_owned();
        for m in &f.metric {
            let labels: BTreeMap<String, String> = m
                .label
                .iter()
                .map(|l| (l.name.clone().unwrap(), l.value.clone().unwrap()))
                .collect();
            let mut push = |n: String, extra: Option<(&str, f64)>, v: f64| {
                let mut l = labels.clone();
                if let Some((k, x)) = extra {
                    l.insert(k.into(), num(x));
                }
                out.push((n, l, v.to_bits()));
            };
            if let Some(g) = &m.gauge {
                push(name.clone(), None, g.value.unwrap());
            }
            if let Some(u) = &m.untyped {
                push(name.clone(), None, u.value.unwrap());
            }
            if let Some(c) = &m.counter {
                push(name.clone(), None, c.value.unwrap());
                if let Some(t) = &c.created_timestamp {
                    push(format!("{base}_created"), None, seconds(t));
                }
            }
            if let Some(h) = &m.histogram {
                for b in &h.bucket {
                    let c = b.cumulative_count.unwrap() as f64;
                    push(
                        format!("{name}_bucket"),
                        Some(("le", b.upper_bound.unwrap())),
                        c,
                    );
                }
                if let Some(s) = h.sample_sum {
                    push(format!("{name}_sum"), None, s);
                }
                push(
                    format!("{name}_count"),
                    None,
                    h.sample_count.unwrap() as f64,
                );
                if let Some(t) = &h.created_timestamp {
                    push(format!("{name}_created"), None, seconds(t));
                }
            }
            if let Some(s) = &m.summary {
                for q in &s.quantile {
                    push(
                        name.clone(),
                        Some(("quantile", q.quantile.unwrap())),
                        q.value.unwrap(),
                    );
                }
                push(format!("{name}_sum"), None, s.sample_sum.unwrap());
                push(
                    format!("{name}_count"),
                    None,
                    s.sample_count.unwrap() as f64,
                );
                if let Some(t) = &s.created_timestamp {
                    push(format!("{name}_created"), None, seconds(t));
                }
            }
        }
    }
    out.sort();
    (out, headers)
}

/// `text`'s samples (numbers in `le`/`quantile` written one way) and header lines (but those
/// of the `_created` gauge families, which protobuf folds into the messages).
fn parsed(text: &str) -> (Samples, Vec<String>) {
    let mut samples: Samples = parse_text(text)
        .unwrap()
        .into_iter()
        .map(|s| {
            let labels = s
                .labels
                .into_iter()
                .map(|(k, v)| match k.as_str() {
                    "le" | "quantile" => {
                        let n = num(v.parse().unwrap());
                        (k, n)
                    }
                    _ => (k, v),
                })
                .collect();
            (s.name, labels, s.value.to_bits())
        })
        .collect();
    samples.sort();
    let headers = text
        .lines()
        .filter(|l| l.starts_with("# HELP ") || l.starts_with("# TYPE "))
        .filter(|l| !l.split(' ').nth(2).unwrap().ends_with("_created"))
        .map(str::to_owned)
        .collect();
    (samples, headers)
}

/// Asserts that `source`'s protobuf says what its text says; returns both sizes.
fn assert_same_content(source: &dyn Gather) -> (usize, usize) {
    let bytes = source.gather_protobuf().expect("writes protobuf").unwrap();
    let text = source.gather(Format::Prometheus).unwrap();
    let (pb_samples, pb_headers) = as_text(&decode_families(&bytes));
    let (text_samples, text_headers) = parsed(&text);
    assert!(!text_samples.is_empty());
    assert_eq!(pb_samples.len(), text_samples.len());
    for (p, t) in pb_samples.iter().zip(&text_samples) {
        if p.0.ends_with("_created") {
            // The text rounds to milliseconds or keeps the digits of the seconds; protobuf
            // keeps nanoseconds.
            assert_eq!((&p.0, &p.1), (&t.0, &t.1));
            let (p, t) = (f64::from_bits(p.2), f64::from_bits(t.2));
            assert!((p - t).abs() < 1e-3, "{p} vs {t}");
        } else {
            assert_eq!(p, t);
        }
    }
    assert_eq!(pb_headers, text_headers);
    (bytes.len(), text.len())
}

#[test]
fn dyn_registry_protobuf_is_its_text() {
    let r = DynRegistry::new();
    let counters = Arc::new(
        DynFamily::<Counter>::new("dyn_requests", "Requests \\ \"served\"", &["path"]).unwrap(),
    );
    let latency =
        Arc::new(DynFamily::<Histogram>::new("dyn_latency_seconds", "Latency", &["op"]).unwrap());
    r.register(counters.clone()).unwrap();
    r.register(latency.clone()).unwrap();
    r.register(Arc::new(
        edgeprom_std::FnGauge::new("dyn_answer", "Answer", || 42.5).unwrap(),
    ))
    .unwrap();
    counters.labels(&["/a\nb"]).unwrap().inc_by(3);
    counters.labels(&["/"]).unwrap().inc();
    for v in [0.001, 0.2, 0.2, 7.0] {
        latency.labels(&["read"]).unwrap().observe(v).unwrap();
    }
    assert_same_content(&r);
}

#[test]
fn metrics_logger_protobuf_is_its_text() {
    let mut l = MetricsLogger::builder()
        .workload_id("exp1")
        .pod("pod-7")
        .gateway("http://127.0.0.1:1")
        .step(4)
        .protobuf(true)
        .build()
        .unwrap();
    assert!(l.client().pushes_protobuf());
    l.add_gauge("Gauge").unwrap();
    l.add_counter("Counter").unwrap();
    l.add_histogram("Histogram").unwrap();
    l.add_summary("Summary").unwrap();
    l.add_info("Info").unwrap();
    l.set("Gauge", 1.5).unwrap();
    l.counter("Counter").unwrap().inc_by(2.5).unwrap();
    l.histogram("Histogram").unwrap().observe(0.3).unwrap();
    l.summary("Summary").unwrap().observe(12.0).unwrap();
    l["Info"].info(&[("version", "1.2")]).unwrap();
    assert_same_content(&l);
}

edgeprom::static_registry! {
    static STATIC (namespace "app", const_labels &[("device", "d1")]) {
        static STATIC_BOOTS: edgeprom::Metric<Counter> = edgeprom::Metric::new("boots", "Boots");
    }
}

#[test]
fn static_registry_gathers_protobuf() {
    STATIC_BOOTS.inc();
    assert_same_content(&STATIC);
}

/// The benchmark's scrape registry (1,000 labelled counters, 10 histogram families of 10
/// series; `with_edgeprom::scrape_registry`), here in a `DynRegistry` with the same names,
/// labels and values: protobuf is the smaller body. Without creation times too, as the
/// benchmark's core registry (no wall clock) writes them.
#[test]
fn bench_registry_protobuf_against_text() {
    let values = inputs::values();
    let r = DynRegistry::new();
    let counters = Arc::new(
        DynFamily::<Counter>::new(
            inputs::SCRAPE_COUNTER_NAME,
            inputs::SCRAPE_HELP,
            &[inputs::SCRAPE_COUNTER_LABEL],
        )
        .unwrap(),
    );
    for i in 0..inputs::SCRAPE_COUNTERS {
        counters
            .labels(&[inputs::counter_label(i).as_str()])
            .unwrap()
            .inc_by(inputs::counter_value(i));
    }
    r.register(counters).unwrap();
    for f in 0..inputs::SCRAPE_HISTOGRAMS {
        let h = Arc::new(
            DynFamily::<Histogram>::new(
                inputs::histogram_name(f),
                inputs::SCRAPE_HELP,
                &[inputs::SCRAPE_HISTOGRAM_LABEL],
            )
            .unwrap(),
        );
        for s in 0..inputs::SCRAPE_HISTOGRAM_SERIES {
            let series = h.labels(&[inputs::histogram_label(s).as_str()]).unwrap();
            for v in inputs::histogram_observations(&values, f, s) {
                series.observe(v).unwrap();
            }
        }
        r.register(h).unwrap();
    }
    let (pb, text) = assert_same_content(&r);
    println!("bench registry with creation times: protobuf {pb} B, Prometheus text {text} B");
    assert!(pb < text, "{pb} vs {text}");
    // Without creation times (what the benchmark's registry writes).
    let pb_bytes = r.gather_protobuf().unwrap().unwrap();
    let mut families = decode_families(&pb_bytes);
    for m in families.iter_mut().flat_map(|f| f.metric.iter_mut()) {
        if let Some(c) = &mut m.counter {
            c.created_timestamp = None;
        }
        if let Some(h) = &mut m.histogram {
            h.created_timestamp = None;
        }
    }
    let pb_plain: usize = families
        .iter()
        .map(|f| {
            prost::Message::encoded_len(f)
                + prost::length_delimiter_len(prost::Message::encoded_len(f))
        })
        .sum();
    let text = r.gather(Format::Prometheus).unwrap();
    let text_plain: usize = text
        .lines()
        .filter(|l| !l.contains("_created"))
        .map(|l| l.len() + 1)
        .sum();
    println!("bench registry without creation times: protobuf {pb_plain} B, Prometheus text {text_plain} B");
    assert!(pb_plain < text_plain, "{pb_plain} vs {text_plain}");
}
