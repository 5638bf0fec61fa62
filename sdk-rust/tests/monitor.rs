//! The SDK against a mock engine: a real tonic server implementing `ResourceMonitor` in the test
//! process (`engine_sdk::testing`), recording every request.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use engine_sdk::prelude::*;
use engine_sdk::proto::v1::{self, LogSeverity, alias, alias_spec};
use engine_sdk::proto::value as wire;
use engine_sdk::random::RandomArgs;
use engine_sdk::runtime::block_on;
use engine_sdk::testing::{MockMonitor, MockOptions};
use engine_sdk::{ConnectOptions, ResourceKind, TypeInfo, TypedResource};
use serde::Serialize;
use serde_json::{Value, json};

fn start(options: MockOptions) -> (MockMonitor, Context) {
    block_on(async {
        let mock = MockMonitor::start(options).await.unwrap();
        let ctx = mock.connect().await.unwrap();
        (mock, ctx)
    })
}

fn up() -> (MockMonitor, Context) {
    start(MockOptions::default())
}

fn preview() -> (MockMonitor, Context) {
    start(MockOptions { dry_run: true, ..MockOptions::default() })
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

#[test]
fn connects_with_handshake_and_token_on_every_call() {
    let (mock, ctx) = up();
    block_on(ctx.finish(Ok(()))).unwrap();
    let recorded = mock.recorded();
    assert_eq!(recorded.handshakes.len(), 1);
    assert_eq!(recorded.handshakes[0].protocol_version, engine_sdk::proto::PROTOCOL_VERSION);
    assert_eq!(recorded.handshakes[0].sdk_name, "engine-sdk-rust");
    assert_eq!(recorded.unauthenticated, 0);
    assert_eq!(recorded.finishes.len(), 1);
    assert_eq!(recorded.finishes[0].error, "");
    assert_eq!(ctx.project(), "proj");
    assert_eq!(ctx.stack(), "dev");
    assert_eq!(ctx.root().urn_str(), "urn:engine:dev::proj::engine:index:Stack::proj-dev");

    let error = block_on(Context::connect(ConnectOptions::new(mock.address(), "wrong"))).unwrap_err();
    assert_eq!(error.engine_code(), Some("Unauthenticated"));
    assert!(error.to_string().contains("refused this program's token"), "{error}");
}

#[test]
fn a_protocol_mismatch_is_a_clear_error() {
    let mock = block_on(MockMonitor::start(MockOptions { protocol_version: 7, ..MockOptions::default() })).unwrap();
    let error = block_on(mock.connect()).unwrap_err();
    assert!(matches!(error, engine_sdk::Error::ProtocolMismatch { .. }), "{error:?}");
    let text = error.to_string();
    assert!(text.contains("protocol version 1") && text.contains("version 7"), "{text}");
}

#[test]
fn connecting_to_nothing_fails_clearly() {
    let error = block_on(Context::connect(ConnectOptions::new("127.0.0.1:1", "t"))).unwrap_err();
    assert!(error.to_string().starts_with("cannot connect to the engine's resource monitor at 127.0.0.1:1"), "{error}");
}

#[test]
fn registers_a_custom_resource_and_reads_its_outputs() {
    let (mock, ctx) = up();
    let bucket = ctx
        .register_resource("AWS::S3::Bucket", "logs", json!({"BucketName": "logs-1", "Empty": null}), ResourceOptions::new())
        .unwrap();
    // The handle is there at once, with its URN.
    assert_eq!(bucket.urn_str(), "urn:engine:dev::proj::AWS::S3::Bucket::logs");
    assert_eq!(bucket.kind(), ResourceKind::Custom);
    let arn = block_on(bucket.output::<String>("Arn").resolve()).unwrap();
    assert_eq!(arn.value.as_deref(), Some("arn:mock:AWS::S3::Bucket:logs"));
    assert_eq!(arn.dependencies, BTreeSet::from([bucket.urn_str().to_owned()]));
    assert!(!arn.secret);
    assert_eq!(block_on(bucket.id().value()).unwrap().as_deref(), Some("logs-id"));
    assert_eq!(block_on(bucket.output::<Option<String>>("Missing").value()).unwrap(), Some(None));
    block_on(ctx.finish(Ok(()))).unwrap();

    let recorded = mock.recorded();
    let request = recorded.registration("logs").unwrap();
    assert_eq!(request.r#type, "AWS::S3::Bucket");
    assert!(request.custom);
    assert_eq!(request.parent, "");
    assert_eq!(recorded.inputs("logs").unwrap(), json!({"BucketName": "logs-1"}), "nulls are not sent");
    assert!(request.source_position.contains("tests/monitor.rs:"), "{}", request.source_position);
}

#[test]
fn a_wrongly_typed_output_names_the_resource_and_property() {
    let (_mock, ctx) = up();
    let bucket = ctx.register_resource("AWS::S3::Bucket", "b", json!({"Count": 3}), ResourceOptions::new()).unwrap();
    let error = block_on(bucket.output::<String>("Count").value()).unwrap_err();
    assert!(error.to_string().starts_with("AWS::S3::Bucket \"b\": property Count: unexpected value"), "{error}");
    let error = block_on(bucket.output::<String>("Nothing").value()).unwrap_err();
    assert_eq!(error.to_string(), "AWS::S3::Bucket \"b\": property Nothing: the engine returned no value for it");
}

#[test]
fn every_option_is_encoded() {
    let (mock, ctx) = up();
    let other = ctx.register_resource("AWS::IAM::Role", "role", json!({}), ResourceOptions::new()).unwrap();
    let options = ResourceOptions::new()
        .depends_on(&other)
        .protect(true)
        .ignore_changes(["Tags", "Code.S3Key"])
        .replace_on_changes(["/BucketName"])
        .delete_before_replace(true)
        .retain_on_delete(true)
        .import("existing-bucket")
        .custom_timeouts(CustomTimeouts {
            create: Some(Duration::from_secs(600)),
            update: None,
            delete: Some(Duration::from_millis(1500)),
        })
        .region("us-east-1")
        .alias(Alias::Urn("urn:engine:dev::proj::AWS::S3::Bucket::old".to_owned()))
        .alias(Alias::name("older"))
        .alias(Alias::no_parent())
        .additional_secret_outputs(["Arn"])
        .source_position("main.py:12");
    let bucket = ctx.register_resource("AWS::S3::Bucket", "b", json!({}), options).unwrap();
    let arn = block_on(bucket.output::<String>("Arn").resolve()).unwrap();
    assert!(arn.secret, "additional_secret_outputs marks the output secret");
    block_on(ctx.finish(Ok(()))).unwrap();

    let recorded = mock.recorded();
    let request = recorded.registration("b").unwrap();
    let options = request.options.clone().unwrap();
    assert_eq!(request.dependencies, vec![other.urn_str().to_owned()]);
    assert!(options.protect);
    assert_eq!(options.ignore_changes, strings(&["Tags", "Code.S3Key"]));
    assert_eq!(options.replace_on_changes, strings(&["/BucketName"]));
    assert_eq!(options.delete_before_replace, Some(true));
    assert!(options.retain_on_delete);
    assert_eq!(options.import_id, "existing-bucket");
    assert_eq!(options.custom_timeouts, Some(v1::CustomTimeouts { create: 600.0, update: 0.0, delete: 1.5 }));
    assert_eq!(options.region, "us-east-1");
    assert_eq!(options.additional_secret_outputs, strings(&["Arn"]));
    assert_eq!(request.source_position, "main.py:12");
    assert_eq!(options.aliases.len(), 3);
    assert_eq!(options.aliases[0].alias, Some(alias::Alias::Urn("urn:engine:dev::proj::AWS::S3::Bucket::old".to_owned())));
    match &options.aliases[1].alias {
        Some(alias::Alias::Spec(spec)) => {
            assert_eq!(spec.name, "older");
            assert_eq!(spec.parent, None);
        }
        other => panic!("{other:?}"),
    }
    match &options.aliases[2].alias {
        Some(alias::Alias::Spec(spec)) => assert_eq!(spec.parent, Some(alias_spec::Parent::NoParent(true))),
        other => panic!("{other:?}"),
    }
    // Unset options stay unset.
    let role = recorded.registration("role").unwrap().options.clone().unwrap();
    assert_eq!(role, v1::ResourceOptions::default());
}

#[test]
fn components_parent_their_children() {
    let (mock, ctx) = up();
    let network = ctx.component("platform:index:Network", "core", ResourceOptions::new().protect(true)).unwrap();
    let vpc = ctx
        .register_resource("AWS::EC2::VPC", "core-vpc", json!({"CidrBlock": "10.0.0.0/16"}), network.child_options())
        .unwrap();
    let inner = ctx.component("platform:index:Subnets", "subnets", network.child_options()).unwrap();
    let subnet = ctx
        .register_resource(
            "AWS::EC2::Subnet",
            "a",
            DynInput::object([("VpcId", vpc.id().to_value_output().into())]),
            inner.child_options().protect(false),
        )
        .unwrap();
    network.register_outputs(&json!({"vpcId": "static"}));
    assert_eq!(vpc.urn_str(), "urn:engine:dev::proj::platform:index:Network$AWS::EC2::VPC::core-vpc");
    assert_eq!(
        subnet.urn_str(),
        "urn:engine:dev::proj::platform:index:Network$platform:index:Subnets$AWS::EC2::Subnet::a"
    );
    assert_eq!(network.kind(), ResourceKind::Component);
    block_on(ctx.finish(Ok(()))).unwrap();

    let recorded = mock.recorded();
    let component = recorded.registration("core").unwrap();
    assert!(!component.custom);
    assert_eq!(component.parent, "");
    let vpc_request = recorded.registration("core-vpc").unwrap();
    assert_eq!(vpc_request.parent, network.urn_str());
    assert!(vpc_request.options.as_ref().unwrap().protect, "protect is inherited from the parent");
    let subnet_request = recorded.registration("a").unwrap();
    assert_eq!(subnet_request.parent, inner.urn_str());
    assert!(
        subnet_request.options.as_ref().unwrap().protect,
        "a protected ancestor's true wins over the child's false (the engine's rule)"
    );
    let outputs = recorded.resource_outputs.iter().find(|request| request.urn == network.urn_str()).unwrap();
    assert_eq!(Value::Object(wire::from_struct(outputs.outputs.as_ref().unwrap())), json!({"vpcId": "static"}));
}

#[test]
fn dependencies_come_from_inputs_and_depends_on() {
    let (mock, ctx) = up();
    let role = ctx.register_resource("AWS::IAM::Role", "role", json!({}), ResourceOptions::new()).unwrap();
    let logs = ctx.register_resource("AWS::Logs::LogGroup", "logs", json!({}), ResourceOptions::new()).unwrap();
    let network = ctx.component("platform:index:Network", "net", ResourceOptions::new()).unwrap();
    let vpc = ctx.register_resource("AWS::EC2::VPC", "vpc", json!({}), network.child_options()).unwrap();
    let function = ctx
        .register_resource(
            "AWS::Lambda::Function",
            "fn",
            DynInput::object([
                ("Role", role.output_value("Arn").into()),
                ("Runtime", DynInput::Value(json!("python3.13"))),
                (
                    "Environment",
                    DynInput::object([("Variables", DynInput::object([("LOGS", logs.output_value("Arn").into())]))]),
                ),
            ]),
            ResourceOptions::new().depends_on(&network),
        )
        .unwrap();
    block_on(function.wait()).unwrap();
    block_on(ctx.finish(Ok(()))).unwrap();

    let recorded = mock.recorded();
    let request = recorded.registration("fn").unwrap();
    let dependencies: BTreeSet<&str> = request.dependencies.iter().map(String::as_str).collect();
    assert_eq!(
        dependencies,
        BTreeSet::from([role.urn_str(), logs.urn_str(), network.urn_str(), vpc.urn_str()]),
        "inputs' resources, the component and its children"
    );
    let per_property: BTreeMap<&str, Vec<String>> =
        request.property_dependencies.iter().map(|(key, list)| (key.as_str(), list.urns.clone())).collect();
    assert_eq!(per_property["Role"], vec![role.urn_str().to_owned()]);
    assert_eq!(per_property["Environment"], vec![logs.urn_str().to_owned()]);
    assert!(!per_property.contains_key("Runtime"));
    assert_eq!(
        recorded.inputs("fn").unwrap(),
        json!({
            "Role": "arn:mock:AWS::IAM::Role:role",
            "Runtime": "python3.13",
            "Environment": {"Variables": {"LOGS": "arn:mock:AWS::Logs::LogGroup:logs"}},
        })
    );
    // A dependent is sent only after what it depends on was registered.
    let position = |name: &str| recorded.registrations.iter().position(|request| request.name == name).unwrap();
    assert!(position("fn") > position("role") && position("fn") > position("logs") && position("fn") > position("vpc"));
}

#[test]
fn secrets_travel_as_markers_and_come_back_secret() {
    let (mock, ctx) = up();
    let password = RandomPassword::new(&ctx, "db", RandomArgs::length(24), ResourceOptions::new()).unwrap();
    let db = ctx
        .register_resource(
            "AWS::RDS::DBInstance",
            "database",
            DynInput::object([
                ("MasterUserPassword", password.result().to_value_output().into()),
                ("Token", DynInput::Output(Output::secret(json!({"nested": "x"})))),
            ]),
            ResourceOptions::new(),
        )
        .unwrap();
    let result = block_on(password.result().resolve()).unwrap();
    assert!(result.secret);
    assert_eq!(result.value.as_deref(), Some("pw-db"));
    // The engine echoes the secret input back as an output: it stays secret.
    let echoed = block_on(db.output::<String>("MasterUserPassword").resolve()).unwrap();
    assert!(echoed.secret);
    assert_eq!(echoed.value.as_deref(), Some("pw-db"));
    block_on(ctx.finish(Ok(()))).unwrap();

    let recorded = mock.recorded();
    assert_eq!(recorded.inputs("database").unwrap()["MasterUserPassword"], wire::secret(json!("pw-db")));
    assert_eq!(recorded.inputs("database").unwrap()["Token"], wire::secret(json!({"nested": "x"})));
    let random = recorded.registration("db").unwrap();
    assert_eq!(random.r#type, "Engine::Random::Password");
    let password_inputs = Value::Object(wire::from_struct(random.inputs.as_ref().unwrap()));
    assert_eq!(password_inputs, json!({"Length": 24}));
    assert_eq!(random.options.as_ref().unwrap().additional_secret_outputs, strings(&["Result"]));
}

#[test]
fn preview_outputs_are_unknown_and_callbacks_skipped() {
    let (mock, ctx) = preview();
    assert!(ctx.is_dry_run());
    let role = ctx.register_resource("AWS::IAM::Role", "role", json!({"RoleName": "r"}), ResourceOptions::new()).unwrap();
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let upper = role.output::<String>("Arn").map(move |arn| {
        counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        arn.to_uppercase()
    });
    let function = ctx
        .register_resource(
            "AWS::Lambda::Function",
            "fn",
            DynInput::object([
                ("Role", DynInput::Output(upper.to_value_output())),
                ("RoleName", role.output_value("RoleName").into()),
            ]),
            ResourceOptions::new(),
        )
        .unwrap();
    ctx.export("roleArn", role.output::<String>("Arn"));
    ctx.export("roleName", role.output::<String>("RoleName"));
    let id = block_on(function.id().resolve()).unwrap();
    assert_eq!(id.value, None, "not created in preview");
    let known = block_on(role.output::<String>("RoleName").value()).unwrap();
    assert_eq!(known.as_deref(), Some("r"), "known inputs stay known in preview");
    block_on(ctx.finish(Ok(()))).unwrap();
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 0);

    let recorded = mock.recorded();
    let inputs = recorded.inputs("fn").unwrap();
    assert_eq!(inputs["Role"], wire::unknown());
    assert_eq!(inputs["RoleName"], json!("r"));
    let request = recorded.registration("fn").unwrap();
    assert_eq!(request.dependencies, vec![role.urn_str().to_owned()], "dependencies survive unknowns");
    let outputs = recorded.stack_outputs(&mock.root_urn()).unwrap();
    assert_eq!(outputs, json!({"roleArn": wire::unknown(), "roleName": "r"}));
}

#[test]
fn exports_are_registered_on_the_root_at_the_end() {
    let (mock, ctx) = up();
    let bucket = ctx.register_resource("AWS::S3::Bucket", "b", json!({}), ResourceOptions::new()).unwrap();
    ctx.export("bucketArn", bucket.output::<String>("Arn"));
    ctx.export("count", 3);
    ctx.export("count", 4);
    ctx.export("password", Output::secret("p".to_owned()));
    ctx.export("nested", json!({"list": [1, 2]}));
    #[derive(Serialize)]
    struct Summary {
        name: Output<String>,
        size: i64,
    }
    ctx.export("summary", Summary { name: bucket.output("Arn"), size: 5 });
    assert!(mock.recorded().resource_outputs.is_empty(), "sent when the program ends");
    block_on(ctx.finish(Ok(()))).unwrap();
    let outputs = mock.recorded().stack_outputs(&mock.root_urn()).unwrap();
    assert_eq!(
        outputs,
        json!({
            "bucketArn": "arn:mock:AWS::S3::Bucket:b",
            "count": 4,
            "password": wire::secret(json!("p")),
            "nested": {"list": [1, 2]},
            "summary": {"name": "arn:mock:AWS::S3::Bucket:b", "size": 5},
        })
    );
}

#[test]
fn config_comes_from_the_engine() {
    let (_mock, ctx) = start(MockOptions {
        config: BTreeMap::from([
            ("proj:retention".to_owned(), json!(14)),
            ("proj:apiToken".to_owned(), json!("s3cr3t")),
            ("aws:region".to_owned(), json!("us-west-2")),
        ]),
        secret_keys: strings(&["proj:apiToken"]),
        ..MockOptions::default()
    });
    let config = ctx.config();
    assert_eq!(config.require_i64("retention").unwrap(), 14);
    let token = block_on(config.require_secret("apiToken").unwrap().resolve()).unwrap();
    assert!(token.secret);
    assert_eq!(token.value.as_deref(), Some("s3cr3t"));
    assert_eq!(ctx.config_namespace("aws").require("region").unwrap(), "us-west-2");
    let error = config.require("missing").unwrap_err();
    assert_eq!(
        error.to_string(),
        "missing required configuration value 'proj:missing': set it with `engine config set missing <VALUE>`"
    );
}

#[test]
fn reading_a_secret_as_plain_warns() {
    let (mock, ctx) = start(MockOptions {
        config: BTreeMap::from([("proj:apiToken".to_owned(), json!("s3cr3t"))]),
        secret_keys: strings(&["proj:apiToken"]),
        ..MockOptions::default()
    });
    assert_eq!(ctx.config().require("apiToken").unwrap(), "s3cr3t");
    block_on(ctx.finish(Ok(()))).unwrap();
    let logs = mock.recorded().logs;
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].severity, LogSeverity::Warning as i32);
    assert!(logs[0].message.contains("'proj:apiToken' is a secret"), "{}", logs[0].message);
    assert!(!logs[0].message.contains("s3cr3t"));
}

