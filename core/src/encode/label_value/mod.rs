//! One label value (or help text, or state name) as the encoder writes it, and its escaping:
//! `\`, newline, and `"` where asked.
//!
//! Two whole implementations behind one API, chosen by `cfg(edgeprom_small_code)` (bare
//! metal, see the core's build script): on a host a value is always a `&str` and the runs
//! between escapes are copied as they are; on bare metal a value is a `&str` or the atomic
//! bytes a [`Family`](crate::Family) keeps there, written byte by byte.

#[cfg(not(edgeprom_small_code))]
mod host;
#[cfg(edgeprom_small_code)]
mod small;

#[cfg(all(
    not(edgeprom_small_code),
    any(feature = "remote-write", feature = "protobuf")
))]
pub(crate) use host::raw;
#[cfg(not(edgeprom_small_code))]
pub(crate) use host::{escaped, LabelValue};
#[cfg(all(
    edgeprom_small_code,
    any(feature = "remote-write", feature = "protobuf")
))]
pub(crate) use small::raw;
#[cfg(edgeprom_small_code)]
pub(crate) use small::{escaped, LabelValue};

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use crate::encode::out::Out;

    #[test]
    fn escapes_into_any_writer() {
        let mut s: heapless::String<64> = heapless::String::new();
        let mut esc = |v: &str, quotes: bool| {
            s.clear();
            let mut out = Out::new(&mut s);
            escaped(&mut out, LabelValue::str(v), quotes);
            out.status().unwrap();
            s.clone()
        };
        assert_eq!(esc("plain-value_1", true), "plain-value_1");
        assert_eq!(esc("a\\b\"c\nd é", true), "a\\\\b\\\"c\\nd é");
        assert_eq!(esc("q\"\\", false), "q\"\\\\");
        assert_eq!(esc("ü€𝄞\\\n", true), "ü€𝄞\\\\\\n");
        assert_eq!(esc("", true), "");
    }

    #[test]
    fn escapes_into_a_buffer_as_into_a_writer() {
        for v in ["", "x", "a\\b\"c\nd é", "ü€𝄞\\\n\"\"", "\\\\\\"] {
            for quotes in [false, true] {
                let mut s = std::string::String::new();
                escaped(&mut Out::new(&mut s), LabelValue::str(v), quotes);
                let mut buf = [0u8; 64];
                let mut out = Out::Slice(crate::encode::SliceWriter::new(&mut buf));
                escaped(&mut out, LabelValue::str(v), quotes);
                let Out::Slice(w) = out else { unreachable!() };
                let n = w.finish().unwrap();
                assert_eq!(core::str::from_utf8(&buf[..n]).unwrap(), s, "{v:?}");
            }
        }
    }
}
