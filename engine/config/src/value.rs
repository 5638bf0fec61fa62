//! Config keys and typed config values (CLI text to JSON, JSON to TOML and back).

use std::fmt;

use serde_json::{Map, Number, Value};

use crate::error::{ConfigError, Result};

/// A config key: `namespace:name`. A key written bare (`logRetentionDays`) belongs to the
/// project's namespace (`events:logRetentionDays`); other namespaces are written in full
/// (`aws:profile`, `shared:domain`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConfigKey {
    namespace: String,
    name: String,
}

impl ConfigKey {
    /// Parse `key`, namespacing a bare key with `project`.
    ///
    /// # Errors
    /// [`ConfigError::InvalidKey`] for an empty namespace or name, more than one `:`, or
    /// whitespace/control characters.
    pub fn parse(key: &str, project: &str) -> Result<Self> {
        let invalid = |reason: &str| ConfigError::InvalidKey { key: key.to_owned(), reason: reason.to_owned() };
        if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("keys cannot contain spaces or control characters"));
        }
        let (namespace, name) = match key.split_once(':') {
            Some((namespace, name)) => (namespace, name),
            None => (project, key),
        };
        if namespace.is_empty() {
            return Err(invalid("the namespace before `:` is empty"));
        }
        if name.is_empty() {
            return Err(invalid("the name is empty"));
        }
        if name.contains(':') {
            return Err(invalid("a key has at most one `:` (namespace:name)"));
        }
        Ok(Self { namespace: namespace.to_owned(), name: name.to_owned() })
    }

    #[must_use]
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `namespace:name`, the form used in `ENGINE_CONFIG`.
    #[must_use]
    pub fn full(&self) -> String {
        format!("{}:{}", self.namespace, self.name)
    }
}

impl fmt::Display for ConfigKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.namespace, self.name)
    }
}

/// How `engine config set KEY VALUE` reads VALUE (`--type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ValueKind {
    /// `true`/`false` are booleans; a number that reads back exactly as typed (`14`, `-3`,
    /// `0.5`) is a number; text starting with `[` or `{` must be JSON (array/object); anything
    /// else is a string (`007`, `1.10`, `1e3`, `eu-west-1`, `null`).
    #[default]
    Auto,
    String,
    Number,
    Bool,
    /// Any JSON value except `null` (TOML has no null).
    Json,
}

impl ValueKind {
    /// Parse a `--type` flag value: `auto`, `string`, `number`, `bool`/`boolean`, `json`.
    #[must_use]
    pub fn from_flag(flag: &str) -> Option<Self> {
        Some(match flag {
            "auto" => Self::Auto,
            "string" | "str" => Self::String,
            "number" | "int" | "float" => Self::Number,
            "bool" | "boolean" => Self::Bool,
            "json" => Self::Json,
            _ => return None,
        })
    }
}

/// Turn the text typed on the command line into the JSON value to store (see [`ValueKind`]).
///
/// # Errors
/// [`ConfigError::InvalidValue`] when the text does not fit the requested kind, or is JSON with
/// a `null` inside.
pub fn parse_value(key: &str, raw: &str, kind: ValueKind) -> Result<Value> {
    let invalid = |reason: String| ConfigError::InvalidValue { key: key.to_owned(), reason };
    let value = match kind {
        ValueKind::String => Value::String(raw.to_owned()),
        ValueKind::Bool => match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(invalid(format!("`{raw}` is not a boolean (true or false)"))),
        },
        ValueKind::Number => parse_number(raw).ok_or_else(|| invalid(format!("`{raw}` is not a number")))?,
        ValueKind::Json => serde_json::from_str(raw).map_err(|e| invalid(format!("not valid JSON: {e}")))?,
        ValueKind::Auto => match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ if raw.starts_with('[') || raw.starts_with('{') => serde_json::from_str(raw).map_err(|e| {
                invalid(format!("looks like JSON but does not parse ({e}); pass --type string to store it as text"))
            })?,
            _ => match parse_number(raw) {
                Some(number) if canonical_number(&number) == raw => number,
                _ => Value::String(raw.to_owned()),
            },
        },
    };
    check_storable(&value).map_err(invalid)?;
    Ok(value)
}

fn parse_number(raw: &str) -> Option<Value> {
    if let Ok(integer) = raw.parse::<i64>() {
        return Some(Value::Number(integer.into()));
    }
    let float: f64 = raw.parse().ok()?;
    if !float.is_finite() || raw.eq_ignore_ascii_case("inf") || raw.to_ascii_lowercase().contains("nan") {
        return None;
    }
    Number::from_f64(float).map(Value::Number)
}

fn canonical_number(value: &Value) -> String {
    value.to_string()
}

/// Whether a JSON value can be stored in a stack file (TOML: no null, integers within i64).
pub(crate) fn check_storable(value: &Value) -> std::result::Result<(), String> {
    match value {
        Value::Null => Err("null cannot be stored (TOML has no null)".to_owned()),
        Value::Number(number) if number.as_i64().is_none() && number.as_f64().is_none_or(|f| !f.is_finite()) => {
            Err(format!("the number {number} is out of range"))
        }
        Value::Number(number) if number.is_u64() && number.as_i64().is_none() => {
            Err(format!("the integer {number} is larger than 2^63-1; store it as a string"))
        }
        Value::Array(items) => items.iter().try_for_each(check_storable),
        Value::Object(map) => map.values().try_for_each(check_storable),
        _ => Ok(()),
    }
}

