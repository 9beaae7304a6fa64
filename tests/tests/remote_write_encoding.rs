//! The core's remote write encoding, decoded with the reference decoders (`snap`, `prost`
//! with messages mirroring Prometheus' prompb): every series, label order, values,
//! timestamps, metadata, and the exact length when families change between the passes.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use edgeprom::encode::remote_write::{snappy_len, ByteWrite, RemoteWrite};
use edgeprom::{
    Collect, Counter, Desc, Encoder, Family, Gauge, Histogram, Info, Labels, Metric, MetricType,
    Registry, SampleValue, StateSet, Summary,
};
use edgeprom_tests::prompb::{decode_body, WriteRequest};
use prost::Message;

edgeprom::buckets!(Small: u64 = [1, 5]);

const T: Duration = Duration::from_millis(1_700_000_000_123);

fn decode_plain(bytes: &[u8]) -> WriteRequest {
    WriteRequest::decode(bytes).expect("a valid WriteRequest")
}

/// The series as `name{labels} value`, labels in the order sent.
fn lines(req: &WriteRequest) -> Vec<String> {
    req.timeseries
        .iter()
        .map(|ts| {
            assert_eq!(ts.samples.len(), 1);
            assert_eq!(ts.samples[0].timestamp, 1_700_000_000_123);
            let labels: Vec<String> = ts.pairs().iter().map(|(n, v)| format!("{n}={v}")).collect();
            format!("{} {:?}", labels.join(","), ts.samples[0].value)
        })
        .collect()
}

