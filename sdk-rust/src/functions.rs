//! Built-in functions (`Invoke`): caller identity, region, availability zones, and Cloud
//! Control get/list of existing resources.

use engine_proto::v1::InvokeRequest;
use engine_proto::value as wire;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::context::Context;
use crate::input::DynInput;
use crate::output::{Output, Resolved};
use crate::{Error, Result};

/// The function tokens of `InvokeRequest`.
pub mod tokens {
    pub const GET_CALLER_IDENTITY: &str = "engine:getCallerIdentity";
    pub const GET_REGION: &str = "engine:getRegion";
    pub const GET_AVAILABILITY_ZONES: &str = "engine:getAvailabilityZones";
    pub const CLOUDCONTROL_GET: &str = "engine:cloudcontrol:get";
    pub const CLOUDCONTROL_LIST: &str = "engine:cloudcontrol:list";
}

/// The account and principal the engine acts as.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CallerIdentity {
    pub account_id: String,
    pub arn: String,
    pub user_id: String,
}

/// A region's availability zones.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AvailabilityZones {
    pub names: Vec<String>,
    pub zone_ids: Vec<String>,
}

/// A resource as Cloud Control describes it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CloudResource {
    pub identifier: String,
    pub properties: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RegionResult {
    region: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListResult {
    #[serde(default)]
    resources: Vec<CloudResource>,
}

impl Context {
    /// Call a built-in function with plain arguments; the result in the wire encoding.
    ///
    /// # Errors
    /// The engine's error (an unknown function, a failed cloud call).
    pub async fn invoke(&self, token: &str, args: Map<String, Value>, region: Option<&str>) -> Result<Value> {
        self.check()?;
        let response = self
            .inner
            .monitor
            .invoke(InvokeRequest {
                token: token.to_owned(),
                args: Some(wire::to_struct(&args)),
                region: region.unwrap_or_default().to_owned(),
            })
            .await
            .map_err(|error| match error {
                Error::Engine { call, code, message } => {
                    Error::Engine { call, code, message: format!("function {token}: {message}") }
                }
                other => other,
            })?;
        Ok(Value::Object(response.result.as_ref().map(wire::from_struct).unwrap_or_default()))
    }

    /// Call a built-in function whose arguments may contain outputs: the result is an output
    /// (unknown when an argument is unknown in preview, secret when an argument or the result
    /// is, depending on the arguments' resources).
    #[must_use]
    pub fn invoke_output(&self, token: &str, args: DynInput, region: Option<&str>) -> Output<Value> {
        let ctx = self.clone();
        let token = token.to_owned();
        let region = region.map(str::to_owned);
        let arguments = args.into_output();
        arguments.apply_output(move |args| async move {
            let Value::Object(args) = args else {
                return Err(Error::Invalid(format!("function {token}: arguments must be an object")));
            };
            let result = ctx.invoke(&token, args, region.as_deref()).await?;
            let (plain, secret) = wire::unwrap_secrets(&result);
            Ok(Output::from_resolved(Resolved { secret, ..Resolved::known(plain) }))
        })
    }

    async fn invoke_typed<T: DeserializeOwned>(&self, token: &str, args: Value, region: Option<&str>) -> Result<T> {
        let args = match args {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let result = self.invoke(token, args, region).await?;
        let (plain, _) = wire::unwrap_secrets(&result);
        serde_json::from_value(plain)
            .map_err(|error| Error::Serialization(format!("function {token}: unexpected result: {error}")))
    }

    /// The account, ARN and user id the engine acts as.
    ///
    /// # Errors
    /// See [`Context::invoke`].
    pub async fn get_caller_identity(&self) -> Result<CallerIdentity> {
        self.invoke_typed(tokens::GET_CALLER_IDENTITY, json!({}), None).await
    }

    /// The stack's region (as the engine resolves it).
    ///
    /// # Errors
    /// See [`Context::invoke`].
    pub async fn get_region(&self) -> Result<String> {
        self.invoke_typed::<RegionResult>(tokens::GET_REGION, json!({}), None).await.map(|result| result.region)
    }

    /// The availability zones of a region (default: the stack's).
    ///
    /// # Errors
    /// See [`Context::invoke`].
    pub async fn get_availability_zones(&self, region: Option<&str>) -> Result<AvailabilityZones> {
        self.invoke_typed(tokens::GET_AVAILABILITY_ZONES, json!({}), region).await
    }

    /// One existing resource by type and identifier.
    ///
    /// # Errors
    /// See [`Context::invoke`] (e.g. no such resource).
    pub async fn cloudcontrol_get(&self, type_name: &str, identifier: &str, region: Option<&str>) -> Result<CloudResource> {
        self.invoke_typed(tokens::CLOUDCONTROL_GET, json!({"TypeName": type_name, "Identifier": identifier}), region)
            .await
    }

    /// The existing resources of a type (some types need a partial `resource_model`).
    ///
    /// # Errors
    /// See [`Context::invoke`].
    pub async fn cloudcontrol_list(
        &self,
        type_name: &str,
        resource_model: Option<Value>,
        region: Option<&str>,
    ) -> Result<Vec<CloudResource>> {
        let mut args = json!({"TypeName": type_name});
        if let Some(model) = resource_model {
            args["ResourceModel"] = model;
        }
        self.invoke_typed::<ListResult>(tokens::CLOUDCONTROL_LIST, args, region).await.map(|result| result.resources)
    }
}
