// Reference architecture A, `serverless-api` (TypeScript variant).
//
// A REST API on API Gateway (`POST /events`, `GET /events/{id}`) served by one Lambda function
// (the shared code in `../app`) that stores events in DynamoDB; the function runs in private
// subnets and reaches DynamoDB, S3 and Secrets Manager through VPC endpoints, Aurora PostgreSQL
// through RDS Proxy, and Redis. Plus the large-files and artifacts buckets, the database secret,
// the hosted zone, certificate and custom domain, and the least-privilege CI identity.
//
// The inventory is `shared/docs/reference-architectures.md`, program A. The Rust (`../rust`) and
// Python (`../python`) variants declare the same resources with the same logical names and
// properties.

import { createHash } from "node:crypto";

import * as engine from "engine-sdk";
import * as apigateway from "engine-sdk/aws/apigateway";
import * as certificatemanager from "engine-sdk/aws/certificatemanager";
import * as cloudwatch from "engine-sdk/aws/cloudwatch";
import * as dynamodb from "engine-sdk/aws/dynamodb";
import * as ec2 from "engine-sdk/aws/ec2";
import * as elasticache from "engine-sdk/aws/elasticache";
import * as iam from "engine-sdk/aws/iam";
import * as lambda from "engine-sdk/aws/lambda";
import * as rds from "engine-sdk/aws/rds";
import * as route53 from "engine-sdk/aws/route53";
import * as s3 from "engine-sdk/aws/s3";
import * as secretsmanager from "engine-sdk/aws/secretsmanager";
import * as sns from "engine-sdk/aws/sns";
import * as wafv2 from "engine-sdk/aws/wafv2";
import { Network, ServerlessFunction } from "./generated/platform";

/** One route of the REST API. */
interface Route {
    /** The logical name of the `AWS::ApiGateway::Method`. */
    methodName: string;
    httpMethod: string;
    path: string;
    /** Path parameters the method requires (`method.request.path.<name>`). */
    pathParameters: string[];
}

/** The routes of the REST API. The deployment's identity is a hash of this table: any change to
 * it makes a new deployment (API Gateway deployments are snapshots; updating one does not
 * redeploy). */
const ROUTES: Route[] = [
    { methodName: "PostEventsMethod", httpMethod: "POST", path: "/events", pathParameters: [] },
    { methodName: "GetEventByIdMethod", httpMethod: "GET", path: "/events/{id}", pathParameters: ["id"] },
];
/** Every route is a Lambda proxy integration without authorization (seed 002's API). */
const AUTHORIZATION = "NONE";
const INTEGRATION = "AWS_PROXY";

/** The first 12 hex digits of the SHA-256 of one line per route, `METHOD PATH AUTHORIZATION
 * INTEGRATION PARAMETERS` (the three variants compute the same text). */
function routesHash(routes: Route[]): string {
    const text = routes
        .map((r) => `${r.httpMethod} ${r.path} ${AUTHORIZATION} ${INTEGRATION} ${r.pathParameters.join(",")}\n`)
        .join("");
    return createHash("sha256").update(text).digest("hex").slice(0, 12);
}

