"""Failover automation (inventory B90–B94): the function that promotes the DR read replica
(``../app``, the platform ``ServerlessFunction``: its own log group and least-privilege role),
and the rule that calls it on the primary's RDS failover events."""

from __future__ import annotations

import engine_sdk as engine
from engine_sdk.aws import events, lambda_
from generated.platform import ServerlessFunction

from .data import DataTier
from .settings import Settings


def failover(settings: Settings, data: DataTier) -> ServerlessFunction:
    function = ServerlessFunction(
        "promote-replica",
        code=engine.FileArchive("../app"),
        handler="index.handler",
        runtime="python3.12",
        function_name=settings.name("promote-replica"),
        description="Promotes the DR read replica when the primary fails over",
        timeout=60,
        log_retention_days=settings.log_retention_days,
        environment={"REPLICA_ARN": data.replica.db_instance_arn, "REPLICA_REGION": settings.dr_region},
        policy_statements=[
            {
                "actions": ["rds:PromoteReadReplica", "rds:DescribeDBInstances"],
                "resources": [data.replica.db_instance_arn],
            }
        ],
    )
    # A Multi-AZ failover of a healthy primary matches too, and a regional outage emits nothing:
    # the rule is a trigger, not a disaster-recovery guarantee (the function is idempotent).
    rule = events.Rule(
        "RdsFailoverRule",
        name=settings.name("rds-failover"),
        state="ENABLED",
        event_pattern={
            "source": ["aws.rds"],
            "detail-type": ["RDS DB Instance Event"],
            "resources": [data.primary_db.db_instance_arn],
            "detail": {"EventCategories": ["failover"]},
        },
        targets=[{"id": "promote", "arn": function.function_arn}],
    )
    lambda_.Permission(
        "FailoverInvokePermission",
        function_name=function.function_arn,
        action="lambda:InvokeFunction",
        principal="events.amazonaws.com",
        source_arn=rule.arn,
    )
    return function
