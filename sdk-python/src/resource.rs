//! Resource handles, resource options and assets: conversions only; registration, URNs,
//! parenting, protection inheritance and dependency tracking are the core's.

use std::path::PathBuf;
use std::time::Duration;

use engine_sdk::binding::{AliasParts, TimeoutValue, timeout};
use engine_sdk::{Alias, Component, CustomTimeouts, Resource, ResourceOptions};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use serde_json::Value;

use crate::convert::to_dyn;
use crate::errors::py_err;
use crate::output::PyOutput;

/// A registered resource (returned at once; the core registers it in the background).
#[pyclass(frozen, name = "Resource", module = "engine_sdk._native")]
pub struct PyResource {
    pub(crate) inner: Resource,
    /// Set for components of this program (they can register outputs).
    pub(crate) component: Option<Component>,
}

#[pymethods]
impl PyResource {
    /// The URN (known at once).
    #[getter]
    fn urn_str(&self) -> &str {
        self.inner.urn_str()
    }

    #[getter]
    fn resource_type(&self) -> &str {
        self.inner.resource_type()
    }

    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    /// `custom`, `component`, `remote_component`, `read` or `root`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind().as_str()
    }

    /// The URN as an output (depends on this resource).
    fn urn(&self) -> PyOutput {
        PyOutput::new(self.inner.urn().map(Value::String))
    }

    /// The cloud identifier (unknown in preview until created).
    fn id(&self) -> PyOutput {
        PyOutput::new(self.inner.id().map(Value::String))
    }

    /// One output property.
    fn output(&self, name: &str) -> PyOutput {
        PyOutput::new(self.inner.output_value(name))
    }

    /// Every output property, as one object.
    fn outputs(&self) -> PyOutput {
        PyOutput::new(self.inner.outputs())
    }

    /// A reference to this resource as a property value.
    fn reference(&self) -> PyOutput {
        PyOutput::new(self.inner.reference())
    }

    /// Record a component's outputs.
    fn register_outputs(&self, outputs: &Bound<'_, PyAny>) -> PyResult<()> {
        let Some(component) = &self.component else {
            return Err(PyTypeError::new_err(format!(
                "{} \"{}\" is not a component of this program: only components register outputs",
                self.inner.resource_type(),
                self.inner.name()
            )));
        };
        let what = format!("{} \"{}\": outputs: ", self.inner.resource_type(), self.inner.name());
        component.register_outputs_dyn(to_dyn(outputs, &what)?);
        Ok(())
    }

    /// Wait until the engine has registered it (GIL released).
    fn wait(&self, py: Python<'_>) -> PyResult<()> {
        let resource = self.inner.clone();
        crate::block_on(py, async move { resource.wait().await }).map_err(py_err)
    }

    fn __repr__(&self) -> String {
        format!("Resource({})", self.inner.urn_str())
    }
}

/// Resource options in the core's form.
#[pyclass(frozen, name = "ResourceOptions", module = "engine_sdk._native")]
pub struct PyOptions {
    pub(crate) inner: ResourceOptions,
}

/// `custom_timeouts` as the Python layer passes it: `(create, update, delete)`.
type Timeouts<'py> = (Option<Bound<'py, PyAny>>, Option<Bound<'py, PyAny>>, Option<Bound<'py, PyAny>>);

