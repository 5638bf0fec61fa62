//! Checking a component's inputs (wire values, with `engine_proto::value` markers) against its
//! declared interface, before the engine asks the plugin to construct it.

use std::collections::BTreeMap;

use engine_proto::value::{self, Special};
use serde_json::{Map, Value};

use crate::manifest::Manifest;
use crate::types::{Component, ObjectType, TypeRef};

/// One problem with an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `availabilityZoneCount`, `autoscaling.minCapacity`, `subnetIds[1]`.
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "input {}: {}", self.path, self.message)
    }
}

/// Check `inputs` against `component`'s inputs: unknown names (with a suggestion), missing
/// required inputs, values of the wrong type, values outside an enum, and `plain` inputs given
/// an output of another resource (`dependencies`: per input, the URNs its value came from) or a
/// value unknown in a preview. Unknown values are otherwise accepted (they are checked when
/// known, in the `up`).
#[must_use]
pub fn check_inputs(
    manifest: &Manifest,
    component: &Component,
    inputs: &Map<String, Value>,
    dependencies: &BTreeMap<String, Vec<String>>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (name, value) in inputs {
        let Some(property) = component.input(name) else {
            let names: Vec<&str> = component.inputs.iter().map(|p| p.name.as_str()).collect();
            let message = match suggest(name, &names) {
                Some(close) => format!("{} has no such input (did you mean {close}?)", component.token),
                None if names.is_empty() => format!("{} takes no inputs", component.token),
                None => format!("{} has no such input (its inputs: {})", component.token, names.join(", ")),
            };
            problems.push(Problem { path: name.clone(), message });
            continue;
        };
        if value.is_null() {
            continue;
        }
        if property.plain {
            let from = dependencies.get(name).filter(|urns| !urns.is_empty());
            if let Some(urns) = from {
                problems.push(Problem {
                    path: name.clone(),
                    message: format!(
                        "must be a plain value known when the component is constructed (it decides which resources \
                         {} creates), not an output of another resource ({})",
                        component.token,
                        urns.join(", ")
                    ),
                });
                continue;
            }
            if value::contains_unknowns(value) {
                problems.push(Problem {
                    path: name.clone(),
                    message: format!(
                        "must be known when the component is constructed (it decides which resources {} creates)",
                        component.token
                    ),
                });
                continue;
            }
        }
        check_plain(value, &property.ty, property.allowed.as_deref(), &manifest.types, name, &mut problems);
    }
    for property in &component.inputs {
        if property.required && inputs.get(&property.name).is_none_or(Value::is_null) {
            problems.push(Problem {
                path: property.name.clone(),
                message: format!("missing: {} needs it ({})", component.token, property.ty.describe()),
            });
        }
    }
    problems
}

/// What a JSON value is, for messages.
fn describe_value(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => {
            let shown: String = s.chars().take(60).collect();
            format!("the string {shown:?}")
        }
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => match value::classify(value) {
            Some(Special::Asset(asset)) => {
                if asset.kind == "file" {
                    "a file asset".to_owned()
                } else {
                    "a folder archive".to_owned()
                }
            }
            _ => "an object".to_owned(),
        },
    }
}

/// Check one value (wire encoding) against a type.
pub(crate) fn check_plain(
    value: &Value,
    ty: &TypeRef,
    allowed: Option<&[String]>,
    types: &BTreeMap<String, ObjectType>,
    path: &str,
    out: &mut Vec<Problem>,
) {
    match value::classify(value) {
        Some(Special::Unknown) => return,
        Some(Special::Secret(inner)) => return check_plain(inner, ty, allowed, types, path, out),
        Some(Special::Resource { .. }) => {
            // A resource given as a value stands for its identifier (a string).
            if !matches!(ty, TypeRef::String | TypeRef::Any) {
                out.push(Problem {
                    path: path.to_owned(),
                    message: format!("expected {}, got a resource", ty.describe()),
                });
            }
            return;
        }
        Some(Special::Asset(asset)) => {
            let ok = matches!(
                (ty, asset.kind),
                (TypeRef::Archive, "archive") | (TypeRef::Asset, "file") | (TypeRef::Any, _)
            );
            if !ok {
                out.push(Problem {
                    path: path.to_owned(),
                    message: format!("expected {}, got {}", ty.describe(), describe_value(value)),
                });
            }
            return;
        }
        None => {}
    }
    let wrong = |out: &mut Vec<Problem>| {
        let mut message = format!("expected {}, got {}", ty.describe(), describe_value(value));
        if matches!(ty, TypeRef::Archive | TypeRef::Asset) && value.is_string() {
            message.push_str(if *ty == TypeRef::Archive {
                " (pass the folder as a FileArchive so the engine hashes and uploads it)"
            } else {
                " (pass the file as a FileAsset so the engine hashes and uploads it)"
            });
        }
        out.push(Problem { path: path.to_owned(), message });
    };
    match ty {
        TypeRef::Any => {}
        TypeRef::String => match value {
            Value::String(s) => {
                if let Some(allowed) = allowed
                    && !allowed.iter().any(|a| a == s)
                {
                    out.push(Problem {
                        path: path.to_owned(),
                        message: format!(
                            "{s:?} is not one of {}",
                            allowed.iter().map(|a| format!("{a:?}")).collect::<Vec<_>>().join(", ")
                        ),
                    });
                }
            }
            _ => wrong(out),
        },
        TypeRef::Integer => {
            let integral = value.as_i64().is_some()
                || value.as_u64().is_some()
                || value.as_f64().is_some_and(|f| f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15);
            if !integral {
                wrong(out);
            }
        }
        TypeRef::Number => {
            if !value.is_number() {
                wrong(out);
            }
        }
        TypeRef::Boolean => {
            if !value.is_boolean() {
                wrong(out);
            }
        }
        TypeRef::Archive | TypeRef::Asset => wrong(out),
        TypeRef::List(item) => match value {
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    check_plain(v, item, None, types, &format!("{path}[{i}]"), out);
                }
            }
            _ => wrong(out),
        },
        TypeRef::Map(item) => match value {
            Value::Object(map) => {
                for (k, v) in map {
                    check_plain(v, item, None, types, &format!("{path}.{k}"), out);
                }
            }
            _ => wrong(out),
        },
        TypeRef::Object(name) => {
            let Some(object) = types.get(name) else {
                out.push(Problem { path: path.to_owned(), message: format!("unknown type {name}") });
                return;
            };
            let Value::Object(map) = value else {
                wrong(out);
                return;
            };
            for (k, v) in map {
                let Some(property) = object.properties.iter().find(|p| &p.name == k) else {
                    let names: Vec<&str> = object.properties.iter().map(|p| p.name.as_str()).collect();
                    let message = match suggest(k, &names) {
                        Some(close) => format!("{name} has no property {k} (did you mean {close}?)"),
                        None => format!("{name} has no property {k} (its properties: {})", names.join(", ")),
                    };
                    out.push(Problem { path: format!("{path}.{k}"), message });
                    continue;
                };
                if !v.is_null() {
                    check_plain(v, &property.ty, property.allowed.as_deref(), types, &format!("{path}.{k}"), out);
                }
            }
            for property in &object.properties {
                if property.required && map.get(&property.name).is_none_or(Value::is_null) {
                    out.push(Problem {
                        path: format!("{path}.{}", property.name),
                        message: format!("missing: {name} needs it ({})", property.ty.describe()),
                    });
                }
            }
        }
    }
}

