//! Async remote write and VictoriaMetrics import over any `embedded_io_async::Read + Write`
//! transport (an embassy-net TCP socket, say): the same requests as the blocking
//! [`RemoteWriteClient::write`] and [`VictoriaImport::import`], streamed in passes.

use core::fmt;

use edgeprom::{Exposition, Format};
use embedded_io_async::{Read, Write};

use crate::remote_write::{body_left, complete, reply};
use crate::request::Head;
use crate::response::HeadReader;
use crate::skip::SkipWriter;
use crate::stream::{rendered_len, Render};
use crate::stream_async::write_passes_async;
use crate::{RemoteWriteClient, RemoteWriteError, Reply, VictoriaImport};

#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
impl RemoteWriteClient<'_> {
    /// The async [`RemoteWriteClient::write`]. The request is streamed in passes (see
    /// [`write_exposition_async`](crate::write_exposition_async) for their cost): a value that
    /// changes between passes fails the request with [`RemoteWriteError::Changed`] (retryable)
    /// before it is complete.
    pub async fn write_async<T: Read + Write + ?Sized>(
        &self,
        io: &mut T,
        registry: &(impl Exposition + ?Sized),
        request: &edgeprom::encode::remote_write::RemoteWrite,
        buf: &mut [u8],
    ) -> Result<Reply, RemoteWriteError<T::Error>> {
        if buf.is_empty() {
            return Err(RemoteWriteError::NoBuffer);
        }
        let protobuf_len = registry
            .remote_write_len(request)
            .map_err(|_| RemoteWriteError::Encode)?;
        let head = self.head(protobuf_len);
        let target = |w: &mut dyn fmt::Write| w.write_str(self.path());
        let render = |w: &mut SkipWriter<'_>| {
            head.write(w, &target)?;
            registry
                .write_remote_write_snappy(request, protobuf_len, w)
                .map(|_| ())
                .map_err(|_| fmt::Error)
        };
        exchange_async(io, &head, &target, &render, self.keep_alive(), buf).await
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
impl VictoriaImport<'_> {
    /// The async [`VictoriaImport::import`], streamed in passes (a metric that changes between
    /// them fails it with [`RemoteWriteError::Changed`]).
    pub async fn import_async<T: Read + Write + ?Sized>(
        &self,
        io: &mut T,
        registry: &(impl Exposition + ?Sized),
        buf: &mut [u8],
    ) -> Result<Reply, RemoteWriteError<T::Error>> {
        if buf.is_empty() {
            return Err(RemoteWriteError::NoBuffer);
        }
        let text = |w: &mut dyn fmt::Write| registry.encode_to(Format::Prometheus, w);
        let len = rendered_len(&text).map_err(|_| RemoteWriteError::Encode)?;
        let head = self.head(len);
        let target = |w: &mut dyn fmt::Write| self.write_target(w);
        let render = |w: &mut SkipWriter<'_>| {
            head.write(w, &target)?;
            text(w)
        };
        exchange_async(io, &head, &target, &render, self.keep_alive(), buf).await
    }
}

