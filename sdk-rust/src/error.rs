//! The SDK's one error type.
//!
//! Errors are `Clone`: an output that failed hands the same error to every consumer. Every error
//! about a resource is wrapped in [`Error::Resource`], which names it (type, logical name, URN),
//! so the program's first error can be reported to the engine with the resource it concerns.

use std::fmt;

/// `Result` with the SDK's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a program, on the SDK's side or reported by the engine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The program was not started by the engine, or its environment is incomplete.
    #[error("{0}")]
    Environment(String),

    /// The engine's resource monitor could not be reached.
    #[error("cannot connect to the engine's resource monitor at {address}: {message}")]
    Connect { address: String, message: String },

    /// The SDK and the engine speak different protocol versions.
    #[error("protocol version mismatch: {message}")]
    ProtocolMismatch { message: String },

    /// The engine answered a call with an error (its message names the resource and property).
    #[error("{}", engine_message(.call, .code, .message))]
    Engine {
        /// The monitor call (`RegisterResource`, `Invoke`, ...).
        call: String,
        /// The gRPC status code, e.g. `InvalidArgument`.
        code: String,
        message: String,
    },

    /// A configuration value is missing or has the wrong type.
    #[error("{message}")]
    Config { key: String, message: String },

    /// Something went wrong with one resource.
    #[error("{resource_type} \"{name}\": {source}")]
    Resource {
        urn: String,
        resource_type: String,
        name: String,
        #[source]
        source: Box<Error>,
    },

    /// A property value (an input, or an output read back) is invalid or failed.
    #[error("property {path}: {source}")]
    Property {
        path: String,
        #[source]
        source: Box<Error>,
    },

    /// An argument the program passed is invalid (a resource name, a duplicate URN, ...).
    #[error("{0}")]
    Invalid(String),

    /// An `apply`/`map` callback failed or panicked.
    #[error("{0}")]
    Callback(String),

    /// A value could not be converted to or from JSON.
    #[error("{0}")]
    Serialization(String),

    /// A context was used in a process forked from the one that created it.
    #[error(
        "this engine context was created in process {created} and cannot be used in process {current} \
         (after fork()); create a new one in the child"
    )]
    Forked { created: u32, current: u32 },

    /// Any other error (from the program's own code).
    #[error("{0}")]
    Other(String),
}

fn engine_message(call: &str, code: &str, message: &str) -> String {
    match code {
        "Unavailable" | "Unknown" | "Cancelled" => {
            format!("lost the connection to the engine's resource monitor ({call}): {message}")
        }
        "Unauthenticated" => format!("the engine refused this program's token ({call}): {message}"),
        _ => message.to_owned(),
    }
}

impl Error {
    /// An error with a message (for program code: `Err(Error::msg("..."))`).
    pub fn msg(message: impl fmt::Display) -> Self {
        Error::Other(message.to_string())
    }

    /// Wrap any standard error, keeping its chain of causes in the message.
    pub fn other(error: impl std::error::Error + 'static) -> Self {
        Error::Other(chain_message(&error))
    }

    /// The URN of the resource this error concerns, if any (the outermost one).
    #[must_use]
    pub fn urn(&self) -> Option<&str> {
        match self {
            Error::Resource { urn, .. } => Some(urn),
            Error::Property { source, .. } => source.urn(),
            _ => None,
        }
    }

    /// The error without its resource and property wrappers.
    #[must_use]
    pub fn root_cause(&self) -> &Error {
        match self {
            Error::Resource { source, .. } | Error::Property { source, .. } => source.root_cause(),
            other => other,
        }
    }

    /// The gRPC status code when the engine reported the error.
    #[must_use]
    pub fn engine_code(&self) -> Option<&str> {
        match self.root_cause() {
            Error::Engine { code, .. } => Some(code),
            _ => None,
        }
    }

    /// A short machine-readable kind, stable across versions (for the bindings' exception
    /// classes): `environment`, `connect`, `protocol`, `engine`, `config`, `invalid`,
    /// `callback`, `serialization`, `forked`, `other`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self.root_cause() {
            Error::Environment(_) => "environment",
            Error::Connect { .. } => "connect",
            Error::ProtocolMismatch { .. } => "protocol",
            Error::Engine { .. } => "engine",
            Error::Config { .. } => "config",
            Error::Invalid(_) => "invalid",
            Error::Callback(_) => "callback",
            Error::Serialization(_) => "serialization",
            Error::Forked { .. } => "forked",
            Error::Resource { .. } | Error::Property { .. } | Error::Other(_) => "other",
        }
    }

    pub(crate) fn from_status(call: &str, status: &tonic::Status) -> Self {
        if status.code() == tonic::Code::FailedPrecondition && call == "Handshake" {
            return Error::ProtocolMismatch { message: status.message().to_owned() };
        }
        let mut message = status.message().to_owned();
        if message.is_empty() {
            message = format!("{:?}", status.code());
        }
        if let Some(source) = std::error::Error::source(status) {
            let detail = chain_message(source);
            if !message.contains(&detail) {
                message = format!("{message}: {detail}");
            }
        }
        Error::Engine { call: call.to_owned(), code: format!("{:?}", status.code()), message }
    }

    pub(crate) fn in_property(self, path: &str) -> Self {
        Error::Property { path: path.to_owned(), source: Box::new(self) }
    }
}

/// `error: cause: cause` for an error and its sources.
pub(crate) fn chain_message(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Self {
        Error::Serialization(error.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        Error::Other(chain_message(&error))
    }
}

impl From<String> for Error {
    fn from(message: String) -> Self {
        Error::Other(message)
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Self {
        Error::Other(message.to_owned())
    }
}

impl From<Box<dyn std::error::Error + Send + Sync>> for Error {
    fn from(error: Box<dyn std::error::Error + Send + Sync>) -> Self {
        match error.downcast::<Error>() {
            Ok(error) => *error,
            Err(error) => Error::Other(chain_message(error.as_ref())),
        }
    }
}
