//! Masking secrets for display: values (`[secret]` in place of every secret marker) and free text
//! (program output, cloud error messages) that may contain a secret's plaintext.

use std::borrow::Cow;

use engine_proto::value::{self as markers, Special};
use serde_json::Value;

/// What a secret is shown as.
pub const MASK: &str = "[secret]";

/// Replace every secret (plaintext form `{"__engine":"secret","value":..}` or the stored form
/// `{"__engine":"secret","ciphertext":..}`) with the string `[secret]`.
#[must_use]
pub fn mask_value(value: &Value) -> Value {
    markers::map_specials(value, &mut |special, _| match special {
        Special::Secret(_) => Some(Value::String(MASK.to_owned())),
        _ => None,
    })
}

/// Replaces known secret plaintexts in text. Build one per run from the config secrets and every
/// secret value seen (state, outputs), then pass each line of output through [`Masker::mask`].
///
/// Strings shorter than [`Masker::MIN_LEN`] characters are not masked (masking `1` or `on`
/// everywhere would garble output without protecting anything).
#[derive(Debug, Clone, Default)]
pub struct Masker {
    needles: Vec<String>,
}

impl Masker {
    pub const MIN_LEN: usize = 4;

    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Add one secret text.
    pub fn add(&mut self, secret: &str) {
        if secret.chars().count() >= Self::MIN_LEN && !self.needles.iter().any(|n| n == secret) {
            self.needles.push(secret.to_owned());
            // Longest first, so a secret containing another is masked whole.
            self.needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        }
    }

    /// Add the plaintext of a secret value: its strings, and its JSON text when not a string.
    pub fn add_secret_value(&mut self, value: &Value) {
        match value {
            Value::String(text) => self.add(text),
            Value::Array(items) => items.iter().for_each(|item| self.add_secret_value(item)),
            Value::Object(map) => map.values().for_each(|item| self.add_secret_value(item)),
            other => self.add(&other.to_string()),
        }
        if matches!(value, Value::Array(_) | Value::Object(_)) {
            self.add(&value.to_string());
        }
    }

    /// Add every secret found inside a value (plaintext markers).
    pub fn add_secrets_in(&mut self, value: &Value) {
        let _ = markers::map_specials(value, &mut |special, _| {
            if let Special::Secret(inner) = special {
                self.add_secret_value(inner);
            }
            None
        });
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// The text with every known secret replaced by `[secret]`.
    #[must_use]
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for needle in &self.needles {
            if out.contains(needle.as_str()) {
                out = Cow::Owned(out.replace(needle.as_str(), MASK));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn values_and_text_are_masked() {
        let value = json!({
            "a": markers::secret(json!("hunter22")),
            "b": [1, {"__engine": "secret", "ciphertext": "v1:xyz"}],
            "c": "plain",
        });
        assert_eq!(mask_value(&value), json!({"a": "[secret]", "b": [1, "[secret]"], "c": "plain"}));
        let mut masker = Masker::new();
        masker.add_secrets_in(&value);
        masker.add("abc");
        masker.add_secret_value(&json!({"user": "admin-user", "port": 54321}));
        assert_eq!(masker.mask("pw=hunter22 abc admin-user:54321"), "pw=[secret] abc [secret]:[secret]");
        assert!(matches!(masker.mask("nothing here"), Cow::Borrowed(_)));
    }
}
