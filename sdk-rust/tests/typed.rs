//! Registering generated typed resources and random resources the way the language bindings do
//! (`Context::register_shaped`, `Context::register_random`), against the mock engine: what the
//! engine receives, outputs read back in language names, and errors naming the resource and the
//! property path.

use engine_sdk::prelude::*;
use engine_sdk::random::{Naming, RandomKind};
use engine_sdk::runtime::block_on;
use engine_sdk::testing::{MockMonitor, MockOptions};
use engine_sdk::typed::Shapes;
use serde_json::{Value, json};

fn up() -> (MockMonitor, Context) {
    block_on(async {
        let mock = MockMonitor::start(MockOptions::default()).await.unwrap();
        let ctx = mock.connect().await.unwrap();
        (mock, ctx)
    })
}

/// What a generated TypeScript module embeds (camelCase names): a tag type, a bucket, a queue.
const TABLE: &str = r#"{"v":1,"date":"2026-10-20T22:11:15Z",
  "types":[[["Key","key"],["Value","value"]],
           [["Arn","arn","","r"],["BucketName","bucketName"],["Tags","tags","a0"],["VersioningConfiguration","versioningConfiguration","2"]],
           [["Status","status"]],
           [["QueueName","queueName"],["RedrivePolicy","redrivePolicy"]]],
  "resources":[["AWS::S3::Bucket",1,["/properties/BucketName"],["/properties/BucketName"],[],["/properties/Arn"]],
               ["AWS::SQS::Queue",3,[],[],[],[]]]}"#;

