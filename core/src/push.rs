//! Pushgateway URL paths: `/metrics/job/<job>{/<label>/<value>}`, encoded by the gateway's
//! rules so that any job name and grouping-key value arrives exactly, and none can reach
//! beyond its own path segment. Shared by the std and embedded push clients.
//!
//! - an empty value, one containing `/`, and `.` or `..` (which routers would resolve away)
//!   are sent as `<name>@base64/<url-safe base64>` (`=` for the empty value);
//! - any other value is percent-encoded, everything but `A-Z a-z 0-9 - . _ ~`.

use core::fmt::{self, Write};

use base64::display::Base64Display;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::name::{self, NameError};

/// Characters percent-encoded in a path segment: all but RFC 3986's unreserved ones.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A Pushgateway path could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PushPathError {
    /// A grouping-key label name is invalid.
    InvalidLabel(NameError),
    /// A grouping-key label is `job`, which the path carries already, or appears twice.
    DuplicateLabel,
    /// The writer failed (a buffer too small, say).
    Write,
}

impl fmt::Display for PushPathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushPathError::InvalidLabel(e) => write!(f, "invalid grouping-key label: {e}"),
            PushPathError::DuplicateLabel => {
                f.write_str("grouping-key label is `job` or appears twice")
            }
            PushPathError::Write => f.write_str("the path did not fit"),
        }
    }
}

impl core::error::Error for PushPathError {}

impl From<fmt::Error> for PushPathError {
    fn from(_: fmt::Error) -> Self {
        PushPathError::Write
    }
}

/// Checks a grouping key: valid label names, none `job`, none twice.
pub fn validate_grouping_key(grouping: &[(&str, &str)]) -> Result<(), PushPathError> {
    for (i, (n, _)) in grouping.iter().enumerate() {
        name::validate_label_name(n).map_err(PushPathError::InvalidLabel)?;
        if *n == "job" || grouping.iter().take(i).any(|(m, _)| m == n) {
            return Err(PushPathError::DuplicateLabel);
        }
    }
    Ok(())
}

/// Writes `/<name>/<value>` (or `/<name>@base64/<value>`) for one label.
pub fn write_segment(out: &mut dyn Write, name: &str, value: &str) -> fmt::Result {
    out.write_str("/")?;
    out.write_str(name)?;
    if value.is_empty() {
        out.write_str("@base64/=")
    } else if value.contains('/') || value == "." || value == ".." {
        out.write_str("@base64/")?;
        write!(
            out,
            "{}",
            Base64Display::new(value.as_bytes(), &URL_SAFE_NO_PAD)
        )
    } else {
        out.write_str("/")?;
        for part in utf8_percent_encode(value, SEGMENT) {
            out.write_str(part)?;
        }
        Ok(())
    }
}

/// Writes the path for `job` and `grouping` (without scheme, host or query).
///
/// ```
/// use edgeprom::push::write_path;
/// let mut path: heapless::String<128> = heapless::String::new();
/// write_path(&mut path, "exp42", &[("instance", "a/b"), ("step", ""), ("pod", "h 1")]).unwrap();
/// assert_eq!(path, "/metrics/job/exp42/instance@base64/YS9i/step@base64/=/pod/h%201");
/// ```
pub fn write_path(
    out: &mut dyn Write,
    job: &str,
    grouping: &[(&str, &str)],
) -> Result<(), PushPathError> {
    validate_grouping_key(grouping)?;
    out.write_str("/metrics")?;
    write_segment(out, "job", job)?;
    for (n, v) in grouping {
        write_segment(out, n, v)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(job: &str, g: &[(&str, &str)]) -> Result<heapless::String<256>, PushPathError> {
        let mut s = heapless::String::new();
        write_path(&mut s, job, g)?;
        Ok(s)
    }

    #[test]
    fn encodes_by_the_gateways_rules() {
        assert_eq!(path("j", &[]).unwrap(), "/metrics/job/j");
        assert_eq!(path("a/b", &[]).unwrap(), "/metrics/job@base64/YS9i");
        assert_eq!(path("", &[]).unwrap(), "/metrics/job@base64/=");
        assert_eq!(
            path("j", &[("k", "ü +%?#")]).unwrap(),
            "/metrics/job/j/k/%C3%BC%20%2B%25%3F%23"
        );
        assert_eq!(
            path("j", &[("k", "..")]).unwrap(),
            "/metrics/job/j/k@base64/Li4"
        );
        assert_eq!(path(".", &[]).unwrap(), "/metrics/job@base64/Lg");
        assert_eq!(path("j", &[("k", "...")]).unwrap(), "/metrics/job/j/k/...");
    }

    #[test]
    fn rejects_bad_keys() {
        assert_eq!(
            path("j", &[("job", "x")]),
            Err(PushPathError::DuplicateLabel)
        );
        assert_eq!(
            path("j", &[("a", "x"), ("a", "y")]),
            Err(PushPathError::DuplicateLabel)
        );
        assert_eq!(
            path("j", &[("a-b", "x")]),
            Err(PushPathError::InvalidLabel(NameError::InvalidLabelName))
        );
        let mut tiny: heapless::String<8> = heapless::String::new();
        assert_eq!(write_path(&mut tiny, "job", &[]), Err(PushPathError::Write));
    }
}
