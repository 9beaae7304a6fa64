//! The binary encoders' oracle: a remote write request and a protobuf exposition, decoded by
//! prost (with the message definitions the integration tests check against Prometheus'
//! `.proto` files) and snap, flattened into the samples a Prometheus text scrape of the same
//! registry reads, so that the strictly checked text document is the reference.
//!
//! A sample is its name, its labels sorted by name (`le` and `quantile` values as the numbers
//! they are: the text writes `1.0`, protobuf a double), and its value's bits (every NaN as
//! one). A `_created` sample is the protobuf timestamp written as the text writes it.

use edgeprom::encode::remote_write::RemoteWrite;
use edgeprom::encode::ByteWrite;
use edgeprom::{EncodeError, Registry};
use prost::Message;

use crate::client_model::{MetricFamily, Timestamp};
use crate::exposition::{self, Document};
use crate::prompb::WriteRequest;

/// One sample, comparable across formats.
pub type Key = (String, Vec<(String, String)>, u64);

fn bits(v: f64) -> u64 {
    if v.is_nan() {
        f64::NAN.to_bits()
    } else {
        v.to_bits()
    }
}

fn key(name: &str, labels: impl IntoIterator<Item = (String, String)>, value: f64) -> Key {
    let mut labels: Vec<(String, String)> = labels
        .into_iter()
        .map(|(n, v)| match n.as_str() {
            "le" | "quantile" => {
                let number = exposition::number(&v).unwrap_or(f64::NAN);
                (n, format!("{number:?}"))
            }
            _ => (n, v),
        })
        .collect();
    labels.sort();
    (name.to_owned(), labels, bits(value))
}

/// Whether the text family at `index` holds the `_created` samples of another family (in
/// Prometheus text a gauge family `<name>_created` right after it).
fn is_created_family(doc: &Document, index: usize) -> bool {
    let Some(created) = doc.families.get(index) else {
        return false;
    };
    let Some(base) = created.name.strip_suffix("_created") else {
        return false;
    };
    // A counter's family is named `<base>_total` in Prometheus text; a histogram's or a
    // summary's `<base>` (which may itself end in `_total`).
    let before = index.checked_sub(1).and_then(|i| doc.families.get(i));
    before.is_some_and(|f| match f.ty.as_str() {
        "counter" => f.name.strip_suffix("_total") == Some(base),
        "histogram" | "summary" => f.name == base,
        _ => false,
    })
}

/// The samples of a checked text document: all of them (`remote_write` false), or those a
/// remote write request carries (no `_created` samples, no labels with an empty value, as
/// the remote write encoder documents and Prometheus stores them).
pub fn of_text(doc: &Document, remote_write: bool) -> Vec<Key> {
    let mut out: Vec<Key> = doc
        .samples
        .iter()
        .filter(|s| !(remote_write && is_created_family(doc, s.family)))
        .map(|s| {
            let labels = s.labels.iter().cloned();
            let labels = labels.filter(|(_, v)| !(remote_write && v.is_empty()));
            key(&s.name, labels, s.value)
        })
        .collect();
    out.sort();
    out
}

/// The samples of a remote write request (one sample per series, stamped `timestamp_ms`).
pub fn of_remote_write(req: &WriteRequest, timestamp_ms: i64) -> Vec<Key> {
    let mut out = Vec::new();
    for ts in &req.timeseries {
        let name = ts
            .label("__name__")
            .unwrap_or_else(|| panic!("{ts:?}: no __name__"));
        assert!(
            ts.labels.windows(2).all(|w| w[0].name < w[1].name),
            "{ts:?}: labels not sorted, or one twice"
        );
        assert_eq!(ts.samples.len(), 1, "{ts:?}");
        let sample = &ts.samples[0];
        assert_eq!(sample.timestamp, timestamp_ms, "{ts:?}");
        let labels = ts
            .labels
            .iter()
            .filter(|l| l.name != "__name__")
            .map(|l| (l.name.clone(), l.value.clone()));
        out.push(key(name, labels, sample.value));
    }
    out.sort();
    out
}

/// A created timestamp as the text writes it (`put_timestamp`), read back as a number.
fn created(t: &Timestamp) -> f64 {
    let text = if t.nanos == 0 {
        format!("{}", t.seconds)
    } else {
        let nanos = format!("{:09}", t.nanos);
        format!("{}.{}", t.seconds, nanos.trim_end_matches('0'))
    };
    exposition::number(&text).unwrap_or(f64::NAN)
}

