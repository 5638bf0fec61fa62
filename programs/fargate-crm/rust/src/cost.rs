//! Cost controls (inventory B95–B102), all in us-east-1 (the cost and usage report's type exists
//! only there): the daily CUR into its own bucket, the cost alerts topic that EventBridge and AWS
//! Budgets may publish to, the monthly budget and the cost-anomaly rule.

use engine_sdk::aws::{budgets, cur, events, s3, sns};
use engine_sdk::prelude::*;
use serde_json::json;

use crate::data::aes256;
use crate::policy::{allow, document, suffixed};
use crate::settings::{Settings, US_EAST_1};

pub struct CostTier {
    pub cur_bucket: s3::Bucket,
    pub alerts: sns::Topic,
}

pub fn cost(ctx: &Context, settings: &Settings) -> Result<CostTier> {
    let here = || ResourceOptions::new().region(US_EAST_1);
    let cur_bucket = s3::Bucket::new(
        ctx,
        "CurBucket",
        s3::BucketArgs {
            bucket_name: Some(format!("{}-cur-{}", settings.prefix, settings.account_id).into()),
            public_access_block_configuration: Some(
                s3::BucketPublicAccessBlockConfigurationArgs {
                    block_public_acls: Some(true.into()),
                    block_public_policy: Some(true.into()),
                    ignore_public_acls: Some(true.into()),
                    restrict_public_buckets: Some(true.into()),
                }
                .into(),
            ),
            bucket_encryption: Some(aes256().into()),
            ..Default::default()
        },
        here(),
    )?;
    let bucket_policy = s3::BucketPolicy::new(
        ctx,
        "CurBucketPolicy",
        s3::BucketPolicyArgs {
            bucket: cur_bucket.bucket_name().into(),
            policy_document: document(vec![
                allow(&["s3:GetBucketAcl", "s3:GetBucketPolicy"], [cur_bucket.arn().into()])
                    .service("billingreports.amazonaws.com")
                    .source_account(&settings.account_id),
                allow(&["s3:PutObject"], [suffixed(&cur_bucket.arn(), "/*")])
                    .service("billingreports.amazonaws.com")
                    .source_account(&settings.account_id),
            ])
            .into(),
        },
        here(),
    )?;
    // Billing checks the bucket policy when the report is defined.
    cur::ReportDefinition::new(
        ctx,
        "CurReportDefinition",
        cur::ReportDefinitionArgs {
            report_name: settings.name("daily-cur").into(),
            time_unit: cur::ReportDefinitionTimeUnit::Daily.into(),
            format: cur::ReportDefinitionFormat::TextORcsv.into(),
            compression: cur::ReportDefinitionCompression::Gzip.into(),
            s3_bucket: cur_bucket.bucket_name().into(),
            s3_prefix: "cur-reports".into(),
            s3_region: US_EAST_1.into(),
            refresh_closed_reports: true.into(),
            report_versioning: cur::ReportDefinitionReportVersioning::OverwriteReport.into(),
            additional_schema_elements: Some(Input::Value(vec![
                cur::ReportDefinitionAdditionalSchemaElements::Resources.into(),
            ])),
            ..Default::default()
        },
        here().depends_on(&bucket_policy),
    )?;

    let alerts = sns::Topic::new(
        ctx,
        "CostAlertsTopic",
        sns::TopicArgs { topic_name: Some(settings.name("cost-alerts").into()), ..Default::default() },
        here(),
    )?;
    let topic_policy = sns::TopicInlinePolicy::new(
        ctx,
        "CostAlertsTopicPolicy",
        sns::TopicInlinePolicyArgs {
            topic_arn: alerts.topic_arn().into(),
            policy_document: document(vec![
                allow(&["sns:Publish"], [alerts.topic_arn().into()])
                    .sid("EventBridgePublish")
                    .service("events.amazonaws.com"),
                allow(&["sns:Publish"], [alerts.topic_arn().into()])
                    .sid("BudgetsPublish")
                    .service("budgets.amazonaws.com")
                    .source_account(&settings.account_id),
            ])
            .into(),
        },
        here(),
    )?;
    sns::Subscription::new(
        ctx,
        "CostAlertsEmailSubscription",
        sns::SubscriptionArgs {
            topic_arn: alerts.topic_arn().into(),
            protocol: "email".into(),
            endpoint: Some(settings.alert_email.clone().into()),
            ..Default::default()
        },
        here(),
    )?;
    // Its name and notifications are create-only (nested name included): a new threshold replaces
    // it, deleting the old budget first since the name stays.
    budgets::Budget::new(
        ctx,
        "MonthlyBudget",
        budgets::BudgetArgs {
            budget: budgets::BudgetDataArgs {
                budget_name: Some(settings.name("monthly-budget").into()),
                budget_type: "COST".into(),
                time_unit: "MONTHLY".into(),
                budget_limit: Some(
                    budgets::BudgetSpendArgs {
                        amount: (settings.monthly_budget as f64).into(),
                        unit: settings.budget_currency.clone().into(),
                    }
                    .into(),
                ),
                ..Default::default()
            }
            .into(),
            notifications_with_subscribers: Some(Input::Value(vec![Input::Value(
                budgets::BudgetNotificationWithSubscribersArgs {
                    notification: budgets::BudgetNotificationArgs {
                        notification_type: "ACTUAL".into(),
                        comparison_operator: "GREATER_THAN".into(),
                        threshold: 80.0.into(),
                        threshold_type: Some("PERCENTAGE".into()),
                    }
                    .into(),
                    subscribers: Input::Value(vec![Input::Value(budgets::BudgetSubscriberArgs {
                        subscription_type: "SNS".into(),
                        address: alerts.topic_arn().into(),
                    })]),
                },
            )])),
            ..Default::default()
        },
        here().depends_on(&topic_policy).delete_before_replace(true),
    )?;
    // Fires when a Cost Anomaly Detection monitor reports (monitors are per account, created
    // outside this program).
    events::Rule::new(
        ctx,
        "CostAnomalyRule",
        events::RuleArgs {
            name: Some(settings.name("cost-anomaly-rule").into()),
            state: Some(events::RuleState::Enabled.into()),
            event_pattern: Some(json!({ "source": ["aws.ce"], "detail-type": ["Anomaly Detected"] }).into()),
            targets: Some(Input::Value(vec![Input::Value(events::RuleTargetArgs {
                id: "cost-alerts".into(),
                arn: alerts.topic_arn().into(),
                ..Default::default()
            })])),
            ..Default::default()
        },
        here().depends_on(&topic_policy),
    )?;
    Ok(CostTier { cur_bucket, alerts })
}
