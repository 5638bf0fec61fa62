//! `engine-sdk-node`: the native addon of the Node SDK (npm package `engine-sdk`).
//!
//! A thin napi-rs binding over the SDK core (`engine-sdk`): each export converts JavaScript
//! values to the core's dynamic layer, calls the core, and converts back. No rule of
//! serialization, secrets, unknowns, dependencies or registration is implemented here or in the
//! TypeScript facade (`ts/`), which wraps these `Binding*` classes in the public API.
//!
//! Every core future runs on the SDK's own runtime (`engine_sdk::runtime`); Promises returned to
//! JavaScript are settled from there (`promise.rs`), so nothing blocks the event loop except the
//! first connection (one loopback round trip, once per program).

// napi-rs's generated glue and the value walker (`convert.rs`) call Node-API directly.
#![allow(unsafe_code, reason = "Node-API is a C API; every unsafe block states its invariant")]

mod asset;
mod config;
mod context;
mod convert;
mod error;
mod output;
mod promise;
mod provider;
mod resource;
mod testing;
mod typed;

pub use asset::BindingAsset;
pub use config::BindingConfig;
pub use context::BindingContext;
pub use output::{BindingCompletion, BindingOutput};
pub use provider::BindingConstruct;
pub use resource::BindingResource;
pub use testing::BindingMock;
pub use typed::BindingShapeTable;

/// The core's protocol version (what this addon speaks to the engine).
#[napi_derive::napi]
pub fn protocol_version() -> u32 {
    engine_sdk::proto::PROTOCOL_VERSION
}

/// The addon's version (the SDK core's).
#[napi_derive::napi]
pub fn native_version() -> &'static str {
    context::SDK_VERSION
}

/// How a source file is shown in a registration's source position (the core's rule: relative to
/// the working folder when inside it).
#[napi_derive::napi]
pub fn display_path(file: String) -> String {
    engine_sdk::binding::display_path(&file)
}
