//! Property tests (proptest): request decoding and patch application never panic, and the data
//! directory stays readable whatever the requests.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::cloud::Cloud;
use crate::config::Config;
use crate::patch;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        "[a-zA-Z0-9/~_.|*:-]{0,12}".prop_map(Value::String),
        prop_oneof![Just("vpc-0123456789abcdef0"), Just("arn:aws:iam::123456789012:role/x"), Just("/Tags/0")]
            .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(("[A-Za-z/~]{0,8}", inner), 0..5)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn patch_op() -> impl Strategy<Value = Value> {
    let path = prop_oneof![
        Just("/A".to_owned()),
        Just("/A/0".to_owned()),
        Just("/B/C".to_owned()),
        Just("/A/-".to_owned()),
        Just(String::new()),
        Just("B".to_owned()),
        "(/[A-C0-9~-]{0,3}){0,3}".prop_map(|s| s),
    ];
    let op = prop_oneof![Just("add"), Just("remove"), Just("replace"), Just("move"), Just("copy"), Just("test"), Just("bad")];
    (op, path.clone(), prop::option::of(path), prop::option::of(json_value())).prop_map(|(op, path, from, value)| {
        let mut object = Map::new();
        object.insert("op".into(), json!(op));
        object.insert("path".into(), json!(path));
        if let Some(from) = from {
            object.insert("from".into(), json!(from));
        }
        if let Some(value) = value {
            object.insert("value".into(), value);
        }
        Value::Object(object)
    })
}

const TYPES: &[&str] = &[
    "AWS::S3::Bucket",
    "AWS::Logs::LogGroup",
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::ApiGateway::Resource",
    "AWS::Lambda::Permission",
    "AWS::CloudFormation::CustomResource",
    "AWS::Nope::Nope",
    "bad",
];

const OPERATIONS: &[&str] = &[
    "CreateResource",
    "GetResource",
    "UpdateResource",
    "DeleteResource",
    "ListResources",
    "GetResourceRequestStatus",
    "ListResourceRequests",
    "CancelResourceRequest",
    "Bogus",
];

fn request() -> impl Strategy<Value = (usize, Map<String, Value>)> {
    let member = prop_oneof![
        json_value().prop_map(|v| Value::String(v.to_string())),
        json_value(),
        prop::collection::vec(patch_op(), 0..4).prop_map(|ops| Value::String(Value::Array(ops).to_string())),
        "[a-z0-9|{}\":-]{0,20}".prop_map(Value::String),
    ];
    (
        0..OPERATIONS.len(),
        0..TYPES.len(),
        prop::collection::vec(
            (
                prop_oneof![
                    Just("DesiredState"),
                    Just("Identifier"),
                    Just("PatchDocument"),
                    Just("ClientToken"),
                    Just("RequestToken"),
                    Just("NextToken"),
                    Just("MaxResults"),
                    Just("ResourceModel"),
                    Just("ResourceRequestStatusFilter"),
                    Just("RoleArn"),
                ],
                member,
            ),
            0..5,
        ),
    )
        .prop_map(|(op, ty, members)| {
            let mut body: Map<String, Value> = members.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            body.insert("TypeName".into(), json!(TYPES[ty]));
            (op, body)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn patches_never_panic(model in json_value(), ops in prop::collection::vec(patch_op(), 0..6)) {
        let text = Value::Array(ops).to_string();
        if let Ok(parsed) = patch::parse(&text) {
            let model = if model.is_object() { model } else { json!({"A": [1, 2], "B": {"C": 1}}) };
            match patch::apply(&model, &parsed) {
                Ok(out) => prop_assert!(out.is_object()),
                Err(error) => prop_assert_eq!(error.code, "ValidationException"),
            }
        }
    }

    #[test]
    fn raw_patch_text_never_panics(text in ".{0,64}") {
        let _ = patch::parse(&text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn requests_never_panic_or_corrupt_the_directory(requests in prop::collection::vec(request(), 1..12)) {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::new(dir.path()).seed(1);
        config.compact_after = 5;
        {
            let cloud = Cloud::open(config.clone()).unwrap();
            // Seed a few resources so identifiers and patches sometimes hit something.
            for (ty, desired) in [("AWS::Logs::LogGroup", r#"{"LogGroupName":"A"}"#), ("AWS::EC2::VPC", r#"{"CidrBlock":"10.0.0.0/16"}"#)] {
                let body: Map<String, Value> = serde_json::from_value(json!({"TypeName": ty, "DesiredState": desired})).unwrap();
                cloud.call("CreateResource", "us-east-1", &body).unwrap();
            }
            for (op, body) in &requests {
                match cloud.call(OPERATIONS[*op], "us-east-1", body) {
                    Ok(value) => prop_assert!(value.is_object()),
                    Err(error) => prop_assert!(error.status >= 400 && !error.code.is_empty() && !error.message.is_empty()),
                }
            }
            let body = Map::new();
            cloud.call("ListResourceRequests", "us-east-1", &body).unwrap();
            cloud.shutdown().unwrap();
        }
        // The directory reopens, with the same resources.
        let before = crate::store::load(dir.path(), false).unwrap().resources.len();
        let cloud = Cloud::open(config).unwrap();
        prop_assert_eq!(cloud.lock().data.resources.len(), before);
    }
}
