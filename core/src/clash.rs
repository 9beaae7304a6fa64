//! The one rule for names two families may not share, used by every registry (the core's
//! [`Registry`](crate::Registry), and the std adapter's): two families may never write the
//! same name, as a family name or a sample name, in either order.
//!
//! The names a family writes are its name with each suffix of
//! [`MetricType::written_suffixes`]: the family name itself (`""`), the header suffix of
//! Prometheus text (`_total` of counters, `_info` of info metrics), and every sample suffix
//! (`_bucket`, `_count`, `_sum`, `_created`). A namespace prefixes every one of them alike, so
//! it changes no answer.
//!
//! # After escaping
//! A name outside the legacy character set (a family that opted into UTF-8 names) is
//! written escaped to every scraper that does not accept `allow-utf-8`, to the Pushgateway
//! and in remote write; two names that escape alike would be one name there. So names are
//! compared as `underscores` escapes them (every character outside the legacy set, and a
//! digit at the start, is `_`): `a.b` clashes with `a_b` and with `a-b`. Legacy names are
//! their own escaping, so this changes nothing between them. The rule uses `underscores`
//! because it is the default and it is the scheme that makes the most names alike; under
//! `dots` and `values` a UTF-8 name could still meet a legacy name spelled as its escape
//! (`a.b` and a legacy `a_dot_b`, `U__a_2E_b`), which is not checked.

use crate::name::MetricType;

/// Two families write the same name: `a`'s name with `a_suffix`, which is `b`'s with
/// `b_suffix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameClash {
    /// The suffix of the first family.
    pub a_suffix: &'static str,
    /// The suffix of the second family.
    pub b_suffix: &'static str,
}

/// Whether families named `a` and `b` (without namespace) of these types would write a name
/// twice; if so, which. A `const fn`, so that a [`StaticRegistry`](crate::StaticRegistry)
/// applies the same rule at compile time.
pub const fn name_clash(
    a: &str,
    a_type: MetricType,
    b: &str,
    b_type: MetricType,
) -> Option<NameClash> {
    let mut sa = a_type.written_suffixes();
    while let [a_suffix, more_a @ ..] = sa {
        let mut sb = b_type.written_suffixes();
        while let [b_suffix, more_b @ ..] = sb {
            if same_name(a, a_suffix, b, b_suffix, true) {
                return Some(NameClash { a_suffix, b_suffix });
            }
            sb = more_b;
        }
        sa = more_a;
    }
    None
}

/// Whether the constant label `label` is also a label of a family: one of its `labels`, or,
/// for a state set named `name`, its label named after it (`namespace_name`).
pub const fn label_clash(
    namespace: &str,
    label: &str,
    name: &str,
    state_set: bool,
    mut labels: &[&str],
) -> bool {
    while let [l, more @ ..] = labels {
        if same_name(l, "", label, "", false) {
            return true;
        }
        labels = more;
    }
    state_set
        && if namespace.is_empty() {
            concat_eq(label, "", name, "")
        } else {
            // `label == namespace + "_" + name`
            match label.split_at_checked(namespace.len() + 1) {
                Some((head, tail)) => {
                    concat_eq(head, "", namespace, "_") && concat_eq(tail, "", name, "")
                }
                None => false,
            }
        }
}

