//! Checks of every desired resource before any cloud call: the type exists, is available in the
//! resource's region and can be provisioned through Cloud Control, and the desired model
//! satisfies the type's schema (types, unknown properties, required properties, enums, patterns,
//! ...) and sets no read-only property. Each problem names the property path.
//!
//! Models may hold unknowns (preview): a problem located at (or inside) an unknown value is not
//! reported, and a required property whose value is unknown counts as present.

use std::sync::Arc;

use engine_proto::value;
use engine_schema::{Registry, ResourceSchema, SchemaError};
use serde_json::{Map, Value};

use crate::builtins;

/// One problem with a desired model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `/A/0/B`, or `/` for the whole model.
    pub path: String,
    pub message: String,
}

/// What a type check found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TypeProblem {
    #[error("{0}")]
    Unknown(String),
    #[error("resource type {type_name} is not available in region {region}")]
    NotInRegion { type_name: String, region: String },
    #[error("unknown region {0}")]
    UnknownRegion(String),
    #[error(
        "resource type {0} cannot be provisioned through Cloud Control (its schema lacks a create, read or delete handler)"
    )]
    NotProvisionable(String),
}

/// The schema of a Cloud Control type usable in `region` (built-ins have none: `Ok(None)`).
pub fn check_type(type_name: &str, region: &str) -> Result<Option<Arc<ResourceSchema>>, TypeProblem> {
    if builtins::is_builtin(type_name) {
        return Ok(None);
    }
    let registry = Registry::global();
    let schema = match registry.lookup(region, type_name) {
        Ok(schema) => schema,
        Err(SchemaError::UnknownType { .. }) => {
            let err = registry
                .get(type_name)
                .err()
                .map_or_else(|| format!("unknown resource type {type_name}"), |e| e.to_string());
            return Err(TypeProblem::Unknown(err));
        }
        Err(SchemaError::NotInRegion { type_name, region }) => {
            return Err(TypeProblem::NotInRegion { type_name, region });
        }
        Err(SchemaError::UnknownRegion(r)) => return Err(TypeProblem::UnknownRegion(r)),
        Err(other) => return Err(TypeProblem::Unknown(other.to_string())),
    };
    if !schema.is_provisionable() {
        return Err(TypeProblem::NotProvisionable(type_name.to_owned()));
    }
    Ok(Some(schema))
}

fn path_string(path: &[String]) -> String {
    crate::diff::location_string(path)
}

/// Whether the value at `path` or at any of its ancestors is unknown.
fn under_unknown(model: &Value, path: &[String]) -> bool {
    let mut current = model;
    if value::is_unknown(current) {
        return true;
    }
    for step in path {
        let next = match current {
            Value::Object(map) => map.get(step),
            Value::Array(items) => step.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        match next {
            Some(next) if value::is_unknown(next) => return true,
            Some(next) => current = next,
            None => return false,
        }
    }
    false
}

/// The value at `path` (object keys and array indexes).
fn value_at<'a>(model: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(model, |current, step| match current {
        Value::Object(map) => map.get(step),
        Value::Array(items) => step.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

/// Replace each unknown by a placeholder that no keyword looks at too closely: unknowns are
/// removed from objects and arrays, so validation of the rest proceeds; the problems they
/// would cause are filtered out by location afterwards.
fn without_unknowns(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter().filter(|(_, v)| !value::is_unknown(v)).map(|(k, v)| (k.clone(), without_unknowns(v))).collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_unknowns).collect()),
        other => other.clone(),
    }
}