/// Sends the request (head and body, exactly as long as the head announces) in passes,
/// reads the reply's head and, on a kept-alive connection, skips its body.
async fn exchange_async<T: Read + Write + ?Sized>(
    io: &mut T,
    head: &Head<'_>,
    target: Render<'_>,
    render: &(dyn Fn(&mut SkipWriter<'_>) -> fmt::Result + Sync),
    keep_alive: bool,
    buf: &mut [u8],
) -> Result<Reply, RemoteWriteError<T::Error>> {
    let head_len =
        rendered_len(&|w| head.write(w, target)).map_err(|_| RemoteWriteError::Encode)?;
    let total = head_len + head.body_len.unwrap_or(0);
    write_passes_async(render, Some(total), io, buf).await?;
    let mut reader = HeadReader::with_meta(buf);
    let result = loop {
        let space = match reader.space() {
            Ok(space) => space,
            Err(e) => break Err(e),
        };
        let n = io.read(space).await.map_err(RemoteWriteError::Transport)?;
        match reader.received(n) {
            Ok(None) => {}
            Ok(Some(code)) => break Ok(code),
            Err(e) => break Err(e),
        }
    };
    let meta = reader.meta();
    if keep_alive && complete(&result) {
        let mut left = body_left(meta);
        while left > 0 {
            let room = buf.len().min(left);
            let n = io
                .read(buf.get_mut(..room).unwrap_or_default())
                .await
                .map_err(RemoteWriteError::Transport)?;
            if n == 0 {
                return Err(RemoteWriteError::Closed);
            }
            left = left.saturating_sub(n);
        }
    }
    reply(result, meta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block_on::block_on;
    use core::time::Duration;
    use edgeprom::encode::remote_write::RemoteWrite;
    use edgeprom::{Counter, Family, Gauge, Metric, Registry};

    /// Records what is sent; answers each request with the next of `replies` (once the
    /// previous one was read and more was sent).
    struct Wire {
        sent: heapless::Vec<u8, 4096>,
        reply: &'static [u8],
        later: &'static [&'static [u8]],
    }

    impl embedded_io_async::ErrorType for Wire {
        type Error = embedded_io_async::ErrorKind;
    }

    impl Write for Wire {
        async fn write(&mut self, b: &[u8]) -> Result<usize, Self::Error> {
            if let (true, [next, rest @ ..]) = (self.reply.is_empty(), self.later) {
                self.reply = next;
                self.later = rest;
            }
            self.sent
                .extend_from_slice(b)
                .map_err(|_| embedded_io_async::ErrorKind::OutOfMemory)?;
            Ok(b.len())
        }
        async fn flush(&mut self) -> Result<(), Self::Error> {
            Ok(())
        }
    }

    impl Read for Wire {
        async fn read(&mut self, b: &mut [u8]) -> Result<usize, Self::Error> {
            let n = b.len().min(self.reply.len()).min(7);
            b[..n].copy_from_slice(&self.reply[..n]);
            self.reply = &self.reply[n..];
            Ok(n)
        }
    }

    /// The same connection, blocking.
    impl embedded_io::Write for Wire {
        fn write(&mut self, b: &[u8]) -> Result<usize, Self::Error> {
            block_on(Write::write(self, b))
        }
        fn flush(&mut self) -> Result<(), Self::Error> {
            Ok(())
        }
    }

    impl embedded_io::Read for Wire {
        fn read(&mut self, b: &mut [u8]) -> Result<usize, Self::Error> {
            block_on(Read::read(self, b))
        }
    }

    fn wire() -> Wire {
        Wire {
            sent: heapless::Vec::new(),
            reply: b"HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad",
            later: &[b"HTTP/1.1 204 No Content\r\nDate: Tue, 25 Nov 2025 05:00:00 GMT\r\n\r\n"],
        }
    }

    static C: Metric<Counter> = Metric::new("rwa_boots", "Boots");
    static G: Metric<Gauge<f32>> = Metric::new("rwa_temp", "Temperature");
    static F: Family<Counter, 1, 4> = Family::new("rwa_frames", "Frames", ["port"]);

    #[test]
    fn the_same_requests_as_the_blocking_client_on_one_connection() {
        let mut r: Registry<'_, 3> = Registry::new();
        r.register(&C).unwrap();
        r.register(&G).unwrap();
        r.register(&F).unwrap();
        C.inc();
        G.set(0.1);
        F.labels(["uart0"]).unwrap().inc();
        let request = RemoteWrite::at(Duration::from_secs(1_764_046_790));
        let client = RemoteWriteClient::new("h:1", "/api/v1/write")
            .unwrap()
            .with_keep_alive(true);
        let import = VictoriaImport::new("h:1", &[("device", "d 1")])
            .unwrap()
            .with_keep_alive(true);

        // What the blocking client sends.
        let mut blocking = wire();
        let mut buf = [0u8; 128];
        assert_eq!(
            client
                .write(&mut blocking, &r, &request, &mut buf)
                .unwrap_err()
                .status(),
            Some(400)
        );
        import.import(&mut blocking, &r, &mut buf).unwrap();

        for size in [80, 128, 512] {
            let mut wire = wire();
            let mut buf = [0u8; 512];
            let e = block_on(client.write_async(&mut wire, &r, &request, &mut buf[..size]))
                .unwrap_err();
            assert_eq!(e.status(), Some(400), "{e:?} buffer {size}");
            assert!(!e.is_retryable());
            let reply = block_on(import.import_async(&mut wire, &r, &mut buf[..size])).unwrap();
            assert_eq!(reply.date(), Some(Duration::from_secs(1_764_046_800)));
            assert_eq!(&wire.sent[..], &blocking.sent[..], "buffer {size}");
        }
        let mut wire = Wire {
            sent: heapless::Vec::new(),
            reply: b"",
            later: &[],
        };
        assert_eq!(
            block_on(client.write_async(&mut wire, &r, &request, &mut [])),
            Err(RemoteWriteError::NoBuffer)
        );
    }
}
