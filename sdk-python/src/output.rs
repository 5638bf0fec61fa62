//! `Output`: a handle on the core's `Output<serde_json::Value>`. Every combinator is the core's;
//! `apply` hands the value to a Python callable and takes its result back through a
//! [`PyCompletion`] (the Python layer runs coroutines on its event loop and completes later).

use std::sync::Mutex;

use engine_sdk::{DynInput, Error, Output};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyString};
use serde_json::Value;
use tokio::sync::oneshot;

use crate::convert::{to_dyn, to_py};
use crate::errors::{py_err, to_py as error_to_py};

/// A value known later, possibly unknown (preview) and/or secret, remembering the resources it
/// came from.
#[pyclass(frozen, name = "Output", module = "engine_sdk._native")]
pub struct PyOutput {
    pub(crate) inner: Output<Value>,
}

impl PyOutput {
    pub(crate) fn new(inner: Output<Value>) -> Self {
        PyOutput { inner }
    }

    /// A converted input as one output (an output stays itself).
    pub(crate) fn from_dyn(input: DynInput) -> Self {
        match input {
            DynInput::Output(output) => PyOutput::new(output),
            other => PyOutput::new(other.into_output()),
        }
    }
}

/// The exception text of a Python error, with its traceback.
pub(crate) fn describe(py: Python<'_>, error: &PyErr) -> String {
    let formatted = py
        .import("traceback")
        .and_then(|module| module.call_method1("format_exception", (error.clone_ref(py).into_value(py),)))
        .and_then(|lines| lines.extract::<Vec<String>>());
    match formatted {
        Ok(lines) => lines.concat().trim_end().to_owned(),
        Err(_) => error.to_string(),
    }
}

