//! Identifiers (`|`-joined and JSON forms), autonaming, and write-only stripping.

use engine_schema::{PropPath, ResourceSchema, Segment};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::model::Rng;

/// What an `Identifier` request member names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentifierQuery {
    /// The primary identifier, `|`-joined.
    Primary(String),
    /// Values of one of the type's `additionalIdentifiers` (JSON form only).
    Secondary(Vec<(PropPath, String)>),
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The value at a path made only of keys.
pub fn value_at<'a>(model: &'a Value, path: &PropPath) -> Option<&'a Value> {
    let mut value = model;
    for segment in path.segments() {
        match segment {
            Segment::Key(key) => value = value.get(key)?,
            Segment::Any => return None,
        }
    }
    Some(value)
}

fn is_required(schema: &ResourceSchema, path: &PropPath) -> bool {
    path.segments().len() == 1 && path.root().is_some_and(|r| schema.required.iter().any(|q| q == r))
}

/// The `|`-joined primary identifier of a model. An optional part of a composite identifier that
/// is unset (Route 53's `SetIdentifier`) counts as empty.
#[must_use]
pub fn identifier_of(schema: &ResourceSchema, model: &Value) -> Option<String> {
    let composite = schema.primary_identifier.len() > 1;
    let mut parts = Vec::with_capacity(schema.primary_identifier.len());
    for path in &schema.primary_identifier {
        match value_at(model, path).and_then(scalar_text) {
            Some(text) => parts.push(text),
            None if composite && !is_required(schema, path) && !schema.is_read_only(&path_steps(path)) => {
                parts.push(String::new());
            }
            None => return None,
        }
    }
    if parts.is_empty() || parts.iter().all(String::is_empty) { None } else { Some(parts.join("|")) }
}

/// Whether the client supplied every part of the primary identifier (the first event then carries
/// it).
#[must_use]
pub fn client_identifier(schema: &ResourceSchema, desired: &Value) -> Option<String> {
    if schema.primary_identifier.iter().any(|p| schema.is_read_only(&path_steps(p))) {
        return None;
    }
    identifier_of(schema, desired)
}

pub fn path_steps(path: &PropPath) -> Vec<&str> {
    path.segments()
        .iter()
        .map(|s| match s {
            Segment::Key(k) => k.as_str(),
            Segment::Any => "*",
        })
        .collect()
}

fn primary_names(schema: &ResourceSchema) -> String {
    schema.primary_identifier.iter().map(|p| p.to_string().trim_start_matches('/').to_owned()).collect::<Vec<_>>().join("|")
}

/// Parse the `Identifier` member: the `|`-joined string form, or a JSON object keyed by bare
/// property names naming the primary identifier or one of the additional identifiers.
pub fn parse_identifier(schema: &ResourceSchema, text: &str) -> Result<IdentifierQuery, ApiError> {
    let bad = |why: &str| {
        ApiError::validation(format!(
            "Identifier {text} is not valid for type {}: {why} (primary identifier: {})",
            schema.type_name,
            primary_names(schema)
        ))
    };
    if text.is_empty() {
        return Err(bad("it is empty"));
    }
    if text.trim_start().starts_with('{')
        && let Ok(Value::Object(object)) = serde_json::from_str::<Value>(text) {
            return parse_json_identifier(schema, &object).ok_or_else(|| {
                bad("its keys are neither the primary identifier nor one of the additional identifiers")
            });
        }
    let count = schema.primary_identifier.len().max(1);
    let parts: Vec<&str> = text.splitn(count, '|').collect();
    if parts.len() != count {
        return Err(bad(&format!("expected {count} values joined with '|'")));
    }
    Ok(IdentifierQuery::Primary(text.to_owned()))
}

fn parse_json_identifier(schema: &ResourceSchema, object: &Map<String, Value>) -> Option<IdentifierQuery> {
    let key_of = |path: &PropPath| path.to_string().trim_start_matches('/').to_owned();
    let lookup = |paths: &[PropPath]| -> Option<Vec<(PropPath, String)>> {
        if object.len() != paths.len() {
            return None;
        }
        paths
            .iter()
            .map(|p| {
                let key = key_of(p);
                let value = object.get(&key).or_else(|| object.get(&p.to_pointer()))?;
                Some((p.clone(), scalar_text(value)?))
            })
            .collect()
    };
    if let Some(values) = lookup(&schema.primary_identifier) {
        return Some(IdentifierQuery::Primary(values.into_iter().map(|(_, v)| v).collect::<Vec<_>>().join("|")));
    }
    for additional in &schema.additional_identifiers {
        if let Some(values) = lookup(additional) {
            return Some(IdentifierQuery::Secondary(values));
        }
    }
    None
}

/// Remove every write-only value (`*` walks array items and map values).
pub fn strip_write_only(schema: &ResourceSchema, model: &mut Value) {
    for path in &schema.write_only {
        remove_path(model, path.segments());
    }
}

