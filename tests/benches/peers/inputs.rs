//! The inputs every crate gets: label values, observed values, bucket bounds and the shape
//! of the scraped registry. Shared so that no crate gets an easier workload.

/// Values of the `method` label (workload 3).
pub const METHODS: [&str; 3] = ["GET", "POST", "PUT"];
/// Values of the `route` label (workload 3).
pub const ROUTES: [&str; 6] = [
    "/",
    "/login",
    "/api/v1/users",
    "/api/v1/orders",
    "/static/app.js",
    "/healthz",
];

/// The 18 `(method, route)` series, in the round-robin order the lookups visit them.
pub fn pairs() -> [(&'static str, &'static str); 18] {
    std::array::from_fn(|i| (METHODS[i / ROUTES.len()], ROUTES[i % ROUTES.len()]))
}

/// The Prometheus default buckets (Python client's, 14 finite bounds), given to every crate.
pub const BUCKETS: [f64; 14] = edgeprom::DEFAULT_BUCKETS;

/// Number of observed values; a power of two so the loops index with a mask.
pub const VALUES: usize = 1024;

/// `VALUES` observations spread evenly across the 15 buckets (the 14 bounds and `+Inf`), in
/// pseudo-random order so that no crate's bucket search profits from a repeating pattern.
pub fn values() -> Vec<f64> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        // xorshift64
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..VALUES)
        .map(|_| {
            let bucket = (next() % (BUCKETS.len() as u64 + 1)) as usize;
            let lower = if bucket == 0 {
                0.0
            } else {
                BUCKETS[bucket - 1]
            };
            let upper = BUCKETS.get(bucket).copied().unwrap_or(2.0 * lower);
            // A point strictly inside (lower, upper].
            let frac = (next() % 1000 + 1) as f64 / 1000.0;
            lower + (upper - lower) * frac
        })
        .collect()
}

/// Series of the scraped counter family.
pub const SCRAPE_COUNTERS: usize = 1000;
/// Histogram families in the scraped registry.
pub const SCRAPE_HISTOGRAMS: usize = 10;
/// Series per scraped histogram family.
pub const SCRAPE_HISTOGRAM_SERIES: usize = 10;
/// Observations recorded into each scraped histogram series before scraping.
pub const SCRAPE_OBSERVATIONS: usize = 40;

/// Name of the scraped counter family, without `_total`.
pub const SCRAPE_COUNTER_NAME: &str = "scrape_requests";
/// Its one label.
pub const SCRAPE_COUNTER_LABEL: &str = "client";
/// Label of the scraped histogram families.
pub const SCRAPE_HISTOGRAM_LABEL: &str = "shard";
/// Help text of every scraped family.
pub const SCRAPE_HELP: &str = "Scrape benchmark metric";

/// Value of the counter label for series `i`.
pub fn counter_label(i: usize) -> String {
    format!("client-{i:04}")
}

/// The counter value of series `i`: varied widths, as real counters have.
pub fn counter_value(i: usize) -> u64 {
    (i as u64 * 7919) % 1_000_003
}

/// Name of histogram family `f` (a leaked string: the crates want `'static` names).
pub fn histogram_name(f: usize) -> &'static str {
    Box::leak(format!("scrape_latency_{f}_seconds").into_boxed_str())
}

/// Value of the histogram label for series `s`.
pub fn histogram_label(s: usize) -> String {
    format!("shard-{s}")
}

/// The values observed into histogram series `(f, s)` before scraping.
pub fn histogram_observations(
    values: &[f64],
    f: usize,
    s: usize,
) -> impl Iterator<Item = f64> + '_ {
    let start = (f * SCRAPE_HISTOGRAM_SERIES + s) * 7;
    (0..SCRAPE_OBSERVATIONS).map(move |k| values[(start + k * 13) % values.len()])
}
