//! Workload 6, edgeprom only (no peer writes remote write): the scrape workload's registry
//! as a remote write 1.0 request, beside its Prometheus text encode, timed in the same rounds.
//!
//! - text: `Registry::encode(Format::Prometheus)` into a reused buffer (workload 5);
//! - protobuf: `Registry::encode_remote_write`, the uncompressed `WriteRequest`;
//! - literal snappy: `Registry::encode_remote_write_snappy`, what a firmware sends (a
//!   literal-only snappy block: no compression, no heap; one pass, the buffer having room for
//!   the longest preamble);
//! - protobuf + snap: the protobuf, then `snap::raw::Encoder::compress` into a reused buffer,
//!   what `edgeprom_std::RemoteWriteClient` sends.
//!
//! Samples per request: the text's sample lines, the request's `TimeSeries` (one sample each).

use std::time::Duration;

use edgeprom::encode::remote_write::RemoteWrite;
use edgeprom::{Format, Registry};

use crate::alloc;
use crate::harness::{self, Config};
use crate::with_edgeprom;

/// One line of the remote-write table.
pub struct Line {
    pub label: &'static str,
    /// Median time of one request (or one text encode).
    pub nanos: f64,
    /// Bytes it produced (the body on the wire).
    pub bytes: usize,
    /// Samples it carries.
    pub samples: usize,
    /// Heap allocations per request.
    pub allocations: f64,
}

/// A buffer large enough for any of the encodings, written through `f` (which returns the
/// length or the length needed).
fn sized(mut f: impl FnMut(&mut [u8]) -> Result<usize, usize>) -> Vec<u8> {
    let mut buf = Vec::new();
    loop {
        match f(&mut buf) {
            Ok(_) => return buf,
            Err(needed) => buf.resize(needed * 2, 0),
        }
    }
}

fn needed(e: edgeprom::EncodeError) -> usize {
    match e {
        edgeprom::EncodeError::BufferTooSmall { needed } => needed,
        other => panic!("remote-write bench: {other:?}"),
    }
}

/// Samples in a text document: lines that are not comments.
fn text_samples(text: &[u8]) -> usize {
    text.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty() && l[0] != b'#')
        .count()
}

/// Measures the four encodings of the scrape registry in the same rounds.
pub fn measure(values: &[f64], cfg: &Config) -> Vec<Line> {
    let registry: Registry<'static, 16> = with_edgeprom::scrape_registry(values);
    let request = RemoteWrite::at(Duration::from_millis(1_700_000_000_123));

    let mut text = sized(|b| registry.encode(Format::Prometheus, b).map_err(needed));
    let mut proto = sized(|b| registry.encode_remote_write(&request, b).map_err(needed));
    let mut literal = sized(|b| {
        registry
            .encode_remote_write_snappy(&request, b)
            .map_err(needed)
    });
    let mut scratch = proto.clone();
    let mut compressed = vec![0u8; snap::raw::max_compress_len(proto.len())];
    let mut snap_encoder = snap::raw::Encoder::new();

    let mut text_len = 0;
    let mut proto_len = 0;
    let mut literal_len = 0;
    let mut compressed_len = 0;
    let mut run_text = |n: u64| {
        for _ in 0..n {
            text_len = registry
                .encode(Format::Prometheus, &mut text)
                .expect("sized");
        }
    };
    let mut run_proto = |n: u64| {
        for _ in 0..n {
            proto_len = registry
                .encode_remote_write(&request, &mut proto)
                .expect("sized");
        }
    };
    let mut run_literal = |n: u64| {
        for _ in 0..n {
            literal_len = registry
                .encode_remote_write_snappy(&request, &mut literal)
                .expect("sized");
        }
    };
    let mut run_snap = |n: u64| {
        for _ in 0..n {
            let len = registry
                .encode_remote_write(&request, &mut scratch)
                .expect("sized");
            compressed_len = snap_encoder
                .compress(&scratch[..len], &mut compressed)
                .expect("the output has max_compress_len bytes");
        }
    };
    let medians = harness::measure_runs(
        vec![
            &mut run_text,
            &mut run_proto,
            &mut run_literal,
            &mut run_snap,
        ],
        cfg,
    );
    const REQUESTS: u64 = 20;
    let allocs = [
        alloc::per_op(&mut run_text, REQUESTS),
        alloc::per_op(&mut run_proto, REQUESTS),
        alloc::per_op(&mut run_literal, REQUESTS),
        alloc::per_op(&mut run_snap, REQUESTS),
    ];
    let series = edgeprom_tests::prompb::decode_body(&literal[..literal_len])
        .expect("the literal snappy request decodes")
        .timeseries
        .len();
    let samples = text_samples(&text[..text_len]);
    let lines = [
        ("text 0.0.4 (workload 5)", text_len, samples),
        ("remote write: protobuf", proto_len, series),
        (
            "remote write: literal snappy (firmware)",
            literal_len,
            series,
        ),
        (
            "remote write: protobuf + snap (std client)",
            compressed_len,
            series,
        ),
    ];
    lines
        .into_iter()
        .zip(medians)
        .zip(allocs)
        .map(|(((label, bytes, samples), nanos), allocations)| Line {
            label,
            nanos,
            bytes,
            samples,
            allocations,
        })
        .collect()
}

