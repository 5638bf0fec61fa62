use engine_conformance_programs::*;

#[engine_sdk::main]
async fn main(ctx: Context) -> Result<()> {
    let config = ctx.config();
    let name = config.require("name")?;
    let retention = config.require_i64("retention")?;
    let enabled = config.require_bool("enabled")?;
    let ratio = config.require_f64("ratio")?;
    let tags: Value = config.require_object("tags")?;
    let other = ctx.config_namespace("other").require("value")?;
    let absent = config.get_i64("absent")?.unwrap_or(3);

    ctx.register_resource(
        "AWS::Logs::LogGroup",
        "logs",
        json!({"LogGroupName": format!("conformance-{name}"), "RetentionInDays": retention}),
        ResourceOptions::new(),
    )?;
    let summary = format!("{}/{ratio}/{}/{other}/{absent}", if enabled { "yes" } else { "no" }, text(&tags["team"]));
    ctx.register_resource(
        "AWS::SSM::Parameter",
        "summary",
        json!({"Name": "/conformance/summary", "Type": "String", "Value": summary}),
        ResourceOptions::new(),
    )?;
    ctx.export("name", name);
    ctx.export("retention", retention);
    ctx.export("enabled", enabled);
    ctx.export("ratio", ratio);
    ctx.export("tags", tags);
    ctx.export("other", other);
    ctx.export("absent", absent);
    Ok(())
}
