//! The typed SDK generator: from the CloudFormation schemas (`engine-schema`) to resource types
//! in Rust, Python and TypeScript.
//!
//! ```text
//! Registry ──▶ Model (services → resources → properties, named types, enums, metadata)
//!                 ├──▶ emit::rust    one module per service (built into OUT_DIR by engine-sdk)
//!                 ├──▶ emit::python  engine_sdk/aws/<service>.py
//!                 └──▶ emit::typescript  aws/<service>.{js,mjs,d.ts}
//! ```
//!
//! Python and TypeScript code carries a *shape table* per service module (see [`shape`]): the
//! SDK core (Rust) reads it to rename properties between each language's casing and the
//! schema's names, so no serialization rule is written in Python or TypeScript. The runtime
//! surface generated code calls is specified in `RUNTIME.md`.

mod error;
pub mod shape;

#[cfg(feature = "generator")]
pub mod emit;
#[cfg(feature = "generator")]
pub mod model;
#[cfg(feature = "generator")]
pub mod naming;

pub use error::Error;
#[cfg(feature = "generator")]
pub use emit::{GeneratedFile, Language, Options, generate, write_files};
#[cfg(feature = "generator")]
pub use model::{Model, ModelOptions};
