// Compute tier (inventory B43–B51, B62–B67): the image repositories, the ECS cluster, the
// `twenty-server` service behind the load balancer (CodeDeploy blue/green, scaled on CPU) and
// the `twenty-worker` queue consumer (the platform `FargateService`: rolling deploys with a
// circuit breaker, scaled on the orders queue's depth).

import * as engine from "engine-sdk";
import * as scaling from "engine-sdk/aws/applicationautoscaling";
import * as ecr from "engine-sdk/aws/ecr";
import * as ecs from "engine-sdk/aws/ecs";
import * as iam from "engine-sdk/aws/iam";
import * as logs from "engine-sdk/aws/logs";
import { FargateService } from "../generated/platform";
import { DataTier } from "./data";
import { EdgeTier } from "./edge";
import { NetworkTier } from "./network";
import { present } from "./outputs";
import * as policy from "./policy";
import { allow, suffixed } from "./policy";
import { SecurityTier } from "./security";
import { Settings } from "./settings";

/** Untagged images are expired after two weeks. */
const EXPIRE_UNTAGGED = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 14 },
      action: { type: "expire" },
    },
  ],
});

export interface ComputeTier {
  serverRepository: ecr.Repository;
  workerRepository: ecr.Repository;
  cluster: ecs.Cluster;
  executionRole: iam.Role;
  serverTaskRole: iam.Role;
  serverService: ecs.Service;
  worker: FargateService;
}

type Named = [name: string, value: engine.Output<string>];

/** The variables both containers get: where the database, the attachments and the queue are. */
function appEnvironment(data: DataTier): Named[] {
  return [
    ["PG_DATABASE_HOST", data.primaryDb.endpoint.apply((e) => e.address)],
    ["PG_DATABASE_PORT", data.primaryDb.endpoint.apply((e) => e.port)],
    ["STORAGE_S3_NAME", data.attachments.bucketName],
    ["ORDERS_QUEUE_URL", data.orders.queueUrl],
  ];
}

/** The secrets both containers get, injected by ECS from Secrets Manager. */
function appSecrets(security: SecurityTier): Named[] {
  return [
    ["PG_DATABASE_CREDENTIALS", security.dbMasterSecret.awsId],
    ["APP_SECRET", security.appSecret.awsId],
    ["PG_SUPERUSER_PASSWORD", security.pgSuperuserSecret.awsId],
  ];
}

function withTag(repository: ecr.Repository, tag: string): engine.Output<string> {
  return repository.repositoryUri.apply((uri) => `${uri}:${tag}`);
}

