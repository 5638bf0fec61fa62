//! Shape tables: the data that lets the SDK core (Rust) rename properties between a language's
//! casing (`bucket_name`, `bucketName`) and the schema's (`BucketName`), inside nested objects and
//! arrays, and carry each type's metadata. Generated Python and TypeScript modules embed one
//! table per service module as a string; the bindings hand it to the core, which parses it once
//! and applies it. No renaming rule is written in Python or TypeScript.
//!
//! # Text format (version 1)
//!
//! A JSON document:
//!
//! ```json
//! {"v": 1,
//!  "date": "2026-10-20T22:11:15Z",
//!  "types": [
//!    [["Key", "key"], ["Value", "value"]],
//!    [["Arn", "arn", "", "r"], ["BucketName", "bucket_name"], ["Tags", "tags", "a0"]]
//!  ],
//!  "resources": [
//!    ["AWS::S3::Bucket", 1, ["/properties/BucketName"], ["/properties/BucketName"], [], ["/properties/Arn"]]
//!  ]}
//! ```
//!
//! - `types[i]` is an object type: a list of fields `[schema name, language name, shape?, flags?]`.
//!   `shape` is empty (the value is kept as written: scalars, enums, JSON, arrays of those) or
//!   `a`/`m` prefixes followed by an object type index: `"3"` an object of type 3, `"a3"` an
//!   array of them, `"m3"` a map (keys kept as written) of them, `"aa3"` an array of arrays.
//!   `flags` contains `r` for a read-only property (an output only).
//! - `resources[j]` is `[type name, index of its top-level object type, primary identifier,
//!   create-only, write-only, read-only]` with the schema's pointers (`/properties/A/*/B`).
//!
//! The shape does not validate values: a value that is not an object where an object is expected
//! is passed through unchanged, for the engine's schema validation to report with its path.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::Value;

use crate::Error;

/// The version of the text format this crate reads and writes.
pub const FORMAT_VERSION: u64 = 1;

/// How a field's value is walked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldShape {
    /// Kept as written (scalars, enums, JSON, maps and arrays of those).
    Plain,
    /// An object of type `types[i]`.
    Object(usize),
    /// An array whose items have the inner shape.
    Array(Box<FieldShape>),
    /// A map whose values have the inner shape; keys are kept as written.
    Map(Box<FieldShape>),
}

impl FieldShape {
    fn parse(text: &str, types: usize) -> Result<FieldShape, Error> {
        if text.is_empty() {
            return Ok(FieldShape::Plain);
        }
        let digits_at = text.find(|c: char| c.is_ascii_digit()).ok_or_else(|| bad(format!("shape {text:?}")))?;
        let index: usize = text[digits_at..].parse().map_err(|_| bad(format!("shape {text:?}")))?;
        if index >= types {
            return Err(bad(format!("shape {text:?} names type {index} of {types}")));
        }
        let mut shape = FieldShape::Object(index);
        for prefix in text[..digits_at].chars().rev() {
            shape = match prefix {
                'a' => FieldShape::Array(Box::new(shape)),
                'm' => FieldShape::Map(Box::new(shape)),
                other => return Err(bad(format!("shape {text:?}: unexpected {other:?}"))),
            };
        }
        Ok(shape)
    }

    fn write(&self, out: &mut String) {
        match self {
            FieldShape::Plain => {}
            FieldShape::Object(index) => {
                let _ = write!(out, "{index}");
            }
            FieldShape::Array(inner) => {
                out.push('a');
                inner.write(out);
            }
            FieldShape::Map(inner) => {
                out.push('m');
                inner.write(out);
            }
        }
    }
}

/// One property of an object type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub schema_name: String,
    pub lang_name: String,
    pub shape: FieldShape,
    pub read_only: bool,
}

/// An object type: its fields, with look-ups by either name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectShape {
    pub fields: Vec<Field>,
    by_lang: HashMap<String, usize>,
    by_schema: HashMap<String, usize>,
}

impl ObjectShape {
    /// Build from fields (the look-up maps are derived).
    #[must_use]
    pub fn new(fields: Vec<Field>) -> Self {
        let by_lang = fields.iter().enumerate().map(|(i, f)| (f.lang_name.clone(), i)).collect();
        let by_schema = fields.iter().enumerate().map(|(i, f)| (f.schema_name.clone(), i)).collect();
        Self { fields, by_lang, by_schema }
    }

    /// The field a language name designates.
    #[must_use]
    pub fn by_lang(&self, name: &str) -> Option<&Field> {
        self.by_lang.get(name).map(|&i| &self.fields[i])
    }