#[test]
fn an_engine_error_surfaces_with_its_message_and_resource() {
    let (mock, ctx) = up();
    mock.fail_type("AWS::S3::Bucket", "property /BucketName: must match ^[a-z0-9.-]+$");
    let bucket = ctx.register_resource("AWS::S3::Bucket", "bad", json!({"BucketName": "Bad!"}), ResourceOptions::new()).unwrap();
    let policy = ctx
        .register_resource(
            "AWS::S3::BucketPolicy",
            "policy",
            DynInput::object([("Bucket", bucket.output_value("Arn").into())]),
            ResourceOptions::new(),
        )
        .unwrap();
    let after = ctx.register_resource("AWS::SNS::Topic", "independent", json!({}), ResourceOptions::new()).unwrap();
    let error = block_on(bucket.output::<String>("Arn").value()).unwrap_err();
    assert_eq!(error.to_string(), "AWS::S3::Bucket \"bad\": property /BucketName: must match ^[a-z0-9.-]+$");
    assert_eq!(error.engine_code(), Some("InvalidArgument"));
    assert_eq!(error.urn(), Some(bucket.urn_str()));
    let dependent = block_on(policy.wait()).unwrap_err();
    assert!(dependent.to_string().starts_with("AWS::S3::BucketPolicy \"policy\": property Bucket: AWS::S3::Bucket \"bad\""), "{dependent}");
    block_on(after.wait()).unwrap();

    let finished = block_on(ctx.finish(Ok(()))).unwrap_err();
    assert_eq!(finished, error, "the first error is the program's");
    let recorded = mock.recorded();
    assert_eq!(recorded.finishes.len(), 1);
    assert_eq!(recorded.finishes[0].error, error.to_string());
    assert_eq!(recorded.finishes[0].urn, bucket.urn_str());
    assert!(recorded.registration("policy").is_none(), "nothing depending on a failure is sent");
    assert!(recorded.registration("independent").is_some());
    assert!(recorded.resource_outputs.is_empty(), "no stack outputs after a failure");
}

