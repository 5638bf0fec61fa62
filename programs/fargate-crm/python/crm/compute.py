"""Compute tier (inventory B43–B51, B62–B67): the image repositories, the ECS cluster, the
``twenty-server`` service behind the load balancer (CodeDeploy blue/green, scaled on CPU) and the
``twenty-worker`` queue consumer (the platform ``FargateService``: rolling deploys with a circuit
breaker, scaled on the orders queue's depth)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple

from engine_sdk import Output, ResourceOptions
from engine_sdk.aws import applicationautoscaling as scaling
from engine_sdk.aws import ecr, ecs, iam, logs
from generated.platform import FargateService

from . import policy
from .data import DataTier
from .edge import EdgeTier
from .network import NetworkTier
from .outputs import present
from .policy import allow
from .security import SecurityTier
from .settings import Settings

EXPIRE_UNTAGGED = (
    '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed",'
    '"countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}'
)
"""Untagged images are expired after two weeks."""


@dataclass
class ComputeTier:
    server_repository: ecr.Repository
    worker_repository: ecr.Repository
    cluster: ecs.Cluster
    execution_role: iam.Role
    server_task_role: iam.Role
    server_service: ecs.Service
    worker: FargateService


def app_environment(data: DataTier) -> List[Tuple[str, Output[str]]]:
    """The variables both containers get: where the database, the attachments and the queue are."""
    return [
        ("PG_DATABASE_HOST", data.primary_db.endpoint["address"]),
        ("PG_DATABASE_PORT", data.primary_db.endpoint["port"]),
        ("STORAGE_S3_NAME", data.attachments.bucket_name),
        ("ORDERS_QUEUE_URL", data.orders.queue_url),
    ]


def app_secrets(security: SecurityTier) -> List[Tuple[str, Output[str]]]:
    """The secrets both containers get, injected by ECS from Secrets Manager."""
    return [
        ("PG_DATABASE_CREDENTIALS", security.db_master_secret.aws_id),
        ("APP_SECRET", security.app_secret.aws_id),
        ("PG_SUPERUSER_PASSWORD", security.pg_superuser_secret.aws_id),
    ]


def with_tag(repository: ecr.Repository, tag: str) -> Output[str]:
    return repository.repository_uri.apply(lambda uri: f"{uri}:{tag}")


def compute(
    settings: Settings, net: NetworkTier, security: SecurityTier, data: DataTier, edge: EdgeTier
) -> ComputeTier:
    def repository(name: str, image: str) -> ecr.Repository:
        return ecr.Repository(
            name,
            repository_name=f"{settings.prefix}/{image}",
            image_scanning_configuration={"scan_on_push": True},
            image_tag_mutability="MUTABLE",
            lifecycle_policy={"lifecycle_policy_text": EXPIRE_UNTAGGED},
        )

    server_repository = repository("ServerRepository", "twenty-server")
    worker_repository = repository("WorkerRepository", "twenty-worker")

    cluster = ecs.Cluster(
        "EcsCluster",
        cluster_name=settings.name("cluster"),
        cluster_settings=[{"name": "containerInsights", "value": "enabled"}],
    )
    log_group = logs.LogGroup(
        "EcsLogGroup",
        log_group_name=f"/ecs/{settings.prefix}",
        retention_in_days=settings.log_retention_days,
    )

    # ECS reads the three secrets (and decrypts them) to inject them into both services.
    execution_role = iam.Role(
        "EcsTaskExecutionRole",
        role_name=settings.name("ecs-execution"),
        assume_role_policy_document=policy.trust("ecs-tasks.amazonaws.com"),
        managed_policy_arns=["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"],
        policies=policy.inline(
            "read-secrets",
            allow(["secretsmanager:GetSecretValue"], [arn for _, arn in app_secrets(security)]),
            allow(["kms:Decrypt"], [security.key.arn]),
        ),
    )
    attachment_objects = data.attachments.arn.apply(lambda arn: f"{arn}/*")
    server_task_role = iam.Role(
        "ServerTaskRole",
        role_name=settings.name("server-task"),
        assume_role_policy_document=policy.trust("ecs-tasks.amazonaws.com"),
        policies=policy.inline(
            "server",
            allow(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [attachment_objects]),
            allow(["s3:ListBucket"], [data.attachments.arn]),
            allow(["kms:Decrypt", "kms:GenerateDataKey"], [security.key.arn]),
            allow(["sqs:SendMessage"], [data.orders.arn]),
        ),
    )

    # A new revision replaces the old one (every property is create-only); the service keeps
    # running the revision CodeDeploy last deployed.
    server_task = ecs.TaskDefinition(
        "ServerTaskDefinition",
        family=settings.name("twenty-server"),
        cpu="512",
        memory="1024",
        network_mode="awsvpc",
        requires_compatibilities=["FARGATE"],
        execution_role_arn=execution_role.arn,
        task_role_arn=server_task_role.arn,
        container_definitions=[
            {
                "name": "twenty-server",
                "image": with_tag(server_repository, settings.image_tag),
                "essential": True,
                "log_configuration": {
                    "log_driver": "awslogs",
                    "options": {
                        "awslogs-group": log_group.log_group_name,
                        "awslogs-region": settings.primary_region,
                        "awslogs-stream-prefix": "server",
                    },
                },
                "environment": [{"name": name, "value": value} for name, value in app_environment(data)],
                "secrets": [{"name": name, "value_from": arn} for name, arn in app_secrets(security)],
                "port_mappings": [{"container_port": 3000, "protocol": "tcp"}],
            }
        ],
    )

    # Blue/green through CodeDeploy: after the first deployment CodeDeploy owns the task
    # definition and the target group the service points at.
    server_service = ecs.Service(
        "ServerService",
        service_name=settings.name("twenty-server"),
        cluster=cluster.cluster_name,
        task_definition=server_task.task_definition_arn,
        launch_type="FARGATE",
        desired_count=settings.server_desired_count,
        deployment_controller={"type": "CODE_DEPLOY"},
        health_check_grace_period_seconds=60,
        enable_execute_command=True,
        load_balancers=[
            {"container_name": "twenty-server", "container_port": 3000, "target_group_arn": edge.blue.target_group_arn}
        ],
        network_configuration={
            "awsvpc_configuration": {
                "subnets": net.network.private_subnet_ids,
                "security_groups": [net.server_group.group_id],
                "assign_public_ip": "DISABLED",
            }
        },
        # The target group must be attached to a listener before a service uses it.
        opts=ResourceOptions(depends_on=[edge.https_listener], ignore_changes=["TaskDefinition", "LoadBalancers"]),
    )

    worker_name = settings.name("twenty-worker")
    worker = FargateService(
        "twenty-worker",
        cluster_name=cluster.cluster_name,
        image=with_tag(worker_repository, settings.image_tag),
        subnet_ids=net.network.private_subnet_ids,
        security_group_ids=[net.worker_group.group_id],
        container_name="twenty-worker",
        family=worker_name,
        service_name=worker_name,
        cpu=256,
        memory=512,
        desired_count=settings.worker_desired_count,
        execution_role_arn=execution_role.arn,
        log_retention_days=settings.log_retention_days,
        environment=dict(app_environment(data)),
        secrets=dict(app_secrets(security)),
        task_policy_statements=[
            {
                "actions": [
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:ChangeMessageVisibility",
                    "sqs:GetQueueAttributes",
                ],
                "resources": [data.orders.arn],
            },
            {"actions": ["s3:GetObject", "s3:PutObject"], "resources": [attachment_objects]},
            {"actions": ["kms:Decrypt", "kms:GenerateDataKey"], "resources": [security.key.arn]},
        ],
    )

    # Autoscaling: the server on CPU, the worker on the orders queue's depth.
    def scalable_target(name: str, service_name: Output[str], low: int, high: int) -> scaling.ScalableTarget:
        return scaling.ScalableTarget(
            name,
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=Output.format("service/{}/{}", cluster.cluster_name, service_name),
            min_capacity=low,
            max_capacity=high,
        )

    server_target = scalable_target(
        "ServerScalableTarget", server_service.name, settings.server_desired_count, settings.server_max_count
    )
    scaling.ScalingPolicy(
        "ServerCpuScalingPolicy",
        policy_name=settings.name("twenty-server-cpu70"),
        policy_type="TargetTrackingScaling",
        scaling_target_id=server_target.aws_id,
        target_tracking_scaling_policy_configuration={
            "target_value": 70,
            "predefined_metric_specification": {"predefined_metric_type": "ECSServiceAverageCPUUtilization"},
            "scale_in_cooldown": 300,
            "scale_out_cooldown": 60,
        },
    )
    worker_target = scalable_target(
        "WorkerScalableTarget", worker.service_name, settings.worker_desired_count, settings.worker_max_count
    )
    scaling.ScalingPolicy(
        "WorkerQueueScalingPolicy",
        policy_name=settings.name("twenty-worker-queue-depth"),
        policy_type="TargetTrackingScaling",
        scaling_target_id=worker_target.aws_id,
        target_tracking_scaling_policy_configuration={
            "target_value": 100,
            "customized_metric_specification": {
                "namespace": "AWS/SQS",
                "metric_name": "ApproximateNumberOfMessagesVisible",
                "dimensions": [{"name": "QueueName", "value": present(data.orders.queue_name, "the orders queue's name")}],
                "statistic": "Average",
            },
        },
    )
    return ComputeTier(
        server_repository, worker_repository, cluster, execution_role, server_task_role, server_service, worker
    )
