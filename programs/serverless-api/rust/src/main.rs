//! Reference architecture A, `serverless-api` (Rust variant).
//!
//! A REST API on API Gateway (`POST /events`, `GET /events/{id}`) served by one Lambda function
//! (the shared code in `../app`) that stores events in DynamoDB; the function runs in private
//! subnets and reaches DynamoDB, S3 and Secrets Manager through VPC endpoints, Aurora PostgreSQL
//! through RDS Proxy, and Redis. Plus the large-files and artifacts buckets, the database secret,
//! the hosted zone, certificate and custom domain, and the least-privilege CI identity.
//!
//! The inventory is `shared/docs/reference-architectures.md`, program A. The Python
//! (`../python`) and TypeScript (`../node`) variants declare the same resources with the same
//! logical names and properties.

use std::collections::BTreeMap;

use engine_sdk::aws::{
    apigateway, certificatemanager, cloudwatch, dynamodb, ec2, elasticache, iam, lambda, rds, route53, s3,
    secretsmanager, sns, wafv2,
};
use engine_sdk::prelude::*;
use platform::{Architecture, Network, NetworkArgs, PolicyStatement, ServerlessFunction, ServerlessFunctionArgs};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The routes of the REST API. The deployment's identity is a hash of this table: any change to
/// it makes a new deployment (API Gateway deployments are snapshots; updating one does not
/// redeploy).
const ROUTES: &[Route] = &[
    Route { method_name: "PostEventsMethod", http_method: "POST", path: "/events", path_parameters: &[] },
    Route { method_name: "GetEventByIdMethod", http_method: "GET", path: "/events/{id}", path_parameters: &["id"] },
];

struct Route {
    /// The logical name of the `AWS::ApiGateway::Method`.
    method_name: &'static str,
    http_method: &'static str,
    path: &'static str,
    /// Path parameters the method requires (`method.request.path.<name>`).
    path_parameters: &'static [&'static str],
}

/// Every route is a Lambda proxy integration without authorization (seed 002's API).
const AUTHORIZATION: &str = "NONE";
const INTEGRATION: &str = "AWS_PROXY";

/// The first 12 hex digits of the SHA-256 of one line per route, `METHOD PATH AUTHORIZATION
/// INTEGRATION PARAMETERS` (the three variants compute the same text).
fn routes_hash(routes: &[Route]) -> String {
    let text: String = routes
        .iter()
        .map(|r| {
            format!("{} {} {} {} {}\n", r.http_method, r.path, AUTHORIZATION, INTEGRATION, r.path_parameters.join(","))
        })
        .collect();
    hex::encode(Sha256::digest(text.as_bytes()))[..12].to_owned()
}

/// The stack's configuration (`Engine.<stack>.toml`), with the inventory's values as defaults.
struct Settings {
    /// Prefix of every fixed physical name (`<project>-<stack>` unless `namePrefix` is set).
    prefix: String,
    zone_name: String,
    api_host_name: String,
    vpc_cidr: String,
    private_subnet_cidrs: Vec<String>,
    log_retention_days: i64,
    lambda_memory_size: i64,
    lambda_timeout: i64,
    db_engine_version: String,
    db_min_capacity: f64,
    db_max_capacity: f64,
    db_backup_retention_days: i64,
    cache_node_type: String,
    cache_node_count: i64,
    stage_name: String,
    throttling_rate_limit: f64,
    throttling_burst_limit: i64,
    /// `group/project` on GitLab: turns on the OIDC provider and the CI role (A46, A47).
    gitlab_project: Option<String>,
    gitlab_url: String,
    gitlab_ref: String,
    /// The web ACL on the stage (A48, A49).
    enable_waf: bool,
    /// The alerts topic and the two alarms (A50-A52).
    enable_alarms: bool,
}

