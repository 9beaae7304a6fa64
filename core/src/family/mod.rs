//! [`Family`]: a metric with labels, holding up to `N` series in place, without allocation.
//!
//! Series live in an open-addressed table of `N` slots. Resolving label values hashes them
//! once, probes from the hash's slot, and either finds the series or claims the first empty
//! slot with one compare-and-swap. Slots are never freed, so a handle stays valid for the
//! family's lifetime and resolving an existing series is a few atomic loads: safe from any
//! thread and from interrupt context.

use core::fmt;
use core::time::Duration;

use self::adopted::AdoptedClock;
pub use self::overflow::CountRefused;
#[cfg(feature = "overflow")]
pub use self::overflow::Overflow;
use self::store::LabelStore;
pub use self::store::DEFAULT_VALUE_BYTES;
use crate::clock::WallClock;
use crate::encode::{Encoder, Labels, Series, SeriesTable};
use crate::metric::{Collect, State};
use crate::name::{self, Desc, MetricType, NameError};
use crate::sync::{AtomicU32, AtomicUsize, Ordering};

mod adopted;
mod overflow;
mod store;

/// Resolving label values to a series failed; nothing was created or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LabelError {
    /// The number of values differs from the number of label names.
    WrongCount {
        /// Label names the family has.
        expected: usize,
        /// Values given.
        got: usize,
    },
    /// A name given by name is not one of the family's labels.
    UnknownLabel {
        /// Position of the `(name, value)` pair in the call.
        position: usize,
    },
    /// A label was given twice by name.
    DuplicateLabel {
        /// Position of the second `(name, value)` pair with that name.
        position: usize,
    },
    /// A value is longer than the family stores (`S` bytes).
    ValueTooLong {
        /// The family's name.
        family: &'static str,
        /// The label's name.
        label: &'static str,
        /// Position of the label.
        index: usize,
        /// Length of the value in bytes.
        len: usize,
        /// The most the family stores.
        max: usize,
    },
    /// All `N` series are in use.
    Full {
        /// The family's capacity.
        capacity: usize,
    },
    /// Another thread is creating this very series and did not finish within the spin limit
    /// (it was preempted, or this is an interrupt that preempted it). Retry later.
    Busy,
}

impl fmt::Display for LabelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabelError::WrongCount { expected, got } => {
                write!(f, "expected {expected} label values, got {got}")
            }
            LabelError::UnknownLabel { position } => write!(
                f,
                "the label name given at position {position} is not one of the family's"
            ),
            LabelError::DuplicateLabel { position } => write!(
                f,
                "the label name given at position {position} was given before"
            ),
            LabelError::ValueTooLong {
                family,
                label,
                len,
                max,
                ..
            } => write!(
                f,
                "the value of label `{label}` of family `{family}` is {len} bytes; the family \
                 stores at most {max} (its `S`: `Family<T, L, N, {max}>`)"
            ),
            LabelError::Full { capacity } => {
                write!(f, "label family is full ({capacity} series)")
            }
            LabelError::Busy => f.write_str("series is being created by another thread"),
        }
    }
}

impl core::error::Error for LabelError {}

const READY: u32 = 1 << 31;
const WRITING: u32 = 1 << 30;
const HASH: u32 = WRITING - 1;
/// How often a resolver re-checks a slot another thread is filling with the same hash.
const SPIN_LIMIT: u32 = 1 << 20;

struct Slot<T, const L: usize, const S: usize> {
    /// 0: empty. Otherwise 30 hash bits with WRITING while the values are written, then READY.
    tag: AtomicU32,
    /// Set by the claiming thread before the tag turns READY; never changed afterwards.
    values: LabelStore<L, S>,
    state: T,
}

impl<T: State, const L: usize, const S: usize> Slot<T, L, S> {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = Slot {
        tag: AtomicU32::new(0),
        values: LabelStore::EMPTY,
        state: T::INIT,
    };
}