export function compute(
  settings: Settings,
  net: NetworkTier,
  security: SecurityTier,
  data: DataTier,
  edge: EdgeTier,
): ComputeTier {
  const repository = (name: string, image: string) =>
    new ecr.Repository(name, {
      repositoryName: `${settings.prefix}/${image}`,
      imageScanningConfiguration: { scanOnPush: true },
      imageTagMutability: "MUTABLE",
      lifecyclePolicy: { lifecyclePolicyText: EXPIRE_UNTAGGED },
    });
  const serverRepository = repository("ServerRepository", "twenty-server");
  const workerRepository = repository("WorkerRepository", "twenty-worker");

  const cluster = new ecs.Cluster("EcsCluster", {
    clusterName: settings.name("cluster"),
    clusterSettings: [{ name: "containerInsights", value: "enabled" }],
  });
  const logGroup = new logs.LogGroup("EcsLogGroup", {
    logGroupName: `/ecs/${settings.prefix}`,
    retentionInDays: settings.logRetentionDays,
  });

  // ECS reads the three secrets (and decrypts them) to inject them into both services.
  const executionRole = new iam.Role("EcsTaskExecutionRole", {
    roleName: settings.name("ecs-execution"),
    assumeRolePolicyDocument: policy.trust("ecs-tasks.amazonaws.com"),
    managedPolicyArns: ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"],
    policies: policy.inline(
      "read-secrets",
      allow(["secretsmanager:GetSecretValue"], appSecrets(security).map(([, arn]) => arn)),
      allow(["kms:Decrypt"], [security.key.arn]),
    ),
  });
  const attachmentObjects = suffixed(data.attachments.arn, "/*");
  const serverTaskRole = new iam.Role("ServerTaskRole", {
    roleName: settings.name("server-task"),
    assumeRolePolicyDocument: policy.trust("ecs-tasks.amazonaws.com"),
    policies: policy.inline(
      "server",
      allow(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [attachmentObjects]),
      allow(["s3:ListBucket"], [data.attachments.arn]),
      allow(["kms:Decrypt", "kms:GenerateDataKey"], [security.key.arn]),
      allow(["sqs:SendMessage"], [data.orders.arn]),
    ),
  });

  // A new revision replaces the old one (every property is create-only); the service keeps
  // running the revision CodeDeploy last deployed.
  const serverTask = new ecs.TaskDefinition("ServerTaskDefinition", {
    family: settings.name("twenty-server"),
    cpu: "512",
    memory: "1024",
    networkMode: "awsvpc",
    requiresCompatibilities: ["FARGATE"],
    executionRoleArn: executionRole.arn,
    taskRoleArn: serverTaskRole.arn,
    containerDefinitions: [
      {
        name: "twenty-server",
        image: withTag(serverRepository, settings.imageTag),
        essential: true,
        logConfiguration: {
          logDriver: "awslogs",
          options: {
            "awslogs-group": logGroup.logGroupName,
            "awslogs-region": settings.primaryRegion,
            "awslogs-stream-prefix": "server",
          },
        },
        environment: appEnvironment(data).map(([name, value]) => ({ name, value })),
        secrets: appSecrets(security).map(([name, arn]) => ({ name, valueFrom: arn })),
        portMappings: [{ containerPort: 3000, protocol: "tcp" }],
      },
    ],
  });

  // Blue/green through CodeDeploy: after the first deployment CodeDeploy owns the task
  // definition and the target group the service points at.
  const serverService = new ecs.Service(
    "ServerService",
    {
      serviceName: settings.name("twenty-server"),
      cluster: cluster.clusterName,
      taskDefinition: serverTask.taskDefinitionArn,
      launchType: "FARGATE",
      desiredCount: settings.serverDesiredCount,
      deploymentController: { type: "CODE_DEPLOY" },
      healthCheckGracePeriodSeconds: 60,
      enableExecuteCommand: true,
      loadBalancers: [{ containerName: "twenty-server", containerPort: 3000, targetGroupArn: edge.blue.targetGroupArn }],
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: net.network.privateSubnetIds,
          securityGroups: [net.serverGroup.groupId],
          assignPublicIp: "DISABLED",
        },
      },
    },
    // The target group must be attached to a listener before a service uses it.
    { dependsOn: [edge.httpsListener], ignoreChanges: ["TaskDefinition", "LoadBalancers"] },
  );

  const workerName = settings.name("twenty-worker");
  const worker = new FargateService("twenty-worker", {
    clusterName: cluster.clusterName,
    image: withTag(workerRepository, settings.imageTag),
    subnetIds: net.network.privateSubnetIds,
    securityGroupIds: [net.workerGroup.groupId],
    containerName: "twenty-worker",
    family: workerName,
    serviceName: workerName,
    cpu: 256,
    memory: 512,
    desiredCount: settings.workerDesiredCount,
    executionRoleArn: executionRole.arn,
    logRetentionDays: settings.logRetentionDays,
    environment: Object.fromEntries(appEnvironment(data)),
    secrets: Object.fromEntries(appSecrets(security)),
    taskPolicyStatements: [
      {
        actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
        resources: [data.orders.arn],
      },
      { actions: ["s3:GetObject", "s3:PutObject"], resources: [attachmentObjects] },
      { actions: ["kms:Decrypt", "kms:GenerateDataKey"], resources: [security.key.arn] },
    ],
  });

  // Autoscaling: the server on CPU, the worker on the orders queue's depth.
  const scalableTarget = (name: string, serviceName: engine.Output<string>, min: number, max: number) =>
    new scaling.ScalableTarget(name, {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: engine.interpolate`service/${cluster.clusterName}/${serviceName}`,
      minCapacity: min,
      maxCapacity: max,
    });
  const serverTarget = scalableTarget(
    "ServerScalableTarget",
    serverService.name,
    settings.serverDesiredCount,
    settings.serverMaxCount,
  );
  new scaling.ScalingPolicy("ServerCpuScalingPolicy", {
    policyName: settings.name("twenty-server-cpu70"),
    policyType: "TargetTrackingScaling",
    scalingTargetId: serverTarget.awsId,
    targetTrackingScalingPolicyConfiguration: {
      targetValue: 70,
      predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
      scaleInCooldown: 300,
      scaleOutCooldown: 60,
    },
  });
  const workerTarget = scalableTarget(
    "WorkerScalableTarget",
    worker.serviceName,
    settings.workerDesiredCount,
    settings.workerMaxCount,
  );
  new scaling.ScalingPolicy("WorkerQueueScalingPolicy", {
    policyName: settings.name("twenty-worker-queue-depth"),
    policyType: "TargetTrackingScaling",
    scalingTargetId: workerTarget.awsId,
    targetTrackingScalingPolicyConfiguration: {
      targetValue: 100,
      customizedMetricSpecification: {
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: [{ name: "QueueName", value: present(data.orders.queueName, "the orders queue's name") }],
        statistic: "Average",
      },
    },
  });
  return { serverRepository, workerRepository, cluster, executionRole, serverTaskRole, serverService, worker };
}
