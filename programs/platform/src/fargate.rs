//! `platform:index:FargateService`.

use std::collections::BTreeMap;

use engine_sdk::aws::{applicationautoscaling as autoscaling, ecs, elasticloadbalancingv2 as elb, iam, logs};
use engine_sdk::{AsResource, Component, Context, DynInput, Error, Input, Output, ResourceOptions, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::common::{Fields, PolicyStatement, assume_role_policy, input_dyn, output_dyn, policy_document, tags, value};
use crate::function::key_value_tags;

/// Target-tracking autoscaling of the task count (`Autoscaling` in the interface).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Autoscaling {
    pub min_capacity: i64,
    pub max_capacity: i64,
    /// Percent (default 70).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_cpu_utilization: Option<f64>,
    /// Percent; a second policy when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_memory_utilization: Option<f64>,
    /// Seconds (default 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_in_cooldown: Option<i64>,
    /// Seconds (default 60).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_out_cooldown: Option<i64>,
}

/// The inputs of a [`FargateService`] (see `EnginePackage.toml` for every default).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FargateServiceArgs {
    pub cluster_name: Input<String>,
    pub image: Input<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_name: Option<Input<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_port: Option<Input<i64>>,
    /// CPU units (default 256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Input<i64>>,
    /// MiB (default 512).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Input<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Input<Vec<String>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Input<BTreeMap<String, Input<String>>>>,
    /// Variable name to a Secrets Manager secret or SSM parameter ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Input<BTreeMap<String, Input<String>>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<Input<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_role_arn: Option<Input<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_role_arn: Option<Input<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_policy_statements: Option<Input<Vec<PolicyStatement>>>,
    /// Days (default 14).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_retention_days: Option<Input<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<Input<String>>,
    /// Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_count: Option<Input<i64>>,
    pub subnet_ids: Input<Vec<String>>,
    pub security_group_ids: Input<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assign_public_ip: Option<Input<bool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_execute_command: Option<Input<bool>>,
    /// The target group's VPC (with `listener_arn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<Input<String>>,
    /// Route requests from this listener to the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listener_arn: Option<Input<String>>,
    /// Default 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listener_rule_priority: Option<Input<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_patterns: Option<Input<Vec<String>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_headers: Option<Input<Vec<String>>>,
    /// Default `/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_path: Option<Input<String>>,
    /// Decides which resources exist: a plain value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<Autoscaling>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Input<BTreeMap<String, String>>>,
}

impl FargateServiceArgs {
    /// The required inputs; the rest default.
    pub fn new(
        cluster_name: impl Into<Input<String>>,
        image: impl Into<Input<String>>,
        subnet_ids: impl Into<Input<Vec<String>>>,
        security_group_ids: impl Into<Input<Vec<String>>>,
    ) -> Self {
        FargateServiceArgs {
            cluster_name: cluster_name.into(),
            image: image.into(),
            container_name: None,
            container_port: None,
            cpu: None,
            memory: None,
            command: None,
            environment: None,
            secrets: None,
            family: None,
            execution_role_arn: None,
            task_role_arn: None,
            task_policy_statements: None,
            log_retention_days: None,
            service_name: None,
            desired_count: None,
            subnet_ids: subnet_ids.into(),
            security_group_ids: security_group_ids.into(),
            assign_public_ip: None,
            enable_execute_command: None,
            vpc_id: None,
            listener_arn: None,
            listener_rule_priority: None,
            path_patterns: None,
            host_headers: None,
            health_check_path: None,
            autoscaling: None,
            tags: None,
        }
    }
}

/// The outputs of a [`FargateService`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FargateServiceOutputs {
    pub service_arn: Output<String>,
    pub service_name: Output<String>,
    pub task_definition_arn: Output<String>,
    pub log_group_name: Output<String>,
    pub execution_role_arn: Output<String>,
    pub task_role_arn: Output<Option<String>>,
    pub target_group_arn: Output<Option<String>>,
    pub listener_rule_arn: Output<Option<String>>,
    pub scalable_target_id: Output<Option<String>>,
}

/// An ECS service on Fargate.
#[derive(Debug, Clone)]
pub struct FargateService {
    component: Component,
    pub outputs: FargateServiceOutputs,
}

impl std::ops::Deref for FargateService {
    type Target = FargateServiceOutputs;

    fn deref(&self) -> &FargateServiceOutputs {
        &self.outputs
    }
}

impl AsResource for FargateService {
    fn as_resource(&self) -> &engine_sdk::Resource {
        &self.component
    }
}

/// The managed policy of ECS task execution roles (pull images, write logs).
const EXECUTION_POLICY: &str = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";

impl FargateService {
    /// The component's type.
    pub const TYPE: &'static str = "platform:index:FargateService";

