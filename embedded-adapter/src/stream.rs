//! Blocking streaming of a registry's exposition into any [`embedded_io::Write`], and the
//! document's length without writing it.

use core::fmt;

use edgeprom::encode::SliceWriter;
use edgeprom::{EncodeError, Exposition, Format};
use embedded_io::Write;

use crate::chunk::ChunkWriter;
use crate::error::StreamError;

/// Something that writes a text document into a [`fmt::Write`]: a registry's exposition, an
/// HTTP request. Streaming calls it once per pass.
pub(crate) type Render<'r> = &'r (dyn Fn(&mut dyn fmt::Write) -> fmt::Result + Sync);

/// Writes `registry`'s exposition in `format` to `out` through `buf`, then flushes `out`.
/// Returns the number of bytes written.
///
/// The document is encoded once, straight into the buffer; whenever the buffer is full it is
/// written out, so `buf` can be much smaller than the document (64 to 512 bytes is typical; an
/// empty one writes every piece through unbuffered). On a transport error the document is
/// incomplete and the error comes back as [`StreamError::Transport`].
///
/// ```
/// use edgeprom::{Counter, Format, Metric, Registry};
/// use edgeprom_embedded::{exposition_len, write_exposition};
///
/// static BOOTS: Metric<Counter> = Metric::new("boots", "Boots since flashing");
/// let mut registry: Registry<'_, 1> = Registry::new();
/// registry.register(&BOOTS)?;
/// BOOTS.inc();
///
/// let mut wire = [0u8; 256];
/// let mut uart: &mut [u8] = &mut wire; // any embedded_io::Write: a UART, a TCP socket
/// let mut chunk = [0u8; 16];
/// let n = write_exposition(&registry, Format::Prometheus, &mut uart, &mut chunk)?;
/// assert_eq!(Ok(n), exposition_len(&registry, Format::Prometheus));
/// assert!(wire[..n].ends_with(b"boots_total 1\n"));
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub fn write_exposition<W: Write + ?Sized>(
    registry: &(impl Exposition + ?Sized),
    format: Format,
    out: &mut W,
    buf: &mut [u8],
) -> Result<usize, StreamError<W::Error>> {
    write_rendered(&|w| registry.encode_to(format, w), None, out, buf)
}

/// The length in bytes of `registry`'s exposition in `format` (for a `Content-Length`),
/// computed by encoding it without storing anything.
///
/// A metric that changes before the document is sent may change its length; the push client
/// checks that and fails with `Changed` rather than send a wrong length.
pub fn exposition_len(
    registry: &(impl Exposition + ?Sized),
    format: Format,
) -> Result<usize, EncodeError> {
    rendered_len(&|w| registry.encode_to(format, w))
}

/// The length of what `render` writes.
pub(crate) fn rendered_len(render: Render<'_>) -> Result<usize, EncodeError> {
    let mut counter = SliceWriter::new(&mut []);
    render(&mut counter).map_err(|_| EncodeError::Write)?;
    Ok(counter.needed())
}

/// Streams what `render` writes; with `limit`, fails with `Changed` rather than write more.
pub(crate) fn write_rendered<W: Write + ?Sized>(
    render: Render<'_>,
    limit: Option<usize>,
    out: &mut W,
    buf: &mut [u8],
) -> Result<usize, StreamError<W::Error>> {
    let mut w = ChunkWriter::new(out, buf);
    if let Some(limit) = limit {
        w = w.with_limit(limit);
    }
    let rendered = render(&mut w);
    match (rendered, w.error()) {
        // The writer's own error explains the failure.
        (Err(_), Some(_)) | (Ok(()), _) => w.finish(),
        (Err(_), None) => Err(StreamError::Encode),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgeprom::{Counter, Family, Gauge, Metric, Registry};

    static C: Metric<Counter> = Metric::new("stream_c", "A counter");
    static G: Metric<Gauge> = Metric::new("stream_g", "A gauge");
    static F: Family<Counter, 1, 4> = Family::new("stream_f", "A family", ["k"]);

    fn registry() -> Registry<'static, 3> {
        filled(&C, &G, &F)
    }

    /// A registry of these three metrics, after an update of each.
    fn filled<'a>(
        c: &'a Metric<Counter>,
        g: &'a Metric<Gauge>,
        f: &'a Family<Counter, 1, 4>,
    ) -> Registry<'a, 3> {
        let mut r = Registry::new();
        r.register(c).unwrap();
        r.register(g).unwrap();
        r.register(f).unwrap();
        c.inc();
        g.set(2.5);
        f.labels(["a\"b"]).unwrap().inc();
        r
    }

    #[test]
    fn matches_the_buffered_encoder_for_every_chunk_size() {
        // Metrics of its own: other tests update the shared ones (through `registry()`) while
        // this one compares encodings made one after the other.
        static C: Metric<Counter> = Metric::new("stream_c", "A counter");
        static G: Metric<Gauge> = Metric::new("stream_g", "A gauge");
        static F: Family<Counter, 1, 4> = Family::new("stream_f", "A family", ["k"]);
        let r = filled(&C, &G, &F);
        for format in [Format::Prometheus, Format::OpenMetrics] {
            let mut whole = [0u8; 1024];
            let n = r.encode(format, &mut whole).unwrap();
            assert_eq!(exposition_len(&r, format), Ok(n));
            for size in [0, 1, 7, 64, 2048] {
                let mut wire = [0u8; 1024];
                let mut sink: &mut [u8] = &mut wire;
                let mut chunk = [0u8; 2048];
                let got = write_exposition(&r, format, &mut sink, &mut chunk[..size]);
                assert_eq!(got, Ok(n), "chunk {size}");
                assert_eq!(&wire[..n], &whole[..n], "chunk {size}");
            }
        }
    }

    #[test]
    fn transport_error_comes_back() {
        let r = registry();
        let mut wire = [0u8; 10];
        let mut sink: &mut [u8] = &mut wire;
        let mut chunk = [0u8; 4];
        let got = write_exposition(&r, Format::Prometheus, &mut sink, &mut chunk);
        assert_eq!(
            got,
            Err(StreamError::Transport(embedded_io::SliceWriteError::Full))
        );
    }

    #[test]
    fn collector_failure_is_encode() {
        let failing = |_: &mut dyn fmt::Write| Err(fmt::Error);
        let mut wire = [0u8; 10];
        let mut sink: &mut [u8] = &mut wire;
        assert_eq!(
            write_rendered(&failing, None, &mut sink, &mut [0u8; 4]),
            Err(StreamError::Encode)
        );
        assert_eq!(rendered_len(&failing), Err(EncodeError::Write));
    }
}
