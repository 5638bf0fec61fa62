//! The one mapping from the core's errors to Python exceptions: every class derives from
//! `EngineError`, chosen by `Error::kind()`; each exception carries `urn` (the resource it
//! concerns, or `None`), `kind` and `engine_code` (the engine's gRPC status code, or `None`).

use engine_sdk::Error;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyAnyMethods;

pyo3::create_exception!(engine_sdk._native, EngineError, PyException, "Base class of every error the engine SDK raises.");
pyo3::create_exception!(
    engine_sdk._native,
    RunEnvironmentError,
    EngineError,
    "The program was not started by the engine (`engine up` / `engine preview`), or its environment is incomplete."
);
pyo3::create_exception!(engine_sdk._native, ConnectError, EngineError, "The engine's resource monitor could not be reached.");
pyo3::create_exception!(
    engine_sdk._native,
    ProtocolMismatchError,
    EngineError,
    "The SDK and the engine speak different protocol versions."
);
pyo3::create_exception!(
    engine_sdk._native,
    EngineCallError,
    EngineError,
    "The engine refused a call; the message is the engine's, `engine_code` its status code."
);
pyo3::create_exception!(engine_sdk._native, ConfigError, EngineError, "A configuration value is missing or has the wrong type.");
pyo3::create_exception!(
    engine_sdk._native,
    InvalidError,
    EngineError,
    "An invalid resource declaration: a bad name or type, a duplicate URN, a finished program."
);
pyo3::create_exception!(engine_sdk._native, CallbackError, EngineError, "An `apply` callback failed.");
pyo3::create_exception!(engine_sdk._native, SerializationError, EngineError, "A value could not be converted to or from JSON.");
pyo3::create_exception!(
    engine_sdk._native,
    ForkedError,
    EngineError,
    "The program's connection was made in another process (before `os.fork()`)."
);
pyo3::create_exception!(engine_sdk._native, ProgramError, EngineError, "Any other error of the program.");

/// The core's error inside a Python exception (`exception._engine_error`): an uncaught SDK
/// error reaches the engine's `Finish` as the core's error itself (message and resource),
/// exactly as a Rust program's would.
#[pyclass(frozen, name = "CoreError", module = "engine_sdk._native")]
pub struct PyCoreError {
    pub(crate) inner: Error,
}

#[pymethods]
impl PyCoreError {
    fn __repr__(&self) -> String {
        format!("CoreError({:?})", self.inner.to_string())
    }
}

/// The Python exception for a core error.
pub(crate) fn to_py(error: &Error) -> PyErr {
    let message = error.to_string();
    let exception = match error.kind() {
        "environment" => RunEnvironmentError::new_err(message),
        "connect" => ConnectError::new_err(message),
        "protocol" => ProtocolMismatchError::new_err(message),
        "engine" => EngineCallError::new_err(message),
        "config" => ConfigError::new_err(message),
        "invalid" => InvalidError::new_err(message),
        "callback" => CallbackError::new_err(message),
        "serialization" => SerializationError::new_err(message),
        "forked" => ForkedError::new_err(message),
        _ => ProgramError::new_err(message),
    };
    Python::attach(|py| {
        let value = exception.value(py);
        // Attributes on a fresh exception instance: setting them cannot fail short of memory
        // exhaustion, and the exception is still the right one without them.
        let _ = value.setattr("urn", error.urn());
        let _ = value.setattr("kind", error.kind());
        let _ = value.setattr("engine_code", error.engine_code());
        let _ = value.setattr("_engine_error", PyCoreError { inner: error.clone() });
    });
    exception
}

/// `map_err` helper.
pub(crate) fn py_err(error: Error) -> PyErr {
    to_py(&error)
}
