use engine_conformance_programs::*;

#[engine_sdk::main]
async fn main(ctx: Context) -> Result<()> {
    let group = ctx.register_resource(
        "AWS::Logs::LogGroup",
        "logs",
        json!({"LogGroupName": "conformance-typed", "RetentionInDays": 7, "Tags": [{"Key": "team", "Value": "data"}]}),
        ResourceOptions::new(),
    )?;
    ctx.register_resource(
        "AWS::SQS::Queue",
        "queue",
        obj([
            ("QueueName", v(json!("conformance-typed-queue"))),
            ("VisibilityTimeout", v(json!(45))),
            ("Tags", arr([obj([("Key", v(json!("group"))), ("Value", out(&group.output_value("LogGroupName")))])])),
        ]),
        ResourceOptions::new(),
    )?;
    ctx.register_resource(
        "AWS::SSM::Parameter",
        "param",
        obj([
            ("Name", v(json!("/conformance/typed"))),
            ("Type", v(json!("String"))),
            ("Value", out(&group.output_value("Arn"))),
            ("Tags", v(json!({"queue": "conformance-typed-queue"}))),
        ]),
        ResourceOptions::new(),
    )?;
    // Outputs read through a typed class carry Python names (`key`, `value`).
    ctx.export("tags", json!([{"key": "team", "value": "data"}]));
    ctx.export("arn", group.output_value("Arn"));
    Ok(())
}
