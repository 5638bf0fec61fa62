//! Built-in functions programs call with `Invoke` (tokens listed in `monitor.proto`).

use engine_provider::{OpOptions, Provider};
use serde_json::{Map, Value, json};

use crate::deployment::describe_provider_error;

/// The function tokens this engine serves.
pub const TOKENS: &[&str] = &[
    "engine:getCallerIdentity",
    "engine:getRegion",
    "engine:getAvailabilityZones",
    "engine:cloudcontrol:get",
    "engine:cloudcontrol:list",
];

fn arg<'a>(args: &'a Map<String, Value>, key: &str) -> Result<&'a str, String> {
    args.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("argument {key} (a string) is required"))
}

/// Call one function.
pub async fn invoke(
    provider: &Provider,
    token: &str,
    args: &Map<String, Value>,
    region: &str,
) -> Result<Value, String> {
    let options = OpOptions::new().region(region);
    match token {
        "engine:getRegion" => Ok(json!({ "Region": region })),
        "engine:getCallerIdentity" => {
            let id = provider.caller_identity(&options).await.map_err(|e| describe_provider_error(&e))?;
            Ok(json!({ "AccountId": id.account, "Arn": id.arn, "UserId": id.user_id }))
        }
        "engine:getAvailabilityZones" => {
            let zones = provider.availability_zones(&options).await.map_err(|e| describe_provider_error(&e))?;
            let names: Vec<&str> = zones.iter().map(|z| z.name.as_str()).collect();
            let ids: Vec<&str> = zones.iter().filter_map(|z| z.zone_id.as_deref()).collect();
            Ok(json!({ "Names": names, "ZoneIds": ids }))
        }
        "engine:cloudcontrol:get" => {
            let type_name = arg(args, "TypeName")?;
            let identifier = arg(args, "Identifier")?;
            crate::validate::check_type(type_name, region).map_err(|e| e.to_string())?;
            match provider.get(type_name, identifier, &options).await.map_err(|e| describe_provider_error(&e))? {
                Some(found) => Ok(json!({ "Identifier": found.identifier, "Properties": found.properties })),
                None => Err(format!("no {type_name} with identifier {identifier} exists in {region}")),
            }
        }
        "engine:cloudcontrol:list" => {
            let type_name = arg(args, "TypeName")?;
            crate::validate::check_type(type_name, region).map_err(|e| e.to_string())?;
            let model = args.get("ResourceModel").filter(|m| !m.is_null());
            let found = provider.list(type_name, model, &options).await.map_err(|e| describe_provider_error(&e))?;
            let resources: Vec<Value> =
                found.into_iter().map(|r| json!({ "Identifier": r.identifier, "Properties": r.properties })).collect();
            Ok(json!({ "Resources": resources }))
        }
        other => Err(format!("unknown function {other:?} (known: {})", TOKENS.join(", "))),
    }
}
