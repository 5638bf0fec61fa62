//! Stack configuration: `engine config set KEY VALUE [--secret]`.
//!
//! Keys are namespaced: a bare key is read in the config's namespace (the project's by default),
//! a key containing `:` is a full key. Values are JSON-typed; typed getters also accept the
//! string form (`"14"` for an integer). Secret values are read with `*_secret` getters, which
//! return secret outputs; reading a secret with a plain getter logs a warning.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::context::Context;
use crate::output::{Output, OutputValue};
use crate::{Error, Result};

/// Configuration values of one namespace.
#[derive(Clone)]
pub struct Config {
    namespace: String,
    project: String,
    values: Arc<BTreeMap<String, Value>>,
    secret_keys: Arc<BTreeSet<String>>,
    ctx: Option<Context>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Values stay out of debug output: some are secrets.
        f.debug_struct("Config").field("namespace", &self.namespace).finish_non_exhaustive()
    }
}

impl Context {
    /// The project's configuration.
    #[must_use]
    pub fn config(&self) -> Config {
        self.config_namespace(&self.inner.info.project)
    }

    /// The configuration of another namespace (`aws`, a component package, ...).
    #[must_use]
    pub fn config_namespace(&self, namespace: &str) -> Config {
        Config {
            namespace: namespace.to_owned(),
            project: self.inner.info.project.clone(),
            values: Arc::new(self.inner.info.config.clone()),
            secret_keys: Arc::new(self.inner.info.secret_keys.clone()),
            ctx: Some(self.clone()),
        }
    }
}

impl Config {
    /// A configuration from values by full key (tests, and bindings' own tests).
    #[must_use]
    pub fn from_values(
        project: &str,
        namespace: &str,
        values: BTreeMap<String, Value>,
        secret_keys: BTreeSet<String>,
    ) -> Self {
        Config {
            namespace: namespace.to_owned(),
            project: project.to_owned(),
            values: Arc::new(values),
            secret_keys: Arc::new(secret_keys),
            ctx: None,
        }
    }

    #[must_use]
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The full key (`namespace:key`) a key is read at.
    #[must_use]
    pub fn full_key(&self, key: &str) -> String {
        if key.contains(':') { key.to_owned() } else { format!("{}:{key}", self.namespace) }
    }

    /// The raw JSON value.
    #[must_use]
    pub fn get_value(&self, key: &str) -> Option<Value> {
        self.values.get(&self.full_key(key)).cloned()
    }

    /// Whether the value is secret.
    #[must_use]
    pub fn is_secret(&self, key: &str) -> bool {
        self.secret_keys.contains(&self.full_key(key))
    }

    fn plain(&self, key: &str) -> Option<Value> {
        let value = self.get_value(key)?;
        if self.is_secret(key)
            && let Some(ctx) = &self.ctx
        {
            ctx.warn(format!(
                "configuration value '{}' is a secret but is read as a plain value: use require_secret/get_secret \
                 to keep it secret",
                self.full_key(key)
            ));
        }
        Some(value)
    }

    fn missing(&self, key: &str, secret: bool) -> Error {
        let full = self.full_key(key);
        // The CLI namespaces bare keys by project: suggest the shortest form that works.
        let cli_key = match full.split_once(':') {
            Some((namespace, bare)) if namespace == self.project => bare.to_owned(),
            _ => full.clone(),
        };
        let flag = if secret { " --secret" } else { "" };
        Error::Config {
            key: full.clone(),
            message: format!(
                "missing required configuration value '{full}': set it with `engine config set {cli_key} <VALUE>{flag}`"
            ),
        }
    }

    fn wrong_type(&self, key: &str, expected: &str, value: &Value) -> Error {
        let full = self.full_key(key);
        let shown = if self.is_secret(key) { "[secret]".to_owned() } else { value.to_string() };
        Error::Config { key: full.clone(), message: format!("configuration value '{full}' must be {expected}, found {shown}") }
    }

    /// The value as text (a string as is; other JSON values in their JSON form).
    #[must_use]
    pub fn get(&self, key: &str) -> Option<String> {
        self.plain(key).map(|value| text(&value))
    }

    /// # Errors
    /// A missing value, with how to set it.
    pub fn require(&self, key: &str) -> Result<String> {
        self.get(key).ok_or_else(|| self.missing(key, false))
    }

    /// # Errors
    /// A value that is not an integer.
    pub fn get_i64(&self, key: &str) -> Result<Option<i64>> {
        self.plain(key).map(|value| as_i64(&value).ok_or_else(|| self.wrong_type(key, "an integer", &value))).transpose()
    }

    /// # Errors
    /// A missing value or one that is not an integer.
    pub fn require_i64(&self, key: &str) -> Result<i64> {
        self.get_i64(key)?.ok_or_else(|| self.missing(key, false))
    }

    /// # Errors
    /// A value that is not a number.
    pub fn get_f64(&self, key: &str) -> Result<Option<f64>> {
        self.plain(key).map(|value| as_f64(&value).ok_or_else(|| self.wrong_type(key, "a number", &value))).transpose()
    }

    /// # Errors
    /// A missing value or one that is not a number.
    pub fn require_f64(&self, key: &str) -> Result<f64> {
        self.get_f64(key)?.ok_or_else(|| self.missing(key, false))
    }

    /// # Errors
    /// A value that is not `true` or `false`.
    pub fn get_bool(&self, key: &str) -> Result<Option<bool>> {
        self.plain(key)
            .map(|value| as_bool(&value).ok_or_else(|| self.wrong_type(key, "true or false", &value)))
            .transpose()
    }

