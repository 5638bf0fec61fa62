"""Reference architecture C, ``ingest`` (Python variant).

Every hour a Lambda function (the shared code in ``../app``) reads a CSV object from a bucket and
loads its rows into Aurora MySQL (Serverless v2), ignoring rows whose id already exists. The
function and the database live in private subnets without internet access: S3 is reached through
a gateway endpoint, Secrets Manager (the database credentials) through an interface endpoint.
Alarms on the function's errors, on a missed hourly run and on the database's capacity notify an
SNS topic with an e-mail subscription.

The inventory is ``shared/docs/reference-architectures.md``, program C. The network and the
function (with its log group and least-privilege role) come from the ``platform`` package; the
rest are typed resources. The Rust (``../rust``) and TypeScript (``../node``) variants declare the
same resources with the same logical names and properties.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import List

import engine_sdk as engine
from engine_sdk.aws import cloudwatch, ec2, events, lambda_, rds, s3, secretsmanager, sns
from generated.platform import Network, ServerlessFunction

# The database's administrator, also written into the secret the function reads.
MASTER_USERNAME = "ingest_admin"


@dataclass
class Settings:
    """The stack's configuration (``Engine.<stack>.toml``), with the inventory's values as defaults."""

    # Prefix of every fixed physical name (<project>-<stack> unless namePrefix is set), so two
    # stacks can share an account.
    prefix: str
    alert_email: str
    log_retention_days: int = 30
    csv_key: str = "input/data.csv"
    schedule_expression: str = "rate(1 hour)"
    lambda_memory_size: int = 512
    lambda_timeout: int = 300
    log_level: str = "INFO"
    vpc_cidr: str = "10.20.0.0/16"
    private_subnet_cidrs: List[str] = field(default_factory=lambda: ["10.20.1.0/24", "10.20.2.0/24"])
    db_name: str = "ingest"
    db_engine_version: str = "8.0.mysql_aurora.3.08.2"
    db_min_capacity: float = 0.0
    db_max_capacity: float = 4.0
    db_backup_retention_days: int = 7

    @staticmethod
    def load() -> "Settings":
        config = engine.Config()
        defaults = Settings(prefix="", alert_email="")

        # Config.get_int/get_float are typed Optional even with a default: narrow them here.
        def get_int(key: str, default: int) -> int:
            value = config.get_int(key)
            return default if value is None else value

        def get_float(key: str, default: float) -> float:
            value = config.get_float(key)
            return default if value is None else value

        return Settings(
            prefix=config.get("namePrefix") or f"{engine.get_project()}-{engine.get_stack()}",
            alert_email=config.require("alertEmail"),
            log_retention_days=get_int("logRetentionDays", defaults.log_retention_days),
            csv_key=config.get("csvKey") or defaults.csv_key,
            schedule_expression=config.get("scheduleExpression") or defaults.schedule_expression,
            lambda_memory_size=get_int("lambdaMemorySize", defaults.lambda_memory_size),
            lambda_timeout=get_int("lambdaTimeout", defaults.lambda_timeout),
            log_level=config.get("logLevel") or defaults.log_level,
            vpc_cidr=config.get("vpcCidr") or defaults.vpc_cidr,
            private_subnet_cidrs=config.get_object("privateSubnetCidrs") or defaults.private_subnet_cidrs,
            db_name=config.get("dbName") or defaults.db_name,
            db_engine_version=config.get("dbEngineVersion") or defaults.db_engine_version,
            db_min_capacity=get_float("dbMinCapacity", defaults.db_min_capacity),
            db_max_capacity=get_float("dbMaxCapacity", defaults.db_max_capacity),
            db_backup_retention_days=get_int("dbBackupRetentionDays", defaults.db_backup_retention_days),
        )


def alarm(
    logical_name: str,
    *,
    name: str,
    description: str,
    namespace: str,
    metric: str,
    dimension: tuple[str, engine.Input[str]],
    statistic: cloudwatch.AlarmStatistic,
    period: int,
    evaluation_periods: int,
    threshold: float,
    comparison: cloudwatch.AlarmComparisonOperator,
    missing_data: cloudwatch.AlarmTreatMissingData,
    topic: sns.Topic,
) -> cloudwatch.Alarm:
    """One CloudWatch alarm on a metric, notifying ``topic``."""
    dimension_name, dimension_value = dimension
    return cloudwatch.Alarm(
        logical_name,
        alarm_name=name,
        alarm_description=description,
        namespace=namespace,
        metric_name=metric,
        dimensions=[{"name": dimension_name, "value": dimension_value}],
        statistic=statistic,
        period=period,
        evaluation_periods=evaluation_periods,
        threshold=threshold,
        comparison_operator=comparison,
        treat_missing_data=missing_data,
        alarm_actions=[topic.topic_arn],
    )


def main() -> None:
    settings = Settings.load()
    prefix = settings.prefix
    region = engine.get_region()
    account = engine.get_caller_identity()["account_id"]
    tags = {"project": engine.get_project(), "stack": engine.get_stack()}
    if not os.path.isdir("../app/vendor"):
        engine.log.warn(
            "../app/vendor is missing: run ../app/vendor.sh before deploying to AWS, "
            "or the function cannot import PyMySQL"
        )

    # --- Network (C1-C6, C9-C11): two private subnets, no internet access; S3 through a gateway
    # endpoint, Secrets Manager through an interface endpoint (HTTPS from the VPC).
    network = Network(
        "Network",
        cidr_block=settings.vpc_cidr,
        availability_zone_count=2,
        public_subnets=False,
        private_subnet_cidrs=settings.private_subnet_cidrs,
        vpc_endpoints=["s3", "secretsmanager"],
        tags=tags,
    )

    # --- Security groups (C7, C8): the function may reach the database on 3306, nothing else in.
    lambda_sg = ec2.SecurityGroup(
        "LambdaSecurityGroup", group_description="ingest Lambda (egress only)", vpc_id=network.vpc_id
    )
    database_sg = ec2.SecurityGroup(
        "DatabaseSecurityGroup",
        group_description="Aurora MySQL, 3306 from the ingest Lambda",
        vpc_id=network.vpc_id,
        security_group_ingress=[
            {"ip_protocol": "tcp", "from_port": 3306, "to_port": 3306, "source_security_group_id": lambda_sg.group_id}
        ],
    )

    # --- The CSV bucket (C12): encrypted, versioned, never public.
    csv_bucket = s3.Bucket(
        "CsvBucket",
        bucket_name=f"{prefix}-csv-{account}-{region}",
        bucket_encryption={
            "server_side_encryption_configuration": [{"server_side_encryption_by_default": {"sse_algorithm": "AES256"}}]
        },
        public_access_block_configuration={
            "block_public_acls": True,
            "block_public_policy": True,
            "ignore_public_acls": True,
            "restrict_public_buckets": True,
        },
        versioning_configuration={"status": "Enabled"},
    )

    # --- Database (C14-C18): the master password is generated here and written twice (the secret
    # the function reads, and the cluster); it stays secret in state, never read back.
    password = engine.RandomPassword(
        "DbMasterPassword",
        length=32,
        # Aurora refuses '/', '@', '"' and spaces in passwords.
        override_special="!#$%&*()-_=+[]{}<>:?",
    )
    db_subnet_group = rds.DbSubnetGroup(
        "DbSubnetGroup",
        db_subnet_group_description="ingest Aurora private subnets",
        subnet_ids=network.private_subnet_ids,
    )
    db_secret = secretsmanager.Secret(
        "DbSecret",
        name=f"{prefix}/aurora/master",
        description="Aurora MySQL credentials read by the ingest Lambda",
        secret_string=password.result.apply(
            lambda pw: json.dumps({"username": MASTER_USERNAME, "password": pw}, separators=(",", ":"))
        ),
    )
    cluster = rds.DbCluster(
        "AuroraCluster",
        engine="aurora-mysql",
        engine_version=settings.db_engine_version,
        database_name=settings.db_name,
        master_username=MASTER_USERNAME,
        master_user_password=password.result,
        db_subnet_group_name=db_subnet_group.db_subnet_group_name,
        vpc_security_group_ids=[database_sg.group_id],
        storage_encrypted=True,
        backup_retention_period=settings.db_backup_retention_days,
        serverless_v2_scaling_configuration={
            "min_capacity": settings.db_min_capacity,
            "max_capacity": settings.db_max_capacity,
        },
    )
    rds.DbInstance(
        "AuroraInstance",
        db_cluster_identifier=cluster.db_cluster_identifier,
        db_instance_class="db.serverless",
        engine="aurora-mysql",
        publicly_accessible=False,
    )
    secretsmanager.SecretTargetAttachment(
        "DbSecretAttachment",
        secret_id=db_secret.aws_id,
        target_id=cluster.db_cluster_identifier,
        target_type="AWS::RDS::DBCluster",
    )
    db_host = cluster.endpoint.apply(lambda endpoint: endpoint["address"])
    db_port = cluster.endpoint.apply(lambda endpoint: endpoint["port"])

    # --- The function (C19-C21): its log group, least-privilege role and the function itself, in
    # the private subnets.
    function = ServerlessFunction(
        "IngestFunction",
        code=engine.FileArchive("../app"),
        handler="app.handler",
        runtime="python3.12",
        function_name=f"{prefix}-csv-ingest",
        description="Loads the hourly CSV into Aurora MySQL, ignoring known ids",
        memory_size=settings.lambda_memory_size,
        timeout=settings.lambda_timeout,
        log_retention_days=settings.log_retention_days,
        subnet_ids=network.private_subnet_ids,
        security_group_ids=[lambda_sg.group_id],
        environment={
            "LOG_LEVEL": settings.log_level,
            "CSV_BUCKET": csv_bucket.bucket_name,
            "CSV_KEY": settings.csv_key,
            "DB_SECRET_ARN": db_secret.aws_id,
            "DB_HOST": db_host,
            "DB_NAME": settings.db_name,
        },
        policy_statements=[
            {"actions": ["s3:GetObject"], "resources": [csv_bucket.arn.apply(lambda arn: f"{arn}/*")]},
            {"actions": ["s3:ListBucket"], "resources": [csv_bucket.arn]},
            {"actions": ["secretsmanager:GetSecretValue"], "resources": [db_secret.aws_id]},
        ],
        tags=tags,
    )

    # --- The hourly schedule (C22, C23).
    rule = events.Rule(
        "HourlyScheduleRule",
        name=f"{prefix}-hourly",
        description="Runs the CSV ingest",
        schedule_expression=settings.schedule_expression,
        state="ENABLED",
        targets=[{"id": "csv-ingest", "arn": function.function_arn}],
    )
    lambda_.Permission(
        "ScheduleInvokePermission",
        function_name=function.function_arn,
        action="lambda:InvokeFunction",
        principal="events.amazonaws.com",
        source_arn=rule.arn,
    )

    # --- Alerts (C24-C28).
    topic = sns.Topic("AlertsTopic", topic_name=f"{prefix}-alerts")
    # Stays "pending confirmation" until the recipient follows the link in the e-mail.
    sns.Subscription(
        "AlertsEmailSubscription", topic_arn=topic.topic_arn, protocol="email", endpoint=settings.alert_email
    )
    alarm(
        "IngestErrorsAlarm",
        name=f"{prefix}-errors",
        description="The CSV ingest failed at least once in the last hour",
        namespace="AWS/Lambda",
        metric="Errors",
        dimension=("FunctionName", function.function_name),
        statistic="Sum",
        period=3600,
        evaluation_periods=1,
        threshold=1.0,
        comparison="GreaterThanOrEqualToThreshold",
        missing_data="notBreaching",
        topic=topic,
    )
    alarm(
        "IngestMissedRunAlarm",
        name=f"{prefix}-missed-run",
        description="The hourly schedule did not run the CSV ingest for two hours",
        namespace="AWS/Lambda",
        metric="Invocations",
        dimension=("FunctionName", function.function_name),
        statistic="Sum",
        period=3600,
        evaluation_periods=2,
        threshold=1.0,
        comparison="LessThanThreshold",
        missing_data="breaching",
        topic=topic,
    )
    alarm(
        "DbCapacityAlarm",
        name=f"{prefix}-aurora-acu",
        description="Aurora has run above 90% of its maximum capacity for 15 minutes",
        namespace="AWS/RDS",
        metric="ACUUtilization",
        dimension=("DBClusterIdentifier", cluster.db_cluster_identifier),
        statistic="Average",
        period=300,
        evaluation_periods=3,
        threshold=90.0,
        comparison="GreaterThanThreshold",
        missing_data="notBreaching",
        topic=topic,
    )

    # --- Outputs.
    engine.export("CsvBucketName", csv_bucket.bucket_name)
    engine.export("CsvBucketArn", csv_bucket.arn)
    engine.export("IngestFunctionName", function.function_name)
    engine.export("IngestFunctionArn", function.function_arn)
    engine.export("ScheduleRuleArn", rule.arn)
    engine.export("DbEndpoint", engine.Output.concat(db_host, ":", db_port))
    engine.export("DbName", cluster.database_name)
    engine.export("DbSecretArn", db_secret.aws_id)
    engine.export("LogGroupName", function.log_group_name)
    engine.export("AlertsTopicArn", topic.topic_arn)
    engine.export("VpcId", network.vpc_id)


main()
