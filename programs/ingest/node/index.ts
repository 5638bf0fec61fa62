// Reference architecture C, `ingest` (TypeScript variant).
//
// Every hour a Lambda function (the shared code in `../app`) reads a CSV object from a bucket and
// loads its rows into Aurora MySQL (Serverless v2), ignoring rows whose id already exists. The
// function and the database live in private subnets without internet access: S3 is reached
// through a gateway endpoint, Secrets Manager (the database credentials) through an interface
// endpoint. Alarms on the function's errors, on a missed hourly run and on the database's capacity
// notify an SNS topic with an e-mail subscription.
//
// The inventory is `shared/docs/reference-architectures.md`, program C. The network and the
// function (with its log group and least-privilege role) come from the `platform` package; the
// rest are typed resources. The Rust (`../rust`) and Python (`../python`) variants declare the
// same resources with the same logical names and properties.

import { existsSync } from "node:fs";

import * as engine from "engine-sdk";
import * as cloudwatch from "engine-sdk/aws/cloudwatch";
import * as ec2 from "engine-sdk/aws/ec2";
import * as events from "engine-sdk/aws/events";
import * as lambda from "engine-sdk/aws/lambda";
import * as rds from "engine-sdk/aws/rds";
import * as s3 from "engine-sdk/aws/s3";
import * as secretsmanager from "engine-sdk/aws/secretsmanager";
import * as sns from "engine-sdk/aws/sns";
import { Network, ServerlessFunction } from "./generated/platform";

/** The database's administrator, also written into the secret the function reads. */
const MASTER_USERNAME = "ingest_admin";

/** The stack's configuration (`Engine.<stack>.toml`), with the inventory's values as defaults. */
function loadSettings() {
    const config = new engine.Config();
    return {
        /** Prefix of every fixed physical name (`<project>-<stack>` unless `namePrefix` is set), so
         * two stacks can share an account. */
        prefix: config.get("namePrefix") ?? `${engine.getProject()}-${engine.getStack()}`,
        alertEmail: config.require("alertEmail"),
        logRetentionDays: config.getNumber("logRetentionDays") ?? 30,
        csvKey: config.get("csvKey") ?? "input/data.csv",
        scheduleExpression: config.get("scheduleExpression") ?? "rate(1 hour)",
        lambdaMemorySize: config.getNumber("lambdaMemorySize") ?? 512,
        lambdaTimeout: config.getNumber("lambdaTimeout") ?? 300,
        logLevel: config.get("logLevel") ?? "INFO",
        vpcCidr: config.get("vpcCidr") ?? "10.20.0.0/16",
        privateSubnetCidrs: config.getObject<string[]>("privateSubnetCidrs") ?? ["10.20.1.0/24", "10.20.2.0/24"],
        dbName: config.get("dbName") ?? "ingest",
        dbEngineVersion: config.get("dbEngineVersion") ?? "8.0.mysql_aurora.3.08.2",
        dbMinCapacity: config.getNumber("dbMinCapacity") ?? 0,
        dbMaxCapacity: config.getNumber("dbMaxCapacity") ?? 4,
        dbBackupRetentionDays: config.getNumber("dbBackupRetentionDays") ?? 7,
    };
}

/** One CloudWatch alarm on a metric, notifying a topic. */
interface AlarmSpec {
    name: string;
    description: string;
    namespace: string;
    metric: string;
    dimension: [string, engine.Input<string>];
    statistic: cloudwatch.AlarmStatistic;
    period: number;
    evaluationPeriods: number;
    threshold: number;
    comparison: cloudwatch.AlarmComparisonOperator;
    missingData: cloudwatch.AlarmTreatMissingData;
}

function alarm(logicalName: string, spec: AlarmSpec, topic: sns.Topic): cloudwatch.Alarm {
    const [dimensionName, dimensionValue] = spec.dimension;
    return new cloudwatch.Alarm(logicalName, {
        alarmName: spec.name,
        alarmDescription: spec.description,
        namespace: spec.namespace,
        metricName: spec.metric,
        dimensions: [{ name: dimensionName, value: dimensionValue }],
        statistic: spec.statistic,
        period: spec.period,
        evaluationPeriods: spec.evaluationPeriods,
        threshold: spec.threshold,
        comparisonOperator: spec.comparison,
        treatMissingData: spec.missingData,
        alarmActions: [topic.topicArn],
    });
}

