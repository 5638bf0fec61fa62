//! The program's connection to the engine (`Context`) and its configuration (`Config`).

use engine_sdk::proto::v1::TypeMetadata;
use engine_sdk::random::{Naming, RandomKind};
use engine_sdk::{Config, ConnectOptions, Context, Error, Input, RegisterKind, ResourceOptions, ResourceSpec, Severity};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde_json::Value;

use crate::convert::{to_dyn, to_py};
use crate::errors::{PyCoreError, py_err};
use crate::output::PyOutput;
use crate::resource::{PyOptions, PyResource};
use crate::shapes::PyShapeTable;

/// `TypeMetadata` from Python: `(schema_date, primary_identifier, create_only, write_only,
/// read_only)`.
type MetadataTuple = (String, Vec<String>, Vec<String>, Vec<String>, Vec<String>);

/// The SDK's name in the handshake.
const SDK_NAME: &str = "engine-sdk-python";

/// A program's connection to one engine run.
#[pyclass(frozen, name = "Context", module = "engine_sdk._native")]
pub struct PyContext {
    inner: Context,
}

fn options(options: Option<&Bound<'_, PyOptions>>) -> ResourceOptions {
    options.map(|options| options.get().inner.clone()).unwrap_or_default()
}

fn describe(resource_type: &str, name: &str) -> String {
    format!("{resource_type} \"{name}\": ")
}

#[pymethods]
impl PyContext {
    /// Connect with `ENGINE_MONITOR_ADDRESS` / `ENGINE_MONITOR_TOKEN` (GIL released) and make
    /// this the process's current program.
    #[staticmethod]
    fn connect_from_env(py: Python<'_>, sdk_version: String) -> PyResult<Self> {
        let ctx = crate::block_on(py, async move {
            let options = ConnectOptions::from_env()?.sdk(SDK_NAME, sdk_version);
            Context::connect(options).await
        })
        .map_err(py_err)?;
        ctx.make_current();
        Ok(PyContext { inner: ctx })
    }

    #[getter]
    fn project(&self) -> &str {
        self.inner.project()
    }

    #[getter]
    fn stack(&self) -> &str {
        self.inner.stack()
    }

    #[getter]
    fn dry_run(&self) -> bool {
        self.inner.is_dry_run()
    }

    /// The stack's default region.
    #[getter]
    fn stack_region(&self) -> &str {
        self.inner.region()
    }

    #[getter]
    fn cloud(&self) -> &str {
        &self.inner.deployment_info().cloud
    }

    #[getter]
    fn root_urn(&self) -> &str {
        &self.inner.deployment_info().root_urn
    }

    #[getter]
    fn parallel(&self) -> u32 {
        self.inner.deployment_info().parallel
    }

    #[getter]
    fn engine_version(&self) -> &str {
        &self.inner.deployment_info().engine_version
    }

    /// Register a custom resource (`package` set: a component implemented by that plugin
    /// package). Returns at once.
    #[pyo3(signature = (resource_type, name, properties, options, source_position, type_metadata=None, package=None))]
    #[expect(clippy::too_many_arguments, reason = "one argument per part of a registration")]
    fn register(
        &self,
        resource_type: String,
        name: String,
        properties: &Bound<'_, PyAny>,
        options: Option<&Bound<'_, PyOptions>>,
        source_position: String,
        type_metadata: Option<MetadataTuple>,
        package: Option<String>,
    ) -> PyResult<PyResource> {
        let properties = to_dyn(properties, &describe(&resource_type, &name))?;
        let kind = match package {
            Some(package) => RegisterKind::RemoteComponent { package },
            None => RegisterKind::Custom,
        };
        let spec = ResourceSpec {
            resource_type,
            name,
            kind,
            properties,
            options: self::options(options),
            type_metadata: type_metadata.map(|(schema_date, primary_identifier, create_only, write_only, read_only)| {
                TypeMetadata { schema_date, primary_identifier, create_only, write_only, read_only }
            }),
        };
        let resource = self.inner.register_at(spec, source_position).map_err(py_err)?;
        Ok(PyResource { inner: resource, component: None })
    }

    /// Register a generated typed resource: `properties` has Python names, renamed by the core
    /// with the type's shape table (an unknown or read-only name raises `InvalidError` naming the
    /// resource and the property path); the table also gives the type and its metadata.
    fn register_typed(
        &self,
        table: &Bound<'_, PyShapeTable>,
        index: usize,
        name: String,
        properties: &Bound<'_, PyAny>,
        options: Option<&Bound<'_, PyOptions>>,
        source_position: String,
    ) -> PyResult<PyResource> {
        let shaped = table.get().resource(index)?;
        let properties = to_dyn(properties, &describe(shaped.type_name(), &name))?;
        let resource =
            self.inner.register_shaped(&shaped, &name, properties, self::options(options), source_position).map_err(py_err)?;
        Ok(PyResource { inner: resource, component: None })
    }

