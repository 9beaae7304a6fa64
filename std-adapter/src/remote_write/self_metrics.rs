//! [`RemoteWriteMetrics`]: a periodic remote writer's own metrics, to register into the
//! registry it writes.

use edgeprom::{Collect, Counter, Gauge, Metric, RegisterError, Registry};

#[allow(unused_imports)] // for the docs
use super::{PeriodicRemoteWriter, PeriodicRemoteWriterBuilder, SNAPSHOT_OVERHEAD};
use crate::{DynRegisterError, DynRegistry};

/// A periodic remote writer's own metrics, named after Prometheus' `prometheus_remote_storage_*`
/// (with `edgeprom_remote_write_` instead), as core metrics that can be registered into the
/// registry being written, so that they are written too.
///
/// Put one in a `static`, give it to the writer with
/// [`PeriodicRemoteWriterBuilder::metrics`] and [`register`](Self::register) it:
///
/// ```
/// use edgeprom::Registry;
/// use edgeprom_std::RemoteWriteMetrics;
///
/// static RW: RemoteWriteMetrics = RemoteWriteMetrics::new();
/// let mut registry: Registry<'static, 32> = Registry::new();
/// RW.register(&mut registry)?;
/// assert_eq!(registry.iter().count(), RemoteWriteMetrics::COUNT);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct RemoteWriteMetrics {
    /// `edgeprom_remote_write_snapshots_total`: snapshots taken and queued.
    pub snapshots: Metric<Counter>,
    /// `edgeprom_remote_write_snapshot_failures_total`: snapshots the source could not write.
    pub snapshot_failures: Metric<Counter>,
    /// `edgeprom_remote_write_samples_total`: samples the receiver accepted.
    pub samples: Metric<Counter>,
    /// `edgeprom_remote_write_sent_snapshots_total`: snapshots (requests) the receiver
    /// accepted.
    pub sent_snapshots: Metric<Counter>,
    /// `edgeprom_remote_write_bytes_total`: compressed bytes the receiver accepted.
    pub bytes: Metric<Counter>,
    /// `edgeprom_remote_write_requests_total`: requests made (every attempt).
    pub requests: Metric<Counter>,
    /// `edgeprom_remote_write_failed_requests_total`: requests that failed (retried or not).
    pub failed_requests: Metric<Counter>,
    /// `edgeprom_remote_write_samples_retried_total`: samples sent again after a failure.
    pub samples_retried: Metric<Counter>,
    /// `edgeprom_remote_write_samples_failed_total`: samples the receiver rejected (a 4xx
    /// other than 429): dropped, never retried.
    pub samples_failed: Metric<Counter>,
    /// `edgeprom_remote_write_samples_dropped_total`: samples dropped unsent, as the queue was
    /// full or the deadline of [`PeriodicRemoteWriter::stop`] passed.
    pub samples_dropped: Metric<Counter>,
    /// `edgeprom_remote_write_snapshots_dropped_total`: the snapshots that held them.
    pub snapshots_dropped: Metric<Counter>,
    /// `edgeprom_remote_write_snapshots_pending`: snapshots in the queue.
    pub snapshots_pending: Metric<Gauge<i64>>,
    /// `edgeprom_remote_write_samples_pending`: samples in the queue.
    pub samples_pending: Metric<Gauge<i64>>,
    /// `edgeprom_remote_write_bytes_pending`: the queue's memory: compressed bodies plus
    /// [`SNAPSHOT_OVERHEAD`] each.
    pub bytes_pending: Metric<Gauge<i64>>,
    /// `edgeprom_remote_write_highest_sent_timestamp_seconds`: the timestamp of the newest
    /// snapshot the receiver accepted.
    pub highest_sent_timestamp: Metric<Gauge>,
}

impl Default for RemoteWriteMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl RemoteWriteMetrics {
    /// How many metrics there are (what [`register`](Self::register) needs room for).
    pub const COUNT: usize = 15;

    /// All at zero.
    pub const fn new() -> Self {
        macro_rules! m {
            ($name:literal, $help:literal) => {
                Metric::new(concat!("edgeprom_remote_write_", $name), $help)
            };
        }
        RemoteWriteMetrics {
            snapshots: m!("snapshots", "Snapshots taken and queued."),
            snapshot_failures: m!("snapshot_failures", "Snapshots the source could not write."),
            samples: m!("samples", "Samples the receiver accepted."),
            sent_snapshots: m!(
                "sent_snapshots",
                "Snapshots (requests) the receiver accepted."
            ),
            bytes: m!("bytes", "Compressed bytes the receiver accepted."),
            requests: m!("requests", "Requests made, every attempt."),
            failed_requests: m!("failed_requests", "Requests that failed, retried or not."),
            samples_retried: m!("samples_retried", "Samples sent again after a failure."),
            samples_failed: m!(
                "samples_failed",
                "Samples the receiver rejected (4xx other than 429), not retried."
            ),
            samples_dropped: m!(
                "samples_dropped",
                "Samples dropped unsent: the queue was full or the stop deadline passed."
            ),
            snapshots_dropped: m!("snapshots_dropped", "Snapshots dropped unsent."),
            snapshots_pending: m!("snapshots_pending", "Snapshots in the queue."),
            samples_pending: m!("samples_pending", "Samples in the queue."),
            bytes_pending: m!(
                "bytes_pending",
                "Memory of the queue: compressed requests plus overhead."
            ),
            highest_sent_timestamp: m!(
                "highest_sent_timestamp_seconds",
                "Timestamp of the newest snapshot the receiver accepted."
            ),
        }
    }

    /// Every metric, to register elsewhere.
    pub fn all(&self) -> [&dyn Collect; Self::COUNT] {
        [
            &self.snapshots,
            &self.snapshot_failures,
            &self.samples,
            &self.sent_snapshots,
            &self.bytes,
            &self.requests,
            &self.failed_requests,
            &self.samples_retried,
            &self.samples_failed,
            &self.samples_dropped,
            &self.snapshots_dropped,
            &self.snapshots_pending,
            &self.samples_pending,
            &self.bytes_pending,
            &self.highest_sent_timestamp,
        ]
    }

    /// Registers every metric into `registry` (which needs room for [`COUNT`](Self::COUNT)
    /// more). On an error, those before the failing one stay registered.
    pub fn register<'a, const N: usize>(
        &'a self,
        registry: &mut Registry<'a, N>,
    ) -> Result<(), RegisterError<'a>> {
        for m in self.all() {
            registry.register(m)?;
        }
        Ok(())
    }

    /// Registers every metric into a [`DynRegistry`] (the metrics stay in `self`, so it is
    /// `'static`). On an error, those before the failing one stay registered.
    ///
    /// ```
    /// use edgeprom_std::{DynRegistry, RemoteWriteMetrics};
    ///
    /// static RW: RemoteWriteMetrics = RemoteWriteMetrics::new();
    /// let registry = DynRegistry::new();
    /// RW.register_dyn(&registry)?;
    /// assert_eq!(registry.len(), RemoteWriteMetrics::COUNT);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn register_dyn(&'static self, registry: &DynRegistry) -> Result<(), DynRegisterError> {
        for m in self.all() {
            registry.register_static(m)?;
        }
        Ok(())
    }
}
