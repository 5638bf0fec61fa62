// Monitoring (inventory B71–B78): the alerts topic with its e-mail subscription (confirmed by the
// recipient, out of band) and the alarms on the load balancer, the server service, the database,
// the backups and the orders dead-letter queue.

import * as engine from "engine-sdk";
import * as cloudwatch from "engine-sdk/aws/cloudwatch";
import * as sns from "engine-sdk/aws/sns";
import { BackupTier } from "./backup";
import { ComputeTier } from "./compute";
import { DataTier } from "./data";
import { EdgeTier } from "./edge";
import { present } from "./outputs";
import { Settings } from "./settings";

export interface MonitoringTier {
  alerts: sns.Topic;
  alb5xx: cloudwatch.Alarm;
}

/** One metric alarm notifying the alerts topic (missing data is not breaching). */
interface AlarmSpec {
  suffix: string;
  namespace: string;
  metric: string;
  dimensions: [name: string, value: engine.Input<string>][];
  statistic: cloudwatch.AlarmStatistic;
  period: number;
  evaluationPeriods: number;
  threshold: number;
}

export function monitoring(
  settings: Settings,
  data: DataTier,
  edge: EdgeTier,
  compute: ComputeTier,
  backup: BackupTier,
): MonitoringTier {
  const alerts = new sns.Topic("AlertsTopic", { topicName: settings.name("alerts") });
  new sns.Subscription("AlertsEmailSubscription", {
    topicArn: alerts.topicArn,
    protocol: "email",
    endpoint: settings.alertEmail,
  });

  const alarm = (name: string, spec: AlarmSpec) =>
    new cloudwatch.Alarm(name, {
      alarmName: settings.name(spec.suffix),
      namespace: spec.namespace,
      metricName: spec.metric,
      dimensions: spec.dimensions.map(([key, value]) => ({ name: key, value })),
      statistic: spec.statistic,
      period: spec.period,
      evaluationPeriods: spec.evaluationPeriods,
      threshold: spec.threshold,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [alerts.topicArn],
    });
  // Also the trigger of CodeDeploy's automatic rollback.
  const alb5xx = alarm("Alb5xxAlarm", {
    suffix: "alb-5xx",
    namespace: "AWS/ApplicationELB",
    metric: "HTTPCode_Target_5XX_Count",
    dimensions: [["LoadBalancer", edge.alb.loadBalancerFullName]],
    statistic: "Sum",
    period: 60,
    evaluationPeriods: 1,
    threshold: 10,
  });
  const server: AlarmSpec["dimensions"] = [
    ["ClusterName", compute.cluster.clusterName],
    ["ServiceName", compute.serverService.name],
  ];
  alarm("EcsCpuHighAlarm", {
    suffix: "ecs-cpu",
    namespace: "AWS/ECS",
    metric: "CPUUtilization",
    dimensions: server,
    statistic: "Average",
    period: 60,
    evaluationPeriods: 2,
    threshold: 75,
  });
  alarm("EcsMemoryHighAlarm", {
    suffix: "ecs-memory",
    namespace: "AWS/ECS",
    metric: "MemoryUtilization",
    dimensions: server,
    statistic: "Average",
    period: 60,
    evaluationPeriods: 1,
    threshold: 80,
  });
  alarm("RdsCpuHighAlarm", {
    suffix: "rds-cpu",
    namespace: "AWS/RDS",
    metric: "CPUUtilization",
    dimensions: [["DBInstanceIdentifier", data.primaryDb.dbInstanceIdentifier]],
    statistic: "Average",
    period: 300,
    evaluationPeriods: 1,
    threshold: 80,
  });
  alarm("BackupJobsFailedAlarm", {
    suffix: "backup-failed",
    namespace: "AWS/Backup",
    metric: "NumberOfBackupJobsFailed",
    dimensions: [["BackupVaultName", backup.primaryVault.backupVaultName]],
    statistic: "Sum",
    period: 86400,
    evaluationPeriods: 1,
    threshold: 0,
  });
  alarm("OrdersDlqNotEmptyAlarm", {
    suffix: "orders-dlq",
    namespace: "AWS/SQS",
    metric: "ApproximateNumberOfMessagesVisible",
    dimensions: [["QueueName", present(data.ordersDlq.queueName, "the dead-letter queue's name")]],
    statistic: "Maximum",
    period: 300,
    evaluationPeriods: 1,
    threshold: 0,
  });
  return { alerts, alb5xx };
}
