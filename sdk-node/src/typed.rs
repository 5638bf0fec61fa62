//! Typed resources of generated code (`engine/codegen/RUNTIME.md`): shape tables, parsed here
//! once per generated module, rename a resource's arguments from the language's names to the
//! schema's (`bucketName` → `BucketName`, nested objects, arrays and maps of them) and its
//! outputs back, with `engine_codegen::shape`; this module extends those walkers from JSON to the
//! core's dynamic layer, where values may be outputs (renamed when they resolve).

use std::sync::Arc;

use engine_codegen::shape::{FieldShape, RenameError, ShapeTable};
use engine_sdk::proto::v1::TypeMetadata;
use engine_sdk::{DynInput, Error as SdkError};
use napi_derive::napi;
use serde_json::Value;

use crate::error::OrThrow;

/// A generated module's shape table.
#[napi]
pub struct BindingShapeTable {
    pub(crate) table: Arc<ShapeTable>,
}

#[napi]
impl BindingShapeTable {
    #[napi(factory)]
    pub fn parse(text: String) -> napi::Result<Self> {
        let table = ShapeTable::parse(&text)
            .map_err(|error| SdkError::Invalid(format!("a generated module's shape table is invalid: {error}")))
            .or_throw()?;
        Ok(BindingShapeTable { table: Arc::new(table) })
    }

    /// The resource type at `index`.
    #[napi]
    pub fn type_name(&self, index: u32) -> napi::Result<String> {
        Ok(self.resource(index)?.type_name.clone())
    }

    /// The language names of a resource's top-level properties (its output accessors).
    #[napi]
    pub fn property_names(&self, index: u32) -> napi::Result<Vec<String>> {
        let resource = self.resource(index)?;
        Ok(self.table.types.get(resource.properties).map(|object| object.fields.iter().map(|f| f.lang_name.clone()).collect()).unwrap_or_default())
    }
}

impl BindingShapeTable {
    pub(crate) fn resource(&self, index: u32) -> napi::Result<&engine_codegen::shape::ResourceShape> {
        self.table
            .resources
            .get(index as usize)
            .ok_or_else(|| crate::error::to_napi(&SdkError::Invalid(format!("no resource {index} in this shape table"))))
    }

    pub(crate) fn metadata(&self, index: u32) -> napi::Result<TypeMetadata> {
        let resource = self.resource(index)?;
        Ok(TypeMetadata {
            schema_date: self.table.schema_date.clone(),
            primary_identifier: resource.primary_identifier.clone(),
            create_only: resource.create_only.clone(),
            write_only: resource.write_only.clone(),
            read_only: resource.read_only.clone(),
        })
    }

    /// A resource's arguments in schema names.
    pub(crate) fn rename_arguments(&self, index: u32, arguments: DynInput) -> Result<DynInput, SdkError> {
        let object = self.resource(index).map_err(|error| SdkError::Invalid(crate::error::plain_message(&error)))?.properties;
        rename_object(&self.table, object, arguments, "")
    }

    /// An output property by language name: its schema name and the renaming of its value.
    pub(crate) fn output_field(&self, index: u32, lang_name: &str) -> Option<(String, FieldShape)> {
        let resource = self.resource(index).ok()?;
        let field = self.table.types.get(resource.properties)?.by_lang(lang_name)?;
        Some((field.schema_name.clone(), field.shape.clone()))
    }
}

fn join(base: &str, inner: &str) -> String {
    match (base.is_empty(), inner.is_empty()) {
        (true, _) => inner.to_owned(),
        (false, true) => base.to_owned(),
        (false, false) if inner.starts_with('[') => format!("{base}{inner}"),
        (false, false) => format!("{base}.{inner}"),
    }
}

fn rename_error(base: &str, error: RenameError) -> SdkError {
    SdkError::Invalid(match error {
        RenameError::Unknown { path, suggestion } => format!(
            "unknown property {}{}",
            join(base, &path),
            suggestion.map(|s| format!(" (did you mean {s}?)")).unwrap_or_default()
        ),
        RenameError::ReadOnly { path } => {
            format!("property {} is read-only: the cloud sets it, read it from the resource's outputs", join(base, &path))
        }
    })
}

fn rename_object(table: &Arc<ShapeTable>, object: usize, input: DynInput, path: &str) -> Result<DynInput, SdkError> {
    match input {
        DynInput::Value(value) => table.to_schema_names(object, &value).map(DynInput::Value).map_err(|e| rename_error(path, e)),
        DynInput::Output(output) => {
            let table = Arc::clone(table);
            let base = path.to_owned();
            Ok(DynInput::Output(output.try_map(move |value| table.to_schema_names(object, &value).map_err(|e| rename_error(&base, e)))))
        }
        DynInput::Object(entries) => {
            let Some(shape) = table.types.get(object) else { return Ok(DynInput::Object(entries)) };
            let mut renamed = Vec::with_capacity(entries.len());
            for (key, value) in entries {
                let here = join(path, &key);
                let Some(field) = shape.by_lang(&key) else {
                    return Err(rename_error("", RenameError::Unknown { path: here, suggestion: shape.suggest(&key).map(str::to_owned) }));
                };
                if matches!(value, DynInput::Value(Value::Null)) {
                    continue;
                }
                if field.read_only {
                    return Err(rename_error("", RenameError::ReadOnly { path: here }));
                }
                renamed.push((field.schema_name.clone(), rename_value(table, &field.shape, value, &here)?));
            }
            Ok(DynInput::Object(renamed))
        }
        other @ DynInput::Array(_) => Ok(other),
    }
}

fn rename_value(table: &Arc<ShapeTable>, shape: &FieldShape, input: DynInput, path: &str) -> Result<DynInput, SdkError> {
    match (shape, input) {
        (FieldShape::Plain, input) => Ok(input),
        (_, DynInput::Value(value)) => table.rename_input(shape, &value).map(DynInput::Value).map_err(|e| rename_error(path, e)),
        (_, DynInput::Output(output)) => {
            let table = Arc::clone(table);
            let shape = shape.clone();
            let base = path.to_owned();
            Ok(DynInput::Output(output.try_map(move |value| table.rename_input(&shape, &value).map_err(|e| rename_error(&base, e)))))
        }
        (FieldShape::Object(index), input @ DynInput::Object(_)) => rename_object(table, *index, input, path),
        (FieldShape::Array(inner), DynInput::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| rename_value(table, inner, item, &format!("{path}[{i}]")))
            .collect::<Result<Vec<_>, _>>()
            .map(DynInput::Array),
        (FieldShape::Map(inner), DynInput::Object(entries)) => entries
            .into_iter()
            .map(|(key, item)| {
                let here = format!("{path}[{key:?}]");
                rename_value(table, inner, item, &here).map(|renamed| (key, renamed))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(DynInput::Object),
        (_, other) => Ok(other),
    }
}
