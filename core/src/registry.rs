//! [`Registry`]: a fixed-capacity list of metric families to encode, with an optional
//! namespace and constant labels.

use core::fmt;

use crate::clash::{label_clash, name_clash};
use crate::clock::WallClock;
use crate::encode::{EncodeError, Encoder, Escaping, Format, Negotiated, Out};
use crate::metric::Collect;
use crate::name::{self, MetricType, NameError};

/// A metric, a namespace or constant labels could not be added; the registry is unchanged.
/// Names are borrowed from the metrics and labels given to the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegisterError<'a> {
    /// The registry already holds `capacity` families.
    Full {
        /// The registry's capacity.
        capacity: usize,
        /// The family that did not fit.
        name: &'a str,
    },
    /// Both families would write the name `existing` + `existing_suffix` (`x` counter and
    /// `x_total` gauge, say): as a family name or a sample name, in any format.
    NameClash {
        /// The family being added.
        name: &'a str,
        /// The registered family it clashes with.
        existing: &'a str,
        /// The suffix under which `existing` writes the shared name.
        existing_suffix: &'static str,
    },
    /// A label name of the family is also a constant label of the registry (for a state
    /// set, its label named after it, namespace included).
    LabelClash {
        /// The family.
        name: &'a str,
        /// The label.
        label: &'a str,
    },
    /// A state set's label is named after it, namespace included, and label names cannot
    /// contain `:`: a state set cannot be registered under a namespace with a `:`.
    InvalidStateLabel {
        /// The state set.
        name: &'a str,
        /// The namespace.
        namespace: &'a str,
    },
    /// The namespace is not a valid metric name prefix.
    InvalidNamespace {
        /// The namespace.
        namespace: &'a str,
        /// What is wrong with it.
        error: NameError,
    },
    /// A constant label's name is invalid, reserved (`le`, `quantile`) or given twice.
    InvalidConstLabel {
        /// The label name.
        label: &'a str,
        /// What is wrong with it.
        error: NameError,
    },
}

impl fmt::Display for RegisterError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegisterError::Full { capacity, name } => {
                write!(f, "cannot register `{name}`: the registry is full ({capacity} families)")
            }
            RegisterError::NameClash {
                name,
                existing,
                existing_suffix,
            } => write!(
                f,
                "cannot register `{name}`: `{existing}{existing_suffix}` is written by the registered family `{existing}` already"
            ),
            RegisterError::LabelClash { name, label } => write!(
                f,
                "cannot register `{name}`: its label `{label}` is also a constant label"
            ),
            RegisterError::InvalidStateLabel { name, namespace } => write!(
                f,
                "cannot register the state set `{name}` under the namespace `{namespace}`: its label, named after it, cannot contain `:`"
            ),
            RegisterError::InvalidNamespace { namespace, error } => {
                write!(f, "invalid namespace `{namespace}`: {error}")
            }
            RegisterError::InvalidConstLabel { label, error } => {
                write!(f, "invalid constant label `{label}`: {error}")
            }
        }
    }
}

impl core::error::Error for RegisterError<'_> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            RegisterError::InvalidNamespace { error, .. }
            | RegisterError::InvalidConstLabel { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Up to `N` metric families, encoded in registration order.
///
/// ```
/// use edgeprom::{Counter, Format, Gauge, Metric, Registry};
/// static UP: Metric<Gauge> = Metric::new("up", "Whether the device is up");
/// static BOOTS: Metric<Counter> = Metric::new("boots", "Boots since flashing");
///
/// let mut registry: Registry<'_, 4> = Registry::new()
///     .with_namespace("sensor")?
///     .with_const_labels(&[("device", "dev-01")])?;
/// registry.register(&UP)?;
/// registry.register(&BOOTS)?;
/// UP.set(1.0);
///
/// let mut buf = [0u8; 512];
/// let n = registry.encode(Format::OpenMetrics, &mut buf)?;
/// let text = core::str::from_utf8(&buf[..n]).unwrap();
/// assert!(text.contains("sensor_up{device=\"dev-01\"} 1.0\n"));
/// assert!(text.ends_with("# EOF\n"));
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub struct Registry<'a, const N: usize> {
    metrics: heapless::Vec<&'a dyn Collect, N>,
    namespace: &'a str,
    const_labels: &'a [(&'a str, &'a str)],
    clock: Option<&'static dyn WallClock>,
    created: bool,
}

