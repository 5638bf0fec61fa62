//! IAM policy documents whose resources may be outputs of other resources.
//!
//! One action or resource is written as a string, several as a list (as the inventory writes
//! them); the Python and TypeScript variants follow the same rule so the three produce the same
//! documents.

use engine_sdk::aws::iam;
use engine_sdk::prelude::*;
use serde_json::{Value, json};

/// One `Allow` statement.
pub struct Statement {
    sid: Option<&'static str>,
    principal: Option<Value>,
    actions: Vec<&'static str>,
    resources: Vec<Input<String>>,
    condition: Option<Value>,
}

/// Allow `actions` on `resources` (ARNs: plain strings or outputs).
pub fn allow(actions: &[&'static str], resources: impl IntoIterator<Item = Input<String>>) -> Statement {
    Statement {
        sid: None,
        principal: None,
        actions: actions.to_vec(),
        resources: resources.into_iter().collect(),
        condition: None,
    }
}

impl Statement {
    /// A statement id.
    pub fn sid(mut self, sid: &'static str) -> Self {
        self.sid = Some(sid);
        self
    }

    /// For resource policies: the AWS service allowed (`events.amazonaws.com`).
    pub fn service(mut self, service: &str) -> Self {
        self.principal = Some(json!({ "Service": service }));
        self
    }

    /// For resource policies: an AWS principal (an account root ARN).
    pub fn aws_principal(mut self, arn: String) -> Self {
        self.principal = Some(json!({ "AWS": arn }));
        self
    }

    /// Only when the request comes from this account (`aws:SourceAccount`).
    pub fn source_account(mut self, account_id: &str) -> Self {
        self.condition = Some(json!({ "StringEquals": { "aws:SourceAccount": account_id } }));
        self
    }

    fn into_dyn(self) -> DynInput {
        let mut fields: Vec<(String, DynInput)> = Vec::new();
        if let Some(sid) = self.sid {
            fields.push(("Sid".into(), DynInput::Value(json!(sid))));
        }
        fields.push(("Effect".into(), DynInput::Value(json!("Allow"))));
        if let Some(principal) = self.principal {
            fields.push(("Principal".into(), DynInput::Value(principal)));
        }
        let actions = match self.actions.as_slice() {
            [one] => json!(one),
            many => json!(many),
        };
        fields.push(("Action".into(), DynInput::Value(actions)));
        let mut resources: Vec<DynInput> = self.resources.iter().map(resource_dyn).collect();
        let resource = if resources.len() == 1 { resources.remove(0) } else { DynInput::Array(resources) };
        fields.push(("Resource".into(), resource));
        if let Some(condition) = self.condition {
            fields.push(("Condition".into(), DynInput::Value(condition)));
        }
        DynInput::Object(fields)
    }
}

fn resource_dyn(resource: &Input<String>) -> DynInput {
    match resource {
        Input::Value(text) => DynInput::Value(json!(text)),
        Input::Output(output) => DynInput::Output(output.to_value_output()),
    }
}

/// A policy document (version 2012-10-17) of `statements`.
pub fn document(statements: Vec<Statement>) -> Output<Value> {
    DynInput::object([
        ("Version", DynInput::Value(json!("2012-10-17"))),
        ("Statement", DynInput::Array(statements.into_iter().map(Statement::into_dyn).collect())),
    ])
    .into_output()
}

/// The trust policy of a role that `service` assumes.
pub fn trust(service: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Principal": { "Service": service }, "Action": "sts:AssumeRole" }],
    })
}

/// One inline policy of a role.
pub fn inline(name: &str, statements: Vec<Statement>) -> Input<iam::RolePolicy2Args> {
    Input::Value(iam::RolePolicy2Args { policy_name: name.into(), policy_document: document(statements).into() })
}

/// `arn` + `suffix` (objects of a bucket: `/*`).
pub fn suffixed(arn: &Output<String>, suffix: &'static str) -> Input<String> {
    arn.map(move |arn| format!("{arn}{suffix}")).into()
}

/// A list of strings for typed list properties.
pub fn strings<S: Into<Input<String>>>(items: impl IntoIterator<Item = S>) -> Input<Vec<Input<String>>> {
    Input::Value(items.into_iter().map(Into::into).collect())
}
