//! Pull mode: the [`ScrapeServer`] that serves `/metrics`, within the limits of a
//! [`ScrapeConfig`].

mod config;
mod conn;
mod http_request;
pub(crate) mod serve;
mod server;

/// The request parsing, for `fuzz/` (its `http_request` target); not part of the API.
#[doc(hidden)]
pub mod fuzzing {
    pub use super::http_request::{head_end, route, Route};
}

pub use config::ScrapeConfig;
pub use server::ScrapeServer;
