"""Monitoring (inventory B71–B78): the alerts topic with its e-mail subscription (confirmed by the
recipient, out of band) and the alarms on the load balancer, the server service, the database,
the backups and the orders dead-letter queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple

from engine_sdk import Output
from engine_sdk.aws import cloudwatch, sns

from .backup import BackupTier
from .compute import ComputeTier
from .data import DataTier
from .edge import EdgeTier
from .outputs import present
from .settings import Settings


@dataclass
class MonitoringTier:
    alerts: sns.Topic
    alb_5xx: cloudwatch.Alarm


def monitoring(
    settings: Settings, data: DataTier, edge: EdgeTier, compute: ComputeTier, backup: BackupTier
) -> MonitoringTier:
    alerts = sns.Topic("AlertsTopic", topic_name=settings.name("alerts"))
    sns.Subscription(
        "AlertsEmailSubscription", topic_arn=alerts.topic_arn, protocol="email", endpoint=settings.alert_email
    )

    def alarm(
        name: str,
        *,
        suffix: str,
        namespace: str,
        metric: str,
        dimensions: List[Tuple[str, Output[str]]],
        statistic: cloudwatch.AlarmStatistic,
        period: int,
        evaluation_periods: int,
        threshold: float,
    ) -> cloudwatch.Alarm:
        """One metric alarm notifying the alerts topic (missing data is not breaching)."""
        return cloudwatch.Alarm(
            name,
            alarm_name=settings.name(suffix),
            namespace=namespace,
            metric_name=metric,
            dimensions=[{"name": key, "value": value} for key, value in dimensions],
            statistic=statistic,
            period=period,
            evaluation_periods=evaluation_periods,
            threshold=threshold,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=[alerts.topic_arn],
        )

    # Also the trigger of CodeDeploy's automatic rollback.
    alb_5xx = alarm(
        "Alb5xxAlarm",
        suffix="alb-5xx",
        namespace="AWS/ApplicationELB",
        metric="HTTPCode_Target_5XX_Count",
        dimensions=[("LoadBalancer", edge.alb.load_balancer_full_name)],
        statistic="Sum",
        period=60,
        evaluation_periods=1,
        threshold=10,
    )
    server = [("ClusterName", compute.cluster.cluster_name), ("ServiceName", compute.server_service.name)]
    alarm(
        "EcsCpuHighAlarm",
        suffix="ecs-cpu",
        namespace="AWS/ECS",
        metric="CPUUtilization",
        dimensions=server,
        statistic="Average",
        period=60,
        evaluation_periods=2,
        threshold=75,
    )
    alarm(
        "EcsMemoryHighAlarm",
        suffix="ecs-memory",
        namespace="AWS/ECS",
        metric="MemoryUtilization",
        dimensions=server,
        statistic="Average",
        period=60,
        evaluation_periods=1,
        threshold=80,
    )
    alarm(
        "RdsCpuHighAlarm",
        suffix="rds-cpu",
        namespace="AWS/RDS",
        metric="CPUUtilization",
        dimensions=[("DBInstanceIdentifier", data.primary_db.db_instance_identifier)],
        statistic="Average",
        period=300,
        evaluation_periods=1,
        threshold=80,
    )
    alarm(
        "BackupJobsFailedAlarm",
        suffix="backup-failed",
        namespace="AWS/Backup",
        metric="NumberOfBackupJobsFailed",
        dimensions=[("BackupVaultName", backup.primary_vault.backup_vault_name)],
        statistic="Sum",
        period=86400,
        evaluation_periods=1,
        threshold=0,
    )
    alarm(
        "OrdersDlqNotEmptyAlarm",
        suffix="orders-dlq",
        namespace="AWS/SQS",
        metric="ApproximateNumberOfMessagesVisible",
        dimensions=[("QueueName", present(data.orders_dlq.queue_name, "the dead-letter queue's name"))],
        statistic="Maximum",
        period=300,
        evaluation_periods=1,
        threshold=0,
    )
    return MonitoringTier(alerts, alb_5xx)