#[test]
fn every_series_with_sorted_labels_and_its_value() {
    static REQS: Family<Counter, 2, 4> = Family::new("reqs", "Requests", ["path", "Code"]);
    static TEMP: Metric<Gauge> = Metric::new("temp", "Temperature");
    static LAT: Family<Histogram<Small>, 1, 2> = Family::new("lat", "Latency", ["zone"]);
    static SIZES: Metric<Summary> = Metric::new("sizes", "Sizes");
    static BUILD: Info<'static, 1> = Info::new("build", "Build", [("version", "1.2")]);
    static MODE: StateSet<2> = StateSet::new("mode", "Mode", ["idle", "busy"]);
    REQS.labels(["/a", "200"]).unwrap().inc_by(3);
    REQS.labels(["/b", ""]).unwrap().inc();
    TEMP.set(-2.5);
    LAT.labels(["eu"]).unwrap().observe(3).unwrap();
    LAT.labels(["eu"]).unwrap().observe(9).unwrap();
    SIZES.observe(0.5).unwrap();
    MODE.set("busy").unwrap();
    let mut r: Registry<'_, 8> = Registry::new()
        .with_namespace("dev")
        .unwrap()
        .with_const_labels(&[("zz", "last"), ("a", "first")])
        .unwrap();
    for m in [&REQS as &dyn Collect, &TEMP, &LAT, &SIZES, &BUILD, &MODE] {
        r.register(m).unwrap();
    }
    let request = RemoteWrite::at(T);
    let mut buf = vec![0u8; 4096];
    let n = r.encode_remote_write(&request, &mut buf).unwrap();
    assert_eq!(r.remote_write_len(&request), Ok(n));
    let req = decode_plain(&buf[..n]);
    let got = lines(&req);
    let want = [
        // `Code` < `__name__` < `a` < `path` < `zz` in byte order; an empty value is left out.
        "Code=200,__name__=dev_reqs_total,a=first,path=/a,zz=last 3.0",
        "__name__=dev_reqs_total,a=first,path=/b,zz=last 1.0",
        "__name__=dev_temp,a=first,zz=last -2.5",
        "__name__=dev_lat_bucket,a=first,le=1.0,zone=eu,zz=last 0.0",
        "__name__=dev_lat_bucket,a=first,le=5.0,zone=eu,zz=last 1.0",
        "__name__=dev_lat_bucket,a=first,le=+Inf,zone=eu,zz=last 2.0",
        "__name__=dev_lat_count,a=first,zone=eu,zz=last 2.0",
        "__name__=dev_lat_sum,a=first,zone=eu,zz=last 12.0",
        "__name__=dev_sizes_count,a=first,zz=last 1.0",
        "__name__=dev_sizes_sum,a=first,zz=last 0.5",
        "__name__=dev_build_info,a=first,version=1.2,zz=last 1.0",
        "__name__=dev_mode,a=first,dev_mode=idle,zz=last 0.0",
        "__name__=dev_mode,a=first,dev_mode=busy,zz=last 1.0",
    ];
    assert_eq!(got, want);
    for ts in &req.timeseries {
        let names: Vec<&str> = ts.labels.iter().map(|l| l.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
    }
    assert!(req.metadata.is_empty());

    // The same request in a literal snappy block, decoded as a receiver does.
    let mut block = vec![0u8; 4096];
    let m = r.encode_remote_write_snappy(&request, &mut block).unwrap();
    assert_eq!(m, snappy_len(n));
    assert_eq!(r.remote_write_snappy_len(&request), Ok(m));
    assert_eq!(decode_body(&block[..m]).unwrap(), req);
    // And compressed by `snap`, the std adapter's way: the same request.
    let compressed = snap::raw::Encoder::new().compress_vec(&buf[..n]).unwrap();
    assert_eq!(decode_body(&compressed).unwrap(), req);
}

#[test]
fn metadata_names_types_help_and_unit() {
    static UP: Metric<Counter> = Metric::with_unit("up_seconds", "Up \"time\"", "seconds");
    static H: Metric<Histogram> = Metric::new("h", "A histogram");
    let mut r: Registry<'_, 2> = Registry::new();
    r.register(&UP).unwrap();
    r.register(&H).unwrap();
    let request = RemoteWrite::at(T).with_metadata(true);
    let mut buf = vec![0u8; 8192];
    let n = r.encode_remote_write(&request, &mut buf).unwrap();
    let req = decode_plain(&buf[..n]);
    let meta: Vec<(i32, &str, &str, &str)> = req
        .metadata
        .iter()
        .map(|m| {
            (
                m.r#type,
                m.metric_family_name.as_str(),
                m.help.as_str(),
                m.unit.as_str(),
            )
        })
        .collect();
    assert_eq!(
        meta,
        [
            (1, "up_seconds_total", "Up \"time\"", "seconds"),
            (3, "h", "A histogram", "")
        ]
    );
    let bounds = <edgeprom::DefaultBuckets as edgeprom::Buckets>::BOUNDS.len();
    assert_eq!(req.timeseries.len(), 1 + bounds + 1 + 2);
}

#[test]
fn buffer_too_small_tells_the_size_and_a_failing_collector_fails() {
    static C: Metric<Counter> = Metric::new("c", "c");
    let mut r: Registry<'_, 2> = Registry::new();
    r.register(&C).unwrap();
    let request = RemoteWrite::at(T);
    let n = r.remote_write_len(&request).unwrap();
    for short in [0, 1, n - 1] {
        let mut buf = vec![0u8; short];
        assert_eq!(
            r.encode_remote_write(&request, &mut buf),
            Err(edgeprom::EncodeError::BufferTooSmall { needed: n })
        );
        assert_eq!(
            r.encode_remote_write_snappy(&request, &mut buf),
            Err(edgeprom::EncodeError::BufferTooSmall {
                needed: snappy_len(n)
            })
        );
    }
    /// Writes text, which has no place in a protobuf request.
    struct Raw;
    impl Collect for Raw {
        fn desc(&self) -> Desc<'_> {
            Desc::try_new("raw", "raw", None).unwrap()
        }
        fn metric_type(&self) -> MetricType {
            MetricType::Gauge
        }
        fn encode(&self, enc: &mut Encoder<'_>) -> fmt::Result {
            enc.write_raw("raw 1\n")
        }
    }
    r.register(&Raw).unwrap();
    assert_eq!(
        r.remote_write_len(&request),
        Err(edgeprom::EncodeError::Write)
    );
}

