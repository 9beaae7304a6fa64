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
    utf8: bool,
}

impl DynDesc {
    /// A description for a metric of type `ty`: a counter's `_total` or an info's `_info`
    /// suffix is stripped, as the core does, since the exposition adds it back.
    pub fn new(
        name: impl Into<String>,
        help: impl Into<String>,
        ty: MetricType,
    ) -> Result<Self, NameError> {
        Self::build(name.into(), help.into(), ty, false)
    }

    /// As [`new`](Self::new), opting into UTF-8 names as the core's
    /// [`Metric::utf8`](edgeprom::Metric::utf8) does: the name may be any UTF-8 but empty or
    /// starting with `__`, and so may the label names of a
    /// [`DynFamily::with_desc`](crate::DynFamily::with_desc) given it. Written quoted under
    /// `escaping=allow-utf-8` in text 1.0.0 and OpenMetrics, escaped everywhere else.
    ///
    /// ```
    /// use edgeprom::MetricType;
    /// use edgeprom_std::{DynDesc, DynFamily};
    /// let d = DynDesc::utf8("http.server.requests_total", "Requests", MetricType::Counter)?;
    /// assert_eq!(d.name(), "http.server.requests");
    /// let f = DynFamily::<edgeprom::Counter>::with_desc(d, &["http.method"])?;
    /// # let _ = f;
    /// # Ok::<(), edgeprom::NameError>(())
    /// ```
    pub fn utf8(
        name: impl Into<String>,
        help: impl Into<String>,
        ty: MetricType,
    ) -> Result<Self, NameError> {
        Self::build(name.into(), help.into(), ty, true)
    }

    fn build(
        mut name: String,
        help: String,
        ty: MetricType,
        utf8: bool,
    ) -> Result<Self, NameError> {
        let stripped = Self::core(&name, &help, ty.strip_suffix(), utf8)?
            .name()
            .len();
        name.truncate(stripped);
        Ok(DynDesc {
            name: name.into_boxed_str(),
            help: help.into_boxed_str(),
            unit: None,
            utf8,
        })
    }

    /// The core's description of these strings, as legacy or UTF-8 names.
    fn core<'a>(
        name: &'a str,
        help: &'a str,
        strip: Option<&'static str>,
        utf8: bool,
    ) -> Result<Desc<'a>, NameError> {
        if utf8 {
            Desc::try_new_utf8(name, help, strip)
        } else {
            Desc::try_new(name, help, strip)
        }
    }

    /// Whether this description opted into UTF-8 names.
    pub fn is_utf8(&self) -> bool {
        self.utf8
    }

    /// Adds a unit (OpenMetrics `# UNIT`); the name must end in `_<unit>`.
    pub fn with_unit(mut self, unit: impl Into<String>) -> Result<Self, NameError> {
        let unit = unit.into();
        Self::core(&self.name, &self.help, None, self.utf8)?.try_with_unit(&unit)?;
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
        let d = match Self::core(&self.name, &self.help, None, self.utf8) {
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
    fn utf8_names_are_an_opt_in() {
        assert!(DynDesc::new("my.metric", "h", MetricType::Gauge).is_err());
        let d = DynDesc::utf8("my.metric_total", "h", MetricType::Counter).unwrap();
        assert_eq!(d.name(), "my.metric");
        assert!(d.is_utf8() && d.desc().utf8());
        assert_eq!(d.desc().name(), "my.metric");
        assert_eq!(
            DynDesc::utf8("__x.y", "h", MetricType::Gauge),
            Err(NameError::ReservedPrefix)
        );
        let d = DynDesc::utf8("disk.free_bytes", "h", MetricType::Gauge).unwrap();
        assert_eq!(d.with_unit("bytes").unwrap().desc().unit(), Some("bytes"));
    }

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
