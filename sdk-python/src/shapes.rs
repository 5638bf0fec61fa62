//! Generated typed resources (`engine_sdk.aws.*`): a handle on a module's shape table, parsed
//! once by the core (`engine_sdk::typed`), which renames properties between Python names
//! (`bucket_name`) and the schema's (`BucketName`) and carries each type's metadata. Nothing
//! about names is decided here (`engine/codegen/RUNTIME.md`).

use std::sync::OnceLock;

use engine_sdk::Error;
use engine_sdk::typed::{ShapedResource, Shapes};
use pyo3::exceptions::PyAttributeError;
use pyo3::prelude::*;

use crate::errors::py_err;
use crate::output::PyOutput;
use crate::resource::PyResource;

/// The shape table of one generated module (parsed on first use).
#[pyclass(frozen, name = "ShapeTable", module = "engine_sdk._native")]
pub struct PyShapeTable {
    text: String,
    parsed: OnceLock<Result<Shapes, Error>>,
}

#[pymethods]
impl PyShapeTable {
    #[new]
    fn new(text: String) -> Self {
        PyShapeTable { text, parsed: OnceLock::new() }
    }

    /// The type name of resource `index`.
    fn type_name(&self, index: usize) -> PyResult<String> {
        Ok(self.resource(index)?.type_name().to_owned())
    }
}

impl PyShapeTable {
    /// Resource type `index` of the table.
    pub(crate) fn resource(&self, index: usize) -> PyResult<ShapedResource> {
        let shapes = self.parsed.get_or_init(|| Shapes::parse(&self.text)).clone().map_err(py_err)?;
        shapes.resource(index).map_err(py_err)
    }
}

/// `resource.<python name>` of a generated resource: the property's output, its value renamed
/// to Python names by the core; `AttributeError` (with a suggestion) for any other name.
#[pyfunction]
pub(crate) fn typed_output(table: &Bound<'_, PyShapeTable>, index: usize, resource: &Bound<'_, PyResource>, name: &str) -> PyResult<PyOutput> {
    let shaped = table.get().resource(index)?;
    shaped.output(&resource.get().inner, name).map(PyOutput::new).map_err(|error| PyAttributeError::new_err(error.to_string()))
}
