//! The plugin side of multi-language components (`engine_sdk::provider`), against the mock
//! engine: `Construct` runs the component's constructor with the consumer's parent, options and
//! inputs (unknown, secret, from other resources), waits for its children, and answers with its
//! registered outputs and the URNs they came from; a failing child fails it, named.

use std::collections::BTreeMap;

use engine_sdk::prelude::*;
use engine_sdk::proto::v1::component_provider_client::ComponentProviderClient;
use engine_sdk::proto::v1::{self, ConstructRequest, UrnList};
use engine_sdk::proto::value as wire;
use engine_sdk::provider::Provider;
use engine_sdk::runtime::block_on;
use engine_sdk::testing::{MockMonitor, MockOptions};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct QueueArgs {
    retention: Input<i64>,
    #[serde(default)]
    tags: Option<Input<BTreeMap<String, String>>>,
    #[serde(default)]
    dead_letter_arn: Option<Input<String>>,
}

fn queue(ctx: &Context, name: &str, args: QueueArgs, options: ResourceOptions) -> Result<Component> {
    let component = ctx.component("acme:index:Queue", name, options)?;
    let mut props = vec![("MessageRetentionPeriod".to_owned(), DynInput::from_serialize(&args.retention)?)];
    if let Some(tags) = &args.tags {
        props.push(("Tags".to_owned(), DynInput::from_serialize(tags)?));
    }
    if let Some(arn) = &args.dead_letter_arn {
        props.push((
            "RedrivePolicy".to_owned(),
            DynInput::object([("deadLetterTargetArn", DynInput::from_serialize(arn)?)]),
        ));
    }
    let queue = ctx.register_resource(
        "AWS::SQS::Queue",
        &format!("{name}-queue"),
        DynInput::Object(props),
        component.child_options(),
    )?;
    component.register_outputs_dyn(DynInput::object([
        ("arn", DynInput::Output(queue.output_value("Arn"))),
        ("fixed", DynInput::Value(json!("yes"))),
    ]));
    Ok(component)
}

/// A running provider and a client on it.
fn serve(mock: &MockMonitor) -> ComponentProviderClient<tonic::transport::Channel> {
    block_on(async {
        let ctx = mock.connect().await.unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel();
        Provider::new("acme", "0.1.0")
            .component("acme:index:Queue", |ctx, name, inputs, options| {
                queue(ctx, name, inputs.deserialize()?, options)
            })
            .spawn_with(ctx, move |port| {
                let _ = tx.send(port);
            });
        let port = rx.await.unwrap();
        ComponentProviderClient::connect(format!("http://127.0.0.1:{port}")).await.unwrap()
    })
}

fn request(mock: &MockMonitor, name: &str, inputs: Value, dependencies: &[(&str, &str)]) -> ConstructRequest {
    ConstructRequest {
        r#type: "acme:index:Queue".into(),
        name: name.into(),
        parent: "urn:engine:dev::proj::acme:index:App::app".into(),
        inputs: Some(wire::to_struct(inputs.as_object().unwrap())),
        input_dependencies: dependencies
            .iter()
            .map(|(k, v)| ((*k).to_owned(), UrnList { urns: vec![(*v).to_owned()] }))
            .collect(),
        options: Some(v1::ResourceOptions { protect: true, region: "eu-west-3".into(), ..Default::default() }),
        monitor_address: mock.address(),
        monitor_token: mock.token().to_owned(),
        dependencies: vec!["urn:engine:dev::proj::AWS::S3::Bucket::b".into()],
        ..Default::default()
    }
}

