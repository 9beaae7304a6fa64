//! Every kept fuzz input through its target's check, on a normal `cargo test` (run by
//! `cargo xtask test`): the minimised corpus (`corpus/<target>/`, from `cargo xtask fuzz
//! --long`) and every crash reproducer (`artifacts/<target>/`), which must pass once fixed.

use std::fs;
use std::panic::catch_unwind;
use std::path::{Path, PathBuf};

use edgeprom_fuzz::targets::ALL;

/// The files of `dir`, sorted; none if it does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| Some(e.ok()?.path()))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn corpus_and_artifacts_pass_their_targets() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut failed = Vec::new();
    for (name, check) in ALL {
        let corpus = files(&root.join("corpus").join(name));
        let artifacts = files(&root.join("artifacts").join(name));
        assert!(
            !corpus.is_empty(),
            "no corpus for {name}: run `cargo xtask fuzz --long`"
        );
        for path in corpus.iter().chain(&artifacts) {
            let data = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if catch_unwind(|| check(&data)).is_err() {
                failed.push(path.display().to_string());
            }
        }
        println!(
            "{name}: {} corpus inputs, {} artifacts",
            corpus.len(),
            artifacts.len()
        );
    }
    assert!(
        failed.is_empty(),
        "inputs that fail their target: {failed:#?}"
    );
}