/** The stack's configuration (`Engine.<stack>.toml`), with the inventory's values as defaults. */
function loadSettings() {
    const config = new engine.Config();
    const zoneName = config.require("zoneName");
    return {
        /** Prefix of every fixed physical name (`<project>-<stack>` unless `namePrefix` is set). */
        prefix: config.get("namePrefix") ?? `${engine.getProject()}-${engine.getStack()}`,
        zoneName,
        apiHostName: config.get("apiHostName") ?? `api.${zoneName}`,
        vpcCidr: config.get("vpcCidr") ?? "10.0.0.0/16",
        privateSubnetCidrs: config.getObject<string[]>("privateSubnetCidrs") ?? ["10.0.1.0/24", "10.0.2.0/24"],
        logRetentionDays: config.getNumber("logRetentionDays") ?? 30,
        lambdaMemorySize: config.getNumber("lambdaMemorySize") ?? 512,
        lambdaTimeout: config.getNumber("lambdaTimeout") ?? 15,
        dbEngineVersion: config.get("dbEngineVersion") ?? "16.9",
        dbMinCapacity: config.getNumber("dbMinCapacity") ?? 0.5,
        dbMaxCapacity: config.getNumber("dbMaxCapacity") ?? 16,
        dbBackupRetentionDays: config.getNumber("dbBackupRetentionDays") ?? 7,
        cacheNodeType: config.get("cacheNodeType") ?? "cache.t4g.small",
        cacheNodeCount: config.getNumber("cacheNodeCount") ?? 2,
        stageName: config.get("stageName") ?? "prod",
        throttlingRateLimit: config.getNumber("throttlingRateLimit") ?? 100,
        throttlingBurstLimit: config.getNumber("throttlingBurstLimit") ?? 200,
        /** `group/project` on GitLab: turns on the OIDC provider and the CI role (A46, A47). */
        gitlabProject: config.get("gitlabProject"),
        gitlabUrl: config.get("gitlabUrl") ?? "https://gitlab.com",
        gitlabRef: config.get("gitlabRef") ?? "main",
        /** The web ACL on the stage (A48, A49). */
        enableWaf: config.getBoolean("enableWaf") ?? false,
        /** The alerts topic and the two alarms (A50-A52). */
        enableAlarms: config.getBoolean("enableAlarms") ?? false,
    };
}

/** One ingress rule: TCP `port` from a security group. */
function ingressFrom(group: ec2.SecurityGroup, port: number): ec2.SecurityGroupIngress2Args[] {
    return [{ ipProtocol: "tcp", fromPort: port, toPort: port, sourceSecurityGroupId: group.groupId }];
}

/** A policy document allowing each `[actions, resource]` pair. */
function policyDocument(...statements: [string[], engine.Input<string>][]): engine.Output<object> {
    return engine.all(statements.map(([, resource]) => resource)).apply((resources) => ({
        Version: "2012-10-17",
        Statement: statements.map(([actions], i) => ({ Effect: "Allow", Action: actions, Resource: resources[i] })),
    }));
}

/** The trust policy of a role assumed by an AWS service. */
function assumeRolePolicy(service: string): object {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
    };
}

const BLOCK_PUBLIC_ACCESS = {
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
};

