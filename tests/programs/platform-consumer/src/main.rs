//! The platform package's components used by a Rust program that links the crate: a network and
//! a function in its private subnets. The component e2e tests deploy the same components from
//! Python, TypeScript and (through the plugin) the scenario program, and compare URNs, parents,
//! outputs and state with this one's.
//!
//! Config: `code` (the function's folder, default `app`), `retention` (the function's log
//! retention, default 14), `failSubnet` (give the network a subnet range outside its VPC, so a
//! child fails).

use engine_sdk::prelude::*;
use platform::{NatGateways, Network, NetworkArgs, PolicyStatement, ServerlessFunction, ServerlessFunctionArgs};

#[engine_sdk::main]
async fn main(ctx: Context) -> Result<()> {
    let config = ctx.config();
    let code = config.get("code").unwrap_or_else(|| "app".to_owned());
    let retention = config.get_i64("retention")?.unwrap_or(14);
    let mut network = NetworkArgs {
        availability_zone_count: Some(2),
        nat_gateways: Some(NatGateways::Single),
        vpc_endpoints: Some(vec!["s3".to_owned()]),
        ..Default::default()
    };
    if config.get_bool("failSubnet")?.unwrap_or(false) {
        network.private_subnet_cidrs = Some(vec!["192.168.0.0/24".to_owned(), "192.168.1.0/24".to_owned()].into());
    }
    let net = Network::new(&ctx, "core", network, ResourceOptions::default())?;
    let mut args = ServerlessFunctionArgs::new(FileArchive::new(code), "app.handler", "python3.13");
    args.subnet_ids = Some(net.private_subnet_ids.clone().into());
    args.security_group_ids = Some(net.default_security_group_id.map(|id| vec![id]).into());
    args.environment = Some(
        [("STAGE".to_owned(), Input::Value("dev".to_owned())), ("VPC".to_owned(), net.vpc_id.clone().into())]
            .into_iter()
            .collect::<std::collections::BTreeMap<_, _>>()
            .into(),
    );
    args.policy_statements = Some(vec![PolicyStatement::allow(["s3:GetObject"], ["arn:aws:s3:::data/*"])].into());
    args.log_retention_days = Some(retention.into());
    let api = ServerlessFunction::new(&ctx, "api", args, ResourceOptions::default())?;
    ctx.export("vpcId", net.vpc_id.clone());
    ctx.export("privateSubnetIds", net.private_subnet_ids.clone());
    ctx.export("functionArn", api.function_arn.clone());
    ctx.export("logGroupName", api.log_group_name.clone());
    Ok(())
}
