//! [`Overflow`] (feature `overflow`): what a full [`Family`](super::Family) does with a new
//! label set, and [`CountRefused`], the self-metric that counts the label sets it refused.

#[cfg(feature = "overflow")]
use core::fmt;

use crate::counter::{Counter, CounterValue};
use crate::metric::Metric;

/// Counts the label sets a full family refused (folded into its overflow series; a
/// [`DynFamily`](https://docs.rs/edgeprom-std) of `edgeprom-std` counts into one too): one call
/// per refused resolve, with the refusing family's name.
///
/// Implemented by a [`Counter`], a [`Metric<Counter>`] (one total over every family that
/// names it) and a one-label [`Family`](super::Family) of counters (a series per refusing
/// family, labelled with its name); a full counting family counts nothing more.
pub trait CountRefused: Sync {
    /// One label set of the family `family` was refused.
    fn refused(&self, family: &str);
}

impl<V: CounterValue> CountRefused for Counter<V> {
    fn refused(&self, _family: &str) {
        self.inc();
    }
}

impl<V: CounterValue> CountRefused for Metric<Counter<V>> {
    fn refused(&self, _family: &str) {
        self.inc();
    }
}

impl<V: CounterValue, const N: usize, const S: usize> CountRefused
    for super::Family<Counter<V>, 1, N, S>
{
    fn refused(&self, family: &str) {
        if let Ok(c) = self.labels([family]) {
            c.inc();
        }
    }
}

/// What a full family does with a label set it has no room for: by default (no `Overflow`
/// given) it refuses it with [`LabelError::Full`](super::LabelError::Full); with an `Overflow`
/// it folds it into one series whose every label is [`value`](Self::value) (`other`, say),
/// and counts it in [`counter`](Self::counter) if there is one. Its last slot is kept for
/// that series, so `N - 1` label sets of their own fit.
///
/// ```
/// use edgeprom::{Counter, Family, FamilyBuilder, Metric, Overflow};
/// static REFUSED: Metric<Counter> =
///     Metric::new("edgeprom_label_sets_refused", "Label sets folded into `other`");
/// static FOLD: Overflow = Overflow::fold("other").counted_by(&REFUSED);
/// static ROUTES: Family<Counter, 1, 3> =
///     FamilyBuilder::new("http_requests", "Requests", ["route"]).overflow(&FOLD).build();
///
/// ROUTES.labels(["/a"])?.inc();
/// ROUTES.labels(["/b"])?.inc();
/// ROUTES.labels(["/c"])?.inc(); // no room: into `other`
/// ROUTES.labels(["/d"])?.inc();
/// assert_eq!(ROUTES.get(["other"]).map(|c| c.get()), Some(2));
/// assert_eq!(REFUSED.get(), 2);
/// # Ok::<(), edgeprom::LabelError>(())
/// ```
#[cfg(feature = "overflow")]
#[cfg_attr(docsrs, doc(cfg(feature = "overflow")))]
#[derive(Clone, Copy)]
pub struct Overflow {
    value: &'static str,
    counter: Option<&'static dyn CountRefused>,
}

#[cfg(feature = "overflow")]
impl fmt::Debug for Overflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Overflow")
            .field("value", &self.value)
            .field("counted", &self.counter.is_some())
            .finish()
    }
}

#[cfg(feature = "overflow")]
impl Overflow {
    /// Folds label sets that find no room into the series with every label set to `value`
    /// (which must fit the family's `S`: checked when the family is built).
    pub const fn fold(value: &'static str) -> Self {
        Overflow {
            value,
            counter: None,
        }
    }

    /// Counts every folded label set in `counter`.
    pub const fn counted_by(mut self, counter: &'static dyn CountRefused) -> Self {
        self.counter = Some(counter);
        self
    }

    /// The value every label of the overflow series has.
    pub const fn value(&self) -> &'static str {
        self.value
    }

    /// The self-metric that counts folded label sets, if any.
    pub fn counter(&self) -> Option<&'static dyn CountRefused> {
        self.counter
    }
}