/// A labelled metric: up to `N` series of `T`, each named by `L` label values of at most `S`
/// bytes (at most 255; by default [`DEFAULT_VALUE_BYTES`]: 128 on a host, where a route
/// template such as `/api/v1/organizations/{org_id}/projects/{id}` (44 bytes) must fit, 32 on bare metal,
/// where every byte of every slot is RAM in a `static`).
///
/// A full family refuses a new label set with [`LabelError::Full`], unless it was built with
/// an `Overflow` policy (`FamilyBuilder::overflow`, feature `overflow`, on by default): then
/// the label set is counted and folded into one `other`-style series.
///
/// ```
/// use edgeprom::{Counter, Family};
/// static REQUESTS: Family<Counter, 2, 18> =
///     Family::new("my_requests", "Requests", ["method", "endpoint"]);
///
/// REQUESTS.labels(["get", "/"])?.inc();
/// // Python's keyword form: by name, in any order.
/// let post = REQUESTS.labels_by_name([("endpoint", "/login"), ("method", "post")])?;
/// post.inc_by(2); // keep the handle: updates are one atomic add
/// assert_eq!(REQUESTS.labels(["post", "/login"])?.get(), 2);
/// # Ok::<(), edgeprom::LabelError>(())
/// ```
pub struct Family<T: State, const L: usize, const N: usize, const S: usize = DEFAULT_VALUE_BYTES> {
    desc: Desc<'static>,
    names: [&'static str; L],
    clock: Option<&'static dyn WallClock>,
    /// The registry's clock, when the family has none of its own (on hosts).
    adopted: AdoptedClock,
    #[cfg(feature = "overflow")]
    overflow: Option<&'static Overflow>,
    /// Slots claimed or being claimed by label sets other than the overflow series', under
    /// an overflow policy only (which keeps one slot for that series).
    #[cfg(feature = "overflow")]
    claims: AtomicUsize,
    /// Series created so far; `order[..len]` lists their slots (index + 1) in creation order.
    len: AtomicUsize,
    order: [AtomicUsize; N],
    slots: [Slot<T, L, S>; N],
}

impl<T: State, const L: usize, const N: usize, const S: usize> fmt::Debug for Family<T, L, N, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Family")
            .field("desc", &self.desc)
            .field("labels", &self.names)
            .field("len", &self.len())
            .field("capacity", &N)
            .finish_non_exhaustive()
    }
}

impl<T: State, const L: usize, const N: usize, const S: usize> Family<T, L, N, S> {
    /// A family named `name` with label names `labels`. For a unit or a wall clock, use
    /// [`FamilyBuilder`].
    ///
    /// # Panics
    /// When a name is invalid, a label repeats or is reserved for `T` (`le` on histograms,
    /// `quantile` on summaries), or `S` exceeds 255: in a `static` that is a compile error.
    #[track_caller]
    pub const fn new(name: &'static str, help: &'static str, labels: [&'static str; L]) -> Self {
        FamilyBuilder::new(name, help, labels).build()
    }

    /// A family, or why a name is invalid.
    pub const fn try_new(
        name: &'static str,
        help: &'static str,
        labels: [&'static str; L],
    ) -> Result<Self, NameError> {
        FamilyBuilder::new(name, help, labels).try_build()
    }

    /// The name, help and unit.
    pub const fn desc(&self) -> &Desc<'static> {
        &self.desc
    }

    /// What [`static_registry!`](crate::static_registry!) checks at compile time.
    #[doc(hidden)]
    pub const fn __parts(&self) -> crate::static_registry::Parts<'_> {
        crate::static_registry::Parts {
            name: self.desc.name(),
            ty: T::TYPE,
            labels: &self.names,
        }
    }

    /// The label names, in order.
    pub const fn label_names(&self) -> &[&'static str; L] {
        &self.names
    }

    /// Series created so far (some may still be being created by another thread).
    pub fn len(&self) -> usize {
        self.published_len()
    }

    /// Slots listed in `order` so far: `order[..n]` may be read (Acquire, so that the entries
    /// written before are seen).
    fn published_len(&self) -> usize {
        self.len.load(Ordering::Acquire).min(N)
    }

    /// Whether no series exists yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Under `cfg(loom)` only: creates the loom atomics of the family (its length, creation
    /// order, slot tags and label store), which outside loom exist from construction on. A
    /// model calls it before spawning threads, so that they share the family as they would a
    /// `static` (`core/src/sync.rs`).
    #[cfg(loom)]
    #[doc(hidden)]
    pub fn __loom_prime(&self) {
        self.len.load(Ordering::Relaxed);
        #[cfg(feature = "overflow")]
        self.claims.load(Ordering::Relaxed);
        for (entry, slot) in self.order.iter().zip(&self.slots) {
            entry.load(Ordering::Relaxed);
            slot.tag.load(Ordering::Relaxed);
            slot.values.loom_prime();
        }
    }