    /// Register a random password (`kind` `password`) or string (`string`): `args` in Python
    /// names (`length`, `override_special`, ...; `None` is unset), renamed by the core.
    fn register_random(
        &self,
        kind: &str,
        name: String,
        args: &Bound<'_, PyAny>,
        options: Option<&Bound<'_, PyOptions>>,
        source_position: String,
    ) -> PyResult<PyResource> {
        let kind: RandomKind = kind.parse().map_err(py_err)?;
        let args = to_dyn(args, &describe(kind.type_name(), &name))?;
        let resource = self
            .inner
            .register_random(kind, Naming::SnakeCase, &name, args, self::options(options), source_position)
            .map_err(py_err)?;
        Ok(PyResource { inner: resource, component: None })
    }

    /// Register a component of this program.
    fn component(
        &self,
        resource_type: &str,
        name: &str,
        options: Option<&Bound<'_, PyOptions>>,
        source_position: String,
    ) -> PyResult<PyResource> {
        let mut options = self::options(options);
        options.source_position.get_or_insert(source_position);
        let component = self.inner.component(resource_type, name, options).map_err(py_err)?;
        Ok(PyResource { inner: component.resource().clone(), component: Some(component) })
    }

    /// Read an existing cloud resource by identifier (a str or an output).
    fn read(
        &self,
        resource_type: &str,
        name: &str,
        id: &Bound<'_, PyAny>,
        options: Option<&Bound<'_, PyOptions>>,
    ) -> PyResult<PyResource> {
        let id: Input<String> = match id.extract::<String>() {
            Ok(id) => Input::Value(id),
            Err(_) => {
                let what = format!("{}id: ", describe(resource_type, name));
                Input::Output(PyOutput::from_dyn(to_dyn(id, &what)?).inner.deserialize::<String>())
            }
        };
        let resource = self.inner.read_resource(resource_type, name, id, self::options(options)).map_err(py_err)?;
        Ok(PyResource { inner: resource, component: None })
    }

    /// Export a stack output (sent when the program ends).
    fn export(&self, name: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let value = to_dyn(value, &format!("stack output \"{name}\": "))?;
        self.inner.export_dyn(name, value);
        Ok(())
    }

    /// Send a log line (`debug`, `info`, `warning` or `error`).
    #[pyo3(signature = (severity, message, resource=None))]
    fn log(&self, severity: &str, message: String, resource: Option<&Bound<'_, PyResource>>) -> PyResult<()> {
        let severity: Severity = severity.parse().map_err(py_err)?;
        match resource {
            Some(resource) => self.inner.log(severity, message, Some(&resource.get().inner)),
            None => self.inner.log(severity, message, None),
        }
        Ok(())
    }

    /// The configuration of a namespace (default: the project's).
    #[pyo3(signature = (namespace=None))]
    fn config(&self, namespace: Option<&str>) -> PyConfig {
        PyConfig {
            inner: match namespace {
                Some(namespace) => self.inner.config_namespace(namespace),
                None => self.inner.config(),
            },
        }
    }

    /// Call a built-in function; arguments may contain outputs; the result is an output.
    #[pyo3(signature = (token, args, region=None))]
    fn invoke(&self, token: &str, args: &Bound<'_, PyAny>, region: Option<&str>) -> PyResult<PyOutput> {
        let args = to_dyn(args, &format!("function {token}: "))?;
        Ok(PyOutput::new(self.inner.invoke_output(token, args, region)))
    }

