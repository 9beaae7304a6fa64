//! [`StaticRegistry`]: a registry fixed at compile time, in a `static`, declared with
//! [`static_registry!`](crate::static_registry!). Its name clashes (every name each family
//! writes, by the rule of [`name_clash`]), constant labels that repeat a family's label, and
//! an invalid namespace or constant label are compile errors, and using it links no
//! registration code. The run-time [`Registry`](crate::Registry) stays for code that builds
//! its list at run time.

use core::fmt;

use crate::clash::{label_clash, name_clash};
use crate::encode::{EncodeError, Escaping, Format, Negotiated};
use crate::metric::Collect;
use crate::name::{self, MetricType};
use crate::registry::{encode_to_slice, encode_to_writer};

/// Families fixed at compile time, encoded in declaration order. See
/// [`static_registry!`](crate::static_registry!).
pub struct StaticRegistry<const N: usize> {
    metrics: [&'static dyn Collect; N],
    namespace: &'static str,
    const_labels: &'static [(&'static str, &'static str)],
}

impl<const N: usize> fmt::Debug for StaticRegistry<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticRegistry")
            .field("namespace", &self.namespace)
            .field("const_labels", &self.const_labels)
            .field("families", &N)
            .finish()
    }
}

impl<const N: usize> StaticRegistry<N> {
    /// Used by [`static_registry!`](crate::static_registry!), after its compile-time checks.
    #[doc(hidden)]
    pub const fn __new(
        metrics: [&'static dyn Collect; N],
        namespace: &'static str,
        const_labels: &'static [(&'static str, &'static str)],
    ) -> Self {
        StaticRegistry {
            metrics,
            namespace,
            const_labels,
        }
    }

    /// Writes the whole exposition into `buf` and returns its length, as
    /// [`Registry::encode`](crate::Registry::encode) does.
    pub fn encode(&self, format: Format, buf: &mut [u8]) -> Result<usize, EncodeError> {
        encode_to_slice(
            &self.metrics,
            self.namespace,
            self.const_labels,
            true,
            format,
            Escaping::Underscores,
            buf,
        )
    }

    /// As [`Registry::encode_escaped`](crate::Registry::encode_escaped).
    pub fn encode_escaped(
        &self,
        format: Format,
        escaping: Escaping,
        buf: &mut [u8],
    ) -> Result<usize, EncodeError> {
        let (ns, labels) = (self.namespace, self.const_labels);
        encode_to_slice(&self.metrics, ns, labels, true, format, escaping, buf)
    }

    /// As [`Registry::encode_to_escaped`](crate::Registry::encode_to_escaped).
    pub fn encode_to_escaped(
        &self,
        format: Format,
        escaping: Escaping,
        out: &mut dyn fmt::Write,
    ) -> fmt::Result {
        let (ns, labels) = (self.namespace, self.const_labels);
        encode_to_writer(&self.metrics, ns, labels, true, format, escaping, out)
    }

    /// As [`Registry::encode_negotiated`](crate::Registry::encode_negotiated).
    pub fn encode_negotiated(&self, n: Negotiated, out: &mut dyn fmt::Write) -> fmt::Result {
        let format = n.format().text_format().ok_or(fmt::Error)?;
        self.encode_to_escaped(format, n.escaping(), out)
    }

    /// Writes the whole exposition into any [`fmt::Write`].
    pub fn encode_to(&self, format: Format, out: &mut dyn fmt::Write) -> fmt::Result {
        self.encode_to_escaped(format, Escaping::Underscores, out)
    }

    /// The families, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'static dyn Collect> + '_ {
        self.metrics.iter().copied()
    }

    /// The families, in order.
    #[cfg(any(feature = "remote-write", feature = "protobuf"))]
    pub(crate) fn families(&self) -> &[&'static dyn Collect] {
        &self.metrics
    }

    /// The namespace prefix (`""` for none).
    pub const fn namespace(&self) -> &'static str {
        self.namespace
    }

    /// The constant labels.
    pub const fn const_labels(&self) -> &'static [(&'static str, &'static str)] {
        self.const_labels
    }
}