fn remove_path(value: &mut Value, segments: &[Segment]) {
    let Some((first, rest)) = segments.split_first() else { return };
    match first {
        Segment::Key(key) => {
            if let Value::Object(object) = value {
                if rest.is_empty() {
                    object.remove(key);
                } else if let Some(child) = object.get_mut(key) {
                    remove_path(child, rest);
                }
            }
        }
        Segment::Any => match value {
            Value::Array(items) => items.iter_mut().for_each(|item| remove_path(item, rest)),
            Value::Object(object) if !rest.is_empty() => object.values_mut().for_each(|item| remove_path(item, rest)),
            _ => {}
        },
    }
}

/// The read form of a model: write-only values removed.
#[must_use]
pub fn read_model(schema: &ResourceSchema, model: &Value) -> Value {
    let mut out = model.clone();
    strip_write_only(schema, &mut out);
    out
}

fn short_type(type_name: &str) -> &str {
    type_name.rsplit("::").next().unwrap_or(type_name)
}

/// Properties that name a resource without being its primary identifier, per type: autonamed
/// like the primary identifier when unset (the read-only ids and ARNs embed them).
fn extra_name_properties(type_name: &str) -> &'static [&'static str] {
    match type_name {
        "AWS::SQS::Queue" => &["QueueName"],
        "AWS::SNS::Topic" => &["TopicName"],
        "AWS::SecretsManager::Secret" => &["Name"],
        "AWS::EC2::SecurityGroup" => &["GroupName"],
        "AWS::ECS::TaskDefinition" => &["Family"],
        "AWS::ECS::Service" => &["ServiceName"],
        "AWS::ElasticLoadBalancingV2::LoadBalancer" | "AWS::ElasticLoadBalancingV2::TargetGroup" => &["Name"],
        "AWS::Events::Rule" => &["Name"],
        "AWS::IAM::ManagedPolicy" => &["ManagedPolicyName"],
        "AWS::RDS::DBProxyTargetGroup" => &[],
        "AWS::WAFv2::WebACL" => &["Name"],
        "AWS::CodeStarConnections::Connection" => &[],
        _ => &[],
    }
}

/// Candidate name shapes, tried in order until one satisfies the property's schema.
fn candidates(base: &str, rng: &mut Rng, max: usize) -> Vec<String> {
    let lower_base: String = base.to_ascii_lowercase().chars().filter(char::is_ascii_alphanumeric).collect();
    let suffix = rng.lower(12);
    let upper_suffix = suffix.to_ascii_uppercase();
    let fit = |prefix: &str, sep: &str, suffix: &str| -> String {
        let room = max.saturating_sub(suffix.len() + sep.len());
        let prefix: String = prefix.chars().take(room).collect();
        if prefix.is_empty() { suffix.chars().take(max).collect() } else { format!("{prefix}{sep}{suffix}") }
    };
    vec![
        fit(&lower_base, "-", &suffix),
        fit(base, "-", &upper_suffix),
        fit(&lower_base, "", &suffix),
        fit(&base.to_ascii_uppercase(), "", &upper_suffix),
        fit(base, "", &upper_suffix),
        fit("", "", &rng.hex(12)),
        fit("a", "", &suffix),
        fit(&lower_base, "_", &suffix),
        fit(&lower_base, ".", &suffix),
    ]
}

/// Give unset name-like primary identifier properties (and the per-type name properties) a
/// generated name that satisfies the property's pattern and length. Returns the names set.
pub fn autoname(schema: &ResourceSchema, model: &mut Value, rng: &mut Rng) -> Vec<String> {
    let mut names: Vec<&str> = schema
        .primary_identifier
        .iter()
        .filter(|p| p.segments().len() == 1 && !schema.is_read_only(&path_steps(p)))
        .filter_map(PropPath::root)
        .collect();
    names.extend(extra_name_properties(&schema.type_name));
    let mut set = Vec::new();
    let Some(object) = model.as_object_mut() else { return set };
    for name in names {
        if object.contains_key(name) || !is_name_like(name) {
            continue;
        }
        let Some(property) = schema.property(name) else { continue };
        if property.get("type").and_then(Value::as_str).is_some_and(|t| t != "string") {
            continue;
        }
        let max = property.get("maxLength").and_then(Value::as_u64).unwrap_or(64).min(64) as usize;
        let min = property.get("minLength").and_then(Value::as_u64).unwrap_or(1) as usize;
        let base = short_type(&schema.type_name);
        let fifo = fifo_suffix(&schema.type_name, object);
        for mut candidate in candidates(base, rng, max.saturating_sub(fifo.len()).max(min)) {
            candidate.push_str(fifo);
            let value = Value::String(candidate);
            if schema.validator().validate_property(name, &value).is_empty() {
                object.insert(name.to_owned(), value);
                set.push(name.to_owned());
                break;
            }
        }
    }
    set
}

fn fifo_suffix(type_name: &str, object: &Map<String, Value>) -> &'static str {
    let flag = match type_name {
        "AWS::SQS::Queue" => "FifoQueue",
        "AWS::SNS::Topic" => "FifoTopic",
        _ => return "",
    };
    if object.get(flag).and_then(Value::as_bool) == Some(true) { ".fifo" } else { "" }
}