    /// The field a schema name designates.
    #[must_use]
    pub fn by_schema(&self, name: &str) -> Option<&Field> {
        self.by_schema.get(name).map(|&i| &self.fields[i])
    }

    /// The closest language name (for "did you mean" hints): a field whose schema name or
    /// language name matches ignoring case and separators, else the nearest by edit distance.
    #[must_use]
    pub fn suggest(&self, name: &str) -> Option<&str> {
        let squash = |s: &str| s.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
        let wanted = squash(name);
        if let Some(field) = self.fields.iter().find(|f| squash(&f.lang_name) == wanted || squash(&f.schema_name) == wanted) {
            return Some(&field.lang_name);
        }
        let (best, distance) = self
            .fields
            .iter()
            .map(|f| (f.lang_name.as_str(), edit_distance(&wanted, &squash(&f.lang_name))))
            .min_by_key(|(_, d)| *d)?;
        (distance <= 2.max(name.len() / 4)).then_some(best)
    }
}

/// A resource type's entry: its top-level object and the metadata sent with its registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceShape {
    pub type_name: String,
    /// Index of the object type of its properties.
    pub properties: usize,
    pub primary_identifier: Vec<String>,
    pub create_only: Vec<String>,
    pub write_only: Vec<String>,
    pub read_only: Vec<String>,
}

/// The shape table of one generated module.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShapeTable {
    /// The registry's schema date (`TypeMetadata.schema_date`).
    pub schema_date: String,
    pub types: Vec<ObjectShape>,
    pub resources: Vec<ResourceShape>,
}

/// Why a value could not be renamed to schema names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenameError {
    #[error("unknown property {path}{}", hint(.suggestion))]
    Unknown { path: String, suggestion: Option<String> },
    #[error("property {path} is read-only: the cloud sets it, read it from the resource's outputs")]
    ReadOnly { path: String },
}

fn hint(suggestion: &Option<String>) -> String {
    suggestion.as_ref().map(|s| format!(" (did you mean {s}?)")).unwrap_or_default()
}

impl ShapeTable {
    /// Parse the text form.
    pub fn parse(text: &str) -> Result<ShapeTable, Error> {
        let doc: Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        let version = doc.get("v").and_then(Value::as_u64).ok_or_else(|| bad("missing version".into()))?;
        if version != FORMAT_VERSION {
            return Err(bad(format!("format version {version}, this SDK reads {FORMAT_VERSION}: regenerate the SDK")));
        }
        let schema_date = doc.get("date").and_then(Value::as_str).unwrap_or_default().to_owned();
        let raw_types = doc.get("types").and_then(Value::as_array).ok_or_else(|| bad("missing types".into()))?;
        let count = raw_types.len();
        let mut types = Vec::with_capacity(count);
        for (i, raw) in raw_types.iter().enumerate() {
            let entries = raw.as_array().ok_or_else(|| bad(format!("type {i} is not a list")))?;
            let mut fields = Vec::with_capacity(entries.len());
            for entry in entries {
                let parts = entry.as_array().ok_or_else(|| bad(format!("type {i}: field is not a list")))?;
                let text = |n: usize| parts.get(n).and_then(Value::as_str).unwrap_or("");
                if text(0).is_empty() || text(1).is_empty() {
                    return Err(bad(format!("type {i}: field without names")));
                }
                fields.push(Field {
                    schema_name: text(0).to_owned(),
                    lang_name: text(1).to_owned(),
                    shape: FieldShape::parse(text(2), count)?,
                    read_only: text(3).contains('r'),
                });
            }
            types.push(ObjectShape::new(fields));
        }
        let raw_resources = doc.get("resources").and_then(Value::as_array).ok_or_else(|| bad("missing resources".into()))?;
        let mut resources = Vec::with_capacity(raw_resources.len());
        for raw in raw_resources {
            let parts = raw.as_array().ok_or_else(|| bad("resource is not a list".into()))?;
            let type_name = parts.first().and_then(Value::as_str).ok_or_else(|| bad("resource without type".into()))?;
            let properties = parts.get(1).and_then(Value::as_u64).and_then(|i| usize::try_from(i).ok());
            let properties = properties.filter(|i| *i < count).ok_or_else(|| bad(format!("{type_name}: bad type index")))?;
            let list = |n: usize| -> Vec<String> {
                parts.get(n).and_then(Value::as_array).map(|l| l.iter().filter_map(Value::as_str).map(str::to_owned).collect()).unwrap_or_default()
            };
            resources.push(ResourceShape {
                type_name: type_name.to_owned(),
                properties,
                primary_identifier: list(2),
                create_only: list(3),
                write_only: list(4),
                read_only: list(5),
            });
        }
        Ok(ShapeTable { schema_date, types, resources })
    }

