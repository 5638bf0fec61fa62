//! The value encoding of `proto/README.md`: JSON values with `{"__engine": ...}` markers for
//! unknowns, secrets, resource references and assets, and their conversion to and from
//! `google.protobuf.Struct`.
//!
//! Both the SDK core and the engine use these functions; nothing else may build or parse markers.

use prost_types::value::Kind;
use serde_json::{Map, Number, Value};

/// The marker key.
pub const MARKER: &str = "__engine";

/// What a special value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special<'a> {
    Unknown,
    Secret(&'a Value),
    Resource { urn: &'a str, id: &'a str },
    Asset(AssetRef<'a>),
}

/// An asset marker's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssetRef<'a> {
    /// `file` or `archive`.
    pub kind: &'a str,
    pub path: &'a str,
    pub hash: &'a str,
}

/// `{"__engine":"unknown"}`.
#[must_use]
pub fn unknown() -> Value {
    let mut map = Map::with_capacity(1);
    map.insert(MARKER.to_owned(), Value::String("unknown".to_owned()));
    Value::Object(map)
}

/// Wrap a value as secret (a value already secret is returned as is).
#[must_use]
pub fn secret(value: Value) -> Value {
    if matches!(classify(&value), Some(Special::Secret(_))) {
        return value;
    }
    let mut map = Map::with_capacity(2);
    map.insert(MARKER.to_owned(), Value::String("secret".to_owned()));
    map.insert("value".to_owned(), value);
    Value::Object(map)
}

/// A reference to another resource.
#[must_use]
pub fn resource_ref(urn: &str, id: &str) -> Value {
    let mut map = Map::with_capacity(3);
    map.insert(MARKER.to_owned(), Value::String("resource".to_owned()));
    map.insert("urn".to_owned(), Value::String(urn.to_owned()));
    map.insert("id".to_owned(), Value::String(id.to_owned()));
    Value::Object(map)
}

/// An asset (`kind` is `file` or `archive`).
#[must_use]
pub fn asset(kind: &str, path: &str, hash: &str) -> Value {
    let mut map = Map::with_capacity(4);
    map.insert(MARKER.to_owned(), Value::String("asset".to_owned()));
    map.insert("kind".to_owned(), Value::String(kind.to_owned()));
    map.insert("path".to_owned(), Value::String(path.to_owned()));
    map.insert("hash".to_owned(), Value::String(hash.to_owned()));
    Value::Object(map)
}

/// Recognise a special value. Ordinary objects (no marker) return `None`.
#[must_use]
pub fn classify(value: &Value) -> Option<Special<'_>> {
    let object = value.as_object()?;
    let str_field = |key: &str| object.get(key).and_then(Value::as_str).unwrap_or("");
    match object.get(MARKER)?.as_str()? {
        "unknown" => Some(Special::Unknown),
        "secret" => Some(Special::Secret(object.get("value").unwrap_or(&Value::Null))),
        "resource" => Some(Special::Resource { urn: str_field("urn"), id: str_field("id") }),
        "asset" => Some(Special::Asset(AssetRef {
            kind: str_field("kind"),
            path: str_field("path"),
            hash: str_field("hash"),
        })),
        _ => None,
    }
}

#[must_use]
pub fn is_unknown(value: &Value) -> bool {
    matches!(classify(value), Some(Special::Unknown))
}

#[must_use]
pub fn is_secret(value: &Value) -> bool {
    matches!(classify(value), Some(Special::Secret(_)))
}

/// Whether an unknown appears anywhere inside.
#[must_use]
pub fn contains_unknowns(value: &Value) -> bool {
    any_special(value, &|s| matches!(s, Special::Unknown))
}

/// Whether a secret appears anywhere inside.
#[must_use]
pub fn contains_secrets(value: &Value) -> bool {
    any_special(value, &|s| matches!(s, Special::Secret(_)))
}

fn any_special(value: &Value, predicate: &dyn Fn(&Special<'_>) -> bool) -> bool {
    if let Some(special) = classify(value) {
        if predicate(&special) {
            return true;
        }
        return match special {
            Special::Secret(inner) => any_special(inner, predicate),
            _ => false,
        };
    }
    match value {
        Value::Array(items) => items.iter().any(|v| any_special(v, predicate)),
        Value::Object(map) => map.values().any(|v| any_special(v, predicate)),
        _ => false,
    }
}

/// Remove every secret wrapper, keeping the plain values; returns whether any was found.
#[must_use]
pub fn unwrap_secrets(value: &Value) -> (Value, bool) {
    let mut found = false;
    let plain = map_specials(value, &mut |special, _| match special {
        Special::Secret(inner) => {
            found = true;
            Some(inner.clone())
        }
        _ => None,
    });
    (plain, found)
}

/// Rebuild a value, replacing each special value for which `f` returns `Some`. `f` receives the
/// special value and the original JSON; replacements are themselves walked again (so a secret's
/// inner value is processed too).
pub fn map_specials(value: &Value, f: &mut dyn FnMut(Special<'_>, &Value) -> Option<Value>) -> Value {
    if let Some(special) = classify(value) {
        return match f(special, value) {
            Some(replacement) => map_specials(&replacement, f),
            None => value.clone(),
        };
    }
    match value {
        Value::Array(items) => Value::Array(items.iter().map(|v| map_specials(v, f)).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), map_specials(v, f))).collect())
        }
        other => other.clone(),
    }
}

