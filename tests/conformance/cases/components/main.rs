use engine_conformance_programs::*;

struct Subnet {
    logs: Resource,
}

fn subnet(ctx: &Context, name: &str, options: ResourceOptions) -> Result<Subnet> {
    let component = ctx.component("platform:index:Subnet", name, options)?;
    let logs = ctx.register_resource(
        "AWS::Logs::LogGroup",
        &format!("{name}-logs"),
        json!({"LogGroupName": format!("conformance-{name}")}),
        component.child_options(),
    )?;
    component.register_outputs_dyn(obj([("logs", out(&logs.output_value("Arn")))]));
    Ok(Subnet { logs })
}

#[engine_sdk::main]
async fn main(ctx: Context) -> Result<()> {
    let name = "core";
    let network = ctx.component("platform:index:Network", name, ResourceOptions::new())?;
    let subnet = subnet(&ctx, &format!("{name}-a"), network.child_options())?;
    let config = ctx.register_resource(
        "AWS::SSM::Parameter",
        &format!("{name}-config"),
        obj([
            ("Name", v(json!(format!("/conformance/{name}")))),
            ("Type", v(json!("String"))),
            ("Value", out_str(&subnet.logs.id())),
        ]),
        network.child_options(),
    )?;
    network.register_outputs_dyn(obj([
        ("logGroup", out_str(&subnet.logs.id())),
        ("subnets", v(json!([format!("{name}-a")]))),
    ]));
    ctx.register_resource(
        "AWS::SQS::Queue",
        "consumer",
        json!({"QueueName": "conformance-consumer"}),
        ResourceOptions::new().depends_on(&network),
    )?;
    ctx.export("logGroup", subnet.logs.id());
    ctx.export("configUrn", config.urn());
    Ok(())
}
