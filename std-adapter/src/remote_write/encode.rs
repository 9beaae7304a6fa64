//! [`RemoteWriteEncode`]: every registry as an uncompressed remote write `WriteRequest` in a
//! `Vec<u8>`, for [`RemoteWriteClient`](super::RemoteWriteClient) and
//! [`PeriodicRemoteWriter`](super::PeriodicRemoteWriter).

use std::sync::Arc;

use edgeprom::encode::remote_write::RemoteWrite;
use edgeprom::encode::{Encoder, SliceWriter};
use edgeprom::{EncodeError, Registry, StaticRegistry};

use super::RemoteWriteError;

/// A registry that can write itself as a remote write `WriteRequest` (protobuf, not
/// compressed): the core's [`Registry`] and [`StaticRegistry`] (what
/// [`static_registry!`](edgeprom::static_registry) makes), [`DynRegistry`](crate::DynRegistry)
/// and [`MetricsLogger`](crate::MetricsLogger) (feature `gradient`), and references, `Box`es
/// and [`Arc`]s of them. [`RemoteWriteClient::write`](super::RemoteWriteClient::write) and
/// [`encode`](super::RemoteWriteClient::encode) take any of them, and so does
/// [`PeriodicRemoteWriter`](super::PeriodicRemoteWriter) (owned, `&'static` or in an `Arc`).
///
/// A [`DynRegistry`](crate::DynRegistry) holds its read lock across the whole request, so a
/// family registered or removed meanwhile is in it entirely or not at all.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use edgeprom::encode::remote_write::RemoteWrite;
/// use edgeprom::{Counter, Gauge, Metric, Registry};
/// use edgeprom_std::{DynFamily, DynRegistry, RemoteWriteClient, RemoteWriteEncode};
///
/// let dynamic = DynRegistry::new();
/// let jobs = Arc::new(DynFamily::<Counter>::new("jobs", "Jobs done", &["queue"])?);
/// dynamic.register(jobs.clone())?;
/// jobs.labels(&["fast"])?.inc();
///
/// static TEMP: Metric<Gauge> = Metric::new("temp", "Temperature");
/// let mut core: Registry<'_, 1> = Registry::new();
/// core.register(&TEMP)?;
///
/// let request = RemoteWrite::at(Duration::from_secs(1_700_000_000));
/// let mut raw = Vec::new();
/// dynamic.remote_write_into(&request, &mut raw)?;
/// assert!(raw.windows(10).any(|w| w == b"jobs_total"));
/// core.remote_write_into(&request, &mut raw)?; // replaces what `raw` held
/// assert!(!raw.windows(10).any(|w| w == b"jobs_total"));
///
/// // The client takes either (snappy-compressed body; `write` sends it).
/// assert!(!RemoteWriteClient::encode(&dynamic, &request)?.is_empty());
/// assert!(!RemoteWriteClient::encode(&core, &request)?.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait RemoteWriteEncode: Sync {
    /// Writes the `WriteRequest` (protobuf, not compressed) stamped `request` into `buf`,
    /// replacing what it held (its capacity is reused).
    fn remote_write_into(
        &self,
        request: &RemoteWrite,
        buf: &mut Vec<u8>,
    ) -> Result<(), RemoteWriteError>;
}

/// `encode` (which writes into a byte buffer, or tells the length it needs) into `buf`,
/// grown until the request fits (a series added meanwhile can make a second try longer
/// still), then truncated to the request.
pub(crate) fn into_vec(
    buf: &mut Vec<u8>,
    mut encode: impl FnMut(&mut [u8]) -> Result<usize, EncodeError>,
) -> Result<(), RemoteWriteError> {
    // All of the capacity: a reused buffer usually takes the request at the first try.
    let room = buf.capacity().max(4096);
    buf.resize(room, 0);
    let len = loop {
        match encode(buf) {
            Ok(n) => break n,
            Err(EncodeError::BufferTooSmall { needed }) => buf.resize(needed + 1024, 0),
            Err(e) => return Err(RemoteWriteError::Encode(e)),
        }
    };
    buf.truncate(len);
    Ok(())
}

/// A request of a registry that calls its collectors itself: `write` hands the encoder to
/// each (and fails if one fails), into a [`SliceWriter`] over `buf`.
pub(crate) fn encode_with(
    request: &RemoteWrite,
    buf: &mut Vec<u8>,
    write: impl Fn(&mut Encoder<'_>) -> std::fmt::Result,
) -> Result<(), RemoteWriteError> {
    into_vec(buf, |bytes| {
        let mut out = SliceWriter::new(bytes);
        let mut enc = Encoder::remote_write(&mut out, request, None);
        write(&mut enc)
            .and_then(|()| enc.finish())
            .map_err(|_| EncodeError::Write)?;
        drop(enc);
        out.finish()
    })
}

impl<const N: usize> RemoteWriteEncode for Registry<'_, N> {
    fn remote_write_into(
        &self,
        request: &RemoteWrite,
        buf: &mut Vec<u8>,
    ) -> Result<(), RemoteWriteError> {
        into_vec(buf, |bytes| self.encode_remote_write(request, bytes))
    }
}

impl<const N: usize> RemoteWriteEncode for StaticRegistry<N> {
    fn remote_write_into(
        &self,
        request: &RemoteWrite,
        buf: &mut Vec<u8>,
    ) -> Result<(), RemoteWriteError> {
        into_vec(buf, |bytes| self.encode_remote_write(request, bytes))
    }
}

impl<R: RemoteWriteEncode + ?Sized> RemoteWriteEncode for &R {
    fn remote_write_into(
        &self,
        request: &RemoteWrite,
        buf: &mut Vec<u8>,
    ) -> Result<(), RemoteWriteError> {
        (**self).remote_write_into(request, buf)
    }
}

impl<R: RemoteWriteEncode + ?Sized + Send> RemoteWriteEncode for Arc<R> {
    fn remote_write_into(
        &self,
        request: &RemoteWrite,
        buf: &mut Vec<u8>,
    ) -> Result<(), RemoteWriteError> {
        (**self).remote_write_into(request, buf)
    }
}

impl<R: RemoteWriteEncode + ?Sized> RemoteWriteEncode for Box<R> {
    fn remote_write_into(
        &self,
        request: &RemoteWrite,
        buf: &mut Vec<u8>,
    ) -> Result<(), RemoteWriteError> {
        (**self).remote_write_into(request, buf)
    }
}
