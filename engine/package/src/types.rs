//! The interface model: components, their inputs and outputs, object types and type expressions.

use std::fmt;

use serde_json::{Map, Value, json};

/// A type expression (`type = "..."` in the manifest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    String,
    Integer,
    Number,
    Boolean,
    /// Any JSON value.
    Any,
    /// A folder, uploaded by the engine as a zip archive (`FileArchive` in the SDKs).
    Archive,
    /// One file (`FileAsset` in the SDKs).
    Asset,
    /// `list(T)`.
    List(Box<TypeRef>),
    /// `map(T)`: an object with string keys.
    Map(Box<TypeRef>),
    /// An object type declared under `[types.Name]`.
    Object(String),
}

impl TypeRef {
    /// Parse a type expression: `string`, `integer`, `number`, `boolean`, `any`, `archive`,
    /// `asset`, `list(T)`, `map(T)`, or an object type's name.
    ///
    /// # Errors
    /// A message saying what is wrong.
    pub fn parse(text: &str) -> Result<TypeRef, String> {
        let text = text.trim();
        let inner = |prefix: &str| text.strip_prefix(prefix).and_then(|rest| rest.strip_suffix(')'));
        if let Some(item) = inner("list(") {
            return Ok(TypeRef::List(Box::new(TypeRef::parse(item)?)));
        }
        if let Some(item) = inner("map(") {
            return Ok(TypeRef::Map(Box::new(TypeRef::parse(item)?)));
        }
        Ok(match text {
            "string" => TypeRef::String,
            "integer" => TypeRef::Integer,
            "number" => TypeRef::Number,
            "boolean" => TypeRef::Boolean,
            "any" => TypeRef::Any,
            "archive" => TypeRef::Archive,
            "asset" => TypeRef::Asset,
            name if is_type_name(name) => TypeRef::Object(name.to_owned()),
            other => {
                return Err(format!(
                    "unknown type {other:?} (expected string, integer, number, boolean, any, archive, asset, \
                     list(T), map(T), or the name of a type declared under [types])"
                ));
            }
        })
    }

    /// Object types this type mentions.
    pub fn objects(&self, out: &mut Vec<String>) {
        match self {
            TypeRef::List(item) | TypeRef::Map(item) => item.objects(out),
            TypeRef::Object(name) => out.push(name.clone()),
            _ => {}
        }
    }

    /// A short description for messages ("an integer", "a list of strings").
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            TypeRef::String => "a string".to_owned(),
            TypeRef::Integer => "an integer".to_owned(),
            TypeRef::Number => "a number".to_owned(),
            TypeRef::Boolean => "a boolean".to_owned(),
            TypeRef::Any => "any value".to_owned(),
            TypeRef::Archive => "a folder archive (FileArchive)".to_owned(),
            TypeRef::Asset => "a file asset (FileAsset)".to_owned(),
            TypeRef::List(item) => format!("a list of {}", plural(item)),
            TypeRef::Map(item) => format!("a map of {}", plural(item)),
            TypeRef::Object(name) => format!("an object of type {name}"),
        }
    }
}

fn plural(item: &TypeRef) -> String {
    match item {
        TypeRef::String => "strings".to_owned(),
        TypeRef::Integer => "integers".to_owned(),
        TypeRef::Number => "numbers".to_owned(),
        TypeRef::Boolean => "booleans".to_owned(),
        TypeRef::Any => "values".to_owned(),
        TypeRef::Archive => "folder archives".to_owned(),
        TypeRef::Asset => "file assets".to_owned(),
        TypeRef::Object(name) => format!("{name} objects"),
        other => other.describe(),
    }
}

impl fmt::Display for TypeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeRef::String => f.write_str("string"),
            TypeRef::Integer => f.write_str("integer"),
            TypeRef::Number => f.write_str("number"),
            TypeRef::Boolean => f.write_str("boolean"),
            TypeRef::Any => f.write_str("any"),
            TypeRef::Archive => f.write_str("archive"),
            TypeRef::Asset => f.write_str("asset"),
            TypeRef::List(item) => write!(f, "list({item})"),
            TypeRef::Map(item) => write!(f, "map({item})"),
            TypeRef::Object(name) => f.write_str(name),
        }
    }
}

/// `PascalCase`: component and object type names.
pub(crate) fn is_type_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase()) && chars.all(|c| c.is_ascii_alphanumeric())
}

/// `camelCase`: property names (the names on the wire).
pub(crate) fn is_property_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase()) && chars.all(|c| c.is_ascii_alphanumeric())
}

/// One input or output of a component, or one property of an object type.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// The name on the wire (`camelCase`).
    pub name: String,
    pub ty: TypeRef,
    /// Inputs: must be given. Outputs: always present (else it may be absent).
    pub required: bool,
    /// Inputs only: the value must be known when the component is constructed (it decides which
    /// resources exist), so it cannot be an output of another resource.
    pub plain: bool,
    /// The value is always secret.
    pub secret: bool,
    /// The value the component uses when the input is not given (documentation; the component
    /// applies it).
    pub default: Option<Value>,
    /// The allowed values of a string.
    pub allowed: Option<Vec<String>>,
    pub description: Option<String>,
}

impl Property {
    fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("type".into(), Value::String(self.ty.to_string()));
        if self.required {
            map.insert("required".into(), Value::Bool(true));
        }
        if self.plain {
            map.insert("plain".into(), Value::Bool(true));
        }
        if self.secret {
            map.insert("secret".into(), Value::Bool(true));
        }
        if let Some(default) = &self.default {
            map.insert("default".into(), default.clone());
        }
        if let Some(allowed) = &self.allowed {
            map.insert("enum".into(), json!(allowed));
        }
        if let Some(description) = &self.description {
            map.insert("description".into(), Value::String(description.clone()));
        }
        Value::Object(map)
    }
}

/// An object type (`[types.Name]`).
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectType {
    pub name: String,
    pub description: Option<String>,
    /// In declaration order.
    pub properties: Vec<Property>,
}

/// A component (`[components.Name]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    /// `Network`.
    pub name: String,
    /// The resource type: `<package>:index:<Name>`.
    pub token: String,
    pub description: Option<String>,
    /// In declaration order.
    pub inputs: Vec<Property>,
    pub outputs: Vec<Property>,
}

impl Component {
    #[must_use]
    pub fn input(&self, name: &str) -> Option<&Property> {
        self.inputs.iter().find(|p| p.name == name)
    }

    #[must_use]
    pub fn output(&self, name: &str) -> Option<&Property> {
        self.outputs.iter().find(|p| p.name == name)
    }
}

pub(crate) fn properties_json(properties: &[Property]) -> Value {
    Value::Object(properties.iter().map(|p| (p.name.clone(), p.to_json())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_expressions_parse_and_print_back() {
        for text in ["string", "integer", "list(string)", "map(list(Statement))", "archive", "Autoscaling"] {
            assert_eq!(TypeRef::parse(text).unwrap().to_string(), text);
        }
        assert!(TypeRef::parse("strng").unwrap_err().contains("unknown type \"strng\""));
        assert!(TypeRef::parse("list(str)").is_err());
        assert_eq!(TypeRef::parse("list(integer)").unwrap().describe(), "a list of integers");
    }
}