#[test]
fn a_program_error_is_reported_with_its_resource() {
    let (mock, ctx) = up();
    let bucket = ctx.register_resource("AWS::S3::Bucket", "b", json!({}), ResourceOptions::new()).unwrap();
    let failing = bucket.output::<String>("Arn").apply(|arn| async move {
        Err::<String, _>(engine_sdk::Error::msg(format!("cannot use {arn}")))
    });
    let topic = ctx
        .register_resource("AWS::SNS::Topic", "t", DynInput::object([("Name", failing.to_value_output().into())]), ResourceOptions::new())
        .unwrap();
    let error = block_on(ctx.finish(Ok(()))).unwrap_err();
    assert_eq!(error.to_string(), "cannot use arn:mock:AWS::S3::Bucket:b", "the callback's failure comes first");
    assert!(block_on(topic.wait()).is_err());
    assert_eq!(mock.recorded().finishes[0].error, "cannot use arn:mock:AWS::S3::Bucket:b");

    // An error the program returns names its resource when it carries one.
    let (mock, ctx) = up();
    let bucket = ctx.register_resource("AWS::S3::Bucket", "b", json!({}), ResourceOptions::new()).unwrap();
    let from_program = block_on(bucket.output::<u32>("Arn").value()).unwrap_err();
    let error = block_on(ctx.finish(Err(from_program))).unwrap_err();
    let recorded = mock.recorded();
    assert_eq!(recorded.finishes[0].urn, bucket.urn_str());
    assert_eq!(recorded.finishes[0].error, error.to_string());
}

