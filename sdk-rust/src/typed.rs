//! Typed resources of generated Python and TypeScript code: the one implementation of the
//! renaming rules.
//!
//! A generated module embeds a *shape table* (format: the `engine-shape` crate, re-exported
//! here) describing its types: each property's schema name (`BucketName`) and language name
//! (`bucket_name` in Python, `bucketName` in TypeScript), nested objects, arrays and maps, and
//! read-only properties. A binding parses a module's table once ([`Shapes::parse`]), picks a
//! resource type ([`Shapes::resource`]) and registers with [`Context::register_shaped`]; outputs
//! are read back in language names with [`ShapedResource::output`]. Nothing about names is
//! written in Python or TypeScript, nor in the bindings.
//!
//! # The rules
//!
//! **Inputs** (language → schema names, [`Shapes::rename_input`]):
//! - every key at an object position must be a language name of that object type, else
//!   `unknown property tags[0].valu (did you mean value?)`;
//! - a read-only property is refused (`property arn is read-only: ...`);
//! - a `null` (Python `None`, JavaScript `undefined`/`null`) means unset: dropped, after its name
//!   is checked;
//! - arrays and maps recurse with their item shape; map keys are kept as written; so is every
//!   value of a plain shape (scalars, enums, JSON documents);
//! - a value of another kind than the shape expects (a string where an object is expected) is
//!   passed through, for the engine's schema validation to report with its path;
//! - `__engine` markers are kept (resource references, assets); a secret's inner value is renamed;
//! - an *output* at an object position (a value known later) is renamed when it resolves, with
//!   the same rules; a mistake then fails the resource's registration, naming the property.
//!
//! Paths are written in language names: `tags[0].value`, `rules["My-Key"][0].key`.
//!
//! **Outputs** (schema → language names, [`Shapes::rename_output`]): keys the table knows are
//! renamed recursively; keys it does not know are kept (the cloud may return more than the schema
//! lists); map keys and plain values are kept.

use std::fmt::Write as _;
use std::sync::Arc;

use engine_proto::v1::TypeMetadata;
use engine_proto::value::{self as wire, Special};
pub use engine_shape::{FORMAT_VERSION, Field, FieldShape, ObjectShape, ResourceShape, ShapeTable, ShapeTableError};
use serde_json::{Map, Value};

use crate::context::Context;
use crate::input::DynInput;
use crate::output::Output;
use crate::resource::{RegisterKind, Resource, ResourceOptions, ResourceSpec};
use crate::{Error, Result};

/// Why properties could not be renamed to schema names. Its message is the one every language
/// shows (after the resource: `AWS::S3::Bucket "a": unknown property tags[0].valu (did you mean
/// value?)`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenameError {
    /// A name that is not a property of the object type at `path`.
    #[error("unknown property {path}{}", hint(.suggestion))]
    Unknown { path: String, suggestion: Option<String> },
    /// A property only the cloud sets.
    #[error("property {path} is read-only: the cloud sets it, read it from the resource's outputs")]
    ReadOnly { path: String },
}

fn hint(suggestion: &Option<String>) -> String {
    suggestion.as_ref().map(|s| format!(" (did you mean {s}?)")).unwrap_or_default()
}

impl From<RenameError> for Error {
    fn from(error: RenameError) -> Self {
        Error::Invalid(error.to_string())
    }
}

/// A generated module's shape table, parsed once and shared (cheap to clone).
#[derive(Debug, Clone)]
pub struct Shapes {
    table: Arc<ShapeTable>,
}

/// One resource type of a [`Shapes`] table: what a generated class registers.
#[derive(Debug, Clone)]
pub struct ShapedResource {
    shapes: Shapes,
    index: usize,
}

impl Shapes {
    /// Parse a module's table (its text form, as generated code embeds it).
    ///
    /// # Errors
    /// `Error::Invalid` naming what is wrong (a table of another format version says to
    /// regenerate the SDK).
    pub fn parse(text: &str) -> Result<Shapes> {
        ShapeTable::parse(text)
            .map(Shapes::new)
            .map_err(|error| Error::Invalid(format!("a generated module's shape table is invalid: {error}")))
    }