/// The closest name (case-insensitive edit distance at most a third of its length, or a
/// different case).
#[must_use]
pub fn suggest<'a>(wanted: &str, names: &[&'a str]) -> Option<&'a str> {
    let wanted_lower = wanted.to_lowercase().replace(['_', '-'], "");
    names
        .iter()
        .map(|name| (distance(&wanted_lower, &name.to_lowercase()), *name))
        .filter(|(d, name)| *d <= (name.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, name)| name)
}

fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            current.push((previous[j] + cost).min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::json;

    use super::*;

    fn manifest() -> Manifest {
        Manifest::parse(
            r#"
[package]
name = "platform"
version = "0.1.0"
runtime = "rust"
[types.Scaling]
properties.min = { type = "integer", required = true }
properties.max = "integer"
[components.Network.inputs]
cidrBlock = "string"
zoneCount = { type = "integer", plain = true }
mode = { type = "string", enum = ["none", "single"] }
ids = "list(string)"
code = { type = "archive", required = true }
scaling = "Scaling"
"#,
            Path::new("EnginePackage.toml"),
        )
        .unwrap()
    }

    fn problems(inputs: Value, deps: &[(&str, &str)]) -> Vec<String> {
        let m = manifest();
        let c = m.component("Network").unwrap();
        let deps: BTreeMap<String, Vec<String>> =
            deps.iter().map(|(k, v)| ((*k).to_owned(), vec![(*v).to_owned()])).collect();
        check_inputs(&m, c, inputs.as_object().unwrap(), &deps).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn inputs_are_checked_against_the_interface() {
        let archive = value::asset("archive", "/app", "sha256:00");
        assert!(problems(json!({"code": archive, "zoneCount": 2, "ids": ["a", value::unknown()]}), &[]).is_empty());
        assert_eq!(
            problems(json!({"code": archive, "zoneCount": "two"}), &[]),
            ["input zoneCount: expected an integer, got the string \"two\""]
        );
        assert_eq!(
            problems(json!({"code": archive, "cidrBlok": "10.0.0.0/16"}), &[]),
            ["input cidrBlok: platform:index:Network has no such input (did you mean cidrBlock?)"]
        );
        assert_eq!(
            problems(json!({}), &[]),
            ["input code: missing: platform:index:Network needs it (a folder archive (FileArchive))"]
        );
        let found = problems(json!({"code": "./app", "mode": "perAz", "ids": ["a", 3], "scaling": {"max": 2.5}}), &[]);
        assert_eq!(
            found,
            [
                "input code: expected a folder archive (FileArchive), got the string \"./app\" (pass the folder as a FileArchive so the engine hashes and uploads it)",
                "input mode: \"perAz\" is not one of \"none\", \"single\"",
                "input ids[1]: expected a string, got the number 3",
                "input scaling.max: expected an integer, got the number 2.5",
                "input scaling.min: missing: Scaling needs it (an integer)",
            ]
        );
        // Secrets are checked inside; plain inputs refuse outputs of other resources.
        assert_eq!(
            problems(json!({"code": archive, "cidrBlock": value::secret(json!(7))}), &[]),
            ["input cidrBlock: expected a string, got the number 7"]
        );
        let found = problems(
            json!({"code": archive, "zoneCount": 2}),
            &[("zoneCount", "urn:engine:dev::p::AWS::SSM::Parameter::n")],
        );
        assert!(found[0].starts_with("input zoneCount: must be a plain value"), "{found:?}");
        let found = problems(json!({"code": archive, "zoneCount": value::unknown()}), &[]);
        assert!(found[0].contains("must be known when the component is constructed"), "{found:?}");
    }
}