    #[must_use]
    pub fn component(&self) -> &Component {
        &self.component
    }

    /// Declare a service named `name`.
    ///
    /// # Errors
    /// A listener without a container port or a VPC, an invalid name or a duplicate URN.
    #[track_caller]
    pub fn new(ctx: &Context, name: &str, args: FargateServiceArgs, options: ResourceOptions) -> Result<Self> {
        if args.listener_arn.is_some() && (args.container_port.is_none() || args.vpc_id.is_none()) {
            return Err(Error::Resource {
                urn: String::new(),
                resource_type: Self::TYPE.to_owned(),
                name: name.to_owned(),
                source: Box::new(Error::Invalid(
                    "listenerArn needs containerPort and vpcId (for the target group)".into(),
                )),
            });
        }
        let region = options.region.clone().unwrap_or_else(|| ctx.region().to_owned());
        let component = ctx.component(Self::TYPE, name, options)?;
        let child = || component.child_options();
        let container_name = args.container_name.clone().unwrap_or_else(|| Input::Value(name.to_owned()));

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

        // Roles, unless given.
        let execution_role_arn: Output<String> = match &args.execution_role_arn {
            Some(arn) => arn.clone().into_output(),
            None => {
                let mut policies = Vec::new();
                if let Some(secrets) = &args.secrets {
                    let arns = secrets
                        .clone()
                        .into_output()
                        .flat_map(|secrets| DynInput::Array(secrets.values().map(input_dyn).collect()).into_output());
                    let read = Fields::new()
                        .set("Effect", value("Allow"))
                        .set("Action", value(["secretsmanager:GetSecretValue", "ssm:GetParameters"]))
                        .set("Resource", DynInput::Output(arns))
                        .build();
                    policies.push(Input::Value(iam::RolePolicy2Args {
                        policy_name: "read-secrets".into(),
                        policy_document: Input::Output(policy_document(vec![read])),
                    }));
                }
                let role = iam::Role::new(
                    ctx,
                    &format!("{name}-execution"),
                    iam::RoleArgs {
                        assume_role_policy_document: assume_role_policy("ecs-tasks.amazonaws.com").into(),
                        description: Some(format!("ECS task execution role of {name}").into()),
                        managed_policy_arns: Some(Input::Value(vec![EXECUTION_POLICY.into()])),
                        policies: (!policies.is_empty()).then_some(Input::Value(policies)),
                        tags: tags(args.tags.as_ref(), &format!("{name}-execution")),
                        ..Default::default()
                    },
                    child(),
                )?;
                role.arn()
            }
        };
        let task_role_arn: Option<Output<String>> = match (&args.task_role_arn, &args.task_policy_statements) {
            (Some(arn), _) => Some(arn.clone().into_output()),
            (None, Some(statements)) => {
                let document = statements
                    .clone()
                    .into_output()
                    .flat_map(|statements| policy_document(statements.iter().map(PolicyStatement::to_dyn).collect()));
                let role = iam::Role::new(
                    ctx,
                    &format!("{name}-task"),
                    iam::RoleArgs {
                        assume_role_policy_document: assume_role_policy("ecs-tasks.amazonaws.com").into(),
                        description: Some(format!("Task role of {name}").into()),
                        policies: Some(Input::Value(vec![Input::Value(iam::RolePolicy2Args {
                            policy_name: "statements".into(),
                            policy_document: Input::Output(document),
                        })])),
                        tags: tags(args.tags.as_ref(), &format!("{name}-task")),
                        ..Default::default()
                    },
                    child(),
                )?;
                Some(role.arn())
            }
            (None, None) => None,
        };

        // The task definition: one container.
        let key_values = |map: &Input<BTreeMap<String, Input<String>>>, value_key: &'static str| -> DynInput {
            DynInput::Output(map.clone().into_output().flat_map(move |map| {
                DynInput::Array(
                    map.iter()
                        .map(|(k, v)| Fields::new().set("Name", value(k)).set(value_key, input_dyn(v)).build())
                        .collect(),
                )
                .into_output()
            }))
        };
        let container = Fields::new()
            .set("Name", input_dyn(&container_name))
            .set("Image", input_dyn(&args.image))
            .set("Essential", value(true))
            .opt("Command", args.command.as_ref().map(input_dyn))
            .opt(
                "PortMappings",
                args.container_port.as_ref().map(|port| {
                    DynInput::Array(vec![
                        Fields::new().set("ContainerPort", input_dyn(port)).set("Protocol", value("tcp")).build(),
                    ])
                }),
            )
            .opt("Environment", args.environment.as_ref().map(|env| key_values(env, "Value")))
            .opt("Secrets", args.secrets.as_ref().map(|secrets| key_values(secrets, "ValueFrom")))
            .set(
                "LogConfiguration",
                Fields::new()
                    .set("LogDriver", value("awslogs"))
                    .set(
                        "Options",
                        Fields::new()
                            .set("awslogs-group", output_dyn(&log_group.log_group_name()))
                            .set("awslogs-region", value(&region))
                            .set("awslogs-stream-prefix", value(name))
                            .build(),
                    )
                    .build(),
            )
            .build();
        let as_text = |input: &Option<Input<i64>>, default: i64| -> DynInput {
            DynInput::Output(
                input.clone().unwrap_or(Input::Value(default)).into_output().map(|n| Value::String(n.to_string())),
            )
        };
        let task_definition = ctx.create_dyn::<ecs::TaskDefinition>(
            &format!("{name}-task"),
            Fields::new()
                .set("Family", input_dyn(&args.family.clone().unwrap_or_else(|| Input::Value(name.to_owned()))))
                .set("Cpu", as_text(&args.cpu, 256))
                .set("Memory", as_text(&args.memory, 512))
                .set("NetworkMode", value("awsvpc"))
                .set("RequiresCompatibilities", value(["FARGATE"]))
                .set("ExecutionRoleArn", output_dyn(&execution_role_arn))
                .opt("TaskRoleArn", task_role_arn.as_ref().map(output_dyn))
                .set("ContainerDefinitions", DynInput::Array(vec![container]))
                .set("Tags", key_value_tags(args.tags.as_ref(), &format!("{name}-task")))
                .build(),
            child(),
        )?;

