//! [`Labels`]: the label names and values of one series, as the encoder reads them.

use core::fmt;

use super::label_value::LabelValue;

/// The labels of one series: names and values, in order.
#[derive(Debug, Clone, Copy)]
pub struct Labels<'a> {
    names: &'a [&'a str],
    values: LabelValues<'a>,
}

/// Where the values of [`Labels`] come from.
#[derive(Clone, Copy)]
enum LabelValues<'a> {
    /// Given by the caller.
    Given(&'a [&'a str]),
    /// Kept by a [`Family`](crate::Family) for one series.
    Stored(&'a dyn StoredLabels),
}

impl fmt::Debug for LabelValues<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabelValues::Given(v) => v.fmt(f),
            LabelValues::Stored(_) => f.write_str("[stored]"),
        }
    }
}

/// The label values a family keeps for one series, read one at a time (they are not `&str`s
/// on bare metal).
pub(crate) trait StoredLabels {
    /// The `i`th value.
    fn value(&self, i: usize) -> Option<LabelValue<'_>>;
}

impl<'a> Labels<'a> {
    /// No labels.
    pub const EMPTY: Labels<'static> = Labels {
        names: &[],
        values: LabelValues::Given(&[]),
    };

    /// Pairs names with values; extra names or values on either side are ignored.
    pub const fn new(names: &'a [&'a str], values: &'a [&'a str]) -> Self {
        Labels {
            names,
            values: LabelValues::Given(values),
        }
    }

    /// How many labels there are: names paired with a value (a family's stored labels have
    /// one value per name).
    #[cfg(feature = "remote-write")]
    pub(crate) fn count(&self) -> usize {
        match self.values {
            LabelValues::Given(v) => self.names.len().min(v.len()),
            LabelValues::Stored(_) => self.names.len(),
        }
    }

    /// Where the names are and how long each is: equal for two series whose label names are
    /// the same strings (remote write reuses the order it found for the first).
    #[cfg(feature = "remote-write")]
    pub(crate) fn names_key(&self) -> (usize, usize, usize) {
        let first = self.names.first().map_or(0, |n| n.as_ptr() as usize);
        (self.names.as_ptr() as usize, self.names.len(), first)
    }

    /// The same values with other names (escaped ones, for remote write).
    #[cfg(all(feature = "remote-write", feature = "utf8-names"))]
    pub(crate) fn with_names<'b>(&self, names: &'b [&'b str]) -> Labels<'b>
    where
        'a: 'b,
    {
        Labels {
            names,
            values: self.values,
        }
    }

    /// Pairs names with the values a family stores.
    pub(crate) const fn stored(names: &'a [&'a str], values: &'a dyn StoredLabels) -> Self {
        Labels {
            names,
            values: LabelValues::Stored(values),
        }
    }

    /// The `i`th pair.
    pub(crate) fn get(&self, i: usize) -> Option<(&'a str, LabelValue<'a>)> {
        let name = *self.names.get(i)?;
        let value = match self.values {
            LabelValues::Given(v) => LabelValue::str(v.get(i)?),
            LabelValues::Stored(v) => v.value(i)?,
        };
        Some((name, value))
    }
}