async function main(): Promise<void> {
    const settings = loadSettings();
    const prefix = settings.prefix;
    const region = await engine.getRegion();
    const account = (await engine.getCallerIdentity()).accountId;
    const tags = { project: engine.getProject(), stack: engine.getStack() };
    if (!existsSync("../app/vendor")) {
        engine.log.warn(
            "../app/vendor is missing: run ../app/vendor.sh before deploying to AWS, or the function cannot import PyMySQL",
        );
    }

    // --- Network (C1-C6, C9-C11): two private subnets, no internet access; S3 through a gateway
    // endpoint, Secrets Manager through an interface endpoint (HTTPS from the VPC).
    const network = new Network("Network", {
        cidrBlock: settings.vpcCidr,
        availabilityZoneCount: 2,
        publicSubnets: false,
        privateSubnetCidrs: settings.privateSubnetCidrs,
        vpcEndpoints: ["s3", "secretsmanager"],
        tags,
    });

    // --- Security groups (C7, C8): the function may reach the database on 3306, nothing else in.
    const lambdaSg = new ec2.SecurityGroup("LambdaSecurityGroup", {
        groupDescription: "ingest Lambda (egress only)",
        vpcId: network.vpcId,
    });
    const databaseSg = new ec2.SecurityGroup("DatabaseSecurityGroup", {
        groupDescription: "Aurora MySQL, 3306 from the ingest Lambda",
        vpcId: network.vpcId,
        securityGroupIngress: [
            { ipProtocol: "tcp", fromPort: 3306, toPort: 3306, sourceSecurityGroupId: lambdaSg.groupId },
        ],
    });

    // --- The CSV bucket (C12): encrypted, versioned, never public.
    const csvBucket = new s3.Bucket("CsvBucket", {
        bucketName: `${prefix}-csv-${account}-${region}`,
        bucketEncryption: {
            serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
        },
        publicAccessBlockConfiguration: {
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        },
        versioningConfiguration: { status: "Enabled" },
    });

    // --- Database (C14-C18): the master password is generated here and written twice (the secret
    // the function reads, and the cluster); it stays secret in state, never read back.
    const password = new engine.RandomPassword("DbMasterPassword", {
        length: 32,
        // Aurora refuses '/', '@', '"' and spaces in passwords.
        overrideSpecial: "!#$%&*()-_=+[]{}<>:?",
    });
    const dbSubnetGroup = new rds.DbSubnetGroup("DbSubnetGroup", {
        dbSubnetGroupDescription: "ingest Aurora private subnets",
        subnetIds: network.privateSubnetIds,
    });
    const dbSecret = new secretsmanager.Secret("DbSecret", {
        name: `${prefix}/aurora/master`,
        description: "Aurora MySQL credentials read by the ingest Lambda",
        secretString: password.result.apply((pw) => JSON.stringify({ username: MASTER_USERNAME, password: pw })),
    });
    const cluster = new rds.DbCluster("AuroraCluster", {
        engine: "aurora-mysql",
        engineVersion: settings.dbEngineVersion,
        databaseName: settings.dbName,
        masterUsername: MASTER_USERNAME,
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
    new rds.DbInstance("AuroraInstance", {
        dbClusterIdentifier: cluster.dbClusterIdentifier,
        dbInstanceClass: "db.serverless",
        engine: "aurora-mysql",
        publiclyAccessible: false,
    });
    new secretsmanager.SecretTargetAttachment("DbSecretAttachment", {
        secretId: dbSecret.awsId,
        targetId: cluster.dbClusterIdentifier,
        targetType: "AWS::RDS::DBCluster",
    });
    const dbHost = cluster.endpoint.apply((endpoint) => endpoint.address);
    const dbPort = cluster.endpoint.apply((endpoint) => endpoint.port);

    // --- The function (C19-C21): its log group, least-privilege role and the function itself, in
    // the private subnets.
    const fn = new ServerlessFunction("IngestFunction", {
        code: new engine.FileArchive("../app"),
        handler: "app.handler",
        runtime: "python3.12",
        functionName: `${prefix}-csv-ingest`,
        description: "Loads the hourly CSV into Aurora MySQL, ignoring known ids",
        memorySize: settings.lambdaMemorySize,
        timeout: settings.lambdaTimeout,
        logRetentionDays: settings.logRetentionDays,
        subnetIds: network.privateSubnetIds,
        securityGroupIds: [lambdaSg.groupId],
        environment: {
            LOG_LEVEL: settings.logLevel,
            CSV_BUCKET: csvBucket.bucketName,
            CSV_KEY: settings.csvKey,
            DB_SECRET_ARN: dbSecret.awsId,
            DB_HOST: dbHost,
            DB_NAME: settings.dbName,
        },
        policyStatements: [
            { actions: ["s3:GetObject"], resources: [engine.interpolate`${csvBucket.arn}/*`] },
            { actions: ["s3:ListBucket"], resources: [csvBucket.arn] },
            { actions: ["secretsmanager:GetSecretValue"], resources: [dbSecret.awsId] },
        ],
        tags,
    });

    // --- The hourly schedule (C22, C23).
    const rule = new events.Rule("HourlyScheduleRule", {
        name: `${prefix}-hourly`,
        description: "Runs the CSV ingest",
        scheduleExpression: settings.scheduleExpression,
        state: "ENABLED",
        targets: [{ id: "csv-ingest", arn: fn.functionArn }],
    });
    new lambda.Permission("ScheduleInvokePermission", {
        functionName: fn.functionArn,
        action: "lambda:InvokeFunction",
        principal: "events.amazonaws.com",
        sourceArn: rule.arn,
    });

    // --- Alerts (C24-C28).
    const topic = new sns.Topic("AlertsTopic", { topicName: `${prefix}-alerts` });
    // Stays "pending confirmation" until the recipient follows the link in the e-mail.
    new sns.Subscription("AlertsEmailSubscription", {
        topicArn: topic.topicArn,
        protocol: "email",
        endpoint: settings.alertEmail,
    });
    alarm(
        "IngestErrorsAlarm",
        {
            name: `${prefix}-errors`,
            description: "The CSV ingest failed at least once in the last hour",
            namespace: "AWS/Lambda",
            metric: "Errors",
            dimension: ["FunctionName", fn.functionName],
            statistic: "Sum",
            period: 3600,
            evaluationPeriods: 1,
            threshold: 1,
            comparison: "GreaterThanOrEqualToThreshold",
            missingData: "notBreaching",
        },
        topic,
    );
    alarm(
        "IngestMissedRunAlarm",
        {
            name: `${prefix}-missed-run`,
            description: "The hourly schedule did not run the CSV ingest for two hours",
            namespace: "AWS/Lambda",
            metric: "Invocations",
            dimension: ["FunctionName", fn.functionName],
            statistic: "Sum",
            period: 3600,
            evaluationPeriods: 2,
            threshold: 1,
            comparison: "LessThanThreshold",
            missingData: "breaching",
        },
        topic,
    );
    alarm(
        "DbCapacityAlarm",
        {
            name: `${prefix}-aurora-acu`,
            description: "Aurora has run above 90% of its maximum capacity for 15 minutes",
            namespace: "AWS/RDS",
            metric: "ACUUtilization",
            dimension: ["DBClusterIdentifier", cluster.dbClusterIdentifier],
            statistic: "Average",
            period: 300,
            evaluationPeriods: 3,
            threshold: 90,
            comparison: "GreaterThanThreshold",
            missingData: "notBreaching",
        },
        topic,
    );

    // --- Outputs.
    engine.export("CsvBucketName", csvBucket.bucketName);
    engine.export("CsvBucketArn", csvBucket.arn);
    engine.export("IngestFunctionName", fn.functionName);
    engine.export("IngestFunctionArn", fn.functionArn);
    engine.export("ScheduleRuleArn", rule.arn);
    engine.export("DbEndpoint", engine.interpolate`${dbHost}:${dbPort}`);
    engine.export("DbName", cluster.databaseName);
    engine.export("DbSecretArn", dbSecret.awsId);
    engine.export("LogGroupName", fn.logGroupName);
    engine.export("AlertsTopicArn", topic.topicArn);
    engine.export("VpcId", network.vpcId);
}

// A rejection ends the program: the SDK reports it to the engine with its stack trace.
void main();
