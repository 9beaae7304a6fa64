//! no_std cross builds of the core crate and the embedded adapter, over a matrix
//! of targets and feature sets read from their manifests.

use std::env;
use std::fs;
use std::path::PathBuf;

use crate::runner::{Runner, StepError};

/// The targets the no_std crates are built for.
pub const TARGETS: [&str; 3] = [
    "thumbv6m-none-eabi",
    "thumbv7em-none-eabihf",
    "riscv32imc-unknown-none-elf",
];

/// Targets without compare-and-swap: portable-atomic needs its `critical-section`
/// fallback there.
const NO_CAS_TARGETS: [&str; 2] = ["thumbv6m-none-eabi", "riscv32imc-unknown-none-elf"];

const CRITICAL_SECTION: &str = "critical-section";

/// Features that cannot build for a bare-metal target and are left out of the
/// matrix (the host tests cover them).
const HOST_ONLY_FEATURES: [&str; 1] = ["std"];

struct Crate {
    package: &'static str,
    dir: &'static str,
}

const CORE: Crate = Crate {
    package: "edgeprom",
    dir: "core",
};

const EMBEDDED: Crate = Crate {
    package: "edgeprom-embedded",
    dir: "embedded-adapter",
};

/// Runs every cross build, one step each.
pub fn run(runner: &mut Runner) {
    // The core: no features, each optional feature alone, all together.
    match optional_features(runner, &CORE) {
        Ok(features) => {
            let features = features.unwrap_or_default();
            let mut sets = vec![Vec::new()];
            sets.extend(features.iter().map(|f| vec![f.clone()]));
            sets.push(features.clone());
            build_matrix(runner, &CORE, &sets, CRITICAL_SECTION);
        }
        Err(e) => runner.fail(&format!("cross: {}", CORE.package), e),
    }

    // The embedded adapter: no features, and all features if it has any.
    match optional_features(runner, &EMBEDDED) {
        Ok(features) => {
            let mut sets = vec![Vec::new()];
            let mut cs_feature = format!("{}/{CRITICAL_SECTION}", CORE.package);
            if let Some(features) = features {
                if features.iter().any(|f| f == CRITICAL_SECTION) {
                    cs_feature = CRITICAL_SECTION.to_owned();
                }
                sets.push(features);
            }
            build_matrix(runner, &EMBEDDED, &sets, &cs_feature);
        }
        Err(e) => runner.fail(&format!("cross: {}", EMBEDDED.package), e),
    }
}

/// The optional features of `krate` usable on bare metal, or `None` if its
/// manifest has no `[features]` table.
fn optional_features(runner: &Runner, krate: &Crate) -> Result<Option<Vec<String>>, StepError> {
    let path = runner.root().join(krate.dir).join("Cargo.toml");
    let manifest = fs::read_to_string(&path)
        .map_err(|e| StepError::new(None, format!("could not read {}: {e}", path.display())))?;
    Ok(parse_features(&manifest).map(|features| {
        features
            .into_iter()
            .filter(|f| !HOST_ONLY_FEATURES.contains(&f.as_str()))
            .collect()
    }))
}

/// Builds `krate` for every target with every feature set; `cs_feature` is added
/// on targets without compare-and-swap.
fn build_matrix(runner: &mut Runner, krate: &Crate, sets: &[Vec<String>], cs_feature: &str) {
    let target_dir = target_dir();
    for target in TARGETS {
        let needs_cs = NO_CAS_TARGETS.contains(&target);
        for features in feature_sets(sets, needs_cs.then_some(cs_feature)) {
            let shown = if features.is_empty() {
                "(no features)".to_owned()
            } else {
                format!("+{}", features.join(","))
            };
            let name = format!("cross: {} {target} {shown}", krate.package);
            let mut cmd = runner.cargo(&[
                "build",
                "-p",
                krate.package,
                "--target",
                target,
                "--no-default-features",
            ]);
            if !features.is_empty() {
                cmd.args(["--features", &features.join(",")]);
            }
            cmd.arg("--target-dir").arg(&target_dir);
            runner.run(&name, cmd);
        }
    }
}

/// `target/cross`, or `cross` under `CARGO_TARGET_DIR` when that is set, so the
/// cross builds do not invalidate the host builds.
fn target_dir() -> PathBuf {
    match env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir).join("cross"),
        None => PathBuf::from("target").join("cross"),
    }
}

