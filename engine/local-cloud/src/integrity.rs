//! Referential integrity: references to the local cloud's own ids and ARNs must name resources
//! that exist, a few named parents are checked by name, and deletes of resources still in use
//! fail the way AWS fails them.

use engine_schema::ResourceSchema;
use serde_json::Value;

use crate::cloud::View;
use crate::model::{ACCOUNT_ID, ResKey};

/// EC2 id prefixes the local cloud mints (`vpc-0123456789abcdef0`).
const EC2_PREFIXES: &[&str] = &[
    "vpc", "subnet", "sg", "igw", "nat", "rtb", "eipalloc", "vpce", "acl", "rtbassoc", "aclassoc", "eni", "fl",
    "sgr", "vpc-cidr-assoc", "i", "lt",
];

/// Whether a string has the shape of an id or ARN the local cloud mints.
#[must_use]
pub fn is_local_reference(value: &str) -> bool {
    if let Some(rest) = value.strip_prefix("arn:aws:") {
        if value.contains('*') {
            return false;
        }
        let mut parts = rest.splitn(4, ':');
        let _service = parts.next();
        let _region = parts.next();
        let account = parts.next();
        let resource = parts.next().unwrap_or("");
        // Service-linked roles and the account root exist without being created.
        return account == Some(ACCOUNT_ID)
            && !resource.is_empty()
            && !resource.starts_with("role/aws-service-role/")
            && !resource.starts_with("alias/aws/")
            && resource != "root";
    }
    if let Some((prefix, hex)) = value.rsplit_once('-') {
        return hex.len() == 17
            && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            && EC2_PREFIXES.contains(&prefix);
    }
    false
}

/// Keys whose values are free-form documents or user data, never references to check.
fn skipped_key(key: &str) -> bool {
    key.ends_with("PolicyDocument")
        || matches!(key, "Policies" | "Policy" | "KeyPolicy" | "PolicyText" | "ResourcePolicy" | "AccessPolicies")
        || matches!(key, "Tags" | "Environment" | "Variables" | "Description" | "DashboardBody" | "UserData" | "Metadata" | "Statement")
}

/// Every (location, value) in a model's writable part that looks like a local reference.
#[must_use]
pub fn references(schema: &ResourceSchema, model: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    walk(schema, model, &mut path, &mut out, 0);
    out
}

fn walk(schema: &ResourceSchema, value: &Value, path: &mut Vec<String>, out: &mut Vec<(String, String)>, depth: usize) {
    if depth > 32 {
        return;
    }
    if !path.is_empty() && schema.is_read_only(path) {
        return;
    }
    match value {
        Value::String(text)
            if is_local_reference(text) => {
                out.push((format!("/{}", path.join("/")), text.clone()));
            }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                walk(schema, item, path, out, depth + 1);
                path.pop();
            }
        }
        Value::Object(object) => {
            if object.contains_key("Statement") {
                return;
            }
            for (key, item) in object {
                if skipped_key(key) {
                    continue;
                }
                path.push(key.clone());
                walk(schema, item, path, out, depth + 1);
                path.pop();
            }
        }
        _ => {}
    }
}

type Failure = (String, String);

fn not_found(property: &str, value: &str, what: &str, scope: &str) -> Failure {
    (
        "NotFound".to_owned(),
        format!("Property /{property}: {what} '{value}' does not exist in {scope}"),
    )
}