/// `a1 + a2 == b1 + b2` without building either string (nor calling `memcmp`, which a small
/// firmware would link for this alone).
pub(crate) const fn concat_eq(a1: &str, a2: &str, b1: &str, b2: &str) -> bool {
    let len = a1.len() + a2.len();
    if len != b1.len() + b2.len() {
        return false;
    }
    let mut i = 0;
    while i < len {
        if byte(a1, a2, i) != byte(b1, b2, i) {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether `a1 + a2` and `b1 + b2` are one name where they are written: once escaped with
/// the feature `utf8-names` (names outside the legacy set exist only with it), as they are
/// without (which links no escaping code into a firmware that registers at run time).
const fn same_name(a1: &str, a2: &str, b1: &str, b2: &str, colons: bool) -> bool {
    if cfg!(feature = "utf8-names") {
        escaped_eq(a1, a2, b1, b2, colons)
    } else {
        concat_eq(a1, a2, b1, b2)
    }
}

/// Whether `a1 + a2` and `b1 + b2` are the same name once escaped by `underscores` (as
/// metric names when `colons`, else as label names: `:` is `_` then).
pub(crate) const fn escaped_eq(a1: &str, a2: &str, b1: &str, b2: &str, colons: bool) -> bool {
    let (mut i, mut j) = (0, 0);
    loop {
        match (
            next_escaped(a1, a2, i, colons),
            next_escaped(b1, b2, j, colons),
        ) {
            (None, None) => return true,
            (Some((x, next_i)), Some((y, next_j))) => {
                if x != y {
                    return false;
                }
                i = next_i;
                j = next_j;
            }
            _ => return false,
        }
    }
}

/// The byte that `underscores` escaping writes for the character of `x1 + x2` at byte `i`,
/// and where the next character starts; `None` at the end.
const fn next_escaped(x1: &str, x2: &str, i: usize, colons: bool) -> Option<(u8, usize)> {
    let len = x1.len() + x2.len();
    if i >= len {
        return None;
    }
    let b = byte(x1, x2, i);
    if b >= 0x80 {
        // A character of several bytes is one `_`: skip its continuation bytes.
        let mut next = i + 1;
        while next < len && byte(x1, x2, next) & 0xc0 == 0x80 {
            next += 1;
        }
        return Some((b'_', next));
    }
    let legacy = b.is_ascii_alphabetic()
        || b == b'_'
        || (colons && b == b':')
        || (i > 0 && b.is_ascii_digit());
    Some((if legacy { b } else { b'_' }, i + 1))
}

/// The `i`th byte of `x1 + x2` (`i` is below their length).
const fn byte(x1: &str, x2: &str, i: usize) -> u8 {
    let (s, j) = if i < x1.len() {
        (x1.as_bytes(), i)
    } else {
        (x2.as_bytes(), i - x1.len())
    };
    match s.split_at_checked(j) {
        Some((_, [b, ..])) => *b,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use std::string::String;
    use std::vec::Vec;

    use super::*;

    const TYPES: [MetricType; 7] = [
        MetricType::Counter,
        MetricType::Gauge,
        MetricType::Histogram,
        MetricType::Summary,
        MetricType::Info,
        MetricType::StateSet,
        MetricType::Unknown,
    ];

    /// Every name a family writes, built as strings: the model the rule is checked against.
    fn written(name: &str, ty: MetricType) -> Vec<String> {
        let mut names = std::vec![String::from(name)];
        let header = match ty {
            MetricType::Counter => "_total",
            MetricType::Info => "_info",
            _ => "",
        };
        names.push(std::format!("{name}{header}"));
        for s in ty.sample_suffixes() {
            names.push(std::format!("{name}{s}"));
        }
        names
    }

    #[test]
    // Pure arithmetic on strings, nothing Miri checks that the other tests do not: slow there.
    #[cfg_attr(miri, ignore)]
    fn every_pair_of_types_and_suffixes_in_both_orders() {
        let suffixes = [
            "", "_total", "_created", "_bucket", "_count", "_sum", "_info", "_x",
        ];
        let mut clashes = 0;
        for a_type in TYPES {
            for b_type in TYPES {
                for suffix in suffixes {
                    let (a, b) = ("m", std::format!("m{suffix}"));
                    let want = written(a, a_type)
                        .iter()
                        .any(|n| written(&b, b_type).contains(n));
                    let got = name_clash(a, a_type, &b, b_type);
                    assert_eq!(got.is_some(), want, "{a:?} {a_type:?} vs {b:?} {b_type:?}");
                    assert_eq!(
                        name_clash(&b, b_type, a, a_type).is_some(),
                        want,
                        "reversed: {b:?} {b_type:?} vs {a:?} {a_type:?}"
                    );
                    if let Some(c) = got {
                        clashes += 1;
                        assert_eq!(
                            std::format!("{a}{}", c.a_suffix),
                            std::format!("{b}{}", c.b_suffix)
                        );
                    }
                }
            }
        }
        assert!(clashes > 49, "{clashes}");
        // The cases the strict parsers caught.
        assert!(name_clash("m", MetricType::Histogram, "m_count", MetricType::Counter).is_some());
        assert!(name_clash("m", MetricType::Counter, "m_total", MetricType::Histogram).is_some());
        assert!(name_clash("x", MetricType::Counter, "x_created", MetricType::Histogram).is_some());
        assert!(name_clash("m", MetricType::Gauge, "m_count", MetricType::Gauge).is_none());
    }

    #[test]
    #[cfg(feature = "utf8-names")]
    fn names_that_escape_alike_clash() {
        use MetricType::{Counter, Gauge, Histogram};
        assert!(name_clash("a.b", Gauge, "a_b", Gauge).is_some());
        assert!(name_clash("a-b", Gauge, "a.b", Gauge).is_some());
        assert!(name_clash("caf\u{e9}", Gauge, "caf_", Gauge).is_some());
        assert!(name_clash("caf\u{e9}", Gauge, "cafe", Gauge).is_none());
        assert!(name_clash("\u{1F600}", Gauge, "_", Gauge).is_some());
        assert!(name_clash("\u{1F600}x", Gauge, "__x", Gauge).is_none());
        assert!(name_clash("m.x", Histogram, "m_x_count", Counter).is_some());
        assert!(name_clash("m.x", Counter, "m_x.total", Gauge).is_some());
        assert!(name_clash("a:b", Gauge, "a_b", Gauge).is_none());
        assert!(name_clash("1a", Gauge, "_a", Gauge).is_some());
        assert!(escaped_eq("a:b", "", "a_b", "", false));
        assert!(!escaped_eq("a:b", "", "a_b", "", true));
        assert!(escaped_eq("", "", "", "", true));
        assert!(!escaped_eq("a.", "", "a", "", true));
        assert!(label_clash("", "http_method", "m", false, &["http.method"]));
    }

    #[test]
    fn concatenations() {
        for (a1, a2, b1, b2, eq) in [
            ("x", "_total", "x_total", "", true),
            ("x_", "total", "x", "_total", true),
            ("x", "_total", "x", "_count", false),
            ("", "", "", "", true),
            ("a", "", "", "a", true),
            ("ab", "c", "a", "bcd", false),
        ] {
            assert_eq!(concat_eq(a1, a2, b1, b2), eq, "{a1}+{a2} vs {b1}+{b2}");
            assert_eq!(concat_eq(b1, b2, a1, a2), eq, "{b1}+{b2} vs {a1}+{a2}");
        }
    }
}
