// Delivery (inventory B79–B84): the GitHub connection (activated by hand in the console), the V2
// pipeline — source, image builds pushed to ECR and the deployment files rendered on
// pipeline-managed compute (no CodeBuild project: Cloud Control cannot create one), manual
// approval, then CodeDeploy blue/green for the server and a rolling ECS deploy of the worker.

import * as engine from "engine-sdk";
import * as codedeploy from "engine-sdk/aws/codedeploy";
import * as codepipeline from "engine-sdk/aws/codepipeline";
import * as codestarconnections from "engine-sdk/aws/codestarconnections";
import * as iam from "engine-sdk/aws/iam";
import { ComputeTier } from "./compute";
import { DataTier } from "./data";
import { EdgeTier } from "./edge";
import { MonitoringTier } from "./monitoring";
import { present } from "./outputs";
import * as policy from "./policy";
import { allow, suffixed } from "./policy";
import { Settings } from "./settings";

export interface DeliveryTier {
  connection: codestarconnections.Connection;
  pipeline: codepipeline.Pipeline;
}

function actionType(
  category: codepipeline.PipelineActionTypeIdCategory,
  provider: string,
): codepipeline.PipelineActionTypeIdArgs {
  return { category, owner: "AWS", provider, version: "1" };
}

function artifacts(...names: string[]) {
  return names.map((name) => ({ name }));
}

