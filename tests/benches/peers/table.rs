//! The one table: rows are workloads, columns are crates, each cell a value and, for
//! times, its ratio to edgeprom's.

use std::fmt::Write as _;

/// What a row's cells hold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Nanoseconds; shown with the ratio to the reference column.
    Nanos,
    /// A count (bytes, lines, allocations); shown as is.
    Count,
}

/// One row: a label and a value per column (`None`: not measured for that crate).
pub struct Row {
    pub label: String,
    pub kind: Kind,
    pub cells: Vec<Option<f64>>,
}

fn time(ns: f64) -> String {
    if ns < 100.0 {
        format!("{ns:.2} ns")
    } else if ns < 1_000.0 {
        format!("{ns:.1} ns")
    } else if ns < 1_000_000.0 {
        format!("{:.1} us", ns / 1e3)
    } else {
        format!("{:.2} ms", ns / 1e6)
    }
}

fn count(v: f64) -> String {
    if v.fract() == 0.0 {
        let digits = format!("{v:.0}");
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else {
        format!("{v:.1}")
    }
}

/// Renders the table; `reference` is the index of the column ratios are taken against.
pub fn render(headers: &[&str], rows: &[Row], reference: usize) -> String {
    let label_width = rows.iter().map(|r| r.label.len()).max().unwrap_or(0).max(8);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let base = row.cells.get(reference).copied().flatten();
            row.cells
                .iter()
                .map(|c| match (c, row.kind) {
                    (None, _) => "-".to_owned(),
                    (Some(v), Kind::Count) => count(*v),
                    (Some(v), Kind::Nanos) => match base {
                        Some(b) if b > 0.0 => format!("{} {:>5.2}x", time(*v), v / b),
                        _ => time(*v),
                    },
                })
                .collect()
        })
        .collect();
    let widths: Vec<usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            cells
                .iter()
                .map(|r| r[i].len())
                .chain([h.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let _ = write!(out, "| {:<label_width$} |", "workload");
    for (h, w) in headers.iter().zip(&widths) {
        let _ = write!(out, " {h:>w$} |");
    }
    out.push('\n');
    let _ = write!(out, "|{}|", "-".repeat(label_width + 2));
    for w in &widths {
        let _ = write!(out, "{}:|", "-".repeat(w + 1));
    }
    out.push('\n');
    for (row, cells) in rows.iter().zip(&cells) {
        let _ = write!(out, "| {:<label_width$} |", row.label);
        for (c, w) in cells.iter().zip(&widths) {
            let _ = write!(out, " {c:>w$} |");
        }
        out.push('\n');
    }
    out
}