#[test]
fn invalid_registrations_fail_at_once() {
    let (_mock, ctx) = up();
    ctx.register_resource("AWS::S3::Bucket", "same", json!({}), ResourceOptions::new()).unwrap();
    let error = ctx.register_resource("AWS::S3::Bucket", "same", json!({}), ResourceOptions::new()).unwrap_err();
    assert!(error.to_string().contains("duplicate resource: URN urn:engine:dev::proj::AWS::S3::Bucket::same"), "{error}");
    // Same name, another type: fine.
    ctx.register_resource("AWS::SNS::Topic", "same", json!({}), ResourceOptions::new()).unwrap();
    let error = ctx.register_resource("AWS::S3::Bucket", "a::b", json!({}), ResourceOptions::new()).unwrap_err();
    assert!(error.to_string().contains("\"::\" is not allowed"), "{error}");
    let error = ctx.register_resource("AWS::S3::Bucket", "", json!({}), ResourceOptions::new()).unwrap_err();
    assert!(error.to_string().contains("needs a name"), "{error}");
    let not_object = ctx.register_resource("AWS::S3::Bucket", "list", json!([1]), ResourceOptions::new()).unwrap();
    let error = block_on(not_object.wait()).unwrap_err();
    assert!(error.to_string().contains("must be an object"), "{error}");
    block_on(ctx.finish(Ok(()))).unwrap_err();
    let error = ctx.register_resource("AWS::S3::Bucket", "late", json!({}), ResourceOptions::new()).unwrap_err();
    assert!(error.to_string().contains("has finished"), "{error}");
}

