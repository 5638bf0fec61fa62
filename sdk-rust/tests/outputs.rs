//! Output semantics and input resolution, without an engine.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use engine_sdk::proto::value as wire;
use engine_sdk::runtime::block_on;
use engine_sdk::{DynInput, Error, Input, Output, Resolved};
use serde::Serialize;
use serde_json::{Value, json};

fn urns(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

fn from(value: Value, deps: &[&str]) -> Output<Value> {
    Output::new(value).with_dependencies(deps.iter().map(|dep| (*dep).to_owned()))
}

#[test]
fn map_carries_value_secret_and_dependencies() {
    let source = Output::secret(20_i64).with_dependencies(["urn:a".to_owned()]);
    let doubled = source.map(|value| value * 2);
    let resolved = block_on(doubled.resolve()).unwrap();
    assert_eq!(resolved.value, Some(40));
    assert!(resolved.secret);
    assert_eq!(resolved.dependencies, urns(&["urn:a"]));
}

#[test]
fn callbacks_are_skipped_on_unknowns_and_the_result_is_unknown() {
    let calls = Arc::new(AtomicUsize::new(0));
    let unknown = Output::<String>::unknown().with_dependencies(["urn:bucket".to_owned()]);
    let counted = Arc::clone(&calls);
    let mapped = unknown.map(move |value| {
        counted.fetch_add(1, Ordering::SeqCst);
        value.len()
    });
    let counted = Arc::clone(&calls);
    let applied = mapped.apply(move |length| async move {
        counted.fetch_add(1, Ordering::SeqCst);
        Ok(length + 1)
    });
    let resolved = block_on(applied.resolve()).unwrap();
    assert_eq!(resolved.value, None);
    assert_eq!(resolved.dependencies, urns(&["urn:bucket"]), "dependencies survive unknowns");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[test]
fn apply_chains_run_in_order_and_flatten_outputs() {
    let name = Output::new("logs".to_owned()).with_dependencies(["urn:a".to_owned()]);
    let arn = Output::secret("arn:aws:s3:::other".to_owned()).with_dependencies(["urn:b".to_owned()]);
    let chained = name
        .apply(|name| async move { Ok(format!("{name}-bucket")) })
        .apply_output(move |bucket| {
            let arn = arn.clone();
            async move { Ok(arn.map(move |arn| format!("{bucket} / {arn}"))) }
        });
    let resolved = block_on(chained.resolve()).unwrap();
    assert_eq!(resolved.value.as_deref(), Some("logs-bucket / arn:aws:s3:::other"));
    assert!(resolved.secret, "the inner output was secret");
    assert_eq!(resolved.dependencies, urns(&["urn:a", "urn:b"]));
}

#[test]
fn all_and_zip_combine() {
    let all = Output::all([
        Output::new(1).with_dependencies(["urn:1".to_owned()]),
        Output::secret(2),
        Output::new(3).with_dependencies(["urn:3".to_owned()]),
    ]);
    let resolved = block_on(all.resolve()).unwrap();
    assert_eq!(resolved.value, Some(vec![1, 2, 3]));
    assert!(resolved.secret);
    assert_eq!(resolved.dependencies, urns(&["urn:1", "urn:3"]));

    let with_unknown = Output::all([Output::new(1), Output::unknown().with_dependencies(["urn:u".to_owned()])]);
    let resolved = block_on(with_unknown.resolve()).unwrap();
    assert_eq!(resolved.value, None);
    assert_eq!(resolved.dependencies, urns(&["urn:u"]));

    let empty = block_on(Output::<i32>::all(Vec::new()).value()).unwrap();
    assert_eq!(empty, Some(vec![]));

    let zipped = Output::new("a".to_owned()).zip(&Output::secret(7_u8).with_dependencies(["urn:z".to_owned()]));
    let resolved = block_on(zipped.resolve()).unwrap();
    assert_eq!(resolved.value, Some(("a".to_owned(), 7)));
    assert!(resolved.secret);
    assert_eq!(resolved.dependencies, urns(&["urn:z"]));

    let half_unknown = Output::new(1).zip(&Output::<i32>::unknown());
    assert_eq!(block_on(half_unknown.value()).unwrap(), None);
}

#[test]
fn all_resolves_when_inputs_resolve_later_in_any_order() {
    let (first, resolve_first) = Output::<i32>::pending();
    let (second, resolve_second) = Output::<i32>::pending();
    let all = Output::all([first, second]);
    assert!(all.peek().is_none());
    resolve_second.resolve_value(2);
    assert!(all.peek().is_none());
    resolve_first.resolve(Resolved { value: Some(1), secret: false, dependencies: urns(&["urn:x"]) });
    let resolved = all.peek().unwrap().unwrap();
    assert_eq!(resolved.value, Some(vec![1, 2]));
    assert_eq!(resolved.dependencies, urns(&["urn:x"]));
}

#[test]
fn failures_propagate_and_callbacks_report_them() {
    let failed = Output::<i32>::error(Error::msg("registration failed"));
    let mapped = failed.map(|value| value + 1);
    assert_eq!(block_on(mapped.value()).unwrap_err(), Error::msg("registration failed"));
    let all = Output::all([Output::new(1), failed.clone()]);
    assert!(block_on(all.value()).is_err());

    let rejected = Output::new(1).apply(|_| async { Err::<i32, _>(Error::msg("no such bucket")) });
    assert_eq!(block_on(rejected.value()).unwrap_err().to_string(), "no such bucket");

    let panicked = Output::new(1).map(|_: i32| -> i32 { panic!("boom") });
    let error = block_on(panicked.value()).unwrap_err();
    assert!(matches!(&error, Error::Callback(message) if message.contains("boom")), "{error}");

    let async_panic = Output::new(1).apply(|_: i32| async move {
        if true {
            panic!("async boom");
        }
        Ok(0)
    });
    let error = block_on(async_panic.value()).unwrap_err();
    assert!(error.to_string().contains("async boom"), "{error}");
}

#[test]
fn a_dropped_resolver_fails_its_output() {
    let (output, resolver) = Output::<i32>::pending();
    drop(resolver);
    assert!(block_on(output.value()).is_err());
}

#[test]
fn long_chains_do_not_grow_the_stack() {
    let (source, resolver) = Output::<u64>::pending();
    let mut output = source;
    for _ in 0..200_000 {
        output = output.map(|value| value + 1);
    }
    resolver.resolve_value(0);
    assert_eq!(output.peek().unwrap().unwrap().value, Some(200_000));
}

#[test]
fn secret_and_unsecret() {
    let secret = Output::new("x".to_owned()).as_secret();
    assert!(block_on(secret.resolve()).unwrap().secret);
    assert!(!block_on(secret.unsecret().resolve()).unwrap().secret);
    assert!(format!("{:?}", Output::secret("hunter2".to_owned())).contains("<secret>"));
    assert!(!format!("{:?}", Output::secret("hunter2".to_owned())).contains("hunter2"));
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct BucketArgs {
    bucket_name: Input<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    versioning: Option<Input<bool>>,
    tags: Vec<Tag>,
    policy: Option<Input<Value>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Tag {
    key: Input<String>,
    value: Input<String>,
}

#[test]
fn typed_arguments_resolve_to_the_wire_encoding() {
    let args = BucketArgs {
        bucket_name: Output::new("logs".to_owned()).with_dependencies(["urn:name".to_owned()]).into(),
        versioning: None,
        tags: vec![
            Tag { key: "team".into(), value: Input::secret("data".to_owned()) },
            Tag { key: "env".into(), value: Output::<String>::unknown().with_dependencies(["urn:env".to_owned()]).into() },
        ],
        policy: Some(Input::Value(json!({"Statement": []}))),
    };
    let input = DynInput::from_serialize(&args).unwrap();
    assert!(!input.is_plain());
    let resolved = block_on(input.resolve()).unwrap();
    assert_eq!(
        resolved.value,
        json!({
            "BucketName": "logs",
            "Tags": [
                {"Key": "team", "Value": wire::secret(json!("data"))},
                {"Key": "env", "Value": wire::unknown()},
            ],
            "Policy": {"Statement": []},
        })
    );
    assert!(resolved.secret && resolved.unknown);
    assert_eq!(resolved.dependencies, urns(&["urn:env", "urn:name"]));
    assert_eq!(resolved.property_dependencies["BucketName"], urns(&["urn:name"]));
    assert_eq!(resolved.property_dependencies["Tags"], urns(&["urn:env"]));
    assert!(resolved.property_dependencies["Policy"].is_empty());
}

#[test]
fn a_failed_output_names_its_property_path() {
    let args = json!({});
    let mut input = DynInput::from_serialize(&args).unwrap();
    if let DynInput::Value(Value::Object(_)) = input {
        input = DynInput::object([(
            "Tags",
            DynInput::Array(vec![DynInput::object([("Value", DynInput::Output(Output::error(Error::msg("gone"))))])]),
        )]);
    }
    let error = block_on(input.resolve()).unwrap_err();
    assert_eq!(error.to_string(), "property Tags[0].Value: gone");
}

#[test]
fn outputs_only_serialize_through_the_sdk() {
    let error = serde_json::to_value(Output::new(1)).unwrap_err();
    assert!(error.to_string().contains("not known yet"), "{error}");
    // But plain inputs serialize anywhere.
    assert_eq!(serde_json::to_value(Input::Value(3)).unwrap(), json!(3));
}

#[test]
fn dynamic_inputs_become_one_output() {
    let tree = DynInput::object([
        ("a", DynInput::Value(json!(1))),
        ("b", from(json!("x"), &["urn:b"]).into()),
        ("c", DynInput::Array(vec![Output::secret(json!(true)).into()])),
    ]);
    let resolved = block_on(tree.into_output().resolve()).unwrap();
    assert_eq!(resolved.value, Some(json!({"a": 1, "b": "x", "c": [true]})));
    assert!(resolved.secret);
    assert_eq!(resolved.dependencies, urns(&["urn:b"]));

    let unknown = DynInput::object([("a", Output::<Value>::unknown().with_dependencies(["urn:u".to_owned()]).into())]);
    let resolved = block_on(unknown.into_output().resolve()).unwrap();
    assert_eq!(resolved.value, None);
    assert_eq!(resolved.dependencies, urns(&["urn:u"]));
}

#[test]
fn dynamic_apply_flattens_what_the_callback_returns() {
    let source = from(json!("vpc-1"), &["urn:vpc"]);
    let other = Output::secret(json!("subnet-9")).with_dependencies(["urn:subnet".to_owned()]);
    let applied = source.apply_dyn(Box::new(move |vpc| {
        Box::pin(async move {
            Ok(DynInput::object([("Vpc", DynInput::Value(vpc)), ("Subnet", DynInput::Output(other))]))
        })
    }));
    let resolved = block_on(applied.resolve()).unwrap();
    assert_eq!(resolved.value, Some(json!({"Vpc": "vpc-1", "Subnet": "subnet-9"})));
    assert!(resolved.secret);
    assert_eq!(resolved.dependencies, urns(&["urn:subnet", "urn:vpc"]));
    let typed: Output<String> = from(json!("t"), &[]).deserialize();
    assert_eq!(block_on(typed.value()).unwrap().as_deref(), Some("t"));
}

/// Bindings hold these in host objects shared across threads.
#[test]
fn handles_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Output<Value>>();
    assert_send_sync::<engine_sdk::OutputResolver<Value>>();
    assert_send_sync::<DynInput>();
    assert_send_sync::<engine_sdk::Context>();
    assert_send_sync::<engine_sdk::Resource>();
    assert_send_sync::<engine_sdk::Component>();
    assert_send_sync::<engine_sdk::ResourceOptions>();
    assert_send_sync::<engine_sdk::Config>();
    assert_send_sync::<Error>();
}
