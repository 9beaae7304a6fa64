//! edgeprom side by side with the Rust peers: `prometheus`, `prometheus-client`, `metrics`
//! (+ `metrics-exporter-prometheus`) and `measured`, plus a floor column: a bare
//! `AtomicU64::fetch_add` for counters and a plain, unsynchronised histogram for observe.
//!
//! Run with `cargo xtask bench` (release mode; `--quick` for fewer repetitions). Prints one
//! table, rows = workloads, columns = crates, each time with its ratio to edgeprom, then the
//! issue's targets and each crate's caveats. Workloads:
//! 1. unlabelled integer counter increment, one thread;
//! 2. the same from two threads at once (ns per op per thread);
//! 3. labelled lookup plus increment, `method` (3) x `route` (6), 18 series round-robin;
//! 4. histogram observe, the 14 Prometheus default buckets, values spread across them;
//! 5. scrape of one counter family with 1,000 series and 10 histogram families of 10 series
//!    each into text: time, ns per output line, bytes, lines, heap allocations;
//! 6. edgeprom only: the same registry as a remote write request (protobuf, literal snappy,
//!    protobuf + `snap`) beside its text encode: time, bytes and allocations per request and
//!    per sample;
//! 7. native histograms: edgeprom's native observe beside its classic one and
//!    prometheus-client's native histogram; the scrape registry as the protobuf exposition
//!    beside its text encode, with allocations;
//! 8. how cost grows: a labelled lookup in a static `Family` and a `DynFamily` of 10, 1,000,
//!    10,000 and 100,000 series, and a scrape of 1,000 to 100,000 series, per line.
//!
//! 8. the standalone scrape endpoint and the axum route: scrape latency (p50, p99) over
//!    loopback and the server's idle wake-ups (context switches over 5 s with no client).
//!
//! `--only native` runs only workload 7 (with `--quick`, seconds); `--only metrics` runs
//! workloads 1 to 5 through the `metrics` facade, edgeprom-std's `MetricsRecorder` beside
//! `metrics-exporter-prometheus` (ratios to the former); `--only scrape_server` only workload 8; `--only scale` shows how cost grows:
//! a labelled lookup in families of 10 to 100,000 series, a scrape of 1,000 to 100,000.
//!
//! `--profile WORKLOAD` (counter, labelled, observe, scrape, remote_write, remote_write_snap) runs
//! only edgeprom's workload in a fixed loop (`PEERS_PROFILE_ROUNDS` times), for `valgrind
//! --tool=callgrind`.
#![deny(unsafe_code)]

mod alloc;
mod floor;
mod harness;
mod inputs;
mod native;
mod remote_write;
mod scale;
mod scrape_server;
mod subject;
mod table;
mod with_edgeprom;
mod with_edgeprom_metrics;
mod with_measured;
mod with_metrics;
mod with_prometheus;
mod with_prometheus_client;

use std::process::ExitCode;

use harness::{Config, Timed};
use subject::Subject;
use table::{Kind, Row};

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

/// Index of edgeprom's column, the one ratios are taken against.
const EDGEPROM: usize = 1;
/// Index of the floor's column.
const FLOOR: usize = 0;
/// Index of edgeprom behind the `metrics` facade in the full table: edgeprom, not a peer.
const EDGEPROM_METRICS: usize = 5;

