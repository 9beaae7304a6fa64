//! Metric and label names, validated by `const fn` so that an invalid name in a `static` is a
//! compile error, and a metric's description ([`Desc`]).

use core::fmt;

/// Why a metric name, label name, unit or label set was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameError {
    /// The name is empty.
    Empty,
    /// A metric name must match `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    InvalidMetricName,
    /// A label name must match `[a-zA-Z_][a-zA-Z0-9_]*`.
    InvalidLabelName,
    /// Names starting with `__` are reserved for Prometheus' internal use.
    ReservedPrefix,
    /// The label name is reserved: `le` (histogram buckets) on histograms and as a constant
    /// label, `quantile` (summary quantiles) on summaries and as a constant label.
    ReservedLabel,
    /// The same label name appears twice.
    DuplicateLabel,
    /// A unit must match `[a-zA-Z0-9_]+`, and the metric name must end in `_<unit>`.
    InvalidUnit,
    /// The same state appears twice in a [`StateSet`](crate::StateSet): it would be the same
    /// series twice.
    DuplicateState,
    /// A [`StateSet`](crate::StateSet) needs at least one state.
    NoStates,
    /// A [`Family`](crate::Family) stores label values of at most 255 bytes: its `S` is larger.
    ValueCapacity,
    /// A [`Family`](crate::Family)'s [`Overflow`](crate::Overflow) value is longer than the
    /// family stores (its `S`).
    OverflowValue,
}

impl NameError {
    /// A static description of the error, usable in `const` panics.
    pub const fn as_str(&self) -> &'static str {
        match self {
            NameError::Empty => "name is empty",
            NameError::InvalidMetricName => "metric name must match [a-zA-Z_:][a-zA-Z0-9_:]*",
            NameError::InvalidLabelName => "label name must match [a-zA-Z_][a-zA-Z0-9_]*",
            NameError::ReservedPrefix => "names starting with `__` are reserved",
            NameError::ReservedLabel => {
                "label name is reserved (`le` for histogram buckets, `quantile` for summary quantiles)"
            }
            NameError::DuplicateLabel => "label name appears twice",
            NameError::InvalidUnit => {
                "unit must match [a-zA-Z0-9_]+ and the metric name must end in _<unit>"
            }
            NameError::DuplicateState => "the same state appears twice",
            NameError::NoStates => "a state set needs at least one state",
            NameError::ValueCapacity => {
                "a family stores label values of at most 255 bytes (its S is larger)"
            }
            NameError::OverflowValue => {
                "the overflow label value is longer than the family stores (its S)"
            }
        }
    }

    /// Panics with this error's description; in a `const` or `static` initializer this is a
    /// compile error naming the problem.
    #[track_caller]
    #[allow(clippy::panic)] // only reached through the documented panicking constructors
    pub(crate) const fn fail(self) -> ! {
        match self {
            NameError::Empty => panic!("edgeprom: name is empty"),
            NameError::InvalidMetricName => {
                panic!("edgeprom: metric name must match [a-zA-Z_:][a-zA-Z0-9_:]*")
            }
            NameError::InvalidLabelName => {
                panic!("edgeprom: label name must match [a-zA-Z_][a-zA-Z0-9_]*")
            }
            NameError::ReservedPrefix => panic!("edgeprom: names starting with `__` are reserved"),
            NameError::ReservedLabel => panic!(
                "edgeprom: label name is reserved (`le` for histogram buckets, `quantile` for summary quantiles)"
            ),
            NameError::DuplicateLabel => panic!("edgeprom: label name appears twice"),
            NameError::InvalidUnit => panic!(
                "edgeprom: unit must match [a-zA-Z0-9_]+ and the metric name must end in _<unit>"
            ),
            NameError::DuplicateState => panic!("edgeprom: the same state appears twice"),
            NameError::NoStates => panic!("edgeprom: a state set needs at least one state"),
            NameError::ValueCapacity => {
                panic!("edgeprom: a family stores label values of at most 255 bytes (its S is larger)")
            }
            NameError::OverflowValue => {
                panic!("edgeprom: the overflow label value is longer than the family stores (its S)")
            }
        }
    }
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::error::Error for NameError {}

