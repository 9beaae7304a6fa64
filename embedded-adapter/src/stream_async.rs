//! Async streaming of a registry's exposition into any [`embedded_io_async::Write`].
//!
//! The core's encoder is synchronous and cannot wait for the transport in the middle of a
//! document, so the async flavour encodes in passes: each pass re-runs the encoder from the
//! start, skips the bytes already sent, fills the chunk buffer with the next ones and stops;
//! the chunk is then awaited out. The skipped bytes are hashed and compared with what was
//! sent, so a metric that changes between passes is detected ([`StreamError::Changed`])
//! instead of producing a corrupt document.
//!
//! **Cost**: a document of `n` bytes through a buffer of `b` bytes takes `ceil(n / b) + 1`
//! passes and formats about `n² / 2b` bytes in all (a 2 KiB document through 256 bytes: 9
//! passes, about 10 KiB of formatting, a few hundred microseconds on a Cortex-M4). Stack and
//! RAM stay those of one pass. Use a larger buffer to trade RAM for time.

use core::fmt;

use edgeprom::{Exposition, Format};
use embedded_io_async::Write;

use crate::error::{write_all_async, StreamError};
use crate::skip::{Fnv, SkipWriter, Stop};
use crate::stream::Render;

/// Writes `registry`'s exposition in `format` to `out` through `buf`, awaiting the transport
/// between chunks, then flushes `out`. Returns the number of bytes written.
///
/// The core's encoder cannot wait in the middle of a document, so this encodes in passes:
/// each re-runs the encoder from the start, skips (and hashes) the bytes already sent, fills
/// `buf` with the next ones and awaits them out. A document of `n` bytes through a `b`-byte
/// buffer takes `ceil(n / b) + 1` passes and about `n² / 2b` bytes of formatting in all (2 KiB
/// through 256 bytes: 9 passes, about 10 KiB); stack and RAM stay those of one pass.
///
/// `buf` must not be empty ([`StreamError::NoBuffer`]). When a metric changes the bytes
/// already sent between two passes, the stream stops with [`StreamError::Changed`] (what was
/// sent is a prefix of the document: close the connection and try again); otherwise the bytes
/// sent are exactly the last pass's document.
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
pub async fn write_exposition_async<W: Write + ?Sized>(
    registry: &(impl Exposition + ?Sized),
    format: Format,
    out: &mut W,
    buf: &mut [u8],
) -> Result<usize, StreamError<W::Error>> {
    write_rendered_async(&|w| registry.encode_to(format, w), None, out, buf).await
}

/// Streams what `render` writes in passes; with `limit`, the whole document must be exactly
/// `limit` bytes long, and nothing beyond it is written.
pub(crate) async fn write_rendered_async<W: Write + ?Sized>(
    render: Render<'_>,
    limit: Option<usize>,
    out: &mut W,
    buf: &mut [u8],
) -> Result<usize, StreamError<W::Error>> {
    write_passes_async(&|w| render(w), limit, out, buf).await
}

