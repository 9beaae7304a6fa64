//! [`RemoteWriteSource`]: where a [`PeriodicRemoteWriter`] takes its snapshots from, and the
//! exact count of the samples in one.

use std::sync::Arc;

use edgeprom::encode::remote_write::RemoteWrite;
use edgeprom::{Registry, StaticRegistry};

#[allow(unused_imports)] // for the docs
use super::PeriodicRemoteWriter;
use super::{RemoteWriteEncode, RemoteWriteError};
use crate::DynRegistry;

/// Where a [`PeriodicRemoteWriter`] takes its snapshots from: anything that can write itself
/// as an uncompressed remote write `WriteRequest` stamped with a given time.
///
/// Implemented for every [`RemoteWriteEncode`] registry, owned, `&'static` or in an [`Arc`]:
/// the core's [`Registry`] and [`StaticRegistry`], [`DynRegistry`] and `MetricsLogger`
/// (feature `gradient`), and `Box`/`Arc<dyn RemoteWriteEncode + Send>`; and for closures `FnMut(&RemoteWrite, &mut Vec<u8>) -> Result<(), RemoteWriteError>`, which can
/// wrap any other source (or do something before each snapshot):
///
/// ```
/// use edgeprom::encode::remote_write::RemoteWrite;
/// use edgeprom::{Counter, Metric, Registry};
/// use edgeprom_std::{RemoteWriteError, RemoteWriteSource};
///
/// static TICKS: Metric<Counter> = Metric::new("ticks", "Snapshots taken");
/// let mut registry: Registry<'static, 1> = Registry::new();
/// registry.register(&TICKS)?;
/// let mut source = move |request: &RemoteWrite, buf: &mut Vec<u8>| {
///     TICKS.inc();
///     registry.snapshot(request, buf)
/// };
/// let mut buf = Vec::new();
/// source.snapshot(&RemoteWrite::at(std::time::Duration::from_secs(1)), &mut buf)?;
/// assert!(buf.windows(11).any(|w| w == b"ticks_total"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait RemoteWriteSource: Send {
    /// Writes the `WriteRequest` (protobuf, not compressed) stamped `request` into `buf`,
    /// replacing what it held.
    fn snapshot(
        &mut self,
        request: &RemoteWrite,
        buf: &mut Vec<u8>,
    ) -> Result<(), RemoteWriteError>;
}

/// A registry's snapshot: its [`RemoteWriteEncode`] request.
macro_rules! registry_sources {
    ($([$($gen:tt)*] $ty:ty),* $(,)?) => {$(
        impl<$($gen)*> RemoteWriteSource for $ty {
            fn snapshot(
                &mut self,
                request: &RemoteWrite,
                buf: &mut Vec<u8>,
            ) -> Result<(), RemoteWriteError> {
                self.remote_write_into(request, buf)
            }
        }
    )*};
}

registry_sources!(
    [const N: usize] Registry<'static, N>,
    [const N: usize] &'static Registry<'static, N>,
    [const N: usize] Arc<Registry<'static, N>>,
    [const N: usize] StaticRegistry<N>,
    [const N: usize] &'static StaticRegistry<N>,
    [const N: usize] Arc<StaticRegistry<N>>,
    [] DynRegistry,
    [] &'static DynRegistry,
    [] Arc<DynRegistry>,
    [] Box<dyn RemoteWriteEncode + Send>,
    [] Arc<dyn RemoteWriteEncode + Send>,
);

#[cfg(feature = "gradient")]
registry_sources!(
    [] crate::MetricsLogger,
    [] &'static crate::MetricsLogger,
    [] Arc<crate::MetricsLogger>,
);

impl<F> RemoteWriteSource for F
where
    F: FnMut(&RemoteWrite, &mut Vec<u8>) -> Result<(), RemoteWriteError> + Send,
{
    fn snapshot(
        &mut self,
        request: &RemoteWrite,
        buf: &mut Vec<u8>,
    ) -> Result<(), RemoteWriteError> {
        self(request, buf)
    }
}

/// The number of `TimeSeries` (field 1) in an uncompressed `WriteRequest`, counted exactly by
/// walking its top-level fields (skipping each field's body by its length).
pub(crate) fn count_timeseries(mut raw: &[u8]) -> Result<u64, RemoteWriteError> {
    const BAD: RemoteWriteError = RemoteWriteError::Malformed;
    fn varint(raw: &mut &[u8]) -> Result<u64, RemoteWriteError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = raw.split_first().ok_or(BAD)?;
            *raw = rest;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(BAD)
    }
    fn skip(raw: &mut &[u8], n: u64) -> Result<(), RemoteWriteError> {
        let n = usize::try_from(n).map_err(|_| BAD)?;
        *raw = raw.get(n..).ok_or(BAD)?;
        Ok(())
    }
    let mut series = 0;
    while !raw.is_empty() {
        let key = varint(&mut raw)?;
        match key & 7 {
            0 => drop(varint(&mut raw)?),
            1 => skip(&mut raw, 8)?,
            2 => {
                let len = varint(&mut raw)?;
                skip(&mut raw, len)?;
                if key >> 3 == 1 {
                    series += 1;
                }
            }
            5 => skip(&mut raw, 4)?,
            _ => return Err(BAD),
        }
    }
    Ok(series)
}