#[test]
fn reads_existing_resources() {
    let (mock, ctx) = up();
    let network = ctx.component("platform:index:Network", "net", ResourceOptions::new()).unwrap();
    let vpc = ctx.read_resource("AWS::EC2::VPC", "default", "vpc-123", network.child_options().region("us-east-1")).unwrap();
    assert_eq!(vpc.kind(), ResourceKind::Read);
    assert_eq!(block_on(vpc.id().value()).unwrap().as_deref(), Some("vpc-123"));
    assert_eq!(block_on(vpc.output::<String>("Arn").value()).unwrap().as_deref(), Some("arn:mock:AWS::EC2::VPC:vpc-123"));
    block_on(ctx.finish(Ok(()))).unwrap();
    let read = &mock.recorded().reads[0];
    assert_eq!(read.r#type, "AWS::EC2::VPC");
    assert_eq!(read.id, "vpc-123");
    assert_eq!(read.parent, network.urn_str());
    assert_eq!(read.region, "us-east-1");

    // In preview, an unknown identifier cannot be read yet: outputs are unknown.
    let (mock, ctx) = preview();
    let created = ctx.register_resource("AWS::EC2::VPC", "new", json!({}), ResourceOptions::new()).unwrap();
    let read = ctx.read_resource("AWS::EC2::VPC", "again", created.id(), ResourceOptions::new()).unwrap();
    assert_eq!(block_on(read.output::<String>("Arn").value()).unwrap(), None);
    block_on(ctx.finish(Ok(()))).unwrap();
    assert!(mock.recorded().reads.is_empty());
}

#[test]
fn built_in_functions() {
    let (mock, ctx) = up();
    let identity = block_on(ctx.get_caller_identity()).unwrap();
    assert_eq!(identity.account_id, "123456789012");
    assert_eq!(block_on(ctx.get_region()).unwrap(), "eu-west-1");
    let zones = block_on(ctx.get_availability_zones(Some("us-east-1"))).unwrap();
    assert_eq!(zones.names, strings(&["us-east-1a", "us-east-1b", "us-east-1c"]));
    let bucket = ctx.register_resource("AWS::S3::Bucket", "b", json!({"BucketName": "x"}), ResourceOptions::new()).unwrap();
    block_on(bucket.wait()).unwrap();
    let got = block_on(ctx.cloudcontrol_get("AWS::S3::Bucket", "b-id", None)).unwrap();
    assert_eq!(got.properties, json!({"BucketName": "x"}));
    let listed = block_on(ctx.cloudcontrol_list("AWS::S3::Bucket", None, None)).unwrap();
    assert_eq!(listed.len(), 1);
    let error = block_on(ctx.cloudcontrol_get("AWS::S3::Bucket", "nope", None)).unwrap_err();
    assert_eq!(error.to_string(), "function engine:cloudcontrol:get: AWS::S3::Bucket with identifier nope was not found");
    // The output form waits for its arguments and depends on them.
    let via_output = ctx.invoke_output(
        engine_sdk::tokens::CLOUDCONTROL_GET,
        DynInput::object([("TypeName", DynInput::Value(json!("AWS::S3::Bucket"))), ("Identifier", bucket.id().to_value_output().into())]),
        None,
    );
    let resolved = block_on(via_output.resolve()).unwrap();
    assert_eq!(resolved.value.unwrap()["Identifier"], json!("b-id"));
    assert_eq!(resolved.dependencies, BTreeSet::from([bucket.urn_str().to_owned()]));
    block_on(ctx.finish(Ok(()))).unwrap();
    let invokes = mock.recorded().invokes;
    assert_eq!(invokes[2].region, "us-east-1");
}

#[test]
fn logs_arrive_in_order_with_their_resource() {
    let (mock, ctx) = up();
    let bucket = ctx.register_resource("AWS::S3::Bucket", "b", json!({}), ResourceOptions::new()).unwrap();
    for index in 0..50 {
        ctx.info(format!("line {index}"));
    }
    ctx.log(Severity::Error, "about the bucket", Some(&bucket));
    ctx.debug("d");
    block_on(ctx.finish(Ok(()))).unwrap();
    let logs = mock.recorded().logs;
    assert_eq!(logs.len(), 52, "the end waits for every log line");
    for (index, log) in logs.iter().take(50).enumerate() {
        assert_eq!(log.message, format!("line {index}"));
        assert_eq!(log.severity, LogSeverity::Info as i32);
    }
    assert_eq!(logs[50].urn, bucket.urn_str());
    assert_eq!(logs[50].severity, LogSeverity::Error as i32);
    assert_eq!(logs[51].severity, LogSeverity::Debug as i32);
}

#[test]
fn resources_created_inside_apply_are_waited_for() {
    let (mock, ctx) = up();
    let bucket = ctx.register_resource("AWS::S3::Bucket", "b", json!({}), ResourceOptions::new()).unwrap();
    let inner_ctx = ctx.clone();
    let _ = bucket.output::<String>("Arn").apply(move |arn| async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let topic = inner_ctx.register_resource("AWS::SNS::Topic", "late", json!({"Bucket": arn}), ResourceOptions::new())?;
        Ok(topic.urn_str().to_owned())
    });
    block_on(ctx.finish(Ok(()))).unwrap();
    assert_eq!(mock.recorded().inputs("late").unwrap(), json!({"Bucket": "arn:mock:AWS::S3::Bucket:b"}));
}