impl Settings {
    fn load(ctx: &Context) -> Result<Settings> {
        let config = ctx.config();
        let zone_name = config.require("zoneName")?;
        let private_subnet_cidrs = config
            .get_object::<Vec<String>>("privateSubnetCidrs")?
            .unwrap_or_else(|| vec!["10.0.1.0/24".to_owned(), "10.0.2.0/24".to_owned()]);
        Ok(Settings {
            prefix: config.get("namePrefix").unwrap_or_else(|| format!("{}-{}", ctx.project(), ctx.stack())),
            api_host_name: config.get("apiHostName").unwrap_or_else(|| format!("api.{zone_name}")),
            zone_name,
            vpc_cidr: config.get("vpcCidr").unwrap_or_else(|| "10.0.0.0/16".to_owned()),
            private_subnet_cidrs,
            log_retention_days: config.get_i64("logRetentionDays")?.unwrap_or(30),
            lambda_memory_size: config.get_i64("lambdaMemorySize")?.unwrap_or(512),
            lambda_timeout: config.get_i64("lambdaTimeout")?.unwrap_or(15),
            db_engine_version: config.get("dbEngineVersion").unwrap_or_else(|| "16.9".to_owned()),
            db_min_capacity: config.get_f64("dbMinCapacity")?.unwrap_or(0.5),
            db_max_capacity: config.get_f64("dbMaxCapacity")?.unwrap_or(16.0),
            db_backup_retention_days: config.get_i64("dbBackupRetentionDays")?.unwrap_or(7),
            cache_node_type: config.get("cacheNodeType").unwrap_or_else(|| "cache.t4g.small".to_owned()),
            cache_node_count: config.get_i64("cacheNodeCount")?.unwrap_or(2),
            stage_name: config.get("stageName").unwrap_or_else(|| "prod".to_owned()),
            throttling_rate_limit: config.get_f64("throttlingRateLimit")?.unwrap_or(100.0),
            throttling_burst_limit: config.get_i64("throttlingBurstLimit")?.unwrap_or(200),
            gitlab_project: config.get("gitlabProject"),
            gitlab_url: config.get("gitlabUrl").unwrap_or_else(|| "https://gitlab.com".to_owned()),
            gitlab_ref: config.get("gitlabRef").unwrap_or_else(|| "main".to_owned()),
            enable_waf: config.get_bool("enableWaf")?.unwrap_or(false),
            enable_alarms: config.get_bool("enableAlarms")?.unwrap_or(false),
        })
    }
}

/// A list input from a list output.
fn list(output: &Output<Vec<String>>) -> Input<Vec<Input<String>>> {
    Input::Output(output.map(|items| items.into_iter().map(Input::Value).collect()))
}

/// A list input of plain strings and outputs.
fn items(values: impl IntoIterator<Item = Input<String>>) -> Input<Vec<Input<String>>> {
    Input::Value(values.into_iter().collect())
}

/// One ingress rule: TCP `port` from a security group.
fn ingress_from(group: &ec2::SecurityGroup, port: i64) -> Option<Input<Vec<Input<ec2::SecurityGroupIngress2Args>>>> {
    Some(
        vec![Input::Value(ec2::SecurityGroupIngress2Args {
            ip_protocol: "tcp".into(),
            from_port: Some(port.into()),
            to_port: Some(port.into()),
            source_security_group_id: Some(group.group_id().into()),
            ..Default::default()
        })]
        .into(),
    )
}

/// A policy document allowing each `(actions, resource)` pair.
fn policy_document(statements: Vec<(Vec<&'static str>, Output<String>)>) -> Input<Value> {
    let (actions, resources): (Vec<_>, Vec<_>) = statements.into_iter().unzip();
    Input::Output(Output::all(resources).map(move |resources| {
        let statements: Vec<Value> = actions
            .into_iter()
            .zip(resources)
            .map(|(action, resource)| json!({"Effect": "Allow", "Action": action, "Resource": resource}))
            .collect();
        json!({"Version": "2012-10-17", "Statement": statements})
    }))
}

/// The trust policy of a role assumed by an AWS service.
fn assume_role_policy(service: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]
    })
}

/// A bucket blocking every form of public access.
fn block_public_access() -> Option<Input<s3::BucketPublicAccessBlockConfigurationArgs>> {
    Some(
        s3::BucketPublicAccessBlockConfigurationArgs {
            block_public_acls: Some(true.into()),
            block_public_policy: Some(true.into()),
            ignore_public_acls: Some(true.into()),
            restrict_public_buckets: Some(true.into()),
        }
        .into(),
    )
}