        // Load balancing: a target group and a rule on the given listener.
        let mut target_group = None;
        let mut rule = None;
        if let (Some(listener), Some(port), Some(vpc_id)) = (&args.listener_arn, &args.container_port, &args.vpc_id) {
            let group = ctx.create_dyn::<elb::TargetGroup>(
                &format!("{name}-targets"),
                Fields::new()
                    .set("Port", input_dyn(port))
                    .set("Protocol", value("HTTP"))
                    .set("TargetType", value("ip"))
                    .set("VpcId", input_dyn(vpc_id))
                    .set(
                        "HealthCheckPath",
                        input_dyn(&args.health_check_path.clone().unwrap_or_else(|| Input::Value("/".into()))),
                    )
                    .set("Tags", key_value_tags(args.tags.as_ref(), &format!("{name}-targets")))
                    .build(),
                child(),
            )?;
            let mut conditions = Vec::new();
            let paths = args.path_patterns.clone().unwrap_or_else(|| Input::Value(vec!["/*".to_owned()]));
            conditions.push(
                Fields::new()
                    .set("Field", value("path-pattern"))
                    .set("PathPatternConfig", Fields::new().set("Values", input_dyn(&paths)).build())
                    .build(),
            );
            if let Some(hosts) = &args.host_headers {
                conditions.push(
                    Fields::new()
                        .set("Field", value("host-header"))
                        .set("HostHeaderConfig", Fields::new().set("Values", input_dyn(hosts)).build())
                        .build(),
                );
            }
            rule = Some(
                ctx.create_dyn::<elb::ListenerRule>(
                    &format!("{name}-rule"),
                    Fields::new()
                        .set("ListenerArn", input_dyn(listener))
                        .set("Priority", input_dyn(&args.listener_rule_priority.clone().unwrap_or(Input::Value(100))))
                        .set(
                            "Actions",
                            DynInput::Array(vec![
                                Fields::new()
                                    .set("Type", value("forward"))
                                    .set("TargetGroupArn", output_dyn(&group.target_group_arn()))
                                    .build(),
                            ]),
                        )
                        .set("Conditions", DynInput::Array(conditions))
                        .build(),
                    child(),
                )?,
            );
            target_group = Some(group);
        }