    /// The most series this family holds.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// The series for these label values, in label-name order, created if new. When the
    /// family is full: [`LabelError::Full`], or the overflow series if the family has an
    /// `Overflow` policy.
    pub fn labels<'v>(&self, values: impl AsRef<[&'v str]>) -> Result<&T, LabelError> {
        let values = values.as_ref();
        let values: &[&str; L] = values.try_into().map_err(|_| LabelError::WrongCount {
            expected: L,
            got: values.len(),
        })?;
        self.create(values)
    }

    /// The overflow policy, if any.
    #[cfg(feature = "overflow")]
    #[cfg_attr(docsrs, doc(cfg(feature = "overflow")))]
    pub fn overflow(&self) -> Option<&'static Overflow> {
        self.overflow
    }

    /// The series for these values, created if new; when the family is full, the overflow
    /// series (counted) or `Full`. One loop around one `resolve`, so that bare metal links
    /// one copy of it.
    fn create(&self, values: &[&str; L]) -> Result<&T, LabelError> {
        let mut fold;
        let (mut values, mut how) = (values, Resolve::Create);
        loop {
            match self.resolve(values, how)? {
                Some(series) => {
                    if how == Resolve::CreateOverflow {
                        self.count_refused();
                    }
                    return Ok(series);
                }
                None => match self.fold_values() {
                    Some(f) if how == Resolve::Create => {
                        fold = f;
                        values = &fold;
                        how = Resolve::CreateOverflow;
                    }
                    _ => return Err(LabelError::Full { capacity: N }),
                },
            }
        }
    }

    /// The overflow series' label values, under an overflow policy.
    #[cfg(feature = "overflow")]
    fn fold_values(&self) -> Option<[&'static str; L]> {
        self.overflow.map(|o| [o.value(); L])
    }

    /// None: without the `overflow` feature a full family refuses new label sets.
    #[cfg(not(feature = "overflow"))]
    fn fold_values(&self) -> Option<[&'static str; L]> {
        None
    }

    /// Counts a label set folded into the overflow series.
    #[cfg(feature = "overflow")]
    #[cold]
    #[inline(never)]
    fn count_refused(&self) {
        if let Some(counter) = self.overflow.and_then(|o| o.counter()) {
            counter.refused(self.desc.name());
        }
    }

    /// Nothing to count without the `overflow` feature.
    #[cfg(not(feature = "overflow"))]
    fn count_refused(&self) {}

    /// The series for these `(name, value)` pairs, in any order, created if new.
    pub fn labels_by_name<'v>(
        &self,
        pairs: impl AsRef<[(&'v str, &'v str)]>,
    ) -> Result<&T, LabelError> {
        let values = self.order_pairs(pairs.as_ref())?;
        self.create(&values)
    }

    /// The series for these label values if it exists; never creates one.
    pub fn get<'v>(&self, values: impl AsRef<[&'v str]>) -> Option<&T> {
        let values: &[&str; L] = values.as_ref().try_into().ok()?;
        self.resolve(values, Resolve::Find).ok().flatten()
    }

    /// Every series with its label values, in creation order. `f` gets the values in
    /// label-name order.
    pub fn for_each(&self, mut f: impl FnMut(&[&str; L], &T)) {
        for slot in self.ready() {
            slot.values.with_values(|values| f(values, &slot.state));
        }
    }

    /// Every ready series' slot, in creation order.
    fn ready(&self) -> impl Iterator<Item = &Slot<T, L, S>> {
        let n = self.published_len();
        self.order.iter().take(n).filter_map(|o| self.published(o))
    }

    /// The slot an entry of `order` lists, once it is READY (a slot is claimed before it is
    /// listed, and listed before it is READY: both are skipped).
    fn published(&self, entry: &AtomicUsize) -> Option<&Slot<T, L, S>> {
        let i = entry.load(Ordering::Acquire).checked_sub(1)?;
        let slot = self.slots.get(i)?;
        (slot.tag.load(Ordering::Acquire) & READY != 0).then_some(slot)
    }

    fn order_pairs<'v>(&self, pairs: &[(&'v str, &'v str)]) -> Result<[&'v str; L], LabelError> {
        if pairs.len() != L {
            return Err(LabelError::WrongCount {
                expected: L,
                got: pairs.len(),
            });
        }
        let mut values = [""; L];
        let mut seen = [false; L];
        for (position, (name, value)) in pairs.iter().enumerate() {
            let i = self
                .names
                .iter()
                .position(|n| n == name)
                .ok_or(LabelError::UnknownLabel { position })?;
            match (seen.get_mut(i), values.get_mut(i)) {
                (Some(s), Some(v)) if !*s => {
                    *s = true;
                    *v = value;
                }
                _ => return Err(LabelError::DuplicateLabel { position }),
            }
        }
        Ok(values)
    }

    /// Finds the series, or when creating claims a slot for it. `Ok(None)`: not found (and
    /// the family is full when creating).
    fn resolve(&self, values: &[&str; L], how: Resolve) -> Result<Option<&T>, LabelError> {
        for (index, (v, label)) in values.iter().zip(&self.names).enumerate() {
            if v.len() > S {
                return Err(LabelError::ValueTooLong {
                    family: self.desc.name(),
                    label,
                    index,
                    len: v.len(),
                    max: S,
                });
            }
        }
        let h = hash_values(values);
        // Low bits pick the slot, high bits tag it; 0 is never a claimed tag (WRITING/READY).
        let want = ((h >> 32) as u32) & HASH;
        let mut index = slot_index(h, N);
        for _ in 0..N {
            let Some(slot) = self.slots.get(index) else {
                break;
            };
            let this = index;
            index += 1;
            if index == N {
                index = 0;
            }
            let mut tag = slot.tag.load(Ordering::Acquire);
            if tag == 0 {
                if how == Resolve::Find {
                    return Ok(None);
                }
                let overflow_series = how == Resolve::CreateOverflow;
                if self.reserve(overflow_series) {
                    match slot.tag.compare_exchange(
                        0,
                        want | WRITING,
                        Ordering::Acquire,
                        Ordering::Acquire,
                    ) {
                        Ok(_) => return Ok(Some(self.fill(this, slot, values, want))),
                        Err(now) => {
                            self.unreserve(overflow_series);
                            tag = now;
                        }
                    }
                } else {
                    // No slot left for this label set, unless another thread has just
                    // claimed this one (for the same set, perhaps).
                    tag = slot.tag.load(Ordering::Acquire);
                    if tag == 0 {
                        return Ok(None);
                    }
                }
            }
            if tag & HASH == want {
                while tag & READY == 0 {
                    tag = wait_ready(&slot.tag)?;
                }
                if slot.values.matches(values) {
                    return Ok(Some(&slot.state));
                }
            }
        }
        Ok(None)
    }

    /// Under an overflow policy, takes one of the `N - 1` slots label sets may claim for
    /// series of their own; `false` when none is left. The overflow series (claimed by
    /// `create` only, once a label set found no room) takes no reservation: the slot left
    /// over is always its. Without a policy every empty slot may be claimed.
    #[cfg(feature = "overflow")]
    fn reserve(&self, overflow_series: bool) -> bool {
        if self.overflow.is_none() || overflow_series {
            return true;
        }
        self.claims
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| {
                (c < N.saturating_sub(1)).then_some(c + 1)
            })
            .is_ok()
    }

    /// Gives back a slot [`reserve`](Self::reserve) took (another thread claimed the slot).
    #[cfg(feature = "overflow")]
    fn unreserve(&self, overflow_series: bool) {
        if self.overflow.is_some() && !overflow_series {
            self.claims.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Every empty slot may be claimed without the `overflow` feature.
    #[cfg(not(feature = "overflow"))]
    fn reserve(&self, _overflow_series: bool) -> bool {
        true
    }

    /// Nothing was reserved without the `overflow` feature.
    #[cfg(not(feature = "overflow"))]
    fn unreserve(&self, _overflow_series: bool) {}

    fn fill<'s>(
        &'s self,
        index: usize,
        slot: &'s Slot<T, L, S>,
        values: &[&str; L],
        want: u32,
    ) -> &'s T {
        slot.values.write(values);
        let clock = self.clock.or_else(|| self.adopted.get());
        if let Some(clock) = clock.filter(|_| cfg!(feature = "created")) {
            slot.state.init_created(clock.unix_time());
        }
        slot.tag.store(want | READY, Ordering::Release);
        let pos = self.len.fetch_add(1, Ordering::AcqRel);
        if let Some(o) = self.order.get(pos) {
            o.store(index + 1, Ordering::Release);
        }
        &slot.state
    }
}