fn main() -> ExitCode {
    let mut quick = false;
    let mut profile = None;
    let mut only = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            // `cargo bench` passes `--bench` to harness-less benches.
            "--bench" => {}
            "--profile" => profile = args.next(),
            "--only" => only = args.next(),
            "-h" | "--help" => {
                println!(
                    "usage: peers [--quick] [--only native|remote_write|scrape_server|metrics|scale] [--profile counter|labelled|observe|scrape|remote_write|remote_write_snap]"
                );
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("peers: unexpected argument `{other}`");
                return ExitCode::from(2);
            }
        }
    }
    let values: &'static [f64] = Box::leak(inputs::values().into_boxed_slice());
    if let Some(workload) = profile {
        return run_profile(&workload, values);
    }
    let cfg = if quick {
        Config::quick()
    } else {
        Config::full()
    };
    match only.as_deref() {
        None => {}
        Some("native") => {
            print_only_header(7, quick, &cfg);
            native::print(&native::measure(values, &cfg));
            return ExitCode::SUCCESS;
        }
        Some("remote_write") => {
            print_only_header(6, quick, &cfg);
            remote_write::print(&remote_write::measure(values, &cfg));
            return ExitCode::SUCCESS;
        }
        Some("scrape_server") => {
            println!("machine: {}\n", machine());
            scrape_server::print(
                &scrape_server::measure(quick),
                &scrape_server::measure_axum(quick),
            );
            return ExitCode::SUCCESS;
        }
        Some("scale") => {
            println!(
                "how cost grows ({} run: median of {} rounds of ~{:?} batches; lookups \
                 round-robin in a fixed shuffle over every series)",
                if quick { "quick" } else { "full" },
                cfg.rounds,
                cfg.batch
            );
            println!("machine: {}\n", machine());
            scale::run(&cfg);
            return ExitCode::SUCCESS;
        }
        Some("metrics") => {
            // Workloads 1 to 5 through the `metrics` facade: edgeprom's recorder (the column
            // ratios are taken against) beside metrics-exporter-prometheus'.
            let mut subjects = vec![
                floor::subject(values),
                with_edgeprom_metrics::subject(values),
                with_metrics::subject(values),
            ];
            if let Err(e) = check_scrapes(&mut subjects) {
                eprintln!("peers: {e}");
                return ExitCode::FAILURE;
            }
            let mut contended_note = String::new();
            let rows = measure_all(&mut subjects, &cfg, &mut contended_note);
            let headers: Vec<&str> = subjects.iter().map(|s| s.name).collect();
            println!(
                "the `metrics` facade: edgeprom's recorder vs metrics-exporter-prometheus ({} run: \
                 median of {} rounds of ~{:?} batches; cells: time per op and ratio to \
                 edgeprom+metrics)",
                if quick { "quick" } else { "full" },
                cfg.rounds,
                cfg.batch
            );
            println!("machine: {}\n", machine());
            print!("{}", table::render(&headers, &rows, EDGEPROM));
            println!("\ntwo-thread samples kept:{contended_note}\nnotes:");
            for s in &subjects {
                for n in s.notes {
                    println!("- {}: {n}", s.name);
                }
            }
            return ExitCode::SUCCESS;
        }
        Some(other) => {
            eprintln!("peers: unknown workload `{other}` for --only");
            return ExitCode::from(2);
        }
    }
    let mut subjects = vec![
        floor::subject(values),
        with_edgeprom::subject(values),
        with_prometheus::subject(values),
        with_prometheus_client::subject(values),
        with_metrics::subject(values),
        with_edgeprom_metrics::subject(values),
        with_measured::subject(values),
    ];
    if let Err(e) = check_scrapes(&mut subjects) {
        eprintln!("peers: {e}");
        return ExitCode::FAILURE;
    }
    let mut contended_note = String::new();
    let rows = measure_all(&mut subjects, &cfg, &mut contended_note);
    let headers: Vec<&str> = subjects.iter().map(|s| s.name).collect();
    println!(
        "edgeprom vs peers ({} run: median of {} rounds of ~{:?} batches; cells: time per op \
         and ratio to edgeprom)",
        if quick { "quick" } else { "full" },
        cfg.rounds,
        cfg.batch
    );
    println!("machine: {}\n", machine());
    print!("{}", table::render(&headers, &rows, EDGEPROM));
    println!();
    print_targets(&rows);
    println!();
    remote_write::print(&remote_write::measure(values, &cfg));
    println!();
    native::print(&native::measure(values, &cfg));
    println!();
    scrape_server::print(
        &scrape_server::measure(quick),
        &scrape_server::measure_axum(quick),
    );
    println!("\nhow cost grows (`--only scale`):\n");
    scale::run(&cfg);
    println!("\nmethod:");
    for line in METHOD {
        println!("- {line}");
    }
    println!(
        "- two-thread samples kept (threads overlapped >= 90%; a cell shows `-` with fewer than \
         {}):{contended_note}",
        harness::MIN_KEPT
    );
    println!("\nnotes:");
    for s in &subjects {
        for n in s.notes {
            println!("- {}: {n}", s.name);
        }
    }
    ExitCode::SUCCESS
}

