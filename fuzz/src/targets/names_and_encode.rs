//! Arbitrary metric names, label names, label values, help text, units, a namespace and
//! constant labels through `Desc::try_new`, `FamilyBuilder::try_build`, `Info::try_new`,
//! `Metric::try_new`, `StateSet::try_new`, the registry, `Family::labels`/`labels_by_name`/`get`, and every
//! encoder: both text formats, remote write and the protobuf exposition.
//!
//! Invariants: nothing panics; each constructor accepts exactly what the naming rules (restated
//! in `crate::names`) allow; the family behaves like a simple model (same handle for
//! the same values, the documented error otherwise); both documents pass the strict checker
//! and hold exactly the families and samples the registry holds, with the label values and
//! help text given, unchanged; `encode` into a slice agrees with `encode_to` byte for byte;
//! a remote write request (protobuf, and its literal snappy block) and the protobuf
//! exposition, decoded by prost and snap, hold exactly the samples of the text document
//! ([`crate::binary`]), and their in-place, measured and streamed forms agree.

use std::time::Duration;

use crate::exposition::{self, Document};
use crate::intern::intern;
use crate::names;
use arbitrary::Arbitrary;
use edgeprom::{
    Counter, Desc, FamilyBuilder, FixedClock, Format, Gauge, Histogram, Info, LabelError, Metric,
    Registry, State, StateSet, DEFAULT_BUCKETS,
};

const L: usize = 2;
const N: usize = 4;
const S: usize = 16;

static CLOCK: FixedClock = FixedClock(Duration::from_secs(1_700_000_000));

#[derive(Arbitrary, Debug)]
enum KindChoice {
    Counter,
    Gauge,
    Histogram,
}

#[derive(Arbitrary, Debug)]
enum Op<'a> {
    Labels(Vec<&'a str>, u16),
    ByName(Vec<(&'a str, &'a str)>, u16),
    Get(Vec<&'a str>),
}

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    kind: KindChoice,
    name: &'a str,
    help: &'a str,
    unit: Option<&'a str>,
    labels: [&'a str; L],
    clock: bool,
    info_name: &'a str,
    info_help: &'a str,
    info: [(&'a str, &'a str); 2],
    counter_name: &'a str,
    stateset_name: &'a str,
    states: [&'a str; 2],
    state: bool,
    namespace: Option<&'a str>,
    const_labels: Vec<(&'a str, &'a str)>,
    ops: Vec<Op<'a>>,
}

/// What the target needs to know of a series type, stated independently of the core.
trait Kind: State {
    const STRIP: Option<&'static str>;
    const RESERVED: &'static [&'static str];
    /// Samples per series, without `_created`.
    const SAMPLES: usize;
    const HAS_CREATED: bool;
    /// The suffix of the sample that carries [`Kind::apply`]'s model value, per format.
    fn main_suffix(format: Format) -> &'static str;
    fn bump(&self, n: u16);
    fn apply(model: f64, n: u16) -> f64;
}

impl Kind for Counter {
    const STRIP: Option<&'static str> = Some("_total");
    const RESERVED: &'static [&'static str] = &[];
    const SAMPLES: usize = 1;
    const HAS_CREATED: bool = true;
    fn main_suffix(format: Format) -> &'static str {
        match format {
            Format::Prometheus | Format::PrometheusV1 => "",
            Format::OpenMetrics => "_total",
        }
    }
    fn bump(&self, n: u16) {
        self.inc_by(u64::from(n));
    }
    fn apply(model: f64, n: u16) -> f64 {
        model + f64::from(n)
    }
}

impl Kind for Gauge {
    const STRIP: Option<&'static str> = None;
    const RESERVED: &'static [&'static str] = &[];
    const SAMPLES: usize = 1;
    const HAS_CREATED: bool = false;
    fn main_suffix(_: Format) -> &'static str {
        ""
    }
    fn bump(&self, n: u16) {
        self.set(f64::from(n) / 8.0);
    }
    fn apply(_: f64, n: u16) -> f64 {
        f64::from(n) / 8.0
    }
}

impl Kind for Histogram {
    const STRIP: Option<&'static str> = None;
    const RESERVED: &'static [&'static str] = &["le"];
    const SAMPLES: usize = DEFAULT_BUCKETS.len() + 3; // buckets, +Inf, _count, _sum
    const HAS_CREATED: bool = true;
    fn main_suffix(_: Format) -> &'static str {
        "_count"
    }
    fn bump(&self, n: u16) {
        self.observe(f64::from(n) / 1000.0)
            .expect("finite observation");
    }
    fn apply(model: f64, _: u16) -> f64 {
        model + 1.0
    }
}

