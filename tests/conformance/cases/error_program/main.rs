use engine_conformance_programs::*;

#[engine_sdk::main]
async fn main(ctx: Context) -> Result<()> {
    ctx.register_resource(
        "AWS::Logs::LogGroup",
        "declared",
        json!({"LogGroupName": "conformance-declared"}),
        ResourceOptions::new(),
    )?;
    Err(Error::msg("the program failed on purpose"))
}
