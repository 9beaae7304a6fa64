//! [`RemoteWriteError`].

use std::error::Error;
use std::fmt;

use edgeprom::EncodeError;

use crate::{GatherError, PushError};

/// A remote write or import failed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RemoteWriteError {
    /// The registry could not be encoded.
    Encode(EncodeError),
    /// The text exposition could not be gathered (import).
    Gather(GatherError),
    /// Snappy compression failed.
    Compress(snap::Error),
    /// The URL or a certificate is unusable, or, after every attempt, the receiver could not
    /// be reached or did not answer in time (the transport's error).
    Transport(PushError),
    /// The receiver refused the request with a 4xx other than 429: it is not retried, and
    /// the samples are dropped.
    Rejected {
        /// The status.
        status: u16,
        /// The start of the receiver's answer.
        message: String,
    },
    /// The receiver answered 5xx or 429 to every attempt.
    Unavailable {
        /// The last status.
        status: u16,
        /// The start of the last answer.
        message: String,
        /// How many requests were sent.
        attempts: u32,
    },
    /// A snapshot source wrote something that is not a protobuf message (its `TimeSeries`
    /// could not be counted).
    Malformed,
}

impl fmt::Display for RemoteWriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteWriteError::Encode(e) => write!(f, "cannot encode the registry: {e}"),
            RemoteWriteError::Gather(e) => write!(f, "cannot gather the exposition: {e}"),
            RemoteWriteError::Compress(e) => write!(f, "snappy compression failed: {e}"),
            RemoteWriteError::Transport(e) => write!(f, "remote write failed: {e}"),
            RemoteWriteError::Rejected { status, message } => {
                write!(f, "the receiver rejected the samples ({status}): {message}")
            }
            RemoteWriteError::Unavailable {
                status,
                message,
                attempts,
            } => write!(
                f,
                "the receiver answered {status} to {attempts} attempts: {message}"
            ),
            RemoteWriteError::Malformed => {
                f.write_str("the snapshot source wrote an invalid WriteRequest")
            }
        }
    }
}

impl Error for RemoteWriteError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            RemoteWriteError::Encode(e) => Some(e),
            RemoteWriteError::Gather(e) => Some(e),
            RemoteWriteError::Compress(e) => Some(e),
            RemoteWriteError::Transport(e) => Some(e),
            _ => None,
        }
    }
}

impl From<PushError> for RemoteWriteError {
    fn from(e: PushError) -> Self {
        RemoteWriteError::Transport(e)
    }
}
