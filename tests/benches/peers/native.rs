//! Workload 7: native histograms and the protobuf exposition.
//!
//! - observe: edgeprom's `NativeHistogram<f64, 160>` beside its classic `Histogram` (the 14
//!   default buckets, workload 4) and `prometheus-client`'s native histogram
//!   (`Histogram::new_native`, schema 8 and at most 160 buckets, as edgeprom's), the same
//!   1,024 values (which span 11 powers of two: both drop to schema 3 at the first batch);
//! - encode: the scrape registry (workload 5) as the protobuf exposition
//!   (`Registry::encode_protobuf`) beside its text encode, both into a reused buffer: time,
//!   bytes and heap allocations per encode.

use std::hint::black_box;

use edgeprom::{Format, Histogram, Metric, NativeHistogram, Registry};
use prometheus_client::metrics::histogram::{Histogram as PcHistogram, NativeHistogramConfig};

use crate::alloc;
use crate::harness::{self, Config};
use crate::inputs::VALUES;
use crate::with_edgeprom;

static CLASSIC: Metric<Histogram> = Metric::new("bench_classic_seconds", "Classic");
static NATIVE: Metric<NativeHistogram<f64, 160>> = Metric::new("bench_native_seconds", "Native");

/// One line of the workload's table.
pub struct Line {
    pub label: &'static str,
    /// Median time of one operation.
    pub nanos: f64,
    /// Bytes produced (encodes only).
    pub bytes: Option<usize>,
    /// Heap allocations per operation (encodes only).
    pub allocations: Option<f64>,
}

/// `n` observations of `values` in turn through `f` (monomorphised: no indirect call per op).
fn observing<F: Fn(f64)>(values: &'static [f64], f: F) -> impl FnMut(u64) {
    move |n| {
        let values = black_box(values);
        for i in 0..n as usize {
            f(values[i & (VALUES - 1)]);
        }
    }
}

/// Measures the three observes in the same rounds, then the two encodes in theirs.
pub fn measure(values: &'static [f64], cfg: &Config) -> Vec<Line> {
    let peer = PcHistogram::new_native(NativeHistogramConfig::with_schema(8).max_buckets(160));
    let classic = |v| {
        let _ = CLASSIC.observe(v);
    };
    let native = |v| {
        let _ = NATIVE.observe(v);
    };
    let pc = |v| peer.observe(v);
    let (mut a, mut b, mut c) = (
        observing(values, classic),
        observing(values, native),
        observing(values, &pc),
    );
    let observes = harness::measure_runs(vec![&mut a, &mut b, &mut c], cfg);

    let registry: Registry<'static, 16> = with_edgeprom::scrape_registry(values);
    let mut text = vec![0u8; 1 << 20];
    let mut proto = vec![0u8; registry.protobuf_len().expect("the registry encodes")];
    let (mut text_len, mut proto_len) = (0, 0);
    let mut run_text = |n: u64| {
        for _ in 0..n {
            text_len = registry
                .encode(Format::Prometheus, &mut text)
                .expect("1 MiB");
        }
    };
    let mut run_proto = |n: u64| {
        for _ in 0..n {
            proto_len = registry.encode_protobuf(&mut proto).expect("sized");
        }
    };
    let encodes = harness::measure_runs(vec![&mut run_text, &mut run_proto], cfg);
    const ENCODES: u64 = 20;
    let allocs = [
        alloc::per_op(&mut run_text, ENCODES),
        alloc::per_op(&mut run_proto, ENCODES),
    ];

    let observe_labels = [
        "edgeprom Histogram::observe (14 buckets)",
        "edgeprom NativeHistogram::observe",
        "prometheus-client native observe",
    ];
    let mut lines: Vec<Line> = observe_labels
        .into_iter()
        .zip(observes)
        .map(|(label, nanos)| Line {
            label,
            nanos,
            bytes: None,
            allocations: None,
        })
        .collect();
    for (((label, bytes), nanos), allocations) in [
        ("edgeprom encode: text 0.0.4", text_len),
        ("edgeprom encode: protobuf exposition", proto_len),
    ]
    .into_iter()
    .zip(encodes)
    .zip(allocs)
    {
        lines.push(Line {
            label,
            nanos,
            bytes: Some(bytes),
            allocations: Some(allocations),
        });
    }
    lines
}

/// Prints the table: observes against edgeprom's classic observe, the protobuf encode
/// against the text encode.
pub fn print(lines: &[Line]) {
    println!("native histograms and the protobuf exposition (time per op, ratio to the first of its kind):");
    println!(
        "| {:<42} | {:>16} | {:>9} | {:>6} |",
        "workload", "time", "bytes", "allocs"
    );
    println!(
        "|{}|{}:|{}:|{}:|",
        "-".repeat(44),
        "-".repeat(17),
        "-".repeat(10),
        "-".repeat(7)
    );
    let (observes, encodes) = lines.split_at(lines.len().min(3));
    for group in [observes, encodes] {
        let Some(first) = group.first() else { continue };
        for l in group {
            let (time, unit) = if l.nanos >= 1e4 {
                (l.nanos / 1e3, "us")
            } else {
                (l.nanos, "ns")
            };
            println!(
                "| {:<42} | {:>8.1} {unit} {:>4.2}x | {:>9} | {:>6} |",
                l.label,
                time,
                l.nanos / first.nanos,
                l.bytes.map_or("-".to_owned(), |b| b.to_string()),
                l.allocations.map_or("-".to_owned(), |a| a.to_string()),
            );
        }
    }
    if let [classic, native, peer, ..] = lines {
        println!(
            "- native observe / classic observe = {:.2}x (goal <= 1x): {}",
            native.nanos / classic.nanos,
            if native.nanos <= classic.nanos {
                "met"
            } else {
                "MISSED"
            }
        );
        println!(
            "- native observe / prometheus-client's = {:.2}x (goal < 1x): {}",
            native.nanos / peer.nanos,
            if native.nanos < peer.nanos {
                "met"
            } else {
                "MISSED"
            }
        );
    }
    if let Some(proto) = lines.get(4) {
        println!(
            "- protobuf encode allocations: {} per encode (goal 0): {}",
            proto.allocations.unwrap_or(f64::NAN),
            if proto.allocations == Some(0.0) {
                "met"
            } else {
                "MISSED"
            }
        );
    }
}
