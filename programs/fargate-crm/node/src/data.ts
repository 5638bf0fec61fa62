// Data tier (inventory B34–B42): PostgreSQL Multi-AZ in the private subnets with its secret
// attached, the cross-region read replica in the DR region, the attachments bucket (KMS,
// versioned, lifecycle tiering), the pipeline's artifacts bucket, and the orders queue with its
// dead-letter queue.

import * as rds from "engine-sdk/aws/rds";
import * as s3 from "engine-sdk/aws/s3";
import * as secretsmanager from "engine-sdk/aws/secretsmanager";
import * as sqs from "engine-sdk/aws/sqs";
import { NetworkTier } from "./network";
import { DB_MASTER_USER, SecurityTier } from "./security";
import { Settings } from "./settings";

/** No public access of any kind. */
export const PRIVATE_BUCKET: s3.BucketPublicAccessBlockConfigurationArgs = {
  blockPublicAcls: true,
  blockPublicPolicy: true,
  ignorePublicAcls: true,
  restrictPublicBuckets: true,
};

/** Default encryption with S3-managed keys. */
export const AES256: s3.BucketEncryptionArgs = {
  serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
};

export interface DataTier {
  primaryDb: rds.DbInstance;
  replica: rds.DbInstance;
  attachments: s3.Bucket;
  artifacts: s3.Bucket;
  ordersDlq: sqs.Queue;
  orders: sqs.Queue;
}

export function data(settings: Settings, net: NetworkTier, security: SecurityTier): DataTier {
  const subnetGroup = new rds.DbSubnetGroup("DbSubnetGroup", {
    dbSubnetGroupName: settings.name("db"),
    dbSubnetGroupDescription: `${settings.prefix} private subnets`,
    subnetIds: net.network.privateSubnetIds,
  });
  const parameterGroup = new rds.DbParameterGroup("DbParameterGroup", {
    family: "postgres15",
    description: `${settings.prefix}: slow query logging`,
    parameters: { log_min_duration_statement: "1000" },
  });
  const primaryDb = new rds.DbInstance("PrimaryDb", {
    dbInstanceIdentifier: settings.name("db"),
    engine: "postgres",
    engineVersion: settings.dbEngineVersion,
    dbInstanceClass: settings.dbInstanceClass,
    allocatedStorage: String(settings.dbAllocatedStorage),
    storageType: "gp3",
    multiAz: settings.dbMultiAz,
    storageEncrypted: true,
    masterUsername: DB_MASTER_USER,
    masterUserPassword: security.dbMasterPassword,
    dbSubnetGroupName: subnetGroup.dbSubnetGroupName,
    vpcSecurityGroups: [net.databaseGroup.groupId],
    dbParameterGroupName: parameterGroup.dbParameterGroupName,
    backupRetentionPeriod: settings.dbBackupRetentionDays,
    preferredBackupWindow: "03:00-06:00",
    preferredMaintenanceWindow: "sun:18:00-sun:19:00",
    enablePerformanceInsights: true,
    publiclyAccessible: false,
    deleteAutomatedBackups: true,
  });
  new secretsmanager.SecretTargetAttachment("DbSecretAttachment", {
    secretId: security.dbMasterSecret.awsId,
    targetId: primaryDb.dbInstanceIdentifier,
    targetType: "AWS::RDS::DBInstance",
  });
  // Created through the DR region's endpoint from the primary's ARN. The failover function
  // promotes it out of band; the source is then gone, so it is not reconciled afterwards.
  const replica = new rds.DbInstance(
    "DrReadReplica",
    {
      dbInstanceIdentifier: settings.name("db-replica"),
      sourceDbInstanceIdentifier: primaryDb.dbInstanceArn,
      sourceRegion: settings.primaryRegion,
      dbInstanceClass: settings.dbInstanceClass,
      kmsKeyId: settings.arn("kms", settings.drRegion, "alias/aws/rds"),
      publiclyAccessible: false,
    },
    { region: settings.drRegion, ignoreChanges: ["SourceDBInstanceIdentifier"] },
  );

  const attachments = new s3.Bucket("AttachmentsBucket", {
    bucketName: `${settings.prefix}-attachments-${settings.accountId}`,
    versioningConfiguration: { status: "Enabled" },
    publicAccessBlockConfiguration: PRIVATE_BUCKET,
    bucketEncryption: {
      serverSideEncryptionConfiguration: [
        {
          serverSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: security.key.arn },
          bucketKeyEnabled: true,
        },
      ],
    },
    lifecycleConfiguration: {
      rules: [
        {
          id: "tiering",
          status: "Enabled",
          transitions: [
            { storageClass: "STANDARD_IA", transitionInDays: 30 },
            { storageClass: "GLACIER", transitionInDays: 90 },
          ],
          expirationInDays: 365,
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
      ],
    },
  });
  const artifacts = new s3.Bucket("ArtifactsBucket", {
    bucketName: `${settings.prefix}-deployment-artifacts-${settings.accountId}`,
    versioningConfiguration: { status: "Enabled" },
    publicAccessBlockConfiguration: PRIVATE_BUCKET,
    bucketEncryption: AES256,
  });

  const ordersDlq = new sqs.Queue("OrdersDeadLetterQueue", {
    queueName: settings.name("orders-dlq"),
    messageRetentionPeriod: 1_209_600,
    sqsManagedSseEnabled: true,
  });
  const orders = new sqs.Queue("OrdersQueue", {
    queueName: settings.name("orders"),
    visibilityTimeout: 300,
    sqsManagedSseEnabled: true,
    redrivePolicy: { deadLetterTargetArn: ordersDlq.arn, maxReceiveCount: 3 },
  });
  return { primaryDb, replica, attachments, artifacts, ordersDlq, orders };
}
