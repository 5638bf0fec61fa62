//! Reading TOML files with positions for error messages.

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::ConfigError;

/// A parsed TOML file and its text, to turn spans into `file:line:column` errors.
pub(crate) struct TomlFile<'a> {
    pub file: PathBuf,
    pub text: &'a str,
    pub doc: toml_edit::Document<&'a str>,
}

impl<'a> TomlFile<'a> {
    pub fn parse(file: &Path, text: &'a str) -> Result<Self, ConfigError> {
        match toml_edit::Document::parse(text) {
            Ok(doc) => Ok(Self { file: file.to_path_buf(), text, doc }),
            Err(error) => {
                let (line, column) = position(text, error.span().map_or(0, |s| s.start));
                Err(ConfigError::Invalid {
                    file: file.to_path_buf(),
                    line,
                    column,
                    message: format!("not valid TOML: {}", error.message().trim_end()),
                })
            }
        }
    }

    pub fn error(&self, span: Option<Range<usize>>, message: impl Into<String>) -> ConfigError {
        let (line, column) = position(self.text, span.map_or(0, |s| s.start));
        ConfigError::Invalid { file: self.file.clone(), line, column, message: message.into() }
    }

    /// Error located at the key `key` of `table` (or the value if the key has no span).
    pub fn error_at_key(&self, table: &toml_edit::Table, key: &str, message: impl Into<String>) -> ConfigError {
        let span = table.key(key).and_then(toml_edit::Key::span).or_else(|| table.get(key).and_then(toml_edit::Item::span));
        self.error(span, message)
    }

    /// A string value, or an error at its position.
    pub fn string(&self, table: &toml_edit::Table, key: &str) -> Result<Option<String>, ConfigError> {
        match table.get(key) {
            None => Ok(None),
            Some(item) => match item.as_str() {
                Some(text) => Ok(Some(text.to_owned())),
                None => Err(self.error(item.span(), format!("`{key}` must be a string, not {}", item.type_name()))),
            },
        }
    }

    pub fn integer(&self, table: &toml_edit::Table, key: &str) -> Result<Option<i64>, ConfigError> {
        match table.get(key) {
            None => Ok(None),
            Some(item) => match item.as_integer() {
                Some(value) => Ok(Some(value)),
                None => Err(self.error(item.span(), format!("`{key}` must be an integer, not {}", item.type_name()))),
            },
        }
    }

    /// Refuse keys other than `allowed` (typos are caught, not silently ignored).
    pub fn only_keys(&self, table: &toml_edit::Table, allowed: &[&str], what: &str) -> Result<(), ConfigError> {
        for (key, _) in table.iter() {
            if !allowed.contains(&key) {
                return Err(self.error_at_key(
                    table,
                    key,
                    format!("unknown key `{key}` in {what} (expected one of: {})", allowed.join(", ")),
                ));
            }
        }
        Ok(())
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn position(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
