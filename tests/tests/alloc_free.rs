//! A counting global allocator proves that updates, resolving an existing labelled series,
//! timers and encoding a whole registry make zero heap allocations.
//!
//! Allocations are counted per thread, so the test harness's own threads do not interfere: each
//! check counts only what its closure does on the calling thread.
#![deny(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::time::Duration;

use edgeprom::{
    CallbackGauge, Counter, Family, FixedClock, Format, Gauge, Histogram, Metric, StateSet, Summary,
};
use edgeprom_tests::seed::{Extras, Seed};

/// Forwards to [`System`], counting allocations (and reallocations) of the calling thread.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count_one() {
    // A const-initialised `Cell<u64>` has no destructor: no lazy registration, no allocation.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

#[allow(unsafe_code)]
// SAFETY: every method forwards its arguments unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the only other work is bumping a thread-local counter, which neither
// allocates nor unwinds.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` and returns how many allocations it made on this thread, and its result.
fn allocations_in<R>(f: impl FnOnce() -> R) -> (u64, R) {
    let before = ALLOCATIONS.with(Cell::get);
    let r = f();
    let after = ALLOCATIONS.with(Cell::get);
    (after - before, r)
}

#[track_caller]
fn assert_no_allocations<R>(what: &str, f: impl FnOnce() -> R) -> R {
    let (n, r) = allocations_in(f);
    assert_eq!(n, 0, "{what} made {n} heap allocations");
    r
}

#[test]
fn the_counter_counts() {
    let (n, v) = allocations_in(|| black_box(Vec::<u64>::with_capacity(16)));
    assert!(n >= 1, "a Vec allocation was counted ({n})");
    drop(v);
    let (n, s) = allocations_in(|| {
        let mut s = String::from(black_box("a"));
        s.push_str(black_box(&"b".repeat(100)));
        s
    });
    assert!(
        n >= 3,
        "String::from, repeat and a growth were counted ({n})"
    );
    assert_eq!(s.len(), 101);
    let (n, ()) = allocations_in(|| black_box(()));
    assert_eq!(n, 0);
}

#[test]
fn updates() {
    static C: Metric<Counter> = Metric::new("c", "h");
    static CF: Metric<Counter<f64>> = Metric::new("cf", "h");
    static G: Metric<Gauge> = Metric::new("g", "h");
    static GI: Metric<Gauge<i64>> = Metric::new("gi", "h");
    static H: Metric<Histogram> = Metric::new("h", "h");
    static S: Metric<Summary> = Metric::new("s", "h");
    static ST: StateSet<2> = StateSet::new("st", "h", ["a", "b"]);
    static CB: CallbackGauge<fn() -> f64> = CallbackGauge::new("cb", "h", || 1.5);
    let wall = FixedClock(Duration::from_secs(1_700_000_000));
    assert_no_allocations("metric updates", || {
        C.inc();
        C.inc_by(black_box(41));
        CF.inc();
        CF.inc_by(black_box(0.5)).expect("finite");
        assert!(CF.inc_by(black_box(-1.0)).is_err());
        assert!(CF.inc_by(black_box(f64::NAN)).is_err());
        G.inc();
        G.dec();
        G.inc_by(black_box(2.5));
        G.dec_by(black_box(0.5));
        G.set(black_box(7.0));
        GI.inc_by(black_box(3));
        GI.dec();
        G.set_to_current_time(&wall);
        drop(GI.track_inprogress());
        GI.track_inprogress_with(|| black_box(1));
        for v in [0.001, 0.3, 4.0, 99.0] {
            H.observe(black_box(v)).expect("finite");
            S.observe(black_box(v)).expect("finite");
        }
        assert!(H.observe(black_box(f64::INFINITY)).is_err());
        assert!(S.observe(black_box(f64::NAN)).is_err());
        ST.set(black_box("b")).expect("known state");
        assert!(ST.set(black_box("zzz")).is_err());
        let _ = C.count_errors(|| Err::<(), _>(black_box(3)));
        let _ = C.count_errors_matching(|| Err::<(), _>(black_box(4)), |e| *e == 3);
        black_box(CB.get());
    });
    assert_eq!((C.get(), CF.get(), GI.get()), (43, 1.5, 2));
    assert_eq!(G.get(), 1_700_000_000.0);
    assert_eq!((H.count(), S.count(), ST.get()), (4, 4, "b"));
}

