// Backups (inventory B85–B89): a daily AWS Backup plan of the database and the attachments bucket
// into the primary vault, each recovery point copied at once to the DR region's vault.

import * as backup from "engine-sdk/aws/backup";
import * as iam from "engine-sdk/aws/iam";
import { DataTier } from "./data";
import * as policy from "./policy";
import { allow } from "./policy";
import { SecurityTier } from "./security";
import { Settings } from "./settings";

export interface BackupTier {
  primaryVault: backup.BackupVault;
  drVault: backup.BackupVault;
}

export function backups(settings: Settings, security: SecurityTier, data: DataTier): BackupTier {
  const role = new iam.Role("BackupRole", {
    roleName: settings.name("backup"),
    assumeRolePolicyDocument: policy.trust("backup.amazonaws.com"),
    managedPolicyArns: [
      "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
      "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
      "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
    ],
    policies: policy.inline("kms", allow(["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], [security.key.arn])),
  });
  const primaryVault = new backup.BackupVault("PrimaryBackupVault", { backupVaultName: settings.name("backup-vault") });
  const drVault = new backup.BackupVault(
    "DrBackupVault",
    { backupVaultName: settings.name("backup-vault-dr") },
    { region: settings.drRegion },
  );
  const plan = new backup.BackupPlan("BackupPlan", {
    backupPlan: {
      backupPlanName: settings.name("cross-region"),
      backupPlanRule: [
        {
          ruleName: "daily-0300-utc",
          targetBackupVault: primaryVault.backupVaultName,
          scheduleExpression: "cron(0 3 * * ? *)",
          startWindowMinutes: 60,
          lifecycle: { deleteAfterDays: settings.backupRetentionDays },
          copyActions: [
            {
              destinationBackupVaultArn: drVault.backupVaultArn,
              lifecycle: { deleteAfterDays: settings.drBackupRetentionDays },
            },
          ],
        },
      ],
    },
  });
  // Immutable (no update handler), and its name is unique per plan: replaced by deleting first.
  new backup.BackupSelection(
    "BackupSelection",
    {
      backupPlanId: plan.backupPlanId,
      backupSelection: {
        selectionName: settings.name("rds-s3"),
        iamRoleArn: role.arn,
        resources: [data.primaryDb.dbInstanceArn, data.attachments.arn],
      },
    },
    { deleteBeforeReplace: true },
  );
  return { primaryVault, drVault };
}
