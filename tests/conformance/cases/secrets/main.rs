use engine_conformance_programs::*;

#[engine_sdk::main]
async fn main(ctx: Context) -> Result<()> {
    let config = ctx.config();
    let token = config.require_secret("apiToken")?;
    let password = RandomPassword::new(
        &ctx,
        "db",
        RandomArgs { length: 16.into(), special: Some(false.into()), ..Default::default() },
        ResourceOptions::new(),
    )?;
    let bearer = token.map(|t| Value::String(format!("Bearer {t}")));
    ctx.register_resource(
        "AWS::SSM::Parameter",
        "token",
        obj([("Name", v(json!("/conformance/token"))), ("Type", v(json!("String"))), ("Value", out(&bearer))]),
        ResourceOptions::new(),
    )?;
    ctx.register_resource(
        "AWS::SSM::Parameter",
        "greeting",
        json!({"Name": "/conformance/greeting", "Type": "String", "Value": config.require("greeting")?}),
        ResourceOptions::new().additional_secret_outputs(["Value"]),
    )?;
    ctx.register_resource(
        "AWS::SSM::Parameter",
        "wrapped",
        obj([
            ("Name", v(json!("/conformance/wrapped"))),
            ("Type", v(json!("String"))),
            ("Value", out(&Output::secret(json!("literal-secret")))),
        ]),
        ResourceOptions::new(),
    )?;
    ctx.export("password", password.result());
    ctx.export("passwordLength", password.result().map(|p| p.chars().count()));
    ctx.export("token", &token);
    ctx.export("mixed", arr([out_str(&token), v(json!("plain"))]).into_output());
    ctx.export("plain", "visible");
    Ok(())
}
