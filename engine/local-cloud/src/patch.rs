//! RFC 6902 patches as UpdateResource applies them: parsing, the createOnly / readOnly rules, and
//! application (all operations, `test` included; all or nothing).

use engine_schema::ResourceSchema;
use serde_json::{Map, Value};

use crate::error::ApiError;

/// One parsed operation (paths normalised to start with `/`).
#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    pub op: String,
    pub path: String,
    pub from: Option<String>,
    pub value: Option<Value>,
}

fn invalid(message: impl std::fmt::Display) -> ApiError {
    ApiError::validation(format!("Invalid patch document: {message}"))
}

fn normalise(path: &str) -> String {
    if path.is_empty() || path.starts_with('/') { path.to_owned() } else { format!("/{path}") }
}

/// Parse a `PatchDocument` string.
pub fn parse(text: &str) -> Result<Vec<Op>, ApiError> {
    let value: Value = serde_json::from_str(text).map_err(|e| invalid(format!("not JSON ({e})")))?;
    let Value::Array(items) = value else { return Err(invalid("expected a JSON array of operations")) };
    let mut ops = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let Value::Object(mut object) = item else {
            return Err(invalid(format!("operation {index} is not an object")));
        };
        let op = match object.remove("op") {
            Some(Value::String(op)) => op,
            _ => return Err(invalid(format!("operation {index} has no \"op\""))),
        };
        if !matches!(op.as_str(), "add" | "remove" | "replace" | "move" | "copy" | "test") {
            return Err(invalid(format!("operation {index}: unknown op \"{op}\"")));
        }
        let path = match object.remove("path") {
            Some(Value::String(path)) => normalise(&path),
            _ => return Err(invalid(format!("operation {index} ({op}) has no \"path\""))),
        };
        let from = match object.remove("from") {
            Some(Value::String(from)) => Some(normalise(&from)),
            Some(_) => return Err(invalid(format!("operation {index} ({op}): \"from\" must be a string"))),
            None if matches!(op.as_str(), "move" | "copy") => {
                return Err(invalid(format!("operation {index} ({op}) has no \"from\"")));
            }
            None => None,
        };
        let value = object.remove("value");
        if value.is_none() && matches!(op.as_str(), "add" | "replace" | "test") {
            return Err(invalid(format!("operation {index} ({op}) has no \"value\"")));
        }
        if path.is_empty() && op != "test" {
            return Err(invalid(format!("operation {index} ({op}) targets the whole model")));
        }
        ops.push(Op { op, path, from, value });
    }
    Ok(ops)
}

/// Decode a JSON pointer into its steps.
pub fn steps(pointer: &str) -> Vec<String> {
    pointer.split('/').skip(1).map(|s| s.replace("~1", "/").replace("~0", "~")).collect()
}

/// The locations an operation writes (test writes nothing; move also removes `from`).
fn written(op: &Op) -> Vec<&str> {
    match op.op.as_str() {
        "test" => vec![],
        "move" => op.from.iter().map(String::as_str).chain([op.path.as_str()]).collect(),
        _ => vec![op.path.as_str()],
    }
}

/// Reject patches that write read-only paths (ValidationException) or create-only paths
/// (NotUpdatableException), with the real service's messages.
pub fn check_paths(schema: &ResourceSchema, ops: &[Op]) -> Result<(), ApiError> {
    let mut read_only = Vec::new();
    let mut create_only = Vec::new();
    for op in ops {
        for pointer in written(op) {
            let location = steps(pointer);
            for path in &schema.read_only {
                if path.is_prefix_of(&location) && !read_only.contains(&path.to_pointer()) {
                    read_only.push(path.to_pointer());
                }
            }
            for path in &schema.create_only {
                if path.is_prefix_of(&location) && !create_only.contains(&path.to_pointer()) {
                    create_only.push(path.to_pointer());
                }
            }
        }
    }
    if !read_only.is_empty() {
        return Err(ApiError::validation(format!(
            "Invalid patch update: readOnlyProperties [{}] cannot be updated",
            read_only.join(", ")
        )));
    }
    if !create_only.is_empty() {
        return Err(ApiError::new(
            "NotUpdatableException",
            format!("Invalid patch update: createOnlyProperties [{}] cannot be updated", create_only.join(", ")),
        ));
    }
    Ok(())
}

/// Create-only properties whose value differs between two models (a patch that replaced a parent
/// object of a create-only property and changed it).
pub fn changed_create_only(schema: &ResourceSchema, before: &Value, after: &Value) -> Vec<String> {
    schema
        .create_only
        .iter()
        .filter(|path| {
            let mut a = Vec::new();
            let mut b = Vec::new();
            collect(before, path.segments(), &mut a);
            collect(after, path.segments(), &mut b);
            a != b
        })
        .map(engine_schema::PropPath::to_pointer)
        .collect()
}

fn collect<'a>(value: &'a Value, segments: &[engine_schema::Segment], out: &mut Vec<&'a Value>) {
    let Some((first, rest)) = segments.split_first() else {
        out.push(value);
        return;
    };
    match first {
        engine_schema::Segment::Key(key) => {
            if let Some(child) = value.get(key) {
                collect(child, rest, out);
            }
        }
        engine_schema::Segment::Any => match value {
            Value::Array(items) => items.iter().for_each(|i| collect(i, rest, out)),
            Value::Object(map) => map.values().for_each(|i| collect(i, rest, out)),
            _ => {}
        },
    }
}

