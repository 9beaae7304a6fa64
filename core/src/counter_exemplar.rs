//! [`CounterWithExemplar`]: a [`Counter`] that keeps its latest exemplar.

use core::fmt;
use core::ops::Deref;
use core::time::Duration;

use crate::counter::{Counter, CounterValue};
use crate::encode::{Encoder, Labels, Series};
use crate::exemplar::{
    check_labels, ExemplarCell, ExemplarError, ExemplarSnapshot, ExemplarWrite,
    DEFAULT_EXEMPLAR_BYTES,
};
use crate::metric::State;
use crate::name::{Desc, MetricType};
use crate::number::Float;

/// A [`Counter`] with its latest exemplar (OpenMetrics 1.0): a label set of at most 128
/// UTF-8 characters in all (a `trace_id`, say), a value (the increment) and an optional
/// timestamp, kept in `S` bytes of fixed storage (default 128; see
/// [`ExemplarCell`] for the layout and the sequence lock that keeps a reader from seeing a
/// torn exemplar). Everything a counter does, through `Deref`, and the `*_with_exemplar`
/// updates.
///
/// The exemplar is written after the `_total` sample in OpenMetrics
/// (`requests_total 5 # {trace_id="abc"} 1 1520879607.789`) and as `Counter.exemplar` in the
/// protobuf exposition; never in Prometheus text 0.0.4 or 1.0.0 (they have no syntax for it)
/// nor in remote write.
///
/// An update whose exemplar is invalid is refused and changes nothing, as Python's
/// `prometheus_client` raises without incrementing: the counter keeps its value and its
/// exemplar.
///
/// ```
/// use core::time::Duration;
/// use edgeprom::{CounterWithExemplar, ExemplarError, Format, Metric, Registry};
///
/// static REQUESTS: Metric<CounterWithExemplar> = Metric::new("requests", "Requests served");
/// REQUESTS.inc(); // a counter's updates, without an exemplar
/// REQUESTS.inc_by_with_exemplar(2, &[("trace_id", "abc")], Some(Duration::from_millis(1_520_879_607_789)))?;
/// assert!(matches!(
///     REQUESTS.inc_with_exemplar(&[("trace-id", "x")], None),
///     Err(ExemplarError::InvalidLabelName { index: 0, .. })
/// ));
/// assert_eq!(REQUESTS.get(), 3, "the refused call did not count");
///
/// let mut registry: Registry<'_, 1> = Registry::new();
/// registry.register(&REQUESTS)?;
/// let mut doc = String::new();
/// registry.encode_to(Format::OpenMetrics, &mut doc)?;
/// assert!(doc.contains("requests_total 3 # {trace_id=\"abc\"} 2 1520879607.789\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct CounterWithExemplar<V: CounterValue = u64, const S: usize = DEFAULT_EXEMPLAR_BYTES> {
    counter: Counter<V>,
    exemplar: ExemplarCell<S>,
}

impl<V: CounterValue, const S: usize> CounterWithExemplar<V, S> {
    /// A counter at zero, without an exemplar.
    pub const fn new() -> Self {
        CounterWithExemplar {
            counter: Counter::new(),
            exemplar: ExemplarCell::new(),
        }
    }

    /// The latest exemplar, if there is one and it could be read (a writer holding it at
    /// every try gives `None`).
    pub fn exemplar(&self) -> Option<ExemplarSnapshot<V, S>> {
        self.exemplar.snapshot()
    }

    /// Adds one and keeps the exemplar `labels` with value 1 at `timestamp` (see
    /// [`inc_by_with_exemplar`](Self::inc_by_with_exemplar)).
    pub fn inc_with_exemplar(
        &self,
        labels: &[(&str, &str)],
        timestamp: Option<Duration>,
    ) -> Result<ExemplarWrite, ExemplarError> {
        check_labels(labels, S)?;
        self.counter.inc();
        Ok(self.keep(labels, V::ONE, timestamp))
    }

    fn keep(&self, labels: &[(&str, &str)], v: V, timestamp: Option<Duration>) -> ExemplarWrite {
        self.exemplar.store(labels, v.to_sum_bits(), timestamp)
    }
}

impl<const S: usize> CounterWithExemplar<u64, S> {
    /// Adds `v` (saturating, as [`Counter::inc_by`]) and keeps the exemplar `labels` with
    /// value `v` at `timestamp` (Unix time). Labels with more than 128 characters in all,
    /// more bytes than `S`, an invalid or repeated name are an error, and then nothing
    /// changes. The counter is incremented even when the exemplar is dropped because another
    /// writer held it ([`ExemplarWrite::Dropped`]).
    pub fn inc_by_with_exemplar(
        &self,
        v: u64,
        labels: &[(&str, &str)],
        timestamp: Option<Duration>,
    ) -> Result<ExemplarWrite, ExemplarError> {
        check_labels(labels, S)?;
        self.counter.inc_by(v);
        Ok(self.keep(labels, v, timestamp))
    }
}

