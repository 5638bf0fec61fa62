//! The crate's errors.

use std::path::PathBuf;

/// Errors reading a package or writing its bindings.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// No manifest where one was expected.
    #[error("no {file} in {dir}: a component package is a folder with an {file} manifest")]
    NotAPackage { dir: PathBuf, file: &'static str },
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    /// The manifest is not valid; `location` is `file:line:column`.
    #[error("{location}: {message}")]
    Invalid { location: String, message: String },
    /// A package reference (`name@requirement`) that does not parse.
    #[error("invalid package reference {reference:?}: {message}")]
    Reference { reference: String, message: String },
    #[error("unknown language {0:?} (expected rust, python or node)")]
    Language(String),
}

pub type Result<T, E = PackageError> = std::result::Result<T, E>;
