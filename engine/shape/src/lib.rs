//! Shape tables: the data that lets the SDK core rename properties between a language's casing
//! (`bucket_name`, `bucketName`) and the schema's (`BucketName`), inside nested objects, arrays
//! and maps, and carry each type's metadata.
//!
//! This crate is the **format** only: the types, the text form's parser and writer, and name
//! look-ups. `engine-codegen` builds tables and writes them into generated Python and TypeScript
//! modules; the SDK core (`engine_sdk::typed`) parses them once per module and applies the
//! renaming rules — the only implementation of those rules, which every language binding calls.
//! It depends on nothing of the engine, so both sides can use it without depending on each
//! other.
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
//! The shape does not validate values: the core passes a value that is not an object where an
//! object is expected through unchanged, for the engine's schema validation to report with its
//! path.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::Value;

/// The version of the text format this crate reads and writes.
pub const FORMAT_VERSION: u64 = 1;

/// A shape table's text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid shape table: {0}")]
pub struct ShapeTableError(pub String);

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
    fn parse(text: &str, types: usize) -> Result<FieldShape, ShapeTableError> {
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

impl ShapeTable {
    /// Parse the text form.
    ///
    /// # Errors
    /// Text that is not a version-1 table (a table of another version says to regenerate).
    pub fn parse(text: &str) -> Result<ShapeTable, ShapeTableError> {
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
}

fn bad(message: String) -> ShapeTableError {
    ShapeTableError(message)
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
    use super::*;

    fn field(schema_name: &str, lang_name: &str, shape: FieldShape, read_only: bool) -> Field {
        Field { schema_name: schema_name.into(), lang_name: lang_name.into(), shape, read_only }
    }

    fn table() -> ShapeTable {
        ShapeTable {
            schema_date: "2026-10-20T22:11:15Z".into(),
            types: vec![
                ObjectShape::new(vec![field("Key", "key", FieldShape::Plain, false), field("Value", "value", FieldShape::Plain, false)]),
                ObjectShape::new(vec![
                    field("Arn", "arn", FieldShape::Plain, true),
                    field("BucketName", "bucket_name", FieldShape::Plain, false),
                    field("Tags", "tags", FieldShape::Array(Box::new(FieldShape::Object(0))), false),
                    field("Rules", "rules", FieldShape::Map(Box::new(FieldShape::Array(Box::new(FieldShape::Object(0))))), false),
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
        assert!(text.contains(r#"["Key","key"]"#), "{text}");
        assert_eq!(ShapeTable::parse(&text).unwrap(), table);
        assert_eq!(table.resource("AWS::S3::Bucket").map(|r| r.properties), Some(1));
        assert!(table.resource("AWS::S3::Nope").is_none());
    }

    #[test]
    fn bad_tables_are_refused_with_a_reason() {
        let text = table().to_text();
        let error = ShapeTable::parse(&text.replace("\"v\":1", "\"v\":2")).unwrap_err();
        assert!(error.to_string().contains("regenerate"), "{error}");
        let error = ShapeTable::parse(&text.replace("\"ma0\"", "\"ma9\"")).unwrap_err();
        assert!(error.to_string().contains("names type 9 of 2"), "{error}");
        assert!(ShapeTable::parse(&text.replace("\"ma0\"", "\"x0\"")).is_err());
        assert!(ShapeTable::parse(&text.replace("\"ma0\"", "\"m\"")).is_err());
        assert!(ShapeTable::parse(&text.replace("\"bucket_name\"", "\"\"")).is_err());
        assert!(ShapeTable::parse(&text.replace(",1,[", ",7,[")).is_err());
        assert!(ShapeTable::parse("[]").is_err());
        assert!(ShapeTable::parse("not json").unwrap_err().to_string().starts_with("invalid shape table: "));
    }

    #[test]
    fn names_are_looked_up_both_ways_and_suggested() {
        let table = table();
        let object = &table.types[1];
        assert_eq!(object.by_lang("bucket_name").map(|f| f.schema_name.as_str()), Some("BucketName"));
        assert_eq!(object.by_schema("Tags").map(|f| f.lang_name.as_str()), Some("tags"));
        assert!(object.by_lang("BucketName").is_none());
        // Same letters ignoring case and separators: the schema name given for the language's.
        assert_eq!(object.suggest("BucketName"), Some("bucket_name"));
        assert_eq!(object.suggest("bucket_nam"), Some("bucket_name"));
        assert_eq!(object.suggest("rulez"), Some("rules"));
        assert_eq!(object.suggest("something_else_entirely"), None);
    }
}