    /// # Errors
    /// A missing value or one that is not a boolean.
    pub fn require_bool(&self, key: &str) -> Result<bool> {
        self.get_bool(key)?.ok_or_else(|| self.missing(key, false))
    }

    /// A structured value (a JSON object or array, or its text form).
    ///
    /// # Errors
    /// A value that does not deserialize into `T`.
    pub fn get_object<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.plain(key).map(|value| self.deserialize(key, value)).transpose()
    }

    /// # Errors
    /// A missing value or one that does not deserialize into `T`.
    pub fn require_object<T: DeserializeOwned>(&self, key: &str) -> Result<T> {
        self.get_object(key)?.ok_or_else(|| self.missing(key, false))
    }

    fn deserialize<T: DeserializeOwned>(&self, key: &str, value: Value) -> Result<T> {
        let value = match value {
            Value::String(text) => serde_json::from_str(&text).unwrap_or(Value::String(text)),
            other => other,
        };
        serde_json::from_value(value).map_err(|error| {
            let full = self.full_key(key);
            Error::Config { key: full.clone(), message: format!("configuration value '{full}' is not valid: {error}") }
        })
    }

    /// The value as a secret output (whether or not it was set with `--secret`).
    #[must_use]
    pub fn get_secret(&self, key: &str) -> Option<Output<String>> {
        self.get_value(key).map(|value| Output::secret(text(&value)))
    }

    /// # Errors
    /// A missing value, with how to set it (`--secret`).
    pub fn require_secret(&self, key: &str) -> Result<Output<String>> {
        self.get_secret(key).ok_or_else(|| self.missing(key, true))
    }

    /// A structured secret value.
    ///
    /// # Errors
    /// A missing value or one that does not deserialize into `T`.
    pub fn require_secret_object<T: DeserializeOwned + OutputValue>(&self, key: &str) -> Result<Output<T>> {
        let value = self.get_value(key).ok_or_else(|| self.missing(key, true))?;
        Ok(Output::secret(self.deserialize(key, value)?))
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn as_i64(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64().or_else(|| {
            let float = number.as_f64()?;
            #[expect(clippy::cast_possible_truncation, reason = "checked: whole and in range")]
            (float.fract() == 0.0 && float.abs() < 9.0e15).then_some(float as i64)
        }),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

fn as_f64(value: &Value) -> Option<f64> {
    match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

fn as_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(flag) => Some(*flag),
        Value::String(text) => match text.trim() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn config() -> Config {
        let values = BTreeMap::from([
            ("events:retention".to_owned(), json!(14)),
            ("events:retentionText".to_owned(), json!("30")),
            ("events:name".to_owned(), json!("orders")),
            ("events:enabled".to_owned(), json!("true")),
            ("events:ratio".to_owned(), json!(0.25)),
            ("events:tags".to_owned(), json!({"team": "data"})),
            ("events:tagsText".to_owned(), json!("{\"team\":\"ops\"}")),
            ("events:apiToken".to_owned(), json!("s3cr3t")),
            ("aws:region".to_owned(), json!("eu-west-1")),
        ]);
        Config::from_values("events", "events", values, BTreeSet::from(["events:apiToken".to_owned()]))
    }

    #[test]
    fn typed_getters_accept_json_and_text() {
        let config = config();
        assert_eq!(config.get_i64("retention").unwrap(), Some(14));
        assert_eq!(config.require_i64("retentionText").unwrap(), 30);
        assert_eq!(config.get("retention").as_deref(), Some("14"));
        assert_eq!(config.require("name").unwrap(), "orders");
        assert!(config.require_bool("enabled").unwrap());
        assert_eq!(config.get_f64("ratio").unwrap(), Some(0.25));
        assert_eq!(config.get_i64("absent").unwrap(), None);
        let tags: BTreeMap<String, String> = config.require_object("tags").unwrap();
        assert_eq!(tags["team"], "data");
        let tags: BTreeMap<String, String> = config.require_object("tagsText").unwrap();
        assert_eq!(tags["team"], "ops");
    }

    #[test]
    fn namespaces() {
        let config = config();
        assert_eq!(config.require("aws:region").unwrap(), "eu-west-1");
        assert_eq!(config.full_key("name"), "events:name");
        let aws = Config::from_values("events", "aws", config.values.as_ref().clone(), BTreeSet::new());
        assert_eq!(aws.require("region").unwrap(), "eu-west-1");
    }

    #[test]
    fn errors_say_how_to_fix() {
        let config = config();
        let error = config.require("logRetentionDays").unwrap_err();
        assert_eq!(
            error.to_string(),
            "missing required configuration value 'events:logRetentionDays': set it with \
             `engine config set logRetentionDays <VALUE>`"
        );
        let error = config.require_secret("dbPassword").unwrap_err();
        assert!(error.to_string().ends_with("`engine config set dbPassword <VALUE> --secret`"), "{error}");
        let error = config.require("aws:profile").unwrap_err();
        assert!(error.to_string().contains("`engine config set aws:profile <VALUE>`"), "{error}");
        let error = config.require_i64("name").unwrap_err();
        assert_eq!(error.to_string(), "configuration value 'events:name' must be an integer, found \"orders\"");
        assert!(matches!(error, Error::Config { ref key, .. } if key == "events:name"));
        // A secret's value never appears in an error.
        let error = config.require_i64("apiToken").unwrap_err();
        assert!(!error.to_string().contains("s3cr3t"), "{error}");
    }

    #[test]
    fn secrets_are_secret_outputs() {
        let config = config();
        assert!(config.is_secret("apiToken"));
        let token = config.require_secret("apiToken").unwrap().peek().unwrap().unwrap();
        assert!(token.secret);
        assert_eq!(token.value.as_deref(), Some("s3cr3t"));
    }
}
