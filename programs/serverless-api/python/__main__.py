"""Reference architecture A, ``serverless-api`` (Python variant).

A REST API on API Gateway (``POST /events``, ``GET /events/{id}``) served by one Lambda function
(the shared code in ``../app``) that stores events in DynamoDB; the function runs in private
subnets and reaches DynamoDB, S3 and Secrets Manager through VPC endpoints, Aurora PostgreSQL
through RDS Proxy, and Redis. Plus the large-files and artifacts buckets, the database secret,
the hosted zone, certificate and custom domain, and the least-privilege CI identity.

The inventory is ``shared/docs/reference-architectures.md``, program A. The Rust (``../rust``)
and TypeScript (``../node``) variants declare the same resources with the same logical names and
properties.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Dict, Final, List, Optional, Sequence, Tuple

import engine_sdk as engine
from engine_sdk.aws import (
    apigateway,
    certificatemanager,
    cloudwatch,
    dynamodb,
    ec2,
    elasticache,
    iam,
    lambda_,
    rds,
    route53,
    s3,
    secretsmanager,
    sns,
    wafv2,
)
from generated.platform import Network, ServerlessFunction


@dataclass(frozen=True)
class Route:
    """One route of the REST API."""

    method_name: str  # the logical name of the AWS::ApiGateway::Method
    http_method: str
    path: str
    path_parameters: Tuple[str, ...] = ()  # required path parameters (method.request.path.<name>)


# The routes of the REST API. The deployment's identity is a hash of this table: any change to it
# makes a new deployment (API Gateway deployments are snapshots; updating one does not redeploy).
ROUTES = (
    Route("PostEventsMethod", "POST", "/events"),
    Route("GetEventByIdMethod", "GET", "/events/{id}", ("id",)),
)
# Every route is a Lambda proxy integration without authorization (seed 002's API).
AUTHORIZATION: Final = "NONE"
INTEGRATION: Final = "AWS_PROXY"


def routes_hash(routes: Sequence[Route]) -> str:
    """The first 12 hex digits of the SHA-256 of one line per route, ``METHOD PATH AUTHORIZATION
    INTEGRATION PARAMETERS`` (the three variants compute the same text)."""
    text = "".join(
        f"{r.http_method} {r.path} {AUTHORIZATION} {INTEGRATION} {','.join(r.path_parameters)}\n" for r in routes
    )
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass
class Settings:
    """The stack's configuration (``Engine.<stack>.toml``), with the inventory's values as defaults."""

    prefix: str  # prefix of every fixed physical name (<project>-<stack> unless namePrefix is set)
    zone_name: str
    api_host_name: str
    vpc_cidr: str = "10.0.0.0/16"
    private_subnet_cidrs: List[str] = field(default_factory=lambda: ["10.0.1.0/24", "10.0.2.0/24"])
    log_retention_days: int = 30
    lambda_memory_size: int = 512
    lambda_timeout: int = 15
    db_engine_version: str = "16.9"
    db_min_capacity: float = 0.5
    db_max_capacity: float = 16.0
    db_backup_retention_days: int = 7
    cache_node_type: str = "cache.t4g.small"
    cache_node_count: int = 2
    stage_name: str = "prod"
    throttling_rate_limit: float = 100.0
    throttling_burst_limit: int = 200
    gitlab_project: Optional[str] = None  # group/project on GitLab: the OIDC provider and CI role (A46, A47)
    gitlab_url: str = "https://gitlab.com"
    gitlab_ref: str = "main"
    enable_waf: bool = False  # the web ACL on the stage (A48, A49)
    enable_alarms: bool = False  # the alerts topic and the two alarms (A50-A52)

    @staticmethod
    def load() -> "Settings":
        config = engine.Config()
        zone_name = config.require("zoneName")
        defaults = Settings(prefix="", zone_name="", api_host_name="")

        def get_int(key: str, default: int) -> int:
            value = config.get_int(key)
            return default if value is None else value

        def get_float(key: str, default: float) -> float:
            value = config.get_float(key)
            return default if value is None else value

        return Settings(
            prefix=config.get("namePrefix") or f"{engine.get_project()}-{engine.get_stack()}",
            zone_name=zone_name,
            api_host_name=config.get("apiHostName") or f"api.{zone_name}",
            vpc_cidr=config.get("vpcCidr") or defaults.vpc_cidr,
            private_subnet_cidrs=config.get_object("privateSubnetCidrs") or defaults.private_subnet_cidrs,
            log_retention_days=get_int("logRetentionDays", defaults.log_retention_days),
            lambda_memory_size=get_int("lambdaMemorySize", defaults.lambda_memory_size),
            lambda_timeout=get_int("lambdaTimeout", defaults.lambda_timeout),
            db_engine_version=config.get("dbEngineVersion") or defaults.db_engine_version,
            db_min_capacity=get_float("dbMinCapacity", defaults.db_min_capacity),
            db_max_capacity=get_float("dbMaxCapacity", defaults.db_max_capacity),
            db_backup_retention_days=get_int("dbBackupRetentionDays", defaults.db_backup_retention_days),
            cache_node_type=config.get("cacheNodeType") or defaults.cache_node_type,
            cache_node_count=get_int("cacheNodeCount", defaults.cache_node_count),
            stage_name=config.get("stageName") or defaults.stage_name,
            throttling_rate_limit=get_float("throttlingRateLimit", defaults.throttling_rate_limit),
            throttling_burst_limit=get_int("throttlingBurstLimit", defaults.throttling_burst_limit),
            gitlab_project=config.get("gitlabProject"),
            gitlab_url=config.get("gitlabUrl") or defaults.gitlab_url,
            gitlab_ref=config.get("gitlabRef") or defaults.gitlab_ref,
            enable_waf=config.get_bool("enableWaf") is True,
            enable_alarms=config.get_bool("enableAlarms") is True,
        )


def ingress_from(group: ec2.SecurityGroup, port: int) -> List[ec2.SecurityGroupIngress2Args]:
    """One ingress rule: TCP ``port`` from a security group."""
    return [{"ip_protocol": "tcp", "from_port": port, "to_port": port, "source_security_group_id": group.group_id}]


def policy_document(*statements: Tuple[List[str], engine.Input[str]]) -> engine.Output[Dict[str, Any]]:
    """A policy document allowing each ``(actions, resource)`` pair."""
    return engine.Output.all(*(resource for _, resource in statements)).apply(
        lambda resources: {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": actions, "Resource": resource}
                for (actions, _), resource in zip(statements, resources)
            ],
        }
    )


def assume_role_policy(service: str) -> Dict[str, Any]:
    """The trust policy of a role assumed by an AWS service."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }


