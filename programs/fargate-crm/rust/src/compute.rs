//! Compute tier (inventory B43–B51, B62–B67): the image repositories, the ECS cluster, the
//! `twenty-server` service behind the load balancer (CodeDeploy blue/green, scaled on CPU) and
//! the `twenty-worker` queue consumer (the platform `FargateService`: rolling deploys with a
//! circuit breaker, scaled on the orders queue's depth).

use std::collections::BTreeMap;

use engine_sdk::aws::{applicationautoscaling as scaling, ecr, ecs, iam, logs};
use engine_sdk::prelude::*;
use platform::{FargateService, FargateServiceArgs, PolicyStatement};

use crate::data::DataTier;
use crate::edge::EdgeTier;
use crate::network::NetworkTier;
use crate::policy::{self, allow, inline, strings, suffixed};
use crate::security::SecurityTier;
use crate::settings::Settings;

pub struct ComputeTier {
    pub server_repository: ecr::Repository,
    pub worker_repository: ecr::Repository,
    pub cluster: ecs::Cluster,
    pub execution_role: iam::Role,
    pub server_task_role: iam::Role,
    pub server_service: ecs::Service,
    pub worker: FargateService,
}

/// Untagged images are expired after two weeks.
const EXPIRE_UNTAGGED: &str = r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}"#;

/// The variables both containers get: where the database, the attachments and the queue are.
fn app_environment(data: &DataTier) -> Vec<(&'static str, Output<String>)> {
    let endpoint = data.primary_db.endpoint();
    vec![
        ("PG_DATABASE_HOST", endpoint.map(|e| e.address)),
        ("PG_DATABASE_PORT", endpoint.map(|e| e.port)),
        ("STORAGE_S3_NAME", data.attachments.bucket_name()),
        ("ORDERS_QUEUE_URL", data.orders.queue_url()),
    ]
}

/// The secrets both containers get, injected by ECS from Secrets Manager.
fn app_secrets(security: &SecurityTier) -> Vec<(&'static str, Output<String>)> {
    vec![
        ("PG_DATABASE_CREDENTIALS", security.db_master_secret.aws_id()),
        ("APP_SECRET", security.app_secret.aws_id()),
        ("PG_SUPERUSER_PASSWORD", security.pg_superuser_secret.aws_id()),
    ]
}

/// A property the cloud always returns (such as a queue's name), required here.
pub fn present(output: Output<Option<String>>, what: &'static str) -> Output<String> {
    output.try_map(move |value| value.ok_or_else(|| Error::Invalid(format!("{what} is missing"))))
}