impl<V: CounterValue + Float, const S: usize> CounterWithExemplar<V, S> {
    /// Adds `v` and keeps the exemplar `labels` with value `v` at `timestamp` (Unix time).
    /// An increment the counter refuses ([`ExemplarError::Counter`]) or labels as in the
    /// integer counter's `inc_by_with_exemplar` are an error, and then nothing changes.
    pub fn inc_by_with_exemplar(
        &self,
        v: V,
        labels: &[(&str, &str)],
        timestamp: Option<Duration>,
    ) -> Result<ExemplarWrite, ExemplarError> {
        check_labels(labels, S)?;
        self.counter.inc_by(v).map_err(ExemplarError::Counter)?;
        Ok(self.keep(labels, v, timestamp))
    }
}

impl<V: CounterValue, const S: usize> Deref for CounterWithExemplar<V, S> {
    type Target = Counter<V>;
    fn deref(&self) -> &Counter<V> {
        &self.counter
    }
}

impl<V: CounterValue, const S: usize> Default for CounterWithExemplar<V, S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V: CounterValue, const S: usize> fmt::Debug for CounterWithExemplar<V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CounterWithExemplar")
            .field("value", &self.counter.get())
            .field("exemplar", &self.exemplar())
            .finish()
    }
}

impl<V: CounterValue, const S: usize> Series for CounterWithExemplar<V, S> {
    fn write_samples(
        &self,
        enc: &mut Encoder<'_>,
        desc: &Desc<'_>,
        labels: &Labels<'_>,
    ) -> fmt::Result {
        let value = self.counter.get();
        let mut written = false;
        if enc.writes_exemplars() {
            self.exemplar.with::<V>(&mut |ex| {
                enc.put_sample_exemplar(desc, "_total", labels, value, ex);
                written = true;
            });
        }
        if !written {
            enc.put_sample(desc, "_total", labels, value);
        }
        Ok(())
    }
    fn created(&self) -> Option<Duration> {
        Series::created(&self.counter)
    }
}

impl<V: CounterValue, const S: usize> State for CounterWithExemplar<V, S> {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = Self::new();
    const TYPE: MetricType = MetricType::Counter;