// ---------------------------------------------------------------------------------------------
// Struct conversion

/// `google.protobuf.Value` to JSON. Whole doubles become JSON integers.
#[must_use]
pub fn from_proto_value(value: &prost_types::Value) -> Value {
    match &value.kind {
        None | Some(Kind::NullValue(_)) => Value::Null,
        Some(Kind::BoolValue(b)) => Value::Bool(*b),
        Some(Kind::NumberValue(n)) => number(*n),
        Some(Kind::StringValue(s)) => Value::String(s.clone()),
        Some(Kind::ListValue(list)) => Value::Array(list.values.iter().map(from_proto_value).collect()),
        Some(Kind::StructValue(s)) => Value::Object(from_struct(s)),
    }
}

/// A `Struct` to a JSON object (keys sorted, as protobuf maps have no order).
#[must_use]
pub fn from_struct(value: &prost_types::Struct) -> Map<String, Value> {
    let mut keys: Vec<&String> = value.fields.keys().collect();
    keys.sort();
    keys.into_iter().map(|k| (k.clone(), from_proto_value(&value.fields[k]))).collect()
}

/// JSON to `google.protobuf.Value`.
#[must_use]
pub fn to_proto_value(value: &Value) -> prost_types::Value {
    let kind = match value {
        Value::Null => Kind::NullValue(0),
        Value::Bool(b) => Kind::BoolValue(*b),
        Value::Number(n) => Kind::NumberValue(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => Kind::StringValue(s.clone()),
        Value::Array(items) => Kind::ListValue(prost_types::ListValue {
            values: items.iter().map(to_proto_value).collect(),
        }),
        Value::Object(map) => Kind::StructValue(to_struct(map)),
    };
    prost_types::Value { kind: Some(kind) }
}

/// A JSON object to a `Struct`.
#[must_use]
pub fn to_struct(map: &Map<String, Value>) -> prost_types::Struct {
    prost_types::Struct { fields: map.iter().map(|(k, v)| (k.clone(), to_proto_value(v))).collect() }
}

fn number(n: f64) -> Value {
    #[expect(clippy::cast_possible_truncation, reason = "checked: whole and within i64/2^53")]
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        return Value::Number(Number::from(n as i64));
    }
    Number::from_f64(n).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn markers_round_trip_through_struct() {
        let value = json!({
            "Name": "x",
            "Count": 3,
            "Ratio": 0.5,
            "Password": secret(json!("hunter2")),
            "Arn": unknown(),
            "Ref": resource_ref("urn:engine:dev::p::AWS::S3::Bucket::b", "b-123"),
            "Code": asset("archive", "/tmp/app", "sha256:00"),
            "List": [1, null, true],
        });
        let proto = to_struct(value.as_object().unwrap());
        let back = Value::Object(from_struct(&proto));
        assert_eq!(back, value);
        assert!(matches!(classify(&back["Password"]), Some(Special::Secret(v)) if v == "hunter2"));
        assert!(is_unknown(&back["Arn"]));
        assert!(matches!(classify(&back["Ref"]), Some(Special::Resource { id: "b-123", .. })));
        assert!(matches!(classify(&back["Code"]), Some(Special::Asset(a)) if a.kind == "archive"));
        assert_eq!(back["Count"], json!(3));
    }

    #[test]
    fn deep_queries_and_unwrapping() {
        let value = json!({"A": [{"B": secret(json!({"C": unknown()}))}]});
        assert!(contains_secrets(&value));
        assert!(contains_unknowns(&value));
        let (plain, found) = unwrap_secrets(&value);
        assert!(found);
        assert_eq!(plain, json!({"A": [{"B": {"C": unknown()}}]}));
        assert!(!contains_secrets(&plain));
        assert!(!contains_unknowns(&json!({"A": {"__engine": "other"}})));
        // secret(secret(x)) == secret(x)
        assert_eq!(secret(secret(json!(1))), secret(json!(1)));
    }
}