pub fn compute(
    ctx: &Context,
    settings: &Settings,
    net: &NetworkTier,
    security: &SecurityTier,
    data: &DataTier,
    edge: &EdgeTier,
) -> Result<ComputeTier> {
    let repository = |name: &str, image: &str| {
        ecr::Repository::new(
            ctx,
            name,
            ecr::RepositoryArgs {
                repository_name: Some(format!("{}/{image}", settings.prefix).into()),
                image_scanning_configuration: Some(
                    ecr::RepositoryImageScanningConfigurationArgs { scan_on_push: Some(true.into()) }.into(),
                ),
                image_tag_mutability: Some(ecr::RepositoryImageTagMutability::Mutable.into()),
                lifecycle_policy: Some(
                    ecr::RepositoryLifecyclePolicyArgs {
                        lifecycle_policy_text: Some(EXPIRE_UNTAGGED.into()),
                        ..Default::default()
                    }
                    .into(),
                ),
                ..Default::default()
            },
            ResourceOptions::default(),
        )
    };
    let server_repository = repository("ServerRepository", "twenty-server")?;
    let worker_repository = repository("WorkerRepository", "twenty-worker")?;

    let cluster = ecs::Cluster::new(
        ctx,
        "EcsCluster",
        ecs::ClusterArgs {
            cluster_name: Some(settings.name("cluster").into()),
            cluster_settings: Some(Input::Value(vec![Input::Value(ecs::ClusterSettingsArgs {
                name: Some("containerInsights".into()),
                value: Some("enabled".into()),
            })])),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let log_group = logs::LogGroup::new(
        ctx,
        "EcsLogGroup",
        logs::LogGroupArgs {
            log_group_name: Some(format!("/ecs/{}", settings.prefix).into()),
            retention_in_days: Some(settings.log_retention_days.into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;

    // ECS reads the three secrets (and decrypts them) to inject them into both services.
    let secret_ids: Vec<Input<String>> = app_secrets(security).into_iter().map(|(_, id)| id.into()).collect();
    let execution_role = iam::Role::new(
        ctx,
        "EcsTaskExecutionRole",
        iam::RoleArgs {
            role_name: Some(settings.name("ecs-execution").into()),
            assume_role_policy_document: policy::trust("ecs-tasks.amazonaws.com").into(),
            managed_policy_arns: Some(strings([
                "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
            ])),
            policies: Some(Input::Value(vec![inline(
                "read-secrets",
                vec![
                    allow(&["secretsmanager:GetSecretValue"], secret_ids),
                    allow(&["kms:Decrypt"], [security.key.arn().into()]),
                ],
            )])),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let server_task_role = iam::Role::new(
        ctx,
        "ServerTaskRole",
        iam::RoleArgs {
            role_name: Some(settings.name("server-task").into()),
            assume_role_policy_document: policy::trust("ecs-tasks.amazonaws.com").into(),
            policies: Some(Input::Value(vec![inline(
                "server",
                vec![
                    allow(
                        &["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                        [suffixed(&data.attachments.arn(), "/*")],
                    ),
                    allow(&["s3:ListBucket"], [data.attachments.arn().into()]),
                    allow(&["kms:Decrypt", "kms:GenerateDataKey"], [security.key.arn().into()]),
                    allow(&["sqs:SendMessage"], [data.orders.arn().into()]),
                ],
            )])),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;

    // A new revision replaces the old one (every property is create-only); the service keeps
    // running the revision CodeDeploy last deployed.
    let server_task = ecs::TaskDefinition::new(
        ctx,
        "ServerTaskDefinition",
        ecs::TaskDefinitionArgs {
            family: Some(settings.name("twenty-server").into()),
            cpu: Some("512".into()),
            memory: Some("1024".into()),
            network_mode: Some(ecs::TaskDefinitionNetworkMode::Awsvpc.into()),
            requires_compatibilities: Some(Input::Value(vec![
                ecs::TaskDefinitionRequiresCompatibilities::Fargate.into(),
            ])),
            execution_role_arn: Some(execution_role.arn().into()),
            task_role_arn: Some(server_task_role.arn().into()),
            container_definitions: Some(Input::Value(vec![Input::Value(ecs::TaskDefinitionContainerDefinitionArgs {
                name: "twenty-server".into(),
                image: server_repository
                    .repository_uri()
                    .map({
                        let tag = settings.image_tag.clone();
                        move |uri| format!("{uri}:{tag}")
                    })
                    .into(),
                essential: Some(true.into()),
                log_configuration: Some(
                    ecs::TaskDefinitionLogConfigurationArgs {
                        log_driver: "awslogs".into(),
                        options: Some(Input::Value(BTreeMap::from([
                            ("awslogs-group".to_owned(), log_group.log_group_name().into()),
                            ("awslogs-region".to_owned(), settings.primary_region.clone().into()),
                            ("awslogs-stream-prefix".to_owned(), "server".into()),
                        ]))),
                        ..Default::default()
                    }
                    .into(),
                ),
                environment: Some(Input::Value(
                    app_environment(data)
                        .into_iter()
                        .map(|(name, value)| {
                            Input::Value(ecs::TaskDefinitionKeyValuePairArgs {
                                name: Some(name.into()),
                                value: Some(value.into()),
                            })
                        })
                        .collect(),
                )),
                secrets: Some(Input::Value(
                    app_secrets(security)
                        .into_iter()
                        .map(|(name, id)| {
                            Input::Value(ecs::TaskDefinitionSecretArgs { name: name.into(), value_from: id.into() })
                        })
                        .collect(),
                )),
                port_mappings: Some(Input::Value(vec![Input::Value(ecs::TaskDefinitionPortMappingArgs {
                    container_port: Some(3000.into()),
                    protocol: Some(ecs::TaskDefinitionPortMappingProtocol::Tcp.into()),
                    ..Default::default()
                })])),
                ..Default::default()
            })])),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;

    // Blue/green through CodeDeploy: after the first deployment CodeDeploy owns the task
    // definition and the target group the service points at.
    let private_subnets = || -> Input<Vec<Input<String>>> {
        net.network.private_subnet_ids.map(|ids| ids.into_iter().map(Input::Value).collect()).into()
    };
    let server_service = ecs::Service::new(
        ctx,
        "ServerService",
        ecs::ServiceArgs {
            service_name: Some(settings.name("twenty-server").into()),
            cluster: Some(cluster.cluster_name().into()),
            task_definition: Some(server_task.task_definition_arn().into()),
            launch_type: Some(ecs::ServiceLaunchType::Fargate.into()),
            desired_count: Some(settings.server_desired_count.into()),
            deployment_controller: Some(
                ecs::ServiceDeploymentControllerArgs {
                    r#type: Some(ecs::ServiceDeploymentControllerType::CodeDeploy.into()),
                }
                .into(),
            ),
            health_check_grace_period_seconds: Some(60.into()),
            enable_execute_command: Some(true.into()),
            load_balancers: Some(Input::Value(vec![Input::Value(ecs::ServiceLoadBalancerArgs {
                container_name: Some("twenty-server".into()),
                container_port: Some(3000.into()),
                target_group_arn: Some(edge.blue.target_group_arn().into()),
                ..Default::default()
            })])),
            network_configuration: Some(
                ecs::ServiceNetworkConfigurationArgs {
                    awsvpc_configuration: Some(
                        ecs::ServiceAwsVpcConfigurationArgs {
                            subnets: Some(private_subnets()),
                            security_groups: Some(strings([net.server_group.group_id()])),
                            assign_public_ip: Some(ecs::ServiceAwsVpcConfigurationAssignPublicIp::Disabled.into()),
                        }
                        .into(),
                    ),
                }
                .into(),
            ),
            ..Default::default()
        },
        // The target group must be attached to a listener before a service uses it.
        ResourceOptions::new().depends_on(&edge.https_listener).ignore_changes(["TaskDefinition", "LoadBalancers"]),
    )?;

    let worker_name = settings.name("twenty-worker");
    let mut worker_args = FargateServiceArgs::new(
        cluster.cluster_name(),
        worker_repository.repository_uri().map({
            let tag = settings.image_tag.clone();
            move |uri| format!("{uri}:{tag}")
        }),
        net.network.private_subnet_ids.clone(),
        net.worker_group.group_id().map(|id| vec![id]),
    );
    worker_args.container_name = Some("twenty-worker".into());
    worker_args.family = Some(worker_name.clone().into());
    worker_args.service_name = Some(worker_name.into());
    worker_args.cpu = Some(256.into());
    worker_args.memory = Some(512.into());
    worker_args.desired_count = Some(settings.worker_desired_count.into());
    worker_args.execution_role_arn = Some(execution_role.arn().into());
    worker_args.log_retention_days = Some(settings.log_retention_days.into());
    worker_args.environment = Some(Input::Value(
        app_environment(data).into_iter().map(|(name, value)| (name.to_owned(), value.into())).collect(),
    ));
    worker_args.secrets =
        Some(Input::Value(app_secrets(security).into_iter().map(|(name, id)| (name.to_owned(), id.into())).collect()));
    worker_args.task_policy_statements = Some(Input::Value(vec![
        PolicyStatement::allow(
            ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
            [data.orders.arn()],
        ),
        PolicyStatement::allow(["s3:GetObject", "s3:PutObject"], [suffixed(&data.attachments.arn(), "/*")]),
        PolicyStatement::allow(["kms:Decrypt", "kms:GenerateDataKey"], [security.key.arn()]),
    ]));
    let worker = FargateService::new(ctx, "twenty-worker", worker_args, ResourceOptions::default())?;

    // Autoscaling: the server on CPU, the worker on the orders queue's depth.
    let scalable_target = |name: &str, service_name: Output<String>, min: i64, max: i64| {
        scaling::ScalableTarget::new(
            ctx,
            name,
            scaling::ScalableTargetArgs {
                service_namespace: scaling::ScalableTargetServiceNamespace::Ecs.into(),
                scalable_dimension: scaling::ScalableTargetScalableDimension::EcsServiceDesiredCount.into(),
                resource_id: cluster
                    .cluster_name()
                    .zip(&service_name)
                    .map(|(cluster, service)| format!("service/{cluster}/{service}"))
                    .into(),
                min_capacity: min.into(),
                max_capacity: max.into(),
                ..Default::default()
            },
            ResourceOptions::default(),
        )
    };
    let server_target = scalable_target(
        "ServerScalableTarget",
        server_service.name(),
        settings.server_desired_count,
        settings.server_max_count,
    )?;
    scaling::ScalingPolicy::new(
        ctx,
        "ServerCpuScalingPolicy",
        scaling::ScalingPolicyArgs {
            policy_name: settings.name("twenty-server-cpu70").into(),
            policy_type: scaling::ScalingPolicyType::TargetTrackingScaling.into(),
            scaling_target_id: Some(server_target.aws_id().into()),
            target_tracking_scaling_policy_configuration: Some(
                scaling::ScalingPolicyTargetTrackingScalingPolicyConfigurationArgs {
                    target_value: 70.0.into(),
                    predefined_metric_specification: Some(
                        scaling::ScalingPolicyPredefinedMetricSpecificationArgs {
                            predefined_metric_type:
                                scaling::ScalingPolicyPredefinedMetricSpecificationPredefinedMetricType::EcsServiceAverageCpuUtilization
                                    .into(),
                            ..Default::default()
                        }
                        .into(),
                    ),
                    scale_in_cooldown: Some(300.into()),
                    scale_out_cooldown: Some(60.into()),
                    ..Default::default()
                }
                .into(),
            ),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let worker_target = scalable_target(
        "WorkerScalableTarget",
        worker.service_name.clone(),
        settings.worker_desired_count,
        settings.worker_max_count,
    )?;
    scaling::ScalingPolicy::new(
        ctx,
        "WorkerQueueScalingPolicy",
        scaling::ScalingPolicyArgs {
            policy_name: settings.name("twenty-worker-queue-depth").into(),
            policy_type: scaling::ScalingPolicyType::TargetTrackingScaling.into(),
            scaling_target_id: Some(worker_target.aws_id().into()),
            target_tracking_scaling_policy_configuration: Some(
                scaling::ScalingPolicyTargetTrackingScalingPolicyConfigurationArgs {
                    target_value: 100.0.into(),
                    customized_metric_specification: Some(
                        scaling::ScalingPolicyCustomizedMetricSpecificationArgs {
                            namespace: Some("AWS/SQS".into()),
                            metric_name: Some("ApproximateNumberOfMessagesVisible".into()),
                            dimensions: Some(Input::Value(vec![Input::Value(
                                scaling::ScalingPolicyMetricDimensionArgs {
                                    name: "QueueName".into(),
                                    value: present(data.orders.queue_name(), "the orders queue's name").into(),
                                },
                            )])),
                            statistic: Some(
                                scaling::ScalingPolicyCustomizedMetricSpecificationStatistic::Average.into(),
                            ),
                            ..Default::default()
                        }
                        .into(),
                    ),
                    ..Default::default()
                }
                .into(),
            ),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;

    Ok(ComputeTier {
        server_repository,
        worker_repository,
        cluster,
        execution_role,
        server_task_role,
        server_service,
        worker,
    })
}
