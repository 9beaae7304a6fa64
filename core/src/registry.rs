//! [`Registry`]: a fixed-capacity list of metric families to encode, with an optional
//! namespace and constant labels.

use core::fmt;

use crate::clock::WallClock;
use crate::encode::{EncodeError, Encoder, Format, Out};
use crate::metric::Collect;
use crate::name::{self, MetricType, NameError};

/// A metric could not be registered; the registry is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterError {
    /// The registry already holds `capacity` families.
    Full {
        /// The registry's capacity.
        capacity: usize,
    },
    /// A family of this name, or one whose series names clash with it (`x` counter and
    /// `x_total` gauge, say), is already registered.
    Duplicate,
    /// One of the metric's label names is also a constant label of the registry.
    LabelClash,
    /// A state set's label is named after it, namespace included, and label names cannot
    /// contain `:`: a state set cannot be registered under a namespace with a `:`.
    InvalidStateLabel,
}

impl fmt::Display for RegisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegisterError::Full { capacity } => {
                write!(f, "registry is full ({capacity} metrics)")
            }
            RegisterError::Duplicate => f.write_str("a metric with a clashing name is registered"),
            RegisterError::LabelClash => {
                f.write_str("a label name of the metric is also a constant label")
            }
            RegisterError::InvalidStateLabel => f.write_str(
                "the namespace contains `:`, which a state set's label name (named after it) cannot",
            ),
        }
    }
}