/// A series of the model: its label values, its handle's address and its expected value.
struct Series {
    values: [String; L],
    handle: usize,
    value: f64,
}

/// What resolving `values` must do, by the documented rules.
fn expect_resolve(
    model: &[Series],
    values: &[&str],
    family: &'static str,
    names: &[&'static str; L],
) -> Result<Option<usize>, LabelError> {
    if values.len() != L {
        return Err(LabelError::WrongCount {
            expected: L,
            got: values.len(),
        });
    }
    if let Some((index, v)) = values.iter().enumerate().find(|(_, v)| v.len() > S) {
        return Err(LabelError::ValueTooLong {
            family,
            label: names[index],
            index,
            len: v.len(),
            max: S,
        });
    }
    if let Some(i) = model.iter().position(|s| s.values.iter().eq(values.iter())) {
        return Ok(Some(i));
    }
    if model.len() == N {
        return Err(LabelError::Full { capacity: N });
    }
    Ok(None)
}

/// The documented order of `labels_by_name`'s checks.
fn order_pairs<'v>(
    names: &[&str; L],
    pairs: &[(&'v str, &'v str)],
) -> Result<[&'v str; L], LabelError> {
    if pairs.len() != L {
        return Err(LabelError::WrongCount {
            expected: L,
            got: pairs.len(),
        });
    }
    let mut out: [Option<&str>; L] = [None; L];
    for (position, (n, v)) in pairs.iter().enumerate() {
        let i = names
            .iter()
            .position(|m| m == n)
            .ok_or(LabelError::UnknownLabel { position })?;
        if out[i].replace(v).is_some() {
            return Err(LabelError::DuplicateLabel { position });
        }
    }
    Ok(out.map(|v| v.unwrap_or_default()))
}

/// Applies one resolution to the family and the model, and compares them.
fn resolve<T: Kind>(
    model: &mut Vec<Series>,
    values: &[&str],
    (family, names): (&'static str, &[&'static str; L]),
    got: Result<&T, LabelError>,
    n: u16,
) {
    match (expect_resolve(model, values, family, names), got) {
        (Ok(Some(i)), Ok(t)) => {
            assert_eq!(model[i].handle, t as *const T as usize, "a second handle");
            t.bump(n);
            model[i].value = T::apply(model[i].value, n);
        }
        (Ok(None), Ok(t)) => {
            assert!(
                model.iter().all(|s| s.handle != t as *const T as usize),
                "a new series got an existing handle"
            );
            t.bump(n);
            model.push(Series {
                values: [values[0].to_owned(), values[1].to_owned()],
                handle: t as *const T as usize,
                value: T::apply(0.0, n),
            });
        }
        (Err(want), Err(got)) => assert_eq!(want, got, "{values:?}"),
        (want, got) => panic!(
            "{values:?}: expected {want:?}, got {:?}",
            got.map(|t| t as *const T)
        ),
    }
}

/// Runs the target on one input: what libFuzzer gives it, and what the corpus replay
/// (`fuzz/tests/replay.rs`) gives it for every kept input.
pub fn check(data: &[u8]) {
    if let Ok(input) = Input::arbitrary_take_rest(arbitrary::Unstructured::new(data)) {
        one(&input);
    }
}

fn one(input: &Input<'_>) {
    match input.kind {
        KindChoice::Counter => run::<Counter>(input),
        KindChoice::Gauge => run::<Gauge>(input),
        KindChoice::Histogram => run::<Histogram>(input),
    }
}

