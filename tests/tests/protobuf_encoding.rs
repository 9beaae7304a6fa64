//! The core's protobuf exposition, decoded with prost and client_model's messages
//! (`edgeprom_tests::client_model`, checked against the committed `metrics.proto`): every
//! family's name, help, type, unit, labels, values and creation times as recorded, for
//! generated values; the buffer and the stream give the same bytes; a buffer too small tells
//! the size needed.

use std::time::Duration;

use edgeprom::encode::SliceWriter;
use edgeprom::{
    CallbackGauge, Collect, Counter, Desc, Encoder, Exposition, Family, FixedClock, Gauge,
    Histogram, Info, Labels, Metric, MetricType, Registry, SampleValue, StateSet, Summary,
};
use edgeprom_tests::client_model::{
    decode_families, proto_field, Metric as PbMetric, MetricFamily, Timestamp, FIELDS, PROTO,
};
use proptest::prelude::*;

edgeprom::buckets!(Bounds: f64 = [0.5, 1.0, 10.0]);
edgeprom::buckets!(Whole: u64 = [1, 5]);

const CREATED: Duration = Duration::new(1_700_000_000, 250_000_000);
static CLOCK: FixedClock = FixedClock(CREATED);

#[test]
fn messages_match_the_proto() {
    for (message, field, ty, tag) in FIELDS {
        let got = proto_field(PROTO, message, field);
        assert_eq!(got, Some((ty.to_string(), *tag)), "{message}.{field}");
    }
    assert!(PROTO.contains("Licensed under the Apache License"));
    assert!(PROTO.contains("package io.prometheus.client;"));
}

