//! Pushing to a Pushgateway: the [`PushClient`], its [`PushError`]s, and the
//! [`PeriodicPusher`] that pushes from a background thread.

mod client;
mod error;
mod periodic;

// The logger names the label at fault in its grouping key as the client does.
#[cfg(feature = "gradient")]
pub(crate) use client::label_at_fault;
pub use client::{PushClient, PushMethod, DEFAULT_TIMEOUT};
pub use error::{PushError, PushErrorSource};
pub use periodic::{PeriodicPusher, PeriodicPusherBuilder, PushStats, StopError};