    /// The text form (what generated modules embed).
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut out = String::with_capacity(64 * self.types.len());
        out.push_str("{\"v\":1,\"date\":");
        push_json_str(&mut out, &self.schema_date);
        out.push_str(",\"types\":[");
        for (i, object) in self.types.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('[');
            for (j, field) in object.fields.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                out.push('[');
                push_json_str(&mut out, &field.schema_name);
                out.push(',');
                push_json_str(&mut out, &field.lang_name);
                if field.shape != FieldShape::Plain || field.read_only {
                    let mut shape = String::new();
                    field.shape.write(&mut shape);
                    out.push(',');
                    push_json_str(&mut out, &shape);
                }
                if field.read_only {
                    out.push_str(",\"r\"");
                }
                out.push(']');
            }
            out.push(']');
        }
        out.push_str("],\"resources\":[");
        for (i, resource) in self.resources.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('[');
            push_json_str(&mut out, &resource.type_name);
            let _ = write!(out, ",{}", resource.properties);
            for list in [&resource.primary_identifier, &resource.create_only, &resource.write_only, &resource.read_only] {
                out.push_str(",[");
                for (j, item) in list.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    push_json_str(&mut out, item);
                }
                out.push(']');
            }
            out.push(']');
        }
        out.push_str("]}");
        out
    }

    /// A resource's entry by type name.
    #[must_use]
    pub fn resource(&self, type_name: &str) -> Option<&ResourceShape> {
        self.resources.iter().find(|r| r.type_name == type_name)
    }

    /// Rename an input value of object type `object` from language names to schema names,
    /// recursively. Object fields whose value is `null` are dropped (unset), after their name is
    /// checked. Special values (`__engine` markers) are kept, except
    /// that a secret's inner value is renamed too.
    pub fn to_schema_names(&self, object: usize, value: &Value) -> Result<Value, RenameError> {
        let mut path = String::new();
        self.input_object(object, value, &mut path)
    }

    /// Rename an output value of object type `object` from schema names to language names,
    /// recursively. Keys the table does not know are kept as they are.
    #[must_use]
    pub fn to_lang_names(&self, object: usize, value: &Value) -> Value {
        self.output_object(object, value)
    }

    /// Rename an input value of a field's shape (e.g. an output's value once it resolved, at a
    /// position the table describes).
    pub fn rename_input(&self, shape: &FieldShape, value: &Value) -> Result<Value, RenameError> {
        self.input_value(shape, value, &mut String::new())
    }

    /// Rename an output value of a field's shape.
    #[must_use]
    pub fn rename_output(&self, shape: &FieldShape, value: &Value) -> Value {
        self.output_value(shape, value)
    }

    /// Rename one top-level output property's value (`schema_name` of the resource's object).
    #[must_use]
    pub fn output_property(&self, resource: &ResourceShape, schema_name: &str, value: &Value) -> Value {
        match self.types.get(resource.properties).and_then(|o| o.by_schema(schema_name)) {
            Some(field) => self.output_value(&field.shape, value),
            None => value.clone(),
        }
    }

    fn input_object(&self, object: usize, value: &Value, path: &mut String) -> Result<Value, RenameError> {
        let Some(shape) = self.types.get(object) else { return Ok(value.clone()) };
        if let Some(inner) = secret_inner(value) {
            return Ok(rewrap_secret(value, self.input_object(object, inner, path)?));
        }
        let Value::Object(map) = value else { return Ok(value.clone()) };
        if is_special(value) {
            return Ok(value.clone());
        }
        let mut out = serde_json::Map::with_capacity(map.len());
        for (key, item) in map {
            let saved = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key);
            let Some(field) = shape.by_lang(key) else {
                return Err(RenameError::Unknown {
                    path: path.clone(),
                    suggestion: shape.suggest(key).map(str::to_owned),
                });
            };
            if item.is_null() {
                // Unset (`None`, `undefined`): not sent. The name is still checked.
                path.truncate(saved);
                continue;
            }
            if field.read_only {
                return Err(RenameError::ReadOnly { path: path.clone() });
            }
            let renamed = self.input_value(&field.shape, item, path)?;
            path.truncate(saved);
            out.insert(field.schema_name.clone(), renamed);
        }
        Ok(Value::Object(out))
    }

    fn input_value(&self, shape: &FieldShape, value: &Value, path: &mut String) -> Result<Value, RenameError> {
        match shape {
            FieldShape::Plain => Ok(value.clone()),
            FieldShape::Object(index) => self.input_object(*index, value, path),
            FieldShape::Array(inner) | FieldShape::Map(inner) => {
                if let Some(secret) = secret_inner(value) {
                    return Ok(rewrap_secret(value, self.input_value(shape, secret, path)?));
                }
                match (shape, value) {
                    (FieldShape::Array(_), Value::Array(items)) => {
                        let mut out = Vec::with_capacity(items.len());
                        for (i, item) in items.iter().enumerate() {
                            let saved = path.len();
                            let _ = write!(path, "[{i}]");
                            out.push(self.input_value(inner, item, path)?);
                            path.truncate(saved);
                        }
                        Ok(Value::Array(out))
                    }
                    (FieldShape::Map(_), Value::Object(map)) if !is_special(value) => {
                        let mut out = serde_json::Map::with_capacity(map.len());
                        for (key, item) in map {
                            let saved = path.len();
                            let _ = write!(path, "[{key:?}]");
                            out.insert(key.clone(), self.input_value(inner, item, path)?);
                            path.truncate(saved);
                        }
                        Ok(Value::Object(out))
                    }
                    _ => Ok(value.clone()),
                }
            }
        }
    }

    fn output_object(&self, object: usize, value: &Value) -> Value {
        let Some(shape) = self.types.get(object) else { return value.clone() };
        if let Some(inner) = secret_inner(value) {
            return rewrap_secret(value, self.output_object(object, inner));
        }
        let Value::Object(map) = value else { return value.clone() };
        if is_special(value) {
            return value.clone();
        }
        let mut out = serde_json::Map::with_capacity(map.len());
        for (key, item) in map {
            match shape.by_schema(key) {
                Some(field) => {
                    out.insert(field.lang_name.clone(), self.output_value(&field.shape, item));
                }
                None => {
                    out.insert(key.clone(), item.clone());
                }
            }
        }
        Value::Object(out)
    }

    fn output_value(&self, shape: &FieldShape, value: &Value) -> Value {
        match shape {
            FieldShape::Plain => value.clone(),
            FieldShape::Object(index) => self.output_object(*index, value),
            FieldShape::Array(inner) | FieldShape::Map(inner) => {
                if let Some(secret) = secret_inner(value) {
                    return rewrap_secret(value, self.output_value(shape, secret));
                }
                match (shape, value) {
                    (FieldShape::Array(_), Value::Array(items)) => {
                        Value::Array(items.iter().map(|item| self.output_value(inner, item)).collect())
                    }
                    (FieldShape::Map(_), Value::Object(map)) if !is_special(value) => Value::Object(
                        map.iter().map(|(k, item)| (k.clone(), self.output_value(inner, item))).collect(),
                    ),
                    _ => value.clone(),
                }
            }
        }
    }
}

