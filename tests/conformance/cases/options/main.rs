use std::time::Duration;

use engine_conformance_programs::*;

#[engine_sdk::main]
async fn main(ctx: Context) -> Result<()> {
    let step = step(&ctx)?;
    let group = ctx.component("conformance:index:Group", "group", ResourceOptions::new())?;
    ctx.register_resource(
        "AWS::SSM::Parameter",
        "protected",
        json!({"Name": "/conformance/protected", "Type": "String", "Value": "keep"}),
        group.child_options().protect(true),
    )?;
    ctx.register_resource(
        "AWS::Logs::LogGroup",
        "ignored",
        json!({"LogGroupName": "conformance-ignored", "RetentionInDays": if step == 1 { 7 } else { 14 }}),
        group.child_options().ignore_changes(["RetentionInDays"]),
    )?;
    ctx.register_resource(
        "AWS::SSM::Parameter",
        "replaced",
        json!({"Name": "/conformance/replaced", "Type": "String", "Value": if step == 1 { "one" } else { "two" }}),
        ResourceOptions::new().replace_on_changes(["Value"]).delete_before_replace(true),
    )?;
    if step == 1 {
        ctx.register_resource(
            "AWS::SSM::Parameter",
            "retained",
            json!({"Name": "/conformance/retained", "Type": "String", "Value": "retained"}),
            ResourceOptions::new().retain_on_delete(true),
        )?;
    } else {
        ctx.register_resource(
            "AWS::SSM::Parameter",
            "adopted",
            json!({"Name": "/conformance/retained", "Type": "String", "Value": "retained"}),
            ResourceOptions::new().import("/conformance/retained"),
        )?;
    }
    ctx.register_resource(
        "AWS::SQS::Queue",
        "timeouts",
        json!({"QueueName": "conformance-timeouts"}),
        ResourceOptions::new().custom_timeouts(CustomTimeouts {
            create: Some(Duration::from_secs(60)),
            update: Some(Duration::from_secs(120)),
            delete: Some(Duration::from_secs(30)),
        }),
    )?;
    ctx.register_resource(
        "AWS::Logs::LogGroup",
        "west",
        json!({"LogGroupName": "conformance-west"}),
        ResourceOptions::new().region("us-west-2"),
    )?;
    ctx.register_resource(
        "AWS::Logs::LogGroup",
        "dependent",
        json!({"LogGroupName": "conformance-dependent"}),
        ResourceOptions::new().depends_on(&group).additional_secret_outputs(["Arn"]),
    )?;
    let mut renamed = ResourceOptions::new();
    if step == 2 {
        renamed = renamed.alias(Alias::name("old-name"));
    }
    ctx.register_resource(
        "AWS::SSM::Parameter",
        if step == 1 { "old-name" } else { "new-name" },
        json!({"Name": "/conformance/renamed", "Type": "String", "Value": "same"}),
        renamed,
    )?;
    Ok(())
}
