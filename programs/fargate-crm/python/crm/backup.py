"""Backups (inventory B85–B89): a daily AWS Backup plan of the database and the attachments bucket
into the primary vault, each recovery point copied at once to the DR region's vault."""

from __future__ import annotations

from dataclasses import dataclass

from engine_sdk import ResourceOptions
from engine_sdk.aws import backup, iam

from . import policy
from .data import DataTier
from .policy import allow
from .security import SecurityTier
from .settings import Settings


@dataclass
class BackupTier:
    primary_vault: backup.BackupVault
    dr_vault: backup.BackupVault


def backups(settings: Settings, security: SecurityTier, data: DataTier) -> BackupTier:
    role = iam.Role(
        "BackupRole",
        role_name=settings.name("backup"),
        assume_role_policy_document=policy.trust("backup.amazonaws.com"),
        managed_policy_arns=[
            "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
            "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
            "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
        ],
        policies=policy.inline(
            "kms", allow(["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], [security.key.arn])
        ),
    )
    primary_vault = backup.BackupVault("PrimaryBackupVault", backup_vault_name=settings.name("backup-vault"))
    dr_vault = backup.BackupVault(
        "DrBackupVault",
        backup_vault_name=settings.name("backup-vault-dr"),
        opts=ResourceOptions(region=settings.dr_region),
    )
    plan = backup.BackupPlan(
        "BackupPlan",
        backup_plan={
            "backup_plan_name": settings.name("cross-region"),
            "backup_plan_rule": [
                {
                    "rule_name": "daily-0300-utc",
                    "target_backup_vault": primary_vault.backup_vault_name,
                    "schedule_expression": "cron(0 3 * * ? *)",
                    "start_window_minutes": 60,
                    "lifecycle": {"delete_after_days": settings.backup_retention_days},
                    "copy_actions": [
                        {
                            "destination_backup_vault_arn": dr_vault.backup_vault_arn,
                            "lifecycle": {"delete_after_days": settings.dr_backup_retention_days},
                        }
                    ],
                }
            ],
        },
    )
    # Immutable (no update handler), and its name is unique per plan: replaced by deleting first.
    backup.BackupSelection(
        "BackupSelection",
        backup_plan_id=plan.backup_plan_id,
        backup_selection={
            "selection_name": settings.name("rds-s3"),
            "iam_role_arn": role.arn,
            "resources": [data.primary_db.db_instance_arn, data.attachments.arn],
        },
        opts=ResourceOptions(delete_before_replace=True),
    )
    return BackupTier(primary_vault, dr_vault)
