//! What every metric shares: the [`State`] a series holds, the [`Collect`] trait a registry
//! encodes through, and [`Metric`], a named unlabelled metric.

use core::fmt;
use core::ops::Deref;
use core::time::Duration;

use crate::encode::{Encoder, Labels, Series, SeriesTable};
use crate::name::{Desc, MetricType, NameError};

/// The state of one series: what an unlabelled [`Metric`] holds, and what each child of a
/// [`Family`](crate::Family) holds. Implemented by [`Counter`](crate::Counter),
/// [`Gauge`](crate::Gauge), [`Histogram`](crate::Histogram) and [`Summary`](crate::Summary);
/// implement it (and [`Series`], how it is written) to put your own series type into
/// families.
pub trait State: Series + Sync {
    /// A fresh series, for `const` construction.
    const INIT: Self;
    /// The family's type.
    const TYPE: MetricType;
    /// Sets the creation time unless one is known (types without `_created` ignore it).
    fn init_created(&self, _unix: Duration) {}
}

/// A metric family a [`Registry`](crate::Registry) can hold and encode.
pub trait Collect: Sync {
    /// Name, help and unit.
    fn desc(&self) -> Desc<'_>;
    /// The family's type.
    fn metric_type(&self) -> MetricType;
    /// The name of the `i`th label its series carry (besides `le`, `quantile` and a state
    /// set's label), `None` past the last. A registry checks them against its constant labels.
    fn label_name(&self, i: usize) -> Option<&str> {
        let _ = i;
        None
    }
    /// Writes the whole family.
    fn encode(&self, enc: &mut Encoder<'_>) -> fmt::Result;
    /// Called on registration when the registry has a wall clock: sets unknown creation times.
    fn init_created(&self, _unix: Duration) {}
    /// Called on registration when the registry has a wall clock, before
    /// [`init_created`](Self::init_created): a family without a clock of its own keeps this
    /// one to stamp the series it creates afterwards (on hosts; on bare metal a
    /// [`Family`](crate::Family) names its clock with
    /// [`FamilyBuilder::wall_clock`](crate::FamilyBuilder::wall_clock)). Metrics without
    /// series created later ignore it.
    fn adopt_wall_clock(&self, _clock: &'static dyn crate::clock::WallClock) {}
}

/// A named metric without labels: a [`Desc`] and one series.
///
/// ```
/// use edgeprom::{Counter, Metric};
/// static FAILURES: Metric<Counter> = Metric::new("my_failures", "Description of counter");
/// FAILURES.inc();
/// assert_eq!(FAILURES.get(), 1);
/// ```
///
/// An invalid name in a `static` is a compile error:
///
/// ```compile_fail
/// use edgeprom::{Counter, Metric};
/// static BAD: Metric<Counter> = Metric::new("my-failures", "dash is not allowed");
/// ```
#[derive(Debug)]
pub struct Metric<T: State> {
    desc: Desc<'static>,
    state: T,
}

impl<T: State> Metric<T> {
    /// A metric named `name` (a counter's `_total` suffix is stripped; the exposition adds it).
    ///
    /// # Panics
    /// When the name is invalid; in a `static` or `const` that is a compile error. Use
    /// [`Metric::try_new`] for names known only at run time.
    #[track_caller]
    pub const fn new(name: &'static str, help: &'static str) -> Self {
        let desc = match Desc::try_new(name, help, T::TYPE.strip_suffix()) {
            Ok(d) => d,
            Err(e) => e.fail(),
        };
        Metric {
            desc,
            state: T::INIT,
        }
    }

    /// A metric, or why the name is invalid.
    pub const fn try_new(name: &'static str, help: &'static str) -> Result<Self, NameError> {
        match Desc::try_new(name, help, T::TYPE.strip_suffix()) {
            Ok(desc) => Ok(Metric {
                desc,
                state: T::INIT,
            }),
            Err(e) => Err(e),
        }
    }

    /// A metric whose name may be any UTF-8 (`my.metric`), but empty or starting with `__`
    /// (checked at compile time in a `static`). Where the scraper accepts
    /// `escaping=allow-utf-8` in text 1.0.0 or OpenMetrics 1.0.0 it is written quoted
    /// (`{"my.metric"} 1`); everywhere else escaped by the scheme the scraper names
    /// ([`Escaping`](crate::Escaping), `underscores` by default: `my_metric`).
    ///
    /// # Panics
    /// When the name is empty or starts with `__`; in a `static` a compile error.
    #[track_caller]
    #[cfg(feature = "utf8-names")]
    #[cfg_attr(docsrs, doc(cfg(feature = "utf8-names")))]
    pub const fn utf8(name: &'static str, help: &'static str) -> Self {
        let desc = match Desc::try_new_utf8(name, help, T::TYPE.strip_suffix()) {
            Ok(d) => d,
            Err(e) => e.fail(),
        };
        Metric {
            desc,
            state: T::INIT,
        }
    }

    /// As [`utf8`](Self::utf8), or why the name is invalid.
    #[cfg(feature = "utf8-names")]
    #[cfg_attr(docsrs, doc(cfg(feature = "utf8-names")))]
    pub const fn try_utf8(name: &'static str, help: &'static str) -> Result<Self, NameError> {
        match Desc::try_new_utf8(name, help, T::TYPE.strip_suffix()) {
            Ok(desc) => Ok(Metric {
                desc,
                state: T::INIT,
            }),
            Err(e) => Err(e),
        }
    }

    /// A metric with a unit (OpenMetrics `# UNIT`); the name must end in `_<unit>`.
    ///
    /// # Panics
    /// When the name or unit is invalid (a compile error in a `static`).
    #[track_caller]
    pub const fn with_unit(name: &'static str, help: &'static str, unit: &'static str) -> Self {
        let desc = match Desc::try_new(name, help, T::TYPE.strip_suffix()) {
            Ok(d) => match d.try_with_unit(unit) {
                Ok(d) => d,
                Err(e) => e.fail(),
            },
            Err(e) => e.fail(),
        };
        Metric {
            desc,
            state: T::INIT,
        }
    }

    /// The name, help and unit.
    pub const fn desc(&self) -> &Desc<'static> {
        &self.desc
    }

    /// What [`static_registry!`](crate::static_registry!) checks at compile time.
    #[doc(hidden)]
    pub const fn __parts(&self) -> crate::static_registry::Parts<'_> {
        crate::static_registry::Parts {
            name: self.desc.name(),
            ty: T::TYPE,
            labels: &[],
        }
    }

    /// The series itself.
    pub const fn state(&self) -> &T {
        &self.state
    }
}

impl<T: State> Deref for Metric<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.state
    }
}

impl<T: State> Collect for Metric<T> {
    fn desc(&self) -> Desc<'_> {
        self.desc
    }
    fn metric_type(&self) -> MetricType {
        T::TYPE
    }
    fn encode(&self, enc: &mut Encoder<'_>) -> fmt::Result {
        enc.put_family(&self.desc, T::TYPE, self)
    }
    fn init_created(&self, unix: Duration) {
        self.state.init_created(unix)
    }
}

impl<T: State> SeriesTable for Metric<T> {
    fn series_count(&self) -> usize {
        1
    }
    fn series(&self, _: usize) -> Option<(Labels<'_>, &dyn Series)> {
        Some((Labels::EMPTY, &self.state))
    }
}