/// A generated typed resource, as the codegen emits it (the contract in the README).
mod generated {
    use engine_sdk::prelude::*;
    use engine_sdk::{TypeInfo, TypedResource};
    use serde::Serialize;

    #[derive(Debug, Clone, Default, Serialize)]
    #[serde(rename_all = "PascalCase")]
    pub struct BucketArgs {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub bucket_name: Option<Input<String>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub tags: Option<Input<Vec<Tag>>>,
    }

    #[derive(Debug, Clone, Default, Serialize)]
    #[serde(rename_all = "PascalCase")]
    pub struct Tag {
        pub key: Input<String>,
        pub value: Input<String>,
    }

    #[derive(Debug, Clone)]
    pub struct Bucket {
        resource: Resource,
    }

    impl TypedResource for Bucket {
        const TYPE: TypeInfo = TypeInfo {
            type_name: "AWS::S3::Bucket",
            schema_date: "2026-01-01",
            primary_identifier: &["/properties/BucketName"],
            create_only: &["/properties/BucketName"],
            write_only: &[],
            read_only: &["/properties/Arn"],
        };
        type Args = BucketArgs;

        fn from_resource(resource: Resource) -> Self {
            Bucket { resource }
        }
    }

    impl AsResource for Bucket {
        fn as_resource(&self) -> &Resource {
            &self.resource
        }
    }

