"""Cost controls (inventory B95–B102), all in us-east-1 (the cost and usage report's type exists
only there): the daily CUR into its own bucket, the cost alerts topic that EventBridge and AWS
Budgets may publish to, the monthly budget and the cost-anomaly rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from engine_sdk import Resource, ResourceOptions
from engine_sdk.aws import budgets, cur, events, s3, sns

from .data import AES256, PRIVATE_BUCKET
from .policy import allow, document
from .settings import US_EAST_1, Settings


@dataclass
class CostTier:
    cur_bucket: s3.Bucket
    alerts: sns.Topic


def here(
    depends_on: Optional[Sequence[Resource]] = None, delete_before_replace: Optional[bool] = None
) -> ResourceOptions:
    """Options of a resource of the cost slice: in us-east-1."""
    return ResourceOptions(region=US_EAST_1, depends_on=depends_on, delete_before_replace=delete_before_replace)


def cost(settings: Settings) -> CostTier:
    cur_bucket = s3.Bucket(
        "CurBucket",
        bucket_name=f"{settings.prefix}-cur-{settings.account_id}",
        public_access_block_configuration=PRIVATE_BUCKET,
        bucket_encryption=AES256,
        opts=here(),
    )
    bucket_policy = s3.BucketPolicy(
        "CurBucketPolicy",
        bucket=cur_bucket.bucket_name,
        policy_document=document(
            allow(
                ["s3:GetBucketAcl", "s3:GetBucketPolicy"],
                [cur_bucket.arn],
                service="billingreports.amazonaws.com",
                source_account=settings.account_id,
            ),
            allow(
                ["s3:PutObject"],
                [cur_bucket.arn.apply(lambda arn: f"{arn}/*")],
                service="billingreports.amazonaws.com",
                source_account=settings.account_id,
            ),
        ),
        opts=here(),
    )
    # Billing checks the bucket policy when the report is defined.
    cur.ReportDefinition(
        "CurReportDefinition",
        report_name=settings.name("daily-cur"),
        time_unit="DAILY",
        format="textORcsv",
        compression="GZIP",
        s3_bucket=cur_bucket.bucket_name,
        s3_prefix="cur-reports",
        s3_region=US_EAST_1,
        refresh_closed_reports=True,
        report_versioning="OVERWRITE_REPORT",
        additional_schema_elements=["RESOURCES"],
        opts=here(depends_on=[bucket_policy]),
    )

    alerts = sns.Topic("CostAlertsTopic", topic_name=settings.name("cost-alerts"), opts=here())
    topic_policy = sns.TopicInlinePolicy(
        "CostAlertsTopicPolicy",
        topic_arn=alerts.topic_arn,
        policy_document=document(
            allow(["sns:Publish"], [alerts.topic_arn], sid="EventBridgePublish", service="events.amazonaws.com"),
            allow(
                ["sns:Publish"],
                [alerts.topic_arn],
                sid="BudgetsPublish",
                service="budgets.amazonaws.com",
                source_account=settings.account_id,
            ),
        ),
        opts=here(),
    )
    sns.Subscription(
        "CostAlertsEmailSubscription",
        topic_arn=alerts.topic_arn,
        protocol="email",
        endpoint=settings.alert_email,
        opts=here(),
    )
    # Its name and notifications are create-only (nested name included): a new threshold replaces
    # it, deleting the old budget first since the name stays.
    budgets.Budget(
        "MonthlyBudget",
        budget={
            "budget_name": settings.name("monthly-budget"),
            "budget_type": "COST",
            "time_unit": "MONTHLY",
            "budget_limit": {"amount": settings.monthly_budget, "unit": settings.budget_currency},
        },
        notifications_with_subscribers=[
            {
                "notification": {
                    "notification_type": "ACTUAL",
                    "comparison_operator": "GREATER_THAN",
                    "threshold": 80,
                    "threshold_type": "PERCENTAGE",
                },
                "subscribers": [{"subscription_type": "SNS", "address": alerts.topic_arn}],
            }
        ],
        opts=here(depends_on=[topic_policy], delete_before_replace=True),
    )
    # Fires when a Cost Anomaly Detection monitor reports (monitors are per account, created
    # outside this program).
    events.Rule(
        "CostAnomalyRule",
        name=settings.name("cost-anomaly-rule"),
        state="ENABLED",
        event_pattern={"source": ["aws.ce"], "detail-type": ["Anomaly Detected"]},
        targets=[{"id": "cost-alerts", "arn": alerts.topic_arn}],
        opts=here(depends_on=[topic_policy]),
    )
    return CostTier(cur_bucket, alerts)
