use engine_conformance_programs::*;

#[engine_sdk::main]
async fn main(ctx: Context) -> Result<()> {
    let logs = ctx.register_resource(
        "AWS::Logs::LogGroup",
        "logs",
        json!({"LogGroupName": "conformance-preview", "RetentionInDays": 7}),
        ResourceOptions::new(),
    )?;
    let log_ctx = ctx.clone();
    let arn = logs.output_value("Arn").map(move |arn| {
        log_ctx.info(format!("apply saw {}", text(&arn)));
        Value::String(text(&arn).to_uppercase())
    });
    ctx.register_resource(
        "AWS::SSM::Parameter",
        "arn",
        obj([("Name", v(json!("/conformance/preview-arn"))), ("Type", v(json!("String"))), ("Value", out(&arn))]),
        ResourceOptions::new(),
    )?;
    ctx.export("arn", &arn);
    ctx.export("retention", logs.output_value("RetentionInDays"));
    ctx.export("id", logs.id());
    ctx.export("literal", "known");
    Ok(())
}
