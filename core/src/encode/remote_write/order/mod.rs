//! A series' labels put in order of name once, for the two passes over them (lengths, then
//! bytes): their positions, 16 bytes on the stack. Past [`SORTED`] labels there is no order:
//! the caller sorts by scanning.

mod positions;
pub(super) use positions::Order;

/// Most labels of one series put in order at once.
pub(super) const SORTED: usize = 16;

/// Where a label named `name` goes among `len` sorted names, `before(i)` being the `i`th:
/// past every smaller one; `None` when the name is there already (a name given twice is
/// written once, its first).
fn insertion_point<'s>(
    len: usize,
    name: &super::Parts<'s>,
    before: impl Fn(usize) -> Option<super::Parts<'s>>,
) -> Option<usize> {
    let mut pos = len;
    while pos > 0 {
        match before(pos - 1).map(|b| super::parts_cmp(&b, name)) {
            Some(core::cmp::Ordering::Greater) => pos -= 1,
            Some(core::cmp::Ordering::Equal) => return None,
            _ => break,
        }
    }
    Some(pos)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::String;
    use std::vec::Vec;

    use super::super::{one, Labels, Parts, Sample, Val};
    use super::{Order, SORTED};

    fn text(p: &Parts<'_>) -> String {
        p.iter().map(|s| core::str::from_utf8(s).unwrap()).collect()
    }

    fn value(v: &Val<'_>) -> String {
        match v {
            Val::Parts(p) => text(p),
            Val::Stored(_) => unreachable!("no stored labels here"),
        }
    }

    #[test]
    fn sorts_by_name_keeps_the_first_of_a_name_and_gives_up_past_the_limit() {
        let names = [
            "m", "b", "zz", "a", "__x", "m", "A", "b2", "c", "q", "d", "e", "f", "g", "h",
        ];
        let consts: Vec<(&str, &str)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                (
                    *n,
                    [
                        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13",
                        "14",
                    ][i],
                )
            })
            .collect();
        let labels = Labels::EMPTY;
        for k in 0..=consts.len() {
            let sample = Sample {
                name: one("metric"),
                consts: &consts[..k],
                labels: &labels,
                own: 0,
                extra: Some(("le", b"1.0")),
                state: None,
            };
            let mut got = Vec::new();
            let mut order = Order::new();
            let filled = order.fill(&sample);
            // `__name__`, the constants, `le`: past 16 distinct there is no order.
            let mut distinct: Vec<&str> = names[..k].to_vec();
            distinct.sort_unstable();
            distinct.dedup();
            if distinct.len() + 2 > SORTED {
                assert!(!filled, "{k}");
                continue;
            }
            assert!(filled, "{k}");
            order.for_each(&sample, &mut |n, v| got.push((text(&n), value(&v))));
            let mut want: Vec<(String, String)> = Vec::new();
            want.push(("__name__".into(), "metric".into()));
            want.push(("le".into(), "1.0".into()));
            for (i, (n, v)) in consts[..k].iter().enumerate() {
                // The first of a name is kept.
                if !consts[..i].iter().any(|(m, _)| m == n) {
                    want.push(((*n).into(), (*v).into()));
                }
            }
            want.sort();
            assert_eq!(got, want, "{k} constant labels");
        }
    }
}
