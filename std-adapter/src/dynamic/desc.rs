//! [`DynDesc`]: a metric's name, help and unit owned on the heap, for names known only at run
//! time.

use edgeprom::{Desc, MetricType, NameError};

/// Shown only if a validated description could somehow not be rebuilt; never in practice.
const FALLBACK: Desc<'static> = match Desc::try_new("edgeprom_invalid_name", "", None) {
    Ok(d) => d,
    Err(_) => panic!("the fallback name is valid"),
};

/// An owned, validated metric description. The name is checked once, when the `DynDesc` is
/// made, with the same rules as the core's `const` names.
///
/// ```
/// use edgeprom::MetricType;
/// use edgeprom_std::DynDesc;
/// let d = DynDesc::new(format!("{}_requests_total", "api"), "Requests", MetricType::Counter)?;
/// assert_eq!(d.name(), "api_requests"); // the exposition adds `_total` back
/// assert!(DynDesc::new("bad-name", "", MetricType::Gauge).is_err());
/// # Ok::<(), edgeprom::NameError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynDesc {
    name: Box<str>,
    help: Box<str>,
    unit: Option<Box<str>>,
}

impl DynDesc {
    /// A description for a metric of type `ty`: a counter's `_total` or an info's `_info`
    /// suffix is stripped, as the core does, since the exposition adds it back.
    pub fn new(
        name: impl Into<String>,
        help: impl Into<String>,
        ty: MetricType,
    ) -> Result<Self, NameError> {
        let name = name.into();
        let help = help.into();
        let stripped = Desc::try_new(&name, &help, ty.strip_suffix())?.name().len();
        let mut name = name;
        name.truncate(stripped);
        Ok(DynDesc {
            name: name.into_boxed_str(),
            help: help.into_boxed_str(),
            unit: None,
        })
    }

    /// Adds a unit (OpenMetrics `# UNIT`); the name must end in `_<unit>`.
    pub fn with_unit(mut self, unit: impl Into<String>) -> Result<Self, NameError> {
        let unit = unit.into();
        Desc::try_new(&self.name, &self.help, None)?.try_with_unit(&unit)?;
        self.unit = Some(unit.into_boxed_str());
        Ok(self)
    }

    /// The family name, without `_total` or `_info`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The help text.
    pub fn help(&self) -> &str {
        &self.help
    }

    /// The unit, if any.
    pub fn unit(&self) -> Option<&str> {
        self.unit.as_deref()
    }

    /// The core's borrowed view, for the [`Encoder`](edgeprom::Encoder).
    pub fn desc(&self) -> Desc<'_> {
        let d = match Desc::try_new(&self.name, &self.help, None) {
            Ok(d) => d,
            Err(_) => return FALLBACK,
        };
        match &self.unit {
            Some(u) => d.try_with_unit(u).unwrap_or(d),
            None => d,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_strips_and_units() {
        let d = DynDesc::new("x_total", "h", MetricType::Counter).unwrap();
        assert_eq!(d.name(), "x");
        assert_eq!(d.desc().name(), "x");
        let d = DynDesc::new("x_total", "h", MetricType::Gauge).unwrap();
        assert_eq!(d.name(), "x_total");
        let d = DynDesc::new("build_info", "h", MetricType::Info).unwrap();
        assert_eq!(d.name(), "build");
        assert_eq!(
            DynDesc::new("", "h", MetricType::Gauge),
            Err(NameError::Empty)
        );
        assert_eq!(
            DynDesc::new("__x", "h", MetricType::Gauge),
            Err(NameError::ReservedPrefix)
        );
        let d = DynDesc::new("wait_seconds", "h", MetricType::Gauge).unwrap();
        assert_eq!(d.clone().with_unit("bytes"), Err(NameError::InvalidUnit));
        let d = d.with_unit("seconds").unwrap();
        assert_eq!(d.desc().unit(), Some("seconds"));
        assert_eq!(d.help(), "h");
    }
}