#[pymethods]
impl PyOutput {
    /// Any input (plain values with outputs anywhere inside) as one output.
    #[staticmethod]
    fn from_input(value: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyOutput::from_dyn(to_dyn(value, "")?))
    }

    /// A secret output of an input.
    #[staticmethod]
    fn secret(value: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyOutput::new(PyOutput::from_dyn(to_dyn(value, "")?).inner.as_secret()))
    }

    /// An unknown output (as in a preview).
    #[staticmethod]
    fn unknown() -> Self {
        PyOutput::new(Output::unknown())
    }

    /// The parts joined into one string (see `engine_sdk::binding::concat`).
    #[staticmethod]
    fn concat(parts: Vec<Bound<'_, PyAny>>) -> PyResult<Self> {
        let parts = parts.iter().map(|part| to_dyn(part, "")).collect::<PyResult<Vec<_>>>()?;
        Ok(PyOutput::new(engine_sdk::binding::concat(parts)))
    }

    /// Run `callback(value, completion)` once the value is known (never when unknown); the
    /// callback reports its result through `completion`.
    fn apply(&self, callback: Py<PyAny>) -> Self {
        PyOutput::new(self.inner.apply_dyn(Box::new(move |value: Value| {
            Box::pin(async move {
                let (sender, receiver) = oneshot::channel();
                let completion = PyCompletion { sender: Mutex::new(Some(sender)) };
                Python::attach(|py| -> Result<(), Error> {
                    let argument = to_py(py, &value).map_err(|error| Error::Callback(describe(py, &error)))?;
                    callback.call1(py, (argument, completion)).map_err(|error| Error::Callback(describe(py, &error)))?;
                    Ok(())
                })?;
                match receiver.await {
                    Ok(result) => result,
                    Err(_) => Err(Error::Callback("the apply callback never returned a result".to_owned())),
                }
            })
        })))
    }

    /// The same value, secret.
    fn as_secret(&self) -> Self {
        PyOutput::new(self.inner.as_secret())
    }

    /// The same value, no longer secret.
    fn unsecret(&self) -> Self {
        PyOutput::new(self.inner.unsecret())
    }

    /// The same value, depending on more resources (URNs).
    fn with_dependencies(&self, urns: Vec<String>) -> Self {
        PyOutput::new(self.inner.with_dependencies(urns))
    }

    /// The value at a key (`str`) or index (`int`).
    fn get_item(&self, key: &Bound<'_, PyAny>) -> PyResult<Self> {
        if let Ok(key) = key.cast::<PyString>() {
            return Ok(PyOutput::new(self.inner.get(&key.to_cow()?)));
        }
        if key.is_instance_of::<PyInt>() {
            let index: usize = key
                .extract()
                .map_err(|_| PyTypeError::new_err(format!("an output index must be a non-negative integer, not {key}")))?;
            return Ok(PyOutput::new(self.inner.at_index(index)));
        }
        Err(PyTypeError::new_err("an output is indexed by a str key or an int index"))
    }

    /// Wait for the output (GIL released): `(known, value, secret, dependencies)`.
    fn resolve(&self, py: Python<'_>) -> PyResult<(bool, Py<PyAny>, bool, Vec<String>)> {
        let future = self.inner.resolve();
        let resolved = crate::block_on(py, future).map_err(py_err)?;
        let value = match &resolved.value {
            Some(value) => to_py(py, value)?.unbind(),
            None => py.None(),
        };
        Ok((resolved.value.is_some(), value, resolved.secret, resolved.dependencies.into_iter().collect()))
    }

    /// Call `callback(True, (known, value, secret, dependencies))` or `callback(False,
    /// exception)` from an SDK thread once the output settles (for asyncio futures).
    fn on_settled(&self, callback: Py<PyAny>) {
        let future = self.inner.resolve();
        engine_sdk::runtime::spawn(async move {
            let settled = future.await;
            Python::attach(|py| {
                let outcome = (|| -> PyResult<()> {
                    match settled {
                        Ok(resolved) => {
                            let known = resolved.value.is_some();
                            let value = match &resolved.value {
                                Some(value) => to_py(py, value)?,
                                None => py.None().into_bound(py),
                            };
                            let dependencies: Vec<String> = resolved.dependencies.into_iter().collect();
                            callback.call1(py, (true, (known, value, resolved.secret, dependencies)))?;
                        }
                        Err(error) => {
                            callback.call1(py, (false, error_to_py(&error).into_value(py)))?;
                        }
                    }
                    Ok(())
                })();
                if let Err(error) = outcome {
                    error.print(py);
                }
            });
        });
    }

    fn __repr__(&self) -> String {
        match self.inner.peek() {
            None => "Output(<pending>)".to_owned(),
            Some(Err(error)) => format!("Output(<failed: {error}>)"),
            Some(Ok(resolved)) => match (&resolved.value, resolved.secret) {
                (None, _) => "Output(<unknown>)".to_owned(),
                (Some(_), true) => "Output(<secret>)".to_owned(),
                (Some(value), false) => format!("Output({value})"),
            },
        }
    }
}

/// How an `apply` callback hands back its result (once).
#[pyclass(frozen, name = "Completion", module = "engine_sdk._native")]
pub struct PyCompletion {
    sender: Mutex<Option<oneshot::Sender<engine_sdk::Result<DynInput>>>>,
}

impl PyCompletion {
    fn send(&self, result: engine_sdk::Result<DynInput>) {
        let sender = self.sender.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some(sender) = sender {
            // The receiver is gone only when the program's run was abandoned: nothing to tell.
            let _ = sender.send(result);
        }
    }
}

#[pymethods]
impl PyCompletion {
    /// The callback's result (any input: outputs inside are flattened by the core).
    fn set_result(&self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let input = to_dyn(value, "the apply callback's result: ")?;
        self.send(Ok(input));
        Ok(())
    }

    /// The callback failed (`message`: the formatted exception and traceback).
    fn set_error(&self, message: String) {
        self.send(Err(Error::Callback(message)));
    }
}