        // The service (after the listener rule: a target group must be attached to a listener
        // before a service uses it).
        let desired = match &args.autoscaling {
            Some(scaling) => Input::Value(scaling.min_capacity.max(1)),
            None => args.desired_count.clone().unwrap_or(Input::Value(1)),
        };
        let public_ip = args.assign_public_ip.clone().unwrap_or(Input::Value(false)).into_output();
        let mut service_options = child();
        if let Some(rule) = &rule {
            service_options = service_options.depends_on(rule);
        }
        let service = ctx.create_dyn::<ecs::Service>(
            &format!("{name}-service"),
            Fields::new()
                .opt("ServiceName", args.service_name.as_ref().map(input_dyn))
                .set("Cluster", input_dyn(&args.cluster_name))
                .set("TaskDefinition", output_dyn(&task_definition.task_definition_arn()))
                .set("LaunchType", value("FARGATE"))
                .set("DesiredCount", input_dyn(&desired))
                .set(
                    "EnableExecuteCommand",
                    input_dyn(&args.enable_execute_command.clone().unwrap_or(Input::Value(false))),
                )
                .set(
                    "DeploymentConfiguration",
                    value(json!({"DeploymentCircuitBreaker": {"Enable": true, "Rollback": true}})),
                )
                .set(
                    "NetworkConfiguration",
                    Fields::new()
                        .set(
                            "AwsvpcConfiguration",
                            Fields::new()
                                .set("Subnets", input_dyn(&args.subnet_ids))
                                .set("SecurityGroups", input_dyn(&args.security_group_ids))
                                .set(
                                    "AssignPublicIp",
                                    DynInput::Output(
                                        public_ip.map(|on| json!(if on { "ENABLED" } else { "DISABLED" })),
                                    ),
                                )
                                .build(),
                        )
                        .build(),
                )
                .opt(
                    "LoadBalancers",
                    target_group.as_ref().zip(args.container_port.as_ref()).map(|(group, port)| {
                        DynInput::Array(vec![
                            Fields::new()
                                .set("ContainerName", input_dyn(&container_name))
                                .set("ContainerPort", input_dyn(port))
                                .set("TargetGroupArn", output_dyn(&group.target_group_arn()))
                                .build(),
                        ])
                    }),
                )
                .opt("HealthCheckGracePeriodSeconds", target_group.as_ref().map(|_| value(60)))
                .set("Tags", key_value_tags(args.tags.as_ref(), &format!("{name}-service")))
                .build(),
            service_options,
        )?;

        // Autoscaling.
        let mut scalable_target = None;
        if let Some(scaling) = &args.autoscaling {
            let plain = scaling.clone();
            let scaling = Output::new(scaling.clone());
            let resource_id = args
                .cluster_name
                .clone()
                .into_output()
                .zip(&service.name())
                .map(|(cluster, service)| format!("service/{cluster}/{service}"));
            let target = ctx.create_dyn::<autoscaling::ScalableTarget>(
                &format!("{name}-scaling"),
                Fields::new()
                    .set("ServiceNamespace", value("ecs"))
                    .set("ScalableDimension", value("ecs:service:DesiredCount"))
                    .set("ResourceId", output_dyn(&resource_id))
                    .set("MinCapacity", output_dyn(&scaling.map(|s| s.min_capacity)))
                    .set("MaxCapacity", output_dyn(&scaling.map(|s| s.max_capacity)))
                    .build(),
                child(),
            )?;
            let policy = |suffix: &str, metric: &'static str, target_value: Output<f64>| -> Result<()> {
                let config = scaling.zip(&target_value).map(move |(s, target)| {
                    json!({
                        "TargetValue": target,
                        "PredefinedMetricSpecification": {"PredefinedMetricType": metric},
                        "ScaleInCooldown": s.scale_in_cooldown.unwrap_or(300),
                        "ScaleOutCooldown": s.scale_out_cooldown.unwrap_or(60),
                    })
                });
                ctx.create_dyn::<autoscaling::ScalingPolicy>(
                    &format!("{name}-{suffix}"),
                    Fields::new()
                        .set("PolicyName", value(format!("{name}-{suffix}")))
                        .set("PolicyType", value("TargetTrackingScaling"))
                        .set("ScalingTargetId", output_dyn(&target.aws_id()))
                        .set("TargetTrackingScalingPolicyConfiguration", DynInput::Output(config))
                        .build(),
                    child(),
                )?;
                Ok(())
            };
            policy(
                "cpu",
                "ECSServiceAverageCPUUtilization",
                scaling.map(|s| s.target_cpu_utilization.unwrap_or(70.0)),
            )?;
            if let Some(memory) = plain.target_memory_utilization {
                policy("memory", "ECSServiceAverageMemoryUtilization", Output::new(memory))?;
            }
            scalable_target = Some(target);
        }

        let optional = |output: Option<Output<String>>| match output {
            Some(output) => output.map(Some),
            None => Output::new(None),
        };
        let outputs = FargateServiceOutputs {
            service_arn: service.service_arn(),
            service_name: service.name(),
            task_definition_arn: task_definition.task_definition_arn(),
            log_group_name: log_group.log_group_name(),
            execution_role_arn,
            task_role_arn: optional(task_role_arn),
            target_group_arn: optional(target_group.as_ref().map(elb::TargetGroup::target_group_arn)),
            listener_rule_arn: optional(rule.as_ref().map(elb::ListenerRule::rule_arn)),
            scalable_target_id: optional(scalable_target.as_ref().map(autoscaling::ScalableTarget::aws_id)),
        };
        component.register_outputs(&outputs);
        Ok(FargateService { component, outputs })
    }
}