const fn is_alpha_(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

/// Checks a name: first byte by `first`, the rest by `rest`, and the reserved `__` prefix.
const fn validate_name(name: &str, colons: bool, invalid: NameError) -> Result<(), NameError> {
    let [first, tail @ ..] = name.as_bytes() else {
        return Err(NameError::Empty);
    };
    if !(is_alpha_(*first) || (colons && *first == b':')) {
        return Err(invalid);
    }
    let mut rest = tail;
    while let [c, more @ ..] = rest {
        if !(is_alpha_(*c) || c.is_ascii_digit() || (colons && *c == b':')) {
            return Err(invalid);
        }
        rest = more;
    }
    if let [b'_', b'_', ..] = name.as_bytes() {
        return Err(NameError::ReservedPrefix);
    }
    Ok(())
}

/// Checks a metric name against `[a-zA-Z_:][a-zA-Z0-9_:]*` and the reserved `__` prefix.
pub const fn validate_metric_name(name: &str) -> Result<(), NameError> {
    validate_name(name, true, NameError::InvalidMetricName)
}

/// Checks a label name against `[a-zA-Z_][a-zA-Z0-9_]*` and the reserved `__` prefix.
pub const fn validate_label_name(name: &str) -> Result<(), NameError> {
    validate_name(name, false, NameError::InvalidLabelName)
}

/// Checks a metric or label name a user opted into UTF-8 for: any UTF-8 (`&str` is), but not
/// empty and not starting with the reserved `__`. Such a name is written quoted or escaped
/// ([`Escaping`](crate::Escaping)).
pub const fn validate_utf8_name(name: &str) -> Result<(), NameError> {
    match name.as_bytes() {
        [] => Err(NameError::Empty),
        [b'_', b'_', ..] => Err(NameError::ReservedPrefix),
        _ => Ok(()),
    }
}

/// Checks a list of label names: each valid, none duplicated, none equal to `reserved`.
pub const fn validate_label_names(names: &[&str], reserved: Option<&str>) -> Result<(), NameError> {
    validate_label_names_as(names, reserved, false)
}

/// As [`validate_label_names`], with UTF-8 names allowed when `utf8`
/// ([`validate_utf8_name`]).
pub const fn validate_label_names_as(
    names: &[&str],
    reserved: Option<&str>,
    utf8: bool,
) -> Result<(), NameError> {
    let mut rest = names;
    while let [name, more @ ..] = rest {
        let valid = if utf8 {
            validate_utf8_name(name)
        } else {
            validate_label_name(name)
        };
        if let Err(e) = valid {
            return Err(e);
        }
        if let Some(r) = reserved {
            if str_eq(name, r) {
                return Err(NameError::ReservedLabel);
            }
        }
        let mut others = more;
        while let [other, tail @ ..] = others {
            // UTF-8 names that escape alike would be the same label in an escaped document.
            let same = if utf8 {
                crate::clash::escaped_eq(name, "", other, "", false)
            } else {
                str_eq(name, other)
            };
            if same {
                return Err(NameError::DuplicateLabel);
            }
            others = tail;
        }
        rest = more;
    }
    Ok(())
}

/// `a == b` on bytes, usable in `const fn`.
const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    let (mut a, mut b) = (a, b);
    loop {
        match (a, b) {
            ([x, a2 @ ..], [y, b2 @ ..]) => {
                if *x != *y {
                    return false;
                }
                a = a2;
                b = b2;
            }
            ([], []) => return true,
            _ => return false,
        }
    }
}

/// `a == b`, usable in `const fn`.
pub(crate) const fn str_eq(a: &str, b: &str) -> bool {
    bytes_eq(a.as_bytes(), b.as_bytes())
}

/// `s.ends_with(suffix)`, usable in `const fn`.
pub(crate) const fn ends_with(s: &str, suffix: &str) -> bool {
    let (s, x) = (s.as_bytes(), suffix.as_bytes());
    if x.len() > s.len() {
        return false;
    }
    let (_, tail) = s.split_at(s.len() - x.len());
    bytes_eq(tail, x)
}

/// `s` without its last `n` bytes, usable in `const fn`; `s` itself when the cut is not on a
/// character boundary (never the case for the ASCII suffixes this is used with).
pub(crate) const fn trim_end(s: &str, n: usize) -> &str {
    if n > s.len() {
        return s;
    }
    let (head, _) = s.as_bytes().split_at(s.len() - n);
    match core::str::from_utf8(head) {
        Ok(h) => h,
        Err(_) => s,
    }
}

/// The description of a metric family: its name, help text and optional unit.
///
/// Metric names are validated when the `Desc` is made; see [`validate_metric_name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Desc<'a> {
    name: &'a str,
    help: &'a str,
    unit: Option<&'a str>,
    /// Kept only with the feature: without it a `Desc` is as small as before.
    #[cfg(feature = "utf8-names")]
    utf8: bool,
}

impl<'a> Desc<'a> {
    /// A validated description. `strip` is a suffix removed from the name when present (`_total`
    /// for counters, `_info` for info metrics: the exposition adds it back).
    pub const fn try_new(
        name: &'a str,
        help: &'a str,
        strip: Option<&'static str>,
    ) -> Result<Self, NameError> {
        Self::build(name, help, strip, false)
    }