/// Builds a [`Family`] with a unit or a wall clock, in `const` context (the creation times
/// need the `created` feature, on by default).
///
#[cfg_attr(feature = "created", doc = "```")]
#[cfg_attr(not(feature = "created"), doc = "```ignore")]
/// use core::time::Duration;
/// use edgeprom::{Family, FamilyBuilder, FixedClock, Histogram};
/// static CLOCK: FixedClock = FixedClock(Duration::from_secs(1_700_000_000));
/// static LATENCY: Family<Histogram, 1, 8> =
///     FamilyBuilder::new("rpc_latency_seconds", "RPC latency", ["method"])
///         .unit("seconds")
///         .wall_clock(&CLOCK)
///         .build();
/// let h = LATENCY.labels(["get"]).unwrap();
/// assert_eq!(h.created(), Some(Duration::from_secs(1_700_000_000)));
/// ```
#[derive(Clone, Copy)]
pub struct FamilyBuilder<const L: usize> {
    name: &'static str,
    help: &'static str,
    unit: Option<&'static str>,
    labels: [&'static str; L],
    clock: Option<&'static dyn WallClock>,
    #[cfg(feature = "overflow")]
    overflow: Option<&'static Overflow>,
    utf8: bool,
}

impl<const L: usize> fmt::Debug for FamilyBuilder<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FamilyBuilder")
            .field("name", &self.name)
            .field("unit", &self.unit)
            .field("labels", &self.labels)
            .finish_non_exhaustive()
    }
}

