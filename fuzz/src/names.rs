//! The naming rules of Prometheus and OpenMetrics, restated plainly (no shared code with the
//! core's `const fn` validators).

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`, not starting with `__`.
pub fn metric_name_ok(name: &str) -> bool {
    name_ok(name, true)
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`.
pub fn label_name_ok(name: &str) -> bool {
    name_ok(name, false)
}

fn name_ok(name: &str, colons: bool) -> bool {
    syntax_ok(name, colons) && !name.starts_with("__")
}

/// The exposition grammar of a metric name, `[a-zA-Z_:][a-zA-Z0-9_:]*` (the `__` prefix is
/// reserved by convention, not by the grammar: parsers accept it).
pub fn metric_name_syntax(name: &str) -> bool {
    syntax_ok(name, true)
}

/// The exposition grammar of a label name, `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn label_name_syntax(name: &str) -> bool {
    syntax_ok(name, false)
}

fn syntax_ok(name: &str, colons: bool) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let extra = |c: char| c == '_' || (colons && c == ':');
    (first.is_ascii_alphabetic() || extra(first))
        && chars.all(|c| c.is_ascii_alphanumeric() || extra(c))
}

/// The name a metric is exposed under after a type's suffix is stripped (`_total` on counters,
/// `_info` on info metrics); a bare suffix is kept.
pub fn strip<'a>(name: &'a str, suffix: Option<&str>) -> &'a str {
    match suffix {
        Some(s) if name.len() > s.len() => name.strip_suffix(s).unwrap_or(name),
        _ => name,
    }
}

/// A unit is `[a-zA-Z0-9_]+` and the (stripped) name is `<something>_<unit>`.
pub fn unit_ok(name: &str, unit: &str) -> bool {
    !unit.is_empty()
        && unit.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name
            .strip_suffix(unit)
            .and_then(|head| head.strip_suffix('_'))
            .is_some_and(|head| !head.is_empty())
}

/// Label names of one metric: each valid, none twice, none equal to `reserved`.
pub fn label_set_ok(names: &[&str], reserved: &[&str]) -> bool {
    names.iter().enumerate().all(|(i, n)| {
        label_name_ok(n) && !reserved.contains(n) && !names.iter().take(i).any(|m| m == n)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(metric_name_ok("a:b_c9"));
        assert!(!metric_name_ok("9a"));
        assert!(!metric_name_ok("__a"));
        assert!(!metric_name_ok(""));
        assert!(!label_name_ok("a:b"));
        assert!(!label_name_syntax("a:b") && label_name_syntax("__a"));
        assert!(metric_name_syntax("__total") && !metric_name_syntax("a-b"));
        assert_eq!(strip("x_total", Some("_total")), "x");
        assert_eq!(strip("_total", Some("_total")), "_total");
        assert!(unit_ok("latency_seconds", "seconds"));
        assert!(!unit_ok("_seconds", "seconds"));
        assert!(!unit_ok("latencyseconds", "seconds"));
        assert!(label_set_ok(&["a", "b"], &["le"]));
        assert!(!label_set_ok(&["a", "a"], &[]));
        assert!(!label_set_ok(&["le"], &["le"]));
    }
}
