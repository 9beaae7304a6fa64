//! [`Gather`]: anything that can write a whole exposition, for the push client, the periodic
//! pusher and the scrape endpoint.

use std::fmt;
use std::sync::Arc;

use edgeprom::{Escaping, Format, Registry, StaticRegistry};

/// A collector failed while the exposition was written (a metric's `encode` returned an
/// error); nothing should be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GatherError;

impl fmt::Display for GatherError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a collector failed to encode its metrics")
    }
}

impl std::error::Error for GatherError {}

/// Something that writes a complete exposition document: the core's [`Registry`] and
/// [`StaticRegistry`], [`DynRegistry`](crate::DynRegistry), Gradient's `MetricsLogger` (feature
/// `gradient`), or your own. All of this crate's write the protobuf exposition too (feature
/// `protobuf`), with the same families, series and values as their text.
pub trait Gather: Send + Sync {
    /// Appends the whole document in `format` to `out`.
    fn gather_into(&self, format: Format, out: &mut String) -> Result<(), GatherError>;

    /// Appends the whole document in `format` to `out`, with names outside the legacy
    /// character set written by `escaping` (quoted in text 1.0.0 and OpenMetrics under
    /// [`Escaping::AllowUtf8`]). The default ignores `escaping` and calls
    /// [`gather_into`](Self::gather_into), which escapes with `underscores`: right for a
    /// source without UTF-8 names, and never a name a legacy scraper cannot read.
    fn gather_escaped_into(
        &self,
        format: Format,
        escaping: Escaping,
        out: &mut String,
    ) -> Result<(), GatherError> {
        let _ = escaping;
        self.gather_into(format, out)
    }

    /// The whole document in `format`.
    fn gather(&self, format: Format) -> Result<String, GatherError> {
        let mut out = String::new();
        self.gather_into(format, &mut out)?;
        Ok(out)
    }

    /// The whole document as the protobuf exposition
    /// ([`edgeprom::encode::protobuf`]), or `None` when this source writes only text (the
    /// default; the scrape endpoint then answers in text).
    #[cfg(feature = "protobuf")]
    fn gather_protobuf(&self) -> Option<Result<Vec<u8>, GatherError>> {
        None
    }

    /// As [`gather_protobuf`](Self::gather_protobuf) (which escapes with `underscores`), with
    /// names outside the legacy character set written by `escaping` (as they are under
    /// [`Escaping::AllowUtf8`]): what the scrape endpoint answers a negotiated protobuf
    /// scrape with. The default ignores `escaping` and calls `gather_protobuf`: right for a
    /// source without UTF-8 names, whose document is the same under every scheme.
    #[cfg(feature = "protobuf")]
    fn gather_protobuf_escaped(&self, escaping: Escaping) -> Option<Result<Vec<u8>, GatherError>> {
        let _ = escaping;
        self.gather_protobuf()
    }
}

/// `Gather` for the core's registries: text through `encode_to_escaped`, protobuf through
/// their `encode_protobuf`.
macro_rules! gather_registry {
    ($($ty:ty),*) => {$(
        impl<const N: usize> Gather for $ty {
            fn gather_into(&self, format: Format, out: &mut String) -> Result<(), GatherError> {
                self.encode_to(format, out).map_err(|_| GatherError)
            }

            fn gather_escaped_into(
                &self,
                format: Format,
                escaping: Escaping,
                out: &mut String,
            ) -> Result<(), GatherError> {
                self.encode_to_escaped(format, escaping, out)
                    .map_err(|_| GatherError)
            }

            #[cfg(feature = "protobuf")]
            fn gather_protobuf(&self) -> Option<Result<Vec<u8>, GatherError>> {
                self.gather_protobuf_escaped(Escaping::Underscores)
            }

            #[cfg(feature = "protobuf")]
            fn gather_protobuf_escaped(
                &self,
                escaping: Escaping,
            ) -> Option<Result<Vec<u8>, GatherError>> {
                Some(crate::protobuf::gather_exposition(
                    || self.protobuf_len_escaped(escaping),
                    |buf| self.encode_protobuf_escaped(escaping, buf),
                ))
            }
        }
    )*};
}

// What `static_registry!` makes is a `StaticRegistry`.
gather_registry!(Registry<'_, N>, StaticRegistry<N>);

/// `Gather` through a pointer: every method forwarded.
macro_rules! gather_through {
    ($($ty:ty),*) => {$(
        impl<G: Gather + ?Sized> Gather for $ty {
            fn gather_into(&self, format: Format, out: &mut String) -> Result<(), GatherError> {
                (**self).gather_into(format, out)
            }
            fn gather_escaped_into(
                &self,
                format: Format,
                escaping: Escaping,
                out: &mut String,
            ) -> Result<(), GatherError> {
                (**self).gather_escaped_into(format, escaping, out)
            }
            #[cfg(feature = "protobuf")]
            fn gather_protobuf(&self) -> Option<Result<Vec<u8>, GatherError>> {
                (**self).gather_protobuf()
            }
            #[cfg(feature = "protobuf")]
            fn gather_protobuf_escaped(
                &self,
                escaping: Escaping,
            ) -> Option<Result<Vec<u8>, GatherError>> {
                (**self).gather_protobuf_escaped(escaping)
            }
        }
    )*};
}

gather_through!(Arc<G>, &G);

#[cfg(test)]
mod tests {
    use super::*;
    use edgeprom::{Gauge, Metric};

    #[test]
    fn core_registry_gathers() {
        static G: Metric<Gauge> = Metric::new("gathered", "h");
        let mut r: Registry<'_, 1> = Registry::new();
        r.register(&G).unwrap();
        G.set(2.0);
        let text = r.gather(Format::OpenMetrics).unwrap();
        assert!(text.contains("gathered 2.0\n"));
        assert!(text.ends_with("# EOF\n"));
        let shared: Arc<dyn Gather> = Arc::new(r);
        assert!(shared
            .gather(Format::Prometheus)
            .unwrap()
            .contains("# TYPE gathered gauge"));
        assert_eq!(
            GatherError.to_string(),
            "a collector failed to encode its metrics"
        );
    }
}
