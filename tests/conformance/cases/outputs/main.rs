use engine_conformance_programs::*;

#[engine_sdk::main]
async fn main(ctx: Context) -> Result<()> {
    let logs = ctx.register_resource(
        "AWS::Logs::LogGroup",
        "logs",
        json!({"LogGroupName": "conformance-logs", "RetentionInDays": 7}),
        ResourceOptions::new(),
    )?;
    let upper = logs.output_value("Arn").map(|arn| Value::String(text(&arn).to_uppercase()));
    let param = ctx.register_resource(
        "AWS::SSM::Parameter",
        "arn-param",
        obj([("Name", v(json!("/conformance/arn"))), ("Type", v(json!("String"))), ("Value", out(&upper))]),
        ResourceOptions::new(),
    )?;
    let joined = concat([v(json!("group=")), out_str(&logs.id()), v(json!(";days=")), v(json!(7))]);
    ctx.register_resource(
        "AWS::SSM::Parameter",
        "joined",
        obj([("Name", v(json!("/conformance/joined"))), ("Type", v(json!("String"))), ("Value", out(&joined))]),
        ResourceOptions::new(),
    )?;
    let queue = ctx.register_resource(
        "AWS::SQS::Queue",
        "queue",
        obj([
            ("QueueName", v(json!("conformance-queue"))),
            ("Tags", arr([obj([("Key", v(json!("group"))), ("Value", out_str(&logs.id()))])])),
        ]),
        ResourceOptions::new(),
    )?;
    let chained = param
        .output_value("Value")
        .apply(|value| async move { Ok(Value::String(format!("{}!", text(&value)))) })
        .map(|value| json!(text(&value).chars().count()));
    ctx.export("arnUpper", &upper);
    ctx.export("chainedLength", &chained);
    ctx.export_dyn("all", arr([out_str(&logs.id()), out(&queue.output_value("QueueName")), v(json!(3))]));
    ctx.export_dyn(
        "nested",
        obj([
            ("list", arr([v(json!(1)), out_str(&logs.id()), v(Value::Null)])),
            ("flag", v(json!(true))),
            ("ratio", v(json!(1.5))),
            ("text", v(json!("plain"))),
        ]),
    );
    ctx.export("concat", &joined);
    ctx.export("tag", queue.output_value("Tags").at_index(0).get("Value"));
    Ok(())
}