// The `__engine` markers of proto/README.md. The walk only needs to recognise them (to keep them
// and to look inside secrets); `engine_proto::value` builds and interprets them.
const MARKER: &str = "__engine";

fn is_special(value: &Value) -> bool {
    value.as_object().is_some_and(|m| m.get(MARKER).is_some_and(Value::is_string))
}

fn secret_inner(value: &Value) -> Option<&Value> {
    let map = value.as_object()?;
    (map.get(MARKER)?.as_str()? == "secret").then(|| map.get("value")).flatten()
}

fn rewrap_secret(original: &Value, inner: Value) -> Value {
    let mut map = original.as_object().cloned().unwrap_or_default();
    map.insert("value".to_owned(), inner);
    Value::Object(map)
}

fn bad(message: String) -> Error {
    Error::Shape(message)
}

fn push_json_str(out: &mut String, text: &str) {
    out.push_str(&Value::String(text.to_owned()).to_string());
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            current[j + 1] = (previous[j] + usize::from(ca != *cb)).min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn table() -> ShapeTable {
        let field = |s: &str, l: &str, shape: FieldShape, read_only: bool| Field {
            schema_name: s.into(),
            lang_name: l.into(),
            shape,
            read_only,
        };
        ShapeTable {
            schema_date: "2026-10-20T22:11:15Z".into(),
            types: vec![
                ObjectShape::new(vec![field("Key", "key", FieldShape::Plain, false), field("Value", "value", FieldShape::Plain, false)]),
                ObjectShape::new(vec![
                    field("Arn", "arn", FieldShape::Plain, true),
                    field("BucketName", "bucket_name", FieldShape::Plain, false),
                    field("Tags", "tags", FieldShape::Array(Box::new(FieldShape::Object(0))), false),
                    field("Rules", "rules", FieldShape::Map(Box::new(FieldShape::Array(Box::new(FieldShape::Object(0))))), false),
                    field("Policy", "policy", FieldShape::Plain, false),
                ]),
            ],
            resources: vec![ResourceShape {
                type_name: "AWS::S3::Bucket".into(),
                properties: 1,
                primary_identifier: vec!["/properties/BucketName".into()],
                create_only: vec!["/properties/BucketName".into()],
                write_only: vec![],
                read_only: vec!["/properties/Arn".into()],
            }],
        }
    }

    #[test]
    fn text_round_trip() {
        let table = table();
        let text = table.to_text();
        assert!(text.contains(r#"["Rules","rules","ma0"]"#), "{text}");
        assert!(text.contains(r#"["Arn","arn","","r"]"#), "{text}");
        assert_eq!(ShapeTable::parse(&text).unwrap(), table);
        assert!(ShapeTable::parse(&text.replace("\"v\":1", "\"v\":2")).unwrap_err().to_string().contains("regenerate"));
        assert!(ShapeTable::parse(&text.replace("\"ma0\"", "\"ma9\"")).is_err());
    }

    #[test]
    fn renames_inputs_recursively_and_keeps_maps_json_and_markers() {
        let table = table();
        let input = json!({
            "bucket_name": "b",
            "tags": [{"key": "k", "value": {"__engine": "unknown"}}, {"__engine": "secret", "value": {"key": "s", "value": "v"}}],
            "rules": {"My-Key": [{"key": "a", "value": "b"}]},
            "policy": {"Version": "2012-10-17", "statement": []},
            "unset": null,
        });
        let err = table.to_schema_names(1, &input).unwrap_err();
        assert_eq!(err, RenameError::Unknown { path: "unset".into(), suggestion: None });
        let mut input = input;
        input.as_object_mut().unwrap().remove("unset");
        input["tags"][0]["value"] = json!({"__engine": "unknown"});
        let out = table.to_schema_names(1, &input).unwrap();
        assert_eq!(
            out,
            json!({
                "BucketName": "b",
                "Tags": [{"Key": "k", "Value": {"__engine": "unknown"}}, {"__engine": "secret", "value": {"Key": "s", "Value": "v"}}],
                "Rules": {"My-Key": [{"Key": "a", "Value": "b"}]},
                "Policy": {"Version": "2012-10-17", "statement": []},
            })
        );
        // And back.
        let mut back = table.to_lang_names(1, &out);
        back.as_object_mut().unwrap().insert("arn".into(), json!(null));
        assert_eq!(back["tags"][1]["value"]["key"], json!("s"));
        assert_eq!(back["rules"]["My-Key"][0]["value"], json!("b"));
        assert_eq!(back["policy"]["statement"], json!([]));
    }

    #[test]
    fn errors_name_the_path_and_suggest() {
        let table = table();
        let err = table.to_schema_names(1, &json!({"tags": [{"key": "k", "valu": "v"}]})).unwrap_err();
        assert_eq!(err.to_string(), "unknown property tags[0].valu (did you mean value?)");
        let err = table.to_schema_names(1, &json!({"BucketName": "x"})).unwrap_err();
        assert_eq!(err.to_string(), "unknown property BucketName (did you mean bucket_name?)");
        let err = table.to_schema_names(1, &json!({"arn": "x"})).unwrap_err();
        assert!(matches!(err, RenameError::ReadOnly { .. }), "{err}");
        // Nulls are unset; wrong kinds pass through for schema validation.
        assert_eq!(table.to_schema_names(1, &json!({"bucket_name": null, "tags": "x"})).unwrap(), json!({"Tags": "x"}));
        assert!(table.to_schema_names(1, &json!({"bucket_nam": null})).is_err());
        let tags = &table.types[1].by_lang("tags").unwrap().shape;
        assert_eq!(table.rename_input(tags, &json!([{"key": "k", "value": "v"}])).unwrap(), json!([{"Key": "k", "Value": "v"}]));
        assert_eq!(table.rename_output(tags, &json!([{"Key": "k"}])), json!([{"key": "k"}]));
        assert_eq!(table.output_property(&table.resources[0], "Tags", &json!([{"Key": "a"}])), json!([{"key": "a"}]));
    }
}