fn run<T: Kind>(input: &Input<'_>) {
    // Desc with arbitrary (non-'static) names.
    for strip in [None, Some("_total"), Some("_info")] {
        let desc = Desc::try_new(input.name, input.help, strip);
        let stripped = names::strip(input.name, strip);
        assert_eq!(
            desc.is_ok(),
            names::metric_name_ok(stripped),
            "{stripped:?}"
        );
        if let (Ok(desc), Some(unit)) = (desc, input.unit) {
            assert_eq!(desc.name(), stripped);
            assert_eq!(desc.help(), input.help);
            let with = desc.try_with_unit(unit);
            assert_eq!(with.is_ok(), names::unit_ok(stripped, unit), "{unit:?}");
        }
    }

    let family = build_family::<T>(input);
    let info = Info::try_new(input.info_name, input.info_help, input.info);
    let info_keys = input.info.map(|(k, _)| k);
    assert_eq!(
        info.is_ok(),
        names::metric_name_ok(names::strip(input.info_name, Some("_info")))
            && names::label_set_ok(&info_keys, &[]),
        "info {:?}",
        input.info
    );
    let counter = intern(input.counter_name).map(|name| {
        let c = Metric::<Counter>::try_new(name, "plain counter");
        let stripped = names::strip(name, Some("_total"));
        assert_eq!(c.is_ok(), names::metric_name_ok(stripped), "{name:?}");
        c
    });
    let stateset = build_stateset(input);

    let const_labels: Vec<(&str, &str)> = input.const_labels.iter().take(3).copied().collect();
    let const_names: Vec<&str> = const_labels.iter().map(|(n, _)| *n).collect();
    let mut registry: Registry<'_, 4> = Registry::new();
    if let Some(ns) = input.namespace {
        // A valid metric name without `:` is always a valid namespace; one with `:` may be
        // refused (it would make an invalid state-set label name), never one that is invalid.
        match Registry::new().with_namespace(ns) {
            Ok(r) => {
                assert!(names::metric_name_ok(ns), "namespace {ns:?} accepted");
                registry = r;
            }
            Err(_) => assert!(
                !names::metric_name_ok(ns) || ns.contains(':'),
                "namespace {ns:?} refused"
            ),
        }
    }
    let valid = names::label_set_ok(&const_names, &["le", "quantile"]);
    let probe = Registry::<'_, 4>::new().with_const_labels(&const_labels);
    assert_eq!(probe.is_ok(), valid, "const labels {const_labels:?}");
    if valid {
        registry = registry
            .with_const_labels(&const_labels)
            .expect("const labels accepted once");
    }
    let const_labels = registry.const_labels();

    let family_in = family
        .as_ref()
        .and_then(|f| f.as_ref().ok())
        .filter(|f| registry.register(*f).is_ok());
    let info_in = info.as_ref().ok().filter(|i| registry.register(*i).is_ok());
    let counter_in = counter
        .as_ref()
        .and_then(|c| c.as_ref().ok())
        .filter(|c| registry.register(*c).is_ok());
    let stateset_in = stateset
        .as_ref()
        .and_then(|c| c.as_ref().ok())
        .filter(|c| registry.register(*c).is_ok());

    let mut model: Vec<Series> = Vec::new();
    if let Some(Ok(family)) = &family {
        let id = (family.desc().name(), family.label_names());
        for op in &input.ops {
            match op {
                Op::Labels(values, n) => {
                    resolve::<T>(&mut model, values, id, family.labels(&values[..]), *n)
                }
                Op::ByName(pairs, n) => match order_pairs(family.label_names(), pairs) {
                    Ok(values) => resolve::<T>(
                        &mut model,
                        &values,
                        id,
                        family.labels_by_name(&pairs[..]),
                        *n,
                    ),
                    Err(e) => assert_eq!(family.labels_by_name(&pairs[..]).err(), Some(e)),
                },
                Op::Get(values) => {
                    let want = match expect_resolve(&model, values, id.0, id.1) {
                        Ok(Some(i)) => Some(model[i].handle),
                        _ => None,
                    };
                    let got = family.get(&values[..]).map(|t| t as *const T as usize);
                    assert_eq!(got, want, "get {values:?}");
                }
            }
        }
        assert_eq!(family.len(), model.len());
    }

    for format in [Format::Prometheus, Format::OpenMetrics] {
        let mut doc = String::new();
        registry
            .encode_to(format, &mut doc)
            .expect("encoding into a String");
        let mut buf = vec![0u8; doc.len()];
        assert_eq!(registry.encode(format, &mut buf), Ok(doc.len()));
        assert_eq!(buf, doc.as_bytes());
        if let Some(short) = doc.len().checked_sub(1) {
            assert_eq!(
                registry.encode(format, &mut buf[..short]),
                Err(edgeprom::EncodeError::BufferTooSmall { needed: doc.len() })
            );
        }
        let parsed = match exposition::check(&doc, format) {
            Ok(d) => d,
            Err(e) => panic!("{format:?} document rejected: {e}\n{doc}"),
        };
        if format == Format::Prometheus {
            // Remote write and the protobuf exposition hold what a text scrape reads.
            crate::binary::check(&registry, &parsed);
        }
        let expect = Expect {
            parsed: &parsed,
            format,
            namespace: registry.namespace(),
            const_labels,
        };
        let mut families = 0;
        let mut samples = 0;
        if let Some(f) = family_in {
            let (fs, ss) = expect.family::<T>(f, input, &model);
            families += fs;
            samples += ss;
        }
        if let Some(i) = info_in {
            families += 1;
            samples += expect.info(i, input);
        }
        if let Some(c) = counter_in {
            families += 1;
            samples += expect.counter(c);
        }
        if let Some(st) = stateset_in {
            families += 1;
            samples += expect.stateset(st, input);
        }
        assert_eq!(parsed.families.len(), families, "families\n{doc}");
        assert_eq!(parsed.samples.len(), samples, "samples\n{doc}");
    }
}

