//! How values are written: the sealed [`WriteValue`](sealed::WriteValue) trait, chosen at compile
//! time so that a firmware with integer metrics only never links the float formatting, and
//! [`SampleValue`], a value whose type is known only at run time.

use core::fmt::{self, Write};
use core::time::Duration;

use super::digits::{put_i64, put_timestamp, put_u64};
use super::float::put_f64;
use super::float32::put_f32;
use super::out::Out;

// `WriteValue` is reachable as a supertrait of the public `Number`, but it cannot be named
// outside this crate, nor can its methods be called: their crate-private `Out` is intended.
#[allow(private_interfaces)]
pub(crate) mod sealed {
    use super::Out;

    /// How the encoder writes a value type.
    pub trait WriteValue: Copy {
        /// Whether this is a float (whose bucket bounds are worth formatting only once).
        const FLOAT: bool;
        /// Writes the value as a sample value.
        fn put(self, out: &mut Out<'_>);
        /// Writes the canonical form used in `le` and `quantile` labels: an integer with `.0`.
        fn put_canonical(self, out: &mut Out<'_>) {
            self.put(out);
            out.put(".0");
        }
        /// The value as remote write sends it, a double.
        #[cfg(any(feature = "remote-write", feature = "protobuf"))]
        fn to_f64(self) -> f64;
        /// The value as a protobuf count (`sample_count`): negative and NaN as 0, saturating.
        #[cfg(feature = "protobuf")]
        fn to_count(self) -> u64;
    }

    impl WriteValue for u64 {
        const FLOAT: bool = false;
        fn put(self, out: &mut Out<'_>) {
            super::put_u64(out, self)
        }
        #[cfg(any(feature = "remote-write", feature = "protobuf"))]
        fn to_f64(self) -> f64 {
            self as f64
        }
        #[cfg(feature = "protobuf")]
        fn to_count(self) -> u64 {
            self
        }
    }

    impl WriteValue for i64 {
        const FLOAT: bool = false;
        fn put(self, out: &mut Out<'_>) {
            super::put_i64(out, self)
        }
        #[cfg(any(feature = "remote-write", feature = "protobuf"))]
        fn to_f64(self) -> f64 {
            self as f64
        }
        #[cfg(feature = "protobuf")]
        fn to_count(self) -> u64 {
            self.max(0) as u64
        }
    }

    impl WriteValue for f32 {
        const FLOAT: bool = true;
        fn put(self, out: &mut Out<'_>) {
            super::put_f32(out, self)
        }
        fn put_canonical(self, out: &mut Out<'_>) {
            super::put_f32(out, self)
        }
        /// The double nearest the `f32`'s shortest decimal (`0.1f32` as `0.1`, not as its
        /// exact value `0.10000000149011612`), as a scrape of the text would read it.
        #[cfg(any(feature = "remote-write", feature = "protobuf"))]
        fn to_f64(self) -> f64 {
            crate::encode::float32::f32_to_decimal_f64(self)
        }
        #[cfg(feature = "protobuf")]
        fn to_count(self) -> u64 {
            self as u64
        }
    }

    impl WriteValue for f64 {
        const FLOAT: bool = true;
        fn put(self, out: &mut Out<'_>) {
            super::put_f64(out, self)
        }
        fn put_canonical(self, out: &mut Out<'_>) {
            super::put_f64(out, self)
        }
        #[cfg(any(feature = "remote-write", feature = "protobuf"))]
        fn to_f64(self) -> f64 {
            self
        }
        #[cfg(feature = "protobuf")]
        fn to_count(self) -> u64 {
            self as u64
        }
    }
}

/// Writes `v` in the canonical form of `le` and `quantile` labels (`1.0`, `0.005`, `+Inf`).
pub(crate) fn write_canonical<V: sealed::WriteValue>(v: V, out: &mut dyn Write) -> fmt::Result {
    let mut out = Out::new(out);
    v.put_canonical(&mut out);
    out.status()
}

/// One sample's value, as the encoders write it, when its type is known only at run time.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum SampleValue {
    /// An unsigned integer, written without a decimal point.
    Unsigned(u64),
    /// A signed integer, written without a decimal point.
    Signed(i64),
    /// A float, written in its shortest round-trip form, `NaN`, `+Inf` or `-Inf`.
    Float(f64),
    /// A single-precision float, written in its own shortest round-trip form (`0.1`, not the
    /// `0.10000000149011612` of the same value as an `f64`).
    Float32(f32),
    /// A Unix timestamp (a `_created` sample), written in seconds with up to 9 decimals.
    Timestamp(Duration),
}

impl SampleValue {
    /// Writes the value in exposition syntax (identical in every text format).
    pub fn write_to(self, out: &mut dyn Write) -> fmt::Result {
        let mut out = Out::new(out);
        self.put(&mut out);
        out.status()
    }

    /// [`write_to`](Self::write_to) into an encoder's output. The encoder's own metrics write
    /// their values through [`WriteValue::put`](sealed::WriteValue::put) instead, so that a
    /// firmware without floats never links the float formatting this `match` refers to.
    pub(crate) fn put(self, out: &mut Out<'_>) {
        match self {
            SampleValue::Unsigned(v) => put_u64(out, v),
            SampleValue::Signed(v) => put_i64(out, v),
            SampleValue::Float(v) => put_f64(out, v),
            SampleValue::Float32(v) => put_f32(out, v),
            SampleValue::Timestamp(d) => put_timestamp(out, d),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use heapless::String;

    #[test]
    fn canonical_and_run_time_values() {
        let mut s: String<40> = String::new();
        write_canonical(7u64, &mut s).unwrap();
        assert_eq!(s, "7.0");
        s.clear();
        write_canonical(-7i64, &mut s).unwrap();
        assert_eq!(s, "-7.0");
        s.clear();
        write_canonical(0.25f64, &mut s).unwrap();
        assert_eq!(s, "0.25");
        s.clear();
        SampleValue::Unsigned(u64::MAX).write_to(&mut s).unwrap();
        assert_eq!(s, "18446744073709551615");
        s.clear();
        SampleValue::Signed(-5).write_to(&mut s).unwrap();
        assert_eq!(s, "-5");
        s.clear();
        SampleValue::Float(1.6).write_to(&mut s).unwrap();
        assert_eq!(s, "1.6");
        s.clear();
        SampleValue::Timestamp(Duration::new(3, 500_000_000))
            .write_to(&mut s)
            .unwrap();
        assert_eq!(s, "3.5");
    }
}
