//! Components and multi-language component packages, end to end on the local cloud.
//!
//! The platform package (`programs/platform`, Rust) is used by a Rust program that links it
//! (`tests/programs/platform-consumer`) and, as a *remote* component built by the package's
//! plugin, by the scenario program: URNs, parents, outputs and state must be the same. Errors
//! name the package, the input, the component and the failing child; an asset change is one
//! upload and one update. Python and TypeScript consumers, and a TypeScript package consumed
//! from Rust, are in the slow suite (`components_polyglot.rs`).

use std::collections::BTreeMap;

use engine_tests::{Project, Run, platform_consumer_bin, platform_dir};
use serde_json::{Value, json};

/// The package dependency, as `engine package add` records it, with the plugin the harness built
/// (so no test waits on cargo; the engine building a Rust plugin itself is in the slow suite).
fn packages_table() -> String {
    let plugin = platform_consumer_bin().with_file_name("platform-plugin");
    format!(
        "\n[packages]\nplatform = {{ path = {:?}, version = \"^0.1.0\", plugin = {:?} }}\n",
        platform_dir().display().to_string(),
        plugin.display().to_string()
    )
}

const APP: &str = "def handler(event, context):\n    return {'ok': 1}\n";

/// The scenario spec registering what `platform-consumer` does, as remote components.
fn remote_spec(retention: i64) -> Value {
    json!({"resources": [
        {"type": "platform:index:Network", "name": "core", "remote": "platform@^0.1.0", "props": {
            "availabilityZoneCount": 2, "natGateways": "single", "vpcEndpoints": ["s3"]}},
        {"type": "platform:index:ServerlessFunction", "name": "api", "remote": "platform@^0.1.0", "props": {
            "code": {"archive": "app"}, "handler": "app.handler", "runtime": "python3.13",
            "subnetIds": "${core.privateSubnetIds}", "securityGroupIds": ["${core.defaultSecurityGroupId}"],
            "environment": {"STAGE": "dev", "VPC": "${core.vpcId}"},
            "policyStatements": [{"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::data/*"]}],
            "logRetentionDays": retention}}
    ], "outputs": {
        "vpcId": "${core.vpcId}", "privateSubnetIds": "${core.privateSubnetIds}",
        "functionArn": "${api.functionArn}", "logGroupName": "${api.logGroupName}"
    }})
}

fn remote_project(spec: &Value) -> Project {
    platform_consumer_bin();
    let project = Project::new(spec);
    project.append_project_file(&packages_table());
    project.write("app/app.py", APP);
    project
}

fn linked_project() -> Project {
    let project = Project::with_program("rust", &platform_consumer_bin().display().to_string(), &[]);
    project.write("app/app.py", APP);
    project
}

/// Every string in `value` with each cloud identifier replaced by the URN it belongs to (the
/// local cloud makes up identifiers; everything else must be equal).
fn normalize(value: &Value, ids: &[(String, String)]) -> Value {
    match value {
        Value::String(s) => {
            let mut s = s.clone();
            for (id, urn) in ids {
                s = s.replace(id, &format!("<{urn}>"));
            }
            Value::String(s)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| normalize(v, ids)).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), normalize(v, ids))).collect()),
        other => other.clone(),
    }
}

fn collect_strings(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) if s.len() >= 6 => out.push((s.clone(), at.to_owned())),
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, at, out)),
        Value::Object(map) => map.values().for_each(|v| collect_strings(v, at, out)),
        _ => {}
    }
}

/// The stack's state by URN, identifiers normalized, timestamps left out.
fn state_by_urn(project: &Project) -> BTreeMap<String, Value> {
    let state = project.state();
    let mut ids: Vec<(String, String)> = Vec::new();
    for record in &state.resources {
        if !record.id.is_empty() {
            for part in record.id.split('|') {
                if part.len() >= 6 {
                    ids.push((part.to_owned(), record.urn.clone()));
                }
            }
        }
        // What the cloud made up (names, ARNs, addresses, interface ids) is an identifier too.
        for (key, value) in &record.outputs {
            if !record.inputs.contains_key(key) {
                collect_strings(value, &format!("{}.{key}", record.urn), &mut ids);
            }
        }
    }
    // A value several resources share (a zone id) stands for the first of them, whatever the
    // order; longest first: an ARN before the identifier inside it.
    let mut unique: BTreeMap<String, String> = BTreeMap::new();
    for (id, placeholder) in ids {
        let entry = unique.entry(id).or_insert_with(|| placeholder.clone());
        if placeholder < *entry {
            *entry = placeholder;
        }
    }
    let mut ids: Vec<(String, String)> = unique.into_iter().collect();
    ids.sort_by_key(|(id, _)| std::cmp::Reverse(id.len()));
    state
        .resources
        .iter()
        .map(|record| {
            let mut value = serde_json::to_value(record).unwrap();
            if let Value::Object(map) = &mut value {
                for key in ["created", "modified", "updated"] {
                    map.remove(key);
                }
            }
            (record.urn.clone(), normalize(&value, &ids))
        })
        .collect()
}

