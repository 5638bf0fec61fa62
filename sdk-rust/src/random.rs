//! The built-in random resources, `Engine::Random::Password` and `Engine::Random::String`:
//! computed by the engine, stable across runs (a change of `keepers` re-generates them).
//!
//! They are written exactly as generated typed resources are (see the README, "For generated
//! code and bindings"): an argument struct that derives `Serialize`, a wrapper implementing
//! [`TypedResource`], typed output accessors.

use serde::Serialize;
use serde_json::Value;

use crate::context::Context;
use crate::input::Input;
use crate::output::Output;
use crate::resource::{AsResource, Resource, ResourceOptions, TypeInfo, TypedResource};
use crate::Result;

/// Arguments of a random password or string.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RandomArgs {
    /// Number of characters (required).
    pub length: Input<i64>,
    /// Include special characters (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub special: Option<Input<bool>>,
    /// The special characters to use instead of the default set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub override_special: Option<Input<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_upper: Option<Input<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_lower: Option<Input<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_numeric: Option<Input<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_special: Option<Input<i64>>,
    /// Arbitrary values; changing any of them generates a new value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keepers: Option<Input<Value>>,
}

impl RandomArgs {
    /// `length` characters, other settings default.
    #[must_use]
    pub fn length(length: i64) -> Self {
        RandomArgs { length: Input::Value(length), ..Default::default() }
    }
}

/// `Engine::Random::Password`: a random secret.
#[derive(Debug, Clone)]
pub struct RandomPassword {
    resource: Resource,
}

impl TypedResource for RandomPassword {
    const TYPE: TypeInfo = TypeInfo::builtin("Engine::Random::Password");
    type Args = RandomArgs;
    const SECRET_OUTPUTS: &'static [&'static str] = &["Result"];

    fn from_resource(resource: Resource) -> Self {
        RandomPassword { resource }
    }
}

impl AsResource for RandomPassword {
    fn as_resource(&self) -> &Resource {
        &self.resource
    }
}

impl RandomPassword {
    /// # Errors
    /// An invalid name or a duplicate URN (see [`Context::register`]).
    #[track_caller]
    pub fn new(ctx: &Context, name: &str, args: RandomArgs, options: ResourceOptions) -> Result<Self> {
        ctx.create::<Self>(name, &args, options)
    }

    /// The password (always secret).
    #[must_use]
    pub fn result(&self) -> Output<String> {
        self.resource.output("Result")
    }
}

/// `Engine::Random::String`: a random string (not secret).
#[derive(Debug, Clone)]
pub struct RandomString {
    resource: Resource,
}

impl TypedResource for RandomString {
    const TYPE: TypeInfo = TypeInfo::builtin("Engine::Random::String");
    type Args = RandomArgs;

    fn from_resource(resource: Resource) -> Self {
        RandomString { resource }
    }
}

impl AsResource for RandomString {
    fn as_resource(&self) -> &Resource {
        &self.resource
    }
}

impl RandomString {
    /// # Errors
    /// An invalid name or a duplicate URN (see [`Context::register`]).
    #[track_caller]
    pub fn new(ctx: &Context, name: &str, args: RandomArgs, options: ResourceOptions) -> Result<Self> {
        ctx.create::<Self>(name, &args, options)
    }

    #[must_use]
    pub fn result(&self) -> Output<String> {
        self.resource.output("Result")
    }
}
