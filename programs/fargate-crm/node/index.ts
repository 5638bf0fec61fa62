// fargate-crm: the three-tier CRM on ECS Fargate (reference architecture B).
//
// One program, three regions: the stack's region holds almost everything, the DR region the read
// replica and the backup copies, us-east-1 CloudFront's certificate and the cost slice. Each tier
// is a module of `src/`; this file wires them in dependency order and exports what operators need.

import * as engine from "engine-sdk";
import { backups } from "./src/backup";
import { compute } from "./src/compute";
import { cost } from "./src/cost";
import { data } from "./src/data";
import { delivery } from "./src/delivery";
import { edge } from "./src/edge";
import { failover } from "./src/failover";
import { monitoring } from "./src/monitoring";
import { network } from "./src/network";
import { security } from "./src/security";
import { Settings } from "./src/settings";

async function main(): Promise<void> {
  const settings = await Settings.load();

  const net = network(settings);
  const secrets = security(settings);
  const stores = data(settings, net, secrets);
  const front = edge(settings, net);
  const services = compute(settings, net, secrets, stores, front);
  const vaults = backups(settings, secrets, stores);
  const alarms = monitoring(settings, stores, front, services, vaults);
  const pipeline = delivery(settings, stores, front, services, alarms);
  failover(settings, stores);
  const costs = cost(settings);

  const endpoint = stores.primaryDb.endpoint;
  engine.export("AppUrl", `https://${settings.zoneName}`);
  engine.export("CloudFrontDomainName", front.distribution.domainName);
  engine.export("CloudFrontDistributionId", front.distribution.awsId);
  engine.export("AlbDnsName", front.alb.dnsName);
  engine.export("AlbArn", front.alb.loadBalancerArn);
  engine.export("HostedZoneId", front.zone.awsId);
  engine.export("HostedZoneNameServers", front.zone.nameServers);
  engine.export("DbEndpoint", endpoint.apply((e) => `${e.address}:${e.port}`));
  engine.export("DrReplicaEndpoint", stores.replica.endpoint.apply((e) => e.address));
  engine.export("DbMasterSecretArn", secrets.dbMasterSecret.awsId);
  engine.export("AttachmentsBucketName", stores.attachments.bucketName);
  engine.export("OrdersQueueUrl", stores.orders.queueUrl);
  engine.export("OrdersDlqUrl", stores.ordersDlq.queueUrl);
  engine.export("ServerRepositoryUri", services.serverRepository.repositoryUri);
  engine.export("WorkerRepositoryUri", services.workerRepository.repositoryUri);
  engine.export("EcsClusterName", services.cluster.clusterName);
  engine.export("ServerServiceName", services.serverService.name);
  engine.export("WorkerServiceName", services.worker.serviceName);
  engine.export("PipelineName", pipeline.pipeline.name);
  engine.export("GitHubConnectionArn", pipeline.connection.connectionArn);
  engine.export("AlertsTopicArn", alarms.alerts.topicArn);
  engine.export("CostAlertsTopicArn", costs.alerts.topicArn);
  engine.export("PrimaryBackupVaultArn", vaults.primaryVault.backupVaultArn);
  engine.export("DrBackupVaultArn", vaults.drVault.backupVaultArn);
  engine.export("CurBucketName", costs.curBucket.bucketName);
  engine.export("KmsKeyArn", secrets.key.arn);
  engine.export("VpcId", net.network.vpcId);
}

// A rejection ends the program: the SDK reports it to the engine with its stack trace.
void main();
