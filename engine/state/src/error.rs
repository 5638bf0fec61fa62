//! The one error type of `engine-state`.

use crate::lock::LockInfo;

/// Everything that can go wrong with state. Messages are meant for users as they are.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("{location}: {source}")]
    Io {
        location: String,
        #[source]
        source: std::io::Error,
    },

    /// The stack is locked by another run (see [`crate::StackLock`]).
    #[error("{}", locked_message(.stack, .holder, .backend))]
    Locked { stack: String, holder: Box<LockInfo>, backend: String },

    /// This process's lock was broken (`engine cancel`) or taken over; nothing more is written.
    #[error(
        "the lock on stack `{stack}` was broken by someone else (engine cancel?) while this run held it; nothing further is written to its state"
    )]
    LockLost { stack: String },

    /// A state file written by a newer engine; it is left untouched.
    #[error(
        "{location} was written by a newer engine (state format version {found}; this engine reads up to {supported}); upgrade engine. The file was left untouched."
    )]
    NewerVersion { location: String, found: u64, supported: u64 },

    /// A damaged state file; it is left untouched.
    #[error("{location} is corrupt: {message}. The file was left untouched; restore it from a backup or version history.")]
    Corrupt { location: String, message: String },

    /// A secret in state that cannot be decrypted with the stack's key.
    #[error("resource {urn}, property `{property}`: {source}")]
    Secret {
        urn: String,
        property: String,
        #[source]
        source: engine_config::ConfigError,
    },

    /// A conditional write lost a race (the object changed or appeared meanwhile).
    #[error("{location}: changed by another process meanwhile")]
    PreconditionFailed { location: String },

    #[error("unsupported backend URL `{url}`: {reason}")]
    BackendUrl { url: String, reason: String },

    /// The writer stopped after an earlier failure, or was closed.
    #[error("the state writer for stack `{stack}` is stopped: {reason}")]
    WriterStopped { stack: String, reason: String },

    /// An operation number the writer does not know (not begun, or already finished).
    #[error("operation {op} of stack `{stack}` is not in flight")]
    UnknownOperation { stack: String, op: u64 },

    #[error("invalid state data: {0}")]
    Invalid(String),
}

fn locked_message(stack: &str, holder: &LockInfo, backend: &str) -> String {
    let now = crate::time::now_ms();
    let since = crate::time::parse_ms(&holder.started)
        .map(|ms| format!(" ({} ago)", crate::time::human_duration(std::time::Duration::from_millis(now.saturating_sub(ms)))))
        .unwrap_or_default();
    let beat = crate::time::parse_ms(&holder.heartbeat)
        .map(|ms| format!("; last heartbeat {} ago", crate::time::human_duration(std::time::Duration::from_millis(now.saturating_sub(ms)))))
        .unwrap_or_default();
    format!(
        "stack `{stack}` is locked by {} (`{}`, pid {} on host {}) since {}{since}{beat}. If that run is gone, break the lock with `engine cancel --stack {stack}` (state: {backend})",
        holder.owner, holder.command, holder.pid, holder.host, holder.started
    )
}

impl StateError {
    pub(crate) fn io(location: impl std::fmt::Display, source: std::io::Error) -> Self {
        Self::Io { location: location.to_string(), source }
    }

    pub(crate) fn corrupt(location: impl std::fmt::Display, message: impl Into<String>) -> Self {
        Self::Corrupt { location: location.to_string(), message: message.into() }
    }
}

pub type Result<T, E = StateError> = std::result::Result<T, E>;