/// `sets`, each with `extra` appended when given, without duplicates: two sets
/// with the same features (in any order) are built once.
fn feature_sets(sets: &[Vec<String>], extra: Option<&str>) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for set in sets {
        let mut set = set.clone();
        if let Some(extra) = extra {
            if !set.iter().any(|f| f == extra) {
                set.push(extra.to_owned());
            }
        }
        let mut key = set.clone();
        key.sort();
        key.dedup();
        let seen = out.iter().any(|o| {
            let mut o = o.clone();
            o.sort();
            o.dedup();
            o == key
        });
        if !seen {
            out.push(set);
        }
    }
    out
}

/// The feature names in the `[features]` table of a Cargo manifest, in order and
/// without `default`; `None` if there is no such table.
///
/// A hand-rolled reader for what manifests contain: the table runs from its
/// header to the next header; keys are the names before `=` on lines that are not
/// inside a multi-line array.
pub fn parse_features(manifest: &str) -> Option<Vec<String>> {
    let mut found = false;
    let mut in_features = false;
    let mut depth: i32 = 0;
    let mut features = Vec::new();
    for line in manifest.lines() {
        let (code, delta) = scan(line);
        let code = code.trim();
        if depth == 0 {
            if code.starts_with('[') {
                let header: String = code.chars().filter(|c| !c.is_whitespace()).collect();
                in_features = header == "[features]";
                found |= in_features;
                continue;
            }
            if in_features {
                if let Some((key, _)) = code.split_once('=') {
                    let key = key.trim().trim_matches(|c| c == '"' || c == '\'');
                    if !key.is_empty() && key != "default" {
                        features.push(key.to_owned());
                    }
                }
            }
        }
        depth = (depth + delta).max(0);
    }
    found.then_some(features)
}

/// The part of `line` before any comment, and the net count of `[` minus `]`
/// outside strings.
fn scan(line: &str) -> (&str, i32) {
    let mut delta = 0;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '#' => return (&line[..i], delta),
                '[' => delta += 1,
                ']' => delta -= 1,
                _ => {}
            },
        }
    }
    (line, delta)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&[&str]]) -> Vec<Vec<String>> {
        v.iter()
            .map(|s| s.iter().map(|f| (*f).to_owned()).collect())
            .collect()
    }

    #[test]
    fn parses_features_table() {
        let manifest = r#"
[package]
name = "edgeprom"
features = "not this one"

[features]
default = []
## docs
defmt = ["dep:defmt"] # trailing comment with [brackets
"critical-section" = [
    "portable-atomic/critical-section",
    "[weird]",
]
std = []

[dependencies]
heapless = { workspace = true }
"#;
        assert_eq!(
            parse_features(manifest),
            Some(vec![
                "defmt".to_owned(),
                "critical-section".to_owned(),
                "std".to_owned()
            ])
        );
    }

    #[test]
    fn no_features_table() {
        assert_eq!(parse_features("[package]\nname = \"x\"\n"), None);
        assert_eq!(
            parse_features("[features]\ndefault = [\"a\"]\n"),
            Some(vec![])
        );
        assert_eq!(
            parse_features("[ features ] # x\n a = []\n[[bin]]\nb = 1\n"),
            Some(vec!["a".to_owned()])
        );
    }

    #[test]
    fn feature_sets_for_cas_target() {
        let sets = strings(&[
            &[],
            &["defmt"],
            &["critical-section"],
            &["defmt", "critical-section"],
        ]);
        assert_eq!(feature_sets(&sets, None), sets);
    }

    #[test]
    fn feature_sets_for_no_cas_target_skip_duplicates() {
        let sets = strings(&[
            &[],
            &["defmt"],
            &["critical-section"],
            &["defmt", "critical-section"],
        ]);
        assert_eq!(
            feature_sets(&sets, Some("critical-section")),
            strings(&[&["critical-section"], &["defmt", "critical-section"]])
        );
    }

    #[test]
    fn single_feature_all_together_is_not_built_twice() {
        let sets = strings(&[&[], &["defmt"], &["defmt"]]);
        assert_eq!(feature_sets(&sets, None), strings(&[&[], &["defmt"]]));
    }
}