async function main(): Promise<void> {
    const settings = loadSettings();
    const prefix = settings.prefix;
    const region = await engine.getRegion();
    const identity = await engine.getCallerIdentity();
    const account = identity.accountId;
    const partition = identity.arn.split(":")[1];
    const tags = { project: engine.getProject(), stack: engine.getStack() };

    // --- Network (A1-A6, A8, A12-A14): private subnets only; S3 and DynamoDB through gateway
    // endpoints, Secrets Manager through an interface endpoint (no NAT gateway).
    const network = new Network("Network", {
        cidrBlock: settings.vpcCidr,
        availabilityZoneCount: 2,
        publicSubnets: false,
        privateSubnetCidrs: settings.privateSubnetCidrs,
        vpcEndpoints: ["s3", "dynamodb", "secretsmanager"],
        tags,
    });
    const vpcId = network.vpcId;
    const privateSubnets = network.privateSubnetIds;

    // --- Security groups (A7, A9-A11): Lambda -> 5432 proxy -> 5432 Aurora; Lambda -> 6379 Redis.
    const lambdaSg = new ec2.SecurityGroup("LambdaSecurityGroup", {
        groupDescription: "Lambda ENIs (egress only)",
        vpcId,
    });
    const proxySg = new ec2.SecurityGroup("DbProxySecurityGroup", {
        groupDescription: "RDS Proxy, 5432 from Lambda",
        vpcId,
        securityGroupIngress: ingressFrom(lambdaSg, 5432),
    });
    const databaseSg = new ec2.SecurityGroup("DatabaseSecurityGroup", {
        groupDescription: "Aurora, 5432 from RDS Proxy only",
        vpcId,
        securityGroupIngress: ingressFrom(proxySg, 5432),
    });
    const cacheSg = new ec2.SecurityGroup("CacheSecurityGroup", {
        groupDescription: "Redis, 6379 from Lambda",
        vpcId,
        securityGroupIngress: ingressFrom(lambdaSg, 6379),
    });

    // --- Database (A15-A22): the master password is generated here and written twice (the
    // secret and the cluster); it stays secret in state and is never read back.
    const password = new engine.RandomPassword("DbMasterPassword", {
        length: 32,
        overrideSpecial: "!#$%&*()-_=+[]{}<>:?",
    });
    const masterUsername = "app_admin";
    const dbSubnetGroup = new rds.DbSubnetGroup("DbSubnetGroup", {
        dbSubnetGroupDescription: "Aurora private subnets",
        subnetIds: privateSubnets,
    });
    const dbSecret = new secretsmanager.Secret("DbSecret", {
        name: `${prefix}/aurora/master`,
        description: "Aurora master credentials (used by RDS Proxy and the Lambda)",
        secretString: password.result.apply((pw) => JSON.stringify({ username: masterUsername, password: pw })),
    });
    const cluster = new rds.DbCluster("AuroraCluster", {
        engine: "aurora-postgresql",
        engineVersion: settings.dbEngineVersion,
        databaseName: "events",
        masterUsername,
        masterUserPassword: password.result,
        dbSubnetGroupName: dbSubnetGroup.dbSubnetGroupName,
        vpcSecurityGroupIds: [databaseSg.groupId],
        storageEncrypted: true,
        backupRetentionPeriod: settings.dbBackupRetentionDays,
        serverlessV2ScalingConfiguration: {
            minCapacity: settings.dbMinCapacity,
            maxCapacity: settings.dbMaxCapacity,
        },
    });
    const writer = new rds.DbInstance("AuroraWriterInstance", {
        dbClusterIdentifier: cluster.dbClusterIdentifier,
        dbInstanceClass: "db.serverless",
        engine: "aurora-postgresql",
        publiclyAccessible: false,
    });
    new secretsmanager.SecretTargetAttachment("DbSecretAttachment", {
        secretId: dbSecret.awsId,
        targetId: cluster.dbClusterIdentifier,
        targetType: "AWS::RDS::DBCluster",
    });
    const proxyRole = new iam.Role("DbProxyRole", {
        roleName: `${prefix}-rds-proxy`,
        assumeRolePolicyDocument: assumeRolePolicy("rds.amazonaws.com"),
        policies: [
            {
                policyName: "read-db-secret",
                policyDocument: policyDocument([["secretsmanager:GetSecretValue"], dbSecret.awsId]),
            },
        ],
    });
    const proxy = new rds.DbProxy("DbProxy", {
        dbProxyName: `${prefix}-proxy`,
        engineFamily: "POSTGRESQL",
        roleArn: proxyRole.arn,
        auth: [{ authScheme: "SECRETS", secretArn: dbSecret.awsId, iamAuth: "DISABLED" }],
        vpcSubnetIds: privateSubnets,
        vpcSecurityGroupIds: [proxySg.groupId],
        requireTls: true,
        idleClientTimeout: 1800,
    });
    // Registering the cluster fails while it has no available instance: after the writer.
    new rds.DbProxyTargetGroup(
        "DbProxyTargetGroup",
        {
            dbProxyName: proxy.dbProxyName,
            targetGroupName: "default",
            dbClusterIdentifiers: [cluster.dbClusterIdentifier],
            connectionPoolConfigurationInfo: { maxConnectionsPercent: 90 },
        },
        { dependsOn: writer },
    );

    // --- Cache (A23, A24).
    const cacheSubnetGroup = new elasticache.SubnetGroup("CacheSubnetGroup", {
        cacheSubnetGroupName: `${prefix}-cache`,
        description: "Redis private subnets",
        subnetIds: privateSubnets,
    });
    const redis = new elasticache.ReplicationGroup("RedisReplicationGroup", {
        replicationGroupDescription: "API read cache in front of Aurora",
        engine: "redis",
        engineVersion: "7.1",
        cacheNodeType: settings.cacheNodeType,
        numCacheClusters: settings.cacheNodeCount,
        automaticFailoverEnabled: settings.cacheNodeCount > 1,
        multiAzEnabled: settings.cacheNodeCount > 1,
        cacheSubnetGroupName: cacheSubnetGroup.cacheSubnetGroupName,
        securityGroupIds: [cacheSg.groupId],
        transitEncryptionEnabled: true,
        atRestEncryptionEnabled: true,
    });

    // --- Data (A25-A27).
    const eventsTable = new dynamodb.Table("EventsTable", {
        tableName: `${prefix}-events`,
        billingMode: "PAY_PER_REQUEST",
        attributeDefinitions: [{ attributeName: "id", attributeType: "S" }],
        // Written with the schema's names: the vendored schema declares KeySchema as one object
        // (cfn-lint's copy lost the array), so the typed argument does not describe the list the
        // API takes; a list is passed through as written.
        keySchema: [{ AttributeName: "id", KeyType: "HASH" }] as unknown as dynamodb.TableKeySchemaArgs,
        sseSpecification: { sseEnabled: true },
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    });
    const largeFiles = new s3.Bucket("LargeFilesBucket", {
        bucketName: `${prefix}-large-files-${account}-${region}`,
        bucketEncryption: {
            serverSideEncryptionConfiguration: [
                { serverSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true },
            ],
        },
        publicAccessBlockConfiguration: BLOCK_PUBLIC_ACCESS,
        ownershipControls: { rules: [{ objectOwnership: "BucketOwnerEnforced" }] },
    });
    const artifacts = new s3.Bucket("ArtifactsBucket", {
        bucketName: `${prefix}-artifacts-${account}-${region}`,
        bucketEncryption: {
            serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
        },
        versioningConfiguration: { status: "Enabled" },
        publicAccessBlockConfiguration: BLOCK_PUBLIC_ACCESS,
    });

    // --- The function (A28-A30): its log group, least-privilege role and the function itself.
    const fn = new ServerlessFunction("EventsFunction", {
        code: new engine.FileArchive("../app"),
        handler: "main.handler",
        runtime: "python3.13",
        functionName: `${prefix}-events`,
        description: "Events API: POST /events, GET /events/{id}",
        memorySize: settings.lambdaMemorySize,
        timeout: settings.lambdaTimeout,
        architecture: "arm64",
        logRetentionDays: settings.logRetentionDays,
        subnetIds: privateSubnets,
        securityGroupIds: [lambdaSg.groupId],
        environment: {
            EVENTS_TABLE: eventsTable.tableName,
            DB_PROXY_ENDPOINT: proxy.endpoint,
            DB_SECRET_ARN: dbSecret.awsId,
            REDIS_HOST: redis.primaryEndPoint.apply((endpoint) => endpoint.address),
            LARGE_FILES_BUCKET: largeFiles.bucketName,
        },
        policyStatements: [
            { actions: ["dynamodb:PutItem", "dynamodb:GetItem"], resources: [eventsTable.arn] },
            { actions: ["s3:GetObject", "s3:PutObject"], resources: [largeFiles.arn.apply((arn) => `${arn}/*`)] },
            { actions: ["secretsmanager:GetSecretValue"], resources: [dbSecret.awsId] },
        ],
        tags,
    });

    // --- REST API (A31-A38).
    const apiName = `${prefix}-events`;
    const restApi = new apigateway.RestApi("RestApi", {
        name: apiName,
        endpointConfiguration: { types: ["REGIONAL"] },
    });
    const apiId = restApi.restApiId;
    const eventsResource = new apigateway.Resource("EventsResource", {
        restApiId: apiId,
        parentId: restApi.rootResourceId,
        pathPart: "events",
    });
    const eventByIdResource = new apigateway.Resource("EventByIdResource", {
        restApiId: apiId,
        parentId: eventsResource.resourceId,
        pathPart: "{id}",
    });
    const resources: Record<string, apigateway.Resource> = {
        "/events": eventsResource,
        "/events/{id}": eventByIdResource,
    };
    const invocationUri = fn.functionArn.apply(
        (arn) => `arn:${partition}:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`,
    );
    const methods = ROUTES.map(
        (route) =>
            new apigateway.Method(route.methodName, {
                restApiId: apiId,
                resourceId: resources[route.path].resourceId,
                httpMethod: route.httpMethod,
                authorizationType: AUTHORIZATION,
                requestParameters:
                    route.pathParameters.length > 0
                        ? Object.fromEntries(route.pathParameters.map((name) => [`method.request.path.${name}`, true]))
                        : undefined,
                integration: { type: INTEGRATION, integrationHttpMethod: "POST", uri: invocationUri },
            }),
    );
    new lambda.Permission("ApiInvokePermission", {
        functionName: fn.functionArn,
        action: "lambda:InvokeFunction",
        principal: "apigateway.amazonaws.com",
        sourceArn: engine.interpolate`arn:${partition}:execute-api:${region}:${account}:${apiId}/*/*/events*`,
    });
    // A deployment is a snapshot of the routes: a new route table means a new deployment (the
    // stage moves to it, then the old one is deleted).
    const deployment = new apigateway.Deployment(
        "ApiDeployment",
        { restApiId: apiId, description: `routes-${routesHash(ROUTES)}` },
        { dependsOn: methods, replaceOnChanges: ["Description"] },
    );
    const stage = new apigateway.Stage("ApiStage", {
        restApiId: apiId,
        stageName: settings.stageName,
        deploymentId: deployment.deploymentId,
        methodSettings: [
            {
                resourcePath: "/*",
                httpMethod: "*",
                throttlingRateLimit: settings.throttlingRateLimit,
                throttlingBurstLimit: settings.throttlingBurstLimit,
                metricsEnabled: true,
            },
        ],
    });

    // --- Custom domain (A39-A43). The zone's name servers must be delegated at the registrar
    // before the certificate can be validated (out of band, see the README).
    const zone = new route53.HostedZone("HostedZone", { name: settings.zoneName });
    const certificate = new certificatemanager.Certificate("ApiCertificate", {
        domainName: settings.apiHostName,
        validationMethod: "DNS",
        domainValidationOptions: [{ domainName: settings.apiHostName, hostedZoneId: zone.awsId }],
    });
    const domain = new apigateway.DomainName("ApiDomainName", {
        domainName: settings.apiHostName,
        regionalCertificateArn: certificate.certificateArn,
        endpointConfiguration: { types: ["REGIONAL"] },
        securityPolicy: "TLS_1_2",
    });
    new apigateway.BasePathMapping("ApiBasePathMapping", {
        domainName: domain.domainName,
        restApiId: apiId,
        stage: stage.stageName,
    });
    new route53.RecordSet("ApiDnsRecord", {
        hostedZoneId: zone.awsId,
        name: settings.apiHostName,
        type: "A",
        aliasTarget: {
            dnsName: domain.regionalDomainName,
            hostedZoneId: domain.regionalHostedZoneId,
            evaluateTargetHealth: false,
        },
    });

    // --- CI identity (A44, A45): code-only deploys (upload the zip, update the function,
    // redeploy the stage); infrastructure changes go through this program.
    const ciUser = new iam.User("CiUser", { userName: `gitlab-ci-${prefix}` });
    const ciDeployPolicy = new iam.ManagedPolicy("CiDeployPolicy", {
        managedPolicyName: `${prefix}-ci-deploy`,
        users: [ciUser.userName],
        policyDocument: engine.all([artifacts.arn, fn.functionArn, apiId, stage.stageName]).apply(
            ([bucket, functionArn, api, stageName]) => {
                const restapi = `arn:${partition}:apigateway:${region}::/restapis/${api}`;
                return {
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "UploadArtifacts",
                            Effect: "Allow",
                            Action: ["s3:PutObject", "s3:GetObject"],
                            Resource: `${bucket}/*`,
                        },
                        { Sid: "ListArtifacts", Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucket },
                        {
                            Sid: "UpdateFunction",
                            Effect: "Allow",
                            Action: [
                                "lambda:UpdateFunctionCode",
                                "lambda:GetFunction",
                                "lambda:GetFunctionConfiguration",
                                "lambda:PublishVersion",
                            ],
                            Resource: functionArn,
                        },
                        {
                            Sid: "Redeploy",
                            Effect: "Allow",
                            Action: ["apigateway:POST", "apigateway:PATCH", "apigateway:GET"],
                            Resource: [`${restapi}/deployments`, `${restapi}/stages/${stageName}`],
                        },
                    ],
                };
            },
        ),
    });

    // --- Optional extras (A46-A52), switched on by config.
    if (settings.gitlabProject) {
        const host = settings.gitlabUrl.replace(/^https:\/\//, "").replace(/\/+$/, "");
        const subject = `project_path:${settings.gitlabProject}:ref_type:branch:ref:${settings.gitlabRef}`;
        const provider = new iam.OidcProvider("GitLabOidcProvider", {
            url: settings.gitlabUrl,
            clientIdList: [settings.gitlabUrl],
        });
        new iam.Role("CiDeployRole", {
            roleName: `${prefix}-ci-deploy`,
            assumeRolePolicyDocument: provider.arn.apply((arn) => ({
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { Federated: arn },
                        Action: "sts:AssumeRoleWithWebIdentity",
                        Condition: { StringLike: { [`${host}:sub`]: subject } },
                    },
                ],
            })),
            managedPolicyArns: [ciDeployPolicy.policyArn],
        });
    }
    if (settings.enableWaf) {
        const visibility = (metric: string) => ({
            sampledRequestsEnabled: true,
            cloudWatchMetricsEnabled: true,
            metricName: metric,
        });
        const acl = new wafv2.WebAcl("ApiWebAcl", {
            name: `${prefix}-acl`,
            scope: "REGIONAL",
            defaultAction: { allow: {} },
            visibilityConfig: visibility(`${prefix}-acl`),
            rules: [
                {
                    name: "aws-common",
                    priority: 0,
                    overrideAction: { none: {} },
                    statement: {
                        managedRuleGroupStatement: { vendorName: "AWS", name: "AWSManagedRulesCommonRuleSet" },
                    },
                    visibilityConfig: visibility("aws-common"),
                },
            ],
        });
        new wafv2.WebAclAssociation("ApiWebAclAssociation", {
            webAclArn: acl.arn,
            resourceArn: engine.interpolate`arn:${partition}:apigateway:${region}::/restapis/${apiId}/stages/${stage.stageName}`,
        });
    }
    if (settings.enableAlarms) {
        const topic = new sns.Topic("AlertsTopic", { topicName: `${prefix}-alerts` });
        const alarm = (
            name: string,
            alarmName: string,
            namespace: string,
            metric: string,
            threshold: number,
            dimensions: [string, engine.Input<string>][],
        ) =>
            new cloudwatch.Alarm(name, {
                alarmName,
                namespace,
                metricName: metric,
                dimensions: dimensions.map(([key, value]) => ({ name: key, value })),
                statistic: "Sum",
                period: 300,
                evaluationPeriods: 1,
                threshold,
                comparisonOperator: "GreaterThanOrEqualToThreshold",
                treatMissingData: "notBreaching",
                alarmActions: [topic.topicArn],
            });
        alarm("EventsFunctionErrorsAlarm", `${prefix}-lambda-errors`, "AWS/Lambda", "Errors", 1, [
            ["FunctionName", fn.functionName],
        ]);
        alarm("Api5xxAlarm", `${prefix}-5xx`, "AWS/ApiGateway", "5XXError", 5, [
            ["ApiName", restApi.name.apply((name) => name ?? apiName)],
            ["Stage", stage.stageName],
        ]);
    }

    // --- Outputs (the inventory's user-visible outputs).
    engine.export("ApiInvokeUrl", engine.interpolate`https://${apiId}.execute-api.${region}.amazonaws.com/${stage.stageName}`);
    engine.export("ApiCustomUrl", `https://${settings.apiHostName}/`);
    engine.export("ApiDomainTarget", domain.regionalDomainName);
    engine.export("HostedZoneId", zone.awsId);
    engine.export("HostedZoneNameServers", zone.nameServers);
    engine.export("EventsTableName", eventsTable.tableName);
    engine.export("EventsFunctionName", fn.functionName);
    engine.export("EventsFunctionArn", fn.functionArn);
    engine.export("LargeFilesBucketName", largeFiles.bucketName);
    engine.export("ArtifactsBucketName", artifacts.bucketName);
    engine.export("DbProxyEndpoint", proxy.endpoint);
    engine.export("AuroraWriterEndpoint", cluster.endpoint.apply((endpoint) => endpoint.address));
    engine.export("AuroraReaderEndpoint", cluster.readEndpoint.apply((endpoint) => endpoint.address));
    engine.export(
        "RedisPrimaryEndpoint",
        redis.primaryEndPoint.apply((endpoint) => `${endpoint.address}:${endpoint.port}`),
    );
    engine.export("DbSecretArn", dbSecret.awsId);
    engine.export("CiUserName", ciUser.userName);
    engine.export("CiDeployPolicyArn", ciDeployPolicy.policyArn);
    engine.export("VpcId", vpcId);
}

// A rejection ends the program: the SDK reports it to the engine with its stack trace.
void main();
