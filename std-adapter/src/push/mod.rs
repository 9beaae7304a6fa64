//! Pushing to a Pushgateway: the [`PushClient`] and the [`PeriodicPusher`] that pushes from a
//! background thread.

mod client;
mod periodic;

pub use client::{PushClient, PushError, PushMethod, DEFAULT_TIMEOUT};
pub use periodic::{PeriodicPusher, PeriodicPusherBuilder, PushStats, StopError};
