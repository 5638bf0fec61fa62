//! Typed bindings of a package's components for consumers in another language.

use crate::error::{PackageError, Result};

/// A consumer's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    Rust,
    Python,
    Node,
}

impl Language {
    /// `rust`, `python`, `node` (or `typescript`, `ts`).
    ///
    /// # Errors
    /// Another name.
    pub fn parse(text: &str) -> Result<Language> {
        Ok(match text {
            "rust" => Language::Rust,
            "python" | "py" => Language::Python,
            "node" | "nodejs" | "typescript" | "ts" => Language::Node,
            other => return Err(PackageError::Language(other.to_owned())),
        })
    }
}