    /// Shapes of a table built in code.
    #[must_use]
    pub fn new(table: ShapeTable) -> Shapes {
        Shapes { table: Arc::new(table) }
    }

    /// The table.
    #[must_use]
    pub fn table(&self) -> &ShapeTable {
        &self.table
    }

    /// Resource type `index` of the table (generated code passes its index).
    ///
    /// # Errors
    /// `Error::Invalid` for an index the table does not have.
    pub fn resource(&self, index: usize) -> Result<ShapedResource> {
        match self.table.resources.get(index) {
            Some(_) => Ok(ShapedResource { shapes: self.clone(), index }),
            None => Err(Error::Invalid(format!(
                "resource {index} is not in this shape table ({} resources): regenerate the SDK",
                self.table.resources.len()
            ))),
        }
    }

    /// A resource type by name.
    #[must_use]
    pub fn resource_named(&self, type_name: &str) -> Option<ShapedResource> {
        let index = self.table.resources.iter().position(|r| r.type_name == type_name)?;
        Some(ShapedResource { shapes: self.clone(), index })
    }

    /// Rename an input of `shape` from language names to schema names (the rules of the module
    /// documentation). Outputs inside are renamed when they resolve.
    ///
    /// # Errors
    /// The first unknown or read-only name, with its path.
    pub fn rename_input(&self, shape: &FieldShape, input: DynInput) -> std::result::Result<DynInput, RenameError> {
        self.input(shape, input, &mut String::new())
    }

    /// [`Shapes::rename_input`] of a plain JSON value.
    ///
    /// # Errors
    /// The first unknown or read-only name, with its path.
    pub fn rename_json_input(&self, shape: &FieldShape, value: Value) -> std::result::Result<Value, RenameError> {
        self.json_input(shape, value, &mut String::new())
    }

    /// Rename an output value of `shape` from schema names to language names.
    #[must_use]
    pub fn rename_output(&self, shape: &FieldShape, value: &Value) -> Value {
        self.output_value(shape, value)
    }

    // -- inputs ---------------------------------------------------------------------------------

    /// The dynamic layer: objects and arrays whose leaves may be outputs.
    fn input(&self, shape: &FieldShape, input: DynInput, path: &mut String) -> std::result::Result<DynInput, RenameError> {
        if *shape == FieldShape::Plain {
            return Ok(input);
        }
        match input {
            DynInput::Value(value) => self.json_input(shape, value, path).map(DynInput::Value),
            DynInput::Output(output) => Ok(DynInput::Output(self.deferred(shape, &output, path))),
            DynInput::Object(entries) => match shape {
                FieldShape::Object(index) => {
                    self.object_entries(*index, entries, path, |input| matches!(input, DynInput::Value(Value::Null)), Self::input)
                        .map(object)
                }
                FieldShape::Map(inner) => self.map_entries(inner, entries, path, Self::input).map(object),
                _ => Ok(DynInput::Object(entries)),
            },
            DynInput::Array(items) => match shape {
                FieldShape::Array(inner) => self.array_items(inner, items, path, Self::input).map(array),
                _ => Ok(DynInput::Array(items)),
            },
        }
    }

    /// Plain JSON (with `__engine` markers, possibly).
    fn json_input(&self, shape: &FieldShape, value: Value, path: &mut String) -> std::result::Result<Value, RenameError> {
        if *shape == FieldShape::Plain {
            return Ok(value);
        }
        match wire::classify(&value) {
            Some(Special::Secret(inner)) => {
                let inner = inner.clone();
                return self.json_input(shape, inner, path).map(wire::secret);
            }
            Some(_) => return Ok(value),
            None => {}
        }
        match (shape, value) {
            (FieldShape::Object(index), Value::Object(map)) => {
                self.object_entries(*index, map, path, Value::is_null, Self::json_input).map(|e| Value::Object(e.into_iter().collect()))
            }
            (FieldShape::Map(inner), Value::Object(map)) => {
                self.map_entries(inner, map, path, Self::json_input).map(|e| Value::Object(e.into_iter().collect()))
            }
            (FieldShape::Array(inner), Value::Array(items)) => self.array_items(inner, items, path, Self::json_input).map(Value::Array),
            (_, other) => Ok(other),
        }
    }

