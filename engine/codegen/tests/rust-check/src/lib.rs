//! The generated Rust resources, compiled against `engine-sdk` from outside the SDK (the SDK's
//! own build generates them too, behind per-service features).
//!
//! Type-checks of programs written with them: this one compiles (nested types, enums, maps,
//! outputs flowing into inputs)...
//!
//! ```
//! use engine_codegen_rust_check::aws::{self, ecs, s3};
//! use engine_sdk::prelude::*;
//!
//! fn program(ctx: &Context) -> Result<()> {
//!     let bucket = s3::Bucket::new(ctx, "logs", s3::BucketArgs {
//!         tags: Some(vec![aws::TagArgs::new("team", "core").into()].into()),
//!         versioning_configuration: Some(s3::BucketVersioningConfigurationArgs {
//!             status: s3::BucketVersioningConfigurationStatus::Enabled.into(),
//!             ..Default::default()
//!         }.into()),
//!         ..Default::default()
//!     }, ResourceOptions::default())?;
//!     let _task = ecs::TaskDefinition::new(ctx, "task", ecs::TaskDefinitionArgs {
//!         container_definitions: Some(vec![ecs::TaskDefinitionContainerDefinitionArgs {
//!             name: "app".into(),
//!             image: "nginx".into(),
//!             environment: Some(vec![ecs::TaskDefinitionKeyValuePairArgs {
//!                 name: Some("BUCKET".into()),
//!                 value: Some(bucket.bucket_name().into()),
//!             }.into()].into()),
//!             ..Default::default()
//!         }.into()].into()),
//!         ..Default::default()
//!     }, ResourceOptions::default())?;
//!     let arn: Output<String> = bucket.arn();
//!     ctx.export("bucketArn", arn);
//!     Ok(())
//! }
//! ```
//!
//! ...and so do these lines, which the failing examples below change in one place only (stable
//! rustdoc does not check a `compile_fail` example's error code, so each failure is shown to
//! come from the misuse alone):
//!
//! ```
//! use engine_codegen_rust_check::aws::s3;
//! let _ = s3::BucketVersioningConfigurationArgs { status: s3::BucketVersioningConfigurationStatus::Enabled.into(), ..Default::default() };
//! let _ = s3::BucketArgs { bucket_name: Some("logs".into()), ..Default::default() };
//! let _ = s3::BucketArgs { bucket_name: Some("arn:aws:s3:::logs".into()), ..Default::default() };
//! ```
//!
//! These misuse a property and must not compile: a string where an enum is expected,
//!
//! ```compile_fail,E0277
//! use engine_codegen_rust_check::aws::s3;
//! let _ = s3::BucketVersioningConfigurationArgs { status: "Enabled".into(), ..Default::default() };
//! ```
//!
//! a misspelt property,
//!
//! ```compile_fail,E0560
//! use engine_codegen_rust_check::aws::s3;
//! let _ = s3::BucketArgs { bucket_nam: Some("logs".into()), ..Default::default() };
//! ```
//!
//! and a read-only property given as an argument.
//!
//! ```compile_fail,E0560
//! use engine_codegen_rust_check::aws::s3;
//! let _ = s3::BucketArgs { arn: Some("arn:aws:s3:::logs".into()), ..Default::default() };
//! ```

#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod aws {
    include!(concat!(env!("OUT_DIR"), "/aws/mod.rs"));
}