/// The samples of a protobuf exposition, as Prometheus text writes the same families.
pub fn of_protobuf(families: &[MetricFamily]) -> Vec<Key> {
    let mut out = Vec::new();
    for f in families {
        let name = f
            .name
            .as_deref()
            .unwrap_or_else(|| panic!("{f:?}: no name"));
        // `_created` goes after a counter's name without `_total` (its family is named with
        // it), after a histogram's or a summary's whole name.
        const COUNTER: i32 = 0;
        let base = match f.r#type {
            Some(COUNTER) => name.strip_suffix("_total").unwrap_or(name),
            _ => name,
        };
        for m in &f.metric {
            let labels = || {
                m.label.iter().map(|l| {
                    let n = l.name.clone().unwrap_or_default();
                    (n, l.value.clone().unwrap_or_default())
                })
            };
            // `le` or `quantile` as text (`key` reads it back as a number).
            let with = |extra: (&str, f64)| {
                let v = extra.1;
                let text = match v {
                    f64::INFINITY => "+Inf".to_owned(),
                    f64::NEG_INFINITY => "-Inf".to_owned(),
                    _ => format!("{v:?}"),
                };
                labels().chain([(extra.0.to_owned(), text)])
            };
            let mut created_at = None;
            if let Some(c) = &m.counter {
                out.push(key(name, labels(), c.value.unwrap_or_default()));
                created_at = c.created_timestamp.as_ref();
            }
            if let Some(g) = &m.gauge {
                out.push(key(name, labels(), g.value.unwrap_or_default()));
            }
            if let Some(u) = &m.untyped {
                out.push(key(name, labels(), u.value.unwrap_or_default()));
            }
            if let Some(h) = &m.histogram {
                for b in &h.bucket {
                    let le = b.upper_bound.unwrap_or(f64::NAN);
                    let count = b.cumulative_count.unwrap_or_default() as f64;
                    out.push(key(&format!("{name}_bucket"), with(("le", le)), count));
                }
                let count = h.sample_count.unwrap_or_default() as f64;
                out.push(key(&format!("{name}_count"), labels(), count));
                if let Some(sum) = h.sample_sum {
                    out.push(key(&format!("{name}_sum"), labels(), sum));
                }
                created_at = h.created_timestamp.as_ref();
            }
            if let Some(s) = &m.summary {
                for q in &s.quantile {
                    let at = q.quantile.unwrap_or(f64::NAN);
                    let v = q.value.unwrap_or(f64::NAN);
                    out.push(key(name, with(("quantile", at)), v));
                }
                let count = s.sample_count.unwrap_or_default() as f64;
                out.push(key(&format!("{name}_count"), labels(), count));
                out.push(key(
                    &format!("{name}_sum"),
                    labels(),
                    s.sample_sum.unwrap_or_default(),
                ));
                created_at = s.created_timestamp.as_ref();
            }
            if let Some(t) = created_at {
                out.push(key(&format!("{base}_created"), labels(), created(t)));
            }
        }
    }
    out.sort();
    out
}

/// A `Vec` as a byte sink.
struct Bytes(Vec<u8>);

impl ByteWrite for Bytes {
    fn write_bytes(&mut self, bytes: &[u8]) -> core::fmt::Result {
        self.0.extend_from_slice(bytes);
        Ok(())
    }
}

/// `encode` into a buffer of exactly `len` bytes gives `len`; one byte less reports the size.
fn sized(len: usize, mut encode: impl FnMut(&mut [u8]) -> Result<usize, EncodeError>) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    assert_eq!(
        encode(&mut buf),
        Ok(len),
        "into exactly the length measured"
    );
    if let Some(short) = len.checked_sub(1) {
        assert_eq!(
            encode(&mut buf.clone()[..short]),
            Err(EncodeError::BufferTooSmall { needed: len }),
            "one byte short"
        );
    }
    buf
}

/// Both binary encodings of `registry` decode to the samples of `text` (its Prometheus text
/// document, checked); written into a buffer, measured and streamed, they agree byte for
/// byte.
pub fn check<const N: usize>(registry: &Registry<'_, N>, text: &Document) {
    // Remote write: the protobuf, the literal snappy block of it (what a firmware sends).
    let request =
        RemoteWrite::at(std::time::Duration::from_millis(1_700_000_000_123)).with_metadata(true);
    let len = registry
        .remote_write_len(&request)
        .expect("the request is measured");
    let proto = sized(len, |b| registry.encode_remote_write(&request, b));
    let req = WriteRequest::decode(proto.as_slice()).unwrap_or_else(|e| panic!("protobuf: {e}"));
    assert_eq!(
        of_remote_write(&req, request.timestamp_ms()),
        of_text(text, true),
        "remote write"
    );
    for meta in &req.metadata {
        let family = text
            .family(&meta.metric_family_name)
            .unwrap_or_else(|| panic!("{meta:?}: no such family in the text"));
        assert_eq!(meta.help, family.help, "{meta:?}");
    }
    let mut block = Bytes(Vec::new());
    let written = registry
        .write_remote_write_snappy(&request, len, &mut block)
        .expect("the snappy block is streamed");
    assert_eq!(written, block.0.len());
    let raw = snap::raw::Decoder::new()
        .decompress_vec(&block.0)
        .unwrap_or_else(|e| panic!("snappy: {e}"));
    assert_eq!(raw, proto, "the snappy block holds the same request");

    // The protobuf exposition.
    let len = registry.protobuf_len().expect("the exposition is measured");
    let doc = sized(len, |b| registry.encode_protobuf(b));
    let mut streamed = Bytes(Vec::new());
    assert_eq!(registry.write_protobuf(&mut streamed), Ok(len));
    assert_eq!(streamed.0, doc, "streamed and in place");
    let mut rest = doc.as_slice();
    let mut families = Vec::new();
    while !rest.is_empty() {
        let f = MetricFamily::decode_length_delimited(&mut rest)
            .unwrap_or_else(|e| panic!("a length-delimited MetricFamily: {e}"));
        families.push(f);
    }
    for f in &families {
        let name = f.name.as_deref().unwrap_or_default();
        let family = text
            .family(name)
            .unwrap_or_else(|| panic!("{name}: no such family in the text"));
        assert_eq!(f.help.as_deref().unwrap_or_default(), family.help, "{name}");
    }
    assert_eq!(
        of_protobuf(&families),
        of_text(text, false),
        "protobuf exposition"
    );
}
