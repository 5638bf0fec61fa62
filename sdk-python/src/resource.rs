//! Resource handles, resource options and assets: conversions only; registration, URNs,
//! parenting, protection inheritance and dependency tracking are the core's.

use std::path::PathBuf;
use std::time::Duration;

use engine_sdk::{Alias, AliasParent, Component, CustomTimeouts, Resource, ResourceKind, ResourceOptions};
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
        match self.inner.kind() {
            ResourceKind::Custom => "custom",
            ResourceKind::Component => "component",
            ResourceKind::RemoteComponent => "remote_component",
            ResourceKind::Read => "read",
            ResourceKind::Root => "root",
        }
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

fn duration(what: &str, seconds: Option<f64>) -> PyResult<Option<Duration>> {
    seconds
        .map(|seconds| {
            Duration::try_from_secs_f64(seconds)
                .map_err(|_| PyValueError::new_err(format!("custom_timeouts.{what}: {seconds} is not a valid number of seconds")))
        })
        .transpose()
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
    let parent = if no_parent {
        AliasParent::NoParent
    } else {
        match spec.get_item("parent")? {
            Some(item) if !item.is_none() => match item.cast::<PyResource>() {
                Ok(resource) => AliasParent::Urn(resource.get().inner.urn_str().to_owned()),
                Err(_) => AliasParent::Urn(item.extract()?),
            },
            _ => AliasParent::Current,
        }
    };
    Ok(Alias::Spec {
        name: text("name")?,
        resource_type: text("type")?,
        stack: text("stack")?,
        project: text("project")?,
        parent,
    })
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
        custom_timeouts: Option<(Option<f64>, Option<f64>, Option<f64>)>,
        region: Option<String>,
        aliases: Vec<Bound<'_, PyAny>>,
        additional_secret_outputs: Vec<String>,
        source_position: Option<String>,
    ) -> PyResult<Self> {
        let custom_timeouts = match custom_timeouts {
            Some((create, update, delete)) => Some(CustomTimeouts {
                create: duration("create", create)?,
                update: duration("update", update)?,
                delete: duration("delete", delete)?,
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