#[engine_sdk::main]
async fn main(ctx: Context) -> Result<()> {
    let settings = Settings::load(&ctx)?;
    let prefix = settings.prefix.as_str();
    let region = ctx.region().to_owned();
    let identity = ctx.get_caller_identity().await?;
    let account = identity.account_id.clone();
    let partition = identity.arn.split(':').nth(1).unwrap_or("aws").to_owned();
    let tags: BTreeMap<String, String> =
        [("project".to_owned(), ctx.project().to_owned()), ("stack".to_owned(), ctx.stack().to_owned())].into();

    // --- Network (A1-A6, A8, A12-A14): private subnets only; S3 and DynamoDB through gateway
    // endpoints, Secrets Manager through an interface endpoint (no NAT gateway).
    let network = Network::new(
        &ctx,
        "Network",
        NetworkArgs {
            cidr_block: Some(settings.vpc_cidr.clone().into()),
            availability_zone_count: Some(2),
            public_subnets: Some(false),
            private_subnet_cidrs: Some(settings.private_subnet_cidrs.clone().into()),
            vpc_endpoints: Some(vec!["s3".to_owned(), "dynamodb".to_owned(), "secretsmanager".to_owned()]),
            tags: Some(tags.clone().into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let vpc_id = network.vpc_id.clone();
    let private_subnets = network.private_subnet_ids.clone();

    // --- Security groups (A7, A9-A11): Lambda -> 5432 proxy -> 5432 Aurora; Lambda -> 6379 Redis.
    let lambda_sg = ec2::SecurityGroup::new(
        &ctx,
        "LambdaSecurityGroup",
        ec2::SecurityGroupArgs {
            group_description: "Lambda ENIs (egress only)".into(),
            vpc_id: Some(vpc_id.clone().into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let proxy_sg = ec2::SecurityGroup::new(
        &ctx,
        "DbProxySecurityGroup",
        ec2::SecurityGroupArgs {
            group_description: "RDS Proxy, 5432 from Lambda".into(),
            vpc_id: Some(vpc_id.clone().into()),
            security_group_ingress: ingress_from(&lambda_sg, 5432),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let database_sg = ec2::SecurityGroup::new(
        &ctx,
        "DatabaseSecurityGroup",
        ec2::SecurityGroupArgs {
            group_description: "Aurora, 5432 from RDS Proxy only".into(),
            vpc_id: Some(vpc_id.clone().into()),
            security_group_ingress: ingress_from(&proxy_sg, 5432),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let cache_sg = ec2::SecurityGroup::new(
        &ctx,
        "CacheSecurityGroup",
        ec2::SecurityGroupArgs {
            group_description: "Redis, 6379 from Lambda".into(),
            vpc_id: Some(vpc_id.clone().into()),
            security_group_ingress: ingress_from(&lambda_sg, 6379),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;

    // --- Database (A15-A22): the master password is generated here and written twice (the
    // secret and the cluster); it stays secret in state and is never read back.
    let password = RandomPassword::new(
        &ctx,
        "DbMasterPassword",
        RandomArgs { length: 32.into(), override_special: Some("!#$%&*()-_=+[]{}<>:?".into()), ..Default::default() },
        ResourceOptions::default(),
    )?;
    let master_username = "app_admin";
    let db_subnet_group = rds::DbSubnetGroup::new(
        &ctx,
        "DbSubnetGroup",
        rds::DbSubnetGroupArgs {
            db_subnet_group_description: "Aurora private subnets".into(),
            subnet_ids: list(&private_subnets),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let db_secret = secretsmanager::Secret::new(
        &ctx,
        "DbSecret",
        secretsmanager::SecretArgs {
            name: Some(format!("{prefix}/aurora/master").into()),
            description: Some("Aurora master credentials (used by RDS Proxy and the Lambda)".into()),
            secret_string: Some(
                password
                    .result()
                    .map(move |password| json!({"username": master_username, "password": password}).to_string())
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
            engine: Some("aurora-postgresql".into()),
            engine_version: Some(settings.db_engine_version.clone().into()),
            database_name: Some("events".into()),
            master_username: Some(master_username.into()),
            master_user_password: Some(password.result().into()),
            db_subnet_group_name: Some(db_subnet_group.db_subnet_group_name().into()),
            vpc_security_group_ids: Some(items([database_sg.group_id().into()])),
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
    let writer = rds::DbInstance::new(
        &ctx,
        "AuroraWriterInstance",
        rds::DbInstanceArgs {
            db_cluster_identifier: Some(cluster.db_cluster_identifier().into()),
            db_instance_class: Some("db.serverless".into()),
            engine: Some("aurora-postgresql".into()),
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
    let proxy_role = iam::Role::new(
        &ctx,
        "DbProxyRole",
        iam::RoleArgs {
            role_name: Some(format!("{prefix}-rds-proxy").into()),
            assume_role_policy_document: assume_role_policy("rds.amazonaws.com").into(),
            policies: Some(
                vec![Input::Value(iam::RolePolicy2Args {
                    policy_name: "read-db-secret".into(),
                    policy_document: policy_document(vec![(vec!["secretsmanager:GetSecretValue"], db_secret.aws_id())]),
                })]
                .into(),
            ),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let proxy = rds::DbProxy::new(
        &ctx,
        "DbProxy",
        rds::DbProxyArgs {
            db_proxy_name: format!("{prefix}-proxy").into(),
            engine_family: rds::DbProxyEngineFamily::Postgresql.into(),
            role_arn: proxy_role.arn().into(),
            auth: Some(
                vec![Input::Value(rds::DbProxyAuthFormatArgs {
                    auth_scheme: Some(rds::DbProxyAuthFormatAuthScheme::Secrets.into()),
                    secret_arn: Some(db_secret.aws_id().into()),
                    iam_auth: Some(rds::DbProxyAuthFormatIamAuth::Disabled.into()),
                    ..Default::default()
                })]
                .into(),
            ),
            vpc_subnet_ids: list(&private_subnets),
            vpc_security_group_ids: Some(items([proxy_sg.group_id().into()])),
            require_tls: Some(true.into()),
            idle_client_timeout: Some(1800.into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    // Registering the cluster fails while it has no available instance: after the writer.
    rds::DbProxyTargetGroup::new(
        &ctx,
        "DbProxyTargetGroup",
        rds::DbProxyTargetGroupArgs {
            db_proxy_name: proxy.db_proxy_name().into(),
            target_group_name: rds::DbProxyTargetGroupName::Default.into(),
            db_cluster_identifiers: Some(items([cluster.db_cluster_identifier().into()])),
            connection_pool_configuration_info: Some(
                rds::DbProxyTargetGroupConnectionPoolConfigurationInfoFormatArgs {
                    max_connections_percent: Some(90.into()),
                    ..Default::default()
                }
                .into(),
            ),
            ..Default::default()
        },
        ResourceOptions::new().depends_on(&writer),
    )?;

    // --- Cache (A23, A24).
    let cache_subnet_group = elasticache::SubnetGroup::new(
        &ctx,
        "CacheSubnetGroup",
        elasticache::SubnetGroupArgs {
            cache_subnet_group_name: Some(format!("{prefix}-cache").into()),
            description: "Redis private subnets".into(),
            subnet_ids: list(&private_subnets),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let redis = elasticache::ReplicationGroup::new(
        &ctx,
        "RedisReplicationGroup",
        elasticache::ReplicationGroupArgs {
            replication_group_description: "API read cache in front of Aurora".into(),
            engine: Some("redis".into()),
            engine_version: Some("7.1".into()),
            cache_node_type: Some(settings.cache_node_type.clone().into()),
            num_cache_clusters: Some(settings.cache_node_count.into()),
            automatic_failover_enabled: Some((settings.cache_node_count > 1).into()),
            multi_az_enabled: Some((settings.cache_node_count > 1).into()),
            cache_subnet_group_name: Some(cache_subnet_group.cache_subnet_group_name().into()),
            security_group_ids: Some(items([cache_sg.group_id().into()])),
            transit_encryption_enabled: Some(true.into()),
            at_rest_encryption_enabled: Some(true.into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;

    // --- Data (A25-A27).
    // KeySchema is built in the dynamic form: the vendored schema declares it as one object
    // (cfn-lint's copy lost the array), so the typed field cannot hold the list the API takes.
    let events_table = ctx.create_dyn::<dynamodb::Table>(
        "EventsTable",
        DynInput::Value(json!({
            "TableName": format!("{prefix}-events"),
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "SSESpecification": {"SSEEnabled": true},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true},
        })),
        ResourceOptions::default(),
    )?;
    let large_files = s3::Bucket::new(
        &ctx,
        "LargeFilesBucket",
        s3::BucketArgs {
            bucket_name: Some(format!("{prefix}-large-files-{account}-{region}").into()),
            bucket_encryption: Some(
                s3::BucketEncryptionArgs {
                    server_side_encryption_configuration: vec![Input::Value(s3::BucketServerSideEncryptionRuleArgs {
                        server_side_encryption_by_default: Some(
                            s3::BucketServerSideEncryptionByDefaultArgs {
                                sse_algorithm: s3::BucketServerSideEncryptionByDefaultSseAlgorithm::AwsKms.into(),
                                ..Default::default()
                            }
                            .into(),
                        ),
                        bucket_key_enabled: Some(true.into()),
                        ..Default::default()
                    })]
                    .into(),
                }
                .into(),
            ),
            public_access_block_configuration: block_public_access(),
            ownership_controls: Some(
                s3::BucketOwnershipControlsArgs {
                    rules: vec![Input::Value(s3::BucketOwnershipControlsRuleArgs {
                        object_ownership: Some(
                            s3::BucketOwnershipControlsRuleObjectOwnership::BucketOwnerEnforced.into(),
                        ),
                    })]
                    .into(),
                }
                .into(),
            ),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let artifacts = s3::Bucket::new(
        &ctx,
        "ArtifactsBucket",
        s3::BucketArgs {
            bucket_name: Some(format!("{prefix}-artifacts-{account}-{region}").into()),
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
            versioning_configuration: Some(
                s3::BucketVersioningConfigurationArgs {
                    status: s3::BucketVersioningConfigurationStatus::Enabled.into(),
                }
                .into(),
            ),
            public_access_block_configuration: block_public_access(),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;

    // --- The function (A28-A30): its log group, least-privilege role and the function itself.
    let mut function_args = ServerlessFunctionArgs::new(FileArchive::new("../app"), "main.handler", "python3.13");
    function_args.function_name = Some(format!("{prefix}-events").into());
    function_args.description = Some("Events API: POST /events, GET /events/{id}".into());
    function_args.memory_size = Some(settings.lambda_memory_size.into());
    function_args.timeout = Some(settings.lambda_timeout.into());
    function_args.architecture = Some(Architecture::Arm64.into());
    function_args.log_retention_days = Some(settings.log_retention_days.into());
    function_args.subnet_ids = Some(private_subnets.clone().into());
    function_args.security_group_ids = Some(lambda_sg.group_id().map(|id| vec![id]).into());
    function_args.environment = Some(
        BTreeMap::from([
            ("EVENTS_TABLE".to_owned(), events_table.table_name().into()),
            ("DB_PROXY_ENDPOINT".to_owned(), proxy.endpoint().into()),
            ("DB_SECRET_ARN".to_owned(), db_secret.aws_id().into()),
            ("REDIS_HOST".to_owned(), redis.primary_end_point().map(|endpoint| endpoint.address).into()),
            ("LARGE_FILES_BUCKET".to_owned(), large_files.bucket_name().into()),
        ])
        .into(),
    );
    function_args.policy_statements = Some(
        vec![
            PolicyStatement::allow(["dynamodb:PutItem", "dynamodb:GetItem"], [events_table.arn()]),
            PolicyStatement::allow(["s3:GetObject", "s3:PutObject"], [large_files.arn().map(|arn| format!("{arn}/*"))]),
            PolicyStatement::allow(["secretsmanager:GetSecretValue"], [db_secret.aws_id()]),
        ]
        .into(),
    );
    function_args.tags = Some(tags.clone().into());
    let function = ServerlessFunction::new(&ctx, "EventsFunction", function_args, ResourceOptions::default())?;

    // --- REST API (A31-A38).
    let api_name = format!("{prefix}-events");
    let rest_api = apigateway::RestApi::new(
        &ctx,
        "RestApi",
        apigateway::RestApiArgs {
            name: Some(api_name.clone().into()),
            endpoint_configuration: Some(
                apigateway::RestApiEndpointConfigurationArgs {
                    types: Some(items(["REGIONAL".into()])),
                    ..Default::default()
                }
                .into(),
            ),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let api_id = rest_api.rest_api_id();
    let events_resource = apigateway::Resource::new(
        &ctx,
        "EventsResource",
        apigateway::ResourceArgs {
            rest_api_id: api_id.clone().into(),
            parent_id: rest_api.root_resource_id().into(),
            path_part: "events".into(),
        },
        ResourceOptions::default(),
    )?;
    let event_by_id_resource = apigateway::Resource::new(
        &ctx,
        "EventByIdResource",
        apigateway::ResourceArgs {
            rest_api_id: api_id.clone().into(),
            parent_id: events_resource.resource_id().into(),
            path_part: "{id}".into(),
        },
        ResourceOptions::default(),
    )?;
    let invocation_uri = {
        let (partition, region) = (partition.clone(), region.clone());
        function.function_arn.map(move |arn| {
            format!("arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations")
        })
    };
    let mut methods = Vec::new();
    for route in ROUTES {
        let resource = match route.path {
            "/events" => &events_resource,
            _ => &event_by_id_resource,
        };
        let request_parameters = (!route.path_parameters.is_empty()).then(|| {
            Input::Value(
                route
                    .path_parameters
                    .iter()
                    .map(|name| (format!("method.request.path.{name}"), Input::Value(json!(true))))
                    .collect(),
            )
        });
        methods.push(apigateway::Method::new(
            &ctx,
            route.method_name,
            apigateway::MethodArgs {
                rest_api_id: api_id.clone().into(),
                resource_id: resource.resource_id().into(),
                http_method: route.http_method.into(),
                authorization_type: Some(AUTHORIZATION.into()),
                request_parameters,
                integration: Some(
                    apigateway::MethodIntegrationArgs {
                        r#type: apigateway::MethodIntegrationType::AwsProxy.into(),
                        integration_http_method: Some("POST".into()),
                        uri: Some(invocation_uri.clone().into()),
                        ..Default::default()
                    }
                    .into(),
                ),
                ..Default::default()
            },
            ResourceOptions::default(),
        )?);
    }
    lambda::Permission::new(
        &ctx,
        "ApiInvokePermission",
        lambda::PermissionArgs {
            function_name: function.function_arn.clone().into(),
            action: "lambda:InvokeFunction".into(),
            principal: "apigateway.amazonaws.com".into(),
            source_arn: Some(
                {
                    let (partition, region, account) = (partition.clone(), region.clone(), account.clone());
                    api_id.map(move |id| format!("arn:{partition}:execute-api:{region}:{account}:{id}/*/*/events*"))
                }
                .into(),
            ),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    // A deployment is a snapshot of the routes: a new route table means a new deployment (the
    // stage moves to it, then the old one is deleted).
    let mut deployment_options = ResourceOptions::new().replace_on_changes(["Description"]);
    for method in &methods {
        deployment_options = deployment_options.depends_on(method);
    }
    let deployment = apigateway::Deployment::new(
        &ctx,
        "ApiDeployment",
        apigateway::DeploymentArgs {
            rest_api_id: api_id.clone().into(),
            description: Some(format!("routes-{}", routes_hash(ROUTES)).into()),
            ..Default::default()
        },
        deployment_options,
    )?;
    let stage = apigateway::Stage::new(
        &ctx,
        "ApiStage",
        apigateway::StageArgs {
            rest_api_id: api_id.clone().into(),
            stage_name: Some(settings.stage_name.clone().into()),
            deployment_id: Some(deployment.deployment_id().into()),
            method_settings: Some(
                vec![Input::Value(apigateway::StageMethodSettingArgs {
                    resource_path: Some("/*".into()),
                    http_method: Some("*".into()),
                    throttling_rate_limit: Some(settings.throttling_rate_limit.into()),
                    throttling_burst_limit: Some(settings.throttling_burst_limit.into()),
                    metrics_enabled: Some(true.into()),
                    ..Default::default()
                })]
                .into(),
            ),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;

    // --- Custom domain (A39-A43). The zone's name servers must be delegated at the registrar
    // before the certificate can be validated (out of band, see the README).
    let zone = route53::HostedZone::new(
        &ctx,
        "HostedZone",
        route53::HostedZoneArgs { name: Some(settings.zone_name.clone().into()), ..Default::default() },
        ResourceOptions::default(),
    )?;
    let certificate = certificatemanager::Certificate::new(
        &ctx,
        "ApiCertificate",
        certificatemanager::CertificateArgs {
            domain_name: settings.api_host_name.clone().into(),
            validation_method: Some("DNS".into()),
            domain_validation_options: Some(
                vec![Input::Value(certificatemanager::CertificateDomainValidationOptionArgs {
                    domain_name: Some(settings.api_host_name.clone().into()),
                    hosted_zone_id: Some(zone.aws_id().into()),
                    ..Default::default()
                })]
                .into(),
            ),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let domain = apigateway::DomainName::new(
        &ctx,
        "ApiDomainName",
        apigateway::DomainNameArgs {
            domain_name: Some(settings.api_host_name.clone().into()),
            regional_certificate_arn: Some(certificate.certificate_arn().into()),
            endpoint_configuration: Some(
                apigateway::DomainNameEndpointConfigurationArgs {
                    types: Some(items(["REGIONAL".into()])),
                    ..Default::default()
                }
                .into(),
            ),
            security_policy: Some("TLS_1_2".into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    apigateway::BasePathMapping::new(
        &ctx,
        "ApiBasePathMapping",
        apigateway::BasePathMappingArgs {
            domain_name: domain.domain_name().into(),
            rest_api_id: Some(api_id.clone().into()),
            stage: Some(stage.stage_name().into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    route53::RecordSet::new(
        &ctx,
        "ApiDnsRecord",
        route53::RecordSetArgs {
            hosted_zone_id: Some(zone.aws_id().into()),
            name: settings.api_host_name.clone().into(),
            r#type: "A".into(),
            alias_target: Some(
                route53::RecordSetAliasTargetArgs {
                    dns_name: domain.regional_domain_name().into(),
                    hosted_zone_id: domain.regional_hosted_zone_id().into(),
                    evaluate_target_health: Some(false.into()),
                }
                .into(),
            ),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;

    // --- CI identity (A44, A45): code-only deploys (upload the zip, update the function,
    // redeploy the stage); infrastructure changes go through this program.
    let ci_user = iam::User::new(
        &ctx,
        "CiUser",
        iam::UserArgs { user_name: Some(format!("gitlab-ci-{prefix}").into()), ..Default::default() },
        ResourceOptions::default(),
    )?;
    let ci_policy_document = {
        let (partition, region) = (partition.clone(), region.clone());
        Output::all([artifacts.arn(), function.function_arn.clone(), api_id.clone(), stage.stage_name()]).map(
            move |values| {
                let [bucket, function, api, stage] = <[String; 4]>::try_from(values).unwrap_or_default();
                json!({
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Sid": "UploadArtifacts", "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
                         "Resource": format!("{bucket}/*")},
                        {"Sid": "ListArtifacts", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": bucket},
                        {"Sid": "UpdateFunction", "Effect": "Allow",
                         "Action": ["lambda:UpdateFunctionCode", "lambda:GetFunction", "lambda:GetFunctionConfiguration",
                                    "lambda:PublishVersion"],
                         "Resource": function},
                        {"Sid": "Redeploy", "Effect": "Allow", "Action": ["apigateway:POST", "apigateway:PATCH", "apigateway:GET"],
                         "Resource": [
                             format!("arn:{partition}:apigateway:{region}::/restapis/{api}/deployments"),
                             format!("arn:{partition}:apigateway:{region}::/restapis/{api}/stages/{stage}"),
                         ]},
                    ]
                })
            },
        )
    };
    let ci_policy = iam::ManagedPolicy::new(
        &ctx,
        "CiDeployPolicy",
        iam::ManagedPolicyArgs {
            managed_policy_name: Some(format!("{prefix}-ci-deploy").into()),
            users: Some(items([ci_user.user_name().into()])),
            policy_document: ci_policy_document.into(),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;

    // --- Optional extras (A46-A52), switched on by config.
    if let Some(project_path) = &settings.gitlab_project {
        let host = settings.gitlab_url.trim_start_matches("https://").trim_end_matches('/').to_owned();
        let provider = iam::OidcProvider::new(
            &ctx,
            "GitLabOidcProvider",
            iam::OidcProviderArgs {
                url: Some(settings.gitlab_url.clone().into()),
                client_id_list: Some(items([settings.gitlab_url.clone().into()])),
                ..Default::default()
            },
            ResourceOptions::default(),
        )?;
        let subject = format!("project_path:{project_path}:ref_type:branch:ref:{}", settings.gitlab_ref);
        iam::Role::new(
            &ctx,
            "CiDeployRole",
            iam::RoleArgs {
                role_name: Some(format!("{prefix}-ci-deploy").into()),
                assume_role_policy_document: Input::Output(provider.arn().map(move |arn| {
                    json!({
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Effect": "Allow",
                            "Principal": {"Federated": arn},
                            "Action": "sts:AssumeRoleWithWebIdentity",
                            "Condition": {"StringLike": {format!("{host}:sub"): subject}}
                        }]
                    })
                })),
                managed_policy_arns: Some(items([ci_policy.policy_arn().into()])),
                ..Default::default()
            },
            ResourceOptions::default(),
        )?;
    }
    if settings.enable_waf {
        let visibility = |metric: &str| wafv2::WebAclVisibilityConfigArgs {
            sampled_requests_enabled: true.into(),
            cloud_watch_metrics_enabled: true.into(),
            metric_name: metric.into(),
        };
        let acl = wafv2::WebAcl::new(
            &ctx,
            "ApiWebAcl",
            wafv2::WebAclArgs {
                name: Some(format!("{prefix}-acl").into()),
                scope: wafv2::WebAclScope::Regional.into(),
                default_action: wafv2::WebAclDefaultActionArgs {
                    allow: Some(wafv2::WebAclAllowActionArgs::default().into()),
                    ..Default::default()
                }
                .into(),
                visibility_config: visibility(&format!("{prefix}-acl")).into(),
                rules: Some(
                    vec![Input::Value(wafv2::WebAclRuleArgs {
                        name: "aws-common".into(),
                        priority: 0.into(),
                        override_action: Some(
                            wafv2::WebAclOverrideActionArgs { none: Some(json!({}).into()), ..Default::default() }
                                .into(),
                        ),
                        statement: wafv2::WebAclStatementArgs {
                            managed_rule_group_statement: Some(
                                Box::new(wafv2::WebAclManagedRuleGroupStatementArgs {
                                    vendor_name: "AWS".into(),
                                    name: "AWSManagedRulesCommonRuleSet".into(),
                                    ..Default::default()
                                })
                                .into(),
                            ),
                            ..Default::default()
                        }
                        .into(),
                        visibility_config: visibility("aws-common").into(),
                        ..Default::default()
                    })]
                    .into(),
                ),
                ..Default::default()
            },
            ResourceOptions::default(),
        )?;
        let stage_arn = {
            let (partition, region) = (partition.clone(), region.clone());
            api_id
                .zip(&stage.stage_name())
                .map(move |(api, stage)| format!("arn:{partition}:apigateway:{region}::/restapis/{api}/stages/{stage}"))
        };
        wafv2::WebAclAssociation::new(
            &ctx,
            "ApiWebAclAssociation",
            wafv2::WebAclAssociationArgs { web_acl_arn: acl.arn().into(), resource_arn: stage_arn.into() },
            ResourceOptions::default(),
        )?;
    }
    if settings.enable_alarms {
        let topic = sns::Topic::new(
            &ctx,
            "AlertsTopic",
            sns::TopicArgs { topic_name: Some(format!("{prefix}-alerts").into()), ..Default::default() },
            ResourceOptions::default(),
        )?;
        let alarm =
            |name: &str, namespace: &str, metric: &str, threshold: f64, dimensions: Vec<(&str, Output<String>)>| {
                cloudwatch::AlarmArgs {
                    alarm_name: Some(name.into()),
                    namespace: Some(namespace.into()),
                    metric_name: Some(metric.into()),
                    dimensions: Some(
                        dimensions
                            .into_iter()
                            .map(|(name, value)| {
                                Input::Value(cloudwatch::AlarmDimensionArgs { name: name.into(), value: value.into() })
                            })
                            .collect::<Vec<_>>()
                            .into(),
                    ),
                    statistic: Some(cloudwatch::AlarmStatistic::Sum.into()),
                    period: Some(300.into()),
                    evaluation_periods: Some(1.into()),
                    threshold: Some(threshold.into()),
                    comparison_operator: Some(
                        cloudwatch::AlarmComparisonOperator::GreaterThanOrEqualToThreshold.into(),
                    ),
                    treat_missing_data: Some(cloudwatch::AlarmTreatMissingData::NotBreaching.into()),
                    alarm_actions: Some(items([topic.topic_arn().into()])),
                    ..Default::default()
                }
            };
        cloudwatch::Alarm::new(
            &ctx,
            "EventsFunctionErrorsAlarm",
            alarm(
                &format!("{prefix}-lambda-errors"),
                "AWS/Lambda",
                "Errors",
                1.0,
                vec![("FunctionName", function.function_name.clone())],
            ),
            ResourceOptions::default(),
        )?;
        cloudwatch::Alarm::new(
            &ctx,
            "Api5xxAlarm",
            alarm(
                &format!("{prefix}-5xx"),
                "AWS/ApiGateway",
                "5XXError",
                5.0,
                vec![
                    ("ApiName", rest_api.name().map(move |name| name.unwrap_or(api_name))),
                    ("Stage", stage.stage_name()),
                ],
            ),
            ResourceOptions::default(),
        )?;
    }

    // --- Outputs (the inventory's user-visible outputs).
    let invoke_url = {
        let region = region.clone();
        api_id
            .zip(&stage.stage_name())
            .map(move |(api, stage)| format!("https://{api}.execute-api.{region}.amazonaws.com/{stage}"))
    };
    ctx.export("ApiInvokeUrl", invoke_url);
    ctx.export("ApiCustomUrl", format!("https://{}/", settings.api_host_name));
    ctx.export("ApiDomainTarget", domain.regional_domain_name());
    ctx.export("HostedZoneId", zone.aws_id());
    ctx.export("HostedZoneNameServers", zone.name_servers());
    ctx.export("EventsTableName", events_table.table_name());
    ctx.export("EventsFunctionName", function.function_name.clone());
    ctx.export("EventsFunctionArn", function.function_arn.clone());
    ctx.export("LargeFilesBucketName", large_files.bucket_name());
    ctx.export("ArtifactsBucketName", artifacts.bucket_name());
    ctx.export("DbProxyEndpoint", proxy.endpoint());
    ctx.export("AuroraWriterEndpoint", cluster.endpoint().map(|endpoint| endpoint.address));
    ctx.export("AuroraReaderEndpoint", cluster.read_endpoint().map(|endpoint| endpoint.address));
    ctx.export(
        "RedisPrimaryEndpoint",
        redis.primary_end_point().map(|endpoint| format!("{}:{}", endpoint.address, endpoint.port)),
    );
    ctx.export("DbSecretArn", db_secret.aws_id());
    ctx.export("CiUserName", ci_user.user_name());
    ctx.export("CiDeployPolicyArn", ci_policy.policy_arn());
    ctx.export("VpcId", vpc_id);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_routes_hash_is_stable_and_covers_every_route_field() {
        // The Python and TypeScript variants compute the same value from the same table.
        let hash = routes_hash(ROUTES);
        assert_eq!(hash.len(), 12);
        assert_eq!(hash, routes_hash(ROUTES));
        let changed = [Route { method_name: "X", http_method: "PUT", path: "/events", path_parameters: &[] }];
        assert_ne!(routes_hash(&changed), routes_hash(&ROUTES[..1]));
    }
}
