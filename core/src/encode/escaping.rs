//! [`Escaping`]: how metric and label names outside the legacy character set
//! (`[a-zA-Z_:][a-zA-Z0-9_:]*`) are written, per Prometheus' escaping schemes
//! (<https://prometheus.io/docs/instrumenting/escaping_schemes/>), and the writer that
//! escapes a name piece by piece, without putting it together in memory.
//!
//! Names that are legacy-valid are written unchanged by every scheme: the schemes are for
//! names "that contain characters outside the legacy character set" (the spec's abstract),
//! and Go's `model.EscapeMetricFamily` leaves legacy-valid names alone too (its
//! `EscapeName` alone would double the underscores of `http_requests` under `dots`). A name
//! that needs escaping is escaped as a whole: namespace, `_` and name, the suffix
//! (`_total`, `_bucket`, ...) appended after, as Go appends it to the escaped family name.

use core::fmt;

/// How a name outside the legacy character set is written, as the scraper's
/// `escaping=` parameter names it
/// (<https://prometheus.io/docs/instrumenting/escaping_schemes/>).
///
/// Legacy-valid names are written unchanged by every scheme, `dots` and `values` included:
/// the schemes are for names outside the legacy set, and Go's `model.EscapeMetricFamily`
/// leaves legacy-valid names alone too (its `EscapeName` alone would write `http_requests` as
/// `http__requests` under `dots`). A namespace is escaped with the name, as one name; a
/// suffix (`_total`, `_bucket`) follows unescaped. Where the spec and Go's `EscapeName`
/// differ, this follows the spec: under `dots` a character other than `.` and `_` outside
/// the legacy set is one `_` (Go writes `__`), and `values` writes code points in upper case
/// (the spec's `U__metric_2E_name`; Go writes `2e`, and reads both back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Escaping {
    /// `allow-utf-8`: names are written as they are, quoted where they are not legacy-valid
    /// (`{"my.metric","http.method"="get"} 1`); only Prometheus text 1.0.0 and OpenMetrics
    /// 1.0.0 quote, every other format writes such a name with [`Escaping::Underscores`].
    AllowUtf8,
    /// `underscores` (the default): every character outside the legacy set becomes `_`
    /// (`my.metric` is `my_metric`).
    Underscores,
    /// `dots`: `.` becomes `_dot_`, `_` becomes `__`, any other character outside the legacy
    /// set `_` (`my.metric_x` is `my_dot_metric__x`).
    Dots,
    /// `values`: `U__` before the name, `_` becomes `__`, any other character outside the
    /// legacy set its code point in upper-case hexadecimal between underscores
    /// (`my.metric` is `U__my_2E_metric`).
    Values,
}

impl Escaping {
    /// The value of the `escaping=` parameter.
    pub const fn as_str(self) -> &'static str {
        match self {
            Escaping::AllowUtf8 => "allow-utf-8",
            Escaping::Underscores => "underscores",
            Escaping::Dots => "dots",
            Escaping::Values => "values",
        }
    }

    /// The scheme an `escaping=` value names (ASCII case ignored), if it is one.
    pub fn parse(value: &str) -> Option<Self> {
        [
            Escaping::AllowUtf8,
            Escaping::Underscores,
            Escaping::Dots,
            Escaping::Values,
        ]
        .into_iter()
        .find(|e| e.as_str().eq_ignore_ascii_case(value))
    }
}

impl Default for Escaping {
    /// [`Escaping::Underscores`], the spec's default.
    fn default() -> Self {
        Escaping::Underscores
    }
}

impl fmt::Display for Escaping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `c`, at the start of a name or not, is in the legacy character set of metric
/// names (`colons`) or label names.
const fn legacy_char(c: char, first: bool, colons: bool) -> bool {
    c.is_ascii_alphabetic() || c == '_' || (colons && c == ':') || (!first && c.is_ascii_digit())
}

/// Whether `name` is legacy-valid: `[a-zA-Z_:][a-zA-Z0-9_:]*` for a metric name (`colons`),
/// `[a-zA-Z_][a-zA-Z0-9_]*` for a label name.
pub(crate) const fn is_legacy(name: &str, colons: bool) -> bool {
    let bytes = name.as_bytes();
    if bytes.is_empty() {
        return false;
    }
    let mut rest = bytes;
    let mut first = true;
    while let [b, more @ ..] = rest {
        if !legacy_char(*b as char, first, colons) || *b >= 0x80 {
            return false;
        }
        first = false;
        rest = more;
    }
    true
}

/// Writes the pieces of one name (`namespace`, `_`, `name`, in that order) escaped by a
/// scheme other than [`Escaping::AllowUtf8`], as one name: call [`start`](Self::start),
/// then [`piece`](Self::piece) for each piece.
pub(crate) struct EscapeName {
    scheme: Escaping,
    colons: bool,
    first: bool,
}

