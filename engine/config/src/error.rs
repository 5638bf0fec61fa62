//! The one error type of `engine-config`.

use std::path::PathBuf;

/// Everything that can go wrong reading or writing project and stack files, or with secrets.
///
/// Every variant's message is meant to be shown to the user as is: it names the file (with line
/// and column where a file's content is at fault), the stack or the config key, and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A project or stack file that does not parse or holds a bad value.
    #[error("{}:{line}:{column}: {message}", file.display())]
    Invalid { file: PathBuf, line: usize, column: usize, message: String },

    #[error(
        "no Engine.toml in {} or any folder above it; create one with `name = \"...\"` and `runtime = \"rust\"` (or \"python\", \"node\")",
        start.display()
    )]
    ProjectNotFound { start: PathBuf },

    #[error("stack `{name}` does not exist in project `{project}`{}", list_hint(available))]
    StackNotFound { name: String, project: String, available: Vec<String> },

    #[error("stack `{name}` already exists ({})", file.display())]
    StackExists { name: String, file: PathBuf },

    #[error("no stack selected in project `{project}`{}", select_hint(available))]
    NoStackSelected { project: String, available: Vec<String> },

    #[error("invalid stack name `{name}`: {reason}")]
    InvalidStackName { name: String, reason: String },

    #[error("invalid config key `{key}`: {reason}")]
    InvalidKey { key: String, reason: String },

    #[error("invalid value for config key `{key}`: {reason}")]
    InvalidValue { key: String, reason: String },

    #[error("config key `{key}` is not set in stack `{stack}`")]
    KeyNotFound { key: String, stack: String },

    #[error(
        "stack `{stack}` still manages {count} resource(s); run `engine destroy --stack {stack}` first, or remove it with --force (the resources stay in the cloud and are forgotten)"
    )]
    StackHasResources { stack: String, count: usize },

    #[error("could not check whether stack `{stack}` still has resources: {message}")]
    ResourceCheck { stack: String, message: String },

    #[error("--region is required for a stack on the aws cloud (or set AWS_REGION)")]
    RegionRequired,

    #[error(
        "stack `{stack}` encrypts its secrets with a passphrase: set ENGINE_PASSPHRASE (or ENGINE_PASSPHRASE_FILE), or run in a terminal to be asked for it"
    )]
    PassphraseMissing { stack: String },

    #[error("the passphrase for stack `{stack}` is empty")]
    PassphraseEmpty { stack: String },

    #[error("incorrect passphrase for stack `{stack}` (checked against the verifier in {})", file.display())]
    WrongPassphrase { stack: String, file: PathBuf },

    #[error("reading the passphrase for stack `{stack}`: {message}")]
    Prompt { stack: String, message: String },

    #[error("secrets key {}: {message}", path.display())]
    LocalKey { path: PathBuf, message: String },

    /// A ciphertext that cannot be decrypted with this stack's key (a different key, or damaged).
    #[error("cannot decrypt a secret with {key}: {message}")]
    Decrypt { key: String, message: String },

    /// The key could not be obtained earlier in this process (the first error, repeated).
    #[error("{0}")]
    KeyUnavailable(String),

    #[error("encryption failed: {0}")]
    Crypto(String),
}

fn list_hint(available: &[String]) -> String {
    if available.is_empty() {
        "; create it with `engine stack init NAME`".to_owned()
    } else {
        format!(" (stacks: {})", available.join(", "))
    }
}

fn select_hint(available: &[String]) -> String {
    if available.is_empty() {
        "; create one with `engine stack init NAME`".to_owned()
    } else {
        format!("; run `engine stack select NAME` or pass --stack (stacks: {})", available.join(", "))
    }
}

impl ConfigError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
}

pub type Result<T, E = ConfigError> = std::result::Result<T, E>;