fn is_name_like(name: &str) -> bool {
    name.ends_with("Name") || name.ends_with("Identifier") || name.ends_with("Id") || name == "Family"
}

#[cfg(test)]
mod tests {
    use engine_schema::Registry;
    use serde_json::json;

    use super::*;

    fn schema(t: &str) -> std::sync::Arc<ResourceSchema> {
        Registry::global().get(t).unwrap()
    }

    #[test]
    fn identifiers() {
        let method = schema("AWS::ApiGateway::Method");
        let model = json!({"RestApiId": "abc", "ResourceId": "r1", "HttpMethod": "GET"});
        assert_eq!(identifier_of(&method, &model).as_deref(), Some("abc|r1|GET"));
        assert_eq!(parse_identifier(&method, "abc|r1|GET").unwrap(), IdentifierQuery::Primary("abc|r1|GET".into()));
        assert_eq!(
            parse_identifier(&method, r#"{"HttpMethod":"GET","RestApiId":"abc","ResourceId":"r1"}"#).unwrap(),
            IdentifierQuery::Primary("abc|r1|GET".into())
        );
        assert!(parse_identifier(&method, "abc|r1").is_err());
        assert!(parse_identifier(&method, r#"{"RestApiId":"abc"}"#).is_err());
        assert!(parse_identifier(&method, "").is_err());
        // A single-part identifier may contain `|`.
        let bucket = schema("AWS::S3::Bucket");
        assert_eq!(parse_identifier(&bucket, "a|b").unwrap(), IdentifierQuery::Primary("a|b".into()));
        // Route 53 record: optional SetIdentifier counts as empty.
        let record = schema("AWS::Route53::RecordSet");
        let model = json!({"Name": "a.example.com", "HostedZoneId": "Z1", "Type": "A"});
        assert_eq!(identifier_of(&record, &model).as_deref(), Some("a.example.com|Z1|A|"));
        // Generated identifiers are not client identifiers.
        let vpc = schema("AWS::EC2::VPC");
        assert_eq!(client_identifier(&vpc, &json!({"VpcId": "vpc-1"})), None);
        assert_eq!(client_identifier(&bucket, &json!({"BucketName": "b"})).as_deref(), Some("b"));
    }

    #[test]
    fn secondary_identifiers() {
        let role = schema("AWS::IAM::Role");
        if let Some(additional) = role.additional_identifiers.first() {
            let key = additional[0].to_string().trim_start_matches('/').to_owned();
            let text = format!("{{\"{key}\":\"x\"}}");
            assert!(matches!(parse_identifier(&role, &text).unwrap(), IdentifierQuery::Secondary(_)));
        }
    }

    #[test]
    fn write_only_is_stripped() {
        let function = schema("AWS::Lambda::Function");
        let model = json!({"FunctionName": "f", "Code": {"S3Bucket": "b", "S3Key": "k"}, "Role": "r"});
        let read = read_model(&function, &model);
        assert!(read.get("Code").is_none_or(|c| c.get("S3Bucket").is_none()), "{read}");
        assert_eq!(read["FunctionName"], "f");
        let bucket = schema("AWS::S3::Bucket");
        let model = json!({"BucketName": "b", "LifecycleConfiguration": {"Rules": [
            {"Status": "Enabled", "Transition": {"StorageClass": "GLACIER", "TransitionInDays": 1}}]}});
        let read = read_model(&bucket, &model);
        assert!(read["LifecycleConfiguration"]["Rules"][0].get("Transition").is_none(), "{read}");
        assert_eq!(read["LifecycleConfiguration"]["Rules"][0]["Status"], "Enabled");
    }

    #[test]
    fn autonaming_respects_patterns() {
        let mut rng = Rng::new(1);
        for (t, name) in [
            ("AWS::S3::Bucket", "BucketName"),
            ("AWS::Logs::LogGroup", "LogGroupName"),
            ("AWS::IAM::Role", "RoleName"),
            ("AWS::Lambda::Function", "FunctionName"),
            ("AWS::RDS::DBInstance", "DBInstanceIdentifier"),
            ("AWS::DynamoDB::Table", "TableName"),
            ("AWS::SQS::Queue", "QueueName"),
            ("AWS::ECR::Repository", "RepositoryName"),
            ("AWS::ElastiCache::ReplicationGroup", "ReplicationGroupId"),
        ] {
            let schema = schema(t);
            let mut model = json!({});
            let set = autoname(&schema, &mut model, &mut rng);
            assert!(set.contains(&name.to_owned()), "{t}: {set:?}");
            let value = &model[name];
            assert!(schema.validator().validate_property(name, value).is_empty(), "{t}: {value}");
        }
        let queue = schema("AWS::SQS::Queue");
        let mut model = json!({"FifoQueue": true});
        autoname(&queue, &mut model, &mut rng);
        assert!(model["QueueName"].as_str().unwrap().ends_with(".fifo"));
        // A name the user set is kept.
        let bucket = schema("AWS::S3::Bucket");
        let mut model = json!({"BucketName": "mine"});
        assert!(autoname(&bucket, &mut model, &mut rng).is_empty());
        assert_eq!(model["BucketName"], "mine");
    }
}
