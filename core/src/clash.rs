//! The one rule for names two families may not share, used by every registry (the core's
//! [`Registry`](crate::Registry), and the std adapter's): two families may never write the
//! same name, as a family name or a sample name, in either order.
//!
//! The names a family writes are its name with each suffix of
//! [`MetricType::written_suffixes`]: the family name itself (`""`), the header suffix of
//! Prometheus text (`_total` of counters, `_info` of info metrics), and every sample suffix
//! (`_bucket`, `_count`, `_sum`, `_created`). A namespace prefixes every one of them alike, so
//! it changes no answer.

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
            if concat_eq(a, a_suffix, b, b_suffix) {
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
        if concat_eq(l, "", label, "") {
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
