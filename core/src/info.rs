//! [`Info`]: constant key-value pairs exposed as one series with the value 1 (Python's `Info`),
//! for build versions, device ids and the like.

use core::fmt;

use crate::encode::{Encoder, Labels};
use crate::metric::Collect;
use crate::name::{self, Desc, MetricType, NameError};

/// `<name>_info{key="value",...} 1`.
///
/// ```
/// use edgeprom::Info;
/// static BUILD: Info<2> = Info::new("build", "Build information",
///     [("version", "1.2.3"), ("buildhost", "foo@bar")]);
/// ```
#[derive(Debug)]
pub struct Info<'a, const L: usize> {
    desc: Desc<'a>,
    names: [&'a str; L],
    values: [&'a str; L],
}

impl<'a, const L: usize> Info<'a, L> {
    /// An info metric (a trailing `_info` in `name` is stripped; the exposition adds it).
    ///
    /// # Panics
    /// When a name is invalid or repeated (a compile error in a `static`).
    #[track_caller]
    pub const fn new(name: &'a str, help: &'a str, pairs: [(&'a str, &'a str); L]) -> Self {
        match Self::try_new(name, help, pairs) {
            Ok(i) => i,
            Err(e) => e.fail(),
        }
    }

    /// An info metric, or why a name is invalid.
    pub const fn try_new(
        name: &'a str,
        help: &'a str,
        pairs: [(&'a str, &'a str); L],
    ) -> Result<Self, NameError> {
        let desc = match Desc::try_new(name, help, MetricType::Info.strip_suffix()) {
            Ok(d) => d,
            Err(e) => return Err(e),
        };
        let mut names = [""; L];
        let mut values = [""; L];
        let (mut p, mut n, mut v): (&[(&str, &str)], &mut [&str], &mut [&str]) =
            (&pairs, &mut names, &mut values);
        while let ([(key, value), p2 @ ..], [n1, n2 @ ..], [v1, v2 @ ..]) = (p, n, v) {
            *n1 = key;
            *v1 = value;
            (p, n, v) = (p2, n2, v2);
        }
        match name::validate_label_names(&names, None) {
            Ok(()) => Ok(Info {
                desc,
                names,
                values,
            }),
            Err(e) => Err(e),
        }
    }

    /// The value of label `key`, if present.
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.names
            .iter()
            .position(|n| *n == key)
            .and_then(|i| self.values.get(i).copied())
    }
}

impl<const L: usize> Info<'static, L> {
    /// What [`static_registry!`](crate::static_registry!) checks at compile time.
    #[doc(hidden)]
    pub const fn __parts(&self) -> crate::static_registry::Parts<'_> {
        crate::static_registry::Parts {
            name: self.desc.name(),
            ty: MetricType::Info,
            labels: &self.names,
        }
    }
}

impl<const L: usize> Collect for Info<'_, L> {
    fn desc(&self) -> Desc<'_> {
        self.desc
    }
    fn metric_type(&self) -> MetricType {
        MetricType::Info
    }
    fn label_name(&self, i: usize) -> Option<&str> {
        self.names.get(i).copied()
    }
    fn encode(&self, enc: &mut Encoder<'_>) -> fmt::Result {
        enc.write_header(&self.desc, MetricType::Info)?;
        let labels = Labels::new(&self.names, &self.values);
        enc.put_sample(&self.desc, "_info", &labels, 1u64);
        enc.status()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_and_reads() {
        let i = Info::new("build_info", "h", [("version", "1.0")]);
        assert_eq!(i.desc.name(), "build");
        assert_eq!(i.get("version"), Some("1.0"));
        assert_eq!(i.get("nope"), None);
        assert_eq!(
            Info::try_new("b", "h", [("a", "1"), ("a", "2")]).err(),
            Some(NameError::DuplicateLabel)
        );
        assert_eq!(
            Info::try_new("b", "h", [("a-b", "1")]).err(),
            Some(NameError::InvalidLabelName)
        );
    }
}