#[test]
fn resolving_existing_series() {
    static REQUESTS: Family<Counter, 2, 8> = Family::new("requests", "h", ["method", "endpoint"]);
    static LATENCY: Family<Histogram, 1, 4> = Family::new("latency", "h", ["route"]);
    REQUESTS.labels(["get", "/"]).expect("created").inc();
    REQUESTS.labels(["post", "/submit"]).expect("created").inc();
    LATENCY.labels(["/"]).expect("created");
    // Longer than a family stores by default (allocated before the check).
    let long = "x".repeat(edgeprom::DEFAULT_VALUE_BYTES + 1);
    assert_no_allocations("resolving existing series", || {
        for _ in 0..100 {
            REQUESTS
                .labels(black_box(["get", "/"]))
                .expect("exists")
                .inc();
            REQUESTS
                .labels_by_name(black_box([("endpoint", "/submit"), ("method", "post")]))
                .expect("exists")
                .inc_by(2);
            black_box(REQUESTS.get(["get", "/"]).expect("exists"));
            LATENCY
                .labels(black_box(["/"]))
                .expect("exists")
                .observe(0.2)
                .expect("finite");
        }
        // Error paths do not allocate either.
        assert!(REQUESTS.labels(black_box(["get"])).is_err());
        assert!(REQUESTS
            .labels_by_name(black_box([("nope", "x"), ("method", "get")]))
            .is_err());
        assert!(REQUESTS.labels(black_box(["get", long.as_str()])).is_err());
    });
    assert_eq!(REQUESTS.get(["get", "/"]).map(|c| c.get()), Some(101));
    assert_eq!(
        REQUESTS.get(["post", "/submit"]).map(|c| c.get()),
        Some(201)
    );
    // Creating a series is allocation-free too (the storage is fixed in the family).
    assert_no_allocations("creating a series", || {
        REQUESTS
            .labels(black_box(["put", "/new"]))
            .expect("room")
            .inc();
    });
}

#[test]
fn timers_with_a_fixed_clock() {
    static H: Metric<Histogram> = Metric::new("h", "h");
    static S: Metric<Summary> = Metric::new("s", "h");
    static G: Metric<Gauge> = Metric::new("g", "h");
    let clock = FixedClock(Duration::from_millis(1500));
    assert_no_allocations("timers", || {
        drop(H.start_timer(&clock));
        black_box(H.start_timer(&clock).stop());
        H.start_timer(&clock).discard();
        H.time(&clock, || black_box(1));
        drop(S.start_timer(&clock));
        S.time(&clock, || black_box(2));
        drop(G.start_timer(&clock));
        G.time(&clock, || black_box(3));
    });
    assert_eq!((H.count(), S.count()), (3, 2));
}

#[test]
fn encoding_a_full_registry() {
    let seed = Seed::recorded().expect("recorded updates");
    let extras = Extras::recorded().expect("recorded updates");
    let rs = seed.registry().expect("registry");
    let re = extras.registry().expect("registry");
    let mut buf = vec![0u8; 64 * 1024];
    let mut small = [0u8; 64];
    let mut string = String::with_capacity(64 * 1024);
    let mut total = 0;
    for format in [Format::Prometheus, Format::OpenMetrics] {
        total += assert_no_allocations("encoding into a slice", || {
            let a = rs.encode(format, &mut buf).expect("fits");
            let b = re.encode(format, &mut buf).expect("fits");
            assert!(rs.encode(format, &mut small).is_err());
            a + b
        });
        assert_no_allocations("encoding into a String with room", || {
            string.clear();
            rs.encode_to(format, &mut string).expect("encode_to");
            re.encode_to(format, &mut string).expect("encode_to");
        });
    }
    assert!(
        total > 8000,
        "the documents are not trivially small ({total} bytes)"
    );
}
