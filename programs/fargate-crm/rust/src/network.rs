//! Network tier (inventory B1–B28): the platform `Network` (VPC, public and private subnets in
//! two zones, internet gateway, one NAT gateway per zone, flow logs) and the security groups of
//! the load balancer, the tasks and the database.

use engine_sdk::aws::ec2;
use engine_sdk::prelude::*;
use platform::{NatGateways, Network, NetworkArgs};

use crate::settings::Settings;

/// What the other tiers use from the network.
pub struct NetworkTier {
    pub network: Network,
    pub alb_group: ec2::SecurityGroup,
    pub server_group: ec2::SecurityGroup,
    pub worker_group: ec2::SecurityGroup,
    pub database_group: ec2::SecurityGroup,
}

/// One `tcp` ingress rule on `port`.
fn tcp_from(port: i64, source: Source) -> Input<ec2::SecurityGroupIngress2Args> {
    let (cidr_ip, source_security_group_id) = match source {
        Source::Anywhere => (Some("0.0.0.0/0".into()), None),
        Source::Group(group) => (None, Some(group.group_id().into())),
    };
    Input::Value(ec2::SecurityGroupIngress2Args {
        ip_protocol: "tcp".into(),
        from_port: Some(port.into()),
        to_port: Some(port.into()),
        cidr_ip,
        source_security_group_id,
        ..Default::default()
    })
}

enum Source<'a> {
    Anywhere,
    Group(&'a ec2::SecurityGroup),
}

pub fn network(ctx: &Context, settings: &Settings) -> Result<NetworkTier> {
    let network = Network::new(
        ctx,
        "network",
        NetworkArgs {
            cidr_block: Some(settings.vpc_cidr.clone().into()),
            availability_zones: Some(settings.availability_zones.clone()),
            public_subnet_cidrs: Some(settings.public_subnet_cidrs.clone().into()),
            private_subnet_cidrs: Some(settings.private_subnet_cidrs.clone().into()),
            nat_gateways: Some(NatGateways::PerAz),
            flow_logs_retention_days: Some(settings.flow_logs_retention_days.into()),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    let group = |name: &str, description: &str, ingress: Vec<Input<ec2::SecurityGroupIngress2Args>>| {
        ec2::SecurityGroup::new(
            ctx,
            name,
            ec2::SecurityGroupArgs {
                group_description: description.into(),
                vpc_id: Some(network.vpc_id.clone().into()),
                security_group_ingress: (!ingress.is_empty()).then(|| Input::Value(ingress)),
                ..Default::default()
            },
            ResourceOptions::default(),
        )
    };
    let alb_group = group(
        "AlbSecurityGroup",
        "ALB: 80/443 in",
        vec![tcp_from(80, Source::Anywhere), tcp_from(443, Source::Anywhere)],
    )?;
    let server_group = group(
        "ServerTasksSecurityGroup",
        "twenty-server tasks: 3000 from ALB",
        vec![tcp_from(3000, Source::Group(&alb_group))],
    )?;
    let worker_group = group("WorkerTasksSecurityGroup", "twenty-worker / SQS consumer tasks (egress only)", vec![])?;
    let database_group = group(
        "DatabaseSecurityGroup",
        "PostgreSQL 5432 from ECS tasks only",
        vec![tcp_from(5432, Source::Group(&server_group)), tcp_from(5432, Source::Group(&worker_group))],
    )?;
    Ok(NetworkTier { network, alb_group, server_group, worker_group, database_group })
}
