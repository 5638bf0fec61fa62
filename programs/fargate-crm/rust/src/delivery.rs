//! Delivery (inventory B79–B84): the GitHub connection (activated by hand in the console), the
//! V2 pipeline — source, image builds pushed to ECR and the deployment files rendered on
//! pipeline-managed compute (no CodeBuild project: Cloud Control cannot create one), manual
//! approval, then CodeDeploy blue/green for the server and a rolling ECS deploy of the worker.

use engine_sdk::aws::{codedeploy as cd, codepipeline as cp, codestarconnections as csc, iam};
use engine_sdk::prelude::*;
use serde_json::json;

use crate::compute::{ComputeTier, present};
use crate::data::DataTier;
use crate::edge::EdgeTier;
use crate::monitoring::MonitoringTier;
use crate::policy::{self, allow, inline, strings, suffixed};
use crate::settings::Settings;

pub struct DeliveryTier {
    pub connection: csc::Connection,
    pub pipeline: cp::Pipeline,
}

pub fn delivery(
    ctx: &Context,
    settings: &Settings,
    data: &DataTier,
    edge: &EdgeTier,
    compute: &ComputeTier,
    monitoring: &MonitoringTier,
) -> Result<DeliveryTier> {
    let connection = csc::Connection::new(
        ctx,
        "GitHubConnection",
        csc::ConnectionArgs {
            connection_name: settings.name("github").into(),
            provider_type: Some(csc::ConnectionProviderType::GitHub.into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let pipeline_name = settings.name("pipeline");
    let worker_task_role: Input<String> =
        present(compute.worker.task_role_arn.clone(), "the worker's task role").into();
    let pipeline_role = iam::Role::new(
        ctx,
        "CodePipelineRole",
        iam::RoleArgs {
            role_name: Some(settings.name("codepipeline").into()),
            assume_role_policy_document: policy::trust("codepipeline.amazonaws.com").into(),
            policies: Some(Input::Value(vec![inline(
                "pipeline",
                vec![
                    allow(
                        &["s3:GetObject", "s3:PutObject", "s3:GetBucketVersioning", "s3:GetObjectVersion"],
                        [data.artifacts.arn().into(), suffixed(&data.artifacts.arn(), "/*")],
                    ),
                    allow(
                        &["codestar-connections:UseConnection", "codeconnections:UseConnection"],
                        [connection.connection_arn().into()],
                    ),
                    allow(&["ecr:GetAuthorizationToken"], ["*".into()]),
                    allow(
                        &[
                            "ecr:BatchCheckLayerAvailability",
                            "ecr:InitiateLayerUpload",
                            "ecr:UploadLayerPart",
                            "ecr:CompleteLayerUpload",
                            "ecr:PutImage",
                            "ecr:BatchGetImage",
                            "ecr:DescribeRepositories",
                            "ecr:DescribeImages",
                        ],
                        [compute.server_repository.arn().into(), compute.worker_repository.arn().into()],
                    ),
                    allow(
                        &["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                        [settings
                            .arn(
                                "logs",
                                &settings.primary_region,
                                &format!("log-group:/aws/codepipeline/{pipeline_name}*"),
                            )
                            .into()],
                    ),
                    allow(
                        &[
                            "codedeploy:CreateDeployment",
                            "codedeploy:GetDeployment",
                            "codedeploy:GetApplication",
                            "codedeploy:GetApplicationRevision",
                            "codedeploy:RegisterApplicationRevision",
                            "codedeploy:GetDeploymentConfig",
                        ],
                        ["*".into()],
                    ),
                    allow(
                        &[
                            "ecs:RegisterTaskDefinition",
                            "ecs:DescribeServices",
                            "ecs:DescribeTaskDefinition",
                            "ecs:UpdateService",
                            "ecs:TagResource",
                        ],
                        ["*".into()],
                    ),
                    allow(
                        &["iam:PassRole"],
                        [compute.execution_role.arn().into(), compute.server_task_role.arn().into(), worker_task_role],
                    ),
                    allow(&["sns:Publish"], [monitoring.alerts.topic_arn().into()]),
                ],
            )])),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let codedeploy_role = iam::Role::new(
        ctx,
        "CodeDeployRole",
        iam::RoleArgs {
            role_name: Some(settings.name("codedeploy").into()),
            assume_role_policy_document: policy::trust("codedeploy.amazonaws.com").into(),
            managed_policy_arns: Some(strings(["arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS"])),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let application = cd::Application::new(
        ctx,
        "CodeDeployApplication",
        cd::ApplicationArgs {
            application_name: Some(settings.name("server").into()),
            compute_platform: Some(cd::ApplicationComputePlatform::Ecs.into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    // By the groups' `Name` (known before they exist, unlike the read-only `TargetGroupName`: the
    // engine's preview validation sees two unknown names as equal items; see the README).
    let target_group = |group: &engine_sdk::aws::elasticloadbalancingv2::TargetGroup| {
        Input::Value(cd::DeploymentGroupTargetGroupInfoArgs {
            name: Some(present(group.name(), "a target group's name").into()),
        })
    };
    let deployment_group = cd::DeploymentGroup::new(
        ctx,
        "CodeDeployDeploymentGroup",
        cd::DeploymentGroupArgs {
            application_name: application.application_name().into(),
            deployment_group_name: Some(settings.name("server-bluegreen").into()),
            service_role_arn: codedeploy_role.arn().into(),
            deployment_config_name: Some("CodeDeployDefault.ECSAllAtOnce".into()),
            deployment_style: Some(
                cd::DeploymentGroupDeploymentStyleArgs {
                    deployment_type: Some(cd::DeploymentGroupDeploymentStyleDeploymentType::BlueGreen.into()),
                    deployment_option: Some(
                        cd::DeploymentGroupDeploymentStyleDeploymentOption::WithTrafficControl.into(),
                    ),
                }
                .into(),
            ),
            blue_green_deployment_configuration: Some(
                cd::DeploymentGroupBlueGreenDeploymentConfigurationArgs {
                    deployment_ready_option: Some(
                        cd::DeploymentGroupDeploymentReadyOptionArgs {
                            action_on_timeout: Some(
                                cd::DeploymentGroupDeploymentReadyOptionActionOnTimeout::ContinueDeployment.into(),
                            ),
                            ..Default::default()
                        }
                        .into(),
                    ),
                    terminate_blue_instances_on_deployment_success: Some(
                        cd::DeploymentGroupBlueInstanceTerminationOptionArgs {
                            action: Some(cd::DeploymentGroupBlueInstanceTerminationOptionAction::Terminate.into()),
                            termination_wait_time_in_minutes: Some(5.into()),
                        }
                        .into(),
                    ),
                    ..Default::default()
                }
                .into(),
            ),
            ecs_services: Some(Input::Value(vec![Input::Value(cd::DeploymentGroupEcsServiceArgs {
                cluster_name: compute.cluster.cluster_name().into(),
                service_name: compute.server_service.name().into(),
            })])),
            load_balancer_info: Some(
                cd::DeploymentGroupLoadBalancerInfoArgs {
                    target_group_pair_info_list: Some(Input::Value(vec![Input::Value(
                        cd::DeploymentGroupTargetGroupPairInfoArgs {
                            target_groups: Some(Input::Value(vec![
                                target_group(&edge.blue),
                                target_group(&edge.green),
                            ])),
                            prod_traffic_route: Some(
                                cd::DeploymentGroupTrafficRouteArgs {
                                    listener_arns: Some(strings([edge.https_listener.listener_arn()])),
                                }
                                .into(),
                            ),
                            ..Default::default()
                        },
                    )])),
                    ..Default::default()
                }
                .into(),
            ),
            auto_rollback_configuration: Some(
                cd::DeploymentGroupAutoRollbackConfigurationArgs {
                    enabled: Some(true.into()),
                    events: Some(Input::Value(vec![
                        cd::DeploymentGroupAutoRollbackConfigurationEvents::DeploymentFailure.into(),
                        cd::DeploymentGroupAutoRollbackConfigurationEvents::DeploymentStopOnAlarm.into(),
                    ])),
                }
                .into(),
            ),
            alarm_configuration: Some(
                cd::DeploymentGroupAlarmConfigurationArgs {
                    enabled: Some(true.into()),
                    alarms: Some(Input::Value(vec![Input::Value(cd::DeploymentGroupAlarmArgs {
                        name: Some(monitoring.alb_5xx.alarm_name().into()),
                    })])),
                    ..Default::default()
                }
                .into(),
            ),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;

    let action_type = |category: cp::PipelineActionTypeIdCategory, provider: &str| cp::PipelineActionTypeIdArgs {
        category: category.into(),
        owner: "AWS".into(),
        provider: provider.into(),
        version: "1".into(),
    };
    let artifacts = |names: &[&str]| -> Option<Input<Vec<Input<cp::PipelineInputArtifactArgs>>>> {
        Some(Input::Value(
            names.iter().map(|name| Input::Value(cp::PipelineInputArtifactArgs { name: (*name).into() })).collect(),
        ))
    };
    let build_image = |name: &str, namespace: &str, repository: Output<String>, dockerfile: &'static str| {
        Input::Value(cp::PipelineActionDeclarationArgs {
            name: name.into(),
            run_order: Some(1.into()),
            namespace: Some(namespace.into()),
            action_type_id: action_type(cp::PipelineActionTypeIdCategory::Build, "ECRBuildAndPublish").into(),
            configuration: Some(
                repository
                    .map(move |repository| {
                        json!({ "ECRRepositoryName": repository, "DockerFilePath": dockerfile, "ImageTags": "latest" })
                    })
                    .into(),
            ),
            input_artifacts: artifacts(&["Src"]),
            ..Default::default()
        })
    };
    let source = cp::PipelineActionDeclarationArgs {
        name: "GitHub".into(),
        action_type_id: action_type(cp::PipelineActionTypeIdCategory::Source, "CodeStarSourceConnection").into(),
        configuration: Some(
            connection
                .connection_arn()
                .map({
                    let repo = settings.github_repo.clone();
                    let branch = settings.github_branch.clone();
                    move |arn| {
                        json!({
                            "ConnectionArn": arn,
                            "FullRepositoryId": repo,
                            "BranchName": branch,
                            "OutputArtifactFormat": "CODE_ZIP",
                        })
                    }
                })
                .into(),
        ),
        output_artifacts: Some(Input::Value(vec![Input::Value(cp::PipelineOutputArtifactArgs {
            name: "Src".into(),
            ..Default::default()
        })])),
        ..Default::default()
    };
    let render = cp::PipelineActionDeclarationArgs {
        name: "RenderDeployFiles".into(),
        run_order: Some(2.into()),
        action_type_id: action_type(cp::PipelineActionTypeIdCategory::Compute, "Commands").into(),
        commands: Some(strings(["./deploy/render.sh"])),
        input_artifacts: artifacts(&["Src"]),
        output_artifacts: Some(Input::Value(vec![Input::Value(cp::PipelineOutputArtifactArgs {
            name: "DeployFiles".into(),
            files: Some(strings(["taskdef.json", "appspec.yaml", "imageDetail.json", "imagedefinitions.json"])),
        })])),
        ..Default::default()
    };
    let approval = cp::PipelineActionDeclarationArgs {
        name: "ManualApproval".into(),
        action_type_id: action_type(cp::PipelineActionTypeIdCategory::Approval, "Manual").into(),
        configuration: Some(monitoring.alerts.topic_arn().map(|arn| json!({ "NotificationArn": arn })).into()),
        ..Default::default()
    };
    let blue_green = cp::PipelineActionDeclarationArgs {
        name: "BlueGreenServer".into(),
        action_type_id: action_type(cp::PipelineActionTypeIdCategory::Deploy, "CodeDeployToECS").into(),
        configuration: Some(
            application
                .application_name()
                .zip(&deployment_group.deployment_group_name())
                .map(|(application, group)| {
                    json!({
                        "ApplicationName": application,
                        "DeploymentGroupName": group,
                        "TaskDefinitionTemplateArtifact": "DeployFiles",
                        "TaskDefinitionTemplatePath": "taskdef.json",
                        "AppSpecTemplateArtifact": "DeployFiles",
                        "AppSpecTemplatePath": "appspec.yaml",
                        "Image1ArtifactName": "DeployFiles",
                        "Image1ContainerName": "IMAGE1_NAME",
                    })
                })
                .into(),
        ),
        input_artifacts: artifacts(&["DeployFiles"]),
        ..Default::default()
    };
    let rolling = cp::PipelineActionDeclarationArgs {
        name: "RollingWorker".into(),
        action_type_id: action_type(cp::PipelineActionTypeIdCategory::Deploy, "ECS").into(),
        configuration: Some(
            compute
                .cluster
                .cluster_name()
                .zip(&compute.worker.service_name)
                .map(|(cluster, service)| {
                    json!({ "ClusterName": cluster, "ServiceName": service, "FileName": "imagedefinitions.json" })
                })
                .into(),
        ),
        input_artifacts: artifacts(&["DeployFiles"]),
        ..Default::default()
    };
    let stage = |name: &str, actions: Vec<Input<cp::PipelineActionDeclarationArgs>>| {
        Input::Value(cp::PipelineStageDeclarationArgs {
            name: name.into(),
            actions: Input::Value(actions),
            ..Default::default()
        })
    };
    let pipeline = cp::Pipeline::new(
        ctx,
        "CrmPipeline",
        cp::PipelineArgs {
            name: Some(pipeline_name.into()),
            pipeline_type: Some(cp::PipelineType::V2.into()),
            execution_mode: Some(cp::PipelineExecutionMode::Queued.into()),
            role_arn: pipeline_role.arn().into(),
            artifact_store: Some(
                cp::PipelineArtifactStoreArgs {
                    r#type: cp::PipelineArtifactStoreType::S3.into(),
                    location: data.artifacts.bucket_name().into(),
                    ..Default::default()
                }
                .into(),
            ),
            stages: Input::Value(vec![
                stage("Source", vec![Input::Value(source)]),
                stage(
                    "Build",
                    vec![
                        build_image(
                            "BuildServerImage",
                            "ServerImage",
                            compute.server_repository.repository_name(),
                            "packages/twenty-docker/twenty",
                        ),
                        build_image(
                            "BuildWorkerImage",
                            "WorkerImage",
                            compute.worker_repository.repository_name(),
                            "packages/twenty-docker/worker",
                        ),
                        Input::Value(render),
                    ],
                ),
                stage("Approval", vec![Input::Value(approval)]),
                stage("Deploy", vec![Input::Value(blue_green), Input::Value(rolling)]),
            ]),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    Ok(DeliveryTier { connection, pipeline })
}