/// What the compile-time checks read of a family: its name, type and label names. Every
/// metric type of this crate gives it by a `const fn __parts`.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Parts<'a> {
    /// The family name (without namespace).
    pub name: &'static str,
    /// Its type.
    pub ty: MetricType,
    /// Its label names.
    pub labels: &'a [&'static str],
}

/// The longest message a compile-time check builds.
const MESSAGE: usize = 200;

/// Panics (a compile error in `const` context) with `parts` concatenated, cut at
/// [`MESSAGE`] bytes (a cut inside a character gives a shorter, generic message).
#[track_caller]
#[allow(clippy::panic)] // only reached in the compile-time checks of `static_registry!`
const fn fail(parts: &[&str]) -> ! {
    let mut buf = [0u8; MESSAGE];
    let mut len = 0;
    let mut rest = parts;
    while let [part, more @ ..] = rest {
        let mut bytes = part.as_bytes();
        while let [b, tail @ ..] = bytes {
            if let Some((_, [slot, ..])) = buf.split_at_mut_checked(len) {
                *slot = *b;
                len += 1;
            }
            bytes = tail;
        }
        rest = more;
    }
    let text = match buf.split_at_checked(len) {
        Some((head, _)) => match core::str::from_utf8(head) {
            Ok(s) => s,
            Err(_) => "edgeprom: static_registry! check failed",
        },
        None => "edgeprom: static_registry! check failed",
    };
    panic!("{}", text)
}

/// The namespace and constant labels are valid: the same checks as
/// [`Registry::with_namespace`](crate::Registry::with_namespace) and
/// [`with_const_labels`](crate::Registry::with_const_labels).
#[doc(hidden)]
#[track_caller]
pub const fn __check_registry(namespace: &str, const_labels: &[(&str, &str)]) {
    if !namespace.is_empty() {
        if let Err(e) = name::validate_metric_name(namespace) {
            fail(&[
                "edgeprom: invalid namespace `",
                namespace,
                "`: ",
                e.as_str(),
            ]);
        }
    }
    let mut rest = const_labels;
    while let [(label, _), more @ ..] = rest {
        if let Err(e) = name::validate_label_name(label) {
            fail(&[
                "edgeprom: invalid constant label `",
                label,
                "`: ",
                e.as_str(),
            ]);
        }
        if name::str_eq(label, "le") || name::str_eq(label, "quantile") {
            let e = name::NameError::ReservedLabel;
            fail(&[
                "edgeprom: invalid constant label `",
                label,
                "`: ",
                e.as_str(),
            ]);
        }
        let mut others = more;
        while let [(other, _), tail @ ..] = others {
            if name::str_eq(label, other) {
                fail(&["edgeprom: constant label `", label, "` is given twice"]);
            }
            others = tail;
        }
        rest = more;
    }
}

/// One family fits the registry's namespace and constant labels, as
/// [`Registry::register`](crate::Registry::register) checks.
#[doc(hidden)]
#[track_caller]
pub const fn __check_family(namespace: &str, const_labels: &[(&str, &str)], family: Parts<'_>) {
    let state_set = matches!(family.ty, MetricType::StateSet);
    if state_set && contains_colon(namespace) {
        fail(&[
            "edgeprom: the state set `",
            family.name,
            "` cannot be under the namespace `",
            namespace,
            "`: its label, named after it, cannot contain `:`",
        ]);
    }
    let mut rest = const_labels;
    while let [(label, _), more @ ..] = rest {
        if label_clash(namespace, label, family.name, state_set, family.labels) {
            fail(&[
                "edgeprom: `",
                family.name,
                "` has the label `",
                label,
                "`, which is also a constant label",
            ]);
        }
        rest = more;
    }
}

/// No two families write the same name.
#[doc(hidden)]
#[track_caller]
pub const fn __check_names(families: &[(&str, MetricType)]) {
    let mut rest = families;
    while let [(a, a_ty), more @ ..] = rest {
        let mut others = more;
        while let [(b, b_ty), tail @ ..] = others {
            if let Some(c) = name_clash(a, *a_ty, b, *b_ty) {
                fail(&[
                    "edgeprom: `",
                    a,
                    c.a_suffix,
                    "` is written by both `",
                    a,
                    "` and `",
                    b,
                    "`",
                ]);
            }
            others = tail;
        }
        rest = more;
    }
}