impl<const L: usize> FamilyBuilder<L> {
    /// A family named `name` with label names `labels`.
    pub const fn new(name: &'static str, help: &'static str, labels: [&'static str; L]) -> Self {
        FamilyBuilder {
            name,
            help,
            unit: None,
            labels,
            clock: None,
            #[cfg(feature = "overflow")]
            overflow: None,
            utf8: false,
        }
    }

    /// Adds a unit (OpenMetrics `# UNIT`); the name must end in `_<unit>`.
    pub const fn unit(mut self, unit: &'static str) -> Self {
        self.unit = Some(unit);
        self
    }

    /// Allows UTF-8 metric and label names in this family (any UTF-8 but empty or starting
    /// with `__`), checked at compile time in a `static` as names are; written quoted or
    /// escaped as [`Metric::utf8`](crate::Metric::utf8) says.
    #[cfg(feature = "utf8-names")]
    #[cfg_attr(docsrs, doc(cfg(feature = "utf8-names")))]
    pub const fn utf8(mut self) -> Self {
        self.utf8 = true;
        self
    }

    /// Stamps each new series' `_created` time from `clock`.
    pub const fn wall_clock(mut self, clock: &'static dyn WallClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Folds label sets that find the family full into one series, as `overflow` says,
    /// instead of refusing them with [`LabelError::Full`]; the family's last slot is kept for
    /// that series.
    #[cfg(feature = "overflow")]
    #[cfg_attr(docsrs, doc(cfg(feature = "overflow")))]
    pub const fn overflow(mut self, overflow: &'static Overflow) -> Self {
        self.overflow = Some(overflow);
        self
    }

    /// The family.
    ///
    /// # Panics
    /// As [`Family::new`], and when the unit does not match the name (a compile error in a
    /// `static`).
    #[track_caller]
    pub const fn build<T: State, const N: usize, const S: usize>(self) -> Family<T, L, N, S> {
        match self.desc::<T, S>() {
            Ok(desc) => self.assemble(desc),
            Err(e) => e.fail(),
        }
    }

    /// The family, or why a name is invalid.
    pub const fn try_build<T: State, const N: usize, const S: usize>(
        self,
    ) -> Result<Family<T, L, N, S>, NameError> {
        match self.desc::<T, S>() {
            Ok(desc) => Ok(self.assemble(desc)),
            Err(e) => Err(e),
        }
    }

    const fn desc<T: State, const S: usize>(&self) -> Result<Desc<'static>, NameError> {
        if S > u8::MAX as usize {
            return Err(NameError::ValueCapacity);
        }
        #[cfg(feature = "overflow")]
        if let Some(o) = self.overflow {
            if o.value().len() > S {
                return Err(NameError::OverflowValue);
            }
        }
        let desc = Desc::try_new_as(self.name, self.help, T::TYPE.strip_suffix(), self.utf8);
        let mut desc = match desc {
            Ok(d) => d,
            Err(e) => return Err(e),
        };
        if let Some(unit) = self.unit {
            desc = match desc.try_with_unit(unit) {
                Ok(d) => d,
                Err(e) => return Err(e),
            };
        }
        match name::validate_label_names_as(&self.labels, T::TYPE.reserved_label(), self.utf8) {
            Ok(()) => Ok(desc),
            Err(e) => Err(e),
        }
    }

    const fn assemble<T: State, const N: usize, const S: usize>(
        self,
        desc: Desc<'static>,
    ) -> Family<T, L, N, S> {
        Family {
            desc,
            names: self.labels,
            clock: self.clock,
            adopted: AdoptedClock::NONE,
            #[cfg(feature = "overflow")]
            overflow: self.overflow,
            #[cfg(feature = "overflow")]
            claims: AtomicUsize::new(0),
            len: AtomicUsize::new(0),
            order: [const { AtomicUsize::new(0) }; N],
            slots: [const { Slot::<T, L, S>::INIT }; N],
        }
    }
}

/// What [`Family::resolve`] may do.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Resolve {
    /// Find the series only.
    Find,
    /// Find it or create it, as a series of its own.
    Create,
    /// Find or create the overflow series, which may take the slot kept for it.
    CreateOverflow,
}

/// Hashes label values. Each value is hashed on its own (its length is part of its hash, so
/// `["ab", "c"]` and `["a", "bc"]` differ) and the results are folded with a rotation per
/// position: the values' hashes are independent, so the CPU computes them in parallel, and
/// the slot's address, which the caller's update waits for, is ready sooner.
#[cfg(target_pointer_width = "64")]
fn hash_values<const L: usize>(values: &[&str; L]) -> u64 {
    use core::hash::Hasher;
    values.iter().fold(0u64, |h, v| {
        let mut hasher = rustc_hash::FxHasher::default();
        hasher.write(v.as_bytes());
        h.rotate_left(21) ^ hasher.finish()
    })
}

/// Hashes label values on a 32-bit core, where rustc-hash's 64-bit multiplications take much
/// code (and where its `finish` gives 32 bits only): FNV-1a over the values' bytes, each
/// value followed by `0xff` (which UTF-8 never contains, so `["ab", "c"]` and `["a", "bc"]`
/// differ), then a multiply for the 32 bits that tag the slot.
#[cfg(not(target_pointer_width = "64"))]
fn hash_values<const L: usize>(values: &[&str; L]) -> u64 {
    fnv_values(values)
}

