//! The Prometheus-text documents pass `promtool check metrics` (Debian package `prometheus`):
//! the text parser of Prometheus itself plus its lint rules. A broken document is rejected, so
//! the check can fail.

use std::io::{ErrorKind, Write as _};
use std::process::{Command, Stdio};

use edgeprom::{Format, Registry};
use edgeprom_tests::seed::{Extras, Seed};

/// Runs `promtool check metrics` on `doc`: `Ok` when it exits 0, else its exit status and
/// output.
fn promtool_check(doc: &str) -> Result<(), String> {
    let mut child = match Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == ErrorKind::NotFound => panic!(
            "promtool not found: install the Debian package `prometheus` \
             (apt-get install prometheus), or run `cargo xtask test`, which installs it"
        ),
        Err(e) => panic!("cannot run promtool: {e}"),
    };
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = {
        let doc = doc.to_owned();
        std::thread::spawn(move || stdin.write_all(doc.as_bytes()))
    };
    let out = child.wait_with_output().expect("waiting for promtool");
    writer
        .join()
        .expect("writer thread")
        .expect("writing to promtool");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "promtool check metrics: {}\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn encode<const N: usize>(registry: &Registry<'_, N>) -> String {
    let mut s = String::new();
    registry
        .encode_to(Format::Prometheus, &mut s)
        .expect("encode");
    s
}

fn seed_doc() -> String {
    let seed = Seed::recorded().expect("recorded updates");
    let registry = seed.registry().expect("registry");
    encode(&registry)
}

#[test]
fn seed_passes_promtool() {
    let doc = seed_doc();
    if let Err(e) = promtool_check(&doc) {
        panic!("{e}\n--- document ---\n{doc}");
    }
}

#[test]
fn extras_pass_promtool() {
    let extras = Extras::recorded().expect("recorded updates");
    let doc = encode(&extras.registry().expect("registry"));
    if let Err(e) = promtool_check(&doc) {
        panic!("{e}\n--- document ---\n{doc}");
    }
}

/// promtool rejects a document with a syntax error, a truncated one, and a lint violation.
#[test]
fn negative_controls_are_rejected() {
    let doc = seed_doc();
    let unclosed = doc.replace(
        "{method=\"get\",endpoint=\"/\"}",
        "{method=\"get\" endpoint=\"/\"}",
    );
    assert_ne!(unclosed, doc);
    let err = promtool_check(&unclosed).expect_err("a missing comma is rejected");
    assert!(err.contains("parsing error"), "{err}");

    let cut = doc.find("my_requests_total{").expect("a labelled sample") + 25;
    let err = promtool_check(&doc[..cut]).expect_err("a truncated document is rejected");
    assert!(err.contains("parsing error"), "{err}");

    let lint = doc.replace("my_failures_total", "my_failures");
    assert_ne!(lint, doc);
    let err = promtool_check(&lint).expect_err("a counter without _total is rejected");
    assert!(err.contains("_total"), "{err}");
}