impl EscapeName {
    /// A writer for a metric name (`colons`) or a label name, starting with `U__` under
    /// [`Escaping::Values`].
    pub(crate) fn start(scheme: Escaping, colons: bool, put: &mut dyn FnMut(&str)) -> Self {
        if scheme == Escaping::Values {
            put("U__");
        }
        EscapeName {
            scheme,
            colons,
            first: true,
        }
    }

    /// Writes the next piece of the name escaped.
    pub(crate) fn piece(&mut self, s: &str, put: &mut dyn FnMut(&str)) {
        let mut buf = [0u8; 4];
        for c in s.chars() {
            let legacy = legacy_char(c, self.first, self.colons);
            self.first = false;
            match (self.scheme, c) {
                (Escaping::Dots | Escaping::Values, '_') => put("__"),
                (Escaping::Dots, '.') => put("_dot_"),
                _ if legacy => put(c.encode_utf8(&mut buf)),
                (Escaping::Values, _) => {
                    put("_");
                    put_hex(u32::from(c), put);
                    put("_");
                }
                _ => put("_"),
            }
        }
    }
}

/// `v` in upper-case hexadecimal, without leading zeros.
fn put_hex(v: u32, put: &mut dyn FnMut(&str)) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut started = false;
    for shift in (0..8).rev() {
        let d = (v >> (shift * 4)) & 0xf;
        if d != 0 || started || shift == 0 {
            started = true;
            let i = d as usize;
            let digit = DIGITS.get(i..=i).unwrap_or(b"0");
            put(core::str::from_utf8(digit).unwrap_or("0"));
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::String;

    fn esc(pieces: &[&str], scheme: Escaping, colons: bool) -> String {
        let mut s = String::new();
        let mut put = |p: &str| s.push_str(p);
        let mut e = EscapeName::start(scheme, colons, &mut put);
        for p in pieces {
            e.piece(p, &mut put);
        }
        s
    }

    #[test]
    fn the_specs_examples() {
        assert_eq!(
            esc(&["metric.name/with/slashes"], Escaping::Underscores, true),
            "metric_name_with_slashes"
        );
        assert_eq!(
            esc(&["metric.name.with.dots"], Escaping::Dots, true),
            "metric_dot_name_dot_with_dot_dots"
        );
        assert_eq!(
            esc(&["metric.name"], Escaping::Values, true),
            "U__metric_2E_name"
        );
    }

    #[test]
    fn underscores_other_characters_and_the_first_one() {
        assert_eq!(esc(&["1a"], Escaping::Underscores, true), "_a");
        assert_eq!(esc(&["caf\u{e9}"], Escaping::Underscores, true), "caf_");
        assert_eq!(esc(&["a:b"], Escaping::Underscores, false), "a_b");
        assert_eq!(esc(&["a:b"], Escaping::Underscores, true), "a:b");
        // The namespace comes first, so the name's first character is not the first.
        assert_eq!(
            esc(&["ns", "_", "1.a"], Escaping::Underscores, true),
            "ns_1_a"
        );
        // The spec: other characters become one underscore (Go's `EscapeName` writes two).
        assert_eq!(esc(&["a_b.c-d"], Escaping::Dots, true), "a__b_dot_c_d");
        assert_eq!(
            esc(&["ns", "_", "a.b"], Escaping::Dots, true),
            "ns__a_dot_b"
        );
        assert_eq!(
            esc(&["caf\u{e9}_1", "\u{1F600}"], Escaping::Values, true),
            "U__caf_E9___1_1F600_"
        );
        assert_eq!(esc(&["1"], Escaping::Values, true), "U___31_");
    }

    #[test]
    fn legacy_names_and_scheme_names() {
        assert!(is_legacy("http_requests:rate5m", true));
        assert!(!is_legacy("http_requests:rate5m", false));
        assert!(!is_legacy("my.metric", true));
        assert!(!is_legacy("1a", true));
        assert!(!is_legacy("", true));
        assert!(!is_legacy("caf\u{e9}", true));
        for e in [
            Escaping::AllowUtf8,
            Escaping::Underscores,
            Escaping::Dots,
            Escaping::Values,
        ] {
            assert_eq!(Escaping::parse(e.as_str()), Some(e));
            assert_eq!(std::format!("{e}"), e.as_str());
        }
        assert_eq!(Escaping::parse("DOTS"), Some(Escaping::Dots));
        assert_eq!(Escaping::parse("allow-utf8"), None);
        assert_eq!(Escaping::parse(""), None);
        assert_eq!(Escaping::default(), Escaping::Underscores);
    }
}
