//! Pull mode: the [`ScrapeServer`] that serves `/metrics`.

mod http_request;
mod server;

pub use server::{ScrapeConfig, ScrapeServer};
