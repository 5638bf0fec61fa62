//! Reference architecture C, `ingest` (Rust variant).
//!
//! Every hour a Lambda function (the shared code in `../app`) reads a CSV object from a bucket
//! and loads its rows into Aurora MySQL (Serverless v2), ignoring rows whose id already exists.
//! The function and the database live in private subnets without internet access: S3 is reached
//! through a gateway endpoint, Secrets Manager (the database credentials) through an interface
//! endpoint. Alarms on the function's errors, on a missed hourly run and on the database's
//! capacity notify an SNS topic with an e-mail subscription.
//!
//! The inventory is `shared/docs/reference-architectures.md`, program C. The network and the
//! function (with its log group and least-privilege role) come from the `platform` package; the
//! rest are typed resources. The Python (`../python`) and TypeScript (`../node`) variants
//! declare the same resources with the same logical names and properties.

use std::collections::BTreeMap;

use engine_sdk::aws::{cloudwatch, ec2, events, lambda, rds, s3, secretsmanager, sns};
use engine_sdk::prelude::*;
use platform::{Network, NetworkArgs, PolicyStatement, ServerlessFunction, ServerlessFunctionArgs};
use serde_json::json;

/// The database's administrator, also written into the secret the function reads.
const MASTER_USERNAME: &str = "ingest_admin";

/// The stack's configuration (`Engine.<stack>.toml`), with the inventory's values as defaults.
struct Settings {
    /// Prefix of every fixed physical name (`<project>-<stack>` unless `namePrefix` is set), so
    /// two stacks can share an account.
    prefix: String,
    alert_email: String,
    log_retention_days: i64,
    csv_key: String,
    schedule_expression: String,
    lambda_memory_size: i64,
    lambda_timeout: i64,
    log_level: String,
    vpc_cidr: String,
    private_subnet_cidrs: Vec<String>,
    db_name: String,
    db_engine_version: String,
    db_min_capacity: f64,
    db_max_capacity: f64,
    db_backup_retention_days: i64,
}

impl Settings {
    fn load(ctx: &Context) -> Result<Settings> {
        let config = ctx.config();
        Ok(Settings {
            prefix: config.get("namePrefix").unwrap_or_else(|| format!("{}-{}", ctx.project(), ctx.stack())),
            alert_email: config.require("alertEmail")?,
            log_retention_days: config.get_i64("logRetentionDays")?.unwrap_or(30),
            csv_key: config.get("csvKey").unwrap_or_else(|| "input/data.csv".to_owned()),
            schedule_expression: config.get("scheduleExpression").unwrap_or_else(|| "rate(1 hour)".to_owned()),
            lambda_memory_size: config.get_i64("lambdaMemorySize")?.unwrap_or(512),
            lambda_timeout: config.get_i64("lambdaTimeout")?.unwrap_or(300),
            log_level: config.get("logLevel").unwrap_or_else(|| "INFO".to_owned()),
            vpc_cidr: config.get("vpcCidr").unwrap_or_else(|| "10.20.0.0/16".to_owned()),
            private_subnet_cidrs: config
                .get_object::<Vec<String>>("privateSubnetCidrs")?
                .unwrap_or_else(|| vec!["10.20.1.0/24".to_owned(), "10.20.2.0/24".to_owned()]),
            db_name: config.get("dbName").unwrap_or_else(|| "ingest".to_owned()),
            db_engine_version: config.get("dbEngineVersion").unwrap_or_else(|| "8.0.mysql_aurora.3.08.2".to_owned()),
            db_min_capacity: config.get_f64("dbMinCapacity")?.unwrap_or(0.0),
            db_max_capacity: config.get_f64("dbMaxCapacity")?.unwrap_or(4.0),
            db_backup_retention_days: config.get_i64("dbBackupRetentionDays")?.unwrap_or(7),
        })
    }
}

/// A list input from a list output.
fn list(output: &Output<Vec<String>>) -> Input<Vec<Input<String>>> {
    Input::Output(output.map(|items| items.into_iter().map(Input::Value).collect()))
}

