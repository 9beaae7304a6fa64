//! Names outside the legacy character set in remote write 1.0: its receivers (Prometheus 2.42,
//! VictoriaMetrics' 1.0 endpoint) take only legacy names, so a family that opted into UTF-8
//! names is sent with its metric name and label names escaped by the encoder's scheme
//! ([`Escaping`](crate::Escaping), `underscores` by default; `allow-utf-8` is `underscores`
//! here, as remote write 1.0 has no quoted names), as the text formats escape them.
//!
//! The escaped names are put together on the stack (remote write sorts labels by name, so
//! they cannot be escaped piece by piece as they are written): the metric name, namespace
//! included, in [`NAME_BYTES`], the label names in [`LABEL_BYTES`], at most [`LABELS`] of them.
//! A series whose escaped names do not fit is not sent. Only a family whose names need
//! escaping takes this path (out of line, so the others' frames stay as they are); it
//! forgets the shapes kept (they are told apart by the names' addresses, here on the stack).

use super::shape::Shapes;
use crate::encode::escaping::{is_legacy, EscapeName};
use crate::encode::{Encoder, Labels};
use crate::name::Desc;

/// Room for the escaped metric name (namespace included).
pub(super) const NAME_BYTES: usize = 192;
/// Room for the escaped label names of one series.
pub(super) const LABEL_BYTES: usize = 384;
/// Most label names of one series escaped.
pub(super) const LABELS: usize = 16;

/// Whether a name of `desc`'s family, which opted into UTF-8 names, needs escaping.
fn needs(desc: &Desc<'_>, labels: &Labels<'_>) -> bool {
    if !is_legacy(desc.name(), true) {
        return true;
    }
    let mut i = 0;
    while let Some((name, _)) = labels.get(i) {
        if !is_legacy(name, false) {
            return true;
        }
        i += 1;
    }
    false
}

/// Calls `f` with `desc` and `labels`, or when a name of the family needs escaping, with an
/// escaped copy of them (and no namespace: it is in the escaped name).
#[inline(always)]
pub(super) fn names(
    enc: &mut Encoder<'_>,
    desc: &Desc<'_>,
    labels: &Labels<'_>,
    f: impl FnOnce(&mut Encoder<'_>, &Desc<'_>, &Labels<'_>),
) {
    // The flag first, inline: most families never opt into UTF-8 names.
    if !desc.utf8() || !needs(desc, labels) {
        return f(enc, desc, labels);
    }
    let mut f = Some(f);
    escaped(enc, desc, labels, &mut |enc, desc, labels| {
        if let Some(f) = f.take() {
            f(enc, desc, labels)
        }
    });
}

/// Appends what `put` is given to `buf` from `at`, counting past its end.
fn append<'b>(buf: &'b mut [u8], at: &'b mut usize) -> impl FnMut(&str) + 'b {
    move |s: &str| {
        let end = *at + s.len();
        if let Some(dst) = buf.get_mut(*at..end) {
            dst.copy_from_slice(s.as_bytes());
        }
        *at = end;
    }
}

/// The escaped path of [`names`].
#[inline(never)]
fn escaped(
    enc: &mut Encoder<'_>,
    desc: &Desc<'_>,
    labels: &Labels<'_>,
    f: &mut dyn FnMut(&mut Encoder<'_>, &Desc<'_>, &Labels<'_>),
) {
    let scheme = enc.escaping();
    // The metric name, namespace included, escaped as one name.
    let mut name = [0u8; NAME_BYTES];
    let mut name_len = 0;
    let renamed = !is_legacy(desc.name(), true);
    if renamed {
        let mut put = append(&mut name, &mut name_len);
        let mut e = EscapeName::start(scheme, true, &mut put);
        if !enc.namespace.is_empty() {
            e.piece(enc.namespace, &mut put);
            e.piece("_", &mut put);
        }
        e.piece(desc.name(), &mut put);
    }
    // The label names, one after the other.
    let mut arena = [0u8; LABEL_BYTES];
    let mut ends = [0usize; LABELS];
    let mut at = 0;
    let mut n = 0;
    while let Some((label, _)) = labels.get(n) {
        let Some(end) = ends.get_mut(n) else {
            return; // more labels than escaped here: not sent
        };
        {
            let mut put = append(&mut arena, &mut at);
            if is_legacy(label, false) {
                put(label);
            } else {
                EscapeName::start(scheme, false, &mut put).piece(label, &mut put);
            }
        }
        *end = at;
        n += 1;
    }
    let (Some(name), Some(arena)) = (name.get(..name_len), arena.get(..at)) else {
        return; // the escaped names do not fit: not sent
    };
    let (Ok(name), Ok(arena)) = (core::str::from_utf8(name), core::str::from_utf8(arena)) else {
        return; // escaped names are ASCII
    };
    let mut strs = [""; LABELS];
    let mut start = 0;
    for (s, &end) in strs.iter_mut().zip(&ends).take(n) {
        *s = arena.get(start..end).unwrap_or_default();
        start = end;
    }
    let names = strs.get(..n).unwrap_or_default();
    let labels = labels.with_names(names);
    enc.rw.shapes = Shapes::new();
    if renamed {
        let desc = desc.renamed(name);
        let namespace = core::mem::take(&mut enc.namespace);
        f(enc, &desc, &labels);
        enc.namespace = namespace;
    } else {
        f(enc, desc, &labels);
    }
    enc.rw.shapes = Shapes::new();
}

#[cfg(test)]
mod tests {
    extern crate std;

    use crate::encode::remote_write::RemoteWrite;
    use crate::encode::SliceWriter;
    use crate::{Collect, Counter, Escaping, FamilyBuilder, Metric};

    /// The request `metrics` make with `escaping`.
    fn request(metrics: &[&dyn Collect], escaping: Escaping) -> std::vec::Vec<u8> {
        let mut buf = std::vec![0u8; 4096];
        let mut sink = SliceWriter::new(&mut buf);
        let request = RemoteWrite::at(core::time::Duration::from_secs(1));
        let mut enc = super::Encoder::remote_write(&mut sink, &request, None)
            .with_namespace("ns")
            .with_escaping(escaping);
        for m in metrics {
            m.encode(&mut enc).unwrap();
        }
        enc.finish().unwrap();
        drop(enc);
        let n = sink.finish().unwrap();
        buf.truncate(n);
        buf
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn names_are_escaped_and_a_series_whose_names_do_not_fit_is_not_sent() {
        static DOTTED: Metric<Counter> = Metric::utf8("my.metric", "m");
        let long = std::boxed::Box::leak("x.".repeat(100).into_boxed_str());
        let long: Metric<Counter> = Metric::try_utf8(long, "too long escaped").unwrap();
        let f: crate::Family<Counter, 1, 1> = FamilyBuilder::new("legacy", "l", ["http.method"])
            .utf8()
            .build();
        DOTTED.inc();
        long.inc();
        f.labels(["get"]).unwrap().inc();
        let req = request(&[&DOTTED, &f], Escaping::Dots);
        assert!(contains(&req, b"ns__my_dot_metric_total"), "{req:?}");
        assert!(contains(&req, b"http_dot_method"));
        assert!(contains(&req, b"ns_legacy_total"), "a legacy name stays");
        assert!(!contains(&req, b"my.metric") && !contains(&req, b"http.method"));
        // 200 characters escape to more than `NAME_BYTES` under `values`: not sent; the rest is.
        let req = request(&[&long, &DOTTED], Escaping::Values);
        assert!(!contains(&req, b"x_2E_x"));
        assert!(contains(&req, b"U__ns__my_2E_metric_total"), "{req:?}");
    }
}
