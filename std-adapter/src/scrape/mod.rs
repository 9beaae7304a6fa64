//! Pull mode: the [`ScrapeServer`] that serves `/metrics`, within the limits of a
//! [`ScrapeConfig`].

mod config;
mod conn;
mod http_request;
mod serve;
mod server;

pub use config::ScrapeConfig;
pub use server::ScrapeServer;
