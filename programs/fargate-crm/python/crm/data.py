"""Data tier (inventory B34–B42): PostgreSQL Multi-AZ in the private subnets with its secret
attached, the cross-region read replica in the DR region, the attachments bucket (KMS, versioned,
lifecycle tiering), the pipeline's artifacts bucket, and the orders queue with its dead-letter
queue."""

from __future__ import annotations

from dataclasses import dataclass
from engine_sdk import ResourceOptions
from engine_sdk.aws import rds, s3, secretsmanager, sqs

from .network import NetworkTier
from .security import DB_MASTER_USER, SecurityTier
from .settings import Settings

PRIVATE_BUCKET: s3.BucketPublicAccessBlockConfigurationArgs = {
    "block_public_acls": True,
    "block_public_policy": True,
    "ignore_public_acls": True,
    "restrict_public_buckets": True,
}
"""No public access of any kind."""

AES256: s3.BucketEncryptionArgs = {
    "server_side_encryption_configuration": [{"server_side_encryption_by_default": {"sse_algorithm": "AES256"}}]
}
"""Default encryption with S3-managed keys."""


@dataclass
class DataTier:
    primary_db: rds.DbInstance
    replica: rds.DbInstance
    attachments: s3.Bucket
    artifacts: s3.Bucket
    orders_dlq: sqs.Queue
    orders: sqs.Queue


def data(settings: Settings, net: NetworkTier, security: SecurityTier) -> DataTier:
    subnet_group = rds.DbSubnetGroup(
        "DbSubnetGroup",
        db_subnet_group_name=settings.name("db"),
        db_subnet_group_description=f"{settings.prefix} private subnets",
        subnet_ids=net.network.private_subnet_ids,
    )
    parameter_group = rds.DbParameterGroup(
        "DbParameterGroup",
        family="postgres15",
        description=f"{settings.prefix}: slow query logging",
        parameters={"log_min_duration_statement": "1000"},
    )
    primary_db = rds.DbInstance(
        "PrimaryDb",
        db_instance_identifier=settings.name("db"),
        engine="postgres",
        engine_version=settings.db_engine_version,
        db_instance_class=settings.db_instance_class,
        allocated_storage=str(settings.db_allocated_storage),
        storage_type="gp3",
        multi_az=settings.db_multi_az,
        storage_encrypted=True,
        master_username=DB_MASTER_USER,
        master_user_password=security.db_master_password,
        db_subnet_group_name=subnet_group.db_subnet_group_name,
        vpc_security_groups=[net.database_group.group_id],
        db_parameter_group_name=parameter_group.db_parameter_group_name,
        backup_retention_period=settings.db_backup_retention_days,
        preferred_backup_window="03:00-06:00",
        preferred_maintenance_window="sun:18:00-sun:19:00",
        enable_performance_insights=True,
        publicly_accessible=False,
        delete_automated_backups=True,
    )
    secretsmanager.SecretTargetAttachment(
        "DbSecretAttachment",
        secret_id=security.db_master_secret.aws_id,
        target_id=primary_db.db_instance_identifier,
        target_type="AWS::RDS::DBInstance",
    )
    # Created through the DR region's endpoint from the primary's ARN. The failover function
    # promotes it out of band; the source is then gone, so it is not reconciled afterwards.
    replica = rds.DbInstance(
        "DrReadReplica",
        db_instance_identifier=settings.name("db-replica"),
        source_db_instance_identifier=primary_db.db_instance_arn,
        source_region=settings.primary_region,
        db_instance_class=settings.db_instance_class,
        kms_key_id=settings.arn("kms", settings.dr_region, "alias/aws/rds"),
        publicly_accessible=False,
        opts=ResourceOptions(region=settings.dr_region, ignore_changes=["SourceDBInstanceIdentifier"]),
    )

    attachments = s3.Bucket(
        "AttachmentsBucket",
        bucket_name=f"{settings.prefix}-attachments-{settings.account_id}",
        versioning_configuration={"status": "Enabled"},
        public_access_block_configuration=PRIVATE_BUCKET,
        bucket_encryption={
            "server_side_encryption_configuration": [
                {
                    "server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": security.key.arn},
                    "bucket_key_enabled": True,
                }
            ]
        },
        lifecycle_configuration={
            "rules": [
                {
                    "id": "tiering",
                    "status": "Enabled",
                    "transitions": [
                        {"storage_class": "STANDARD_IA", "transition_in_days": 30},
                        {"storage_class": "GLACIER", "transition_in_days": 90},
                    ],
                    "expiration_in_days": 365,
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
                }
            ]
        },
    )
    artifacts = s3.Bucket(
        "ArtifactsBucket",
        bucket_name=f"{settings.prefix}-deployment-artifacts-{settings.account_id}",
        versioning_configuration={"status": "Enabled"},
        public_access_block_configuration=PRIVATE_BUCKET,
        bucket_encryption=AES256,
    )

    orders_dlq = sqs.Queue(
        "OrdersDeadLetterQueue",
        queue_name=settings.name("orders-dlq"),
        message_retention_period=1_209_600,
        sqs_managed_sse_enabled=True,
    )
    orders = sqs.Queue(
        "OrdersQueue",
        queue_name=settings.name("orders"),
        visibility_timeout=300,
        sqs_managed_sse_enabled=True,
        redrive_policy={"deadLetterTargetArn": orders_dlq.arn, "maxReceiveCount": 3},
    )
    return DataTier(primary_db, replica, attachments, artifacts, orders_dlq, orders)
