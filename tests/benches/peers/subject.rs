//! What one benchmarked crate provides: a closure per hot-path workload and a scraper.

/// A hot-path workload: performs `n` operations. `Sync` so that two threads can run it at
/// once (workload 2).
pub type Op = Box<dyn Fn(u64) + Sync>;

/// One column of the table.
pub struct Subject {
    /// Column header.
    pub name: &'static str,
    /// Caveats printed under the table.
    pub notes: &'static [&'static str],
    /// `n` increments of an unlabelled integer counter (workloads 1 and 2).
    pub counter: Option<Op>,
    /// `n` labelled lookups plus increments over the 18 series (workload 3).
    pub labelled: Option<Op>,
    /// `n` histogram observations (workload 4).
    pub observe: Option<Op>,
    /// Run after every timed batch of `observe`, untimed (a crate that buffers raw
    /// observations must drain them, or memory grows without bound).
    pub upkeep: Option<Box<dyn Fn()>>,
    /// The scrape workload (5).
    pub scraper: Option<Box<dyn Scraper>>,
}

impl Subject {
    /// A column with no workloads yet.
    pub fn new(name: &'static str, notes: &'static [&'static str]) -> Self {
        Subject {
            name,
            notes,
            counter: None,
            labelled: None,
            observe: None,
            upkeep: None,
            scraper: None,
        }
    }
}

/// Encodes a prepared registry (workload 5) into text, reusing its output buffer where the
/// crate allows.
pub trait Scraper {
    /// One complete scrape.
    fn scrape(&mut self);
    /// The text of the last scrape.
    fn output(&self) -> &[u8];
}