/// Labels of a decoded metric as `name=value` pairs, in order.
fn labels(m: &PbMetric) -> Vec<(String, String)> {
    m.label
        .iter()
        .map(|l| (l.name.clone().unwrap(), l.value.clone().unwrap()))
        .collect()
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

fn created() -> Option<Timestamp> {
    Some(Timestamp {
        seconds: CREATED.as_secs() as i64,
        nanos: CREATED.subsec_nanos() as i32,
    })
}

/// The document in a buffer, checked against the length, the stream and a buffer one byte
/// short.
fn encode(r: &dyn Exposition) -> Vec<u8> {
    let n = r.protobuf_len().unwrap();
    let mut buf = vec![0u8; n];
    assert_eq!(r.encode_protobuf(&mut buf), Ok(n));
    let mut short = vec![0u8; n - 1];
    assert_eq!(
        r.encode_protobuf(&mut short),
        Err(edgeprom::EncodeError::BufferTooSmall { needed: n })
    );
    let mut streamed = vec![0u8; n + 16];
    let mut sink = SliceWriter::new(&mut streamed);
    assert_eq!(r.write_protobuf(&mut sink), Ok(n));
    assert_eq!(sink.finish(), Ok(n));
    assert_eq!(
        streamed[..n],
        buf[..],
        "streamed and in-buffer bytes differ"
    );
    buf
}

fn family<'a>(fams: &'a [MetricFamily], name: &str) -> &'a MetricFamily {
    fams.iter()
        .find(|f| f.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no family {name} in {fams:#?}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_type_decodes_to_what_was_recorded(
        incs in proptest::collection::vec(0u64..1_000_000, 0..4),
        fcount in 0.0f64..1e12,
        gauge in proptest::num::f64::NORMAL | proptest::num::f64::ZERO,
        gauge32 in -1e6f32..1e6,
        obs in proptest::collection::vec(0.0f64..20.0, 0..40),
        whole in proptest::collection::vec(0u64..9, 0..300),
        label in "[a-z\"\\\\\n é]{0,12}",
        help in "[ -~\n]{0,20}",
        state in 0usize..3,
        namespace in prop_oneof![Just(""), Just("ns")],
    ) {
        let counter: Metric<Counter> = Metric::new("reqs", "Requests");
        let fcounter: Metric<Counter<f64>> = Metric::new("energy", "Energy");
        let g: Metric<Gauge> = Metric::with_unit("temp_celsius", "Temperature", "celsius");
        let g32: Metric<Gauge<f32>> = Metric::new("volts", "Volts");
        let h: Family<Histogram<Bounds>, 1, 2> = Family::new("lat", "Latency", ["zone"]);
        let hw: Metric<Histogram<Whole>> = Metric::new("sizes", "Sizes");
        let s: Metric<Summary> = Metric::new("work", "Work");
        let info: Info<'_, 1> = Info::new("build", "Build", [("version", "1.2")]);
        let mode: StateSet<3> = StateSet::new("mode", "Mode", ["idle", "busy", "off"]);
        let cb: CallbackGauge<fn() -> f64> = CallbackGauge::new("cb", "Callback", || 2.5);
        let fam: Family<Counter, 1, 4> = Family::new("hits", "Hits", ["path"]);
        let _ = help;
        let mut total = 0;
        for i in &incs {
            counter.inc_by(*i);
            total += i;
        }
        fcounter.inc_by(fcount).unwrap();
        g.set(gauge);
        g32.set(gauge32);
        for o in &obs {
            h.labels(["eu"]).unwrap().observe(*o).unwrap();
            s.observe(*o).unwrap();
        }
        for w in &whole {
            hw.observe(*w).unwrap();
        }
        mode.set(["idle", "busy", "off"][state]).unwrap();
        fam.labels([label.as_str()]).unwrap().inc();
        let mut r: Registry<'_, 12> = Registry::new();
        if !namespace.is_empty() {
            r = r.with_namespace(namespace).unwrap();
        }
        let mut r = r
            .with_const_labels(&[("dev", "d1")])
            .unwrap()
            .with_wall_clock(&CLOCK);
        for m in [
            &counter as &dyn Collect, &fcounter, &g, &g32, &h, &hw, &s, &info, &mode, &cb, &fam,
        ] {
            r.register(m).unwrap();
        }
        let bytes = encode(&r);
        let fams = decode_families(&bytes);
        prop_assert_eq!(fams.len(), 11);
        let p = |n: &str| if namespace.is_empty() { n.to_string() } else { format!("{namespace}_{n}") };
        let dev = pairs(&[("dev", "d1")]);
        let want_created = created(); // the tests enable the core's `created`

        let f = family(&fams, &p("reqs_total"));
        prop_assert_eq!(f.r#type, Some(0));
        prop_assert_eq!(f.help.as_deref(), Some("Requests"));
        prop_assert_eq!(f.metric.len(), 1);
        prop_assert_eq!(labels(&f.metric[0]), dev.clone());
        let c = f.metric[0].counter.clone().unwrap();
        prop_assert_eq!(c.value, Some(total as f64));
        prop_assert_eq!(c.created_timestamp, want_created.clone());

        let f = family(&fams, &p("energy_total"));
        prop_assert_eq!(f.metric[0].counter.clone().unwrap().value, Some(fcount));

        let f = family(&fams, &p("temp_celsius"));
        prop_assert_eq!(f.r#type, Some(1));
        prop_assert_eq!(f.unit.as_deref(), Some("celsius"));
        prop_assert_eq!(f.metric[0].gauge.clone().unwrap().value, Some(gauge));
        let f = family(&fams, &p("volts"));
        // The double of the shortest decimal the text formats write.
        let mut text = String::new();
        r.encode_to(edgeprom::Format::Prometheus, &mut text).unwrap();
        let prefix = format!("{}{{", p("volts"));
        let line = text.lines().find(|l| l.starts_with(&prefix)).unwrap();
        let want: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        let got = f.metric[0].gauge.clone().unwrap().value.unwrap();
        prop_assert_eq!(got, want);
        prop_assert_eq!(got as f32, gauge32);

        let f = family(&fams, &p("lat"));
        prop_assert_eq!(f.r#type, Some(4));
        if obs.is_empty() {
            prop_assert!(f.metric.is_empty());
        } else {
            let m = &f.metric[0];
            prop_assert_eq!(labels(m), pairs(&[("dev", "d1"), ("zone", "eu")]));
            let hist = m.histogram.clone().unwrap();
            let bounds = [0.5, 1.0, 10.0, f64::INFINITY];
            prop_assert_eq!(hist.bucket.len(), 4);
            for (b, bound) in hist.bucket.iter().zip(bounds) {
                prop_assert_eq!(b.upper_bound, Some(bound));
                let want = obs.iter().filter(|o| **o <= bound).count() as u64;
                prop_assert_eq!(b.cumulative_count, Some(want));
            }
            prop_assert_eq!(hist.sample_count, Some(obs.len() as u64));
            let sum: f64 = obs.iter().sum();
            prop_assert!((hist.sample_sum.unwrap() - sum).abs() <= 1e-9 * sum.max(1.0));
            prop_assert_eq!(hist.created_timestamp, want_created.clone()); // stamped by the registry
        }

        let f = family(&fams, &p("sizes"));
        let hist = f.metric[0].histogram.clone().unwrap();
        for (b, bound) in hist.bucket.iter().zip([1.0, 5.0, f64::INFINITY]) {
            let want = whole.iter().filter(|o| (**o as f64) <= bound).count() as u64;
            prop_assert_eq!(b.cumulative_count, Some(want));
            prop_assert_eq!(b.upper_bound, Some(bound));
        }
        prop_assert_eq!(hist.sample_count, Some(whole.len() as u64));
        prop_assert_eq!(hist.sample_sum, Some(whole.iter().sum::<u64>() as f64));
        prop_assert_eq!(hist.created_timestamp, want_created.clone());

        let f = family(&fams, &p("work"));
        prop_assert_eq!(f.r#type, Some(2));
        let sm = f.metric[0].summary.clone().unwrap();
        prop_assert_eq!(sm.sample_count, Some(obs.len() as u64));
        let sum: f64 = obs.iter().sum();
        prop_assert!((sm.sample_sum.unwrap() - sum).abs() <= 1e-9 * sum.max(1.0));
        prop_assert!(sm.quantile.is_empty());
        prop_assert_eq!(sm.created_timestamp, want_created);

        let f = family(&fams, &p("build_info"));
        prop_assert_eq!(f.r#type, Some(1));
        prop_assert_eq!(labels(&f.metric[0]), pairs(&[("dev", "d1"), ("version", "1.2")]));
        prop_assert_eq!(f.metric[0].gauge.clone().unwrap().value, Some(1.0));

        let f = family(&fams, &p("mode"));
        prop_assert_eq!(f.r#type, Some(1));
        prop_assert_eq!(f.metric.len(), 3);
        for (i, (m, st)) in f.metric.iter().zip(["idle", "busy", "off"]).enumerate() {
            let name = p("mode");
            prop_assert_eq!(labels(m), pairs(&[("dev", "d1"), (name.as_str(), st)]));
            let want = if i == state { 1.0 } else { 0.0 };
            prop_assert_eq!(m.gauge.clone().unwrap().value, Some(want));
        }

        let f = family(&fams, &p("cb"));
        prop_assert_eq!(f.metric[0].gauge.clone().unwrap().value, Some(2.5));

        let f = family(&fams, &p("hits_total"));
        prop_assert_eq!(labels(&f.metric[0]), pairs(&[("dev", "d1"), ("path", label.as_str())]));
        prop_assert_eq!(f.metric[0].counter.clone().unwrap().value, Some(1.0));
    }
}

/// A histogram family with many series and buckets: messages longer than 127 bytes (two-byte
/// lengths) at every level, in a buffer and streamed.
#[test]
fn long_messages_at_every_level() {
    edgeprom::buckets!(Many: f64 = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0]);
    let h: Family<Histogram<Many>, 1, 80> = Family::new("big", "A long family", ["k"]);
    for i in 0..80u32 {
        let k = format!("s{i:02}-{}", "x".repeat(i as usize % 28));
        for j in 0..i {
            h.labels([k.as_str()])
                .unwrap()
                .observe(f64::from(j % 17))
                .unwrap();
        }
        h.labels([k.as_str()]).unwrap();
    }
    let mut r: Registry<'_, 1> = Registry::new();
    r.register(&h).unwrap();
    let bytes = encode(&r);
    let fams = decode_families(&bytes);
    assert_eq!(fams.len(), 1);
    assert_eq!(fams[0].metric.len(), 80);
    for (i, m) in fams[0].metric.iter().enumerate() {
        let hist = m.histogram.as_ref().unwrap();
        assert_eq!(hist.sample_count, Some(i as u64));
        assert_eq!(hist.bucket.len(), 16);
        assert_eq!(hist.bucket[15].cumulative_count, Some(i as u64));
    }
    assert!(bytes.len() > 16_384, "{}", bytes.len()); // a three-byte family length
}

/// A collector of one's own: `write_family` with a custom series, and `write_header` with
/// `write_sample` (quantiles and buckets given as strings).
#[test]
fn collectors_of_ones_own() {
    struct Custom;
    struct Quantiles;
    impl edgeprom::Series for Quantiles {
        fn write_samples(
            &self,
            enc: &mut Encoder<'_>,
            desc: &Desc<'_>,
            l: &Labels<'_>,
        ) -> std::fmt::Result {
            enc.write_sample(
                desc,
                "",
                l,
                Some(("quantile", "0.5")),
                SampleValue::Float(3.0),
            )?;
            enc.write_sample(
                desc,
                "",
                l,
                Some(("quantile", "0.99")),
                SampleValue::Float(9.0),
            )?;
            enc.write_sample(desc, "_count", l, None, SampleValue::Unsigned(7))?;
            enc.write_sample(desc, "_sum", l, None, SampleValue::Float(21.0))
        }
    }
    impl Collect for Custom {
        fn desc(&self) -> Desc<'_> {
            Desc::try_new("custom", "Custom", None).unwrap()
        }
        fn metric_type(&self) -> MetricType {
            MetricType::Summary
        }
        fn encode(&self, enc: &mut Encoder<'_>) -> std::fmt::Result {
            let desc = self.desc();
            let labels = Labels::new(&["q"], &["v"]);
            enc.write_family(&desc, MetricType::Summary, |f| f(&labels, &Quantiles))?;
            let other = Desc::try_new("loose", "Loose", None).unwrap();
            enc.write_header(&other, MetricType::Unknown)?;
            enc.write_sample(&other, "", &Labels::EMPTY, None, SampleValue::Signed(-4))
        }
    }
    let mut r: Registry<'_, 1> = Registry::new();
    r.register(&Custom).unwrap();
    let fams = decode_families(&encode(&r));
    assert_eq!(fams.len(), 2);
    let sm = fams[0].metric[0].summary.clone().unwrap();
    assert_eq!(sm.sample_count, Some(7));
    assert_eq!(sm.sample_sum, Some(21.0));
    let q: Vec<_> = sm
        .quantile
        .iter()
        .map(|q| (q.quantile.unwrap(), q.value.unwrap()))
        .collect();
    assert_eq!(q, [(0.5, 3.0), (0.99, 9.0)]);
    assert_eq!(fams[1].name.as_deref(), Some("loose"));
    assert_eq!(fams[1].r#type, Some(3));
    assert_eq!(fams[1].metric[0].untyped.clone().unwrap().value, Some(-4.0));
}