/// The family, or `None` when the intern pool is exhausted; checks the constructor's verdict.
fn build_family<T: Kind>(
    input: &Input<'_>,
) -> Option<Result<edgeprom::Family<T, L, N, S>, edgeprom::NameError>> {
    let name = intern(input.name)?;
    let help = intern(input.help)?;
    let labels = [intern(input.labels[0])?, intern(input.labels[1])?];
    let mut builder = FamilyBuilder::new(name, help, labels);
    if let Some(unit) = input.unit {
        builder = builder.unit(intern(unit)?);
    }
    if input.clock {
        builder = builder.wall_clock(&CLOCK);
    }
    let built = builder.try_build::<T, N, S>();
    let stripped = names::strip(name, T::STRIP);
    let ok = names::metric_name_ok(stripped)
        && input.unit.is_none_or(|u| names::unit_ok(stripped, u))
        && names::label_set_ok(&labels, T::RESERVED);
    assert_eq!(
        built.is_ok(),
        ok,
        "family {name:?} {:?} {labels:?}",
        input.unit
    );
    Some(built)
}

/// A state set whose current state is `input.state`, or `None` when the intern pool is
/// exhausted; checks the constructor's verdict.
fn build_stateset(input: &Input<'_>) -> Option<Result<StateSet<2>, edgeprom::NameError>> {
    let name = intern(input.stateset_name)?;
    let states = [intern(input.states[0])?, intern(input.states[1])?];
    let built = StateSet::try_new(name, "a state set", states);
    // Its name is also its label's name, and each state is a series: two equal states would
    // be the same series twice.
    let ok = names::metric_name_ok(name) && names::label_name_ok(name) && states[0] != states[1];
    assert_eq!(built.is_ok(), ok, "state set {name:?} {states:?}");
    if let Ok(s) = &built {
        s.set_index(usize::from(input.state)).expect("index 0 or 1");
    }
    Some(built)
}

/// Compares a parsed document with what the registry holds.
struct Expect<'e> {
    parsed: &'e Document,
    format: Format,
    namespace: &'e str,
    const_labels: &'e [(&'e str, &'e str)],
}

