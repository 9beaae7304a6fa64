//! Past one Pushgateway: Prometheus remote write 1.0 ([`RemoteWriteClient`]) and
//! VictoriaMetrics' Prometheus-text import ([`VictoriaImport`]), over the push client's
//! transport (the same credentials, timeout and trusted roots, see [`PushClient`]).

mod client;
mod error;
mod import;

pub use client::RemoteWriteClient;
pub use error::RemoteWriteError;
pub use import::VictoriaImport;

#[allow(unused_imports)] // for the docs
use crate::PushClient;
