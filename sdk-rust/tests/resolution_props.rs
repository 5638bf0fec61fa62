//! Property tests of input resolution: whatever parts of a JSON tree are given as outputs, the
//! resolved wire value is the same tree, with exactly the outputs' dependencies (overall and per
//! top-level property), and a secret part is wrapped exactly where it was.

use std::collections::{BTreeMap, BTreeSet};

use engine_sdk::proto::value as wire;
use engine_sdk::runtime::block_on;
use engine_sdk::{DynInput, Output};
use proptest::prelude::*;
use serde_json::{Map, Value};

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-1_000_000_i64..1_000_000).prop_map(Value::from),
        "[a-z]{0,6}".prop_map(Value::String),
    ]
}

fn json_tree() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,4}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

/// Turn some subtrees into outputs (chosen by `choices`), each depending on a URN of its path.
fn split(value: &Value, path: &str, choices: &mut impl Iterator<Item = u8>, used: &mut BTreeSet<String>) -> DynInput {
    let choice = choices.next().unwrap_or(0);
    if choice % 4 == 0 {
        let urn = format!("urn:{path}");
        used.insert(urn.clone());
        return DynInput::Output(Output::new(value.clone()).with_dependencies([urn]));
    }
    match value {
        Value::Array(items) => DynInput::Array(
            items.iter().enumerate().map(|(index, item)| split(item, &format!("{path}[{index}]"), choices, used)).collect(),
        ),
        Value::Object(map) => DynInput::Object(
            map.iter().map(|(key, item)| (key.clone(), split(item, &format!("{path}.{key}"), choices, used))).collect(),
        ),
        other => DynInput::Value(other.clone()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn resolution_rebuilds_the_tree_with_its_dependencies(
        properties in prop::collection::btree_map("[A-Z][a-z]{0,5}", json_tree(), 0..5),
        choices in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let original = Value::Object(properties.clone().into_iter().collect());
        let mut used = BTreeSet::new();
        let mut per_property: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut choices = choices.into_iter();
        let mut entries = Vec::new();
        for (key, value) in &properties {
            let mut mine = BTreeSet::new();
            entries.push((key.clone(), split(value, key, &mut choices, &mut mine)));
            used.extend(mine.iter().cloned());
            per_property.insert(key.clone(), mine);
        }
        let input = DynInput::Object(entries);
        let resolved = block_on(input.clone().resolve()).unwrap();
        prop_assert_eq!(&resolved.value, &original);
        prop_assert_eq!(&resolved.dependencies, &used);
        prop_assert_eq!(&resolved.property_dependencies, &per_property);
        prop_assert!(!resolved.secret && !resolved.unknown);

        let as_output = block_on(input.into_output().resolve()).unwrap();
        prop_assert_eq!(as_output.value.as_ref(), Some(&original));
        prop_assert_eq!(&as_output.dependencies, &used);
    }

    #[test]
    fn a_secret_part_is_wrapped_where_it_is(value in json_tree(), key in "[A-Z][a-z]{0,5}") {
        let input = DynInput::object([
            (key.clone(), DynInput::Output(Output::secret(value.clone()))),
            ("Plain".to_owned() + &key, DynInput::Value(Value::Bool(true))),
        ]);
        let resolved = block_on(input.clone().resolve()).unwrap();
        prop_assert_eq!(&resolved.value[&key], &wire::secret(value.clone()));
        prop_assert_eq!(&resolved.value[format!("Plain{key}")], &Value::Bool(true));
        prop_assert!(resolved.secret);
        let (plain, found) = wire::unwrap_secrets(&resolved.value);
        prop_assert!(found);
        prop_assert_eq!(&plain[&key], &value);
        let as_output = block_on(input.into_output().resolve()).unwrap();
        prop_assert!(as_output.secret);
        prop_assert_eq!(&as_output.value.unwrap()[&key], &value);
    }
}
