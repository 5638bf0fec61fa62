//! fargate-crm: the three-tier CRM on ECS Fargate (reference architecture B).
//!
//! One program, three regions: the stack's region holds almost everything, the DR region the
//! read replica and the backup copies, us-east-1 CloudFront's certificate and the cost slice.
//! Each tier is a module; `main` wires them in dependency order and exports what operators need.

mod backup;
mod compute;
mod cost;
mod data;
mod delivery;
mod edge;
mod failover;
mod monitoring;
mod network;
mod policy;
mod security;
mod settings;

use engine_sdk::prelude::*;

use crate::settings::Settings;

#[engine_sdk::main]
async fn main(ctx: Context) -> Result<()> {
    let settings = Settings::load(&ctx).await?;

    let net = network::network(&ctx, &settings)?;
    let security = security::security(&ctx, &settings)?;
    let data = data::data(&ctx, &settings, &net, &security)?;
    let edge = edge::edge(&ctx, &settings, &net)?;
    let compute = compute::compute(&ctx, &settings, &net, &security, &data, &edge)?;
    let backup = backup::backups(&ctx, &settings, &security, &data)?;
    let monitoring = monitoring::monitoring(&ctx, &settings, &data, &edge, &compute, &backup)?;
    let delivery = delivery::delivery(&ctx, &settings, &data, &edge, &compute, &monitoring)?;
    failover::failover(&ctx, &settings, &data)?;
    let cost = cost::cost(&ctx, &settings)?;

    let endpoint = data.primary_db.endpoint();
    ctx.export("AppUrl", format!("https://{}", settings.zone_name));
    ctx.export("CloudFrontDomainName", edge.distribution.domain_name());
    ctx.export("CloudFrontDistributionId", edge.distribution.aws_id());
    ctx.export("AlbDnsName", edge.alb.dns_name());
    ctx.export("AlbArn", edge.alb.load_balancer_arn());
    ctx.export("HostedZoneId", edge.zone.aws_id());
    ctx.export("HostedZoneNameServers", edge.zone.name_servers());
    ctx.export("DbEndpoint", endpoint.map(|e| format!("{}:{}", e.address, e.port)));
    ctx.export("DrReplicaEndpoint", data.replica.endpoint().map(|e| e.address));
    ctx.export("DbMasterSecretArn", security.db_master_secret.aws_id());
    ctx.export("AttachmentsBucketName", data.attachments.bucket_name());
    ctx.export("OrdersQueueUrl", data.orders.queue_url());
    ctx.export("OrdersDlqUrl", data.orders_dlq.queue_url());
    ctx.export("ServerRepositoryUri", compute.server_repository.repository_uri());
    ctx.export("WorkerRepositoryUri", compute.worker_repository.repository_uri());
    ctx.export("EcsClusterName", compute.cluster.cluster_name());
    ctx.export("ServerServiceName", compute.server_service.name());
    ctx.export("WorkerServiceName", compute.worker.service_name.clone());
    ctx.export("PipelineName", delivery.pipeline.name());
    ctx.export("GitHubConnectionArn", delivery.connection.connection_arn());
    ctx.export("AlertsTopicArn", monitoring.alerts.topic_arn());
    ctx.export("CostAlertsTopicArn", cost.alerts.topic_arn());
    ctx.export("PrimaryBackupVaultArn", backup.primary_vault.backup_vault_arn());
    ctx.export("DrBackupVaultArn", backup.dr_vault.backup_vault_arn());
    ctx.export("CurBucketName", cost.cur_bucket.bucket_name());
    ctx.export("KmsKeyArn", security.key.arn());
    ctx.export("VpcId", net.network.vpc_id.clone());
    Ok(())
}