/// One CloudWatch alarm on a metric, notifying `topic`.
struct AlarmSpec {
    name: String,
    description: &'static str,
    namespace: &'static str,
    metric: &'static str,
    dimension: (&'static str, Output<String>),
    statistic: cloudwatch::AlarmStatistic,
    period: i64,
    evaluation_periods: i64,
    threshold: f64,
    comparison: cloudwatch::AlarmComparisonOperator,
    missing_data: cloudwatch::AlarmTreatMissingData,
}

fn alarm(ctx: &Context, logical_name: &str, spec: AlarmSpec, topic: &sns::Topic) -> Result<cloudwatch::Alarm> {
    let (dimension_name, dimension_value) = spec.dimension;
    cloudwatch::Alarm::new(
        ctx,
        logical_name,
        cloudwatch::AlarmArgs {
            alarm_name: Some(spec.name.into()),
            alarm_description: Some(spec.description.into()),
            namespace: Some(spec.namespace.into()),
            metric_name: Some(spec.metric.into()),
            dimensions: Some(
                vec![Input::Value(cloudwatch::AlarmDimensionArgs {
                    name: dimension_name.into(),
                    value: dimension_value.into(),
                })]
                .into(),
            ),
            statistic: Some(spec.statistic.into()),
            period: Some(spec.period.into()),
            evaluation_periods: Some(spec.evaluation_periods.into()),
            threshold: Some(spec.threshold.into()),
            comparison_operator: Some(spec.comparison.into()),
            treat_missing_data: Some(spec.missing_data.into()),
            alarm_actions: Some(vec![topic.topic_arn().into()].into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )
}

#[engine_sdk::main]
async fn main(ctx: Context) -> Result<()> {
    let settings = Settings::load(&ctx)?;
    let prefix = settings.prefix.as_str();
    let region = ctx.region().to_owned();
    let account = ctx.get_caller_identity().await?.account_id;
    let tags: BTreeMap<String, String> =
        [("project".to_owned(), ctx.project().to_owned()), ("stack".to_owned(), ctx.stack().to_owned())].into();
    if !std::path::Path::new("../app/vendor").is_dir() {
        ctx.warn("../app/vendor is missing: run ../app/vendor.sh before deploying to AWS, or the function cannot import PyMySQL");
    }

    // --- Network (C1-C6, C9-C11): two private subnets, no internet access; S3 through a gateway
    // endpoint, Secrets Manager through an interface endpoint (HTTPS from the VPC).
    let network = Network::new(
        &ctx,
        "Network",
        NetworkArgs {
            cidr_block: Some(settings.vpc_cidr.clone().into()),
            availability_zone_count: Some(2),
            public_subnets: Some(false),
            private_subnet_cidrs: Some(settings.private_subnet_cidrs.clone().into()),
            vpc_endpoints: Some(vec!["s3".to_owned(), "secretsmanager".to_owned()]),
            tags: Some(tags.clone().into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;

    // --- Security groups (C7, C8): the function may reach the database on 3306, nothing else in.
    let lambda_sg = ec2::SecurityGroup::new(
        &ctx,
        "LambdaSecurityGroup",
        ec2::SecurityGroupArgs {
            group_description: "ingest Lambda (egress only)".into(),
            vpc_id: Some(network.vpc_id.clone().into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let database_sg = ec2::SecurityGroup::new(
        &ctx,
        "DatabaseSecurityGroup",
        ec2::SecurityGroupArgs {
            group_description: "Aurora MySQL, 3306 from the ingest Lambda".into(),
            vpc_id: Some(network.vpc_id.clone().into()),
            security_group_ingress: Some(
                vec![Input::Value(ec2::SecurityGroupIngress2Args {
                    ip_protocol: "tcp".into(),
                    from_port: Some(3306.into()),
                    to_port: Some(3306.into()),
                    source_security_group_id: Some(lambda_sg.group_id().into()),
                    ..Default::default()
                })]
                .into(),
            ),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;

    // --- The CSV bucket (C12): encrypted, versioned, never public.
    let csv_bucket = s3::Bucket::new(
        &ctx,
        "CsvBucket",
        s3::BucketArgs {
            bucket_name: Some(format!("{prefix}-csv-{account}-{region}").into()),
            bucket_encryption: Some(
                s3::BucketEncryptionArgs {
                    server_side_encryption_configuration: vec![Input::Value(s3::BucketServerSideEncryptionRuleArgs {
                        server_side_encryption_by_default: Some(
                            s3::BucketServerSideEncryptionByDefaultArgs {
                                sse_algorithm: s3::BucketServerSideEncryptionByDefaultSseAlgorithm::Aes256.into(),
                                ..Default::default()
                            }
                            .into(),
                        ),
                        ..Default::default()
                    })]
                    .into(),
                }
                .into(),
            ),
            public_access_block_configuration: Some(
                s3::BucketPublicAccessBlockConfigurationArgs {
                    block_public_acls: Some(true.into()),
                    block_public_policy: Some(true.into()),
                    ignore_public_acls: Some(true.into()),
                    restrict_public_buckets: Some(true.into()),
                }
                .into(),
            ),
            versioning_configuration: Some(
                s3::BucketVersioningConfigurationArgs { status: s3::BucketVersioningConfigurationStatus::Enabled.into() }
                    .into(),
            ),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;

    // --- Database (C14-C18): the master password is generated here and written twice (the
    // secret the function reads, and the cluster); it stays secret in state, never read back.
    let password = RandomPassword::new(
        &ctx,
        "DbMasterPassword",
        RandomArgs {
            length: 32.into(),
            // Aurora refuses '/', '@', '"' and spaces in passwords.
            override_special: Some("!#$%&*()-_=+[]{}<>:?".into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let db_subnet_group = rds::DbSubnetGroup::new(
        &ctx,
        "DbSubnetGroup",
        rds::DbSubnetGroupArgs {
            db_subnet_group_description: "ingest Aurora private subnets".into(),
            subnet_ids: list(&network.private_subnet_ids),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let db_secret = secretsmanager::Secret::new(
        &ctx,
        "DbSecret",
        secretsmanager::SecretArgs {
            name: Some(format!("{prefix}/aurora/master").into()),
            description: Some("Aurora MySQL credentials read by the ingest Lambda".into()),
            secret_string: Some(
                password
                    .result()
                    .map(|password| json!({"username": MASTER_USERNAME, "password": password}).to_string())
                    .into(),
            ),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let cluster = rds::DbCluster::new(
        &ctx,
        "AuroraCluster",
        rds::DbClusterArgs {
            engine: Some("aurora-mysql".into()),
            engine_version: Some(settings.db_engine_version.clone().into()),
            database_name: Some(settings.db_name.clone().into()),
            master_username: Some(MASTER_USERNAME.into()),
            master_user_password: Some(password.result().into()),
            db_subnet_group_name: Some(db_subnet_group.db_subnet_group_name().into()),
            vpc_security_group_ids: Some(vec![database_sg.group_id().into()].into()),
            storage_encrypted: Some(true.into()),
            backup_retention_period: Some(settings.db_backup_retention_days.into()),
            serverless_v2_scaling_configuration: Some(
                rds::DbClusterServerlessV2ScalingConfigurationArgs {
                    min_capacity: Some(settings.db_min_capacity.into()),
                    max_capacity: Some(settings.db_max_capacity.into()),
                    ..Default::default()
                }
                .into(),
            ),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    rds::DbInstance::new(
        &ctx,
        "AuroraInstance",
        rds::DbInstanceArgs {
            db_cluster_identifier: Some(cluster.db_cluster_identifier().into()),
            db_instance_class: Some("db.serverless".into()),
            engine: Some("aurora-mysql".into()),
            publicly_accessible: Some(false.into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    secretsmanager::SecretTargetAttachment::new(
        &ctx,
        "DbSecretAttachment",
        secretsmanager::SecretTargetAttachmentArgs {
            secret_id: db_secret.aws_id().into(),
            target_id: cluster.db_cluster_identifier().into(),
            target_type: "AWS::RDS::DBCluster".into(),
        },
        ResourceOptions::default(),
    )?;
    let db_host = cluster.endpoint().map(|endpoint| endpoint.address);
    let db_port = cluster.endpoint().map(|endpoint| endpoint.port);

    // --- The function (C19-C21): its log group, least-privilege role and the function itself,
    // in the private subnets.
    let mut function_args = ServerlessFunctionArgs::new(FileArchive::new("../app"), "app.handler", "python3.12");
    function_args.function_name = Some(format!("{prefix}-csv-ingest").into());
    function_args.description = Some("Loads the hourly CSV into Aurora MySQL, ignoring known ids".into());
    function_args.memory_size = Some(settings.lambda_memory_size.into());
    function_args.timeout = Some(settings.lambda_timeout.into());
    function_args.log_retention_days = Some(settings.log_retention_days.into());
    function_args.subnet_ids = Some(network.private_subnet_ids.clone().into());
    function_args.security_group_ids = Some(lambda_sg.group_id().map(|id| vec![id]).into());
    function_args.environment = Some(
        BTreeMap::from([
            ("LOG_LEVEL".to_owned(), settings.log_level.clone().into()),
            ("CSV_BUCKET".to_owned(), csv_bucket.bucket_name().into()),
            ("CSV_KEY".to_owned(), settings.csv_key.clone().into()),
            ("DB_SECRET_ARN".to_owned(), db_secret.aws_id().into()),
            ("DB_HOST".to_owned(), db_host.clone().into()),
            ("DB_NAME".to_owned(), settings.db_name.clone().into()),
        ])
        .into(),
    );
    function_args.policy_statements = Some(
        vec![
            PolicyStatement::allow(["s3:GetObject"], [csv_bucket.arn().map(|arn| format!("{arn}/*"))]),
            PolicyStatement::allow(["s3:ListBucket"], [csv_bucket.arn()]),
            PolicyStatement::allow(["secretsmanager:GetSecretValue"], [db_secret.aws_id()]),
        ]
        .into(),
    );
    function_args.tags = Some(tags.clone().into());
    let function = ServerlessFunction::new(&ctx, "IngestFunction", function_args, ResourceOptions::default())?;

    // --- The hourly schedule (C22, C23).
    let rule = events::Rule::new(
        &ctx,
        "HourlyScheduleRule",
        events::RuleArgs {
            name: Some(format!("{prefix}-hourly").into()),
            description: Some("Runs the CSV ingest".into()),
            schedule_expression: Some(settings.schedule_expression.clone().into()),
            state: Some(events::RuleState::Enabled.into()),
            targets: Some(
                vec![Input::Value(events::RuleTargetArgs {
                    id: "csv-ingest".into(),
                    arn: function.function_arn.clone().into(),
                    ..Default::default()
                })]
                .into(),
            ),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    lambda::Permission::new(
        &ctx,
        "ScheduleInvokePermission",
        lambda::PermissionArgs {
            function_name: function.function_arn.clone().into(),
            action: "lambda:InvokeFunction".into(),
            principal: "events.amazonaws.com".into(),
            source_arn: Some(rule.arn().into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;

    // --- Alerts (C24-C28).
    let topic = sns::Topic::new(
        &ctx,
        "AlertsTopic",
        sns::TopicArgs { topic_name: Some(format!("{prefix}-alerts").into()), ..Default::default() },
        ResourceOptions::default(),
    )?;
    // Stays "pending confirmation" until the recipient follows the link in the e-mail.
    sns::Subscription::new(
        &ctx,
        "AlertsEmailSubscription",
        sns::SubscriptionArgs {
            topic_arn: topic.topic_arn().into(),
            protocol: "email".into(),
            endpoint: Some(settings.alert_email.clone().into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    use cloudwatch::{AlarmComparisonOperator as Compare, AlarmStatistic as Statistic, AlarmTreatMissingData as Missing};
    alarm(
        &ctx,
        "IngestErrorsAlarm",
        AlarmSpec {
            name: format!("{prefix}-errors"),
            description: "The CSV ingest failed at least once in the last hour",
            namespace: "AWS/Lambda",
            metric: "Errors",
            dimension: ("FunctionName", function.function_name.clone()),
            statistic: Statistic::Sum,
            period: 3600,
            evaluation_periods: 1,
            threshold: 1.0,
            comparison: Compare::GreaterThanOrEqualToThreshold,
            missing_data: Missing::NotBreaching,
        },
        &topic,
    )?;
    alarm(
        &ctx,
        "IngestMissedRunAlarm",
        AlarmSpec {
            name: format!("{prefix}-missed-run"),
            description: "The hourly schedule did not run the CSV ingest for two hours",
            namespace: "AWS/Lambda",
            metric: "Invocations",
            dimension: ("FunctionName", function.function_name.clone()),
            statistic: Statistic::Sum,
            period: 3600,
            evaluation_periods: 2,
            threshold: 1.0,
            comparison: Compare::LessThanThreshold,
            missing_data: Missing::Breaching,
        },
        &topic,
    )?;
    alarm(
        &ctx,
        "DbCapacityAlarm",
        AlarmSpec {
            name: format!("{prefix}-aurora-acu"),
            description: "Aurora has run above 90% of its maximum capacity for 15 minutes",
            namespace: "AWS/RDS",
            metric: "ACUUtilization",
            dimension: ("DBClusterIdentifier", cluster.db_cluster_identifier()),
            statistic: Statistic::Average,
            period: 300,
            evaluation_periods: 3,
            threshold: 90.0,
            comparison: Compare::GreaterThanThreshold,
            missing_data: Missing::NotBreaching,
        },
        &topic,
    )?;

    // --- Outputs.
    ctx.export("CsvBucketName", csv_bucket.bucket_name());
    ctx.export("CsvBucketArn", csv_bucket.arn());
    ctx.export("IngestFunctionName", function.function_name.clone());
    ctx.export("IngestFunctionArn", function.function_arn.clone());
    ctx.export("ScheduleRuleArn", rule.arn());
    ctx.export("DbEndpoint", Output::all([db_host, db_port]).map(|parts| parts.join(":")));
    ctx.export("DbName", cluster.database_name());
    ctx.export("DbSecretArn", db_secret.aws_id());
    ctx.export("LogGroupName", function.log_group_name.clone());
    ctx.export("AlertsTopicArn", topic.topic_arn());
    ctx.export("VpcId", network.vpc_id.clone());
    Ok(())
}