const fn contains_colon(s: &str) -> bool {
    let mut bytes = s.as_bytes();
    while let [b, more @ ..] = bytes {
        if *b == b':' {
            return true;
        }
        bytes = more;
    }
    false
}

/// Declares metrics in `static`s and a [`StaticRegistry`] of them, checked at compile time:
/// a name clash between two of them (by [`name_clash`](crate::name_clash)), a constant label
/// that is also a family's label, or an invalid namespace or constant label does not compile.
///
/// ```
/// use edgeprom::{static_registry, Counter, Family, Format, Histogram, Metric};
///
/// static_registry! {
///     /// Everything this firmware reports.
///     pub static METRICS (namespace "sensor", const_labels &[("device", "dev-01")]) {
///         pub static BOOTS: Metric<Counter> = Metric::new("boots", "Boots since flashing");
///         pub static FRAMES: Family<Counter, 1, 4, 8> =
///             Family::new("frames", "Frames by port", ["port"]);
///         pub static LOOP: Metric<Histogram> = Metric::new("loop_seconds", "Main loop");
///     }
/// }
///
/// BOOTS.inc();
/// FRAMES.labels(["uart0"])?.inc();
/// let mut buf = [0u8; 2048];
/// let n = METRICS.encode(Format::Prometheus, &mut buf)?;
/// let text = core::str::from_utf8(&buf[..n])?;
/// assert!(text.contains("sensor_boots_total{device=\"dev-01\"} 1\n"));
/// assert!(text.contains("sensor_frames_total{device=\"dev-01\",port=\"uart0\"} 1\n"));
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
///
/// A clash is a compile error (a histogram `m` writes `m_count`):
///
/// ```compile_fail
/// use edgeprom::{static_registry, Counter, Histogram, Metric};
/// static_registry! {
///     static METRICS {
///         static H: Metric<Histogram> = Metric::new("m", "h");
///         static C: Metric<Counter> = Metric::new("m_count", "h");
///     }
/// }
/// ```
///
/// So is a constant label that a family also has:
///
/// ```compile_fail
/// use edgeprom::{static_registry, Counter, Family};
/// static_registry! {
///     static METRICS (namespace "", const_labels &[("port", "x")]) {
///         static F: Family<Counter, 1, 4> = Family::new("frames", "h", ["port"]);
///     }
/// }
/// ```
#[macro_export]
macro_rules! static_registry {
    (
        $(#[$m:meta])* $vis:vis static $name:ident {
            $( $(#[$mm:meta])* $mvis:vis static $metric:ident : $ty:ty = $init:expr ; )+
        }
    ) => {
        $crate::static_registry! {
            $(#[$m])* $vis static $name (namespace "", const_labels &[]) {
                $( $(#[$mm])* $mvis static $metric: $ty = $init; )+
            }
        }
    };
    (
        $(#[$m:meta])* $vis:vis static $name:ident (namespace $ns:expr, const_labels $labels:expr) {
            $( $(#[$mm:meta])* $mvis:vis static $metric:ident : $ty:ty = $init:expr ; )+
        }
    ) => {
        $( $(#[$mm])* $mvis static $metric: $ty = $init; )+

        // `forget` keeps a family that has drop glue from being dropped in `const` context;
        // for one without, clippy would flag it in every user's crate.
        #[allow(clippy::forget_non_drop)]
        const _: () = {
            $crate::static_registry::__check_registry($ns, $labels);
            // Each family built again, as a value the checks can read (a `static` cannot be
            // read at compile time), checked, and forgotten (it is never dropped).
            let names = [$({
                let family: $ty = $init;
                let parts = family.__parts();
                $crate::static_registry::__check_family($ns, $labels, parts);
                let name = (parts.name, parts.ty);
                ::core::mem::forget(family);
                name
            }),+];
            $crate::static_registry::__check_names(&names);
        };

        $(#[$m])*
        $vis static $name: $crate::StaticRegistry<{ $crate::__count!($($metric)+) }> =
            $crate::StaticRegistry::__new([$( &$metric as &dyn $crate::Collect ),+], $ns, $labels);
    };
}
