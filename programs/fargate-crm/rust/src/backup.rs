//! Backups (inventory B85–B89): a daily AWS Backup plan of the database and the attachments
//! bucket into the primary vault, each recovery point copied at once to the DR region's vault.

use engine_sdk::aws::{backup, iam};
use engine_sdk::prelude::*;

use crate::data::DataTier;
use crate::policy::{self, allow, inline, strings};
use crate::security::SecurityTier;
use crate::settings::Settings;

pub struct BackupTier {
    pub primary_vault: backup::BackupVault,
    pub dr_vault: backup::BackupVault,
}

pub fn backups(ctx: &Context, settings: &Settings, security: &SecurityTier, data: &DataTier) -> Result<BackupTier> {
    let role = iam::Role::new(
        ctx,
        "BackupRole",
        iam::RoleArgs {
            role_name: Some(settings.name("backup").into()),
            assume_role_policy_document: policy::trust("backup.amazonaws.com").into(),
            managed_policy_arns: Some(strings([
                "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
                "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
                "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
            ])),
            policies: Some(Input::Value(vec![inline(
                "kms",
                vec![allow(&["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], [security.key.arn().into()])],
            )])),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let primary_vault = backup::BackupVault::new(
        ctx,
        "PrimaryBackupVault",
        backup::BackupVaultArgs { backup_vault_name: settings.name("backup-vault").into(), ..Default::default() },
        ResourceOptions::default(),
    )?;
    let dr_vault = backup::BackupVault::new(
        ctx,
        "DrBackupVault",
        backup::BackupVaultArgs { backup_vault_name: settings.name("backup-vault-dr").into(), ..Default::default() },
        ResourceOptions::new().region(&settings.dr_region),
    )?;
    let keep = |days: i64| backup::BackupPlanLifecycleResourceTypeArgs {
        delete_after_days: Some((days as f64).into()),
        ..Default::default()
    };
    let plan = backup::BackupPlan::new(
        ctx,
        "BackupPlan",
        backup::BackupPlanArgs {
            backup_plan: backup::BackupPlanResourceTypeArgs {
                backup_plan_name: settings.name("cross-region").into(),
                backup_plan_rule: Input::Value(vec![Input::Value(backup::BackupPlanBackupRuleResourceTypeArgs {
                    rule_name: "daily-0300-utc".into(),
                    target_backup_vault: primary_vault.backup_vault_name().into(),
                    schedule_expression: Some("cron(0 3 * * ? *)".into()),
                    start_window_minutes: Some(60.0.into()),
                    lifecycle: Some(keep(settings.backup_retention_days).into()),
                    copy_actions: Some(Input::Value(vec![Input::Value(
                        backup::BackupPlanCopyActionResourceTypeArgs {
                            destination_backup_vault_arn: dr_vault.backup_vault_arn().into(),
                            lifecycle: Some(keep(settings.dr_backup_retention_days).into()),
                        },
                    )])),
                    ..Default::default()
                })]),
                ..Default::default()
            }
            .into(),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    // Immutable (no update handler), and its name is unique per plan: replaced by deleting first.
    backup::BackupSelection::new(
        ctx,
        "BackupSelection",
        backup::BackupSelectionArgs {
            backup_plan_id: plan.backup_plan_id().into(),
            backup_selection: backup::BackupSelectionResourceTypeArgs {
                selection_name: settings.name("rds-s3").into(),
                iam_role_arn: role.arn().into(),
                resources: Some(strings([data.primary_db.db_instance_arn(), data.attachments.arn()])),
                ..Default::default()
            }
            .into(),
        },
        ResourceOptions::new().delete_before_replace(true),
    )?;
    Ok(BackupTier { primary_vault, dr_vault })
}
