//! The one error type of the library. Every failure is typed; nothing is ever reported as "clean"
//! because it could not be scanned.

use std::fmt;

/// Broad category of an [`Error`], stable across versions (used for metrics labels, C status codes
/// and Python exception classes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Reading a file failed.
    Io,
    /// The bytes are not an image of a supported format.
    UnknownFormat,
    /// The image is truncated or corrupt.
    Decode,
    /// A configured limit (file size, pixels, frames, metadata size) was exceeded.
    Limit,
    /// A caller passed an argument that cannot be used.
    InvalidArgument,
    /// The embedder could not write the payload (capacity, unsupported cover).
    Embed,
    /// A model could not be loaded or run, or does not fit the model contract.
    Model,
    /// ONNX Runtime's shared library was not found or could not be loaded.
    RuntimeNotFound,
    /// A bug: a decoder or analysis panicked on this input (caught; the input is not scanned).
    Internal,
    /// What an operation names does not exist (an unknown or already labelled scan id, an
    /// unknown alert).
    NotFound,
}

impl ErrorKind {
    /// Short stable name, e.g. `"decode"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Io => "io",
            ErrorKind::UnknownFormat => "unknown_format",
            ErrorKind::Decode => "decode",
            ErrorKind::Limit => "limit",
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::Embed => "embed",
            ErrorKind::Model => "model",
            ErrorKind::RuntimeNotFound => "runtime_not_found",
            ErrorKind::Internal => "internal",
            ErrorKind::NotFound => "not_found",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every error the library returns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading (or, for the metrics log, writing) a file failed.
    #[error("{path}: {source}")]
    Io {
        /// What was done to which file (`cannot read /x.png`).
        path: String,
        /// The file.
        file: std::path::PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The bytes are no supported image.
    #[error("not a supported image (PNG, JPEG, GIF, BMP, WebP expected): {0}")]
    UnknownFormat(String),
    /// The image is truncated or corrupt.
    #[error("corrupt or truncated {format}: {message}")]
    Decode {
        /// Format being decoded.
        format: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A configured limit was exceeded.
    #[error("limit exceeded: {0}")]
    Limit(String),
    /// An argument cannot be used.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The embedder cannot write this payload into this cover.
    #[error("cannot embed: {0}")]
    Embed(String),
    /// A model could not be loaded or run, or breaks the model contract.
    #[error("model error: {0}")]
    Model(String),
    /// ONNX Runtime's library was not found or failed to load.
    #[error("ONNX Runtime not available: {0}")]
    RuntimeNotFound(String),
    /// A panic was caught while scanning this input.
    #[error("internal error (please report with the input): {0}")]
    Internal(String),
    /// What an operation names does not exist (the message says what).
    #[error("{0}")]
    NotFound(String),
}

impl Error {
    /// The file an [`Error::Io`] is about.
    pub fn io_file(&self) -> Option<&std::path::Path> {
        match self {
            Error::Io { file, .. } => Some(file),
            _ => None,
        }
    }

    /// The operating system's error number of an [`Error::Io`] (`ENOENT`, `EACCES`, ...), when
    /// it has one.
    pub fn os_error(&self) -> Option<i32> {
        match self {
            Error::Io { source, .. } => source.raw_os_error(),
            _ => None,
        }
    }

    /// The category of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Io { .. } => ErrorKind::Io,
            Error::UnknownFormat(_) => ErrorKind::UnknownFormat,
            Error::Decode { .. } => ErrorKind::Decode,
            Error::Limit(_) => ErrorKind::Limit,
            Error::InvalidArgument(_) => ErrorKind::InvalidArgument,
            Error::Embed(_) => ErrorKind::Embed,
            Error::Model(_) => ErrorKind::Model,
            Error::RuntimeNotFound(_) => ErrorKind::RuntimeNotFound,
            Error::Internal(_) => ErrorKind::Internal,
            Error::NotFound(_) => ErrorKind::NotFound,
        }
    }

    pub(crate) fn decode(format: &'static str, message: impl Into<String>) -> Self {
        Error::Decode {
            format,
            message: message.into(),
        }
    }

    pub(crate) fn truncated(format: &'static str, what: &str) -> Self {
        Error::Decode {
            format,
            message: format!("truncated in {what}"),
        }
    }

    /// Map an `image` crate error, keeping limit errors apart from corrupt data.
    pub(crate) fn from_image(format: &'static str, e: image::ImageError) -> Self {
        match e {
            image::ImageError::Limits(l) => Error::Limit(l.to_string()),
            other => Error::decode(format, other.to_string()),
        }
    }
}

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