impl core::error::Error for RegisterError {}

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
    clock: Option<&'a dyn WallClock>,
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
    /// A state set's label is named after it, namespace included: a namespace that would make
    /// that label equal to a constant label's name is [`NameError::DuplicateLabel`].
    pub fn with_namespace(mut self, namespace: &'a str) -> Result<Self, NameError> {
        name::validate_metric_name(namespace)?;
        if self.metrics.iter().any(|m| !state_label_ok(namespace, *m)) {
            return Err(NameError::InvalidLabelName);
        }
        if self
            .metrics
            .iter()
            .any(|m| label_clash(namespace, self.const_labels, *m))
        {
            return Err(NameError::DuplicateLabel);
        }
        self.namespace = namespace;
        Ok(self)
    }

    /// Adds these labels to every series (a device id, say). Names must be valid, distinct and
    /// neither `le` nor `quantile`.
    pub fn with_const_labels(
        mut self,
        labels: &'a [(&'a str, &'a str)],
    ) -> Result<Self, NameError> {
        for (i, (n, _)) in labels.iter().enumerate() {
            name::validate_label_name(n)?;
            if *n == "le" || *n == "quantile" {
                return Err(NameError::ReservedLabel);
            }
            if labels.iter().take(i).any(|(m, _)| m == n) {
                return Err(NameError::DuplicateLabel);
            }
        }
        // Set after metrics were registered: none of their labels may be one of these.
        if self
            .metrics
            .iter()
            .any(|m| label_clash(self.namespace, labels, *m))
        {
            return Err(NameError::DuplicateLabel);
        }
        self.const_labels = labels;
        Ok(self)
    }

    /// Stamps each metric's `_created` time from `clock` when it is registered (families with
    /// their own clock stamp each series when it is created).
    pub fn with_wall_clock(mut self, clock: &'a dyn WallClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Whether `_created` samples are written (default on; only metrics whose creation time is
    /// known have one).
    pub fn with_created(mut self, created: bool) -> Self {
        self.created = created;
        self
    }

    /// Adds a metric family. Fails when full, when its name clashes with a registered one, or
    /// when one of its labels is also a constant label.
    pub fn register(&mut self, metric: &'a dyn Collect) -> Result<(), RegisterError> {
        if self.metrics.is_full() {
            return Err(RegisterError::Full { capacity: N });
        }
        if self.metrics.iter().any(|m| clashes(*m, metric)) {
            return Err(RegisterError::Duplicate);
        }
        if label_clash(self.namespace, self.const_labels, metric) {
            return Err(RegisterError::LabelClash);
        }
        if !state_label_ok(self.namespace, metric) {
            return Err(RegisterError::InvalidStateLabel);
        }
        if let Some(clock) = self.clock.filter(|_| cfg!(feature = "created")) {
            metric.init_created(clock.unix_time());
        }
        self.metrics
            .push(metric)
            .map_err(|_| RegisterError::Full { capacity: N })
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

    /// Writes the whole exposition into `buf` and returns its length. When it does not fit,
    /// returns [`EncodeError::BufferTooSmall`] with the size needed; the buffer's contents are
    /// then not a document.
    pub fn encode(&self, format: Format, buf: &mut [u8]) -> Result<usize, EncodeError> {
        // Written in place, without going through `fmt::Write` line by line.
        let (ns, labels) = (self.namespace, self.const_labels);
        let mut enc = Encoder::for_slice(buf, format, ns, labels, self.created);
        self.encode_with(&mut enc).map_err(|_| EncodeError::Write)?;
        enc.finish_slice()
    }

    /// Writes the whole exposition into any [`fmt::Write`].
    pub fn encode_to(&self, format: Format, out: &mut dyn fmt::Write) -> fmt::Result {
        let (ns, labels) = (self.namespace, self.const_labels);
        let out = Out::new(out);
        self.encode_with(&mut Encoder::with_out(
            out,
            format,
            ns,
            labels,
            self.created,
        ))
    }

    fn encode_with(&self, enc: &mut Encoder<'_>) -> fmt::Result {
        for m in &self.metrics {
            m.encode(enc)?;
        }
        enc.finish()
    }
}

/// Whether one of `const_labels` is also a label of `metric`'s series: one of its label
/// names, or, for a state set, the label named after the family (`namespace_name`).
fn label_clash(namespace: &str, const_labels: &[(&str, &str)], metric: &dyn Collect) -> bool {
    let labels = metric.label_names();
    let state_label = (metric.metric_type() == MetricType::StateSet).then(|| metric.desc().name());
    // Compared with `concat_eq`, which links no `memcmp` into a small firmware.
    const_labels.iter().any(|(c, _)| {
        labels.iter().any(|l| concat_eq(l, "", c, ""))
            || state_label.is_some_and(|name| {
                if namespace.is_empty() {
                    concat_eq(c, "", name, "")
                } else {
                    // `c == namespace + "_" + name`
                    c.split_at_checked(namespace.len() + 1)
                        .is_some_and(|(head, tail)| {
                            concat_eq(head, "", namespace, "_") && concat_eq(tail, "", name, "")
                        })
                }
            })
    })
}

/// Whether `metric`, if a state set, gets a valid label name under `namespace` (its own name
/// is a valid label name, checked when it was built; the namespace must not add a `:`).
fn state_label_ok(namespace: &str, metric: &dyn Collect) -> bool {
    metric.metric_type() != MetricType::StateSet || !namespace.contains(':')
}

/// Whether two families would write a sample name, or a family name, twice.
fn clashes(a: &dyn Collect, b: &dyn Collect) -> bool {
    let (an, bn) = (a.desc().name(), b.desc().name());
    if concat_eq(an, "", bn, "") {
        return true;
    }
    a.metric_type().sample_suffixes().iter().any(|sa| {
        b.metric_type()
            .sample_suffixes()
            .iter()
            .any(|sb| concat_eq(an, sa, bn, sb))
    })
}

/// `a1 + a2 == b1 + b2` without building either string (nor calling `memcmp`, which a small
/// firmware would link for this alone).
fn concat_eq(a1: &str, a2: &str, b1: &str, b2: &str) -> bool {
    let byte = |x1: &str, x2: &str, i: usize| match i.checked_sub(x1.len()) {
        None => x1.as_bytes().get(i).copied(),
        Some(j) => x2.as_bytes().get(j).copied(),
    };
    let len = a1.len() + a2.len();
    len == b1.len() + b2.len() && (0..len).all(|i| byte(a1, a2, i) == byte(b1, b2, i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Counter, Family, FixedClock, Gauge, Histogram, Metric, StateSet};
    use core::time::Duration;

    #[test]
    fn a_state_set_label_never_repeats_a_const_label() {
        static MODE: StateSet<2> = StateSet::new("mode", "h", ["a", "b"]);
        let mut r: Registry<'_, 2> = Registry::new().with_const_labels(&[("mode", "x")]).unwrap();
        assert_eq!(r.register(&MODE), Err(RegisterError::LabelClash));
        let mut r: Registry<'_, 2> = Registry::new()
            .with_namespace("ns")
            .unwrap()
            .with_const_labels(&[("ns_mode", "x")])
            .unwrap();
        assert_eq!(r.register(&MODE), Err(RegisterError::LabelClash));
        // `mode` is not the label under a namespace: no clash.
        let mut r: Registry<'_, 2> = Registry::new()
            .with_namespace("ns")
            .unwrap()
            .with_const_labels(&[("mode", "x")])
            .unwrap();
        r.register(&MODE).unwrap();
        // Set after registering, the clash is caught all the same, and nothing changes.
        let mut r: Registry<'_, 2> = Registry::new();
        r.register(&MODE).unwrap();
        assert_eq!(
            r.with_const_labels(&[("mode", "x")]).err(),
            Some(NameError::DuplicateLabel)
        );
        let mut r: Registry<'_, 2> = Registry::new()
            .with_const_labels(&[("ns_mode", "x")])
            .unwrap();
        r.register(&MODE).unwrap();
        assert_eq!(
            r.with_namespace("ns").err(),
            Some(NameError::DuplicateLabel)
        );
    }

    #[test]
    fn a_state_set_under_a_namespace_with_a_colon_is_refused() {
        static MODE: StateSet<2> = StateSet::new("mode", "h", ["a", "b"]);
        static UP: Metric<Gauge> = Metric::new("up", "h");
        // `ns:_mode` would be the label's name, and label names have no `:`.
        let mut r: Registry<'_, 2> = Registry::new().with_namespace("ns:").unwrap();
        assert_eq!(r.register(&MODE), Err(RegisterError::InvalidStateLabel));
        r.register(&UP).unwrap(); // metric names may have `:`
        let mut shown: heapless::String<128> = heapless::String::new();
        core::fmt::write(
            &mut shown,
            format_args!("{}", r.register(&MODE).unwrap_err()),
        )
        .unwrap();
        assert!(shown.contains("namespace"), "{shown}");
        let mut r: Registry<'_, 2> = Registry::new();
        r.register(&MODE).unwrap();
        assert_eq!(
            r.with_namespace("ns:").err(),
            Some(NameError::InvalidLabelName)
        );
    }

    #[test]
    fn rejects_clashes_and_overflow() {
        static C: Metric<Counter> = Metric::new("x", "h");
        static G: Metric<Gauge> = Metric::new("x_total", "h");
        static G2: Metric<Gauge> = Metric::new("x", "h");
        static H: Metric<Histogram> = Metric::new("y", "h");
        static G3: Metric<Gauge> = Metric::new("y_bucket", "h");
        static OK: Metric<Gauge> = Metric::new("z", "h");
        let mut r: Registry<'_, 3> = Registry::new();
        r.register(&C).unwrap();
        assert_eq!(r.register(&G), Err(RegisterError::Duplicate));
        assert_eq!(r.register(&G2), Err(RegisterError::Duplicate));
        assert_eq!(r.register(&C), Err(RegisterError::Duplicate));
        r.register(&H).unwrap();
        assert_eq!(r.register(&G3), Err(RegisterError::Duplicate));
        r.register(&OK).unwrap();
        static MORE: Metric<Gauge> = Metric::new("w", "h");
        assert_eq!(r.register(&MORE), Err(RegisterError::Full { capacity: 3 }));
        assert_eq!(r.len(), 3);
    }

    #[test]
    fn concatenations() {
        for (a1, a2, b1, b2, eq) in [
            ("x", "_total", "x_total", "", true),
            ("x_total", "", "x", "_total", true),
            ("ab", "c", "a", "bc", true),
            ("ab", "c", "a", "bd", false),
            ("ab", "c", "a", "b", false),
            ("", "", "", "", true),
            ("a", "", "", "b", false),
        ] {
            assert_eq!(concat_eq(a1, a2, b1, b2), eq, "{a1}+{a2} vs {b1}+{b2}");
            assert_eq!(concat_eq(b1, b2, a1, a2), eq, "{b1}+{b2} vs {a1}+{a2}");
        }
    }

    #[test]
    fn const_labels_are_checked() {
        let r: Result<Registry<'_, 1>, _> = Registry::new().with_const_labels(&[("le", "x")]);
        assert_eq!(r.err(), Some(NameError::ReservedLabel));
        let r: Result<Registry<'_, 1>, _> =
            Registry::new().with_const_labels(&[("a", "x"), ("a", "y")]);
        assert_eq!(r.err(), Some(NameError::DuplicateLabel));
        let r: Result<Registry<'_, 1>, _> = Registry::new().with_namespace("bad-ns");
        assert_eq!(r.err(), Some(NameError::InvalidMetricName));
        static F: Family<Counter, 1, 1> = Family::new("f", "h", ["device"]);
        let mut r: Registry<'_, 1> = Registry::new()
            .with_const_labels(&[("device", "d1")])
            .unwrap();
        assert_eq!(r.register(&F), Err(RegisterError::LabelClash));
        assert!(r.is_empty());
    }

    #[test]
    fn created_samples_only_with_the_feature() {
        static C: Metric<Counter> = Metric::new("plain", "h");
        let clock = FixedClock(Duration::from_secs(99));
        let mut r: Registry<'_, 1> = Registry::new().with_wall_clock(&clock);
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
        let clock = FixedClock(Duration::from_secs(99));
        let mut r: Registry<'_, 1> = Registry::new().with_wall_clock(&clock);
        r.register(&C).unwrap();
        let want = cfg!(feature = "created").then_some(Duration::from_secs(99));
        assert_eq!(C.created(), want);
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