#[cfg_attr(target_pointer_width = "64", allow(dead_code))] // tested on the host
fn fnv_values(values: &[&str]) -> u64 {
    let mut h = 0x811c_9dc5u32;
    for v in values {
        for b in v.bytes().chain([0xff]) {
            h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
    }
    let tag = (h ^ (h >> 15)).wrapping_mul(0x2c1b_3c6d);
    (u64::from(tag ^ (tag >> 12)) << 32) | u64::from(h)
}

/// The slot a hash starts probing at, from its low 32 bits: a mask when `n` is a power of two,
/// otherwise a multiply-shift (no division on the lookup path).
fn slot_index(h: u64, n: usize) -> usize {
    if n.is_power_of_two() {
        (h as usize) & (n - 1)
    } else {
        // `(h mod 2^32) * n / 2^32 < n`, and `n` fits in a `u64`.
        ((u64::from(h as u32) * n as u64) >> 32) as usize
    }
}

/// Spins until the slot is READY, or gives up with [`LabelError::Busy`].
fn wait_ready(tag: &AtomicU32) -> Result<u32, LabelError> {
    for _ in 0..SPIN_LIMIT {
        let t = tag.load(Ordering::Acquire);
        if t & READY != 0 {
            return Ok(t);
        }
        crate::sync::spin_loop();
    }
    Err(LabelError::Busy)
}

impl<T: State, const L: usize, const N: usize, const S: usize> Collect for Family<T, L, N, S> {
    fn desc(&self) -> Desc<'_> {
        self.desc
    }
    fn metric_type(&self) -> MetricType {
        T::TYPE
    }
    fn label_name(&self, i: usize) -> Option<&str> {
        self.names.get(i).copied()
    }
    fn encode(&self, enc: &mut Encoder<'_>) -> fmt::Result {
        enc.put_family(&self.desc, T::TYPE, self)
    }
    fn adopt_wall_clock(&self, clock: &'static dyn WallClock) {
        if self.clock.is_none() {
            self.adopted.adopt(clock);
        }
    }
    fn init_created(&self, unix: Duration) {
        // Without the `created` feature no series keeps a creation time: no walk either.
        if cfg!(feature = "created") {
            for slot in self.ready() {
                slot.state.init_created(unix);
            }
        }
    }
}

