//! Arbitrary job names and grouping keys through `edgeprom::push::write_path`.
//!
//! Invariants: nothing panics; the key is refused exactly when a label name is invalid, `job`
//! or repeated; otherwise the path is `/metrics` followed by exactly `2 + 2n` segments, each
//! made of unreserved characters, percent escapes or URL-safe base64 only, never `.`, `..` or
//! empty; each value segment decodes (percent-decoding, or base64 after `@base64`) to the input
//! exactly; and a writer that runs out of room gives `PushPathError::Write`, never a panic.

use std::fmt;

use crate::names;
use arbitrary::Arbitrary;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use edgeprom::push::{write_path, PushPathError};

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    job: &'a str,
    grouping: Vec<(&'a str, &'a str)>,
    /// Room in the bounded writer, for the failure path.
    room: u16,
}

/// A writer that accepts `room` bytes and then fails.
struct Bounded {
    room: usize,
    out: String,
}

impl fmt::Write for Bounded {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.out.len() + s.len() > self.room {
            return Err(fmt::Error);
        }
        self.out.push_str(s);
        Ok(())
    }
}

fn key_ok(grouping: &[(&str, &str)]) -> bool {
    grouping.iter().enumerate().all(|(i, (n, _))| {
        names::label_name_ok(n) && *n != "job" && !grouping.iter().take(i).any(|(m, _)| m == n)
    })
}

fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Decodes one value segment; `base64` when its name segment ended in `@base64`.
fn decode(segment: &str, base64: bool) -> Vec<u8> {
    if base64 {
        if segment == "=" {
            return Vec::new();
        }
        assert!(
            segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "not URL-safe base64 without padding: {segment:?}"
        );
        return URL_SAFE_NO_PAD
            .decode(segment)
            .unwrap_or_else(|e| panic!("{segment:?}: {e}"));
    }
    assert!(
        !segment.is_empty() && segment != "." && segment != "..",
        "a percent-encoded segment that routers would remove: {segment:?}"
    );
    let bytes = segment.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3).unwrap_or_default();
            assert!(
                hex.len() == 2
                    && hex
                        .iter()
                        .all(|h| h.is_ascii_digit() || (b'A'..=b'F').contains(h)),
                "bad percent escape in {segment:?}"
            );
            i += 3;
        } else {
            assert!(
                unreserved(b),
                "reserved byte {b:#x} unescaped in {segment:?}"
            );
            i += 1;
        }
    }
    percent_encoding::percent_decode_str(segment).collect()
}

/// Runs the target on one input: what libFuzzer gives it, and what the corpus replay
/// (`fuzz/tests/replay.rs`) gives it for every kept input.
pub fn check(data: &[u8]) {
    if let Ok(input) = Input::arbitrary_take_rest(arbitrary::Unstructured::new(data)) {
        one(&input);
    }
}

fn one(input: &Input<'_>) {
    let grouping = &input.grouping;
    let mut path = String::new();
    let result = write_path(&mut path, input.job, grouping);
    if !key_ok(grouping) {
        assert!(
            matches!(
                result,
                Err(PushPathError::InvalidLabel(_) | PushPathError::DuplicateLabel)
            ),
            "{grouping:?}: {result:?}"
        );
        return;
    }
    assert_eq!(result, Ok(()), "{grouping:?}");

    let rest = path
        .strip_prefix("/metrics/")
        .expect("starts with /metrics/");
    let segments: Vec<&str> = rest.split('/').collect();
    assert_eq!(segments.len(), 2 + 2 * grouping.len(), "{path}");
    let pairs = std::iter::once(("job", input.job)).chain(grouping.iter().copied());
    for ((name, value), seg) in pairs.zip(segments.chunks(2)) {
        let (label, encoded) = (seg[0], seg[1]);
        let base64 = match label.strip_suffix("@base64") {
            Some(l) => {
                assert_eq!(l, name, "{path}");
                true
            }
            None => {
                assert_eq!(label, name, "{path}");
                false
            }
        };
        assert_eq!(decode(encoded, base64), value.as_bytes(), "{path}");
    }

    // The same path through a writer with limited room: the whole path or `Write`.
    let mut bounded = Bounded {
        room: usize::from(input.room),
        out: String::new(),
    };
    match write_path(&mut bounded, input.job, grouping) {
        Ok(()) => assert_eq!(bounded.out, path),
        Err(e) => {
            assert_eq!(e, PushPathError::Write);
            assert!(path.len() > bounded.room);
        }
    }
}
