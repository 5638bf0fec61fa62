//! `engine-deploy`: the engine's heart.
//!
//! A run ([`run::run`]) locks the stack, resolves what a crashed run left in flight
//! ([`recovery`]), serves the resource monitor ([`monitor`]: gRPC on `127.0.0.1`, a random
//! per-run token), starts the program ([`runner`]: rust, python, node), and plans and executes
//! every registration on its own task as soon as its dependencies are done ([`deployment`],
//! [`graph`]). Planning ([`diff`]) follows the CloudFormation schemas: update versus replace,
//! minimal nested JSON Patches, write-only values re-sent, unordered arrays compared as sets,
//! cloud defaults ignored. Everything desired is validated against the schema before any cloud
//! call ([`validate`]). Assets (files, folders) are uploaded to a staging bucket and replaced by
//! their S3 location ([`assets`]). Components of packages written in another language are built
//! by the package's plugin on the same monitor ([`plugins`], `construct`). When the program
//! succeeded, what it no longer declares is deleted in reverse dependency order, in parallel
//! (`finish`). Progress is reported as [`events`], which
//! the CLI renders (live tree, plain lines, JSON).
//!
//! # Resource options and inheritance
//!
//! This is the one statement of the rule; the three SDKs document and follow it.
//!
//! A resource inherits from its parent (component or custom resource) its `region` (when it sets
//! none), `protect` and `retainOnDelete` (a parent's `true` wins: a child cannot turn them off
//! under a protected or retained parent). Inheritance is transitive: a component's options reach
//! every descendant. Other options (`ignoreChanges`, `replaceOnChanges`, `deleteBeforeReplace`,
//! `customTimeouts`, `aliases`, `import`, `additionalSecretOutputs`) are per resource.
//! `dependsOn` on a component means depending on the component and everything registered under
//! it (the SDKs expand it). `deleteBeforeReplace` unset lets the engine decide: delete first only
//! when the new resource would collide with the old one (the same user-set primary identifier,
//! or the same user-set create-only `*Name`).
//!
//! A remote component (built by a package's plugin, [`plugins`]) follows the same rule: the
//! options a program gives it reach the plugin (`ConstructRequest.options`), which registers the
//! component with them, so its children inherit exactly as they would from a component of the
//! program's own language.
//!
//! # Use
//!
//! ```no_run
//! # async fn demo(project: &engine_config::Project, stack: &engine_config::Stack, crypter: &engine_config::Crypter)
//! # -> Result<(), engine_deploy::DeployError> {
//! use std::sync::Arc;
//! use engine_deploy::{Operation, RunOptions, run, events::NullSink};
//! let outcome = run(project, stack, crypter, RunOptions::new(Operation::Up), Arc::new(NullSink)).await?;
//! println!("ok: {}, changes: {}", outcome.ok, outcome.changes);
//! # Ok(()) }
//! ```

pub mod assets;
pub mod builtins;
pub mod cloud;
mod construct;
pub mod deployment;
pub mod diff;
pub mod error;
pub mod events;
mod finish;
pub mod functions;
pub mod graph;
pub mod model;
pub mod monitor;
pub mod plugins;
pub mod recovery;
mod refresh;
pub mod resource_graph;
pub mod run;
pub mod runner;
pub mod validate;

pub use deployment::{CancelSignal, StackInfo, child_urn};
pub use error::DeployError;
pub use events::{Event, EventSink, Operation, StepOp, TimedEvent};
pub use run::{RunOptions, RunOutcome, Session, run};

/// What a secret is shown as.
pub const MASK: &str = engine_config::MASK;
