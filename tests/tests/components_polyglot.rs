//! Components across languages (slow: the Python SDK's wheel, the Node SDK and the plugins are
//! built on first use). The Rust platform package used from Python and TypeScript builds what a
//! Rust program linking it builds; a component written in TypeScript used from Rust builds what a
//! TypeScript program importing it builds; errors inside a component name it and the failing
//! child.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use engine_tests::{Project, engine_bin, platform_consumer_bin, platform_dir, workspace};
use serde_json::Value;

const APP: &str = "def handler(event, context):\n    return {'ok': 1}\n";

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

/// The stack's state by URN, what the cloud made up replaced by where it comes from.
fn state_by_urn(project: &Project) -> BTreeMap<String, Value> {
    let state = project.state();
    let mut ids: Vec<(String, String)> = Vec::new();
    for record in &state.resources {
        for part in record.id.split('|').filter(|p| p.len() >= 6) {
            ids.push((part.to_owned(), record.urn.clone()));
        }
        for (key, value) in &record.outputs {
            if !record.inputs.contains_key(key) {
                collect_strings(value, &format!("{}.{key}", record.urn), &mut ids);
            }
        }
    }
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

fn assert_same_state(expected: &Project, actual: &Project, what: &str) {
    let expected = state_by_urn(expected);
    let actual = state_by_urn(actual);
    assert_eq!(expected.keys().collect::<Vec<_>>(), actual.keys().collect::<Vec<_>>(), "{what}: the URNs differ");
    for (urn, record) in &expected {
        assert_eq!(record, &actual[urn], "{what}: {urn} differs");
    }
}

fn stack_output_names(project: &Project) -> Vec<String> {
    let text = project.engine(&["stack", "output", "--json"]).ok().stdout;
    let value: Value = serde_json::from_str(&text).unwrap();
    value.as_object().unwrap().keys().cloned().collect()
}

/// `engine package add PACKAGE` in the project.
fn package_add(project: &Project, package: &Path) {
    let run = project.engine(&["package", "add", &package.display().to_string()]).ok();
    assert!(run.stdout.contains("Added"), "{}", run.text());
}

const PYTHON_PROGRAM: &str = r#"import engine_sdk as engine
from generated.platform import Network, ServerlessFunction

net = Network("core", availability_zone_count=2, nat_gateways="single", vpc_endpoints=["s3"])
api = ServerlessFunction(
    "api",
    code=engine.FileArchive("app"),
    handler="app.handler",
    runtime="python3.13",
    subnet_ids=net.private_subnet_ids,
    security_group_ids=net.default_security_group_id.apply(lambda group: [group]),
    environment={"STAGE": "dev", "VPC": net.vpc_id},
    policy_statements=[{"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::data/*"]}],
    log_retention_days=14,
)
engine.export("vpcId", net.vpc_id)
engine.export("privateSubnetIds", net.private_subnet_ids)
engine.export("functionArn", api.function_arn)
engine.export("logGroupName", api.log_group_name)
"#;

const TYPESCRIPT_PROGRAM: &str = r#"import * as engine from "engine-sdk";
import { Network, ServerlessFunction } from "./generated/platform";

const net = new Network("core", { availabilityZoneCount: 2, natGateways: "single", vpcEndpoints: ["s3"] });
const api = new ServerlessFunction("api", {
  code: new engine.FileArchive("app"),
  handler: "app.handler",
  runtime: "python3.13",
  subnetIds: net.privateSubnetIds,
  securityGroupIds: net.defaultSecurityGroupId.apply((group) => [group]),
  environment: { STAGE: "dev", VPC: net.vpcId },
  policyStatements: [{ actions: ["s3:GetObject"], resources: ["arn:aws:s3:::data/*"] }],
  logRetentionDays: 14,
});
engine.export("vpcId", net.vpcId);
engine.export("privateSubnetIds", net.privateSubnetIds);
engine.export("functionArn", api.functionArn);
engine.export("logGroupName", api.logGroupName);
"#;

