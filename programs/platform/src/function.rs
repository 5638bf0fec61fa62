//! `platform:index:ServerlessFunction`.

use std::collections::BTreeMap;

use engine_sdk::aws::{iam, lambda, logs};
use engine_sdk::{AsResource, Component, Context, DynInput, FileArchive, Input, Output, ResourceOptions, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::common::{Fields, PolicyStatement, assume_role_policy, input_dyn, output_dyn, policy_document, tags, value};

/// A function's instruction set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Architecture {
    #[default]
    #[serde(rename = "x86_64")]
    X86_64,
    #[serde(rename = "arm64")]
    Arm64,
}

/// The inputs of a [`ServerlessFunction`] (see `EnginePackage.toml` for every default).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServerlessFunctionArgs {
    /// The folder holding the code (uploaded as a zip archive).
    pub code: FileArchive,
    /// The entry point, e.g. `app.handler`.
    pub handler: Input<String>,
    /// The runtime, e.g. `python3.13`.
    pub runtime: Input<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_name: Option<Input<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Input<String>>,
    /// MB (default 128).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_size: Option<Input<i64>>,
    /// Seconds (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Input<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<Input<Architecture>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Input<BTreeMap<String, Input<String>>>>,
    /// What the function may do besides logging: its role's inline policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_statements: Option<Input<Vec<PolicyStatement>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_policy_arns: Option<Input<Vec<String>>>,
    /// A VPC config: the subnets (with `security_group_ids`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_ids: Option<Input<Vec<String>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_group_ids: Option<Input<Vec<String>>>,
    /// Days (default 14).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_retention_days: Option<Input<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved_concurrency: Option<Input<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Input<BTreeMap<String, String>>>,
}

impl ServerlessFunctionArgs {
    /// The required inputs; the rest default.
    pub fn new(code: FileArchive, handler: impl Into<Input<String>>, runtime: impl Into<Input<String>>) -> Self {
        ServerlessFunctionArgs {
            code,
            handler: handler.into(),
            runtime: runtime.into(),
            function_name: None,
            description: None,
            memory_size: None,
            timeout: None,
            architecture: None,
            environment: None,
            policy_statements: None,
            managed_policy_arns: None,
            subnet_ids: None,
            security_group_ids: None,
            log_retention_days: None,
            reserved_concurrency: None,
            tags: None,
        }
    }
}

/// The outputs of a [`ServerlessFunction`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerlessFunctionOutputs {
    pub function_name: Output<String>,
    pub function_arn: Output<String>,
    pub role_arn: Output<String>,
    pub role_name: Output<String>,
    pub log_group_name: Output<String>,
    pub log_group_arn: Output<String>,
}

/// A Lambda function with its own least-privilege role and log group.
#[derive(Debug, Clone)]
pub struct ServerlessFunction {
    component: Component,
    pub outputs: ServerlessFunctionOutputs,
}

impl std::ops::Deref for ServerlessFunction {
    type Target = ServerlessFunctionOutputs;

    fn deref(&self) -> &ServerlessFunctionOutputs {
        &self.outputs
    }
}

impl AsResource for ServerlessFunction {
    fn as_resource(&self) -> &engine_sdk::Resource {
        &self.component
    }
}

/// The actions a function needs to run in a VPC (its network interfaces); EC2 does not scope
/// them to resources.
const VPC_ACTIONS: &[&str] = &[
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
];

impl ServerlessFunction {
    /// The component's type.
    pub const TYPE: &'static str = "platform:index:ServerlessFunction";

    #[must_use]
    pub fn component(&self) -> &Component {
        &self.component
    }

