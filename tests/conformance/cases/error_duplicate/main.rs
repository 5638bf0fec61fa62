use engine_conformance_programs::*;

#[engine_sdk::main]
async fn main(ctx: Context) -> Result<()> {
    ctx.register_resource("AWS::SQS::Queue", "jobs", json!({"QueueName": "conformance-jobs"}), ResourceOptions::new())?;
    ctx.register_resource("AWS::SQS::Queue", "jobs", json!({"QueueName": "conformance-jobs-2"}), ResourceOptions::new())?;
    Ok(())
}