fn count_plugin_starts(run: &Run) -> usize {
    run.text().matches("starting the plugin of package platform@0.1.0").count()
}

#[test]
fn remote_components_are_built_by_the_plugin_exactly_as_a_linked_consumer_builds_them() {
    let linked = linked_project();
    let remote = remote_project(&remote_spec(14));
    linked.up().ok();
    let up = remote.up().ok();
    // One plugin per package per run (the preview's run and the update's run).
    assert_eq!(count_plugin_starts(&up), 2, "{}", up.text());

    let subnet = "urn:engine:dev::e2e::platform:index:Network$AWS::EC2::Subnet::core-private-1";
    let function = "urn:engine:dev::e2e::platform:index:ServerlessFunction$AWS::Lambda::Function::api";
    let linked_state = state_by_urn(&linked);
    let remote_state = state_by_urn(&remote);
    assert!(remote_state.contains_key(subnet) && remote_state.contains_key(function), "{:?}", remote_state.keys());
    assert_eq!(
        remote_state[subnet]["parent"], "urn:engine:dev::e2e::platform:index:Network::core",
        "children are parented to the component"
    );
    assert_eq!(
        linked_state.keys().collect::<Vec<_>>(),
        remote_state.keys().collect::<Vec<_>>(),
        "the same resources, with the same URNs"
    );
    for (urn, record) in &linked_state {
        assert_eq!(record, &remote_state[urn], "{urn} differs between the linked and the remote consumer");
    }
    // The component's outputs reach the program (stack outputs), equal up to identifiers.
    let outputs = |p: &Project| -> Vec<String> {
        let text = p.engine(&["stack", "output", "--json"]).ok().stdout;
        let v: Value = serde_json::from_str(&text).unwrap();
        let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(outputs(&linked), outputs(&remote));
    // Nothing orphaned (the assets' staging bucket belongs to no stack).
    let managed: Vec<(String, String)> =
        remote.cloud_resources().into_iter().filter(|(_, id)| !id.starts_with("engine-assets-")).collect();
    assert_eq!(managed, remote.state_cloud_resources());

    // Nothing to do the second time; the plugin is still asked (components are rebuilt every run).
    let again = remote.engine(&["preview", "--expect-no-changes"]);
    assert_eq!(again.code, 0, "{}", again.text());
    let destroy = remote.engine(&["destroy", "--yes"]).ok();
    assert!(destroy.code == 0);
    assert!(remote.cloud_resources().iter().all(|(t, _)| t == "AWS::S3::Bucket"), "{:?}", remote.cloud_resources());
}

fn function_spec(props: Value) -> Value {
    let mut all = json!({"code": {"archive": "app"}, "handler": "app.handler", "runtime": "python3.13"});
    for (k, v) in props.as_object().unwrap() {
        all[k] = v.clone();
    }
    json!({"resources": [
        {"type": "platform:index:ServerlessFunction", "name": "api", "remote": "platform@^0.1.0", "props": all}
    ], "outputs": {"functionArn": "${api.functionArn}"}})
}

#[test]
fn a_wrong_input_a_missing_package_or_another_version_is_refused_before_anything_is_built() {
    // An input of the wrong type, and an unknown one: named with the package, before the plugin starts.
    let project = remote_project(&json!({"resources": [
        {"type": "platform:index:Network", "name": "core", "remote": "platform@^0.1.0",
         "props": {"availabilityZoneCount": "two", "natGateway": "single"}}
    ]}));
    let up = project.up();
    assert_eq!(up.code, 1, "{}", up.text());
    let text = up.text();
    assert!(text.contains("platform:index:Network::core"), "{text}");
    assert!(
        text.contains(
            "package platform@0.1.0: input availabilityZoneCount: expected an integer, got the string \"two\""
        ),
        "{text}"
    );
    assert!(
        text.contains("input natGateway: platform:index:Network has no such input (did you mean natGateways?)"),
        "{text}"
    );
    assert_eq!(count_plugin_starts(&up), 0, "{text}");
    assert!(project.cloud_resources().is_empty());

    // A package the project does not depend on.
    let project = Project::new(&function_spec(json!({})));
    project.write("app/app.py", APP);
    let up = project.up();
    assert_eq!(up.code, 1);
    assert!(
        up.text()
            .contains("package platform is not a dependency of this project: add it with `engine package add <PATH>`"),
        "{}",
        up.text()
    );

    // A binding generated for another version, and a project requiring another version.
    let mut spec = function_spec(json!({}));
    spec["resources"][0]["remote"] = json!("platform@^0.2.0");
    let project = remote_project(&spec);
    let up = project.up();
    assert_eq!(up.code, 1);
    assert!(
        up.text().contains("package platform: the program's binding was generated for platform@^0.2.0, but")
            && up.text().contains("is version 0.1.0"),
        "{}",
        up.text()
    );
    let project = Project::new(&function_spec(json!({})));
    project.write("app/app.py", APP);
    project.append_project_file(&packages_table().replace("^0.1.0", "^0.3"));
    let up = project.up();
    assert_eq!(up.code, 1);
    assert!(up.text().contains("is version 0.1.0, but Engine.toml requires ^0.3"), "{}", up.text());
}

#[test]
fn a_failing_child_fails_its_component_and_the_error_names_both() {
    let project = remote_project(&function_spec(json!({"memorySize": 1})));
    // Without the preview, so the children that do not depend on the failing one are built.
    let up = project.engine(&["up", "--yes", "--skip-preview"]);
    eprintln!("{}", up.text());
    assert_eq!(up.code, 1, "{}", up.text());
    let text = up.text();
    let component_error = text
        .lines()
        .find(|l| l.contains("platform:index:ServerlessFunction::api") && l.contains("AWS::Lambda::Function \"api\""))
        .unwrap_or_else(|| panic!("no error names the component and its failing child:\n{text}"));
    assert!(component_error.contains("MemorySize"), "{component_error}");
    // The children that did not depend on the failed one were still built, and recorded.
    let managed: Vec<(String, String)> =
        project.cloud_resources().into_iter().filter(|(_, id)| !id.starts_with("engine-assets-")).collect();
    assert_eq!(managed, project.state_cloud_resources());
    assert!(managed.iter().any(|(t, _)| t == "AWS::Logs::LogGroup"), "{managed:?}");
    assert!(!managed.iter().any(|(t, _)| t == "AWS::Lambda::Function"), "{managed:?}");
}

#[test]
fn an_asset_change_is_one_upload_and_one_update() {
    let project = remote_project(&function_spec(json!({})));
    let first = project.engine(&["up", "--yes", "--json"]).ok();
    let uploads = |run: &Run| -> usize {
        run.events()
            .iter()
            .filter(|e| {
                e["event"] == "diagnostic" && e["message"].as_str().is_some_and(|m| m.starts_with("uploaded the asset"))
            })
            .count()
    };
    assert_eq!(uploads(&first), 1, "{}", first.text());
    // Unchanged: no upload, no change.
    let same = project.engine(&["up", "--yes", "--json"]).ok();
    assert_eq!(uploads(&same), 0, "{}", same.text());
    assert_eq!(project.engine(&["preview", "--expect-no-changes"]).code, 0);
    // Changed: exactly one upload and one update (the function's code), nothing else.
    project.write("app/app.py", "def handler(event, context):\n    return {'ok': 2}\n");
    let changed = project.engine(&["up", "--yes", "--skip-preview", "--json"]).ok();
    assert_eq!(uploads(&changed), 1, "{}", changed.text());
    let ops: Vec<(String, String)> = changed
        .events()
        .into_iter()
        .filter(|e| e["event"] == "stepPlanned" && e["op"] != "same")
        .map(|e| (e["name"].as_str().unwrap_or("").to_owned(), e["op"].as_str().unwrap_or("").to_owned()))
        .collect();
    assert_eq!(ops, [("api".to_owned(), "update".to_owned())], "{}", changed.text());
}