export function delivery(
  settings: Settings,
  data: DataTier,
  edge: EdgeTier,
  compute: ComputeTier,
  monitoring: MonitoringTier,
): DeliveryTier {
  const connection = new codestarconnections.Connection("GitHubConnection", {
    connectionName: settings.name("github"),
    providerType: "GitHub",
  });
  const pipelineName = settings.name("pipeline");
  const pipelineRole = new iam.Role("CodePipelineRole", {
    roleName: settings.name("codepipeline"),
    assumeRolePolicyDocument: policy.trust("codepipeline.amazonaws.com"),
    policies: policy.inline(
      "pipeline",
      allow(
        ["s3:GetObject", "s3:PutObject", "s3:GetBucketVersioning", "s3:GetObjectVersion"],
        [data.artifacts.arn, suffixed(data.artifacts.arn, "/*")],
      ),
      allow(["codestar-connections:UseConnection", "codeconnections:UseConnection"], [connection.connectionArn]),
      allow(["ecr:GetAuthorizationToken"], ["*"]),
      allow(
        [
          "ecr:BatchCheckLayerAvailability",
          "ecr:InitiateLayerUpload",
          "ecr:UploadLayerPart",
          "ecr:CompleteLayerUpload",
          "ecr:PutImage",
          "ecr:BatchGetImage",
          "ecr:DescribeRepositories",
          "ecr:DescribeImages",
        ],
        [compute.serverRepository.arn, compute.workerRepository.arn],
      ),
      allow(
        ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        [settings.arn("logs", settings.primaryRegion, `log-group:/aws/codepipeline/${pipelineName}*`)],
      ),
      allow(
        [
          "codedeploy:CreateDeployment",
          "codedeploy:GetDeployment",
          "codedeploy:GetApplication",
          "codedeploy:GetApplicationRevision",
          "codedeploy:RegisterApplicationRevision",
          "codedeploy:GetDeploymentConfig",
        ],
        ["*"],
      ),
      allow(
        [
          "ecs:RegisterTaskDefinition",
          "ecs:DescribeServices",
          "ecs:DescribeTaskDefinition",
          "ecs:UpdateService",
          "ecs:TagResource",
        ],
        ["*"],
      ),
      allow(
        ["iam:PassRole"],
        [
          compute.executionRole.arn,
          compute.serverTaskRole.arn,
          present(compute.worker.taskRoleArn, "the worker's task role"),
        ],
      ),
      allow(["sns:Publish"], [monitoring.alerts.topicArn]),
    ),
  });
  const codedeployRole = new iam.Role("CodeDeployRole", {
    roleName: settings.name("codedeploy"),
    assumeRolePolicyDocument: policy.trust("codedeploy.amazonaws.com"),
    managedPolicyArns: ["arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS"],
  });
  const application = new codedeploy.Application("CodeDeployApplication", {
    applicationName: settings.name("server"),
    computePlatform: "ECS",
  });
  const deploymentGroup = new codedeploy.DeploymentGroup("CodeDeployDeploymentGroup", {
    applicationName: application.applicationName,
    deploymentGroupName: settings.name("server-bluegreen"),
    serviceRoleArn: codedeployRole.arn,
    deploymentConfigName: "CodeDeployDefault.ECSAllAtOnce",
    deploymentStyle: { deploymentType: "BLUE_GREEN", deploymentOption: "WITH_TRAFFIC_CONTROL" },
    blueGreenDeploymentConfiguration: {
      deploymentReadyOption: { actionOnTimeout: "CONTINUE_DEPLOYMENT" },
      terminateBlueInstancesOnDeploymentSuccess: { action: "TERMINATE", terminationWaitTimeInMinutes: 5 },
    },
    ecsServices: [{ clusterName: compute.cluster.clusterName, serviceName: compute.serverService.name }],
    loadBalancerInfo: {
      targetGroupPairInfoList: [
        {
          // By the groups' `Name` (known before they exist, unlike the read-only
          // `TargetGroupName`: the engine's preview validation sees two unknown names as equal
          // items; see the README).
          targetGroups: [
            { name: present(edge.blue.name, "a target group's name") },
            { name: present(edge.green.name, "a target group's name") },
          ],
          prodTrafficRoute: { listenerArns: [edge.httpsListener.listenerArn] },
        },
      ],
    },
    autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] },
    alarmConfiguration: { enabled: true, alarms: [{ name: monitoring.alb5xx.alarmName }] },
  });

  const buildImage = (
    name: string,
    namespace: string,
    repository: engine.Output<string>,
    dockerfile: string,
  ): codepipeline.PipelineActionDeclarationArgs => ({
    name,
    runOrder: 1,
    namespace,
    actionTypeId: actionType("Build", "ECRBuildAndPublish"),
    configuration: { ECRRepositoryName: repository, DockerFilePath: dockerfile, ImageTags: "latest" },
    inputArtifacts: artifacts("Src"),
  });
  const pipeline = new codepipeline.Pipeline("CrmPipeline", {
    name: pipelineName,
    pipelineType: "V2",
    executionMode: "QUEUED",
    roleArn: pipelineRole.arn,
    artifactStore: { type: "S3", location: data.artifacts.bucketName },
    stages: [
      {
        name: "Source",
        actions: [
          {
            name: "GitHub",
            actionTypeId: actionType("Source", "CodeStarSourceConnection"),
            configuration: {
              ConnectionArn: connection.connectionArn,
              FullRepositoryId: settings.gitHubRepo,
              BranchName: settings.gitHubBranch,
              OutputArtifactFormat: "CODE_ZIP",
            },
            outputArtifacts: artifacts("Src"),
          },
        ],
      },
      {
        name: "Build",
        actions: [
          buildImage(
            "BuildServerImage",
            "ServerImage",
            compute.serverRepository.repositoryName,
            "packages/twenty-docker/twenty",
          ),
          buildImage(
            "BuildWorkerImage",
            "WorkerImage",
            compute.workerRepository.repositoryName,
            "packages/twenty-docker/worker",
          ),
          {
            name: "RenderDeployFiles",
            runOrder: 2,
            actionTypeId: actionType("Compute", "Commands"),
            commands: ["./deploy/render.sh"],
            inputArtifacts: artifacts("Src"),
            outputArtifacts: [
              {
                name: "DeployFiles",
                files: ["taskdef.json", "appspec.yaml", "imageDetail.json", "imagedefinitions.json"],
              },
            ],
          },
        ],
      },
      {
        name: "Approval",
        actions: [
          {
            name: "ManualApproval",
            actionTypeId: actionType("Approval", "Manual"),
            configuration: { NotificationArn: monitoring.alerts.topicArn },
          },
        ],
      },
      {
        name: "Deploy",
        actions: [
          {
            name: "BlueGreenServer",
            actionTypeId: actionType("Deploy", "CodeDeployToECS"),
            configuration: {
              ApplicationName: application.applicationName,
              DeploymentGroupName: deploymentGroup.deploymentGroupName,
              TaskDefinitionTemplateArtifact: "DeployFiles",
              TaskDefinitionTemplatePath: "taskdef.json",
              AppSpecTemplateArtifact: "DeployFiles",
              AppSpecTemplatePath: "appspec.yaml",
              Image1ArtifactName: "DeployFiles",
              Image1ContainerName: "IMAGE1_NAME",
            },
            inputArtifacts: artifacts("DeployFiles"),
          },
          {
            name: "RollingWorker",
            actionTypeId: actionType("Deploy", "ECS"),
            configuration: {
              ClusterName: compute.cluster.clusterName,
              ServiceName: compute.worker.serviceName,
              FileName: "imagedefinitions.json",
            },
            inputArtifacts: artifacts("DeployFiles"),
          },
        ],
      },
    ],
  });
  return { connection, pipeline };
}
