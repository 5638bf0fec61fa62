//! Type-checks of small programs written with the generated Python and TypeScript: one that
//! uses nested types, enums and outputs must pass; each misuse must fail with the expected error.
//! (The Rust equivalent is `tests/rust-check`: its tests and doctests.)
//!
//! They need the checkers (`pip install mypy`, `npm install typescript`), so they are ignored by
//! default: `cargo test -p engine-codegen --test typecheck -- --ignored`. Checkers are found on
//! `PATH` or through `ENGINE_CODEGEN_MYPY` / `ENGINE_CODEGEN_TSC`.
//!
//! The programs are checked against the real binding packages when their sources exist
//! (`sdk-python/python/engine_sdk`, `sdk-node/**/runtime.d.ts`), otherwise (or with
//! `ENGINE_CODEGEN_TYPING_STUBS=1`) against the typing surface `RUNTIME.md` specifies, written
//! below.

use std::path::{Path, PathBuf};
use std::process::Command;

use engine_codegen::{Language, Options, generate_sdk};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn find_tool(env: &str, names: &[&str]) -> PathBuf {
    if let Some(path) = std::env::var_os(env) {
        return PathBuf::from(path);
    }
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!("{} not found: install it or set {env}", names[0]);
}

fn use_bindings() -> bool {
    std::env::var_os("ENGINE_CODEGEN_TYPING_STUBS").is_none()
}

