//! Native histogram spans and deltas back to buckets: on its own (no servers), so that the
//! message definitions that use it can be shared with the fuzz crate.

/// The buckets of one sign, `(index, count)` by increasing index (zeros inside spans
/// included), from `(offset, length)` spans and deltas.
///
/// # Panics
/// On spans and deltas that disagree, or a negative count.
pub fn expand_spans(spans: impl Iterator<Item = (i32, u32)>, deltas: &[i64]) -> Vec<(i32, u64)> {
    let mut out = Vec::new();
    let (mut index, mut count, mut d) = (0i32, 0i64, deltas.iter());
    for (n, (offset, length)) in spans.enumerate() {
        index = if n == 0 { offset } else { index + offset };
        for _ in 0..length {
            count += d.next().expect("a delta per bucket");
            out.push((
                index,
                u64::try_from(count).expect("counts are not negative"),
            ));
            index += 1;
        }
    }
    assert!(d.next().is_none(), "more deltas than buckets");
    out
}