    /// An output at a position the table describes: renamed once it resolves. A mistake fails
    /// the output (hence the registration using it, which names the resource and property).
    fn deferred(&self, shape: &FieldShape, output: &Output<Value>, path: &str) -> Output<Value> {
        let shapes = self.clone();
        let shape = shape.clone();
        let path = path.to_owned();
        output.flat_map(move |value| {
            let mut at = path;
            match shapes.json_input(&shape, value, &mut at) {
                Ok(renamed) => Output::new(renamed),
                Err(error) => Output::error(error.into()),
            }
        })
    }

    /// The rule of one object: every key a language name of type `index`; `null` is unset
    /// (dropped once its name is checked); read-only fields refused; values renamed with their
    /// field's shape by `walk`.
    fn object_entries<T>(
        &self,
        index: usize,
        entries: impl IntoIterator<Item = (String, T)>,
        path: &mut String,
        is_null: impl Fn(&T) -> bool,
        walk: impl Fn(&Self, &FieldShape, T, &mut String) -> std::result::Result<T, RenameError>,
    ) -> std::result::Result<Vec<(String, T)>, RenameError> {
        let entries = entries.into_iter();
        let Some(object) = self.table.types.get(index) else { return Ok(entries.collect()) };
        let mut renamed = Vec::with_capacity(entries.size_hint().0);
        for (key, item) in entries {
            let saved = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&key);
            let Some(field) = object.by_lang(&key) else {
                return Err(RenameError::Unknown { path: path.clone(), suggestion: object.suggest(&key).map(str::to_owned) });
            };
            if is_null(&item) {
                path.truncate(saved);
                continue;
            }
            if field.read_only {
                return Err(RenameError::ReadOnly { path: path.clone() });
            }
            let item = walk(self, &field.shape, item, path)?;
            path.truncate(saved);
            renamed.push((field.schema_name.clone(), item));
        }
        Ok(renamed)
    }

    /// The rule of a map: keys kept as written, values renamed with the item shape.
    fn map_entries<T>(
        &self,
        inner: &FieldShape,
        entries: impl IntoIterator<Item = (String, T)>,
        path: &mut String,
        walk: impl Fn(&Self, &FieldShape, T, &mut String) -> std::result::Result<T, RenameError>,
    ) -> std::result::Result<Vec<(String, T)>, RenameError> {
        entries
            .into_iter()
            .map(|(key, item)| {
                let saved = path.len();
                let _ = write!(path, "[{key:?}]");
                let item = walk(self, inner, item, path)?;
                path.truncate(saved);
                Ok((key, item))
            })
            .collect()
    }

    /// The rule of an array: items renamed with the item shape.
    fn array_items<T>(
        &self,
        inner: &FieldShape,
        items: impl IntoIterator<Item = T>,
        path: &mut String,
        walk: impl Fn(&Self, &FieldShape, T, &mut String) -> std::result::Result<T, RenameError>,
    ) -> std::result::Result<Vec<T>, RenameError> {
        items
            .into_iter()
            .enumerate()
            .map(|(position, item)| {
                let saved = path.len();
                let _ = write!(path, "[{position}]");
                let item = walk(self, inner, item, path)?;
                path.truncate(saved);
                Ok(item)
            })
            .collect()
    }

    // -- outputs --------------------------------------------------------------------------------

    fn output_value(&self, shape: &FieldShape, value: &Value) -> Value {
        if *shape == FieldShape::Plain {
            return value.clone();
        }
        match wire::classify(value) {
            Some(Special::Secret(inner)) => return wire::secret(self.output_value(shape, inner)),
            Some(_) => return value.clone(),
            None => {}
        }
        match (shape, value) {
            (FieldShape::Object(index), Value::Object(map)) => {
                let Some(object) = self.table.types.get(*index) else { return value.clone() };
                let renamed = map.iter().map(|(key, item)| match object.by_schema(key) {
                    Some(field) => (field.lang_name.clone(), self.output_value(&field.shape, item)),
                    None => (key.clone(), item.clone()),
                });
                Value::Object(renamed.collect::<Map<_, _>>())
            }
            (FieldShape::Map(inner), Value::Object(map)) => {
                Value::Object(map.iter().map(|(key, item)| (key.clone(), self.output_value(inner, item))).collect())
            }
            (FieldShape::Array(inner), Value::Array(items)) => {
                Value::Array(items.iter().map(|item| self.output_value(inner, item)).collect())
            }
            _ => value.clone(),
        }
    }
}