/// Apply the operations in order to a copy of `model`; any failing operation (including a failed
/// `test`) fails the whole patch and leaves `model` untouched.
pub fn apply(model: &Value, ops: &[Op]) -> Result<Value, ApiError> {
    let document: Vec<Value> = ops
        .iter()
        .map(|op| {
            let mut object = Map::new();
            object.insert("op".into(), Value::String(op.op.clone()));
            object.insert("path".into(), Value::String(op.path.clone()));
            if let Some(from) = &op.from {
                object.insert("from".into(), Value::String(from.clone()));
            }
            if let Some(value) = &op.value {
                object.insert("value".into(), value.clone());
            }
            Value::Object(object)
        })
        .collect();
    let patch: json_patch::Patch =
        serde_json::from_value(Value::Array(document)).map_err(|e| invalid(format!("{e}")))?;
    let mut out = model.clone();
    json_patch::patch(&mut out, &patch).map_err(|e| {
        ApiError::validation(format!("Invalid patch update: operation failed at {}: {}", e.path, e.kind))
    })?;
    if !out.is_object() {
        return Err(invalid("the patched model is not a JSON object"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use engine_schema::Registry;
    use serde_json::json;

    use super::*;

    #[test]
    fn all_operations() {
        let model = json!({"A": 1, "B": {"C": [1, 2]}, "D": "x"});
        let ops = parse(r#"[
            {"op":"test","path":"/A","value":1},
            {"op":"add","path":"/B/C/-","value":3},
            {"op":"replace","path":"/A","value":2},
            {"op":"copy","from":"/D","path":"/E"},
            {"op":"move","from":"/D","path":"/F"},
            {"op":"remove","path":"/B/C/0"}
        ]"#).unwrap();
        let out = apply(&model, &ops).unwrap();
        assert_eq!(out, json!({"A": 2, "B": {"C": [2, 3]}, "E": "x", "F": "x"}));
    }

    #[test]
    fn failures_change_nothing() {
        let model = json!({"A": 1});
        let ops = parse(r#"[{"op":"replace","path":"/A","value":5},{"op":"test","path":"/A","value":1}]"#).unwrap();
        assert_eq!(apply(&model, &ops).unwrap_err().code, "ValidationException");
        let ops = parse(r#"[{"op":"remove","path":"/Missing"}]"#).unwrap();
        assert!(apply(&model, &ops).is_err());
        assert_eq!(model, json!({"A": 1}));
        // A path without its leading slash is accepted (as in one user-guide sample).
        let ops = parse(r#"[{"op":"add","path":"B","value":2}]"#).unwrap();
        assert_eq!(apply(&model, &ops).unwrap(), json!({"A": 1, "B": 2}));
    }

    #[test]
    fn malformed_documents() {
        for bad in ["", "{}", "[1]", r#"[{"op":"jump","path":"/A"}]"#, r#"[{"op":"add","path":"/A"}]"#,
                    r#"[{"op":"move","path":"/A"}]"#, r#"[{"path":"/A"}]"#, r#"[{"op":"remove","path":""}]"#] {
            assert_eq!(parse(bad).unwrap_err().code, "ValidationException", "{bad}");
        }
    }

    #[test]
    fn create_only_and_read_only_paths() {
        let bucket = Registry::global().get("AWS::S3::Bucket").unwrap();
        let ops = parse(r#"[{"op":"replace","path":"/BucketName","value":"x"}]"#).unwrap();
        let error = check_paths(&bucket, &ops).unwrap_err();
        assert_eq!(error.code, "NotUpdatableException");
        assert_eq!(error.message, "Invalid patch update: createOnlyProperties [/properties/BucketName] cannot be updated");
        let ops = parse(r#"[{"op":"add","path":"/Arn","value":"x"}]"#).unwrap();
        let error = check_paths(&bucket, &ops).unwrap_err();
        assert_eq!(error.code, "ValidationException");
        assert_eq!(error.message, "Invalid patch update: readOnlyProperties [/properties/Arn] cannot be updated");
        // Tests do not write; moving out of a create-only path does.
        assert!(check_paths(&bucket, &parse(r#"[{"op":"test","path":"/BucketName","value":"b"}]"#).unwrap()).is_ok());
        let moved = parse(r#"[{"op":"move","from":"/BucketName","path":"/Tags"}]"#).unwrap();
        assert_eq!(check_paths(&bucket, &moved).unwrap_err().code, "NotUpdatableException");
        assert!(check_paths(&bucket, &parse(r#"[{"op":"add","path":"/Tags","value":[]}]"#).unwrap()).is_ok());
        // Nested create-only paths are compared by value when a parent is replaced.
        let eks = Registry::global().get("AWS::EKS::Cluster").unwrap();
        let before = json!({"KubernetesNetworkConfig": {"IpFamily": "ipv4"}});
        let after = json!({"KubernetesNetworkConfig": {"IpFamily": "ipv6"}});
        assert_eq!(changed_create_only(&eks, &before, &after), vec!["/properties/KubernetesNetworkConfig/IpFamily"]);
        assert!(changed_create_only(&eks, &before, &before).is_empty());
    }
}