/// A literal snappy block written into a buffer: in one pass when the buffer has room for the
/// longest preamble too (the request itself after its preamble), measured and written when it
/// fits only exactly; the same request either way, as long as announced.
#[test]
fn a_snappy_block_in_a_buffer_is_the_request_after_its_preamble() {
    static F: Family<Counter, 1, 64> = Family::new("blocks", "b", ["id"]);
    for i in 0..40 {
        F.labels([format!("id-{i:03}").as_str()]).unwrap().inc_by(i);
    }
    let mut r: Registry<'_, 1> = Registry::new();
    r.register(&F).unwrap();
    let request = RemoteWrite::at(T);
    let mut proto = vec![0u8; 8192];
    let n = r.encode_remote_write(&request, &mut proto).unwrap();
    let want = decode_plain(&proto[..n]);
    let total = snappy_len(n);
    let preamble = total - n;
    assert!(
        n > 0x100 && preamble == 3 + 2,
        "a 2-byte varint, a tag and 2 bytes of length"
    );
    for room in [
        total,
        total + 1,
        total + 9,
        total + 10,
        total + 15,
        total + 4096,
    ] {
        let mut block = vec![0xeeu8; room];
        let m = r.encode_remote_write_snappy(&request, &mut block).unwrap();
        assert_eq!(m, total, "room {room}");
        assert_eq!(decode_body(&block[..m]).unwrap(), want, "room {room}");
        // Literal-only: the request's own bytes follow the preamble.
        assert_eq!(&block[preamble..m], &proto[..n], "room {room}");
    }
    for short in [total - 1, total - 5, 15, 14, 0] {
        let mut block = vec![0u8; short];
        assert_eq!(
            r.encode_remote_write_snappy(&request, &mut block),
            Err(edgeprom::EncodeError::BufferTooSmall { needed: total }),
            "room {short}"
        );
    }
}

/// A sink that runs `between` before its first write (after the first pass measured).
struct Between<'a> {
    bytes: Vec<u8>,
    between: Option<Box<dyn FnOnce() + 'a>>,
}

impl ByteWrite for Between<'_> {
    fn write_bytes(&mut self, b: &[u8]) -> fmt::Result {
        if let Some(f) = self.between.take() {
            f();
        }
        self.bytes.extend_from_slice(b);
        Ok(())
    }
}

fn stream<const N: usize>(
    r: &Registry<'_, N>,
    request: &RemoteWrite,
    between: impl FnOnce(),
) -> (usize, Vec<u8>) {
    let len = r.remote_write_len(request).unwrap();
    let mut sink = Between {
        bytes: Vec::new(),
        between: Some(Box::new(between)),
    };
    let n = r
        .write_remote_write_snappy(request, len, &mut sink)
        .unwrap();
    assert_eq!(n, snappy_len(len));
    assert_eq!(sink.bytes.len(), n, "exactly the announced length");
    (len, sink.bytes)
}

#[test]
fn a_series_gained_between_the_passes_waits_for_the_next_request() {
    static F: Family<Counter, 1, 8> = Family::new("gained", "g", ["k"]);
    static G: Metric<Gauge> = Metric::new("after", "a");
    F.labels(["a"]).unwrap().inc();
    G.set(7.0);
    let mut r: Registry<'_, 2> = Registry::new();
    r.register(&F).unwrap();
    r.register(&G).unwrap();
    let request = RemoteWrite::at(T);
    // Values change between the passes (the length does not), and a series appears.
    let (_, body) = stream(&r, &request, || {
        F.labels(["a"]).unwrap().inc_by(1_000_000);
        F.labels(["b"]).unwrap().inc();
        G.set(1e300);
    });
    let got = lines(&decode_body(&body).unwrap());
    assert_eq!(
        got,
        [
            "__name__=gained_total,k=a 1000001.0",
            // `k=b` does not fit what was measured, and `after` does.
            "__name__=after 1e300",
        ]
    );
    let (_, body) = stream(&r, &request, || {});
    assert_eq!(decode_body(&body).unwrap().timeseries.len(), 3);
}

/// A gauge family whose series count the test sets: series that go away between the passes.
struct Shrinking {
    series: AtomicUsize,
}