    /// `{"account_id", "arn", "user_id"}` of the engine's principal (blocking, GIL released).
    fn get_caller_identity<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let ctx = self.inner.clone();
        let identity = crate::block_on(py, async move { ctx.get_caller_identity().await }).map_err(py_err)?;
        let value = serde_json::json!({"account_id": identity.account_id, "arn": identity.arn, "user_id": identity.user_id});
        to_py(py, &value)
    }

    /// The stack's region as the engine resolves it.
    fn get_region(&self, py: Python<'_>) -> PyResult<String> {
        let ctx = self.inner.clone();
        crate::block_on(py, async move { ctx.get_region().await }).map_err(py_err)
    }

    /// `{"names", "zone_ids"}` of a region's availability zones.
    #[pyo3(signature = (region=None))]
    fn get_availability_zones<'py>(&self, py: Python<'py>, region: Option<String>) -> PyResult<Bound<'py, PyAny>> {
        let ctx = self.inner.clone();
        let zones = crate::block_on(py, async move { ctx.get_availability_zones(region.as_deref()).await })
            .map_err(py_err)?;
        to_py(py, &serde_json::json!({"names": zones.names, "zone_ids": zones.zone_ids}))
    }

    /// `{"identifier", "properties"}` of one existing resource.
    #[pyo3(signature = (type_name, identifier, region=None))]
    fn cloudcontrol_get<'py>(
        &self,
        py: Python<'py>,
        type_name: String,
        identifier: String,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ctx = self.inner.clone();
        let found =
            crate::block_on(py, async move { ctx.cloudcontrol_get(&type_name, &identifier, region.as_deref()).await })
                .map_err(py_err)?;
        to_py(py, &serde_json::json!({"identifier": found.identifier, "properties": found.properties}))
    }

    /// The existing resources of a type, as `[{"identifier", "properties"}]`.
    #[pyo3(signature = (type_name, resource_model=None, region=None))]
    fn cloudcontrol_list<'py>(
        &self,
        py: Python<'py>,
        type_name: String,
        resource_model: Option<&Bound<'py, PyAny>>,
        region: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let model = match resource_model {
            Some(model) => match to_dyn(model, "resource_model: ")? {
                engine_sdk::DynInput::Value(value) => Some(value),
                _ => return Err(PyValueError::new_err("resource_model: outputs are not allowed here")),
            },
            None => None,
        };
        let ctx = self.inner.clone();
        let found = crate::block_on(py, async move { ctx.cloudcontrol_list(&type_name, model, region.as_deref()).await })
            .map_err(py_err)?;
        let listed: Vec<Value> = found
            .into_iter()
            .map(|resource| serde_json::json!({"identifier": resource.identifier, "properties": resource.properties}))
            .collect();
        to_py(py, &Value::Array(listed))
    }

    /// The first error recorded so far, as its message.
    fn first_error(&self) -> Option<String> {
        self.inner.first_error().map(|error| error.to_string())
    }

    /// End the program (GIL released): wait for all outstanding work, send the stack outputs and
    /// tell the engine how it ended: `error` is the program's uncaught exception, formatted, or
    /// `core` the SDK error it carried. Raises the program's first error.
    #[pyo3(signature = (error=None, core=None))]
    fn finish(&self, py: Python<'_>, error: Option<String>, core: Option<&Bound<'_, PyCoreError>>) -> PyResult<()> {
        let ctx = self.inner.clone();
        let outcome = match (core, error) {
            (Some(core), _) => Err(core.get().inner.clone()),
            (None, Some(message)) => Err(Error::Other(message)),
            (None, None) => Ok(()),
        };
        crate::block_on(py, async move { ctx.finish(outcome).await }).map_err(py_err)
    }
}

/// Configuration values of one namespace.
#[pyclass(frozen, name = "Config", module = "engine_sdk._native")]
pub struct PyConfig {
    inner: Config,
}

#[pymethods]
impl PyConfig {
    #[getter]
    fn namespace(&self) -> &str {
        self.inner.namespace()
    }

    fn full_key(&self, key: &str) -> String {
        self.inner.full_key(key)
    }

    fn is_secret(&self, key: &str) -> bool {
        self.inner.is_secret(key)
    }

    fn get(&self, key: &str) -> Option<String> {
        self.inner.get(key)
    }

    fn require(&self, key: &str) -> PyResult<String> {
        self.inner.require(key).map_err(py_err)
    }

    fn get_int(&self, key: &str) -> PyResult<Option<i64>> {
        self.inner.get_i64(key).map_err(py_err)
    }

    fn require_int(&self, key: &str) -> PyResult<i64> {
        self.inner.require_i64(key).map_err(py_err)
    }

    fn get_float(&self, key: &str) -> PyResult<Option<f64>> {
        self.inner.get_f64(key).map_err(py_err)
    }

    fn require_float(&self, key: &str) -> PyResult<f64> {
        self.inner.require_f64(key).map_err(py_err)
    }

    fn get_bool(&self, key: &str) -> PyResult<Option<bool>> {
        self.inner.get_bool(key).map_err(py_err)
    }

    fn require_bool(&self, key: &str) -> PyResult<bool> {
        self.inner.require_bool(key).map_err(py_err)
    }

    fn get_object<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
        match self.inner.get_object::<Value>(key).map_err(py_err)? {
            Some(value) => to_py(py, &value),
            None => Ok(py.None().into_bound(py)),
        }
    }

    fn require_object<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.require_object::<Value>(key).map_err(py_err)?)
    }

    fn get_secret(&self, key: &str) -> Option<PyOutput> {
        self.inner.get_secret(key).map(|output| PyOutput::new(output.map(Value::String)))
    }

    fn require_secret(&self, key: &str) -> PyResult<PyOutput> {
        self.inner.require_secret(key).map(|output| PyOutput::new(output.map(Value::String))).map_err(py_err)
    }

    fn require_secret_object(&self, key: &str) -> PyResult<PyOutput> {
        self.inner.require_secret_object::<Value>(key).map(PyOutput::new).map_err(py_err)
    }
}