#[test]
fn construct_builds_the_component_under_the_consumers_parent_and_returns_its_outputs() {
    let mock = block_on(MockMonitor::start(MockOptions::default())).unwrap();
    let mut client = serve(&mock);
    let dlq = "urn:engine:dev::proj::AWS::SQS::Queue::dlq";
    let inputs = json!({"retention": 60, "tags": wire::secret(json!({"team": "a"})), "deadLetterArn": "arn:dlq"});
    let response =
        block_on(client.construct(request(&mock, "jobs", inputs, &[("deadLetterArn", dlq)]))).unwrap().into_inner();
    assert_eq!(response.urn, "urn:engine:dev::proj::acme:index:App$acme:index:Queue::jobs");
    let outputs = Value::Object(wire::from_struct(response.outputs.as_ref().unwrap()));
    assert_eq!(outputs, json!({"arn": "arn:mock:AWS::SQS::Queue:jobs-queue", "fixed": "yes"}));
    assert_eq!(
        response.output_dependencies["arn"].urns,
        ["urn:engine:dev::proj::acme:index:App$acme:index:Queue$AWS::SQS::Queue::jobs-queue"]
    );

    let recorded = mock.recorded();
    let component = recorded.registration("jobs").unwrap();
    assert_eq!(component.parent, "urn:engine:dev::proj::acme:index:App::app");
    assert!(!component.custom);
    let options = component.options.as_ref().unwrap();
    assert!(options.protect);
    assert_eq!(options.region, "eu-west-3");
    assert_eq!(component.dependencies, ["urn:engine:dev::proj::AWS::S3::Bucket::b"]);
    let child = recorded.registration("jobs-queue").unwrap();
    assert_eq!(child.parent, response.urn);
    assert!(child.options.as_ref().unwrap().protect, "protect flows from the component to its children");
    // The secret input stays secret; the input from another resource keeps its dependency.
    let inputs = Value::Object(wire::from_struct(child.inputs.as_ref().unwrap()));
    assert!(wire::is_secret(&inputs["Tags"]), "{inputs}");
    assert_eq!(inputs["RedrivePolicy"]["deadLetterTargetArn"], "arn:dlq");
    assert!(child.dependencies.contains(&dlq.to_owned()), "{:?}", child.dependencies);
    assert_eq!(child.property_dependencies["RedrivePolicy"].urns, [dlq]);
}

#[test]
fn a_failing_child_fails_the_construction_naming_the_child() {
    let mock = block_on(MockMonitor::start(MockOptions::default())).unwrap();
    mock.fail_type("AWS::SQS::Queue", "MessageRetentionPeriod: 7 is below the minimum of 60");
    let mut client = serve(&mock);
    let error = block_on(client.construct(request(&mock, "jobs", json!({"retention": 7}), &[]))).unwrap_err();
    assert_eq!(error.code(), tonic::Code::Aborted);
    assert!(error.message().starts_with("AWS::SQS::Queue \"jobs-queue\": "), "{}", error.message());
    assert!(error.message().contains("below the minimum of 60"), "{}", error.message());
}

#[test]
fn inputs_that_do_not_fit_and_unknown_components_are_clear_errors() {
    let mock = block_on(MockMonitor::start(MockOptions::default())).unwrap();
    let mut client = serve(&mock);
    let error = block_on(client.construct(request(&mock, "jobs", json!({"retention": "long"}), &[]))).unwrap_err();
    assert!(
        error.message().contains("inputs do not fit") && error.message().contains("invalid type: string"),
        "{}",
        error.message()
    );
    let mut other = request(&mock, "x", json!({}), &[]);
    other.r#type = "acme:index:Topic".into();
    let error = block_on(client.construct(other)).unwrap_err();
    assert_eq!(error.message(), "package acme 0.1.0 has no component acme:index:Topic (it serves acme:index:Queue)");
    let schema = block_on(client.get_schema(v1::GetSchemaRequest {})).unwrap().into_inner();
    let schema: Value = serde_json::from_str(&schema.schema_json).unwrap();
    assert_eq!(schema["name"], "acme");
    assert_eq!(schema["components"], json!(["acme:index:Queue"]));
}

#[test]
fn unknown_inputs_in_a_preview_become_unknown_outputs() {
    let mock = block_on(MockMonitor::start(MockOptions { dry_run: true, ..MockOptions::default() })).unwrap();
    let mut client = serve(&mock);
    let response = block_on(client.construct(request(&mock, "jobs", json!({"retention": wire::unknown()}), &[])))
        .unwrap()
        .into_inner();
    let recorded = mock.recorded();
    let child = recorded.registration("jobs-queue").unwrap();
    let inputs = Value::Object(wire::from_struct(child.inputs.as_ref().unwrap()));
    assert!(wire::is_unknown(&inputs["MessageRetentionPeriod"]), "{inputs}");
    let outputs = Value::Object(wire::from_struct(response.outputs.as_ref().unwrap()));
    assert!(wire::is_unknown(&outputs["arn"]), "{outputs}");
}