/// Validate a (plain) desired model against its schema.
#[must_use]
pub fn validate_model(schema: Option<&ResourceSchema>, type_name: &str, model: &Map<String, Value>) -> Vec<Problem> {
    let Some(schema) = schema else {
        if builtins::is_builtin(type_name) {
            return builtins::validate(model).into_iter().map(|(path, message)| Problem { path, message }).collect();
        }
        return Vec::new();
    };
    let whole = Value::Object(model.clone());
    let mut problems = Vec::new();
    for key in model.keys() {
        if schema.is_read_only(&[key.as_str()]) && schema.property(key).is_some() {
            problems.push(Problem {
                path: format!("/{key}"),
                message: "read-only property: the cloud sets it, a program cannot".to_owned(),
            });
        }
    }
    let has_unknowns = value::contains_unknowns(&whole);
    let checked = if has_unknowns { without_unknowns(&whole) } else { whole.clone() };
    for issue in schema.validator().validate(&checked) {
        if has_unknowns {
            if under_unknown(&whole, &issue.path) {
                continue;
            }
            // A required key that is unknown is present.
            if issue.kind == engine_schema::IssueKind::Required {
                let missing = issue.message.split('[').nth(1).and_then(|s| s.split(']').next()).unwrap_or("");
                let mut at = issue.path.clone();
                at.push(missing.to_owned());
                if under_unknown(&whole, &at) {
                    continue;
                }
            }
            // Items that differ only by unknown values look the same once those are removed.
            if issue.kind == engine_schema::IssueKind::UniqueItems
                && value_at(&whole, &issue.path).is_some_and(value::contains_unknowns)
            {
                continue;
            }
            // Combinators over an object holding unknowns cannot be decided.
            if matches!(
                issue.kind,
                engine_schema::IssueKind::OneOf | engine_schema::IssueKind::AnyOf | engine_schema::IssueKind::Not
            ) {
                continue;
            }
        }
        problems.push(Problem { path: path_string(&issue.path), message: issue.message.clone() });
    }
    problems
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(type_name: &str, model: Value) -> Vec<Problem> {
        let schema = check_type(type_name, "us-east-1").unwrap();
        validate_model(schema.as_deref(), type_name, model.as_object().unwrap())
    }

    #[test]
    fn type_problems_are_clear() {
        let err = check_type("AWS::S3::Bukcet", "us-east-1").unwrap_err();
        assert!(err.to_string().contains("did you mean AWS::S3::Bucket"), "{err}");
        // AWS::CloudFormation::WaitCondition has no handlers.
        let err = check_type("AWS::CloudFormation::WaitCondition", "us-east-1").unwrap_err();
        assert!(matches!(err, TypeProblem::NotProvisionable(_)), "{err}");
        assert!(check_type(builtins::PASSWORD, "us-east-1").unwrap().is_none());
    }

    #[test]
    fn model_problems_name_the_path() {
        let problems = check("AWS::Logs::LogGroup", json!({"RetentionInDays": "seven", "Bogus": 1}));
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert!(paths.contains(&"/RetentionInDays"), "{problems:?}");
        assert!(problems.iter().any(|p| p.message.contains("Bogus")), "{problems:?}");
        let problems = check("AWS::S3::Bucket", json!({"Arn": "x"}));
        assert_eq!(problems[0].path, "/Arn");
        let problems = check("AWS::SQS::Queue", json!({"QueueName": "ok"}));
        assert!(problems.is_empty(), "{problems:?}");
        // Required: AWS::IAM::Role needs AssumeRolePolicyDocument.
        let problems = check("AWS::IAM::Role", json!({}));
        assert!(problems.iter().any(|p| p.message.contains("AssumeRolePolicyDocument")), "{problems:?}");
    }

    #[test]
    fn unknowns_are_tolerated() {
        let problems = check("AWS::IAM::Role", json!({"AssumeRolePolicyDocument": value::unknown()}));
        assert!(problems.is_empty(), "{problems:?}");
        let problems = check(
            "AWS::Logs::LogGroup",
            json!({"RetentionInDays": value::unknown(), "Tags": [{"Key": value::unknown(), "Value": "v"}]}),
        );
        assert!(problems.is_empty(), "{problems:?}");
        // Target groups known only by their unknown names are not duplicates (uniqueItems).
        let pairs = json!({
            "ApplicationName": "app",
            "ServiceRoleArn": "arn:aws:iam::123456789012:role/deploy",
            "DeploymentGroupName": "group",
            "LoadBalancerInfo": {"TargetGroupPairInfoList": [{
                "TargetGroups": [{"Name": value::unknown()}, {"Name": value::unknown()}],
                "ProdTrafficRoute": {"ListenerArns": ["arn:prod"]}
            }]}
        });
        let problems = check("AWS::CodeDeploy::DeploymentGroup", pairs.clone());
        assert!(problems.is_empty(), "{problems:?}");
        // Known duplicates are still refused.
        let mut known = pairs;
        known["LoadBalancerInfo"]["TargetGroupPairInfoList"][0]["TargetGroups"] = json!([{"Name": "a"}, {"Name": "a"}]);
        let problems = check("AWS::CodeDeploy::DeploymentGroup", known);
        assert!(problems.iter().any(|p| p.message.contains("not unique")), "{problems:?}");
    }
}
