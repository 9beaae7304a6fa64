//! Past one Pushgateway: Prometheus remote write 1.0 ([`RemoteWriteClient`]) and
//! VictoriaMetrics' Prometheus-text import ([`VictoriaImport`]), over the push client's
//! transport (the same credentials, timeout and trusted roots, see [`PushClient`]);
//! [`PeriodicRemoteWriter`] writes from a bounded queue of snapshots in the background.

mod client;
mod encode;
mod error;
mod import;
mod periodic;
mod self_metrics;
mod source;

pub use client::RemoteWriteClient;
pub(crate) use encode::encode_with;
pub use encode::RemoteWriteEncode;
pub use error::RemoteWriteError;
pub use import::VictoriaImport;
pub use periodic::{
    PeriodicRemoteWriter, PeriodicRemoteWriterBuilder, RemoteWriteStats, RemoteWriteStopError,
    SNAPSHOT_OVERHEAD,
};
pub use self_metrics::RemoteWriteMetrics;
pub(crate) use source::count_timeseries;
pub use source::RemoteWriteSource;

#[allow(unused_imports)] // for the docs
use crate::PushClient;