impl<const N: usize> fmt::Debug for Registry<'_, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut l = f.debug_list();
        for m in &self.metrics {
            l.entry(&m.desc().name());
        }
        l.finish()
    }
}

impl<const N: usize> Default for Registry<'_, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a, const N: usize> Registry<'a, N> {
    /// An empty registry.
    pub const fn new() -> Self {
        Registry {
            metrics: heapless::Vec::new(),
            namespace: "",
            const_labels: &[],
            clock: None,
            created: true,
        }
    }

    /// Prefixes every metric name with `namespace_`.
    ///
    /// A state set's label is named after it, namespace included: a namespace must not make
    /// it one of the constant labels, nor give it a `:`. The errors are those of
    /// [`register`](Self::register) for the same conditions.
    pub fn with_namespace(mut self, namespace: &'a str) -> Result<Self, RegisterError<'a>> {
        name::validate_metric_name(namespace)
            .map_err(|error| RegisterError::InvalidNamespace { namespace, error })?;
        for m in &self.metrics {
            check_labels(namespace, self.const_labels, *m)?;
        }
        self.namespace = namespace;
        Ok(self)
    }

    /// Adds these labels to every series (a device id, say). Names must be valid, distinct and
    /// neither `le` nor `quantile`, nor a label of a registered family.
    pub fn with_const_labels(
        mut self,
        labels: &'a [(&'a str, &'a str)],
    ) -> Result<Self, RegisterError<'a>> {
        for (i, (label, _)) in labels.iter().enumerate() {
            let invalid = |error| RegisterError::InvalidConstLabel { label, error };
            name::validate_label_name(label).map_err(invalid)?;
            if *label == "le" || *label == "quantile" {
                return Err(invalid(NameError::ReservedLabel));
            }
            if labels.iter().take(i).any(|(m, _)| m == label) {
                return Err(invalid(NameError::DuplicateLabel));
            }
        }
        // Set after metrics were registered: none of their labels may be one of these.
        for m in &self.metrics {
            check_labels(self.namespace, labels, *m)?;
        }
        self.const_labels = labels;
        Ok(self)
    }

    /// Stamps each metric's `_created` time from `clock` when it is registered, and on hosts
    /// each series a family registered here creates afterwards, as Python's client does (a
    /// family with a clock of its own, [`FamilyBuilder::wall_clock`](crate::FamilyBuilder),
    /// keeps it; a family keeps the first registry clock it is given).
    pub fn with_wall_clock(mut self, clock: &'static dyn WallClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Whether `_created` samples are written (default on; only metrics whose creation time is
    /// known have one).
    pub fn with_created(mut self, created: bool) -> Self {
        self.created = created;
        self
    }

    /// Adds a metric family. Fails when full, when it would write a name a registered family
    /// writes (see [`name_clash`](crate::clash::name_clash)), or when one of its labels is
    /// also a constant label.
    pub fn register(&mut self, metric: &'a dyn Collect) -> Result<(), RegisterError<'a>> {
        let name = metric.desc().name();
        if self.metrics.is_full() {
            return Err(RegisterError::Full { capacity: N, name });
        }
        for m in &self.metrics {
            let existing = m.desc().name();
            if let Some(c) = name_clash(existing, m.metric_type(), name, metric.metric_type()) {
                return Err(RegisterError::NameClash {
                    name,
                    existing,
                    existing_suffix: c.a_suffix,
                });
            }
        }
        check_labels(self.namespace, self.const_labels, metric)?;
        if let Some(clock) = self.clock.filter(|_| cfg!(feature = "created")) {
            metric.adopt_wall_clock(clock);
            metric.init_created(clock.unix_time());
        }
        self.metrics
            .push(metric)
            .map_err(|_| RegisterError::Full { capacity: N, name })
    }

    /// Registered families, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a dyn Collect> + '_ {
        self.metrics.iter().copied()
    }

    /// Number of registered families.
    pub fn len(&self) -> usize {
        self.metrics.len()
    }

    /// Whether nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.metrics.is_empty()
    }