    /// As [`try_new`](Self::try_new) (feature `utf8-names`), for a family that opted into
    /// UTF-8 names: the name may
    /// be any UTF-8 but empty or starting with `__` (and so may its label names). Names
    /// outside the legacy character set are written quoted where the scraper accepts
    /// `escaping=allow-utf-8` and the format has quoted names, escaped otherwise.
    #[cfg(feature = "utf8-names")]
    #[cfg_attr(docsrs, doc(cfg(feature = "utf8-names")))]
    pub const fn try_new_utf8(
        name: &'a str,
        help: &'a str,
        strip: Option<&'static str>,
    ) -> Result<Self, NameError> {
        Self::build(name, help, strip, true)
    }

    /// As [`try_new`](Self::try_new), or with `utf8` (only ever set through the feature
    /// `utf8-names`) as `try_new_utf8`.
    pub(crate) const fn try_new_as(
        name: &'a str,
        help: &'a str,
        strip: Option<&'static str>,
        utf8: bool,
    ) -> Result<Self, NameError> {
        Self::build(name, help, strip, utf8)
    }

    /// The name without `strip`, checked as a legacy or (`utf8`) a UTF-8 name.
    const fn build(
        name: &'a str,
        help: &'a str,
        strip: Option<&'static str>,
        utf8: bool,
    ) -> Result<Self, NameError> {
        let mut name = name;
        if let Some(s) = strip {
            if ends_with(name, s) && name.len() > s.len() {
                name = trim_end(name, s.len());
            }
        }
        let valid = if utf8 {
            validate_utf8_name(name)
        } else {
            validate_metric_name(name)
        };
        if let Err(e) = valid {
            return Err(e);
        }
        Ok(Desc {
            name,
            help,
            unit: None,
            #[cfg(feature = "utf8-names")]
            utf8,
        })
    }

    /// The same description under another name, a legacy one (a UTF-8 name escaped, for
    /// remote write).
    #[cfg(all(feature = "remote-write", feature = "utf8-names"))]
    pub(crate) const fn renamed<'b>(&self, name: &'b str) -> Desc<'b>
    where
        'a: 'b,
    {
        Desc {
            name,
            help: self.help,
            unit: self.unit,
            utf8: false,
        }
    }

    /// Whether this family opted into UTF-8 names (its own and its labels').
    #[cfg(feature = "utf8-names")]
    pub const fn utf8(&self) -> bool {
        self.utf8
    }

    /// Whether this family opted into UTF-8 names: never without the feature `utf8-names`,
    /// so that no quoting nor escaping code is linked.
    #[cfg(not(feature = "utf8-names"))]
    pub const fn utf8(&self) -> bool {
        false
    }

    /// Adds a unit (OpenMetrics `# UNIT`). The metric name must end in `_<unit>`.
    pub const fn try_with_unit(self, unit: &'a str) -> Result<Self, NameError> {
        if unit.is_empty() {
            return Err(NameError::InvalidUnit);
        }
        let mut rest = unit.as_bytes();
        while let [c, more @ ..] = rest {
            if !(c.is_ascii_alphanumeric() || *c == b'_') {
                return Err(NameError::InvalidUnit);
            }
            rest = more;
        }
        // The name must be `<something>_<unit>`.
        let n = self.name.as_bytes();
        if n.len() <= unit.len() + 1 || !ends_with(self.name, unit) {
            return Err(NameError::InvalidUnit);
        }
        let (head, _) = n.split_at(n.len() - unit.len());
        if !matches!(head, [.., b'_']) {
            return Err(NameError::InvalidUnit);
        }
        Ok(Desc {
            name: self.name,
            help: self.help,
            unit: Some(unit),
            #[cfg(feature = "utf8-names")]
            utf8: self.utf8,
        })
    }

    /// The family name, without suffixes such as `_total`.
    pub const fn name(&self) -> &'a str {
        self.name
    }

    /// The help text, unescaped.
    pub const fn help(&self) -> &'a str {
        self.help
    }

    /// The unit, if any.
    pub const fn unit(&self) -> Option<&'a str> {
        self.unit
    }
}

/// The type of a metric family, as the exposition formats name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricType {
    /// Monotonic counter, exposed with `_total`.
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// Cumulative buckets with `_count` and `_sum`.
    Histogram,
    /// `_count` and `_sum`.
    Summary,
    /// Constant labels with the value 1, exposed with `_info`.
    Info,
    /// One of a fixed set of states (Python's `Enum`).
    StateSet,
    /// Untyped.
    Unknown,
}