#[test]
#[ignore = "slow: builds the Python SDK wheel, the Node SDK and the platform plugin (cargo) on first use"]
fn python_and_typescript_programs_use_the_rust_platform_package_like_a_rust_program() {
    platform_consumer_bin();
    let linked = Project::with_program("rust", &platform_consumer_bin().display().to_string(), &[]);
    linked.write("app/app.py", APP);
    linked.up().ok();

    let python = Project::with_program("python", "main.py", &[]);
    python.write("app/app.py", APP);
    python.write("main.py", PYTHON_PROGRAM);
    python.write("requirements.txt", "");
    package_add(&python, &platform_dir());
    assert!(python.dir().join("generated/platform/__init__.py").is_file());
    // The engine builds the plugin itself here (cargo build of programs/platform).
    let up = python.up().ok();
    assert_eq!(up.text().matches("starting the plugin of package platform@0.1.0").count(), 2, "{}", up.text());
    assert_same_state(&linked, &python, "Python consumer");
    assert_eq!(stack_output_names(&linked), stack_output_names(&python));
    assert_eq!(python.engine(&["preview", "--expect-no-changes"]).code, 0);

    let node = Project::with_program("node", "index.ts", &[]);
    node.write("app/app.py", APP);
    node.write("index.ts", TYPESCRIPT_PROGRAM);
    node.write("package.json", "{\"name\": \"consumer\", \"version\": \"1.0.0\", \"private\": true}\n");
    package_add(&node, &platform_dir());
    node.up().ok();
    assert_same_state(&linked, &node, "TypeScript consumer");
    assert_eq!(stack_output_names(&linked), stack_output_names(&node));

    // A failing child names the component and the child, from Python too.
    python.write("main.py", &PYTHON_PROGRAM.replace("log_retention_days=14", "log_retention_days=14, memory_size=1"));
    let failed = python.up();
    assert_eq!(failed.code, 1);
    assert!(
        failed.text().lines().any(|l| l.contains("platform:index:ServerlessFunction")
            && l.contains("AWS::Lambda::Function \"api\"")
            && l.contains("MemorySize")),
        "{}",
        failed.text()
    );
    // A wrong input type is refused with the package and the input named.
    python.write("main.py", &PYTHON_PROGRAM.replace("availability_zone_count=2", "availability_zone_count=\"two\""));
    let refused = python.up();
    assert_eq!(refused.code, 1);
    assert!(
        refused.text().contains("package platform@0.1.0: input availabilityZoneCount: expected an integer"),
        "{}",
        refused.text()
    );
}

/// Copy a folder (without `node_modules`).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() == "node_modules" {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn greeter_consumer_bin() -> PathBuf {
    engine_bin();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = std::process::Command::new(cargo)
        .current_dir(workspace())
        .args(["build", "--quiet", "-p", "engine-test-greeter-consumer"])
        .status()
        .unwrap();
    assert!(status.success());
    platform_consumer_bin().with_file_name("engine-test-greeter-consumer")
}

#[test]
#[ignore = "slow: builds the Node SDK on first use and installs the TypeScript package's plugin"]
fn a_rust_program_uses_a_typescript_component_like_a_typescript_program() {
    let root = tempfile::tempdir().unwrap();
    let package = root.path().join("greeter");
    copy_dir(&workspace().join("tests/packages/greeter"), &package);

    // The same-language consumer: a TypeScript program importing the component.
    let linked = Project::with_program("node", "consumer.ts", &[]);
    copy_dir(&package, linked.dir());
    linked.write(
        "consumer.ts",
        "import * as engine from \"engine-sdk\";\nimport { Greeter } from \"./index\";\nconst hi = new Greeter(\"hi\", { greeting: \"hello\", retentionDays: 7, tags: { team: \"core\" } });\nengine.export(\"message\", hi.message);\nengine.export(\"queueUrl\", hi.queueUrl);\nengine.export(\"logGroupName\", hi.logGroupName);\n",
    );
    linked.up().ok();

    // The Rust program, through the binding and the plugin.
    let rust = Project::with_program("rust", &greeter_consumer_bin().display().to_string(), &[]);
    rust.append_project_file(&format!(
        "\n[packages]\ngreeter = {{ path = {:?}, version = \"^0.2.0\" }}\n",
        package.display().to_string()
    ));
    let up = rust.up().ok();
    assert!(up.text().contains("starting the plugin of package greeter@0.2.0 (node)"), "{}", up.text());
    assert_same_state(&linked, &rust, "Rust consumer of a TypeScript component");
    let message = rust.engine(&["stack", "output", "message"]).ok().stdout;
    assert_eq!(message.trim(), "hello, hi!");
    assert_eq!(rust.engine(&["preview", "--expect-no-changes"]).code, 0);

    // A child the TypeScript component cannot create (8 is not a CloudWatch retention) fails the
    // component, both named.
    rust.engine(&["config", "set", "retention", "8"]).ok();
    let failed = rust.up();
    assert_eq!(failed.code, 1);
    assert!(
        failed
            .text()
            .lines()
            .any(|l| l.contains("greeter:index:Greeter") && l.contains("AWS::Logs::LogGroup \"hi-logs\"")),
        "{}",
        failed.text()
    );
    rust.engine(&["config", "set", "retention", "14"]).ok();
    let update = rust.engine(&["up", "--yes", "--skip-preview", "--json"]).ok();
    let updated: Vec<String> = update
        .events()
        .into_iter()
        .filter(|e| e["event"] == "stepPlanned" && e["op"] == "update")
        .map(|e| e["name"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(updated, ["hi-logs"], "{}", update.text());
}
