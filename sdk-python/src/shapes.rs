//! Generated typed resources (`engine_sdk.aws.*`): their shape tables (`engine_codegen::shape`),
//! parsed once per module, rename properties between Python names (`bucket_name`) and the
//! schema's (`BucketName`) and carry each type's `TypeMetadata`. The renaming rules are the
//! table's (`engine/codegen/RUNTIME.md`); this file applies them to the dynamic layer, where an
//! output may stand anywhere in the properties (renamed when it resolves).

use std::sync::{Arc, OnceLock};

use engine_codegen::shape::{FieldShape, RenameError, ShapeTable};
use engine_sdk::proto::v1::TypeMetadata;
use engine_sdk::{DynInput, Error, Output};
use pyo3::exceptions::{PyAttributeError, PyValueError};
use pyo3::prelude::*;
use serde_json::Value;

use crate::output::PyOutput;
use crate::resource::PyResource;

/// The shape table of one generated module (parsed on first use).
#[pyclass(frozen, name = "ShapeTable", module = "engine_sdk._native")]
pub struct PyShapeTable {
    text: String,
    parsed: OnceLock<Result<Arc<ShapeTable>, String>>,
}

#[pymethods]
impl PyShapeTable {
    #[new]
    fn new(text: String) -> Self {
        PyShapeTable { text, parsed: OnceLock::new() }
    }

    /// The type name of resource `index`.
    fn type_name(&self, index: usize) -> PyResult<String> {
        Ok(self.resource(index)?.0.resources[index].type_name.clone())
    }
}

/// What a generated class registers: its table, type and metadata.
pub(crate) struct Typed {
    pub(crate) table: Arc<ShapeTable>,
    pub(crate) index: usize,
}

impl PyShapeTable {
    pub(crate) fn table(&self) -> PyResult<Arc<ShapeTable>> {
        self.parsed
            .get_or_init(|| ShapeTable::parse(&self.text).map(Arc::new).map_err(|error| error.to_string()))
            .clone()
            .map_err(|error| PyValueError::new_err(format!("a generated module's shape table is invalid: {error}")))
    }

    pub(crate) fn resource(&self, index: usize) -> PyResult<(Arc<ShapeTable>, usize)> {
        let table = self.table()?;
        if index >= table.resources.len() {
            return Err(PyValueError::new_err(format!("resource {index} is not in this shape table")));
        }
        Ok((table, index))
    }
}

impl Typed {
    pub(crate) fn type_name(&self) -> &str {
        &self.table.resources[self.index].type_name
    }

    pub(crate) fn metadata(&self) -> TypeMetadata {
        let resource = &self.table.resources[self.index];
        TypeMetadata {
            schema_date: self.table.schema_date.clone(),
            primary_identifier: resource.primary_identifier.clone(),
            create_only: resource.create_only.clone(),
            write_only: resource.write_only.clone(),
            read_only: resource.read_only.clone(),
        }
    }

    /// The properties (Python names) renamed to schema names.
    pub(crate) fn rename_properties(&self, properties: DynInput) -> Result<DynInput, String> {
        let object = self.table.resources[self.index].properties;
        rename(&self.table, &FieldShape::Object(object), properties, "").map_err(|error| error.to_string())
    }
}

fn join(path: &str, more: &str) -> String {
    match (path.is_empty(), more.starts_with('[')) {
        (true, _) => more.to_owned(),
        (false, true) => format!("{path}{more}"),
        (false, false) => format!("{path}.{more}"),
    }
}

/// A rename error of a sub-value, with the path to that value in front.
fn prefixed(error: RenameError, path: &str) -> RenameError {
    match error {
        RenameError::Unknown { path: inner, suggestion } => RenameError::Unknown { path: join(path, &inner), suggestion },
        RenameError::ReadOnly { path: inner } => RenameError::ReadOnly { path: join(path, &inner) },
    }
}

fn rename(table: &Arc<ShapeTable>, shape: &FieldShape, input: DynInput, path: &str) -> Result<DynInput, RenameError> {
    match (shape, input) {
        (FieldShape::Plain, input) => Ok(input),
        (shape, DynInput::Value(value)) => {
            table.rename_input(shape, &value).map(DynInput::Value).map_err(|error| prefixed(error, path))
        }
        (shape, DynInput::Output(output)) => {
            // Renamed once known, with the same rules (a failure fails the registration with
            // the property's path).
            let table = Arc::clone(table);
            let shape = shape.clone();
            let path = path.to_owned();
            // `flat_map` (not `try_map`): the failure reaches the program's report through the
            // registration, which names the resource.
            Ok(DynInput::Output(output.flat_map(move |value| match table.rename_input(&shape, &value) {
                Ok(renamed) => Output::new(renamed),
                Err(error) => Output::error(Error::Invalid(prefixed(error, &path).to_string())),
            })))
        }
        (FieldShape::Object(index), DynInput::Object(entries)) => {
            let Some(object) = table.types.get(*index) else { return Ok(DynInput::Object(entries)) };
            let mut renamed = Vec::with_capacity(entries.len());
            for (key, item) in entries {
                let at = join(path, &key);
                let Some(field) = object.by_lang(&key) else {
                    return Err(RenameError::Unknown { path: at, suggestion: object.suggest(&key).map(str::to_owned) });
                };
                if matches!(item, DynInput::Value(Value::Null)) {
                    continue;
                }
                if field.read_only {
                    return Err(RenameError::ReadOnly { path: at });
                }
                renamed.push((field.schema_name.clone(), rename(table, &field.shape, item, &at)?));
            }
            Ok(DynInput::Object(renamed))
        }
        (FieldShape::Array(inner), DynInput::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(position, item)| rename(table, inner, item, &format!("{path}[{position}]")))
            .collect::<Result<Vec<_>, _>>()
            .map(DynInput::Array),
        (FieldShape::Map(inner), DynInput::Object(entries)) => entries
            .into_iter()
            .map(|(key, item)| {
                let at = format!("{path}[{key:?}]");
                rename(table, inner, item, &at).map(|item| (key, item))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(DynInput::Object),
        // Another kind of value than the shape expects: the engine's validation reports it.
        (_, other) => Ok(other),
    }
}

/// `resource.<python name>` of a generated resource: the property's output, its value renamed
/// to Python names.
#[pyfunction]
pub(crate) fn typed_output(table: &Bound<'_, PyShapeTable>, index: usize, resource: &Bound<'_, PyResource>, name: &str) -> PyResult<PyOutput> {
    let (table, index) = table.get().resource(index)?;
    let shape = &table.resources[index];
    let object = &table.types[shape.properties];
    let Some(field) = object.by_lang(name) else {
        let hint = object.suggest(name).map(|s| format!(" (did you mean {s}?)")).unwrap_or_default();
        return Err(PyAttributeError::new_err(format!("{} has no property {name:?}{hint}", shape.type_name)));
    };
    let field_shape = field.shape.clone();
    let output = resource.get().inner.output_value(&field.schema_name);
    let output = match field_shape {
        FieldShape::Plain => output,
        shape => {
            let table = Arc::clone(&table);
            output.map(move |value| table.rename_output(&shape, &value))
        }
    };
    Ok(PyOutput::new(output))
}
