//! `defmt::Format` for this crate's types (feature `defmt`; the core's own impls come with
//! it), and [`log_snapshot`]: a registry's values through defmt, one line per series.

use core::fmt;

use defmt::{write, Format, Formatter};
use edgeprom::{EncodeError, Exposition};

use crate::{ConfigError, OffsetClock, PushError, Pushgateway, StreamError, TickClock};

impl<E: embedded_io::Error> Format for StreamError<E> {
    fn format(&self, f: Formatter<'_>) {
        match self {
            StreamError::Transport(e) => write!(f, "transport error: {}", e.kind()),
            StreamError::WriteZero => write!(f, "the transport accepted no bytes"),
            StreamError::Encode => write!(f, "a collector failed while encoding"),
            StreamError::Changed => write!(f, "the exposition changed while it was being sent"),
            StreamError::NoBuffer => write!(f, "the chunk buffer is empty"),
        }
    }
}

impl<E: embedded_io::Error> Format for PushError<E> {
    fn format(&self, f: Formatter<'_>) {
        match self {
            PushError::Transport(e) => write!(f, "transport error: {}", e.kind()),
            PushError::WriteZero => write!(f, "the transport accepted no bytes"),
            PushError::Encode => write!(f, "a collector failed while encoding"),
            PushError::Changed => write!(f, "the exposition changed length while being sent"),
            PushError::NoBuffer => write!(f, "the buffer is empty"),
            PushError::Closed => write!(f, "the connection closed before a complete response"),
            PushError::Malformed => write!(f, "the reply is not an HTTP/1.x response"),
            PushError::TooLarge => write!(f, "the response head does not fit in the buffer"),
            PushError::Status(code) => write!(f, "the gateway answered with status {=u16}", code),
        }
    }
}

#[cfg(feature = "remote-write")]
impl<E: embedded_io::Error> Format for crate::RemoteWriteError<E> {
    fn format(&self, f: Formatter<'_>) {
        use crate::RemoteWriteError as R;
        match self {
            R::Transport(e) => write!(f, "transport error: {}", e.kind()),
            R::WriteZero => write!(f, "the transport accepted no bytes"),
            R::Encode => write!(f, "a collector failed while encoding"),
            R::Changed => write!(f, "the exposition changed length while being sent"),
            R::NoBuffer => write!(f, "the buffer is empty"),
            R::Closed => write!(f, "the connection closed before a complete response"),
            R::Malformed => write!(f, "the reply is not an HTTP/1.x response"),
            R::TooLarge => write!(f, "the response head does not fit in the buffer"),
            R::Rejected { status, .. } => write!(f, "rejected with status {=u16}", status),
            R::Retryable {
                status,
                retry_after,
                ..
            } => write!(f, "status {=u16}, retry (after {} s)", status, retry_after),
        }
    }
}

#[cfg(feature = "remote-write")]
impl Format for crate::Reply {
    fn format(&self, f: Formatter<'_>) {
        write!(
            f,
            "status {=u16}, date {} s",
            self.status(),
            self.date().map(|d| d.as_secs())
        )
    }
}

impl Format for ConfigError {
    fn format(&self, f: Formatter<'_>) {
        match self {
            ConfigError::InvalidHost => write!(f, "invalid host for the Host header"),
            ConfigError::Grouping(e) => write!(f, "invalid grouping key: {}", e),
            ConfigError::InvalidCredentials => write!(f, "invalid basic-auth credentials"),
            ConfigError::InvalidPath => write!(f, "invalid request path"),
            ConfigError::InvalidLabel => write!(f, "invalid label name"),
        }
    }
}

impl Format for Pushgateway<'_> {
    fn format(&self, f: Formatter<'_>) {
        write!(
            f,
            "Pushgateway {{ host: {=str}, job: {=str}, grouping labels: {=usize} }}",
            self.host(),
            self.job(),
            self.grouping().len()
        )
    }
}

impl<S> Format for TickClock<S> {
    fn format(&self, f: Formatter<'_>) {
        write!(f, "TickClock {{ hz: {=u32} }}", self.hz().get())
    }
}

impl<C> Format for OffsetClock<C> {
    fn format(&self, f: Formatter<'_>) {
        match self.offset() {
            Some(o) => write!(
                f,
                "OffsetClock {{ offset: {=u64}.{=u32:09} s }}",
                o.as_secs(),
                o.subsec_nanos()
            ),
            None => write!(f, "OffsetClock {{ offset: unset }}"),
        }
    }
}

#[cfg(feature = "embassy-time")]
impl Format for crate::EmbassyClock {
    fn format(&self, f: Formatter<'_>) {
        write!(f, "EmbassyClock")
    }
}

/// The longest line [`log_snapshot`] logs whole; longer ones are cut and marked.
#[cfg_attr(docsrs, doc(cfg(feature = "defmt")))]
pub const LOG_LINE: usize = 120;

/// Logs every series of `registry` through defmt at info level, one compact line each
/// (Prometheus text sample lines: `name{labels} value`; `# HELP`/`# TYPE` are left out).
///
/// Lines pass through a [`LOG_LINE`]-byte buffer on the stack; a longer line is logged cut,
/// followed by ` [...]`.
#[cfg_attr(docsrs, doc(cfg(feature = "defmt")))]
pub fn log_snapshot(registry: &(impl Exposition + ?Sized)) -> Result<(), EncodeError> {
    let mut lines = LineLogger {
        line: [0; LOG_LINE],
        len: 0,
        cut: false,
    };
    registry
        .encode_to(edgeprom::Format::Prometheus, &mut lines)
        .map_err(|_| EncodeError::Write)?;
    lines.emit();
    Ok(())
}

/// Collects one line at a time and logs it at its newline.
struct LineLogger {
    line: [u8; LOG_LINE],
    len: usize,
    cut: bool,
}

impl LineLogger {
    fn emit(&mut self) {
        let bytes = self.line.get(..self.len).unwrap_or_default();
        // A cut may split a character: log the valid part.
        let text = match core::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => core::str::from_utf8(bytes.get(..e.valid_up_to()).unwrap_or_default())
                .unwrap_or_default(),
        };
        if !text.is_empty() && !text.starts_with('#') {
            if self.cut {
                defmt::info!("{=str} [...]", text);
            } else {
                defmt::info!("{=str}", text);
            }
        }
        self.len = 0;
        self.cut = false;
    }
}

impl fmt::Write for LineLogger {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            if b == b'\n' {
                self.emit();
            } else if let Some(slot) = self.line.get_mut(self.len) {
                *slot = b;
                self.len += 1;
            } else {
                self.cut = true;
            }
        }
        Ok(())
    }
}
