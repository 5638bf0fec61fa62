"""Delivery (inventory B79–B84): the GitHub connection (activated by hand in the console), the V2
pipeline — source, image builds pushed to ECR and the deployment files rendered on
pipeline-managed compute (no CodeBuild project: Cloud Control cannot create one), manual approval,
then CodeDeploy blue/green for the server and a rolling ECS deploy of the worker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List

from engine_sdk import Output
from engine_sdk.aws import codedeploy, codepipeline, codestarconnections, iam

from . import policy
from .compute import ComputeTier
from .data import DataTier
from .edge import EdgeTier
from .monitoring import MonitoringTier
from .outputs import present
from .policy import allow
from .settings import Settings


@dataclass
class DeliveryTier:
    connection: codestarconnections.Connection
    pipeline: codepipeline.Pipeline


def action_type(category: codepipeline.PipelineActionTypeIdCategory, provider: str) -> codepipeline.PipelineActionTypeIdArgs:
    return {"category": category, "owner": "AWS", "provider": provider, "version": "1"}


def artifacts(*names: str) -> List[codepipeline.PipelineInputArtifactArgs]:
    return [{"name": name} for name in names]


def delivery(
    settings: Settings, data: DataTier, edge: EdgeTier, compute: ComputeTier, monitoring: MonitoringTier
) -> DeliveryTier:
    connection = codestarconnections.Connection(
        "GitHubConnection", connection_name=settings.name("github"), provider_type="GitHub"
    )
    pipeline_name = settings.name("pipeline")
    pipeline_role = iam.Role(
        "CodePipelineRole",
        role_name=settings.name("codepipeline"),
        assume_role_policy_document=policy.trust("codepipeline.amazonaws.com"),
        policies=policy.inline(
            "pipeline",
            allow(
                ["s3:GetObject", "s3:PutObject", "s3:GetBucketVersioning", "s3:GetObjectVersion"],
                [data.artifacts.arn, data.artifacts.arn.apply(lambda arn: f"{arn}/*")],
            ),
            allow(
                ["codestar-connections:UseConnection", "codeconnections:UseConnection"],
                [connection.connection_arn],
            ),
            allow(["ecr:GetAuthorizationToken"], ["*"]),
            allow(
                [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:InitiateLayerUpload",
                    "ecr:UploadLayerPart",
                    "ecr:CompleteLayerUpload",
                    "ecr:PutImage",
                    "ecr:BatchGetImage",
                    "ecr:DescribeRepositories",
                    "ecr:DescribeImages",
                ],
                [compute.server_repository.arn, compute.worker_repository.arn],
            ),
            allow(
                ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                [settings.arn("logs", settings.primary_region, f"log-group:/aws/codepipeline/{pipeline_name}*")],
            ),
            allow(
                [
                    "codedeploy:CreateDeployment",
                    "codedeploy:GetDeployment",
                    "codedeploy:GetApplication",
                    "codedeploy:GetApplicationRevision",
                    "codedeploy:RegisterApplicationRevision",
                    "codedeploy:GetDeploymentConfig",
                ],
                ["*"],
            ),
            allow(
                [
                    "ecs:RegisterTaskDefinition",
                    "ecs:DescribeServices",
                    "ecs:DescribeTaskDefinition",
                    "ecs:UpdateService",
                    "ecs:TagResource",
                ],
                ["*"],
            ),
            allow(
                ["iam:PassRole"],
                [
                    compute.execution_role.arn,
                    compute.server_task_role.arn,
                    present(compute.worker.task_role_arn, "the worker's task role"),
                ],
            ),
            allow(["sns:Publish"], [monitoring.alerts.topic_arn]),
        ),
    )
    codedeploy_role = iam.Role(
        "CodeDeployRole",
        role_name=settings.name("codedeploy"),
        assume_role_policy_document=policy.trust("codedeploy.amazonaws.com"),
        managed_policy_arns=["arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS"],
    )
    application = codedeploy.Application(
        "CodeDeployApplication", application_name=settings.name("server"), compute_platform="ECS"
    )
    deployment_group = codedeploy.DeploymentGroup(
        "CodeDeployDeploymentGroup",
        application_name=application.application_name,
        deployment_group_name=settings.name("server-bluegreen"),
        service_role_arn=codedeploy_role.arn,
        deployment_config_name="CodeDeployDefault.ECSAllAtOnce",
        deployment_style={"deployment_type": "BLUE_GREEN", "deployment_option": "WITH_TRAFFIC_CONTROL"},
        blue_green_deployment_configuration={
            "deployment_ready_option": {"action_on_timeout": "CONTINUE_DEPLOYMENT"},
            "terminate_blue_instances_on_deployment_success": {
                "action": "TERMINATE",
                "termination_wait_time_in_minutes": 5,
            },
        },
        ecs_services=[{"cluster_name": compute.cluster.cluster_name, "service_name": compute.server_service.name}],
        load_balancer_info={
            "target_group_pair_info_list": [
                {
                    # By the groups' `Name` (known before they exist, unlike the read-only
                    # `TargetGroupName`: the engine's preview validation sees two unknown names
                    # as equal items; see the README).
                    "target_groups": [
                        {"name": present(edge.blue.name, "a target group's name")},
                        {"name": present(edge.green.name, "a target group's name")},
                    ],
                    "prod_traffic_route": {"listener_arns": [edge.https_listener.listener_arn]},
                }
            ]
        },
        auto_rollback_configuration={"enabled": True, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]},
        alarm_configuration={"enabled": True, "alarms": [{"name": monitoring.alb_5xx.alarm_name}]},
    )

    def build_image(
        name: str, namespace: str, repository: Output[str], dockerfile: str
    ) -> codepipeline.PipelineActionDeclarationArgs:
        return {
            "name": name,
            "run_order": 1,
            "namespace": namespace,
            "action_type_id": action_type("Build", "ECRBuildAndPublish"),
            "configuration": {"ECRRepositoryName": repository, "DockerFilePath": dockerfile, "ImageTags": "latest"},
            "input_artifacts": artifacts("Src"),
        }

    pipeline = codepipeline.Pipeline(
        "CrmPipeline",
        name=pipeline_name,
        pipeline_type="V2",
        execution_mode="QUEUED",
        role_arn=pipeline_role.arn,
        artifact_store={"type": "S3", "location": data.artifacts.bucket_name},
        stages=[
            {
                "name": "Source",
                "actions": [
                    {
                        "name": "GitHub",
                        "action_type_id": action_type("Source", "CodeStarSourceConnection"),
                        "configuration": {
                            "ConnectionArn": connection.connection_arn,
                            "FullRepositoryId": settings.github_repo,
                            "BranchName": settings.github_branch,
                            "OutputArtifactFormat": "CODE_ZIP",
                        },
                        "output_artifacts": [{"name": "Src"}],
                    }
                ],
            },
            {
                "name": "Build",
                "actions": [
                    build_image(
                        "BuildServerImage",
                        "ServerImage",
                        compute.server_repository.repository_name,
                        "packages/twenty-docker/twenty",
                    ),
                    build_image(
                        "BuildWorkerImage",
                        "WorkerImage",
                        compute.worker_repository.repository_name,
                        "packages/twenty-docker/worker",
                    ),
                    {
                        "name": "RenderDeployFiles",
                        "run_order": 2,
                        "action_type_id": action_type("Compute", "Commands"),
                        "commands": ["./deploy/render.sh"],
                        "input_artifacts": artifacts("Src"),
                        "output_artifacts": [
                            {
                                "name": "DeployFiles",
                                "files": ["taskdef.json", "appspec.yaml", "imageDetail.json", "imagedefinitions.json"],
                            }
                        ],
                    },
                ],
            },
            {
                "name": "Approval",
                "actions": [
                    {
                        "name": "ManualApproval",
                        "action_type_id": action_type("Approval", "Manual"),
                        "configuration": {"NotificationArn": monitoring.alerts.topic_arn},
                    }
                ],
            },
            {
                "name": "Deploy",
                "actions": [
                    {
                        "name": "BlueGreenServer",
                        "action_type_id": action_type("Deploy", "CodeDeployToECS"),
                        "configuration": {
                            "ApplicationName": application.application_name,
                            "DeploymentGroupName": deployment_group.deployment_group_name,
                            "TaskDefinitionTemplateArtifact": "DeployFiles",
                            "TaskDefinitionTemplatePath": "taskdef.json",
                            "AppSpecTemplateArtifact": "DeployFiles",
                            "AppSpecTemplatePath": "appspec.yaml",
                            "Image1ArtifactName": "DeployFiles",
                            "Image1ContainerName": "IMAGE1_NAME",
                        },
                        "input_artifacts": artifacts("DeployFiles"),
                    },
                    {
                        "name": "RollingWorker",
                        "action_type_id": action_type("Deploy", "ECS"),
                        "configuration": {
                            "ClusterName": compute.cluster.cluster_name,
                            "ServiceName": compute.worker.service_name,
                            "FileName": "imagedefinitions.json",
                        },
                        "input_artifacts": artifacts("DeployFiles"),
                    },
                ],
            },
        ],
    )
    return DeliveryTier(connection, pipeline)
