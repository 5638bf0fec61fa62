//! Errors: [`Error`] for embedding (start, persistence, lock), [`ApiError`] for wire responses.

use std::path::PathBuf;

/// Failures of the local cloud as a library (starting, persistence).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the local cloud data directory {dir} is already in use by another local cloud (lock file {lock}); stop that server or use another --data directory")]
    Locked { dir: PathBuf, lock: PathBuf },
    #[error("local cloud data directory {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("local cloud data in {path} is unreadable: {message}")]
    Corrupt { path: PathBuf, message: String },
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("invalid local cloud setting: {0}")]
    Config(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
}

/// An error as the wire carries it: `{"__type": code, "Message": message}` with a status code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    pub status: u16,
}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self { status: status_of(code), code: code.to_owned(), message: message.into() }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("ValidationException", message)
    }
}

/// The HTTP status the service model gives each error (`httpError`), 400 for the unmodelled ones.
#[must_use]
pub fn status_of(code: &str) -> u16 {
    match code {
        "InvalidCredentialsException" => 401,
        "RequestTokenNotFoundException" | "ResourceNotFoundException" | "TypeNotFoundException" => 404,
        "UnsupportedActionException" => 405,
        "ClientTokenConflictException" | "ConcurrentOperationException" | "ResourceConflictException" => 409,
        "ThrottlingException" => 429,
        "ConcurrentModificationException" | "InternalFailure" => 500,
        "HandlerFailureException"
        | "HandlerInternalFailureException"
        | "NetworkFailureException"
        | "ServiceInternalErrorException" => 502,
        _ => 400,
    }
}