    /// The namespace prefix (`""` for none).
    pub fn namespace(&self) -> &'a str {
        self.namespace
    }

    /// The constant labels.
    pub fn const_labels(&self) -> &'a [(&'a str, &'a str)] {
        self.const_labels
    }

    /// The families, in order of registration.
    #[cfg(any(feature = "remote-write", feature = "protobuf"))]
    pub(crate) fn families(&self) -> &[&'a dyn Collect] {
        &self.metrics
    }

    /// Whether `_created` samples are written.
    #[cfg(feature = "protobuf")]
    pub(crate) fn writes_created(&self) -> bool {
        self.created
    }

    /// Writes the whole exposition into `buf` and returns its length. When it does not fit,
    /// returns [`EncodeError::BufferTooSmall`] with the size needed; the buffer's contents are
    /// then not a document.
    pub fn encode(&self, format: Format, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let (ns, labels) = (self.namespace, self.const_labels);
        encode_to_slice(
            &self.metrics,
            ns,
            labels,
            self.created,
            format,
            Escaping::Underscores,
            buf,
        )
    }

    /// Writes the whole exposition into any [`fmt::Write`].
    pub fn encode_to(&self, format: Format, out: &mut dyn fmt::Write) -> fmt::Result {
        let (ns, labels) = (self.namespace, self.const_labels);
        encode_to_writer(
            &self.metrics,
            ns,
            labels,
            self.created,
            format,
            Escaping::Underscores,
            out,
        )
    }

    /// As [`encode`](Self::encode), with names outside the legacy character set written by
    /// `escaping` (quoted in [`Format::PrometheusV1`] and [`Format::OpenMetrics`] under
    /// [`Escaping::AllowUtf8`]; `encode` escapes them with [`Escaping::Underscores`]).
    pub fn encode_escaped(
        &self,
        format: Format,
        escaping: Escaping,
        buf: &mut [u8],
    ) -> Result<usize, EncodeError> {
        let (ns, labels) = (self.namespace, self.const_labels);
        encode_to_slice(
            &self.metrics,
            ns,
            labels,
            self.created,
            format,
            escaping,
            buf,
        )
    }

    /// As [`encode_to`](Self::encode_to), with names written by `escaping`.
    pub fn encode_to_escaped(
        &self,
        format: Format,
        escaping: Escaping,
        out: &mut dyn fmt::Write,
    ) -> fmt::Result {
        let (ns, labels) = (self.namespace, self.const_labels);
        encode_to_writer(
            &self.metrics,
            ns,
            labels,
            self.created,
            format,
            escaping,
            out,
        )
    }

    /// The document a [`negotiate`](crate::negotiate) answer names, into any
    /// [`fmt::Write`]; an error for [`ScrapeFormat::Protobuf`](crate::ScrapeFormat), which
    /// is not text (write it with `encode_protobuf`).
    pub fn encode_negotiated(&self, n: Negotiated, out: &mut dyn fmt::Write) -> fmt::Result {
        let format = n.format().text_format().ok_or(fmt::Error)?;
        self.encode_to_escaped(format, n.escaping(), out)
    }
}

/// A document of `metrics` written in place into `buf`, without going through `fmt::Write`
/// line by line: the length, or the length needed. Inlined into each registry's `encode`,
/// so that the encoder's frame is the only one under the families (as `cargo xtask size`
/// measures).
#[inline(always)]
pub(crate) fn encode_to_slice(
    metrics: &[&dyn Collect],
    namespace: &str,
    const_labels: &[(&str, &str)],
    created: bool,
    format: Format,
    escaping: Escaping,
    buf: &mut [u8],
) -> Result<usize, EncodeError> {
    let mut enc =
        Encoder::for_slice(buf, format, namespace, const_labels, created).with_escaping(escaping);
    encode_with(metrics, &mut enc).map_err(|_| EncodeError::Write)?;
    enc.finish_slice()
}