/// Prints the table and the two goals, ratios against the text line.
pub fn print(lines: &[Line]) {
    println!(
        "remote write, edgeprom only (the scrape registry; time and bytes per request, and per \
         sample):"
    );
    println!(
        "| {:<42} | {:>16} | {:>9} | {:>9} | {:>13} | {:>11} | {:>6} |",
        "encoding", "time", "ns/sample", "bytes", "bytes/sample", "samples", "allocs"
    );
    println!(
        "|{}|{}:|{}:|{}:|{}:|{}:|{}:|",
        "-".repeat(44),
        "-".repeat(17),
        "-".repeat(10),
        "-".repeat(10),
        "-".repeat(14),
        "-".repeat(12),
        "-".repeat(7)
    );
    let Some(text) = lines.first() else {
        return;
    };
    let per_sample = |l: &Line| l.bytes as f64 / l.samples as f64;
    for l in lines {
        println!(
            "| {:<42} | {:>8.1} us {:>4.2}x | {:>9.1} | {:>9} | {:>6.1} {:>5.2}x | {:>11} | {:>6} |",
            l.label,
            l.nanos / 1e3,
            l.nanos / text.nanos,
            l.nanos / l.samples as f64,
            l.bytes,
            per_sample(l),
            per_sample(l) / per_sample(text),
            l.samples,
            l.allocations
        );
    }
    if let Some(std_client) = lines.get(3) {
        let time = std_client.nanos / text.nanos;
        let bytes = per_sample(std_client) / per_sample(text);
        println!(
            "- remote write encode + compress / text encode = {time:.2}x (target <= 2x): {}",
            if time <= 2.0 { "met" } else { "MISSED" }
        );
        println!(
            "- remote write wire bytes per sample / text's = {bytes:.2}x (target <= 0.5x): {}",
            if bytes <= 0.5 { "met" } else { "MISSED" }
        );
    }
}

/// `--profile remote_write`: the protobuf encode of the scrape registry `rounds` times, untimed.
pub fn profile(values: &[f64], rounds: usize) {
    let registry: Registry<'static, 16> = with_edgeprom::scrape_registry(values);
    let request = RemoteWrite::at(Duration::from_millis(1_700_000_000_123));
    let mut proto = sized(|b| registry.encode_remote_write(&request, b).map_err(needed));
    for _ in 0..rounds {
        let _ = registry.encode_remote_write(&request, &mut proto);
    }
}

/// `--profile remote_write_snap`: the protobuf encode and its `snap` compression, `rounds`
/// times, untimed.
pub fn profile_snap(values: &[f64], rounds: usize) {
    let registry: Registry<'static, 16> = with_edgeprom::scrape_registry(values);
    let request = RemoteWrite::at(Duration::from_millis(1_700_000_000_123));
    let mut proto = sized(|b| registry.encode_remote_write(&request, b).map_err(needed));
    let mut compressed = vec![0u8; snap::raw::max_compress_len(proto.len())];
    let mut encoder = snap::raw::Encoder::new();
    for _ in 0..rounds {
        if let Ok(len) = registry.encode_remote_write(&request, &mut proto) {
            let _ = encoder.compress(&proto[..len], &mut compressed);
        }
    }
}
