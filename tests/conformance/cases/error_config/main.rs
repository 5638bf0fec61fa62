use engine_conformance_programs::*;

#[engine_sdk::main]
async fn main(ctx: Context) -> Result<()> {
    ctx.register_resource(
        "AWS::Logs::LogGroup",
        "before",
        json!({"LogGroupName": "conformance-before"}),
        ResourceOptions::new(),
    )?;
    ctx.config().require("databaseName")?;
    Ok(())
}