BLOCK_PUBLIC_ACCESS: s3.BucketPublicAccessBlockConfigurationArgs = {
    "block_public_acls": True,
    "block_public_policy": True,
    "ignore_public_acls": True,
    "restrict_public_buckets": True,
}


def main() -> None:
    settings = Settings.load()
    prefix = settings.prefix
    region = engine.get_region()
    identity = engine.get_caller_identity()
    account = identity["account_id"]
    partition = identity["arn"].split(":")[1]
    tags = {"project": engine.get_project(), "stack": engine.get_stack()}

    # --- Network (A1-A6, A8, A12-A14): private subnets only; S3 and DynamoDB through gateway
    # endpoints, Secrets Manager through an interface endpoint (no NAT gateway).
    network = Network(
        "Network",
        cidr_block=settings.vpc_cidr,
        availability_zone_count=2,
        public_subnets=False,
        private_subnet_cidrs=settings.private_subnet_cidrs,
        vpc_endpoints=["s3", "dynamodb", "secretsmanager"],
        tags=tags,
    )
    vpc_id = network.vpc_id
    private_subnets = network.private_subnet_ids

    # --- Security groups (A7, A9-A11): Lambda -> 5432 proxy -> 5432 Aurora; Lambda -> 6379 Redis.
    lambda_sg = ec2.SecurityGroup("LambdaSecurityGroup", group_description="Lambda ENIs (egress only)", vpc_id=vpc_id)
    proxy_sg = ec2.SecurityGroup(
        "DbProxySecurityGroup",
        group_description="RDS Proxy, 5432 from Lambda",
        vpc_id=vpc_id,
        security_group_ingress=ingress_from(lambda_sg, 5432),
    )
    database_sg = ec2.SecurityGroup(
        "DatabaseSecurityGroup",
        group_description="Aurora, 5432 from RDS Proxy only",
        vpc_id=vpc_id,
        security_group_ingress=ingress_from(proxy_sg, 5432),
    )
    cache_sg = ec2.SecurityGroup(
        "CacheSecurityGroup",
        group_description="Redis, 6379 from Lambda",
        vpc_id=vpc_id,
        security_group_ingress=ingress_from(lambda_sg, 6379),
    )

    # --- Database (A15-A22): the master password is generated here and written twice (the secret
    # and the cluster); it stays secret in state and is never read back.
    password = engine.RandomPassword("DbMasterPassword", length=32, override_special="!#$%&*()-_=+[]{}<>:?")
    master_username = "app_admin"
    db_subnet_group = rds.DbSubnetGroup(
        "DbSubnetGroup", db_subnet_group_description="Aurora private subnets", subnet_ids=private_subnets
    )
    db_secret = secretsmanager.Secret(
        "DbSecret",
        name=f"{prefix}/aurora/master",
        description="Aurora master credentials (used by RDS Proxy and the Lambda)",
        secret_string=password.result.apply(
            lambda pw: json.dumps({"username": master_username, "password": pw}, separators=(",", ":"))
        ),
    )
    cluster = rds.DbCluster(
        "AuroraCluster",
        engine="aurora-postgresql",
        engine_version=settings.db_engine_version,
        database_name="events",
        master_username=master_username,
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
    writer = rds.DbInstance(
        "AuroraWriterInstance",
        db_cluster_identifier=cluster.db_cluster_identifier,
        db_instance_class="db.serverless",
        engine="aurora-postgresql",
        publicly_accessible=False,
    )
    secretsmanager.SecretTargetAttachment(
        "DbSecretAttachment",
        secret_id=db_secret.aws_id,
        target_id=cluster.db_cluster_identifier,
        target_type="AWS::RDS::DBCluster",
    )
    proxy_role = iam.Role(
        "DbProxyRole",
        role_name=f"{prefix}-rds-proxy",
        assume_role_policy_document=assume_role_policy("rds.amazonaws.com"),
        policies=[
            {
                "policy_name": "read-db-secret",
                "policy_document": policy_document((["secretsmanager:GetSecretValue"], db_secret.aws_id)),
            }
        ],
    )
    proxy = rds.DbProxy(
        "DbProxy",
        db_proxy_name=f"{prefix}-proxy",
        engine_family="POSTGRESQL",
        role_arn=proxy_role.arn,
        auth=[{"auth_scheme": "SECRETS", "secret_arn": db_secret.aws_id, "iam_auth": "DISABLED"}],
        vpc_subnet_ids=private_subnets,
        vpc_security_group_ids=[proxy_sg.group_id],
        require_tls=True,
        idle_client_timeout=1800,
    )
    # Registering the cluster fails while it has no available instance: after the writer.
    rds.DbProxyTargetGroup(
        "DbProxyTargetGroup",
        db_proxy_name=proxy.db_proxy_name,
        target_group_name="default",
        db_cluster_identifiers=[cluster.db_cluster_identifier],
        connection_pool_configuration_info={"max_connections_percent": 90},
        opts=engine.ResourceOptions(depends_on=[writer]),
    )

    # --- Cache (A23, A24).
    cache_subnet_group = elasticache.SubnetGroup(
        "CacheSubnetGroup",
        cache_subnet_group_name=f"{prefix}-cache",
        description="Redis private subnets",
        subnet_ids=private_subnets,
    )
    redis = elasticache.ReplicationGroup(
        "RedisReplicationGroup",
        replication_group_description="API read cache in front of Aurora",
        engine="redis",
        engine_version="7.1",
        cache_node_type=settings.cache_node_type,
        num_cache_clusters=settings.cache_node_count,
        automatic_failover_enabled=settings.cache_node_count > 1,
        multi_az_enabled=settings.cache_node_count > 1,
        cache_subnet_group_name=cache_subnet_group.cache_subnet_group_name,
        security_group_ids=[cache_sg.group_id],
        transit_encryption_enabled=True,
        at_rest_encryption_enabled=True,
    )

    # --- Data (A25-A27).
    events_table = dynamodb.Table(
        "EventsTable",
        table_name=f"{prefix}-events",
        billing_mode="PAY_PER_REQUEST",
        attribute_definitions=[{"attribute_name": "id", "attribute_type": "S"}],
        # Written with the schema's names: the vendored schema declares KeySchema as one object
        # (cfn-lint's copy lost the array), so the typed argument does not describe the list the
        # API takes; a list is passed through as written.
        key_schema=[{"AttributeName": "id", "KeyType": "HASH"}],  # type: ignore[arg-type]
        sse_specification={"sse_enabled": True},
        point_in_time_recovery_specification={"point_in_time_recovery_enabled": True},
    )
    large_files = s3.Bucket(
        "LargeFilesBucket",
        bucket_name=f"{prefix}-large-files-{account}-{region}",
        bucket_encryption={
            "server_side_encryption_configuration": [
                {"server_side_encryption_by_default": {"sse_algorithm": "aws:kms"}, "bucket_key_enabled": True}
            ]
        },
        public_access_block_configuration=BLOCK_PUBLIC_ACCESS,
        ownership_controls={"rules": [{"object_ownership": "BucketOwnerEnforced"}]},
    )
    artifacts = s3.Bucket(
        "ArtifactsBucket",
        bucket_name=f"{prefix}-artifacts-{account}-{region}",
        bucket_encryption={
            "server_side_encryption_configuration": [{"server_side_encryption_by_default": {"sse_algorithm": "AES256"}}]
        },
        versioning_configuration={"status": "Enabled"},
        public_access_block_configuration=BLOCK_PUBLIC_ACCESS,
    )

    # --- The function (A28-A30): its log group, least-privilege role and the function itself.
    function = ServerlessFunction(
        "EventsFunction",
        code=engine.FileArchive("../app"),
        handler="main.handler",
        runtime="python3.13",
        function_name=f"{prefix}-events",
        description="Events API: POST /events, GET /events/{id}",
        memory_size=settings.lambda_memory_size,
        timeout=settings.lambda_timeout,
        architecture="arm64",
        log_retention_days=settings.log_retention_days,
        subnet_ids=private_subnets,
        security_group_ids=[lambda_sg.group_id],
        environment={
            "EVENTS_TABLE": events_table.table_name,
            "DB_PROXY_ENDPOINT": proxy.endpoint,
            "DB_SECRET_ARN": db_secret.aws_id,
            "REDIS_HOST": redis.primary_end_point["address"],
            "LARGE_FILES_BUCKET": large_files.bucket_name,
        },
        policy_statements=[
            {"actions": ["dynamodb:PutItem", "dynamodb:GetItem"], "resources": [events_table.arn]},
            {"actions": ["s3:GetObject", "s3:PutObject"], "resources": [large_files.arn.apply(lambda a: f"{a}/*")]},
            {"actions": ["secretsmanager:GetSecretValue"], "resources": [db_secret.aws_id]},
        ],
        tags=tags,
    )

    # --- REST API (A31-A38).
    api_name = f"{prefix}-events"
    rest_api = apigateway.RestApi("RestApi", name=api_name, endpoint_configuration={"types": ["REGIONAL"]})
    api_id = rest_api.rest_api_id
    events_resource = apigateway.Resource(
        "EventsResource", rest_api_id=api_id, parent_id=rest_api.root_resource_id, path_part="events"
    )
    event_by_id_resource = apigateway.Resource(
        "EventByIdResource", rest_api_id=api_id, parent_id=events_resource.resource_id, path_part="{id}"
    )
    resources = {"/events": events_resource, "/events/{id}": event_by_id_resource}
    invocation_uri = function.function_arn.apply(
        lambda arn: f"arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"
    )
    methods = [
        apigateway.Method(
            route.method_name,
            rest_api_id=api_id,
            resource_id=resources[route.path].resource_id,
            http_method=route.http_method,
            authorization_type=AUTHORIZATION,
            request_parameters={f"method.request.path.{name}": True for name in route.path_parameters} or None,
            integration={"type": INTEGRATION, "integration_http_method": "POST", "uri": invocation_uri},
        )
        for route in ROUTES
    ]
    lambda_.Permission(
        "ApiInvokePermission",
        function_name=function.function_arn,
        action="lambda:InvokeFunction",
        principal="apigateway.amazonaws.com",
        source_arn=api_id.apply(lambda id_: f"arn:{partition}:execute-api:{region}:{account}:{id_}/*/*/events*"),
    )
    # A deployment is a snapshot of the routes: a new route table means a new deployment (the
    # stage moves to it, then the old one is deleted).
    deployment = apigateway.Deployment(
        "ApiDeployment",
        rest_api_id=api_id,
        description=f"routes-{routes_hash(ROUTES)}",
        opts=engine.ResourceOptions(depends_on=methods, replace_on_changes=["Description"]),
    )
    stage = apigateway.Stage(
        "ApiStage",
        rest_api_id=api_id,
        stage_name=settings.stage_name,
        deployment_id=deployment.deployment_id,
        method_settings=[
            {
                "resource_path": "/*",
                "http_method": "*",
                "throttling_rate_limit": settings.throttling_rate_limit,
                "throttling_burst_limit": settings.throttling_burst_limit,
                "metrics_enabled": True,
            }
        ],
    )

    # --- Custom domain (A39-A43). The zone's name servers must be delegated at the registrar
    # before the certificate can be validated (out of band, see the README).
    zone = route53.HostedZone("HostedZone", name=settings.zone_name)
    certificate = certificatemanager.Certificate(
        "ApiCertificate",
        domain_name=settings.api_host_name,
        validation_method="DNS",
        domain_validation_options=[{"domain_name": settings.api_host_name, "hosted_zone_id": zone.aws_id}],
    )
    domain = apigateway.DomainName(
        "ApiDomainName",
        domain_name=settings.api_host_name,
        regional_certificate_arn=certificate.certificate_arn,
        endpoint_configuration={"types": ["REGIONAL"]},
        security_policy="TLS_1_2",
    )
    apigateway.BasePathMapping(
        "ApiBasePathMapping", domain_name=domain.domain_name, rest_api_id=api_id, stage=stage.stage_name
    )
    route53.RecordSet(
        "ApiDnsRecord",
        hosted_zone_id=zone.aws_id,
        name=settings.api_host_name,
        type="A",
        alias_target={
            "dns_name": domain.regional_domain_name,
            "hosted_zone_id": domain.regional_hosted_zone_id,
            "evaluate_target_health": False,
        },
    )

    # --- CI identity (A44, A45): code-only deploys (upload the zip, update the function, redeploy
    # the stage); infrastructure changes go through this program.
    ci_user = iam.User("CiUser", user_name=f"gitlab-ci-{prefix}")

    def ci_policy(values: List[str]) -> Dict[str, Any]:
        bucket, function_arn, api, stage_name = values
        restapi = f"arn:{partition}:apigateway:{region}::/restapis/{api}"
        return {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "UploadArtifacts", "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
                 "Resource": f"{bucket}/*"},
                {"Sid": "ListArtifacts", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": bucket},
                {"Sid": "UpdateFunction", "Effect": "Allow",
                 "Action": ["lambda:UpdateFunctionCode", "lambda:GetFunction", "lambda:GetFunctionConfiguration",
                            "lambda:PublishVersion"],
                 "Resource": function_arn},
                {"Sid": "Redeploy", "Effect": "Allow", "Action": ["apigateway:POST", "apigateway:PATCH", "apigateway:GET"],
                 "Resource": [f"{restapi}/deployments", f"{restapi}/stages/{stage_name}"]},
            ],
        }

    ci_deploy_policy = iam.ManagedPolicy(
        "CiDeployPolicy",
        managed_policy_name=f"{prefix}-ci-deploy",
        users=[ci_user.user_name],
        policy_document=engine.Output.all(artifacts.arn, function.function_arn, api_id, stage.stage_name).apply(
            ci_policy
        ),
    )

    # --- Optional extras (A46-A52), switched on by config.
    if settings.gitlab_project:
        host = settings.gitlab_url.removeprefix("https://").rstrip("/")
        subject = f"project_path:{settings.gitlab_project}:ref_type:branch:ref:{settings.gitlab_ref}"
        provider = iam.OidcProvider("GitLabOidcProvider", url=settings.gitlab_url, client_id_list=[settings.gitlab_url])
        iam.Role(
            "CiDeployRole",
            role_name=f"{prefix}-ci-deploy",
            assume_role_policy_document=provider.arn.apply(
                lambda arn: {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Federated": arn},
                            "Action": "sts:AssumeRoleWithWebIdentity",
                            "Condition": {"StringLike": {f"{host}:sub": subject}},
                        }
                    ],
                }
            ),
            managed_policy_arns=[ci_deploy_policy.policy_arn],
        )
    if settings.enable_waf:

        def visibility(metric: str) -> wafv2.WebAclVisibilityConfigArgs:
            return {"sampled_requests_enabled": True, "cloud_watch_metrics_enabled": True, "metric_name": metric}

        acl = wafv2.WebAcl(
            "ApiWebAcl",
            name=f"{prefix}-acl",
            scope="REGIONAL",
            default_action={"allow": {}},
            visibility_config=visibility(f"{prefix}-acl"),
            rules=[
                {
                    "name": "aws-common",
                    "priority": 0,
                    "override_action": {"none": {}},
                    "statement": {
                        "managed_rule_group_statement": {"vendor_name": "AWS", "name": "AWSManagedRulesCommonRuleSet"}
                    },
                    "visibility_config": visibility("aws-common"),
                }
            ],
        )
        wafv2.WebAclAssociation(
            "ApiWebAclAssociation",
            web_acl_arn=acl.arn,
            resource_arn=engine.Output.all(api_id, stage.stage_name).apply(
                lambda v: f"arn:{partition}:apigateway:{region}::/restapis/{v[0]}/stages/{v[1]}"
            ),
        )
    if settings.enable_alarms:
        topic = sns.Topic("AlertsTopic", topic_name=f"{prefix}-alerts")

        def alarm(
            name: str, alarm_name: str, namespace: str, metric: str, threshold: float,
            dimensions: List[Tuple[str, engine.Input[str]]],
        ) -> cloudwatch.Alarm:
            return cloudwatch.Alarm(
                name,
                alarm_name=alarm_name,
                namespace=namespace,
                metric_name=metric,
                dimensions=[{"name": key, "value": value} for key, value in dimensions],
                statistic="Sum",
                period=300,
                evaluation_periods=1,
                threshold=threshold,
                comparison_operator="GreaterThanOrEqualToThreshold",
                treat_missing_data="notBreaching",
                alarm_actions=[topic.topic_arn],
            )

        alarm("EventsFunctionErrorsAlarm", f"{prefix}-lambda-errors", "AWS/Lambda", "Errors", 1.0,
              [("FunctionName", function.function_name)])
        alarm("Api5xxAlarm", f"{prefix}-5xx", "AWS/ApiGateway", "5XXError", 5.0,
              [("ApiName", rest_api.name.apply(lambda name: name or api_name)), ("Stage", stage.stage_name)])

    # --- Outputs (the inventory's user-visible outputs).
    engine.export("ApiInvokeUrl", engine.Output.format("https://{}.execute-api.{}.amazonaws.com/{}", api_id, region,
                                                       stage.stage_name))
    engine.export("ApiCustomUrl", f"https://{settings.api_host_name}/")
    engine.export("ApiDomainTarget", domain.regional_domain_name)
    engine.export("HostedZoneId", zone.aws_id)
    engine.export("HostedZoneNameServers", zone.name_servers)
    engine.export("EventsTableName", events_table.table_name)
    engine.export("EventsFunctionName", function.function_name)
    engine.export("EventsFunctionArn", function.function_arn)
    engine.export("LargeFilesBucketName", large_files.bucket_name)
    engine.export("ArtifactsBucketName", artifacts.bucket_name)
    engine.export("DbProxyEndpoint", proxy.endpoint)
    engine.export("AuroraWriterEndpoint", cluster.endpoint["address"])
    engine.export("AuroraReaderEndpoint", cluster.read_endpoint["address"])
    engine.export("RedisPrimaryEndpoint", redis.primary_end_point.apply(lambda e: f"{e['address']}:{e['port']}"))
    engine.export("DbSecretArn", db_secret.aws_id)
    engine.export("CiUserName", ci_user.user_name)
    engine.export("CiDeployPolicyArn", ci_deploy_policy.policy_arn)
    engine.export("VpcId", vpc_id)


main()