impl Expect<'_> {
    fn full_name(&self, name: &str, suffix: &str) -> String {
        if self.namespace.is_empty() {
            format!("{name}{suffix}")
        } else {
            format!("{}_{name}{suffix}", self.namespace)
        }
    }

    /// The family's metadata must be there as given; returns its samples.
    fn family_samples(
        &self,
        type_name: &str,
        ty: (&str, &str),
        help: &str,
    ) -> Vec<&crate::exposition::Sample> {
        let f = self
            .parsed
            .family(type_name)
            .unwrap_or_else(|| panic!("family {type_name} missing"));
        let ty = match self.format {
            Format::Prometheus | Format::PrometheusV1 => ty.0,
            Format::OpenMetrics => ty.1,
        };
        assert_eq!(f.ty, ty, "{type_name}");
        assert_eq!(f.help, help, "{type_name}: help changed");
        self.parsed.samples_of(type_name).collect()
    }

    /// Checks a sample's labels: the constant labels, then `rest`, then `le` on buckets.
    fn labels_are(&self, s: &crate::exposition::Sample, rest: &[(&str, &str)]) {
        let want = self.const_labels.iter().chain(rest);
        let got = s.labels.iter().take(self.const_labels.len() + rest.len());
        assert!(
            want.map(|(n, v)| (*n, *v))
                .eq(got.map(|(n, v)| (n.as_str(), v.as_str()))),
            "{s:?}: labels differ from {:?} + {rest:?}",
            self.const_labels
        );
        let extra = s
            .labels
            .len()
            .checked_sub(self.const_labels.len() + rest.len());
        // `le` only on a histogram's buckets (a state set or gauge may be named `x_bucket`).
        let histogram = self.parsed.families[s.family].ty.contains("histogram");
        let le = histogram && s.name.ends_with("_bucket");
        assert_eq!(extra, Some(usize::from(le)), "{s:?}");
    }

    /// (families, samples) of a family of `T`s.
    fn family<T: Kind>(
        &self,
        f: &edgeprom::Family<T, L, N, S>,
        input: &Input<'_>,
        model: &[Series],
    ) -> (usize, usize) {
        let base = self.full_name(f.desc().name(), "");
        let ty = (
            edgeprom::encode::text::type_name(T::TYPE),
            edgeprom::encode::openmetrics::type_name(T::TYPE),
        );
        let type_name = match self.format {
            Format::Prometheus | Format::PrometheusV1 => {
                format!("{base}{}", edgeprom::encode::text::header_suffix(T::TYPE))
            }
            Format::OpenMetrics => base.clone(),
        };
        let samples = self.family_samples(&type_name, ty, input.help);
        if self.format == Format::OpenMetrics {
            assert_eq!(
                self.parsed
                    .family(&type_name)
                    .and_then(|f| f.unit.as_deref()),
                input.unit
            );
        }
        let created = input.clock && T::HAS_CREATED;
        let inline = usize::from(created && self.format == Format::OpenMetrics);
        assert_eq!(
            samples.len(),
            model.len() * (T::SAMPLES + inline),
            "{type_name}"
        );
        let names = f.label_names();
        for s in &samples {
            let series = model
                .iter()
                .find(|m| {
                    s.labels
                        .get(self.const_labels.len()..self.const_labels.len() + L)
                        .is_some_and(|l| l.iter().map(|(_, v)| v).eq(m.values.iter()))
                })
                .unwrap_or_else(|| panic!("{s:?} is no series of the model"));
            let rest = [
                (names[0], series.values[0].as_str()),
                (names[1], series.values[1].as_str()),
            ];
            self.labels_are(s, &rest);
            if s.name == format!("{base}{}", T::main_suffix(self.format)) {
                assert_eq!(s.value, series.value, "{s:?}");
            }
        }
        for m in model {
            let n = samples
                .iter()
                .filter(|s| {
                    s.labels
                        .iter()
                        .skip(self.const_labels.len())
                        .map(|(_, v)| v)
                        .take(L)
                        .eq(m.values.iter())
                })
                .count();
            assert_eq!(n, T::SAMPLES + inline, "series {:?}", m.values);
        }
        let created_name = format!("{base}_created");
        let separate = created && self.format == Format::Prometheus && !model.is_empty();
        if separate {
            let c = self.family_samples(&created_name, ("gauge", "gauge"), input.help);
            assert_eq!(c.len(), model.len());
            (2, samples.len() + c.len())
        } else {
            if self.format == Format::Prometheus {
                assert!(
                    self.parsed.family(&created_name).is_none(),
                    "{created_name}"
                );
            }
            (1, samples.len())
        }
    }

    fn info(&self, i: &Info<'_, 2>, input: &Input<'_>) -> usize {
        let base = self.full_name(edgeprom::Collect::desc(i).name(), "");
        let type_name = match self.format {
            Format::Prometheus | Format::PrometheusV1 => format!("{base}_info"),
            Format::OpenMetrics => base,
        };
        let samples = self.family_samples(&type_name, ("gauge", "info"), input.info_help);
        assert_eq!(samples.len(), 1, "{type_name}");
        self.labels_are(samples[0], &input.info);
        assert_eq!(samples[0].value, 1.0);
        1
    }

    fn stateset(&self, st: &StateSet<2>, input: &Input<'_>) -> usize {
        let base = self.full_name(edgeprom::Collect::desc(st).name(), "");
        let samples = self.family_samples(&base, ("gauge", "stateset"), "a state set");
        assert_eq!(samples.len(), 2, "{base}");
        for (i, (s, state)) in samples.iter().zip(input.states).enumerate() {
            self.labels_are(s, &[(base.as_str(), state)]);
            assert_eq!(s.value, f64::from(u8::from(i == usize::from(input.state))));
        }
        2
    }

    fn counter(&self, c: &Metric<Counter>) -> usize {
        let base = self.full_name(c.desc().name(), "");
        let type_name = match self.format {
            Format::Prometheus | Format::PrometheusV1 => format!("{base}_total"),
            Format::OpenMetrics => base,
        };
        let samples = self.family_samples(&type_name, ("counter", "counter"), "plain counter");
        assert_eq!(samples.len(), 1, "{type_name}");
        self.labels_are(samples[0], &[]);
        assert_eq!(samples[0].value, 0.0);
        1
    }
}