/// Named parents that are not recognisable ids (API Gateway ids, names): (type prefix, property,
/// parent type, parent properties that may match).
const NAMED_PARENTS: &[(&str, &str, &str, &[&str])] = &[
    ("AWS::ApiGateway::", "RestApiId", "AWS::ApiGateway::RestApi", &["RestApiId"]),
    ("AWS::ApiGateway::Stage", "DeploymentId", "AWS::ApiGateway::Deployment", &["DeploymentId"]),
    ("AWS::ApiGateway::BasePathMapping", "DomainName", "AWS::ApiGateway::DomainName", &["DomainName"]),
    ("AWS::Route53::RecordSet", "HostedZoneId", "AWS::Route53::HostedZone", &["Id"]),
    ("AWS::KMS::Alias", "TargetKeyId", "AWS::KMS::Key", &["KeyId", "Arn"]),
    ("AWS::Lambda::Permission", "FunctionName", "AWS::Lambda::Function", &["FunctionName", "Arn"]),
    ("AWS::Lambda::EventSourceMapping", "FunctionName", "AWS::Lambda::Function", &["FunctionName", "Arn"]),
    ("AWS::RDS::DBInstance", "DBClusterIdentifier", "AWS::RDS::DBCluster", &["DBClusterIdentifier"]),
    ("AWS::RDS::DBInstance", "DBSubnetGroupName", "AWS::RDS::DBSubnetGroup", &["DBSubnetGroupName"]),
    ("AWS::RDS::DBCluster", "DBSubnetGroupName", "AWS::RDS::DBSubnetGroup", &["DBSubnetGroupName"]),
    ("AWS::RDS::DBProxyTargetGroup", "DBProxyName", "AWS::RDS::DBProxy", &["DBProxyName"]),
    ("AWS::ElastiCache::ReplicationGroup", "CacheSubnetGroupName", "AWS::ElastiCache::SubnetGroup", &["CacheSubnetGroupName"]),
    ("AWS::CodeDeploy::DeploymentGroup", "ApplicationName", "AWS::CodeDeploy::Application", &["ApplicationName"]),
    ("AWS::Backup::BackupSelection", "BackupPlanId", "AWS::Backup::BackupPlan", &["BackupPlanId"]),
    ("AWS::ECS::Service", "Cluster", "AWS::ECS::Cluster", &["ClusterName", "Arn"]),
    ("AWS::SecretsManager::SecretTargetAttachment", "SecretId", "AWS::SecretsManager::Secret", &["Id", "Name"]),
    ("AWS::SecretsManager::RotationSchedule", "SecretId", "AWS::SecretsManager::Secret", &["Id", "Name"]),
];

fn named_parent_exists(view: &View<'_>, scope: &str, parent: &str, fields: &[&str], value: &str) -> bool {
    let scope = crate::model::scope_of(parent, scope);
    let case_insensitive = parent.starts_with("AWS::RDS::") || parent.starts_with("AWS::ElastiCache::");
    view.of_type(&scope, parent).iter().any(|(_, model)| {
        fields.iter().any(|f| {
            model.get(*f).and_then(Value::as_str).is_some_and(|v| {
                if case_insensitive { v.eq_ignore_ascii_case(value) } else { v == value || value.ends_with(&format!("/{v}")) }
            })
        })
    })
}

/// Checks by name, and the objects a function's code points at.
pub fn check_special(view: View<'_>, schema: &ResourceSchema, scope: &str, region: &str, model: &Value) -> Result<(), Failure> {
    let type_name = schema.type_name.as_str();
    for (prefix, property, parent, fields) in NAMED_PARENTS {
        let applies = if prefix.ends_with("::") { type_name.starts_with(prefix) && type_name != *parent } else { type_name == *prefix };
        if !applies {
            continue;
        }
        let Some(value) = model.get(*property).and_then(Value::as_str) else { continue };
        if value.starts_with("arn:") && !fields.contains(&"Arn") && !fields.contains(&"Id") {
            continue; // ARNs are checked by the generic rule.
        }
        if property == &"Cluster" && value == "default" {
            continue;
        }
        let parent_scope = if scope == crate::model::GLOBAL { region } else { scope };
        if !named_parent_exists(&view, parent_scope, parent, fields, value) {
            return Err(not_found(property, value, parent, if crate::model::is_global_type(parent) { "this account" } else { region }));
        }
    }
    if matches!(type_name, "AWS::ApiGateway::Resource" | "AWS::ApiGateway::Method") {
        let property = if type_name == "AWS::ApiGateway::Resource" { "ParentId" } else { "ResourceId" };
        if let (Some(api), Some(parent)) = (model.get("RestApiId").and_then(Value::as_str), model.get(property).and_then(Value::as_str)) {
            let root = view
                .of_type(scope, "AWS::ApiGateway::RestApi")
                .iter()
                .any(|(_, m)| m.get("RestApiId").and_then(Value::as_str) == Some(api) && m.get("RootResourceId").and_then(Value::as_str) == Some(parent));
            let child = view.of_type(scope, "AWS::ApiGateway::Resource").iter().any(|(_, m)| {
                m.get("RestApiId").and_then(Value::as_str) == Some(api) && m.get("ResourceId").and_then(Value::as_str) == Some(parent)
            });
            if !root && !child {
                return Err(not_found(property, parent, "API Gateway resource", region));
            }
        }
    }
    if type_name == "AWS::S3::BucketPolicy"
        && let Some(bucket) = model.get("Bucket").and_then(Value::as_str)
            && !view.bucket_exists(bucket) {
                return Err(("NotFound".into(), format!("Property /Bucket: the specified bucket '{bucket}' does not exist")));
            }
    if type_name == "AWS::Lambda::Function"
        && let Some(code) = model.get("Code")
            && let (Some(bucket), Some(key)) = (code.get("S3Bucket").and_then(Value::as_str), code.get("S3Key").and_then(Value::as_str)) {
                if !view.bucket_exists(bucket) {
                    return Err((
                        "InvalidRequest".into(),
                        format!("Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist (property /Code/S3Bucket: '{bucket}')"),
                    ));
                }
                if !view.object_exists(bucket, key) {
                    return Err((
                        "InvalidRequest".into(),
                        format!("Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist. (property /Code/S3Key: 's3://{bucket}/{key}')"),
                    ));
                }
            }
    Ok(())
}

