//! The engine SDK core.
//!
//! A program declares resources; the engine plans and deploys them. This crate is the one
//! implementation of every SDK rule — the connection to the engine, [`Output`] semantics
//! (unknowns in preview, secrets, dependency tracking), input serialization, registration of
//! resources and components, stack outputs, config and logging — used directly by Rust programs
//! and wrapped thinly by the Python (pyo3) and Node (napi-rs) SDKs.
//!
//! ```no_run
//! use engine_sdk::prelude::*;
//! use serde_json::json;
//!
//! #[engine_sdk::main]
//! async fn main(ctx: Context) -> Result<()> {
//!     let retention = ctx.config().get_i64("logRetentionDays")?.unwrap_or(14);
//!     let logs = ctx.register_resource(
//!         "AWS::Logs::LogGroup",
//!         "handler-logs",
//!         json!({ "RetentionInDays": retention }),
//!         ResourceOptions::default(),
//!     )?;
//!     ctx.export("logGroupArn", logs.output::<String>("Arn"));
//!     Ok(())
//! }
//! ```
//!
//! See `README.md` for the model, and its section "For generated code and bindings" for the
//! surface generated typed resources and the language bindings use.

mod asset;
pub mod binding;
mod config;
mod context;
mod error;
mod functions;
mod input;
mod monitor;
mod output;
pub mod provider;
pub mod random;
mod resource;
mod run;
pub mod runtime;
/// Typed AWS resources, one module per service behind the feature `aws-<service>` (`aws-all`
/// for every one), generated at build time by `engine-codegen` (see `engine/codegen/RUNTIME.md`).
#[cfg(feature = "aws")]
#[allow(missing_docs, unreachable_pub, clippy::all, clippy::pedantic)]
pub mod aws {
    include!(concat!(env!("OUT_DIR"), "/aws/mod.rs"));
}
#[cfg(feature = "testing")]
pub mod testing;
mod tracker;
pub mod typed;

pub use asset::{FileArchive, FileAsset};
pub use config::Config;
pub use context::{ConnectOptions, Context, DeploymentInfo, SDK_NAME, SDK_VERSION, Severity};
#[cfg(feature = "macros")]
pub use engine_sdk_macros::main;
pub use error::{Error, Result};
pub use functions::{AvailabilityZones, CallerIdentity, CloudResource, tokens};
pub use input::{DynInput, Input, ResolvedValue};
pub use monitor::DEFAULT_MAX_CONCURRENT_CALLS;
pub use output::{Output, OutputResolver, OutputValue, Resolved, Urns};
pub use resource::{
    Alias, AliasParent, AsResource, Component, CustomTimeouts, RegisterKind, RegisteredOutputs, Registration, Resource,
    ResourceKind, ResourceOptions, ResourceSpec, TypeInfo, TypedResource,
};
pub use run::run;

/// The protocol crate (stubs and value encoding), for bindings and generated code.
pub use engine_proto as proto;
/// Re-exported for generated code (`#[derive(serde::Serialize)]` without a direct dependency).
pub use serde;
pub use serde_json;

/// What a program usually needs.
pub mod prelude {
    pub use crate::random::{RandomArgs, RandomPassword, RandomString};
    pub use crate::{
        Alias, AsResource, Component, Config, Context, CustomTimeouts, DynInput, Error, FileArchive, FileAsset, Input,
        Output, Resource, ResourceOptions, Result, Severity,
    };
}
