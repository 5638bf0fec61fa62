//! Data tier (inventory B34–B42): PostgreSQL Multi-AZ in the private subnets with its secret
//! attached, the cross-region read replica in the DR region, the attachments bucket (KMS,
//! versioned, lifecycle tiering), the pipeline's artifacts bucket, and the orders queue with its
//! dead-letter queue.

use engine_sdk::aws::{rds, s3, secretsmanager, sqs};
use engine_sdk::prelude::*;
use serde_json::json;

use crate::network::NetworkTier;
use crate::policy::strings;
use crate::security::{DB_MASTER_USER, SecurityTier};
use crate::settings::Settings;

pub struct DataTier {
    pub primary_db: rds::DbInstance,
    pub replica: rds::DbInstance,
    pub attachments: s3::Bucket,
    pub artifacts: s3::Bucket,
    pub orders_dlq: sqs::Queue,
    pub orders: sqs::Queue,
}

pub fn data(ctx: &Context, settings: &Settings, net: &NetworkTier, security: &SecurityTier) -> Result<DataTier> {
    let subnet_group = rds::DbSubnetGroup::new(
        ctx,
        "DbSubnetGroup",
        rds::DbSubnetGroupArgs {
            db_subnet_group_name: Some(settings.name("db").into()),
            db_subnet_group_description: format!("{} private subnets", settings.prefix).into(),
            subnet_ids: net.network.private_subnet_ids.map(|ids| ids.into_iter().map(Input::Value).collect()).into(),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let parameter_group = rds::DbParameterGroup::new(
        ctx,
        "DbParameterGroup",
        rds::DbParameterGroupArgs {
            family: "postgres15".into(),
            description: format!("{}: slow query logging", settings.prefix).into(),
            parameters: Some(json!({ "log_min_duration_statement": "1000" }).into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let primary_db = rds::DbInstance::new(
        ctx,
        "PrimaryDb",
        rds::DbInstanceArgs {
            db_instance_identifier: Some(settings.name("db").into()),
            engine: Some("postgres".into()),
            engine_version: Some(settings.db_engine_version.clone().into()),
            db_instance_class: Some(settings.db_instance_class.clone().into()),
            allocated_storage: Some(settings.db_allocated_storage.to_string().into()),
            storage_type: Some("gp3".into()),
            multi_az: Some(settings.db_multi_az.into()),
            storage_encrypted: Some(true.into()),
            master_username: Some(DB_MASTER_USER.into()),
            master_user_password: Some(security.db_master_password.clone().into()),
            db_subnet_group_name: Some(subnet_group.db_subnet_group_name().into()),
            vpc_security_groups: Some(strings([net.database_group.group_id()])),
            db_parameter_group_name: Some(parameter_group.db_parameter_group_name().into()),
            backup_retention_period: Some(settings.db_backup_retention_days.into()),
            preferred_backup_window: Some("03:00-06:00".into()),
            preferred_maintenance_window: Some("sun:18:00-sun:19:00".into()),
            enable_performance_insights: Some(true.into()),
            publicly_accessible: Some(false.into()),
            delete_automated_backups: Some(true.into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    secretsmanager::SecretTargetAttachment::new(
        ctx,
        "DbSecretAttachment",
        secretsmanager::SecretTargetAttachmentArgs {
            secret_id: security.db_master_secret.aws_id().into(),
            target_id: primary_db.db_instance_identifier().into(),
            target_type: "AWS::RDS::DBInstance".into(),
        },
        ResourceOptions::default(),
    )?;
    // Created through the DR region's endpoint from the primary's ARN. The failover function
    // promotes it out of band; the source is then gone, so it is not reconciled afterwards.
    let replica = rds::DbInstance::new(
        ctx,
        "DrReadReplica",
        rds::DbInstanceArgs {
            db_instance_identifier: Some(settings.name("db-replica").into()),
            source_db_instance_identifier: Some(primary_db.db_instance_arn().into()),
            source_region: Some(settings.primary_region.clone().into()),
            db_instance_class: Some(settings.db_instance_class.clone().into()),
            kms_key_id: Some(settings.arn("kms", &settings.dr_region, "alias/aws/rds").into()),
            publicly_accessible: Some(false.into()),
            ..Default::default()
        },
        ResourceOptions::new().region(&settings.dr_region).ignore_changes(["SourceDBInstanceIdentifier"]),
    )?;

    let private_bucket = || s3::BucketPublicAccessBlockConfigurationArgs {
        block_public_acls: Some(true.into()),
        block_public_policy: Some(true.into()),
        ignore_public_acls: Some(true.into()),
        restrict_public_buckets: Some(true.into()),
    };
    let versioned =
        || s3::BucketVersioningConfigurationArgs { status: s3::BucketVersioningConfigurationStatus::Enabled.into() };
    let transition = |storage_class: s3::BucketTransitionStorageClass, days: i64| {
        Input::Value(s3::BucketTransitionArgs {
            storage_class: storage_class.into(),
            transition_in_days: Some(days.into()),
            ..Default::default()
        })
    };
    let attachments = s3::Bucket::new(
        ctx,
        "AttachmentsBucket",
        s3::BucketArgs {
            bucket_name: Some(format!("{}-attachments-{}", settings.prefix, settings.account_id).into()),
            versioning_configuration: Some(versioned().into()),
            public_access_block_configuration: Some(private_bucket().into()),
            bucket_encryption: Some(
                s3::BucketEncryptionArgs {
                    server_side_encryption_configuration: Input::Value(vec![Input::Value(
                        s3::BucketServerSideEncryptionRuleArgs {
                            server_side_encryption_by_default: Some(
                                s3::BucketServerSideEncryptionByDefaultArgs {
                                    sse_algorithm: s3::BucketServerSideEncryptionByDefaultSseAlgorithm::AwsKms.into(),
                                    kms_master_key_id: Some(security.key.arn().into()),
                                }
                                .into(),
                            ),
                            bucket_key_enabled: Some(true.into()),
                            ..Default::default()
                        },
                    )]),
                }
                .into(),
            ),
            lifecycle_configuration: Some(
                s3::BucketLifecycleConfigurationArgs {
                    rules: Input::Value(vec![Input::Value(s3::BucketRuleArgs {
                        id: Some("tiering".into()),
                        status: s3::BucketRuleStatus::Enabled.into(),
                        transitions: Some(Input::Value(vec![
                            transition(s3::BucketTransitionStorageClass::StandardIa, 30),
                            transition(s3::BucketTransitionStorageClass::Glacier, 90),
                        ])),
                        expiration_in_days: Some(365.into()),
                        abort_incomplete_multipart_upload: Some(
                            s3::BucketAbortIncompleteMultipartUploadArgs { days_after_initiation: 7.into() }.into(),
                        ),
                        ..Default::default()
                    })]),
                    ..Default::default()
                }
                .into(),
            ),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let artifacts = s3::Bucket::new(
        ctx,
        "ArtifactsBucket",
        s3::BucketArgs {
            bucket_name: Some(format!("{}-deployment-artifacts-{}", settings.prefix, settings.account_id).into()),
            versioning_configuration: Some(versioned().into()),
            public_access_block_configuration: Some(private_bucket().into()),
            bucket_encryption: Some(aes256().into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;

    let orders_dlq = sqs::Queue::new(
        ctx,
        "OrdersDeadLetterQueue",
        sqs::QueueArgs {
            queue_name: Some(settings.name("orders-dlq").into()),
            message_retention_period: Some(1_209_600.into()),
            sqs_managed_sse_enabled: Some(true.into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let orders = sqs::Queue::new(
        ctx,
        "OrdersQueue",
        sqs::QueueArgs {
            queue_name: Some(settings.name("orders").into()),
            visibility_timeout: Some(300.into()),
            sqs_managed_sse_enabled: Some(true.into()),
            redrive_policy: Some(
                orders_dlq.arn().map(|arn| json!({ "deadLetterTargetArn": arn, "maxReceiveCount": 3 })).into(),
            ),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    Ok(DataTier { primary_db, replica, attachments, artifacts, orders_dlq, orders })
}

/// Default encryption with S3-managed keys.
pub fn aes256() -> s3::BucketEncryptionArgs {
    s3::BucketEncryptionArgs {
        server_side_encryption_configuration: Input::Value(vec![Input::Value(
            s3::BucketServerSideEncryptionRuleArgs {
                server_side_encryption_by_default: Some(
                    s3::BucketServerSideEncryptionByDefaultArgs {
                        sse_algorithm: s3::BucketServerSideEncryptionByDefaultSseAlgorithm::Aes256.into(),
                        kms_master_key_id: None,
                    }
                    .into(),
                ),
                ..Default::default()
            },
        )]),
    }
}