/// A TOML value (from a stack file) as JSON. Datetimes become strings.
pub(crate) fn toml_to_json(value: &toml_edit::Value) -> std::result::Result<Value, String> {
    use toml_edit::Value as T;
    Ok(match value {
        T::String(s) => Value::String(s.value().clone()),
        T::Integer(i) => Value::Number((*i.value()).into()),
        T::Float(f) => Value::Number(
            Number::from_f64(*f.value()).ok_or_else(|| format!("the number {} cannot be used", f.value()))?,
        ),
        T::Boolean(b) => Value::Bool(*b.value()),
        T::Datetime(d) => Value::String(d.value().to_string()),
        T::Array(items) => Value::Array(items.iter().map(toml_to_json).collect::<std::result::Result<_, _>>()?),
        T::InlineTable(table) => {
            let mut map = Map::new();
            for (key, item) in table.iter() {
                map.insert(key.to_owned(), toml_to_json(item)?);
            }
            Value::Object(map)
        }
    })
}

/// A TOML item (a value, or a `[config.x]` sub-table) as JSON.
pub(crate) fn toml_item_to_json(item: &toml_edit::Item) -> std::result::Result<Value, String> {
    match item {
        toml_edit::Item::Value(value) => toml_to_json(value),
        toml_edit::Item::Table(table) => {
            let mut map = Map::new();
            for (key, item) in table.iter() {
                map.insert(key.to_owned(), toml_item_to_json(item)?);
            }
            Ok(Value::Object(map))
        }
        toml_edit::Item::ArrayOfTables(tables) => Ok(Value::Array(
            tables
                .iter()
                .map(|table| toml_item_to_json(&toml_edit::Item::Table(table.clone())))
                .collect::<std::result::Result<_, _>>()?,
        )),
        toml_edit::Item::None => Err("empty value".to_owned()),
    }
}

/// JSON to a TOML value (objects become inline tables).
pub(crate) fn json_to_toml(value: &Value) -> std::result::Result<toml_edit::Value, String> {
    check_storable(value)?;
    Ok(match value {
        Value::Null => return Err("null cannot be stored".to_owned()),
        Value::Bool(b) => (*b).into(),
        Value::Number(number) => match number.as_i64() {
            Some(integer) => integer.into(),
            None => number.as_f64().ok_or_else(|| format!("the number {number} is out of range"))?.into(),
        },
        Value::String(s) => s.as_str().into(),
        Value::Array(items) => {
            let mut array = toml_edit::Array::new();
            for item in items {
                array.push(json_to_toml(item)?);
            }
            toml_edit::Value::Array(array)
        }
        Value::Object(map) => {
            let mut table = toml_edit::InlineTable::new();
            for (key, item) in map {
                table.insert(key, json_to_toml(item)?);
            }
            toml_edit::Value::InlineTable(table)
        }
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn keys_are_namespaced_by_project_when_bare() {
        let key = ConfigKey::parse("logRetentionDays", "events").unwrap();
        assert_eq!(key.full(), "events:logRetentionDays");
        let key = ConfigKey::parse("aws:profile", "events").unwrap();
        assert_eq!((key.namespace(), key.name()), ("aws", "profile"));
        for bad in ["", ":x", "x:", "a:b:c", "has space"] {
            assert!(ConfigKey::parse(bad, "events").is_err(), "{bad}");
        }
    }

    #[test]
    fn auto_typing_keeps_text_that_would_not_read_back() {
        let auto = |raw| parse_value("k", raw, ValueKind::Auto).unwrap();
        assert_eq!(auto("14"), json!(14));
        assert_eq!(auto("-3"), json!(-3));
        assert_eq!(auto("0.5"), json!(0.5));
        assert_eq!(auto("true"), json!(true));
        assert_eq!(auto("[1,\"a\"]"), json!([1, "a"]));
        assert_eq!(auto("{\"a\":{\"b\":false}}"), json!({"a": {"b": false}}));
        for text in ["007", "1.10", "1e3", "eu-west-1", "null", "NaN", "inf", "", "12345678901234567890123", " 14"] {
            assert_eq!(auto(text), json!(text), "{text:?} should stay a string");
        }
        assert!(parse_value("k", "[1,", ValueKind::Auto).is_err());
        assert!(parse_value("k", "[1,null]", ValueKind::Auto).is_err());
        assert_eq!(parse_value("k", "14", ValueKind::String).unwrap(), json!("14"));
        assert_eq!(parse_value("k", "1.10", ValueKind::Number).unwrap(), json!(1.1));
        assert!(parse_value("k", "yes", ValueKind::Bool).is_err());
        assert!(parse_value("k", "NaN", ValueKind::Number).is_err());
        assert_eq!(parse_value("k", "\"x\"", ValueKind::Json).unwrap(), json!("x"));
    }

    #[test]
    fn json_and_toml_round_trip() {
        let value = json!({"a": [1, 2.5, "x", true, {"b": "c"}], "d": {"e": -1}});
        let toml = json_to_toml(&value).unwrap();
        assert_eq!(toml_to_json(&toml).unwrap(), value);
        assert!(json_to_toml(&json!({"a": null})).is_err());
        assert!(json_to_toml(&json!(u64::MAX)).is_err());
    }
}
