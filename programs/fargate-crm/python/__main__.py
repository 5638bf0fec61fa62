"""fargate-crm: the three-tier CRM on ECS Fargate (reference architecture B).

One program, three regions: the stack's region holds almost everything, the DR region the read
replica and the backup copies, us-east-1 CloudFront's certificate and the cost slice. Each tier is
a module of ``crm``; this file wires them in dependency order and exports what operators need.
"""

import engine_sdk as engine
from engine_sdk import Output

from crm.backup import backups
from crm.compute import compute
from crm.cost import cost
from crm.data import data
from crm.delivery import delivery
from crm.edge import edge
from crm.failover import failover
from crm.monitoring import monitoring
from crm.network import network
from crm.security import security
from crm.settings import Settings

settings = Settings.load()

net = network(settings)
secrets = security(settings)
stores = data(settings, net, secrets)
front = edge(settings, net)
services = compute(settings, net, secrets, stores, front)
vaults = backups(settings, secrets, stores)
alarms = monitoring(settings, stores, front, services, vaults)
pipeline = delivery(settings, stores, front, services, alarms)
failover(settings, stores)
costs = cost(settings)

engine.export("AppUrl", f"https://{settings.zone_name}")
engine.export("CloudFrontDomainName", front.distribution.domain_name)
engine.export("CloudFrontDistributionId", front.distribution.aws_id)
engine.export("AlbDnsName", front.alb.dns_name)
engine.export("AlbArn", front.alb.load_balancer_arn)
engine.export("HostedZoneId", front.zone.aws_id)
engine.export("HostedZoneNameServers", front.zone.name_servers)
engine.export(
    "DbEndpoint", Output.format("{}:{}", stores.primary_db.endpoint["address"], stores.primary_db.endpoint["port"])
)
engine.export("DrReplicaEndpoint", stores.replica.endpoint["address"])
engine.export("DbMasterSecretArn", secrets.db_master_secret.aws_id)
engine.export("AttachmentsBucketName", stores.attachments.bucket_name)
engine.export("OrdersQueueUrl", stores.orders.queue_url)
engine.export("OrdersDlqUrl", stores.orders_dlq.queue_url)
engine.export("ServerRepositoryUri", services.server_repository.repository_uri)
engine.export("WorkerRepositoryUri", services.worker_repository.repository_uri)
engine.export("EcsClusterName", services.cluster.cluster_name)
engine.export("ServerServiceName", services.server_service.name)
engine.export("WorkerServiceName", services.worker.service_name)
engine.export("PipelineName", pipeline.pipeline.name)
engine.export("GitHubConnectionArn", pipeline.connection.connection_arn)
engine.export("AlertsTopicArn", alarms.alerts.topic_arn)
engine.export("CostAlertsTopicArn", costs.alerts.topic_arn)
engine.export("PrimaryBackupVaultArn", vaults.primary_vault.backup_vault_arn)
engine.export("DrBackupVaultArn", vaults.dr_vault.backup_vault_arn)
engine.export("CurBucketName", costs.cur_bucket.bucket_name)
engine.export("KmsKeyArn", secrets.key.arn)
engine.export("VpcId", net.network.vpc_id)