    /// Declare a function named `name`.
    ///
    /// # Errors
    /// An invalid name or a duplicate URN.
    #[track_caller]
    pub fn new(ctx: &Context, name: &str, args: ServerlessFunctionArgs, options: ResourceOptions) -> Result<Self> {
        let component = ctx.component(Self::TYPE, name, options)?;
        let child = || component.child_options();

        let log_group = logs::LogGroup::new(
            ctx,
            &format!("{name}-logs"),
            logs::LogGroupArgs {
                retention_in_days: Some(args.log_retention_days.clone().unwrap_or(Input::Value(14))),
                tags: tags(args.tags.as_ref(), &format!("{name}-logs")),
                ..Default::default()
            },
            child(),
        )?;

        // The role: logging to its own group only; network interfaces only with a VPC config;
        // the given statements.
        let mut policies = vec![role_policy(
            "logs",
            vec![
                Fields::new()
                    .set("Effect", value("Allow"))
                    .set("Action", value(["logs:CreateLogStream", "logs:PutLogEvents"]))
                    .set("Resource", DynInput::Array(vec![output_dyn(&log_group.arn())]))
                    .build(),
            ],
        )];
        if args.subnet_ids.is_some() {
            policies.push(role_policy(
                "network-interfaces",
                vec![json!({"Effect": "Allow", "Action": VPC_ACTIONS, "Resource": "*"}).into()],
            ));
        }
        if let Some(statements) = &args.policy_statements {
            let document = statements
                .clone()
                .into_output()
                .flat_map(|statements| policy_document(statements.iter().map(PolicyStatement::to_dyn).collect()));
            policies.push(Input::Value(iam::RolePolicy2Args {
                policy_name: "statements".into(),
                policy_document: Input::Output(document),
            }));
        }
        let role = iam::Role::new(
            ctx,
            &format!("{name}-role"),
            iam::RoleArgs {
                assume_role_policy_document: assume_role_policy("lambda.amazonaws.com").into(),
                description: Some(format!("Execution role of the function {name}").into()),
                policies: Some(Input::Value(policies)),
                managed_policy_arns: args.managed_policy_arns.clone().map(|arns| {
                    Input::Output(arns.into_output().map(|arns| arns.into_iter().map(Input::Value).collect()))
                }),
                tags: tags(args.tags.as_ref(), &format!("{name}-role")),
                ..Default::default()
            },
            child(),
        )?;

        let architecture = args.architecture.clone().unwrap_or_default();
        let properties = Fields::new()
            .set("Code", DynInput::from(args.code.clone()))
            .set("Handler", input_dyn(&args.handler))
            .set("Runtime", input_dyn(&args.runtime))
            .set("Role", output_dyn(&role.arn()))
            .opt("FunctionName", args.function_name.as_ref().map(input_dyn))
            .opt("Description", args.description.as_ref().map(input_dyn))
            .set("MemorySize", input_dyn(&args.memory_size.clone().unwrap_or(Input::Value(128))))
            .set("Timeout", input_dyn(&args.timeout.clone().unwrap_or(Input::Value(10))))
            .set("Architectures", DynInput::Array(vec![input_dyn(&architecture)]))
            .opt(
                "Environment",
                args.environment.as_ref().map(|variables| Fields::new().set("Variables", input_dyn(variables)).build()),
            )
            .set(
                "LoggingConfig",
                Fields::new()
                    .set("LogGroup", output_dyn(&log_group.log_group_name()))
                    .set("LogFormat", value("Text"))
                    .build(),
            )
            .opt(
                "VpcConfig",
                args.subnet_ids.as_ref().map(|subnets| {
                    Fields::new()
                        .set("SubnetIds", input_dyn(subnets))
                        .set(
                            "SecurityGroupIds",
                            args.security_group_ids.as_ref().map_or_else(|| value(Vec::<String>::new()), input_dyn),
                        )
                        .build()
                }),
            )
            .opt("ReservedConcurrentExecutions", args.reserved_concurrency.as_ref().map(input_dyn))
            .set("Tags", key_value_tags(args.tags.as_ref(), name))
            .build();
        let function = ctx.create_dyn::<lambda::Function>(name, properties, child())?;

        let outputs = ServerlessFunctionOutputs {
            function_name: function.function_name(),
            function_arn: function.arn(),
            role_arn: role.arn(),
            role_name: role.role_name(),
            log_group_name: log_group.log_group_name(),
            log_group_arn: log_group.arn(),
        };
        component.register_outputs(&outputs);
        Ok(ServerlessFunction { component, outputs })
    }
}

fn role_policy(name: &str, statements: Vec<DynInput>) -> Input<iam::RolePolicy2Args> {
    Input::Value(iam::RolePolicy2Args {
        policy_name: name.into(),
        policy_document: Input::Output(policy_document(statements)),
    })
}

/// `[{Key, Value}]` tags (types whose tags are a list of key-value objects), with a `Name`.
pub(crate) fn key_value_tags(given: Option<&Input<BTreeMap<String, String>>>, name: &str) -> DynInput {
    let name = name.to_owned();
    let to_list = move |mut map: BTreeMap<String, String>| {
        map.entry("Name".to_owned()).or_insert(name);
        serde_json::Value::Array(map.into_iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect())
    };
    match given {
        None => DynInput::Value(to_list(BTreeMap::new())),
        Some(Input::Value(map)) => DynInput::Value(to_list(map.clone())),
        Some(Input::Output(output)) => DynInput::Output(output.map(to_list)),
    }
}