    fn init_created(&self, unix: Duration) {
        State::init_created(&self.counter, unix)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use std::string::String;

    use super::*;
    use crate::{Family, Format, Metric, Registry};

    fn doc<const N: usize>(r: &Registry<'_, N>, format: Format) -> String {
        let mut s = String::new();
        r.encode_to(format, &mut s).unwrap();
        let mut buf = std::vec![0u8; s.len()];
        let n = r.encode(format, &mut buf).unwrap();
        assert_eq!(core::str::from_utf8(&buf[..n]).unwrap(), s, "in place too");
        s
    }

    #[test]
    fn openmetrics_writes_the_latest_exemplar_after_total_and_text_never() {
        let c: Metric<CounterWithExemplar> = Metric::new("requests", "Requests");
        let f: Family<CounterWithExemplar<f64, 48>, 1, 2> = Family::new("bytes", "Bytes", ["k"]);
        c.set_created(Duration::from_secs(5));
        c.inc();
        let at = Duration::new(1_520_879_607, 789_000_000);
        assert_eq!(
            c.inc_by_with_exemplar(2, &[("trace_id", "old")], None),
            Ok(ExemplarWrite::Stored)
        );
        c.inc_by_with_exemplar(3, &[("trace_id", "abc"), ("span", "q\"\\\n é")], Some(at))
            .unwrap();
        let g = f.labels(["a"]).unwrap();
        g.inc_by_with_exemplar(0.5, &[], Some(Duration::from_secs(7)))
            .unwrap();
        f.labels(["b"]).unwrap().inc_by(1.0).unwrap();
        let mut r: Registry<'_, 2> = Registry::new().with_const_labels(&[("dev", "d")]).unwrap();
        r.register(&c).unwrap();
        r.register(&f).unwrap();
        let om = doc(&r, Format::OpenMetrics);
        let line = "requests_total{dev=\"d\"} 6 # {trace_id=\"abc\",span=\"q\\\"\\\\\\n é\"} 3 1520879607.789\n";
        assert!(om.contains(line), "{om}");
        if cfg!(feature = "created") {
            let created = std::format!("{line}requests_created{{dev=\"d\"}} 5");
            assert!(om.contains(&created), "{om}");
        }
        assert!(
            om.contains("bytes_total{dev=\"d\",k=\"a\"} 0.5 # {} 0.5 7\n"),
            "{om}"
        );
        assert!(om.contains("bytes_total{dev=\"d\",k=\"b\"} 1.0\n"), "{om}");
        for format in [Format::Prometheus, Format::PrometheusV1] {
            let text = doc(&r, format);
            assert!(!text.contains(" # {"), "{text}");
            assert!(text.contains("requests_total{dev=\"d\"} 6\n"), "{text}");
        }
        let s = c.exemplar().unwrap();
        assert!(s.labels().eq([("trace_id", "abc"), ("span", "q\"\\\n é")]));
        assert_eq!((s.value(), s.timestamp()), (3, Some(at)));
    }

    #[test]
    fn a_refused_call_changes_nothing() {
        let c: CounterWithExemplar<u64, 16> = CounterWithExemplar::new();
        c.inc_with_exemplar(&[("t", "1")], None).unwrap();
        let long = "x".repeat(128);
        assert_eq!(
            c.inc_by_with_exemplar(5, &[("t", &long)], None),
            Err(ExemplarError::TooLong { chars: 129 })
        );
        assert_eq!(
            c.inc_by_with_exemplar(5, &[("t", "0123456789abcdef")], None),
            Err(ExemplarError::TooBig {
                bytes: 19,
                capacity: 16
            })
        );
        assert!(matches!(
            c.inc_with_exemplar(&[("0t", "1")], None),
            Err(ExemplarError::InvalidLabelName { index: 0, .. })
        ));
        assert_eq!(
            c.inc_with_exemplar(&[("t", "1"), ("t", "2")], None),
            Err(ExemplarError::DuplicateLabel { index: 1 })
        );
        assert_eq!(c.get(), 1);
        let s = c.exemplar().unwrap();
        assert!(s.labels().eq([("t", "1")]));
        assert_eq!(s.value(), 1);

        let f: CounterWithExemplar<f64> = CounterWithExemplar::default();
        assert_eq!(
            f.inc_by_with_exemplar(-1.0, &[("t", "1")], None),
            Err(ExemplarError::Counter(crate::CounterError::Negative))
        );
        assert_eq!((f.get(), f.exemplar().is_none()), (0.0, true));
    }

    #[test]
    fn at_most_128_characters_not_bytes() {
        // 1 + 127 characters, 255 bytes of UTF-8 (+2 end bytes): the limit is characters.
        let c: CounterWithExemplar<u64, 300> = CounterWithExemplar::new();
        let v = "é".repeat(127);
        c.inc_with_exemplar(&[("t", &v)], None).unwrap();
        let v = "é".repeat(128);
        assert_eq!(
            c.inc_with_exemplar(&[("t", &v)], None),
            Err(ExemplarError::TooLong { chars: 129 })
        );
    }

    /// Writers store exemplars whose labels and value encode the same number while readers
    /// encode and read: every exemplar seen is one that was written, whole.
    #[test]
    #[cfg_attr(miri, ignore)] // threads and many iterations: slow under Miri
    fn readers_never_see_a_torn_exemplar() {
        use std::sync::atomic::{AtomicBool, Ordering as O};
        static C: Metric<CounterWithExemplar<u64, 64>> = Metric::new("torn", "Torn?");
        let done = AtomicBool::new(false);
        let (mut seen, mut dropped) = (0u64, 0u64);
        std::thread::scope(|s| {
            let writers: std::vec::Vec<_> = (0..2u64)
                .map(|w| {
                    s.spawn(move || {
                        let mut dropped = 0;
                        for i in 0..100_000u64 {
                            let n = i * 2 + w;
                            let a = std::format!("{n}");
                            let b = "z".repeat((n % 23) as usize);
                            let t = Some(Duration::new(n, (n % 1000) as u32 + 1));
                            let labels = [("n", a.as_str()), ("pad", b.as_str())];
                            if C.inc_by_with_exemplar(n, &labels, t) == Ok(ExemplarWrite::Dropped) {
                                dropped += 1;
                            }
                        }
                        dropped
                    })
                })
                .collect();
            let reader = s.spawn(|| {
                let mut r: Registry<'_, 1> = Registry::new();
                r.register(&C).unwrap();
                let mut seen = 0u64;
                let mut doc = String::new();
                while !done.load(O::Relaxed) {
                    if let Some(ex) = C.exemplar() {
                        let n = ex.value();
                        let want = [
                            (std::string::String::from("n"), std::format!("{n}")),
                            ("pad".into(), "z".repeat((n % 23) as usize)),
                        ];
                        let got: std::vec::Vec<_> =
                            ex.labels().map(|(k, v)| (k.into(), v.into())).collect();
                        assert_eq!(got, want);
                        assert_eq!(
                            ex.timestamp(),
                            Some(Duration::new(n, (n % 1000) as u32 + 1))
                        );
                        seen += 1;
                    }
                    doc.clear();
                    r.encode_to(Format::OpenMetrics, &mut doc).unwrap();
                    if let Some((_, ex)) = doc.split_once(" # {n=\"") {
                        let (n, rest) = ex.split_once('"').unwrap();
                        let pad = "z".repeat((n.parse::<u64>().unwrap() % 23) as usize);
                        let tail = std::format!(",pad=\"{pad}\"}} {n} {n}.");
                        assert!(rest.starts_with(&tail), "{doc}");
                    }
                }
                seen
            });
            for w in writers {
                dropped += w.join().unwrap();
            }
            done.store(true, O::Relaxed);
            seen = reader.join().unwrap();
        });
        assert!(seen > 0);
        // Every increment counted, whether or not its exemplar was dropped.
        assert_eq!(C.get(), (0..200_000u64).sum::<u64>());
        std::println!("{seen} exemplars read whole, {dropped} dropped by a busy cell");
    }
}
