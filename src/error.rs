//! One error type for the whole crate.
//!
//! Every variant maps to an exit code of the command line (see `../shared/CONTRACT.md`):
//! [`Error::Input`] → 2 (bad input or usage; the message names the problem *and* the fix),
//! [`Error::Failed`] → 1 (a check, a solve or a run failed honestly), [`Error::Io`] → 2.

use std::path::PathBuf;

/// The crate's error. Messages are one line, name the offending item, and say how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input or usage: unknown names, out-of-range values, malformed files, wrong shapes.
    #[error("{0}")]
    Input(String),
    /// A computation that could not reach its goal (no convergence, non-finite update, failed check).
    #[error("{0}")]
    Failed(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Shorthand for [`Error::Input`].
    pub fn input(msg: impl Into<String>) -> Self {
        Error::Input(msg.into())
    }
    /// Shorthand for [`Error::Failed`].
    pub fn failed(msg: impl Into<String>) -> Self {
        Error::Failed(msg.into())
    }
    /// The command-line exit code of this error: 1 for a failed computation, 2 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Failed(_) => 1,
            Error::Input(_) | Error::Io { .. } => 2,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