/// How the numbers are taken, printed under the table.
const METHOD: &[&str] = &[
    "each crate's handles, label sets and registries are built once, outside the timed loops; \
     inputs (label pairs, observed values) go through `black_box`, handles do not (a \
     per-op `black_box` adds a store and reload to every op's dependency chain)",
    "every crate is warmed up and calibrated to ~batch-sized runs; rounds then time one batch \
     of each crate in turn, so noise from elsewhere on the machine hits all columns alike",
    "labelled lookups resolve the series on every op (no cached handle), round-robin over the \
     18 (method, route) pairs; histogram values are 1,024 pseudo-random values spread evenly \
     over the 15 buckets (14 bounds and +Inf); every crate gets the same 14 bounds",
    "scrape: 1,000 counter series plus 10 histogram families of 10 series (40 observations \
     each), Prometheus text except prometheus-client (OpenMetrics only); allocations are \
     counted by a global allocator over 20 scrapes",
];

/// The CPU model and the number of CPUs, as far as the OS tells.
fn machine() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "{model}, {cpus} CPUs ({} {})",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// Runs the timed workloads and collects the table's rows; `contended_note` gets how many
/// two-thread samples each crate kept.
fn measure_all(subjects: &mut [Subject], cfg: &Config, contended_note: &mut String) -> Vec<Row> {
    let n = subjects.len();
    let mut rows = Vec::new();

    let ops = |pick: fn(&Subject) -> Option<&subject::Op>, subjects: &[Subject]| -> Vec<usize> {
        (0..subjects.len())
            .filter(|&i| pick(&subjects[i]).is_some())
            .collect()
    };
    let timed_row =
        |label: &str, pick: fn(&Subject) -> Option<&subject::Op>, subjects: &mut [Subject]| {
            let which = ops(pick, subjects);
            let mut runs: Vec<Box<dyn FnMut(u64) + '_>> = which
                .iter()
                .map(|&i| {
                    let op = pick(&subjects[i]).expect("filtered above");
                    Box::new(op) as Box<dyn FnMut(u64)>
                })
                .collect();
            let mut timed: Vec<Timed<'_>> = runs
                .iter_mut()
                .zip(&which)
                .map(|(run, &i)| Timed {
                    run: &mut **run,
                    after: subjects[i].upkeep.as_deref(),
                })
                .collect();
            let medians = harness::measure(&mut timed, cfg);
            let mut cells = vec![None; n];
            for (&i, m) in which.iter().zip(medians) {
                cells[i] = Some(m);
            }
            Row {
                label: label.to_owned(),
                kind: Kind::Nanos,
                cells,
            }
        };
    rows.push(timed_row(
        "1. counter inc, 1 thread",
        |s| s.counter.as_ref(),
        subjects,
    ));

    let which = ops(|s| s.counter.as_ref(), subjects);
    let contended: Vec<&(dyn Fn(u64) + Sync)> = which
        .iter()
        .filter_map(|&i| subjects[i].counter.as_deref())
        .collect();
    let results = harness::measure_contended(&contended, cfg);
    let mut cells = vec![None; n];
    let mut kept = String::new();
    for (&i, r) in which.iter().zip(results) {
        cells[i] = r.nanos;
        kept.push_str(&format!(" {} {}/{},", subjects[i].name, r.kept, r.taken));
    }
    contended_note.push_str(kept.trim_end_matches(','));
    rows.push(Row {
        label: "2. counter inc, 2 threads (per op/thread)".to_owned(),
        kind: Kind::Nanos,
        cells,
    });

    rows.push(timed_row(
        "3. labelled lookup + inc (18 series)",
        |s| s.labelled.as_ref(),
        subjects,
    ));
    rows.push(timed_row(
        "4. histogram observe (14 buckets)",
        |s| s.observe.as_ref(),
        subjects,
    ));

    // 5. scrape
    let which: Vec<usize> = (0..n).filter(|&i| subjects[i].scraper.is_some()).collect();
    let mut runs: Vec<Box<dyn FnMut(u64) + '_>> = subjects
        .iter_mut()
        .filter_map(|s| s.scraper.as_mut())
        .map(|sc| {
            Box::new(move |k: u64| {
                for _ in 0..k {
                    sc.scrape();
                }
            }) as Box<dyn FnMut(u64)>
        })
        .collect();
    let mut timed: Vec<Timed<'_>> = runs
        .iter_mut()
        .map(|run| Timed {
            run: &mut **run,
            after: None,
        })
        .collect();
    let medians = harness::measure(&mut timed, cfg);
    drop(timed);
    drop(runs);

    let mut time = vec![None; n];
    let mut per_line = vec![None; n];
    let mut bytes = vec![None; n];
    let mut lines = vec![None; n];
    let mut allocs = vec![None; n];
    const ALLOC_SCRAPES: u64 = 20;
    for (&i, m) in which.iter().zip(medians) {
        let Some(sc) = subjects[i].scraper.as_mut() else {
            continue;
        };
        let before = alloc::allocations();
        for _ in 0..ALLOC_SCRAPES {
            sc.scrape();
        }
        let made = alloc::allocations() - before;
        let out = sc.output();
        let l = out.iter().filter(|&&b| b == b'\n').count() as f64;
        time[i] = Some(m);
        per_line[i] = Some(m / l);
        bytes[i] = Some(out.len() as f64);
        lines[i] = Some(l);
        allocs[i] = Some(made as f64 / ALLOC_SCRAPES as f64);
    }
    rows.push(Row {
        label: "5. scrape: time per scrape".to_owned(),
        kind: Kind::Nanos,
        cells: time,
    });
    rows.push(Row {
        label: "5. scrape: ns per output line".to_owned(),
        kind: Kind::Nanos,
        cells: per_line,
    });
    rows.push(Row {
        label: "5. scrape: output bytes".to_owned(),
        kind: Kind::Count,
        cells: bytes,
    });
    rows.push(Row {
        label: "5. scrape: output lines".to_owned(),
        kind: Kind::Count,
        cells: lines,
    });
    rows.push(Row {
        label: "5. scrape: heap allocations per scrape".to_owned(),
        kind: Kind::Count,
        cells: allocs,
    });
    rows
}