impl MetricType {
    /// Whether series of this type have a `_created` sample.
    pub const fn has_created(self) -> bool {
        matches!(
            self,
            MetricType::Counter | MetricType::Histogram | MetricType::Summary
        )
    }

    /// The label name this type reserves for itself (`le`, `quantile`).
    pub const fn reserved_label(self) -> Option<&'static str> {
        match self {
            MetricType::Histogram => Some("le"),
            MetricType::Summary => Some("quantile"),
            _ => None,
        }
    }

    /// The suffix stripped from a given name because the exposition adds it back.
    pub const fn strip_suffix(self) -> Option<&'static str> {
        match self {
            MetricType::Counter => Some("_total"),
            MetricType::Info => Some("_info"),
            _ => None,
        }
    }

    /// Every suffix of the names this type writes, as a family or a sample, in any format:
    /// none (the family name), the header suffix of Prometheus text and the sample suffixes.
    pub const fn written_suffixes(self) -> &'static [&'static str] {
        match self {
            MetricType::Counter => &["", "_total", "_created"],
            MetricType::Histogram => &["", "_bucket", "_count", "_sum", "_created"],
            MetricType::Summary => &["", "_count", "_sum", "_created"],
            MetricType::Info => &["", "_info"],
            MetricType::Gauge | MetricType::StateSet | MetricType::Unknown => &[""],
        }
    }

    /// The suffixes of the sample names this type writes (the family name plus each).
    pub const fn sample_suffixes(self) -> &'static [&'static str] {
        match self {
            MetricType::Counter => &["_total", "_created"],
            MetricType::Histogram => &["_bucket", "_count", "_sum", "_created"],
            MetricType::Summary => &["", "_count", "_sum", "_created"],
            MetricType::Info => &["_info"],
            MetricType::Gauge | MetricType::StateSet | MetricType::Unknown => &[""],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names() {
        assert_eq!(validate_metric_name("http_requests:rate5m"), Ok(()));
        assert_eq!(validate_metric_name("_x"), Ok(()));
        assert_eq!(validate_metric_name(""), Err(NameError::Empty));
        assert_eq!(
            validate_metric_name("1abc"),
            Err(NameError::InvalidMetricName)
        );
        assert_eq!(
            validate_metric_name("a-b"),
            Err(NameError::InvalidMetricName)
        );
        assert_eq!(
            validate_metric_name("café"),
            Err(NameError::InvalidMetricName)
        );
        assert_eq!(
            validate_metric_name("__internal"),
            Err(NameError::ReservedPrefix)
        );
    }

    #[test]
    fn label_names() {
        assert_eq!(validate_label_name("method"), Ok(()));
        assert_eq!(validate_label_name("a:b"), Err(NameError::InvalidLabelName));
        assert_eq!(validate_label_name("9"), Err(NameError::InvalidLabelName));
        assert_eq!(
            validate_label_name("__name__"),
            Err(NameError::ReservedPrefix)
        );
        assert_eq!(
            validate_label_names(&["a", "b", "a"], None),
            Err(NameError::DuplicateLabel)
        );
        assert_eq!(
            validate_label_names(&["le"], Some("le")),
            Err(NameError::ReservedLabel)
        );
        assert_eq!(validate_label_names(&["le"], Some("quantile")), Ok(()));
    }

    #[test]
    fn desc_strips_and_units() {
        let d = Desc::try_new("my_failures_total", "h", Some("_total")).unwrap();
        assert_eq!(d.name(), "my_failures");
        // A bare suffix is not stripped to an empty name.
        assert_eq!(
            Desc::try_new("_total", "h", Some("_total")).unwrap().name(),
            "_total"
        );
        let d = Desc::try_new("latency_seconds", "h", None).unwrap();
        assert_eq!(d.try_with_unit("seconds").unwrap().unit(), Some("seconds"));
        assert_eq!(d.try_with_unit("bytes"), Err(NameError::InvalidUnit));
        assert_eq!(d.try_with_unit("se conds"), Err(NameError::InvalidUnit));
        let bare = Desc::try_new("seconds", "h", None).unwrap();
        assert_eq!(bare.try_with_unit("seconds"), Err(NameError::InvalidUnit));
    }

    #[test]
    fn every_error_has_a_message() {
        for e in [
            NameError::Empty,
            NameError::InvalidMetricName,
            NameError::InvalidLabelName,
            NameError::ReservedPrefix,
            NameError::ReservedLabel,
            NameError::DuplicateLabel,
            NameError::InvalidUnit,
            NameError::DuplicateState,
            NameError::NoStates,
            NameError::ValueCapacity,
            NameError::OverflowValue,
        ] {
            assert!(!e.as_str().is_empty());
        }
    }
}
