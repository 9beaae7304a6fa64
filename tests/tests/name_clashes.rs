//! The name-clash rule, checked against the strict parsers: for every pair of metric types,
//! every suffix a type writes (and one it does not) and both registration orders, a registry
//! either refuses the second family with `RegisterError::NameClash`, or the document of the
//! two families passes Python's strict OpenMetrics parser and `promtool check metrics`. Both
//! checkers are also shown each refused pair written anyway (by two registries, one family
//! each, concatenated): most of those they reject, which shows the checks can fail.

use std::io::Write as _;
use std::process::{Command, Stdio};

use edgeprom::{
    Collect, Counter, Format, Gauge, Histogram, Info, Metric, RegisterError, Registry, StateSet,
    Summary,
};

const SUFFIXES: [&str; 8] = [
    "", "_total", "_created", "_bucket", "_count", "_sum", "_info", "_x",
];
const TYPES: [&str; 6] = [
    "counter",
    "gauge",
    "histogram",
    "summary",
    "info",
    "stateset",
];

/// A family of type `ty` named `name`, with one observation so that every sample is written.
fn family(ty: &str, name: &'static str) -> Box<dyn Collect> {
    match ty {
        "counter" => {
            let m: Metric<Counter> = Metric::new(name, "h");
            m.inc();
            Box::new(m)
        }
        "gauge" => Box::new(Metric::<Gauge>::new(name, "h")),
        "histogram" => {
            let m: Metric<Histogram> = Metric::new(name, "h");
            m.observe(0.5).unwrap();
            Box::new(m)
        }
        "summary" => {
            let m: Metric<Summary> = Metric::new(name, "h");
            m.observe(0.5).unwrap();
            Box::new(m)
        }
        "info" => Box::new(Info::new(name, "h", [("version", "1")])),
        "stateset" => Box::new(StateSet::new(name, "h", ["on", "off"])),
        other => unreachable!("{other}"),
    }
}

fn name(suffix: &str) -> &'static str {
    Box::leak(format!("m{suffix}").into_boxed_str())
}

fn encode(families: &[&dyn Collect], format: Format) -> String {
    let mut out = String::new();
    for (i, f) in families.iter().enumerate() {
        let mut r: Registry<'_, 1> = Registry::new().with_created(false);
        r.register(*f).unwrap();
        let mut s = String::new();
        r.encode_to(format, &mut s).unwrap();
        if i + 1 < families.len() {
            s = s.trim_end_matches("# EOF\n").to_owned();
        }
        out.push_str(&s);
    }
    out
}

fn python_verdicts(docs: &[String]) -> Vec<Option<String>> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scripts/parse_openmetrics_many.py"
    );
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 (pip install prometheus_client)");
    let input = serde_json::to_vec(docs).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "parser: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn promtool(doc: &str) -> Result<(), String> {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (apt-get install prometheus)");
    let mut stdin = child.stdin.take().unwrap();
    let doc = doc.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(doc.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    // promtool's lint findings (exit 3) are style; a parse error is exit 1.
    match out.status.code() {
        Some(0 | 3) => Ok(()),
        _ => Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

#[test]
fn every_accepted_pair_parses_strictly_and_every_clash_is_refused() {
    let mut accepted = Vec::new(); // (what, OpenMetrics doc, Prometheus doc)
    let mut refused = Vec::new();
    for a_ty in TYPES {
        for b_ty in TYPES {
            for suffix in SUFFIXES {
                for reversed in [false, true] {
                    let (first, second) = if reversed {
                        (family(b_ty, name(suffix)), family(a_ty, name("")))
                    } else {
                        (family(a_ty, name("")), family(b_ty, name(suffix)))
                    };
                    let what = format!(
                        "{} {} then {} {}",
                        first.metric_type_name(),
                        first.desc().name(),
                        second.metric_type_name(),
                        second.desc().name()
                    );
                    let mut r: Registry<'_, 2> = Registry::new().with_created(false);
                    r.register(&*first).unwrap();
                    match r.register(&*second) {
                        Ok(()) => {
                            let om = encode(&[&*first, &*second], Format::OpenMetrics);
                            let mut om2 = String::new();
                            r.encode_to(Format::OpenMetrics, &mut om2).unwrap();
                            assert_eq!(om, om2, "{what}");
                            let prom = encode(&[&*first, &*second], Format::Prometheus);
                            accepted.push((what, om, prom));
                        }
                        Err(RegisterError::NameClash { .. }) => {
                            let om = encode(&[&*first, &*second], Format::OpenMetrics);
                            let prom = encode(&[&*first, &*second], Format::Prometheus);
                            refused.push((what, om, prom));
                        }
                        Err(e) => panic!("{what}: {e}"),
                    }
                }
            }
        }
    }
    // 6 x 6 types x 8 suffixes x 2 orders.
    assert_eq!((accepted.len(), refused.len()), (364, 212));

    let docs: Vec<String> = accepted.iter().map(|(_, om, _)| om.clone()).collect();
    for ((what, om, _), verdict) in accepted.iter().zip(python_verdicts(&docs)) {
        assert_eq!(
            verdict, None,
            "{what}: accepted, but the parser rejects\n{om}"
        );
    }
    // promtool, a process per document, four at a time.
    std::thread::scope(|scope| {
        let chunk = accepted.len().div_ceil(4);
        for part in accepted.chunks(chunk) {
            scope.spawn(move || {
                for (what, _, prom) in part {
                    if let Err(e) = promtool(prom) {
                        panic!("{what}: accepted, but promtool rejects: {e}\n{prom}");
                    }
                }
            });
        }
    });

    // The refused pairs, written anyway: the checkers catch most (what they let through
    // shares no sample name with the family's header in their reading, e.g. a counter `m`
    // and a gauge `m_created` in Prometheus text).
    let docs: Vec<String> = refused.iter().map(|(_, om, _)| om.clone()).collect();
    let caught = python_verdicts(&docs)
        .iter()
        .filter(|v| v.is_some())
        .count();
    assert!(
        caught * 2 > refused.len(),
        "the parser caught {caught} of {}",
        refused.len()
    );
}

/// The type's OpenMetrics name, for messages.
trait TypeName {
    fn metric_type_name(&self) -> &'static str;
}

impl TypeName for Box<dyn Collect> {
    fn metric_type_name(&self) -> &'static str {
        edgeprom::encode::openmetrics::type_name(self.metric_type())
    }
}