/// Every crate's scrape must hold the same series: 1,000 counters and 100 histograms of
/// 15 buckets each (a histogram rendered as a summary, say, would make the row meaningless).
fn check_scrapes(subjects: &mut [Subject]) -> Result<(), String> {
    let want_buckets =
        inputs::SCRAPE_HISTOGRAMS * inputs::SCRAPE_HISTOGRAM_SERIES * (inputs::BUCKETS.len() + 1);
    for s in subjects {
        let Some(sc) = s.scraper.as_mut() else {
            continue;
        };
        sc.scrape();
        let text = std::str::from_utf8(sc.output())
            .map_err(|e| format!("{}: scrape is not UTF-8: {e}", s.name))?;
        let counters = text
            .lines()
            .filter(|l| l.starts_with(inputs::SCRAPE_COUNTER_NAME) && l.contains("client-"))
            .count();
        let buckets = text
            .lines()
            .filter(|l| !l.starts_with('#') && l.contains("_bucket{") && l.contains("le=\""))
            .count();
        if counters != inputs::SCRAPE_COUNTERS || buckets != want_buckets {
            return Err(format!(
                "{}: scrape has {counters} counter series (want {}) and {buckets} bucket lines \
                 (want {want_buckets})",
                s.name,
                inputs::SCRAPE_COUNTERS
            ));
        }
    }
    Ok(())
}