impl Collect for Shrinking {
    fn desc(&self) -> Desc<'_> {
        Desc::try_new("shrinking", "s", None).unwrap()
    }
    fn metric_type(&self) -> MetricType {
        MetricType::Gauge
    }
    fn label_name(&self, i: usize) -> Option<&str> {
        ["i"].get(i).copied()
    }
    fn encode(&self, enc: &mut Encoder<'_>) -> fmt::Result {
        let desc = self.desc();
        enc.write_header(&desc, MetricType::Gauge)?;
        const VALUES: [&str; 40] = [
            "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15",
            "16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29",
            "30", "31", "32", "33", "34", "35", "36", "37", "38", "39",
        ];
        for v in VALUES.iter().take(self.series.load(Ordering::Relaxed)) {
            let values = [*v];
            let labels = Labels::new(&["i"], &values);
            enc.write_sample(&desc, "", &labels, None, SampleValue::Unsigned(1))?;
        }
        Ok(())
    }
}

#[test]
fn series_that_go_away_leave_padding_that_decoders_skip() {
    // From one series less to all gone: short and long paddings.
    for (before, after) in [(2, 1), (10, 3), (40, 0), (40, 39)] {
        let s = Shrinking {
            series: AtomicUsize::new(before),
        };
        let mut r: Registry<'_, 1> = Registry::new();
        r.register(&s).unwrap();
        let (_, body) = stream(&r, &RemoteWrite::at(T), || {
            s.series.store(after, Ordering::Relaxed)
        });
        let req = decode_body(&body).unwrap();
        assert_eq!(req.timeseries.len(), after, "{before} -> {after}");
    }
}

/// Series with up to 24 labels, on both sides of the 16 the encoder sorts on the stack (past
/// that it sorts by scanning): every label arrives once, in byte order of name, with its value.
#[test]
fn labels_sorted_and_complete_on_both_sides_of_the_stack_order() {
    static HITS: Family<Counter, 2, 2> = Family::new("hits", "Hits", ["m", "Z"]);
    static LAT: Family<Histogram<Small>, 1, 2> = Family::new("lat", "Latency", ["zone"]);
    HITS.labels(["get", "z"]).unwrap().inc_by(2);
    LAT.labels(["eu"]).unwrap().observe(3).unwrap();
    // Constant label names in a scrambled order: `l07`, `b14`, `x01`, ...
    let names: Vec<String> = (0..21)
        .map(|i: u32| {
            let letter = char::from(b'a' + ((i * 7 + 3) % 26) as u8);
            format!("{letter}{:02}", (i * 13) % 21)
        })
        .collect();
    for k in 0..=names.len() {
        let consts: Vec<(&str, &str)> = names[..k].iter().map(|n| (n.as_str(), "v")).collect();
        let mut r: Registry<'_, 2> = Registry::new().with_const_labels(&consts).unwrap();
        r.register(&HITS).unwrap();
        r.register(&LAT).unwrap();
        let request = RemoteWrite::at(T);
        let mut buf = vec![0u8; 16 << 10];
        let n = r.encode_remote_write(&request, &mut buf).unwrap();
        let req = decode_plain(&buf[..n]);
        assert_eq!(req.timeseries.len(), 1 + 3 + 2, "{k} constant labels");
        for ts in &req.timeseries {
            let got: Vec<&str> = ts.labels.iter().map(|l| l.name.as_str()).collect();
            let mut want: Vec<&str> = consts.iter().map(|(n, _)| *n).collect();
            want.push("__name__");
            let name = ts.label("__name__").unwrap();
            if name == "hits_total" {
                want.extend(["m", "Z"]);
            } else {
                want.push("zone");
                if name == "lat_bucket" {
                    want.push("le");
                }
            }
            want.sort_unstable();
            assert_eq!(got, want, "{k} constant labels, {name}");
            for (c, _) in &consts {
                assert_eq!(ts.label(c), Some("v"));
            }
        }
    }
}

