use engine_conformance_programs::*;

#[engine_sdk::main]
async fn main(ctx: Context) -> Result<()> {
    let good = ctx.register_resource(
        "AWS::Logs::LogGroup",
        "good",
        json!({"LogGroupName": "conformance-good"}),
        ResourceOptions::new(),
    )?;
    ctx.register_resource(
        "AWS::Logs::LogGroup",
        "bad",
        json!({"LogGroupName": "conformance-bad", "RetentionInDays": 13}),
        ResourceOptions::new().depends_on(&good),
    )?;
    Ok(())
}