/// What one pass writes: text, or bytes too (a remote write request).
pub(crate) type Passes<'r> = &'r (dyn Fn(&mut SkipWriter<'_>) -> fmt::Result + Sync);

/// [`write_rendered_async`] of a renderer that writes into the pass's writer itself.
pub(crate) async fn write_passes_async<W: Write + ?Sized>(
    render: Passes<'_>,
    limit: Option<usize>,
    out: &mut W,
    buf: &mut [u8],
) -> Result<usize, StreamError<W::Error>> {
    if buf.is_empty() {
        return Err(StreamError::NoBuffer);
    }
    let mut sent = 0usize;
    let mut sent_hash = Fnv::new();
    loop {
        let (filled, more) = pass(render, sent, sent_hash, limit, buf)?;
        let chunk = buf.get(..filled).unwrap_or_default();
        if !more && limit.is_some_and(|l| sent + filled != l) {
            // Shorter than announced: the last bytes stay here.
            return Err(StreamError::Changed);
        }
        write_all_async(out, chunk).await?;
        sent_hash.update(chunk);
        sent += filled;
        if !more {
            out.flush().await.map_err(StreamError::Transport)?;
            return Ok(sent);
        }
    }
}

/// One synchronous pass: returns how many new bytes are in `buf` and whether more follow.
fn pass<E>(
    render: Passes<'_>,
    sent: usize,
    sent_hash: Fnv,
    limit: Option<usize>,
    buf: &mut [u8],
) -> Result<(usize, bool), StreamError<E>> {
    let mut w = SkipWriter::new(sent, limit, buf);
    let rendered = render(&mut w);
    let more = match (w.stopped(), rendered) {
        (Some(Stop::OverLimit), _) => return Err(StreamError::Changed),
        (Some(Stop::Full), _) => true,
        (None, Ok(())) => false,
        (None, Err(_)) => return Err(StreamError::Encode),
    };
    if w.position() < sent || w.prefix_hash() != sent_hash {
        return Err(StreamError::Changed);
    }
    Ok((w.filled(), more))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block_on::block_on;
    use edgeprom::{Counter, Metric, Registry};

    #[test]
    fn passes_reassemble_the_document() {
        static C: Metric<Counter> = Metric::new("async_c", "A counter with some help text");
        let mut r: Registry<'_, 1> = Registry::new();
        r.register(&C).unwrap();
        C.inc_by(12345);
        for format in [Format::Prometheus, Format::OpenMetrics] {
            let mut whole = [0u8; 512];
            let n = r.encode(format, &mut whole).unwrap();
            for size in [1, 5, 64, 512] {
                let mut wire = [0u8; 512];
                let mut sink: &mut [u8] = &mut wire;
                let mut chunk = [0u8; 512];
                let got = block_on(write_exposition_async(
                    &r,
                    format,
                    &mut sink,
                    &mut chunk[..size],
                ));
                assert_eq!(got, Ok(n));
                assert_eq!(&wire[..n], &whole[..n]);
            }
        }
    }

    #[test]
    fn empty_buffer_and_limits() {
        let render = |w: &mut dyn fmt::Write| w.write_str("0123456789");
        let mut wire = [0u8; 32];
        let mut sink: &mut [u8] = &mut wire;
        assert_eq!(
            block_on(write_rendered_async(&render, None, &mut sink, &mut [])),
            Err(StreamError::NoBuffer)
        );
        let mut sink: &mut [u8] = &mut wire;
        assert_eq!(
            block_on(write_rendered_async(
                &render,
                Some(9),
                &mut sink,
                &mut [0; 4]
            )),
            Err(StreamError::Changed)
        );
        let mut sink: &mut [u8] = &mut wire;
        assert_eq!(
            block_on(write_rendered_async(
                &render,
                Some(11),
                &mut sink,
                &mut [0; 4]
            )),
            Err(StreamError::Changed)
        );
        let mut sink: &mut [u8] = &mut wire;
        assert_eq!(
            block_on(write_rendered_async(
                &render,
                Some(10),
                &mut sink,
                &mut [0; 4]
            )),
            Ok(10)
        );
    }

    #[test]
    fn a_change_between_passes_is_detected() {
        use core::sync::atomic::{AtomicUsize, Ordering};
        static PASSES: AtomicUsize = AtomicUsize::new(0);
        // Each pass writes a different first byte, as a metric changing under the encoder.
        let render = |w: &mut dyn fmt::Write| {
            let n = PASSES.fetch_add(1, Ordering::Relaxed);
            w.write_str(if n == 0 { "a" } else { "b" })?;
            w.write_str("123456")
        };
        let mut wire = [0u8; 32];
        let mut sink: &mut [u8] = &mut wire;
        assert_eq!(
            block_on(write_rendered_async(&render, None, &mut sink, &mut [0; 4])),
            Err(StreamError::Changed)
        );
    }
}
