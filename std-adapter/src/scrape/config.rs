//! [`ScrapeConfig`]: the limits of a scrape endpoint.

use std::time::Duration;

/// Limits of a [`ScrapeServer`](super::ScrapeServer). They bound what any client can cost the server, so that a
/// burst of malformed, oversized, slow or idle clients neither exhausts it nor starves the
/// well-behaved scrapers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(docsrs, doc(cfg(feature = "scrape")))]
pub struct ScrapeConfig {
    /// Largest request head, request line and headers, accepted (default 8 KiB). The server
    /// never reads more than this plus one byte of head from a client: a longer head gets 431
    /// and the connection is closed. It reads no request body either: a request for `/metrics`
    /// that declares one (a `Content-Length` other than 0, or a `Transfer-Encoding`) gets 413.
    pub max_request_bytes: usize,
    /// How long a client may take to send its whole request head, counted from the moment its
    /// connection is accepted (default 10 s). It is a total, not a limit per read: a client
    /// trickling its head a byte at a time is cut when it runs out, and gets 408; a client that
    /// sent nothing at all is closed without an answer. Writing the answer gets the same time
    /// in total, so a client that does not read it cannot hold its connection longer either.
    pub read_timeout: Duration,
    /// Clients handled at once, each on its own thread (default 32; 0 counts as 1). When all
    /// are taken, a new client displaces one that is not being answered: first one already
    /// answered (still draining what it sends), then the one that has waited longest for the
    /// rest of its request head, which is closed without an answer. A client whose whole head
    /// had arrived when it was accepted, as a scraper's has, is answered and never displaced.
    /// Only when every connection is being answered does a new client get 503 at once.
    /// Displaced connections close within moments, and the server never runs more than twice
    /// this many connection threads.
    pub max_connections: usize,
}

impl Default for ScrapeConfig {
    fn default() -> Self {
        ScrapeConfig {
            max_request_bytes: 8 * 1024,
            read_timeout: Duration::from_secs(10),
            max_connections: 32,
        }
    }
}