/// A document of `metrics` written into any [`fmt::Write`].
#[inline(always)]
pub(crate) fn encode_to_writer(
    metrics: &[&dyn Collect],
    namespace: &str,
    const_labels: &[(&str, &str)],
    created: bool,
    format: Format,
    escaping: Escaping,
    out: &mut dyn fmt::Write,
) -> fmt::Result {
    let out = Out::new(out);
    let mut enc =
        Encoder::with_out(out, format, namespace, const_labels, created).with_escaping(escaping);
    encode_with(metrics, &mut enc)
}

#[inline(always)]
fn encode_with(metrics: &[&dyn Collect], enc: &mut Encoder<'_>) -> fmt::Result {
    for m in metrics {
        m.encode(enc)?;
    }
    enc.finish()
}

/// Whether `metric`'s labels fit the registry's namespace and constant labels: none of its
/// label names, nor a state set's label named after it (`namespace_name`), is a constant
/// label, and a state set's label gets no `:` from the namespace.
fn check_labels<'a>(
    namespace: &'a str,
    const_labels: &'a [(&'a str, &'a str)],
    metric: &'a dyn Collect,
) -> Result<(), RegisterError<'a>> {
    let name = metric.desc().name();
    let state_set = metric.metric_type() == MetricType::StateSet;
    if state_set && namespace.contains(':') {
        return Err(RegisterError::InvalidStateLabel { name, namespace });
    }
    let clash = const_labels.iter().find(|(label, _)| {
        let mut i = 0;
        while let Some(l) = metric.label_name(i) {
            if label_clash(namespace, label, name, false, &[l]) {
                return true;
            }
            i += 1;
        }
        label_clash(namespace, label, name, state_set, &[])
    });
    match clash {
        Some((label, _)) => Err(RegisterError::LabelClash { name, label }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Counter, Family, FixedClock, Gauge, Histogram, Metric, StateSet};
    use core::time::Duration;

    #[test]
    fn a_state_set_label_never_repeats_a_const_label() {
        static MODE: StateSet<2> = StateSet::new("mode", "h", ["a", "b"]);
        let clash = |label| {
            Err(RegisterError::LabelClash {
                name: "mode",
                label,
            })
        };
        let mut r: Registry<'_, 2> = Registry::new().with_const_labels(&[("mode", "x")]).unwrap();
        assert_eq!(r.register(&MODE), clash("mode"));
        let mut r: Registry<'_, 2> = Registry::new()
            .with_namespace("ns")
            .unwrap()
            .with_const_labels(&[("ns_mode", "x")])
            .unwrap();
        assert_eq!(r.register(&MODE), clash("ns_mode"));
        // `mode` is not the label under a namespace: no clash.
        let mut r: Registry<'_, 2> = Registry::new()
            .with_namespace("ns")
            .unwrap()
            .with_const_labels(&[("mode", "x")])
            .unwrap();
        r.register(&MODE).unwrap();
        // Set after registering, the clash is caught all the same, with the same error.
        let mut r: Registry<'_, 2> = Registry::new();
        r.register(&MODE).unwrap();
        assert_eq!(
            r.with_const_labels(&[("mode", "x")]).map(|_| ()),
            clash("mode")
        );
        let mut r: Registry<'_, 2> = Registry::new()
            .with_const_labels(&[("ns_mode", "x")])
            .unwrap();
        r.register(&MODE).unwrap();
        assert_eq!(r.with_namespace("ns").map(|_| ()), clash("ns_mode"));
    }

    #[test]
    fn a_state_set_under_a_namespace_with_a_colon_is_refused() {
        static MODE: StateSet<2> = StateSet::new("mode", "h", ["a", "b"]);
        static UP: Metric<Gauge> = Metric::new("up", "h");
        let want = Err(RegisterError::InvalidStateLabel {
            name: "mode",
            namespace: "ns:",
        });
        // `ns:_mode` would be the label's name, and label names have no `:`.
        let mut r: Registry<'_, 2> = Registry::new().with_namespace("ns:").unwrap();
        assert_eq!(r.register(&MODE), want);
        r.register(&UP).unwrap(); // metric names may have `:`
        let mut shown: heapless::String<160> = heapless::String::new();
        core::fmt::write(
            &mut shown,
            format_args!("{}", r.register(&MODE).unwrap_err()),
        )
        .unwrap();
        assert!(
            shown.contains("`ns:`") && shown.contains("`mode`"),
            "{shown}"
        );
        let mut r: Registry<'_, 2> = Registry::new();
        r.register(&MODE).unwrap();
        assert_eq!(r.with_namespace("ns:").map(|_| ()), want);
    }

    #[test]
    fn rejects_clashes_and_overflow() {
        static C: Metric<Counter> = Metric::new("x", "h");
        static G: Metric<Gauge> = Metric::new("x_total", "h");
        static G2: Metric<Gauge> = Metric::new("x", "h");
        static H: Metric<Histogram> = Metric::new("y", "h");
        static G3: Metric<Gauge> = Metric::new("y_bucket", "h");
        static CC: Metric<Counter> = Metric::new("y_count", "h");
        static OK: Metric<Gauge> = Metric::new("z", "h");
        let mut r: Registry<'_, 3> = Registry::new();
        r.register(&C).unwrap();
        let clash = |name, existing, existing_suffix| {
            Err(RegisterError::NameClash {
                name,
                existing,
                existing_suffix,
            })
        };
        assert_eq!(r.register(&G), clash("x_total", "x", "_total"));
        assert_eq!(r.register(&G2), clash("x", "x", ""));
        assert_eq!(r.register(&C), clash("x", "x", ""));
        r.register(&H).unwrap();
        assert_eq!(r.register(&G3), clash("y_bucket", "y", "_bucket"));
        // A counter's family name is a histogram's sample name.
        assert_eq!(r.register(&CC), clash("y_count", "y", "_count"));
        r.register(&OK).unwrap();
        static MORE: Metric<Gauge> = Metric::new("w", "h");
        assert_eq!(
            r.register(&MORE),
            Err(RegisterError::Full {
                capacity: 3,
                name: "w"
            })
        );
        assert_eq!(r.len(), 3);
    }

    #[test]
    fn const_labels_are_checked() {
        let invalid = |label, error| Err(RegisterError::InvalidConstLabel { label, error });
        let r: Result<Registry<'_, 1>, _> = Registry::new().with_const_labels(&[("le", "x")]);
        assert_eq!(r.map(|_| ()), invalid("le", NameError::ReservedLabel));
        let r: Result<Registry<'_, 1>, _> =
            Registry::new().with_const_labels(&[("a", "x"), ("a", "y")]);
        assert_eq!(r.map(|_| ()), invalid("a", NameError::DuplicateLabel));
        let r: Result<Registry<'_, 1>, _> = Registry::new().with_namespace("bad-ns");
        assert_eq!(
            r.map(|_| ()),
            Err(RegisterError::InvalidNamespace {
                namespace: "bad-ns",
                error: NameError::InvalidMetricName
            })
        );
        static F: Family<Counter, 1, 1> = Family::new("f", "h", ["device"]);
        let mut r: Registry<'_, 1> = Registry::new()
            .with_const_labels(&[("device", "d1")])
            .unwrap();
        assert_eq!(
            r.register(&F),
            Err(RegisterError::LabelClash {
                name: "f",
                label: "device"
            })
        );
        assert!(r.is_empty());
    }

    crate::buckets!(F32Buckets: f32 = [0.1, 0.5, 2.5]);

    #[test]
    fn f32_values_are_written_in_their_own_shortest_form() {
        static G: Metric<Gauge<f32>> = Metric::new("g32", "h");
        static C: Metric<Counter<f32>> = Metric::new("c32", "h");
        static H: Metric<Histogram<F32Buckets>> = Metric::new("h32", "h");
        static S: Metric<crate::Summary<f32>> = Metric::new("s32", "h");
        G.set(0.1);
        C.inc_by(0.1).unwrap();
        C.inc();
        assert_eq!(C.inc_by(f32::NAN), Err(crate::CounterError::NotFinite));
        assert_eq!(C.inc_by(-1.0), Err(crate::CounterError::Negative));
        H.observe(0.3).unwrap();
        H.observe(0.2).unwrap();
        S.observe(0.7).unwrap();
        let mut r: Registry<'_, 4> = Registry::new().with_created(false);
        for m in [&G as &dyn Collect, &C, &H, &S] {
            r.register(m).unwrap();
        }
        let mut buf = [0u8; 2048];
        let n = r.encode(Format::OpenMetrics, &mut buf).unwrap();
        let doc = core::str::from_utf8(&buf[..n]).unwrap();
        for line in [
            "g32 0.1\n",
            "c32_total 1.1\n",
            "h32_bucket{le=\"0.1\"} 0\n",
            "h32_bucket{le=\"0.5\"} 2\n",
            "h32_bucket{le=\"2.5\"} 2\n",
            "h32_count 2\n",
            "h32_sum 0.5\n",
            "s32_sum 0.7\n",
        ] {
            assert!(doc.contains(line), "{line:?} in\n{doc}");
        }
    }

    #[test]
    fn created_samples_only_with_the_feature() {
        static C: Metric<Counter> = Metric::new("plain", "h");
        static CLOCK: FixedClock = FixedClock(Duration::from_secs(99));
        let mut r: Registry<'_, 1> = Registry::new().with_wall_clock(&CLOCK);
        r.register(&C).unwrap();
        let mut buf = [0u8; 256];
        for format in [Format::Prometheus, Format::OpenMetrics] {
            let n = r.encode(format, &mut buf).unwrap();
            let text = core::str::from_utf8(&buf[..n]).unwrap();
            assert!(text.contains("plain_total 0\n"), "{text}");
            let want = cfg!(feature = "created");
            assert_eq!(text.contains("plain_created 99"), want, "{text}");
            assert_eq!(text.contains("_created"), want, "{text}");
        }
    }

    #[test]
    fn clock_stamps_on_register() {
        static C: Metric<Counter> = Metric::new("stamped", "h");
        static CLOCK: FixedClock = FixedClock(Duration::from_secs(99));
        let mut r: Registry<'_, 1> = Registry::new().with_wall_clock(&CLOCK);
        r.register(&C).unwrap();
        let want = cfg!(feature = "created").then_some(Duration::from_secs(99));
        assert_eq!(C.created(), want);
    }

    #[test]
    fn family_series_created_after_registration_are_stamped_from_the_registry_clock() {
        static CLOCK: FixedClock = FixedClock(Duration::from_secs(1_700_000_000));
        static F: Family<Counter, 1, 4> = Family::new("late", "h", ["route"]);
        F.labels(["/before"]).unwrap().inc();
        let mut r: Registry<'_, 1> = Registry::new().with_wall_clock(&CLOCK);
        r.register(&F).unwrap();
        F.labels(["/after"]).unwrap().inc();
        let stamped = cfg!(feature = "created").then_some(Duration::from_secs(1_700_000_000));
        assert_eq!(F.get(["/before"]).unwrap().created(), stamped);
        let late = stamped.filter(|_| !cfg!(edgeprom_small_code));
        assert_eq!(F.get(["/after"]).unwrap().created(), late);
        let mut buf = [0u8; 1024];
        let n = r.encode(Format::OpenMetrics, &mut buf).unwrap();
        let text = core::str::from_utf8(&buf[..n]).unwrap();
        assert_eq!(
            text.contains("late_created{route=\"/after\"} 1.7e+09\n")
                || text.contains("late_created{route=\"/after\"} 1700000000"),
            late.is_some(),
            "{text}"
        );
    }

    #[test]
    fn buffer_too_small_reports_exact_size() {
        static G: Metric<Gauge> = Metric::new("g", "help");
        let mut r: Registry<'_, 1> = Registry::new();
        r.register(&G).unwrap();
        let mut big = [0u8; 256];
        let n = r.encode(Format::OpenMetrics, &mut big).unwrap();
        for short in [0, 1, n - 1] {
            let mut small = [0u8; 256];
            assert_eq!(
                r.encode(Format::OpenMetrics, &mut small[..short]),
                Err(EncodeError::BufferTooSmall { needed: n })
            );
        }
        let mut exact = [0u8; 256];
        assert_eq!(r.encode(Format::OpenMetrics, &mut exact[..n]), Ok(n));
    }
}
