//! [`StdIo`]: `embedded_io` (and `embedded_io_async`) over `std::io` types, for host programs
//! and tests (feature `std`).

use std::io;

/// Wraps a `std::io::Read`/`Write` (a `TcpStream`, say) as an `embedded_io` transport.
///
/// The async traits are implemented too (feature `async`), by blocking: fine for tests and
/// tools, not for an executor that runs other tasks.
#[derive(Debug)]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub struct StdIo<T>(pub T);

impl<T> embedded_io::ErrorType for StdIo<T> {
    type Error = io::Error;
}

impl<T: io::Read> embedded_io::Read for StdIo<T> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, io::Error> {
        loop {
            match self.0.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }
}

impl<T: io::Write> embedded_io::Write for StdIo<T> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, io::Error> {
        loop {
            match self.0.write(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }
    fn flush(&mut self) -> Result<(), io::Error> {
        self.0.flush()
    }
}

#[cfg(feature = "async")]
impl<T: io::Read> embedded_io_async::Read for StdIo<T> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, io::Error> {
        embedded_io::Read::read(self, buf)
    }
}

#[cfg(feature = "async")]
impl<T: io::Write> embedded_io_async::Write for StdIo<T> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, io::Error> {
        embedded_io::Write::write(self, buf)
    }
    async fn flush(&mut self) -> Result<(), io::Error> {
        embedded_io::Write::flush(self)
    }
}