fn run(tool: &Path, args: &[&str], cwd: &Path) -> (bool, String) {
    let output = Command::new(tool).args(args).current_dir(cwd).output().expect("run the checker");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "aws" && name != "__pycache__" && name != "node_modules" {
                copy_dir(&path, &to.join(name));
            }
        } else {
            std::fs::copy(&path, to.join(name)).unwrap();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Python

/// The typing surface of RUNTIME.md §2, for when the binding's sources are not there.
const PYTHON_INIT: &str = r#"from typing import Any, Awaitable, Callable, Generic, List, Optional, TypeVar, Union

T = TypeVar("T")
U = TypeVar("U")

class Output(Generic[T]):
    def apply(self, f: Callable[[T], U]) -> "Output[U]": ...

Input = Union[T, Output[T], Awaitable[T]]

class ResourceOptions:
    def __init__(self, *, depends_on: Optional[List[Any]] = None, protect: bool = False) -> None: ...
"#;

const PYTHON_RUNTIME: &str = r#"from typing import Any
from . import Output, ResourceOptions

class CustomResource:
    @property
    def urn(self) -> Output[str]: ...
    @property
    def id(self) -> Output[str]: ...

def shape_table(text: str) -> Any: ...
"#;

const PYTHON_OK: &str = r#"import engine_sdk
from engine_sdk.aws import ecs, lambda_, s3, wafv2

bucket = s3.Bucket(
    "logs",
    bucket_name="logs",
    tags=[{"key": "team", "value": "core"}],
    versioning_configuration={"status": "Enabled"},
    lifecycle_configuration=s3.BucketLifecycleConfigurationArgs(
        rules=[{"status": "Enabled", "expiration_in_days": 30, "id": "expire"}],
    ),
)
arn: engine_sdk.Output[str] = bucket.arn
name: engine_sdk.Output[str] = bucket.bucket_name
status = bucket.versioning_configuration.apply(lambda v: v["status"] if v else None)

task = ecs.TaskDefinition(
    "task",
    container_definitions=[
        {
            "name": "app",
            "image": "nginx",
            "port_mappings": [{"container_port": 80, "protocol": "tcp"}],
            "environment": [{"name": "BUCKET", "value": bucket.bucket_name}],
            "docker_labels": {"tier": "web"},
        }
    ],
    requires_compatibilities=["FARGATE"],
)
fn = lambda_.Function("handler", role=bucket.arn, code={"zip_file": "def handler(e, c): pass"}, runtime="python3.13")

acl = wafv2.WebAcl(
    "acl",
    scope="REGIONAL",
    default_action={"allow": {}},
    visibility_config={"cloud_watch_metrics_enabled": True, "metric_name": "acl", "sampled_requests_enabled": True},
    rules=[
        {
            "name": "r",
            "priority": 1,
            "statement": {
                "and_statement": {
                    "statements": [
                        {"not_statement": {"statement": {"byte_match_statement": {
                            "field_to_match": {"uri_path": {}},
                            "positional_constraint": "CONTAINS",
                            "search_string": "admin",
                            "text_transformations": [{"priority": 0, "type": "NONE"}],
                        }}}},
                    ]
                }
            },
            "visibility_config": {"cloud_watch_metrics_enabled": True, "metric_name": "r", "sampled_requests_enabled": True},
            "action": {"block": {}},
        }
    ],
)
"#;

/// Misuses and a fragment of the error the checker must report.
const PYTHON_BAD: &[(&str, &str)] = &[
    ("s3.Bucket(\"b\", versioning_configuration={\"status\": \"enabled\"})", "versioning_configuration"),
    ("s3.Bucket(\"b\", bucket_nam=\"x\")", "bucket_nam"),
    ("s3.Bucket(\"b\", tags=[{\"key\": \"a\"}])", "TagArgs"),
    ("s3.Bucket(\"b\", arn=\"x\")", "arn"),
    // A required key (`image`) missing in a nested dict.
    ("ecs.TaskDefinition(\"t\", container_definitions=[{\"name\": \"app\"}])", "TaskDefinitionContainerDefinitionArgs"),
    ("s3.Bucket(\"b\", object_lock_enabled=\"yes\")", "object_lock_enabled"),
    ("x: int = s3.Bucket(\"b\").arn", "Output"),
];

#[test]
#[ignore = "slow: needs mypy (pip install mypy); generates four services and runs it"]
fn python_programs_type_check() {
    let mypy = find_tool("ENGINE_CODEGEN_MYPY", &["mypy"]);
    let dir = tempfile::tempdir().unwrap();
    let package = dir.path().join("engine_sdk");
    let binding = repo_root().join("sdk-python/python/engine_sdk");
    if use_bindings() && (binding.join("__init__.py").is_file() || binding.join("__init__.pyi").is_file()) {
        copy_dir(&binding, &package);
    } else {
        std::fs::create_dir_all(&package).unwrap();
        std::fs::write(package.join("__init__.pyi"), PYTHON_INIT).unwrap();
        std::fs::write(package.join("__init__.py"), "").unwrap();
        std::fs::write(package.join("_runtime.pyi"), PYTHON_RUNTIME).unwrap();
        std::fs::write(package.join("py.typed"), "").unwrap();
    }
    let services = ["s3", "ecs", "wafv2", "lambda"].map(str::to_owned).to_vec();
    generate_sdk(Language::Python, &package, Some(services), &Options::default()).unwrap();

    std::fs::write(dir.path().join("ok.py"), PYTHON_OK).unwrap();
    let args = ["--strict", "--no-incremental", "--follow-imports=silent", "ok.py"];
    let (ok, text) = run(&mypy, &args, dir.path());
    assert!(ok, "the correct program must type-check:\n{text}");

    for (index, (line, expected)) in PYTHON_BAD.iter().enumerate() {
        let file = format!("bad{index}.py");
        std::fs::write(dir.path().join(&file), format!("from engine_sdk.aws import ecs, s3\n{line}\n")).unwrap();
        let (ok, text) = run(&mypy, &["--no-incremental", "--follow-imports=silent", &file], dir.path());
        assert!(!ok, "{line} must not type-check");
        assert!(text.contains("bad") && text.contains(expected), "{line}: expected an error about {expected}:\n{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// TypeScript

/// The typing surface of RUNTIME.md §3, for when the binding's sources are not there.
const TS_RUNTIME: &str = r#"export declare class Output<T> {
    apply<U>(f: (value: T) => U | Output<U> | Promise<U>): Output<U>;
}
export type Input<T> = T | Output<T> | Promise<T>;
export interface ResourceOptions { dependsOn?: CustomResource[]; protect?: boolean }
export declare class CustomResource {
    readonly urn: Output<string>;
    readonly id: Output<string>;
}
export declare function shapeTable(text: string): unknown;
"#;

const TS_OK: &str = r#"import * as s3 from "engine-sdk/aws/s3";
import * as ecs from "engine-sdk/aws/ecs";
import * as wafv2 from "engine-sdk/aws/wafv2";
import * as aws from "engine-sdk/aws";
import type { Output } from "engine-sdk";

const bucket = new s3.Bucket("logs", {
    bucketName: "logs",
    tags: [{ key: "team", value: "core" }],
    versioningConfiguration: { status: "Enabled" },
    lifecycleConfiguration: { rules: [{ status: "Enabled", expirationInDays: 30, id: "expire" }] },
});
export const arn: Output<string> = bucket.arn;
export const status = bucket.versioningConfiguration.apply((v) => v?.status);
export const task = new ecs.TaskDefinition("task", {
    containerDefinitions: [{
        name: "app",
        image: "nginx",
        portMappings: [{ containerPort: 80, protocol: "tcp" }],
        environment: [{ name: "BUCKET", value: bucket.bucketName }],
        dockerLabels: { tier: "web" },
    }],
    requiresCompatibilities: ["FARGATE"],
});
export const acl = new wafv2.WebAcl("acl", {
    scope: "REGIONAL",
    defaultAction: { allow: {} },
    visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: "acl", sampledRequestsEnabled: true },
    rules: [{
        name: "r",
        priority: 1,
        statement: { andStatement: { statements: [{ notStatement: { statement: { byteMatchStatement: {
            fieldToMatch: { uriPath: {} }, positionalConstraint: "CONTAINS", searchString: "admin",
            textTransformations: [{ priority: 0, type: "NONE" }],
        } } } }] } },
        visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: "r", sampledRequestsEnabled: true },
        action: { block: {} },
    }],
});
export const fn = new aws.lambda.Function("handler", { role: bucket.arn, code: { zipFile: "exports.h = 1" } });
"#;

const TS_BAD: &[(&str, &str)] = &[
    ("new s3.Bucket(\"b\", { versioningConfiguration: { status: \"enabled\" } });", "\"enabled\""),
    ("new s3.Bucket(\"b\", { bucketNam: \"x\" });", "bucketNam"),
    ("new s3.Bucket(\"b\", { tags: [{ key: \"a\" }] });", "value"),
    ("new s3.Bucket(\"b\", { arn: \"x\" });", "arn"),
    ("new ecs.TaskDefinition(\"t\", { containerDefinitions: [{ name: \"app\" }] });", "image"),
    ("new s3.Bucket(\"b\", { objectLockEnabled: \"yes\" });", "Input<boolean>"),
    ("const x: number = new s3.Bucket(\"b\").arn;", "Output"),
];

fn node_runtime_dts() -> Option<PathBuf> {
    let root = repo_root().join("sdk-node");
    ["runtime.d.ts", "dist/runtime.d.ts", "src/runtime.d.ts", "lib/runtime.d.ts"]
        .iter()
        .map(|p| root.join(p))
        .find(|p| p.is_file())
}

#[test]
#[ignore = "slow: needs tsc (npm install typescript); generates every service and runs it"]
fn typescript_programs_type_check() {
    let tsc = find_tool("ENGINE_CODEGEN_TSC", &["tsc"]);
    let dir = tempfile::tempdir().unwrap();
    let package = dir.path().join("node_modules/engine-sdk");
    std::fs::create_dir_all(&package).unwrap();
    match node_runtime_dts().filter(|_| use_bindings()) {
        Some(runtime) => copy_dir(runtime.parent().unwrap(), &package),
        None => std::fs::write(package.join("runtime.d.ts"), TS_RUNTIME).unwrap(),
    }
    if !package.join("index.d.ts").is_file() {
        std::fs::write(package.join("index.d.ts"), "export * from \"./runtime\";\nexport * as aws from \"./aws\";\n").unwrap();
    }
    std::fs::write(package.join("package.json"), r#"{"name": "engine-sdk", "version": "0.0.0", "types": "index.d.ts"}"#)
        .unwrap();
    // Every service: the program imports `aws` from the root, which declares them all.
    generate_sdk(Language::Node, &package, None, &Options::default()).unwrap();

    let common = ["--noEmit", "--strict", "--skipLibCheck", "--module", "commonjs", "--target", "es2020", "--moduleResolution", "node"];
    std::fs::write(dir.path().join("ok.ts"), TS_OK).unwrap();
    let mut args = common.to_vec();
    args.push("ok.ts");
    let (ok, text) = run(&tsc, &args, dir.path());
    assert!(ok, "the correct program must type-check:\n{text}");

    for (index, (line, expected)) in TS_BAD.iter().enumerate() {
        let file = format!("bad{index}.ts");
        let source = format!("import * as s3 from \"engine-sdk/aws/s3\";\nimport * as ecs from \"engine-sdk/aws/ecs\";\n{line}\nexport {{}};\n");
        std::fs::write(dir.path().join(&file), source).unwrap();
        let mut args = common.to_vec();
        args.push(&file);
        let (ok, text) = run(&tsc, &args, dir.path());
        assert!(!ok, "{line} must not type-check");
        assert!(text.contains(&file) && text.contains(expected), "{line}: expected an error about {expected}:\n{text}");
    }
}