/// An object of inputs: plain JSON when no output is inside.
fn object(entries: Vec<(String, DynInput)>) -> DynInput {
    if entries.iter().all(|(_, item)| matches!(item, DynInput::Value(_))) {
        let map = entries.into_iter().filter_map(|(key, item)| match item {
            DynInput::Value(value) => Some((key, value)),
            _ => None,
        });
        return DynInput::Value(Value::Object(map.collect()));
    }
    DynInput::Object(entries)
}

/// An array of inputs: plain JSON when no output is inside.
fn array(items: Vec<DynInput>) -> DynInput {
    if items.iter().all(|item| matches!(item, DynInput::Value(_))) {
        let values = items.into_iter().filter_map(|item| match item {
            DynInput::Value(value) => Some(value),
            _ => None,
        });
        return DynInput::Value(Value::Array(values.collect()));
    }
    DynInput::Array(items)
}

impl ShapedResource {
    fn entry(&self) -> &ResourceShape {
        // The index was checked when this handle was made and tables are immutable.
        &self.shapes.table.resources[self.index]
    }

    fn object(&self) -> Option<&ObjectShape> {
        self.shapes.table.types.get(self.entry().properties)
    }

    /// The table it comes from.
    #[must_use]
    pub fn shapes(&self) -> &Shapes {
        &self.shapes
    }

    /// `AWS::S3::Bucket`, ...
    #[must_use]
    pub fn type_name(&self) -> &str {
        &self.entry().type_name
    }

    /// The registration's `TypeMetadata` (schema date, identifiers, create-only, write-only and
    /// read-only paths), or `None` when the table has none for this type (as
    /// [`crate::TypeInfo::to_proto`]).
    #[must_use]
    pub fn metadata(&self) -> Option<TypeMetadata> {
        let entry = self.entry();
        let empty = self.shapes.table.schema_date.is_empty()
            && entry.primary_identifier.is_empty()
            && entry.create_only.is_empty()
            && entry.write_only.is_empty()
            && entry.read_only.is_empty();
        (!empty).then(|| TypeMetadata {
            schema_date: self.shapes.table.schema_date.clone(),
            primary_identifier: entry.primary_identifier.clone(),
            create_only: entry.create_only.clone(),
            write_only: entry.write_only.clone(),
            read_only: entry.read_only.clone(),
        })
    }

    /// The language names of its top-level properties (what a generated class exposes as
    /// output accessors).
    #[must_use]
    pub fn property_names(&self) -> Vec<&str> {
        self.object().map(|object| object.fields.iter().map(|field| field.lang_name.as_str()).collect()).unwrap_or_default()
    }

    /// The top-level property with this language name.
    #[must_use]
    pub fn property(&self, lang_name: &str) -> Option<&Field> {
        self.object()?.by_lang(lang_name)
    }

    /// Its properties (language names; `null` or absent: none) in schema names.
    ///
    /// # Errors
    /// The first unknown or read-only name, with its path.
    pub fn to_schema_names(&self, properties: DynInput) -> std::result::Result<DynInput, RenameError> {
        let properties = match properties {
            DynInput::Value(Value::Null) => DynInput::Value(Value::Object(Map::new())),
            other => other,
        };
        self.shapes.rename_input(&FieldShape::Object(self.entry().properties), properties)
    }

    /// All its outputs (schema names) in language names.
    #[must_use]
    pub fn to_lang_names(&self, outputs: &Value) -> Value {
        self.shapes.rename_output(&FieldShape::Object(self.entry().properties), outputs)
    }

