//! Pull mode: the [`ScrapeServer`] that serves `/metrics`, within the limits of a
//! [`ScrapeConfig`].

mod config;
mod conn;
mod http_request;
mod protobuf_accept;
mod serve;
mod server;

/// The request parsing, for `fuzz/` (its `http_request` target); not part of the API.
#[doc(hidden)]
pub mod fuzzing {
    pub use super::http_request::{head_end, negotiate, route, Route};
    pub use super::protobuf_accept::wants_protobuf;
}

pub use config::ScrapeConfig;
pub use server::ScrapeServer;
