//! `engine-package`: component packages.
//!
//! A component package is a folder with an `EnginePackage.toml` manifest: the package's name,
//! semver version, runtime (`rust`, `python`, `node`) and plugin entry point, and its declared
//! interface — each component's inputs and outputs, with their types (format: `README.md`).
//!
//! - [`Manifest`]: loading and validating a manifest (errors as `file:line:column: key: ...`).
//! - [`check_inputs`]: a component's inputs checked against its interface (the engine does this
//!   before asking the plugin to construct it: wrong types, unknown or missing inputs).
//! - [`PackageRef`]: `name@requirement` references, matched like Cargo's.
//! - [`bindings`]: the typed bindings (Rust, Python, TypeScript) a consumer in another language
//!   uses (`engine package gen-sdk`, `engine package add`).

pub mod bindings;
mod check;
mod error;
mod manifest;
mod reference;
mod types;

pub use check::{Problem, check_inputs, suggest};
pub use error::{PackageError, Result};
pub use manifest::{MANIFEST_FILE, Manifest, Runtime};
pub use reference::PackageRef;
pub use types::{Component, ObjectType, Property, TypeRef};