    impl Bucket {
        #[track_caller]
        pub fn new(ctx: &Context, name: &str, args: BucketArgs, options: ResourceOptions) -> Result<Self> {
            ctx.create::<Self>(name, &args, options)
        }

        pub fn arn(&self) -> Output<String> {
            self.resource.output("Arn")
        }

        pub fn bucket_name(&self) -> Output<String> {
            self.resource.output("BucketName")
        }
    }
}

#[test]
fn generated_typed_resources_register_with_their_metadata() {
    let (mock, ctx) = up();
    let first = generated::Bucket::new(&ctx, "first", generated::BucketArgs { bucket_name: Some("first".into()), tags: None }, ResourceOptions::new()).unwrap();
    let second = generated::Bucket::new(
        &ctx,
        "second",
        generated::BucketArgs {
            bucket_name: Some(first.bucket_name().map(|name| format!("{name}-copy")).into()),
            tags: Some(vec![generated::Tag { key: "source".into(), value: first.arn().into() }].into()),
        },
        ResourceOptions::new().depends_on(&first),
    )
    .unwrap();
    assert_eq!(block_on(second.bucket_name().value()).unwrap().as_deref(), Some("first-copy"));
    block_on(ctx.finish(Ok(()))).unwrap();
    let recorded = mock.recorded();
    assert_eq!(
        recorded.inputs("second").unwrap(),
        json!({"BucketName": "first-copy", "Tags": [{"Key": "source", "Value": "arn:mock:AWS::S3::Bucket:first"}]})
    );
    let request = recorded.registration("second").unwrap();
    let metadata = request.type_metadata.clone().unwrap();
    assert_eq!(metadata.schema_date, "2026-01-01");
    assert_eq!(metadata.read_only, strings(&["/properties/Arn"]));
    assert_eq!(request.dependencies, vec![first.as_resource().urn_str().to_owned()]);
    assert!(request.source_position.contains("tests/monitor.rs"), "track_caller reaches the program: {}", request.source_position);
    assert_eq!(<generated::Bucket as TypedResource>::TYPE.type_name, "AWS::S3::Bucket");
    let _ = TypeInfo::builtin("Engine::Random::String");
}