#[test]
fn typed_resources_register_in_schema_names_with_their_metadata() {
    let (mock, ctx) = up();
    let shapes = Shapes::parse(TABLE).unwrap();
    let bucket_type = shapes.resource(0).unwrap();
    let properties = DynInput::object([
        ("bucketName", DynInput::Value(json!("logs-1"))),
        ("tags", DynInput::Value(json!([{"key": "team", "value": "data"}]))),
        ("versioningConfiguration", DynInput::Output(Output::new(json!({"status": "Enabled"})))),
    ]);
    let bucket = ctx.register_shaped(&bucket_type, "logs", properties, ResourceOptions::new(), "index.ts:3".into()).unwrap();
    let queue_type = shapes.resource_named("AWS::SQS::Queue").unwrap();
    let name = bucket_type.output(&bucket, "bucketName").unwrap();
    let queue = ctx
        .register_shaped(
            &queue_type,
            "jobs",
            DynInput::object([("queueName", DynInput::Output(name.map(|n| json!(format!("{}-jobs", n.as_str().unwrap_or_default())))))]),
            ResourceOptions::new(),
            "index.ts:4".into(),
        )
        .unwrap();
    let tags = block_on(bucket_type.output(&bucket, "tags").unwrap().value()).unwrap();
    assert_eq!(tags, Some(json!([{"key": "team", "value": "data"}])), "outputs come back in language names");
    let error = bucket_type.output(&bucket, "bukketName").unwrap_err();
    assert_eq!(error.to_string(), "AWS::S3::Bucket has no property \"bukketName\" (did you mean bucketName?)");
    block_on(queue.wait()).unwrap();
    block_on(ctx.finish(Ok(()))).unwrap();

    let recorded = mock.recorded();
    assert_eq!(
        recorded.inputs("logs").unwrap(),
        json!({"BucketName": "logs-1", "Tags": [{"Key": "team", "Value": "data"}], "VersioningConfiguration": {"Status": "Enabled"}})
    );
    let request = recorded.registration("logs").unwrap();
    assert_eq!(request.r#type, "AWS::S3::Bucket");
    assert_eq!(request.source_position, "index.ts:3");
    let metadata = request.type_metadata.as_ref().unwrap();
    assert_eq!(metadata.schema_date, "2026-10-20T22:11:15Z");
    assert_eq!(metadata.primary_identifier, ["/properties/BucketName"]);
    assert_eq!(metadata.read_only, ["/properties/Arn"]);
    assert_eq!(recorded.inputs("jobs").unwrap(), json!({"QueueName": "logs-1-jobs"}));
    let jobs = recorded.registration("jobs").unwrap();
    assert_eq!(jobs.dependencies, [bucket.urn_str()], "a renamed output keeps its dependencies");
}

#[test]
fn typed_mistakes_fail_at_once_or_fail_the_registration_naming_resource_and_path() {
    let (mock, ctx) = up();
    let shapes = Shapes::parse(TABLE).unwrap();
    let bucket_type = shapes.resource(0).unwrap();
    let register = |name: &str, properties: Value| {
        ctx.register_shaped(&bucket_type, name, DynInput::Value(properties), ResourceOptions::new(), String::new())
    };
    let error = register("a", json!({"tags": [{"key": "k", "valu": "v"}]})).unwrap_err();
    assert_eq!(error.to_string(), "AWS::S3::Bucket \"a\": unknown property tags[0].valu (did you mean value?)");
    assert_eq!(error.kind(), "invalid");
    let error = register("b", json!({"arn": "x"})).unwrap_err();
    assert!(error.to_string().starts_with("AWS::S3::Bucket \"b\": property arn is read-only"), "{error}");
    // A mistake inside an output shows when it resolves: the registration fails, named.
    let late = DynInput::object([("versioningConfiguration", DynInput::Output(Output::new(json!({"statuss": "Enabled"}))))]);
    let bucket = ctx.register_shaped(&bucket_type, "d", late, ResourceOptions::new(), String::new()).unwrap();
    let error = block_on(ctx.finish(Ok(()))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "AWS::S3::Bucket \"d\": property VersioningConfiguration: unknown property versioningConfiguration.statuss (did you mean status?)"
    );
    let recorded = mock.recorded();
    assert_eq!(recorded.finishes[0].urn, bucket.urn_str());
    assert!(recorded.registration("d").is_none(), "nothing is sent for a failed input");
    assert!(recorded.registration("a").is_none() && recorded.registration("b").is_none());
}

#[test]
fn random_resources_take_either_languages_names_and_the_password_stays_secret() {
    let (mock, ctx) = up();
    let password = ctx
        .register_random(
            RandomKind::Password,
            Naming::SnakeCase,
            "db",
            DynInput::Value(json!({"length": 16, "special": false, "override_special": null, "min_upper": 2})),
            ResourceOptions::new().additional_secret_outputs(["Other"]),
            "main.py:3".into(),
        )
        .unwrap();
    ctx.register_random(
        RandomKind::String,
        Naming::CamelCase,
        "suffix",
        DynInput::object([("length", DynInput::Value(json!(6))), ("minNumeric", DynInput::Output(Output::new(json!(1))))]),
        ResourceOptions::new(),
        "index.ts:4".into(),
    )
    .unwrap();
    let result = block_on(password.output_value("Result").resolve()).unwrap();
    assert!(result.secret);
    let error = ctx
        .register_random(RandomKind::String, Naming::CamelCase, "typo", DynInput::Value(json!({"lenght": 6})), ResourceOptions::new(), String::new())
        .unwrap_err();
    assert_eq!(error.to_string(), "Engine::Random::String \"typo\": unknown property lenght (did you mean length?)");
    let error = ctx
        .register_random(RandomKind::String, Naming::SnakeCase, "camel", DynInput::Value(json!({"minUpper": 1})), ResourceOptions::new(), String::new())
        .unwrap_err();
    assert_eq!(error.to_string(), "Engine::Random::String \"camel\": unknown property minUpper (did you mean min_upper?)");
    assert!("uuid".parse::<RandomKind>().is_err());
    block_on(ctx.finish(Ok(()))).unwrap();

    let recorded = mock.recorded();
    let db = recorded.registration("db").unwrap();
    assert_eq!(db.r#type, "Engine::Random::Password");
    assert_eq!(recorded.inputs("db").unwrap(), json!({"Length": 16, "Special": false, "MinUpper": 2}));
    assert_eq!(db.options.as_ref().unwrap().additional_secret_outputs, ["Other", "Result"], "as a Rust program's RandomPassword");
    assert!(db.type_metadata.is_none(), "built-in types carry no schema metadata");
    assert_eq!(recorded.inputs("suffix").unwrap(), json!({"Length": 6, "MinNumeric": 1}));
    assert!(recorded.registration("suffix").unwrap().options.as_ref().unwrap().additional_secret_outputs.is_empty());
}
