//! Failover automation (inventory B90–B94): the function that promotes the DR read replica
//! (`../app`, the platform `ServerlessFunction`: its own log group and least-privilege role), and
//! the rule that calls it on the primary's RDS failover events.

use engine_sdk::aws::{events, lambda};
use engine_sdk::prelude::*;
use platform::{PolicyStatement, ServerlessFunction, ServerlessFunctionArgs};
use serde_json::json;

use crate::data::DataTier;
use crate::settings::Settings;

pub fn failover(ctx: &Context, settings: &Settings, data: &DataTier) -> Result<ServerlessFunction> {
    let mut args = ServerlessFunctionArgs::new(FileArchive::new("../app"), "index.handler", "python3.12");
    args.function_name = Some(settings.name("promote-replica").into());
    args.description = Some("Promotes the DR read replica when the primary fails over".into());
    args.timeout = Some(60.into());
    args.log_retention_days = Some(settings.log_retention_days.into());
    args.environment = Some(Input::Value(
        [
            ("REPLICA_ARN".to_owned(), data.replica.db_instance_arn().into()),
            ("REPLICA_REGION".to_owned(), settings.dr_region.clone().into()),
        ]
        .into(),
    ));
    args.policy_statements = Some(Input::Value(vec![PolicyStatement::allow(
        ["rds:PromoteReadReplica", "rds:DescribeDBInstances"],
        [data.replica.db_instance_arn()],
    )]));
    let function = ServerlessFunction::new(ctx, "promote-replica", args, ResourceOptions::default())?;

    // A Multi-AZ failover of a healthy primary matches too, and a regional outage emits nothing:
    // the rule is a trigger, not a disaster-recovery guarantee (the function is idempotent).
    let rule = events::Rule::new(
        ctx,
        "RdsFailoverRule",
        events::RuleArgs {
            name: Some(settings.name("rds-failover").into()),
            state: Some(events::RuleState::Enabled.into()),
            event_pattern: Some(
                data.primary_db
                    .db_instance_arn()
                    .map(|arn| {
                        json!({
                            "source": ["aws.rds"],
                            "detail-type": ["RDS DB Instance Event"],
                            "resources": [arn],
                            "detail": { "EventCategories": ["failover"] },
                        })
                    })
                    .into(),
            ),
            targets: Some(Input::Value(vec![Input::Value(events::RuleTargetArgs {
                id: "promote".into(),
                arn: function.function_arn.clone().into(),
                ..Default::default()
            })])),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    lambda::Permission::new(
        ctx,
        "FailoverInvokePermission",
        lambda::PermissionArgs {
            function_name: function.function_arn.clone().into(),
            action: "lambda:InvokeFunction".into(),
            principal: "events.amazonaws.com".into(),
            source_arn: Some(rule.arn().into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    Ok(function)
}
