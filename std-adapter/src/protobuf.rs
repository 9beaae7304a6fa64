//! The protobuf exposition in a `Vec<u8>` ([`Gather::gather_protobuf`](crate::Gather)) of
//! every registry here: the core's, written into a buffer of its measured length, and those
//! that call their collectors themselves ([`DynRegistry`](crate::DynRegistry), `MetricsLogger`),
//! streamed through the core's [`Encoder::protobuf`].

use std::fmt;

use edgeprom::encode::Encoder;
use edgeprom::{EncodeError, Escaping};

use crate::gather::GatherError;
use crate::vec_sink::VecSink;

/// How many times a document is encoded before a registry that keeps changing its length
/// fails the gather: a series added between measuring and writing makes one try fail, and
/// the next one has it.
const TRIES: usize = 3;

/// A core registry's protobuf exposition: measured by `len`, then written by `encode` into
/// a buffer of that length.
pub(crate) fn gather_exposition(
    len: impl Fn() -> Result<usize, EncodeError>,
    encode: impl Fn(&mut [u8]) -> Result<usize, EncodeError>,
) -> Result<Vec<u8>, GatherError> {
    let mut buf = Vec::new();
    for _ in 0..TRIES {
        let n = len().map_err(|_| GatherError)?;
        buf.resize(n, 0);
        match encode(&mut buf) {
            Ok(n) => {
                buf.truncate(n);
                return Ok(buf);
            }
            Err(EncodeError::BufferTooSmall { .. }) => {}
            Err(_) => return Err(GatherError),
        }
    }
    Err(GatherError)
}

/// The protobuf exposition of a registry that hands each of its collectors to the encoder
/// (through [`Encoder::write_collector`], which measures each family before streaming it).
/// A collector that fails fails the gather; a family that changed length between its
/// measure and its write (the encoder's `finish` says so) is written again from the start.
/// Names outside the legacy character set are written by `escaping`.
pub(crate) fn gather_collectors(
    escaping: Escaping,
    created: bool,
    write: impl Fn(&mut Encoder<'_>) -> fmt::Result,
) -> Result<Vec<u8>, GatherError> {
    let mut buf = Vec::new();
    for _ in 0..TRIES {
        buf.clear();
        let mut sink = VecSink(&mut buf);
        let mut enc = Encoder::protobuf(&mut sink)
            .with_escaping(escaping)
            .with_created(created);
        write(&mut enc).map_err(|_| GatherError)?;
        if enc.finish().is_ok() {
            drop(enc);
            return Ok(buf);
        }
    }
    Err(GatherError)
}
