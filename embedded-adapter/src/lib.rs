//! Embedded adapter for [`edgeprom`]: what firmware with a UART or a TCP socket and no heap
//! needs to get its metrics out.
//!
//! - **Streaming**: [`write_exposition`] writes a [`Registry`](edgeprom::Registry)'s
//!   exposition into any [`embedded_io::Write`] through a small buffer ([`ChunkWriter`]), so
//!   no buffer ever holds the whole document; [`exposition_len`] measures it. With the `async`
//!   feature, [`write_exposition_async`] does the same over `embedded_io_async`.
//! - **HTTP push**: [`Pushgateway`] pushes (`PUT`), push-adds (`POST`) and deletes over any
//!   `Read + Write` transport with an exact `Content-Length`, and reads the reply's status
//!   line and headers into a bounded buffer; every failure is a distinct [`PushError`]. With
//!   the feature `protobuf`, `push_protobuf` and `push_add_protobuf` (and their `_async`
//!   flavours) push the Prometheus protobuf exposition instead of text, also streamed with
//!   an exact `Content-Length`.
//! - **Remote write** (feature `remote-write`): `RemoteWriteClient` sends a registry as a
//!   Prometheus remote write 1.0 request and `VictoriaImport` imports its text into
//!   VictoriaMetrics with `extra_label`s, both over any `Read + Write` with an exact
//!   `Content-Length`; each reply's `Date` can set an [`OffsetClock`] (see
//!   [`parse_http_date`]), and each error tells whether a retry is allowed.
//! - **Clocks**: [`TickClock`] turns a tick counter into the core's `Clock`, [`OffsetClock`]
//!   adds the Unix time once it is known (`WallClock`), and `EmbassyClock` (feature
//!   `embassy-time`) reads `embassy_time::Instant`.
//! - **defmt** (feature `defmt`): `defmt::Format` for every type here and in the core, and
//!   `log_snapshot`, one log line per series.
//!
//! No allocation, no `unsafe`; stack use is bounded (the encoder's frames plus the response
//! parser's 16 header slots).
//!
//! ```
//! use edgeprom::{Counter, Metric, Registry};
//! use edgeprom_embedded::Pushgateway;
//!
//! static BOOTS: Metric<Counter> = Metric::new("boots", "Boots since flashing");
//! let mut registry: Registry<'_, 4> = Registry::new();
//! registry.register(&BOOTS)?;
//! BOOTS.inc();
//!
//! // Any embedded_io::Read + Write connected to the gateway: a TCP socket, a UART bridge.
//! // Here, an in-memory one that answers like a Pushgateway.
//! # struct Wire { sent: [u8; 512], len: usize, reply: &'static [u8] }
//! # impl embedded_io::ErrorType for Wire { type Error = core::convert::Infallible; }
//! # impl embedded_io::Write for Wire {
//! #     fn write(&mut self, b: &[u8]) -> Result<usize, Self::Error> {
//! #         self.sent[self.len..self.len + b.len()].copy_from_slice(b);
//! #         self.len += b.len();
//! #         Ok(b.len())
//! #     }
//! #     fn flush(&mut self) -> Result<(), Self::Error> { Ok(()) }
//! # }
//! # impl embedded_io::Read for Wire {
//! #     fn read(&mut self, b: &mut [u8]) -> Result<usize, Self::Error> {
//! #         let n = b.len().min(self.reply.len());
//! #         b[..n].copy_from_slice(&self.reply[..n]);
//! #         self.reply = &self.reply[n..];
//! #         Ok(n)
//! #     }
//! # }
//! let mut socket = Wire { sent: [0; 512], len: 0, reply: b"HTTP/1.1 200 OK\r\n\r\n" };
//! let gateway = Pushgateway::new("10.0.0.2:9091", "sensor")?
//!     .with_grouping(&[("instance", "dev-01")])?;
//! let mut buf = [0u8; 256];
//! assert_eq!(gateway.push(&mut socket, &registry, &mut buf)?, 200);
//! assert!(socket.sent.starts_with(b"PUT /metrics/job/sensor/instance/dev-01 HTTP/1.1\r\n"));
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```
//!
//! # Features
//! - `created` (default): the core's `created` feature (creation times, `_created` samples).
//!   Turn default features off to leave that code out when the device has no wall clock.
//! - `async`: `embedded_io_async` streaming and push (`*_async` methods).
//! - `protobuf`: `Pushgateway::push_protobuf`, `push_add_protobuf` (and `*_async` with
//!   `async`), and the core's `protobuf` feature. The protobuf body is smaller (about 40% of
//!   the text for the benchmark's registry) but the encoder costs flash: a firmware that
//!   pushes protobuf instead of text was 5.4 KB larger on a Cortex-M4 (see the README). Without
//!   the feature nothing of it is linked.
//! - `remote-write`: `RemoteWriteClient`, `VictoriaImport`, `RemoteWriteError`, `Reply` (and
//!   the core's `remote-write` feature).
//! - `defmt`: `defmt::Format` impls and `log_snapshot`.
//! - `embassy-time`: `EmbassyClock`.
//! - `critical-section`: the core's `critical-section` feature, for targets without
//!   compare-and-swap or 64-bit atomics (the final binary provides the implementation).
//! - `std`: `StdIo`, `embedded_io` over `std::io` types, for host tools and tests.
//!
// Without the `async` feature, the link above leads to the list of features.
#![cfg_attr(not(feature = "async"), doc = "[`write_exposition_async`]: #features")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

#[cfg(feature = "std")]
extern crate std;

#[cfg(all(test, feature = "async"))]
mod block_on;
mod chunk;
mod date;
#[cfg(feature = "defmt")]
mod defmt;
#[cfg(feature = "embassy-time")]
mod embassy;
mod error;
mod offset;
mod push;
#[cfg(feature = "async")]
mod push_async;
#[cfg(feature = "protobuf")]
mod push_protobuf;
#[cfg(all(feature = "async", feature = "protobuf"))]
mod push_protobuf_async;
#[cfg(feature = "remote-write")]
mod remote_write;
#[cfg(all(feature = "remote-write", feature = "async"))]
mod remote_write_async;
mod request;
mod response;
#[cfg(feature = "async")]
mod skip;
#[cfg(feature = "std")]
mod std_io;
mod stream;
#[cfg(feature = "async")]
mod stream_async;
mod tick;

pub use chunk::ChunkWriter;
pub use date::{parse_http_date, DateError};
#[cfg(feature = "defmt")]
pub use defmt::{log_snapshot, LOG_LINE};
#[cfg(feature = "embassy-time")]
pub use embassy::EmbassyClock;
pub use error::StreamError;
pub use offset::OffsetClock;
pub use push::PushError;
#[cfg(feature = "remote-write")]
pub use remote_write::{RemoteWriteClient, RemoteWriteError, Reply, VictoriaImport};
pub use request::{ConfigError, Pushgateway};
#[cfg(feature = "std")]
pub use std_io::StdIo;
pub use stream::{exposition_len, write_exposition};
#[cfg(feature = "async")]
pub use stream_async::write_exposition_async;
pub use tick::{TickClock, TickSource};

pub use edgeprom;
/// The transport traits, re-exported so that implementors use the same version.
pub use embedded_io;
#[cfg(feature = "async")]
pub use embedded_io_async;