fn fastest_peer(row: &Row) -> Option<f64> {
    row.cells
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != EDGEPROM && i != FLOOR && i != EDGEPROM_METRICS)
        .filter_map(|(_, c)| *c)
        .min_by(f64::total_cmp)
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

fn print_targets(rows: &[Row]) {
    println!("targets (ratios from this run):");
    let cell = |r: usize, c: usize| rows.get(r).and_then(|row| row.cells[c]);
    for (r, what) in [(0, "counter inc, 1 thread"), (1, "counter inc, 2 threads")] {
        match (cell(r, EDGEPROM), cell(r, FLOOR)) {
            (Some(e), Some(f)) => {
                let ratio = e / f;
                println!(
                    "- {what}: edgeprom / floor (fetch_add) = {ratio:.2}x (target <= 1.2x): {}",
                    verdict(ratio <= 1.2)
                );
            }
            _ => println!("- {what}: not measured in this run (see the two-thread note)"),
        }
    }
    if let (Some(e), Some(f)) = (cell(3, EDGEPROM), cell(3, FLOOR)) {
        let ratio = e / f;
        println!(
            "- histogram observe, consistent: edgeprom / floor (plain histogram) = {ratio:.2}x (target <= 1.5x): {}",
            verdict(ratio <= 1.5)
        );
    }
    for (r, what, limit) in [
        (2, "labelled lookup + inc", 0.5),
        (3, "histogram observe", 0.7),
        (4, "scrape time", 0.5),
    ] {
        if let (Some(e), Some(p)) = (cell(r, EDGEPROM), rows.get(r).and_then(fastest_peer)) {
            let ratio = e / p;
            println!(
                "- {what}: edgeprom / fastest peer = {ratio:.2}x (target <= {limit}x): {}",
                verdict(ratio <= limit)
            );
        }
    }
    if let Some(a) = cell(8, EDGEPROM) {
        println!(
            "- scrape allocations: edgeprom {a} per scrape (target 0): {}",
            verdict(a == 0.0)
        );
    }
}

/// The lines before one workload run alone (`--only`): how it was measured, the machine.
fn print_only_header(workload: u32, quick: bool, cfg: &Config) {
    println!(
        "workload {workload} only ({} run: median of {} rounds of ~{:?} batches)",
        if quick { "quick" } else { "full" },
        cfg.rounds,
        cfg.batch
    );
    println!("machine: {}\n", machine());
}

/// Runs one of edgeprom's workloads in a fixed loop, untimed, for a profiler.
fn run_profile(workload: &str, values: &'static [f64]) -> ExitCode {
    let mut s = with_edgeprom::subject(values);
    // `PEERS_PROFILE_ROUNDS`: how many scrapes or requests (two counts under callgrind give
    // the instructions of one by their difference).
    let rounds = |default: usize| {
        std::env::var("PEERS_PROFILE_ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(default)
    };
    match workload {
        "counter" | "labelled" | "observe" => {
            let op = match workload {
                "counter" => s.counter.as_ref(),
                "labelled" => s.labelled.as_ref(),
                _ => s.observe.as_ref(),
            };
            if let Some(op) = op {
                op(1_000_000);
            }
        }
        "scrape" => {
            if let Some(sc) = s.scraper.as_mut() {
                for _ in 0..rounds(200) {
                    sc.scrape();
                }
            }
        }
        "remote_write" => remote_write::profile(values, rounds(200)),
        "remote_write_snap" => remote_write::profile_snap(values, rounds(200)),
        other => {
            eprintln!("peers: unknown workload `{other}` for --profile");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