/// Why deleting a resource fails while `referrers` use it, as AWS words it; `None` if it may go.
#[must_use]
pub fn blocked_delete(key: &ResKey, model: &Value, referrers: &[ResKey]) -> Option<String> {
    let id = |field: &str| model.get(field).and_then(Value::as_str).unwrap_or(&key.identifier).to_owned();
    let users = |exempt: &[&str]| -> Vec<&ResKey> {
        referrers.iter().filter(|r| !exempt.contains(&r.type_name.as_str())).collect()
    };
    let named = |users: &[&ResKey]| -> String {
        users.iter().take(3).map(|r| format!("{} {}", r.type_name, r.identifier)).collect::<Vec<_>>().join(", ")
    };
    match key.type_name.as_str() {
        "AWS::EC2::VPC" => {
            let users = users(&["AWS::EC2::FlowLog"]);
            (!users.is_empty()).then(|| {
                format!("The vpc '{}' has dependencies and cannot be deleted. (Service: Ec2, Status Code: 400, Error Code: DependencyViolation; in use by {})", id("VpcId"), named(&users))
            })
        }
        "AWS::EC2::Subnet" => {
            let users = users(&[
                "AWS::EC2::SubnetRouteTableAssociation",
                "AWS::EC2::SubnetNetworkAclAssociation",
                "AWS::EC2::FlowLog",
                "AWS::RDS::DBSubnetGroup",
                "AWS::ElastiCache::SubnetGroup",
            ]);
            (!users.is_empty()).then(|| {
                format!("The subnet '{}' has dependencies and cannot be deleted. (Service: Ec2, Status Code: 400, Error Code: DependencyViolation; in use by {})", id("SubnetId"), named(&users))
            })
        }
        "AWS::EC2::SecurityGroup" => {
            let users = users(&["AWS::EC2::FlowLog"]);
            (!users.is_empty()).then(|| {
                format!("resource {} has a dependent object (Service: Ec2, Status Code: 400, Error Code: DependencyViolation; used by {})", id("GroupId"), named(&users))
            })
        }
        "AWS::EC2::InternetGateway" => {
            let users: Vec<&ResKey> = referrers.iter().filter(|r| r.type_name == "AWS::EC2::VPCGatewayAttachment").collect();
            (!users.is_empty()).then(|| {
                format!("The internetGateway '{}' has dependencies and cannot be deleted. (Service: Ec2, Status Code: 400, Error Code: DependencyViolation; attached by {})", id("InternetGatewayId"), named(&users))
            })
        }
        "AWS::EC2::RouteTable" => {
            let users: Vec<&ResKey> = referrers.iter().filter(|r| r.type_name == "AWS::EC2::SubnetRouteTableAssociation").collect();
            (!users.is_empty()).then(|| {
                format!("The routeTable '{}' has dependencies and cannot be deleted. (Service: Ec2, Status Code: 400, Error Code: DependencyViolation; associated by {})", id("RouteTableId"), named(&users))
            })
        }
        "AWS::IAM::Role" => {
            let users: Vec<&ResKey> = referrers.iter().filter(|r| r.type_name == "AWS::Lambda::Function").collect();
            (!users.is_empty()).then(|| {
                format!("Cannot delete entity: role {} is still used by {} (Service: Iam, Status Code: 409, Error Code: DeleteConflict)", key.identifier, named(&users))
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use engine_schema::Registry;
    use serde_json::json;

    use super::*;

    #[test]
    fn recognises_local_references() {
        assert!(is_local_reference("vpc-0123456789abcdef0"));
        assert!(is_local_reference("subnet-0123456789abcdef0"));
        assert!(is_local_reference("arn:aws:iam::123456789012:role/x"));
        assert!(is_local_reference("arn:aws:lambda:eu-west-1:123456789012:function:f"));
        assert!(!is_local_reference("vpc-123"));
        assert!(!is_local_reference("ami-0123456789abcdef0"));
        assert!(!is_local_reference("arn:aws:iam::aws:policy/ReadOnlyAccess"));
        assert!(!is_local_reference("arn:aws:iam::123456789012:root"));
        assert!(!is_local_reference("arn:aws:kms:eu-west-1:123456789012:alias/aws/rds"));
        assert!(!is_local_reference("arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"));
        assert!(!is_local_reference("arn:aws:s3:::bucket/*"));
        assert!(!is_local_reference("arn:aws:lambda:eu-west-1:999999999999:function:f"));
    }

    #[test]
    fn finds_references_outside_documents() {
        let function = Registry::global().get("AWS::Lambda::Function").unwrap();
        let model = json!({
            "Role": "arn:aws:iam::123456789012:role/r",
            "VpcConfig": {"SubnetIds": ["subnet-0123456789abcdef0"], "SecurityGroupIds": ["sg-0123456789abcdef0"]},
            "Environment": {"Variables": {"X": "vpc-0123456789abcdef0"}},
            "Tags": [{"Key": "k", "Value": "subnet-0123456789abcdef1"}]
        });
        let refs = references(&function, &model);
        let paths: Vec<&str> = refs.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, vec!["/Role", "/VpcConfig/SubnetIds/0", "/VpcConfig/SecurityGroupIds/0"]);
        let role = Registry::global().get("AWS::IAM::Role").unwrap();
        let model = json!({"AssumeRolePolicyDocument": {"Statement": [{"Resource": "arn:aws:iam::123456789012:role/x"}]},
                           "ManagedPolicyArns": ["arn:aws:iam::123456789012:policy/p"]});
        assert_eq!(references(&role, &model).len(), 1);
    }

    #[test]
    fn delete_rules() {
        let key = |t: &str, id: &str| ResKey { scope: "r".into(), type_name: t.into(), identifier: id.into() };
        let vpc = key("AWS::EC2::VPC", "vpc-1");
        assert!(blocked_delete(&vpc, &json!({}), &[key("AWS::EC2::Subnet", "subnet-1")]).unwrap().contains("has dependencies"));
        assert!(blocked_delete(&vpc, &json!({}), &[key("AWS::EC2::FlowLog", "fl-1")]).is_none());
        let subnet = key("AWS::EC2::Subnet", "subnet-1");
        assert!(blocked_delete(&subnet, &json!({}), &[key("AWS::EC2::SubnetRouteTableAssociation", "a")]).is_none());
        assert!(blocked_delete(&subnet, &json!({}), &[key("AWS::Lambda::Function", "f")]).is_some());
        let sg = key("AWS::EC2::SecurityGroup", "sg-1");
        assert!(blocked_delete(&sg, &json!({"GroupId": "sg-1"}), &[key("AWS::EC2::SecurityGroup", "sg-2")]).unwrap().contains("dependent object"));
        let role = key("AWS::IAM::Role", "r");
        assert!(blocked_delete(&role, &json!({}), &[key("AWS::Lambda::Function", "f")]).is_some());
        assert!(blocked_delete(&role, &json!({}), &[key("AWS::ECS::TaskDefinition", "t")]).is_none());
        assert!(blocked_delete(&key("AWS::S3::Bucket", "b"), &json!({}), &[key("AWS::Lambda::Function", "f")]).is_none());
    }
}
