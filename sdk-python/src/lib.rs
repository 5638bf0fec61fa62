//! `engine_sdk._native`: the Python SDK's native module, a thin pyo3 binding over the
//! `engine-sdk` core. It converts Python values to and from the core's dynamic layer and calls
//! the core; every rule (serialization, outputs, secrets, unknowns, dependencies, registration)
//! is the core's. The Pythonic API is the `engine_sdk` package around it.
//!
//! Blocking calls release the GIL and run on the core's process-wide runtime (rebuilt after a
//! `fork()`); `apply` callbacks run on the core's worker threads, attached to the interpreter.

mod context;
mod convert;
mod errors;
mod output;
mod resource;
mod shapes;

use std::future::Future;

use pyo3::prelude::*;

/// Run a future to completion with the GIL released: on the SDK's runtime from a Python thread,
/// or in place when called from one of the runtime's own threads (a Python `apply` callback
/// calling a blocking function), where a nested `block_on` would panic.
pub(crate) fn block_on<F>(py: Python<'_>, future: F) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    py.detach(move || match tokio::runtime::Handle::try_current() {
        Ok(handle) => tokio::task::block_in_place(move || handle.block_on(future)),
        Err(_) => engine_sdk::runtime::block_on(future),
    })
}

#[pymodule]
mod _native {
    #[pymodule_export]
    use super::context::{PyConfig, PyContext};
    #[pymodule_export]
    use super::errors::{
        CallbackError, PyCoreError, ConfigError, ConnectError, EngineCallError, EngineError, ForkedError, InvalidError, ProgramError,
        ProtocolMismatchError, RunEnvironmentError, SerializationError,
    };
    #[pymodule_export]
    use super::output::{PyCompletion, PyOutput};
    #[pymodule_export]
    use super::resource::{PyFileArchive, PyFileAsset, PyOptions, PyResource};
    #[pymodule_export]
    use super::shapes::{PyShapeTable, typed_output};

    use pyo3::prelude::*;

    /// `file:line` of a registration as the engine receives it: the core's rule (relative to the
    /// working folder when the file is inside it).
    #[pyfunction]
    fn source_position(file: &str, line: u32) -> String {
        engine_sdk::binding::source_position(file, line)
    }

    #[pymodule_init]
    fn init(module: &Bound<'_, PyModule>) -> PyResult<()> {
        module.add("__version__", env!("CARGO_PKG_VERSION"))?;
        module.add("CORE_VERSION", engine_sdk::SDK_VERSION)?;
        module.add("PROTOCOL_VERSION", engine_sdk::proto::PROTOCOL_VERSION)?;
        Ok(())
    }
}