impl<T: State, const L: usize, const N: usize, const S: usize> SeriesTable for Family<T, L, N, S> {
    fn series_count(&self) -> usize {
        self.published_len()
    }
    fn series(&self, i: usize) -> Option<(Labels<'_>, &dyn Series)> {
        let slot = self.published(self.order.get(i)?)?;
        Some((Labels::stored(&self.names, &slot.values), &slot.state))
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use crate::clock::FixedClock;
    use crate::{Counter, Gauge, Histogram};

    #[test]
    fn resolves_by_position_and_name() {
        let f: Family<Counter, 2, 4> = Family::new("reqs", "h", ["method", "route"]);
        let a = f.labels(["get", "/"]).unwrap();
        a.inc();
        let b = f
            .labels_by_name([("route", "/"), ("method", "get")])
            .unwrap();
        assert!(core::ptr::eq(a, b));
        b.inc();
        assert_eq!(f.labels(["get", "/"]).unwrap().get(), 2);
        assert_eq!(f.len(), 1);
        assert!(f.get(["put", "/"]).is_none());
        assert_eq!(f.len(), 1);
        assert_eq!(f.get(["get", "/"]).map(|c| c.get()), Some(2));
    }

    #[test]
    fn errors() {
        let f: Family<Counter, 2, 2, 4> = Family::new("reqs", "h", ["method", "route"]);
        assert_eq!(
            f.labels(["get"]).err(),
            Some(LabelError::WrongCount {
                expected: 2,
                got: 1
            })
        );
        assert_eq!(
            f.labels(["get", "/", "x"]).err(),
            Some(LabelError::WrongCount {
                expected: 2,
                got: 3
            })
        );
        assert_eq!(
            f.labels_by_name([("method", "get"), ("nope", "/")]).err(),
            Some(LabelError::UnknownLabel { position: 1 })
        );
        assert_eq!(
            f.labels_by_name([("method", "get"), ("method", "/")]).err(),
            Some(LabelError::DuplicateLabel { position: 1 })
        );
        assert_eq!(
            f.labels_by_name([("method", "get")]).err(),
            Some(LabelError::WrongCount {
                expected: 2,
                got: 1
            })
        );
        assert_eq!(
            f.labels(["get", "/toolong"]).err(),
            Some(LabelError::ValueTooLong {
                family: "reqs",
                label: "route",
                index: 1,
                len: 8,
                max: 4
            })
        );
        f.labels(["a", "1"]).unwrap().inc();
        f.labels(["b", "2"]).unwrap().inc_by(5);
        assert_eq!(
            f.labels(["c", "3"]).err(),
            Some(LabelError::Full { capacity: 2 })
        );
        // A full family still resolves its existing series, with their data intact.
        assert_eq!(f.labels(["b", "2"]).unwrap().get(), 5);
        assert_eq!(f.labels(["a", "1"]).unwrap().get(), 1);
        assert!(!f.is_empty() && f.capacity() == 2);
    }

    #[test]
    fn default_value_bytes_fit_a_route_and_errors_name_everything() {
        let f: Family<Counter, 2, 4> = Family::new("http_requests", "h", ["method", "route"]);
        let route = "/api/v1/organizations/{org_id}/projects/{id}";
        assert_eq!(route.len(), 44);
        let long = "x".repeat(DEFAULT_VALUE_BYTES + 1);
        if cfg!(edgeprom_small_code) {
            assert_eq!(DEFAULT_VALUE_BYTES, 32);
        } else {
            assert_eq!(DEFAULT_VALUE_BYTES, 128);
            f.labels(["get", route]).unwrap().inc();
            assert_eq!(f.get(["get", route]).map(|c| c.get()), Some(1));
        }
        let e = f.labels(["get", long.as_str()]).unwrap_err();
        assert_eq!(
            e,
            LabelError::ValueTooLong {
                family: "http_requests",
                label: "route",
                index: 1,
                len: DEFAULT_VALUE_BYTES + 1,
                max: DEFAULT_VALUE_BYTES,
            }
        );
        let text = std::format!("{e}");
        assert!(
            text.contains("`route`")
                && text.contains("`http_requests`")
                && text.contains(&std::format!("{} bytes", DEFAULT_VALUE_BYTES + 1))
                && text.contains(&std::format!("at most {DEFAULT_VALUE_BYTES}")),
            "{text}"
        );
    }

    #[cfg(feature = "overflow")]
    static REFUSED: Family<Counter, 1, 4> = Family::new("refused", "h", ["family"]);
    #[cfg(feature = "overflow")]
    static FOLD: Overflow = Overflow::fold("other").counted_by(&REFUSED);

    #[cfg(feature = "overflow")]
    #[test]
    fn overflow_folds_into_one_counted_series_and_keeps_the_last_slot_for_it() {
        let f: Family<Counter, 2, 3> = FamilyBuilder::new("folded", "h", ["a", "b"])
            .overflow(&FOLD)
            .build();
        f.labels(["1", "x"]).unwrap().inc();
        f.labels_by_name([("b", "y"), ("a", "2")]).unwrap().inc();
        assert!(
            f.get(["other", "other"]).is_none(),
            "not created before needed"
        );
        // Two label sets of their own fill it: the third slot is the overflow series'.
        let other = f.labels(["3", "z"]).unwrap();
        other.inc();
        f.labels_by_name([("a", "4"), ("b", "w")])
            .unwrap()
            .inc_by(2);
        assert!(core::ptr::eq(other, f.labels(["3", "z"]).unwrap()));
        assert_eq!(other.get(), 3);
        assert_eq!(f.get(["other", "other"]).map(|c| c.get()), Some(3));
        assert_eq!(f.len(), 3);
        // Existing label sets keep their series; a refused set is never created.
        assert_eq!(f.labels(["1", "x"]).unwrap().get(), 1);
        assert!(f.get(["3", "z"]).is_none());
        // Three folded resolves (two of "3"/"z", one of "4"/"w"), counted under the name.
        assert_eq!(REFUSED.get(["folded"]).map(|c| c.get()), Some(3));
        // Errors other than fullness stay errors.
        assert!(matches!(
            f.labels(["1"]),
            Err(LabelError::WrongCount { .. })
        ));
        let mut names = std::vec::Vec::new();
        f.for_each(|v, c| names.push(std::format!("{}/{}={}", v[0], v[1], c.get())));
        assert_eq!(names, ["1/x=1", "2/y=1", "other/other=3"]);
    }

    #[cfg(feature = "overflow")]
    #[test]
    fn overflow_value_must_fit_and_fullness_without_room() {
        static LONG: Overflow = Overflow::fold("overflowing");
        assert_eq!(
            FamilyBuilder::new("g", "h", ["a"])
                .overflow(&LONG)
                .try_build::<Gauge, 2, 4>()
                .err(),
            Some(NameError::OverflowValue)
        );
        static OTHER: Overflow = Overflow::fold("other");
        let none: Family<Gauge, 1, 0> =
            FamilyBuilder::new("g", "h", ["a"]).overflow(&OTHER).build();
        assert_eq!(
            none.labels(["x"]).err(),
            Some(LabelError::Full { capacity: 0 })
        );
        // One slot: only the overflow series.
        let one: Family<Gauge, 1, 1> = FamilyBuilder::new("g", "h", ["a"]).overflow(&OTHER).build();
        one.labels(["x"]).unwrap().set(1.0);
        assert_eq!(one.get(["other"]).map(|g| g.get()), Some(1.0));
        assert!(one.overflow().is_some());
    }

    #[cfg(feature = "overflow")]
    #[test]
    fn overflow_under_threads_never_loses_the_overflow_slot() {
        static O: Overflow = Overflow::fold("other");
        let f: Family<Counter, 1, 16, 8> = FamilyBuilder::new("c", "h", ["i"]).overflow(&O).build();
        std::thread::scope(|s| {
            for t in 0..4u32 {
                let f = &f;
                s.spawn(move || {
                    let mut buf = itoa::Buffer::new();
                    for i in 0..64u32 {
                        f.labels([buf.format(t * 1000 + i)]).unwrap().inc();
                    }
                });
            }
        });
        assert_eq!(f.len(), 16);
        let mut total = 0;
        f.for_each(|_, c| total += c.get());
        assert_eq!(total, 4 * 64);
        assert_eq!(f.get(["other"]).map(|c| c.get()), Some(4 * 64 - 15));
    }

    #[test]
    fn zero_capacity_is_always_full() {
        let f: Family<Gauge, 1, 0> = Family::new("g", "h", ["a"]);
        assert_eq!(
            f.labels(["x"]).err(),
            Some(LabelError::Full { capacity: 0 })
        );
    }

    #[test]
    fn empty_and_unicode_values_and_creation_order() {
        let f: Family<Counter, 1, 8> = Family::new("c", "h", ["v"]);
        for v in ["zeta", "", "ünï\"cödé\n", "alpha"] {
            f.labels([v]).unwrap().inc();
        }
        let mut seen: heapless::Vec<heapless::String<32>, 8> = heapless::Vec::new();
        f.for_each(|vals, c| {
            assert_eq!(c.get(), 1);
            seen.push(heapless::String::try_from(vals[0]).unwrap())
                .unwrap();
        });
        assert_eq!(seen, ["zeta", "", "ünï\"cödé\n", "alpha"]);
    }

    #[test]
    fn reserved_labels_and_names() {
        assert_eq!(
            Family::<Histogram, 1, 1>::try_new("h", "h", ["le"]).err(),
            Some(NameError::ReservedLabel)
        );
        assert_eq!(
            Family::<crate::Summary, 1, 1>::try_new("s", "h", ["quantile"]).err(),
            Some(NameError::ReservedLabel)
        );
        assert!(Family::<Gauge, 1, 1>::try_new("g", "h", ["le"]).is_ok());
        assert_eq!(
            Family::<Gauge, 2, 1>::try_new("g", "h", ["a", "a"]).err(),
            Some(NameError::DuplicateLabel)
        );
        assert_eq!(
            Family::<Gauge, 1, 1, 256>::try_new("g", "h", ["a"]).err(),
            Some(NameError::ValueCapacity)
        );
        let f: Family<Counter, 1, 1> = Family::new("x_total", "h", ["a"]);
        assert_eq!(f.desc().name(), "x");
    }

    static CLOCK: FixedClock = FixedClock(Duration::from_secs(1234));

    #[test]
    fn wall_clock_stamps_new_series() {
        let f: Family<Counter, 1, 2> = FamilyBuilder::new("c", "h", ["a"])
            .wall_clock(&CLOCK)
            .build();
        let c = f.labels(["x"]).unwrap();
        let want = cfg!(feature = "created").then_some(Duration::from_secs(1234));
        assert_eq!(c.created(), want);
    }

    #[test]
    fn hashes_tell_positions_and_boundaries_apart() {
        let h = |v: [&str; 2]| hash_values(&v);
        assert_ne!(h(["ab", "c"]), h(["a", "bc"]));
        assert_ne!(h(["a", "b"]), h(["b", "a"]));
        assert_ne!(h(["", "x"]), h(["x", ""]));
        assert_eq!(h(["get", "/"]), h(["get", "/"]));
        let f = |v: [&str; 2]| fnv_values(&v);
        assert_ne!(f(["ab", "c"]), f(["a", "bc"]));
        assert_ne!(f(["a", "b"]), f(["b", "a"]));
        assert_ne!(f(["", "x"]), f(["x", ""]));
        assert_eq!(f(["get", "/"]), f(["get", "/"]));
        // Tags (30 bits) and slots of a 16-slot table spread over many values (hashing
        // arithmetic only: not under Miri, where it is slow and checks nothing more).
        if cfg!(miri) {
            return;
        }
        let mut tags = std::collections::BTreeSet::new();
        let mut slots = [0u32; 16];
        let mut buf = itoa::Buffer::new();
        for i in 0..4096u32 {
            let h = fnv_values(&[buf.format(i)]);
            tags.insert(((h >> 32) as u32) & HASH);
            slots[slot_index(h, 16)] += 1;
        }
        assert!(tags.len() > 4090, "{}", tags.len());
        assert!(slots.iter().all(|n| (200..=312).contains(n)), "{slots:?}");
    }

    #[test]
    fn slot_index_is_in_range() {
        for n in [1usize, 2, 3, 18, 32, 100, 1000, 1024] {
            for h in [
                0u64,
                1,
                u64::MAX,
                0xdead_beef_0000_0000,
                0x0000_0000_ffff_ffff,
            ] {
                assert!(slot_index(h, n) < n, "{h:#x} % {n}");
            }
        }
    }

    #[test]
    fn odd_capacities_fill_every_slot() {
        let f: Family<Counter, 2, 18, 8> = Family::new("c", "h", ["a", "b"]);
        let mut buf = itoa::Buffer::new();
        for i in 0..18u32 {
            f.labels(["x", buf.format(i)]).unwrap().inc_by(u64::from(i));
        }
        for i in 0..18u32 {
            assert_eq!(f.labels(["x", buf.format(i)]).unwrap().get(), u64::from(i));
        }
        assert!(matches!(f.labels(["y", "0"]), Err(LabelError::Full { .. })));
    }

    #[test]
    fn many_series_fill_every_slot() {
        let f: Family<Counter, 1, 64, 8> = Family::new("c", "h", ["i"]);
        let mut buf = itoa::Buffer::new();
        for i in 0..64u32 {
            f.labels([buf.format(i)]).unwrap().inc_by(u64::from(i));
        }
        assert_eq!(f.len(), 64);
        for i in 0..64u32 {
            assert_eq!(f.labels([buf.format(i)]).unwrap().get(), u64::from(i));
        }
        assert!(matches!(f.labels(["x"]), Err(LabelError::Full { .. })));
    }
}
