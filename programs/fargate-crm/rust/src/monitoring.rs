//! Monitoring (inventory B71–B78): the alerts topic with its e-mail subscription (confirmed by
//! the recipient, out of band) and the alarms on the load balancer, the server service, the
//! database, the backups and the orders dead-letter queue.

use engine_sdk::aws::{cloudwatch as cw, sns};
use engine_sdk::prelude::*;

use crate::backup::BackupTier;
use crate::compute::{ComputeTier, present};
use crate::data::DataTier;
use crate::edge::EdgeTier;
use crate::policy::strings;
use crate::settings::Settings;

pub struct MonitoringTier {
    pub alerts: sns::Topic,
    pub alb_5xx: cw::Alarm,
}

/// One metric alarm notifying the alerts topic (missing data is not breaching).
struct Alarm<'a> {
    suffix: &'a str,
    namespace: &'a str,
    metric: &'a str,
    dimensions: Vec<(&'a str, Output<String>)>,
    statistic: cw::AlarmStatistic,
    period: i64,
    evaluation_periods: i64,
    threshold: f64,
}

pub fn monitoring(
    ctx: &Context,
    settings: &Settings,
    data: &DataTier,
    edge: &EdgeTier,
    compute: &ComputeTier,
    backup: &BackupTier,
) -> Result<MonitoringTier> {
    let alerts = sns::Topic::new(
        ctx,
        "AlertsTopic",
        sns::TopicArgs { topic_name: Some(settings.name("alerts").into()), ..Default::default() },
        ResourceOptions::default(),
    )?;
    sns::Subscription::new(
        ctx,
        "AlertsEmailSubscription",
        sns::SubscriptionArgs {
            topic_arn: alerts.topic_arn().into(),
            protocol: "email".into(),
            endpoint: Some(settings.alert_email.clone().into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;

    let alarm = |name: &str, spec: Alarm| {
        cw::Alarm::new(
            ctx,
            name,
            cw::AlarmArgs {
                alarm_name: Some(settings.name(spec.suffix).into()),
                namespace: Some(spec.namespace.into()),
                metric_name: Some(spec.metric.into()),
                dimensions: Some(Input::Value(
                    spec.dimensions
                        .into_iter()
                        .map(|(name, value)| {
                            Input::Value(cw::AlarmDimensionArgs { name: name.into(), value: value.into() })
                        })
                        .collect(),
                )),
                statistic: Some(spec.statistic.into()),
                period: Some(spec.period.into()),
                evaluation_periods: Some(spec.evaluation_periods.into()),
                threshold: Some(spec.threshold.into()),
                comparison_operator: Some(cw::AlarmComparisonOperator::GreaterThanThreshold.into()),
                treat_missing_data: Some(cw::AlarmTreatMissingData::NotBreaching.into()),
                alarm_actions: Some(strings([alerts.topic_arn()])),
                ..Default::default()
            },
            ResourceOptions::default(),
        )
    };
    // Also the trigger of CodeDeploy's automatic rollback.
    let alb_5xx = alarm(
        "Alb5xxAlarm",
        Alarm {
            suffix: "alb-5xx",
            namespace: "AWS/ApplicationELB",
            metric: "HTTPCode_Target_5XX_Count",
            dimensions: vec![("LoadBalancer", edge.alb.load_balancer_full_name())],
            statistic: cw::AlarmStatistic::Sum,
            period: 60,
            evaluation_periods: 1,
            threshold: 10.0,
        },
    )?;
    let server_dimensions =
        || vec![("ClusterName", compute.cluster.cluster_name()), ("ServiceName", compute.server_service.name())];
    alarm(
        "EcsCpuHighAlarm",
        Alarm {
            suffix: "ecs-cpu",
            namespace: "AWS/ECS",
            metric: "CPUUtilization",
            dimensions: server_dimensions(),
            statistic: cw::AlarmStatistic::Average,
            period: 60,
            evaluation_periods: 2,
            threshold: 75.0,
        },
    )?;
    alarm(
        "EcsMemoryHighAlarm",
        Alarm {
            suffix: "ecs-memory",
            namespace: "AWS/ECS",
            metric: "MemoryUtilization",
            dimensions: server_dimensions(),
            statistic: cw::AlarmStatistic::Average,
            period: 60,
            evaluation_periods: 1,
            threshold: 80.0,
        },
    )?;
    alarm(
        "RdsCpuHighAlarm",
        Alarm {
            suffix: "rds-cpu",
            namespace: "AWS/RDS",
            metric: "CPUUtilization",
            dimensions: vec![("DBInstanceIdentifier", data.primary_db.db_instance_identifier())],
            statistic: cw::AlarmStatistic::Average,
            period: 300,
            evaluation_periods: 1,
            threshold: 80.0,
        },
    )?;
    alarm(
        "BackupJobsFailedAlarm",
        Alarm {
            suffix: "backup-failed",
            namespace: "AWS/Backup",
            metric: "NumberOfBackupJobsFailed",
            dimensions: vec![("BackupVaultName", backup.primary_vault.backup_vault_name())],
            statistic: cw::AlarmStatistic::Sum,
            period: 86400,
            evaluation_periods: 1,
            threshold: 0.0,
        },
    )?;
    alarm(
        "OrdersDlqNotEmptyAlarm",
        Alarm {
            suffix: "orders-dlq",
            namespace: "AWS/SQS",
            metric: "ApproximateNumberOfMessagesVisible",
            dimensions: vec![("QueueName", present(data.orders_dlq.queue_name(), "the dead-letter queue's name"))],
            statistic: cw::AlarmStatistic::Maximum,
            period: 300,
            evaluation_periods: 1,
            threshold: 0.0,
        },
    )?;
    Ok(MonitoringTier { alerts, alb_5xx })
}