    /// The output property with this language name, its value in language names (nested
    /// objects renamed; map keys and JSON documents as they are).
    ///
    /// # Errors
    /// `Error::Invalid` for a name that is not a property of the type, with a suggestion.
    pub fn output(&self, resource: &Resource, lang_name: &str) -> Result<Output<Value>> {
        let Some(field) = self.property(lang_name) else {
            let suggestion = self.object().and_then(|object| object.suggest(lang_name));
            return Err(Error::Invalid(format!("{} has no property {lang_name:?}{}", self.type_name(), hint(&suggestion.map(str::to_owned)))));
        };
        let output = resource.output_value(&field.schema_name);
        Ok(match &field.shape {
            FieldShape::Plain => output,
            shape => {
                let shapes = self.shapes.clone();
                let shape = shape.clone();
                output.map(move |value| shapes.rename_output(&shape, &value))
            }
        })
    }
}

impl Context {
    /// Register a resource of generated code in a language binding: `properties` in the
    /// language's names, renamed by the type's shape table (the rules of [`crate::typed`]); the
    /// registration carries the type's metadata. Returns at once, like [`Context::register_at`].
    ///
    /// # Errors
    /// An unknown or read-only property (`AWS::S3::Bucket "a": unknown property tags[0].valu
    /// (did you mean value?)`), and everything [`Context::register`] refuses.
    pub fn register_shaped(
        &self,
        resource: &ShapedResource,
        name: &str,
        properties: DynInput,
        options: ResourceOptions,
        source_position: String,
    ) -> Result<Resource> {
        let properties = resource.to_schema_names(properties).map_err(|error| Error::Resource {
            urn: String::new(),
            resource_type: resource.type_name().to_owned(),
            name: name.to_owned(),
            source: Box::new(error.into()),
        })?;
        let spec = ResourceSpec {
            resource_type: resource.type_name().to_owned(),
            name: name.to_owned(),
            kind: RegisterKind::Custom,
            properties,
            options,
            type_metadata: resource.metadata(),
        };
        self.register_at(spec, source_position)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field(schema_name: &str, lang_name: &str, shape: FieldShape, read_only: bool) -> Field {
        Field { schema_name: schema_name.into(), lang_name: lang_name.into(), shape, read_only }
    }

    fn array_of(shape: FieldShape) -> FieldShape {
        FieldShape::Array(Box::new(shape))
    }

    /// Type 0: a tag; type 1: a bucket (read-only `arn`, an array of tags, a map of arrays of
    /// tags, a JSON policy, a nested object of type 2); type 2: a configuration holding tags.
    fn shapes() -> Shapes {
        Shapes::new(ShapeTable {
            schema_date: "2026-10-20T22:11:15Z".into(),
            types: vec![
                ObjectShape::new(vec![field("Key", "key", FieldShape::Plain, false), field("Value", "value", FieldShape::Plain, false)]),
                ObjectShape::new(vec![
                    field("Arn", "arn", FieldShape::Plain, true),
                    field("BucketName", "bucket_name", FieldShape::Plain, false),
                    field("Tags", "tags", array_of(FieldShape::Object(0)), false),
                    field("Rules", "rules", FieldShape::Map(Box::new(array_of(FieldShape::Object(0)))), false),
                    field("Policy", "policy", FieldShape::Plain, false),
                    field("Config", "config", FieldShape::Object(2), false),
                ]),
                ObjectShape::new(vec![field("Status", "status", FieldShape::Plain, false), field("TagSets", "tag_sets", array_of(array_of(FieldShape::Object(0))), false)]),
            ],
            resources: vec![ResourceShape {
                type_name: "AWS::S3::Bucket".into(),
                properties: 1,
                primary_identifier: vec!["/properties/BucketName".into()],
                create_only: vec!["/properties/BucketName".into()],
                write_only: vec![],
                read_only: vec!["/properties/Arn".into()],
            }],
        })
    }

    fn bucket() -> ShapedResource {
        shapes().resource(0).unwrap()
    }

    /// The value of a renamed input once every output inside resolved (markers at the leaves).
    fn resolved(input: DynInput) -> std::result::Result<Value, Error> {
        crate::runtime::block_on(input.resolve()).map(|resolved| resolved.value)
    }

    #[test]
    fn plain_json_is_renamed_through_objects_arrays_and_maps() {
        let input = json!({
            "bucket_name": "b",
            "tags": [{"key": "k", "value": {"__engine": "unknown"}}, {"__engine": "secret", "value": {"key": "s", "value": "v"}}],
            "rules": {"My-Key": [{"key": "a", "value": "b"}]},
            "policy": {"Version": "2012-10-17", "statement": []},
            "config": {"status": "on", "tag_sets": [[{"key": "x", "value": "y"}]]},
        });
        let renamed = bucket().to_schema_names(DynInput::Value(input)).unwrap();
        let DynInput::Value(renamed) = renamed else { panic!("plain JSON stays plain: {renamed:?}") };
        assert_eq!(
            renamed,
            json!({
                "BucketName": "b",
                "Tags": [{"Key": "k", "Value": {"__engine": "unknown"}}, {"__engine": "secret", "value": {"Key": "s", "Value": "v"}}],
                "Rules": {"My-Key": [{"Key": "a", "Value": "b"}]},
                "Policy": {"Version": "2012-10-17", "statement": []},
                "Config": {"Status": "on", "TagSets": [[{"Key": "x", "Value": "y"}]]},
            })
        );
    }

    #[test]
    fn the_dynamic_layer_is_renamed_and_outputs_are_renamed_when_they_resolve() {
        let tag = Output::new(json!({"key": "from", "value": "output"}));
        let input = DynInput::object([
            ("bucket_name", DynInput::Output(Output::new(json!("later")))),
            ("tags", DynInput::Array(vec![DynInput::Value(json!({"key": "k", "value": "v"})), DynInput::Output(tag)])),
            (
                "rules",
                DynInput::object([("r1", DynInput::Array(vec![DynInput::object([("key", DynInput::Output(Output::secret(json!("s"))))])]))]),
            ),
            ("config", DynInput::Output(Output::new(json!({"tag_sets": [[{"key": "deep", "value": "x"}]]})))),
            ("policy", DynInput::Value(Value::Null)),
        ]);
        let renamed = bucket().to_schema_names(input).unwrap();
        assert!(matches!(&renamed, DynInput::Object(entries) if entries.len() == 4), "outputs stay in place, null dropped: {renamed:?}");
        assert_eq!(
            resolved(renamed).unwrap(),
            json!({
                "BucketName": "later",
                "Tags": [{"Key": "k", "Value": "v"}, {"Key": "from", "Value": "output"}],
                "Rules": {"r1": [{"Key": {"__engine": "secret", "value": "s"}}]},
                "Config": {"TagSets": [[{"Key": "deep", "Value": "x"}]]},
            })
        );
    }

    #[test]
    fn mistakes_name_their_path_with_a_suggestion() {
        let error = |input: Value| bucket().to_schema_names(DynInput::Value(input)).unwrap_err().to_string();
        assert_eq!(error(json!({"tags": [{"key": "k"}, {"key": "k", "valu": "v"}]})), "unknown property tags[1].valu (did you mean value?)");
        assert_eq!(error(json!({"BucketName": "x"})), "unknown property BucketName (did you mean bucket_name?)");
        assert_eq!(error(json!({"rules": {"My-Key": [{"kee": "a"}]}})), r#"unknown property rules["My-Key"][0].kee (did you mean key?)"#);
        assert_eq!(error(json!({"config": {"tag_sets": [[], [{"vaule": 1}]]}})), "unknown property config.tag_sets[1][0].vaule (did you mean value?)");
        assert_eq!(error(json!({"zzzzzzzz": 1})), "unknown property zzzzzzzz");
        // Unset values are still checked.
        assert_eq!(error(json!({"bucket_nam": null})), "unknown property bucket_nam (did you mean bucket_name?)");
        assert_eq!(error(json!({"arn": "x"})), "property arn is read-only: the cloud sets it, read it from the resource's outputs");
        // In the dynamic layer too.
        let dynamic = DynInput::object([("tags", DynInput::Array(vec![DynInput::object([("valu", DynInput::Output(Output::new(json!(1))))])]))]);
        assert_eq!(
            bucket().to_schema_names(dynamic).unwrap_err(),
            RenameError::Unknown { path: "tags[0].valu".into(), suggestion: Some("value".into()) }
        );
    }

    #[test]
    fn an_output_that_resolves_to_a_mistake_fails_with_the_full_path() {
        let input = DynInput::object([("config", DynInput::Output(Output::new(json!({"statuss": "Enabled"}))))]);
        let renamed = bucket().to_schema_names(input).unwrap();
        let error = resolved(renamed).unwrap_err();
        assert_eq!(error.to_string(), "property Config: unknown property config.statuss (did you mean status?)");
        assert_eq!(error.kind(), "invalid");
    }

    #[test]
    fn unknowns_and_secrets_of_outputs_survive_renaming() {
        let input = DynInput::object([
            ("config", DynInput::Output(Output::unknown())),
            ("tags", DynInput::Output(Output::secret(json!([{"key": "k", "value": "v"}])))),
        ]);
        let renamed = resolved(bucket().to_schema_names(input).unwrap()).unwrap();
        assert_eq!(renamed, json!({"Config": {"__engine": "unknown"}, "Tags": {"__engine": "secret", "value": [{"Key": "k", "Value": "v"}]}}));
    }

    #[test]
    fn values_of_another_kind_and_markers_pass_through() {
        let reference = wire::resource_ref("urn:engine:dev::p::AWS::S3::Bucket::b", "b-1");
        let input = json!({"tags": "not-a-list", "config": reference.clone(), "rules": [1], "bucket_name": {"any": "thing"}});
        let DynInput::Value(renamed) = bucket().to_schema_names(DynInput::Value(input)).unwrap() else { panic!("plain") };
        assert_eq!(renamed, json!({"Tags": "not-a-list", "Config": reference, "Rules": [1], "BucketName": {"any": "thing"}}));
        // No properties at all.
        let DynInput::Value(empty) = bucket().to_schema_names(DynInput::Value(Value::Null)).unwrap() else { panic!("plain") };
        assert_eq!(empty, json!({}));
    }

    #[test]
    fn outputs_are_renamed_back_keeping_unknown_keys_and_map_keys() {
        let outputs = json!({
            "Arn": "arn:x",
            "Tags": [{"Key": "k", "Value": "v", "Extra": 1}],
            "Rules": {"My-Key": [{"Key": "a"}]},
            "Policy": {"Statement": []},
            "Config": {"__engine": "secret", "value": {"Status": "on"}},
            "NewInTheCloud": {"Nested": true},
        });
        assert_eq!(
            bucket().to_lang_names(&outputs),
            json!({
                "arn": "arn:x",
                "tags": [{"key": "k", "value": "v", "Extra": 1}],
                "rules": {"My-Key": [{"key": "a"}]},
                "policy": {"Statement": []},
                "config": {"__engine": "secret", "value": {"status": "on"}},
                "NewInTheCloud": {"Nested": true},
            })
        );
    }

    #[test]
    fn resource_handles_carry_the_metadata_and_names() {
        let bucket = bucket();
        assert_eq!(bucket.type_name(), "AWS::S3::Bucket");
        assert_eq!(bucket.property_names(), ["arn", "bucket_name", "tags", "rules", "policy", "config"]);
        assert_eq!(bucket.property("tags").map(|f| f.schema_name.as_str()), Some("Tags"));
        let metadata = bucket.metadata().unwrap();
        assert_eq!(metadata.schema_date, "2026-10-20T22:11:15Z");
        assert_eq!(metadata.read_only, ["/properties/Arn"]);
        assert!(shapes().resource(1).unwrap_err().to_string().contains("resource 1 is not in this shape table"));
        assert_eq!(shapes().resource_named("AWS::S3::Bucket").map(|r| r.index), Some(0));
        let text = shapes().table().to_text();
        assert_eq!(Shapes::parse(&text).unwrap().table(), shapes().table());
        assert!(Shapes::parse("{}").unwrap_err().to_string().starts_with("a generated module's shape table is invalid"));
        // No metadata at all: none sent (built-in types).
        let bare = Shapes::new(ShapeTable {
            schema_date: String::new(),
            types: vec![ObjectShape::default()],
            resources: vec![ResourceShape {
                type_name: "Engine::Random::String".into(),
                properties: 0,
                primary_identifier: vec![],
                create_only: vec![],
                write_only: vec![],
                read_only: vec![],
            }],
        });
        assert_eq!(bare.resource(0).unwrap().metadata(), None);
    }
}