/// A request written in place into a buffer (on hosts: the shapes' runs, buckets copied from
/// the one before) decodes to the same request as the one streamed into a sink (every label
/// looked up and sorted per series): over histograms of several series and bounds whose `le`
/// texts differ in length, summaries, state sets, info, and families in between.
#[test]
fn written_in_place_and_streamed_agree() {
    edgeprom::buckets!(Wide: f64 = [0.005, 0.5, 1.0, 2.5, 10.0, 123456.789, 1e6]);
    static H: Family<Histogram<Wide>, 2, 4> = Family::new("lat", "Latency", ["zone", "a"]);
    static C: Family<Counter, 1, 4> = Family::new("reqs", "Requests", ["path"]);
    static S: Metric<Summary> = Metric::new("sizes", "Sizes");
    static MODE: StateSet<3> = StateSet::new("mode", "Mode", ["idle", "busy", "off"]);
    static BUILD: Info<'static, 2> = Info::new("build", "Build", [("version", "1"), ("z", "")]);
    // Series of one family whose values have the lengths of the one before are copies of
    // it with the values replaced (on hosts); others, and a series longer than 127 bytes
    // (a two-byte length), are written label by label.
    static R: Family<Counter, 2, 8> = Family::new("hits", "Hits", ["id", "host"]);
    let long: String = "v".repeat(120);
    let hit_labels = [
        ("0001", "h1"),
        ("0002", "h1"),
        ("0003", "h22"),
        ("0004", "h3"),
        ("0005", long.as_str()),
        ("0006", "h4"),
        ("0007", ""),
        ("0008", ""),
    ];
    for (i, (id, host)) in hit_labels.into_iter().enumerate() {
        R.labels([id, host]).unwrap().inc_by(i as u64 + 1);
    }
    for (zone, a) in [
        ("eu", "x"),
        ("us-east-1", ""),
        ("ap", "a-much-longer-label-value"),
        ("us", "y"),
    ] {
        let h = H.labels([zone, a]).unwrap();
        for v in [0.001, 0.7, 3.0, 9e5, 2e6] {
            h.observe(v * zone.len() as f64).unwrap();
        }
    }
    C.labels(["/"]).unwrap().inc_by(5);
    C.labels(["/long/path/to/something"]).unwrap().inc();
    S.observe(3.5).unwrap();
    MODE.set("busy").unwrap();
    let mut r: Registry<'_, 8> = Registry::new()
        .with_namespace("ns")
        .unwrap()
        .with_const_labels(&[("zz", "z"), ("b", "bee"), ("empty", "")])
        .unwrap();
    for m in [&H as &dyn Collect, &R, &C, &S, &MODE, &BUILD] {
        r.register(m).unwrap();
    }
    let request = RemoteWrite::at(T).with_metadata(true);
    let mut buf = vec![0u8; 16 << 10];
    let n = r.encode_remote_write(&request, &mut buf).unwrap();
    let in_place = decode_plain(&buf[..n]);
    let (len, body) = stream(&r, &request, || {});
    assert_eq!(len, n, "both measure the same request");
    assert_eq!(decode_body(&body).unwrap(), in_place);
    // And what was recorded is there: 4 series x (8 buckets + count + sum), and the rest.
    let buckets: Vec<_> = in_place
        .timeseries
        .iter()
        .filter(|ts| ts.label("__name__") == Some("ns_lat_bucket"))
        .collect();
    assert_eq!(buckets.len(), 4 * 8);
    for ts in &buckets {
        let names: Vec<&str> = ts.labels.iter().map(|l| l.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted, "sorted, each once");
    }
    let inf: Vec<f64> = buckets
        .iter()
        .filter(|ts| ts.label("le") == Some("+Inf"))
        .map(|ts| ts.samples[0].value)
        .collect();
    assert_eq!(inf, [5.0, 5.0, 5.0, 5.0]);
    let hits: Vec<(String, String, f64)> = in_place
        .timeseries
        .iter()
        .filter(|ts| ts.label("__name__") == Some("ns_hits_total"))
        .map(|ts| {
            let l = |n| ts.label(n).unwrap_or("").to_string();
            (l("id"), l("host"), ts.samples[0].value)
        })
        .collect();
    let want: Vec<(String, String, f64)> = hit_labels
        .iter()
        .enumerate()
        .map(|(i, (id, host))| (id.to_string(), host.to_string(), i as f64 + 1.0))
        .collect();
    assert_eq!(hits, want, "every value in its series");
}
