//! Pieces shared by the components: IAM policy statements, tags, policy documents.

use std::collections::BTreeMap;

use engine_sdk::aws::TagArgs;
use engine_sdk::{DynInput, Input, Output, OutputValue};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Allow or deny.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    #[default]
    Allow,
    Deny,
}

/// One statement of an IAM policy (`PolicyStatement` in the interface).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyStatement {
    /// Allow (the default) or Deny.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<Effect>,
    /// IAM actions, e.g. `dynamodb:GetItem`.
    pub actions: Vec<String>,
    /// ARNs the actions apply to (outputs of other resources are fine).
    pub resources: Vec<Input<String>>,
}

impl PolicyStatement {
    /// Allow `actions` on `resources`.
    pub fn allow<A: Into<String>, R: Into<Input<String>>>(
        actions: impl IntoIterator<Item = A>,
        resources: impl IntoIterator<Item = R>,
    ) -> Self {
        PolicyStatement {
            effect: None,
            actions: actions.into_iter().map(Into::into).collect(),
            resources: resources.into_iter().map(Into::into).collect(),
        }
    }

    /// The statement as policy JSON (outputs inside stay outputs).
    pub(crate) fn to_dyn(&self) -> DynInput {
        let effect = match self.effect.unwrap_or_default() {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        };
        DynInput::object([
            ("Effect", DynInput::Value(json!(effect))),
            ("Action", DynInput::Value(json!(self.actions))),
            ("Resource", DynInput::Array(self.resources.iter().map(input_dyn).collect())),
        ])
    }
}

/// One input as a dynamic value (outputs inside stay outputs).
pub(crate) fn input_dyn<T: Serialize + OutputValue>(input: &Input<T>) -> DynInput {
    DynInput::from_serialize(input).unwrap_or_else(|error| DynInput::Output(Output::error(error)))
}

/// An output as a dynamic value.
pub(crate) fn output_dyn<T: Serialize + OutputValue>(output: &Output<T>) -> DynInput {
    DynInput::Output(output.to_value_output())
}

/// A plain value as a dynamic value.
pub(crate) fn value(value: impl Serialize) -> DynInput {
    DynInput::Value(serde_json::to_value(value).unwrap_or(Value::Null))
}

/// An object built field by field, leaving out absent ones.
#[derive(Default)]
pub(crate) struct Fields(Vec<(String, DynInput)>);

impl Fields {
    pub(crate) fn new() -> Self {
        Fields(Vec::new())
    }

    pub(crate) fn set(mut self, key: &str, value: DynInput) -> Self {
        self.0.push((key.to_owned(), value));
        self
    }

    pub(crate) fn opt(self, key: &str, value: Option<DynInput>) -> Self {
        match value {
            Some(value) => self.set(key, value),
            None => self,
        }
    }

    pub(crate) fn build(self) -> DynInput {
        DynInput::Object(self.0)
    }
}

/// A policy document (`Version` 2012-10-17) from statements given as dynamic values.
pub(crate) fn policy_document(statements: Vec<DynInput>) -> Output<Value> {
    DynInput::object([("Version", DynInput::Value(json!("2012-10-17"))), ("Statement", DynInput::Array(statements))])
        .into_output()
}

/// The trust policy of a role assumable by one AWS service.
pub(crate) fn assume_role_policy(service: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]
    })
}

/// Tags for a child: the component's tags plus a `Name` tag.
pub(crate) fn tags(given: Option<&Input<BTreeMap<String, String>>>, name: &str) -> Option<Input<Vec<Input<TagArgs>>>> {
    let name = name.to_owned();
    Some(match given {
        None | Some(Input::Value(_)) => {
            let mut map = match given {
                Some(Input::Value(map)) => map.clone(),
                _ => BTreeMap::new(),
            };
            map.entry("Name".to_owned()).or_insert(name);
            Input::Value(map.into_iter().map(|(k, v)| Input::Value(TagArgs::new(k, v))).collect())
        }
        Some(Input::Output(output)) => Input::Output(output.map(move |mut map| {
            map.entry("Name".to_owned()).or_insert(name);
            map.into_iter().map(|(k, v)| Input::Value(TagArgs::new(k, v))).collect()
        })),
    })
}

/// Element `index` of a list output, failing with a clear message when the list is too short.
pub(crate) fn element(list: &Output<Vec<String>>, index: usize, what: &'static str) -> Output<String> {
    list.try_map(move |items| {
        items.get(index).cloned().ok_or_else(|| {
            engine_sdk::Error::Invalid(format!("{what}: needs at least {} entries, got {}", index + 1, items.len()))
        })
    })
}
