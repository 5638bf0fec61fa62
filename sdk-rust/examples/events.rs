//! A small program in the style of the API sketch: config, a component with children, outputs
//! flowing between resources, a generated password, `apply`, and stack outputs.
//!
//! Run it against the mock monitor (`--example mock_monitor` prints the environment to use), or
//! with `engine up` from a project whose `main` points at it.

use engine_sdk::prelude::*;
use serde::Serialize;
use serde_json::json;

/// A VPC with one subnet per zone: a component of this program.
struct Network {
    component: Component,
    vpc: Resource,
    subnets: Vec<Resource>,
}

#[derive(Serialize)]
struct NetworkOutputs {
    #[serde(rename = "vpcId")]
    vpc_id: Output<String>,
    #[serde(rename = "subnetIds")]
    subnet_ids: Vec<Output<String>>,
}

impl Network {
    fn new(ctx: &Context, name: &str, cidr: &str, zones: &[String], options: ResourceOptions) -> Result<Self> {
        let component = ctx.component("platform:index:Network", name, options)?;
        let vpc = ctx.register_resource(
            "AWS::EC2::VPC",
            &format!("{name}-vpc"),
            json!({"CidrBlock": cidr, "EnableDnsHostnames": true}),
            component.child_options(),
        )?;
        let mut subnets = Vec::new();
        for (index, zone) in zones.iter().enumerate() {
            let subnet = ctx.register_resource(
                "AWS::EC2::Subnet",
                &format!("{name}-subnet-{index}"),
                DynInput::object([
                    ("VpcId", vpc.id().to_value_output().into()),
                    ("AvailabilityZone", DynInput::Value(json!(zone))),
                    ("CidrBlock", DynInput::Value(json!(format!("10.0.{index}.0/24")))),
                ]),
                component.child_options(),
            )?;
            subnets.push(subnet);
        }
        component.register_outputs(&NetworkOutputs {
            vpc_id: vpc.id(),
            subnet_ids: subnets.iter().map(Resource::id).collect(),
        });
        Ok(Network { component, vpc, subnets })
    }
}

#[engine_sdk::main]
async fn main(ctx: Context) -> Result<()> {
    let config = ctx.config();
    let retention = config.get_i64("logRetentionDays")?.unwrap_or(14);
    let zones = ctx.get_availability_zones(None).await?.names;

    let network = Network::new(&ctx, "core", "10.0.0.0/16", &zones[..2.min(zones.len())], ResourceOptions::new())?;
    let logs = ctx.register_resource(
        "AWS::Logs::LogGroup",
        "handler-logs",
        json!({"RetentionInDays": retention}),
        ResourceOptions::new().depends_on(&network.component),
    )?;
    let password = RandomPassword::new(&ctx, "db-password", RandomArgs::length(24), ResourceOptions::new())?;

    // An apply: runs once the log group exists (skipped in preview while its ARN is unknown).
    let dashboard_url = logs
        .output::<String>("Arn")
        .apply(|arn| async move { Ok(format!("https://console.example/logs?arn={arn}")) });

    ctx.export("vpcId", network.vpc.id());
    ctx.export("subnetCount", network.subnets.len());
    ctx.export("dashboard", dashboard_url);
    ctx.export("dbPassword", password.result());
    ctx.info(format!("declared {} subnets", network.subnets.len()));
    Ok(())
}
