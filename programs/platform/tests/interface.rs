//! The Rust types agree with the declared interface (`EnginePackage.toml`), and the components
//! register what they should, against the SDK's mock engine.

use std::collections::BTreeSet;
use std::path::Path;

use engine_package::{Manifest, TypeRef};
use engine_sdk::prelude::*;
use engine_sdk::runtime::block_on;
use engine_sdk::testing::{MockMonitor, MockOptions};
use platform::{
    FargateService, FargateServiceArgs, NatGateways, Network, NetworkArgs, PolicyStatement, ServerlessFunction,
    ServerlessFunctionArgs,
};
use serde_json::{Map, Value, json};

fn manifest() -> Manifest {
    Manifest::load(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// A value of the type, as a consumer would send it.
fn sample(ty: &TypeRef, allowed: Option<&[String]>, manifest: &Manifest, folder: &Path) -> Value {
    match ty {
        TypeRef::String => allowed.map_or_else(|| json!("x"), |a| json!(a[0])),
        TypeRef::Integer => json!(1),
        TypeRef::Number => json!(1.5),
        TypeRef::Boolean => json!(true),
        TypeRef::Any => json!({"any": 1}),
        TypeRef::Archive | TypeRef::Asset => json!(folder.to_str().unwrap()),
        TypeRef::List(item) => json!([sample(item, None, manifest, folder)]),
        TypeRef::Map(item) => json!({"k": sample(item, None, manifest, folder)}),
        TypeRef::Object(name) => Value::Object(
            manifest.types[name]
                .properties
                .iter()
                .map(|p| (p.name.clone(), sample(&p.ty, p.allowed.as_deref(), manifest, folder)))
                .collect(),
        ),
    }
}

fn all_inputs(component: &str, folder: &Path) -> (Value, BTreeSet<String>) {
    let manifest = manifest();
    let component = manifest.component(component).unwrap();
    let inputs: Map<String, Value> = component
        .inputs
        .iter()
        .map(|p| (p.name.clone(), sample(&p.ty, p.allowed.as_deref(), &manifest, folder)))
        .collect();
    let names = inputs.keys().cloned().collect();
    (Value::Object(inputs), names)
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn the_manifest_matches_the_crate() {
    let manifest = manifest();
    assert_eq!(manifest.name, platform::PACKAGE);
    assert_eq!(manifest.version.to_string(), platform::VERSION, "EnginePackage.toml and Cargo.toml versions differ");
    let names: Vec<&str> = manifest.components.values().map(|c| c.token.as_str()).collect();
    assert_eq!(names, [FargateService::TYPE, Network::TYPE, ServerlessFunction::TYPE]);
}

#[test]
fn every_declared_input_is_a_field_of_the_args_and_back() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("app.py"), "def handler(e, c):\n    return 1\n").unwrap();
    let (inputs, names) = all_inputs("Network", folder.path());
    let args: NetworkArgs = serde_json::from_value(inputs).unwrap();
    assert_eq!(keys(&serde_json::to_value(&args).unwrap()), names);

    let (inputs, names) = all_inputs("ServerlessFunction", folder.path());
    let args: ServerlessFunctionArgs = serde_json::from_value(inputs).unwrap();
    assert_eq!(keys(&serde_json::to_value(&args).unwrap()), names);

    let (inputs, names) = all_inputs("FargateService", folder.path());
    let args: FargateServiceArgs = serde_json::from_value(inputs).unwrap();
    assert_eq!(keys(&serde_json::to_value(&args).unwrap()), names);
}

fn registered_outputs(mock: &MockMonitor, urn_suffix: &str) -> Value {
    let recorded = mock.recorded();
    let outputs = recorded
        .resource_outputs
        .iter()
        .find(|o| o.urn.ends_with(urn_suffix))
        .unwrap_or_else(|| panic!("no outputs registered for {urn_suffix}"));
    Value::Object(engine_sdk::proto::value::from_struct(outputs.outputs.as_ref().unwrap()))
}

fn declared_outputs(component: &str) -> BTreeSet<String> {
    manifest().component(component).unwrap().outputs.iter().map(|p| p.name.clone()).collect()
}

#[test]
fn components_register_their_children_and_every_declared_output() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("app.py"), "def handler(e, c):\n    return 1\n").unwrap();
    // A preview: the mock engine echoes inputs and leaves the cloud's outputs unknown.
    let mock = block_on(MockMonitor::start(MockOptions { dry_run: true, ..MockOptions::default() })).unwrap();
    let ctx = block_on(mock.connect()).unwrap();
    let network = Network::new(
        &ctx,
        "core",
        NetworkArgs {
            nat_gateways: Some(NatGateways::PerAz),
            vpc_endpoints: Some(vec!["s3".into(), "secretsmanager".into()]),
            flow_logs_retention_days: Some(7.into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )
    .unwrap();
    let mut function_args = ServerlessFunctionArgs::new(FileArchive::new(folder.path()), "app.handler", "python3.13");
    function_args.subnet_ids = Some(network.private_subnet_ids.clone().into());
    function_args.security_group_ids = Some(network.default_security_group_id.clone().map(|id| vec![id]).into());
    function_args.policy_statements =
        Some(vec![PolicyStatement::allow(["dynamodb:GetItem"], ["arn:aws:dynamodb:eu-west-1:1:table/t"])].into());
    ServerlessFunction::new(&ctx, "api", function_args, ResourceOptions::default()).unwrap();
    let mut service_args =
        FargateServiceArgs::new("crm", "nginx:1", network.private_subnet_ids.clone(), vec!["sg-1".to_owned()]);
    service_args.container_port = Some(80.into());
    service_args.vpc_id = Some(network.vpc_id.clone().into());
    service_args.listener_arn = Some("arn:aws:elasticloadbalancing:eu-west-1:1:listener/app/a/b/c".into());
    service_args.autoscaling = Some(platform::Autoscaling { min_capacity: 2, max_capacity: 4, ..Default::default() });
    FargateService::new(&ctx, "web", service_args, ResourceOptions::default()).unwrap();
    block_on(ctx.finish(Ok(()))).unwrap();

    let recorded = mock.recorded();
    let types = |prefix: &str| -> Vec<String> {
        let mut types: Vec<String> =
            recorded.registrations.iter().filter(|r| r.parent.contains(prefix)).map(|r| r.r#type.clone()).collect();
        types.sort();
        types
    };
    let network_children = types("platform:index:Network::core");
    for (kind, count) in [
        ("AWS::EC2::VPC", 1),
        ("AWS::EC2::Subnet", 4),
        ("AWS::EC2::NatGateway", 2),
        ("AWS::EC2::EIP", 2),
        ("AWS::EC2::RouteTable", 3),
        ("AWS::EC2::Route", 3),
        ("AWS::EC2::SubnetRouteTableAssociation", 4),
        ("AWS::EC2::VPCEndpoint", 2),
        ("AWS::EC2::FlowLog", 1),
    ] {
        assert_eq!(network_children.iter().filter(|t| *t == kind).count(), count, "{kind}: {network_children:?}");
    }
    let inputs = |name: &str, kind: &str| -> Value {
        let registration = recorded.registrations.iter().find(|r| r.name == name && r.r#type == kind).unwrap();
        Value::Object(engine_sdk::proto::value::from_struct(registration.inputs.as_ref().unwrap()))
    };
    assert_eq!(inputs("core-private-2", "AWS::EC2::Subnet")["CidrBlock"], "10.0.129.0/24");

    assert_eq!(keys(&registered_outputs(&mock, "platform:index:Network::core")), declared_outputs("Network"));
    assert_eq!(
        keys(&registered_outputs(&mock, "platform:index:ServerlessFunction::api")),
        declared_outputs("ServerlessFunction")
    );
    assert_eq!(
        keys(&registered_outputs(&mock, "platform:index:FargateService::web")),
        declared_outputs("FargateService")
    );

    // Least privilege: the function's role logs to its own group only, reaches network
    // interfaces because of its VPC config, and has the given statement.
    let role = inputs("api-role", "AWS::IAM::Role");
    let policies: Vec<&str> =
        role["Policies"].as_array().unwrap().iter().map(|p| p["PolicyName"].as_str().unwrap()).collect();
    assert_eq!(policies, ["logs", "network-interfaces", "statements"]);
    assert_eq!(role["Policies"][2]["PolicyDocument"]["Statement"][0]["Action"], json!(["dynamodb:GetItem"]));
    let function = inputs("api", "AWS::Lambda::Function");
    assert_eq!(function["Code"]["kind"], "archive");
    assert_eq!(function["Runtime"], "python3.13");
    let service = inputs("web-service", "AWS::ECS::Service");
    assert_eq!(service["DesiredCount"], 2);
    assert_eq!(service["LoadBalancers"][0]["ContainerPort"], 80);
}

#[test]
fn invalid_inputs_fail_at_once_with_the_component_named() {
    let mock = block_on(MockMonitor::start(MockOptions::default())).unwrap();
    let ctx = block_on(mock.connect()).unwrap();
    let error = Network::new(
        &ctx,
        "core",
        NetworkArgs { public_subnets: Some(false), nat_gateways: Some(NatGateways::Single), ..Default::default() },
        ResourceOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "platform:index:Network \"core\": natGateways needs publicSubnets (NAT gateways live in public subnets)"
    );
    let error = Network::new(
        &ctx,
        "wide",
        NetworkArgs { availability_zone_count: Some(9), ..Default::default() },
        ResourceOptions::default(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("between 1 and 6, got 9"), "{error}");
}
