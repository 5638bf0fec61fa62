//! The crate's errors.

/// Errors of model building and generation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[cfg(feature = "generator")]
    #[error(transparent)]
    Schema(#[from] engine_schema::SchemaError),
    #[error("unknown service {0:?} (services are module names such as s3, ec2, apigateway)")]
    UnknownService(String),
    #[error("unknown language {0:?} (expected rust, python or node)")]
    UnknownLanguage(String),
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: std::io::Error },
    #[error("{0}")]
    Build(String),
}