/// A custom timeout: seconds (`int`, `float`) or text (`"5m"`, `"1h30m"`), read by the core.
fn duration(what: &str, value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Duration>> {
    let Some(value) = value.filter(|value| !value.is_none()) else { return Ok(None) };
    let parsed = if let Ok(text) = value.cast::<PyString>() {
        timeout(TimeoutValue::Text(&text.to_cow()?))
    } else {
        let seconds: f64 = value.extract().map_err(|_| {
            PyTypeError::new_err(format!("custom_timeouts.{what}: a number of seconds, a timedelta or text such as \"5m\""))
        })?;
        timeout(TimeoutValue::Seconds(seconds))
    };
    parsed.map(Some).map_err(|message| PyValueError::new_err(format!("custom_timeouts.{what}: {message}")))
}

fn alias(value: &Bound<'_, PyAny>) -> PyResult<Alias> {
    if let Ok(urn) = value.cast::<PyString>() {
        return Ok(Alias::Urn(urn.to_cow()?.into_owned()));
    }
    let Ok(spec) = value.cast::<PyDict>() else {
        return Err(PyTypeError::new_err("an alias is a URN (str) or a dict of name/type/stack/project/parent/no_parent"));
    };
    let text = |key: &str| -> PyResult<Option<String>> {
        match spec.get_item(key)? {
            Some(item) if !item.is_none() => Ok(Some(item.extract()?)),
            _ => Ok(None),
        }
    };
    let no_parent = match spec.get_item("no_parent")? {
        Some(item) => item.is_truthy()?,
        None => false,
    };
    let parent_urn = match spec.get_item("parent")? {
        Some(item) if !item.is_none() => match item.cast::<PyResource>() {
            Ok(resource) => Some(resource.get().inner.urn_str().to_owned()),
            Err(_) => Some(item.extract()?),
        },
        _ => None,
    };
    AliasParts {
        urn: None,
        name: text("name")?,
        resource_type: text("type")?,
        stack: text("stack")?,
        project: text("project")?,
        parent_urn,
        no_parent,
    }
    .into_alias()
    .map_err(py_err)
}

#[pymethods]
impl PyOptions {
    #[new]
    #[pyo3(signature = (
        *, parent=None, depends_on=Vec::new(), protect=None, ignore_changes=Vec::new(),
        replace_on_changes=Vec::new(), delete_before_replace=None, retain_on_delete=false, import_id=None,
        custom_timeouts=None, region=None, aliases=Vec::new(), additional_secret_outputs=Vec::new(),
        source_position=None,
    ))]
    #[expect(clippy::too_many_arguments, reason = "one keyword argument per resource option")]
    fn new(
        parent: Option<Bound<'_, PyResource>>,
        depends_on: Vec<Bound<'_, PyResource>>,
        protect: Option<bool>,
        ignore_changes: Vec<String>,
        replace_on_changes: Vec<String>,
        delete_before_replace: Option<bool>,
        retain_on_delete: bool,
        import_id: Option<String>,
        custom_timeouts: Option<Timeouts<'_>>,
        region: Option<String>,
        aliases: Vec<Bound<'_, PyAny>>,
        additional_secret_outputs: Vec<String>,
        source_position: Option<String>,
    ) -> PyResult<Self> {
        let custom_timeouts = match custom_timeouts {
            Some((create, update, delete)) => Some(CustomTimeouts {
                create: duration("create", create.as_ref())?,
                update: duration("update", update.as_ref())?,
                delete: duration("delete", delete.as_ref())?,
            }),
            None => None,
        };
        Ok(PyOptions {
            inner: ResourceOptions {
                parent: parent.map(|parent| parent.get().inner.clone()),
                depends_on: depends_on.iter().map(|resource| resource.get().inner.clone()).collect(),
                protect,
                ignore_changes,
                replace_on_changes,
                delete_before_replace,
                retain_on_delete,
                import: import_id,
                custom_timeouts,
                region,
                aliases: aliases.iter().map(alias).collect::<PyResult<_>>()?,
                additional_secret_outputs,
                source_position,
            },
        })
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.inner)
    }
}

/// A local file the engine uploads (its path and content hash are the core's).
#[pyclass(frozen, name = "FileAsset", module = "engine_sdk._native")]
pub struct PyFileAsset {
    pub(crate) path: PathBuf,
}

#[pymethods]
impl PyFileAsset {
    #[new]
    fn new(path: PathBuf) -> Self {
        PyFileAsset { path }
    }

    /// The path as given (relative paths are resolved against the working folder).
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    fn __repr__(&self) -> String {
        format!("FileAsset({:?})", self.path.display().to_string())
    }
}

/// A local folder the engine uploads as one archive.
#[pyclass(frozen, name = "FileArchive", module = "engine_sdk._native")]
pub struct PyFileArchive {
    pub(crate) path: PathBuf,
}

#[pymethods]
impl PyFileArchive {
    #[new]
    fn new(path: PathBuf) -> Self {
        PyFileArchive { path }
    }

    /// The path as given (relative paths are resolved against the working folder).
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    fn __repr__(&self) -> String {
        format!("FileArchive({:?})", self.path.display().to_string())
    }
}
