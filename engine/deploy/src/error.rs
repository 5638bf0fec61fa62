//! The deploy engine's errors.

/// Errors of a run as a whole (per-resource failures are reported as events and counted; the
/// run then ends with [`DeployError::StepsFailed`]).
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error(transparent)]
    Config(#[from] engine_config::ConfigError),
    #[error(transparent)]
    State(#[from] engine_state::StateError),
    #[error("cloud: {0}")]
    Provider(#[from] engine_provider::ProviderError),
    #[error("{0}")]
    Cloud(String),
    #[error("program: {0}")]
    Program(String),
    #[error("the resource monitor could not start: {0}")]
    Monitor(String),
    #[error("{count} resource(s) failed")]
    StepsFailed { count: usize },
    #[error("cancelled")]
    Cancelled,
    #[error("{0}")]
    Io(String),
    #[error("{0}")]
    Invalid(String),
}

impl From<std::io::Error> for DeployError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e.to_string())
    }
}

pub type Result<T, E = DeployError> = std::result::Result<T, E>;