#[test]
fn a_burst_of_ten_thousand_registrations_never_fails() {
    // Default tonic server settings: without the SDK's bound, h2 answers such a burst with
    // GOAWAY (toolchain notes, P5).
    let (mock, ctx) = up();
    let started = Instant::now();
    let resources: Vec<Resource> = (0..10_000)
        .map(|index| {
            ctx.register_resource("AWS::SNS::Topic", &format!("t{index}"), json!({"Index": index}), ResourceOptions::new())
                .unwrap()
        })
        .collect();
    block_on(ctx.finish(Ok(()))).unwrap();
    let elapsed = started.elapsed();
    for resource in resources.iter().step_by(997) {
        assert!(block_on(resource.wait()).is_ok());
    }
    let recorded = mock.recorded();
    assert_eq!(recorded.registrations.len(), 10_000);
    assert!(recorded.max_registrations_in_flight <= engine_sdk::DEFAULT_MAX_CONCURRENT_CALLS);
    eprintln!("10,000 registrations in {elapsed:?} (at most {} in flight)", recorded.max_registrations_in_flight);
}

#[test]
fn slow_registrations_run_concurrently() {
    let (mock, ctx) = start(MockOptions { register_delay: Some(Duration::from_millis(100)), ..MockOptions::default() });
    let started = Instant::now();
    for index in 0..50 {
        ctx.register_resource("AWS::SNS::Topic", &format!("t{index}"), json!({}), ResourceOptions::new()).unwrap();
    }
    block_on(ctx.finish(Ok(()))).unwrap();
    assert!(started.elapsed() < Duration::from_secs(3), "50 × 100 ms ran concurrently: {:?}", started.elapsed());
    assert!(mock.recorded().max_registrations_in_flight > 1);
}

#[test]
fn remote_components_send_their_package() {
    let (mock, ctx) = up();
    let network = ctx
        .remote_component("platform:index:Network", "net", "platform@^0.1", json!({"cidr": "10.0.0.0/16"}), ResourceOptions::new())
        .unwrap();
    let cidr = block_on(network.output::<String>("cidr").value()).unwrap();
    assert_eq!(cidr.as_deref(), Some("10.0.0.0/16"));
    block_on(ctx.finish(Ok(()))).unwrap();
    let request = mock.recorded().registration("net").cloned().unwrap();
    assert!(request.remote && !request.custom);
    assert_eq!(request.package, "platform@^0.1");
}

#[test]
fn assets_travel_as_markers_with_absolute_paths_and_content_hashes() {
    let folder = std::env::temp_dir().join(format!("engine-sdk-asset-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("app.py"), "def handler(event, context):\n    return 1\n").unwrap();
    let (mock, ctx) = up();
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct FunctionArgs {
        code: FileArchive,
        config: FileAsset,
    }
    let args = FunctionArgs { code: FileArchive::new(&folder), config: FileAsset::new(folder.join("app.py")) };
    ctx.register_typed(&TypeInfo::builtin("AWS::Lambda::Function"), "fn", &args, ResourceOptions::new()).unwrap();
    let missing = ctx
        .register_resource("AWS::Lambda::Function", "broken", DynInput::object([("Code", FileArchive::new("/no/such/folder").into())]), ResourceOptions::new())
        .unwrap();
    let error = block_on(missing.wait()).unwrap_err();
    assert!(error.to_string().contains("property Code: archive /no/such/folder"), "{error}");
    block_on(ctx.finish(Ok(()))).unwrap_err();
    let inputs = mock.recorded().inputs("fn").unwrap();
    let expected_hash = engine_sdk::proto::asset::archive_hash(&folder).unwrap();
    assert_eq!(inputs["Code"], wire::asset("archive", folder.to_str().unwrap(), &expected_hash));
    assert_eq!(inputs["Config"]["kind"], json!("file"));
    assert!(inputs["Config"]["hash"].as_str().unwrap().starts_with("sha256:"));
    std::fs::remove_dir_all(folder).unwrap();
}

#[test]
fn resources_as_property_values_become_references() {
    let (mock, ctx) = up();
    let bucket = ctx.register_resource("AWS::S3::Bucket", "b", json!({}), ResourceOptions::new()).unwrap();
    ctx.register_resource("AWS::S3::BucketPolicy", "p", DynInput::object([("Bucket", (&bucket).into())]), ResourceOptions::new())
        .unwrap();
    block_on(ctx.finish(Ok(()))).unwrap();
    let recorded = mock.recorded();
    assert_eq!(recorded.inputs("p").unwrap()["Bucket"], wire::resource_ref(bucket.urn_str(), "b-id"));
    assert_eq!(recorded.registration("p").unwrap().dependencies, vec![bucket.urn_str().to_owned()]);
}
