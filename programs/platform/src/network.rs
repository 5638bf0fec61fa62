//! `platform:index:Network`.

use std::collections::BTreeMap;

use engine_sdk::aws::{ec2, iam, logs};
use engine_sdk::{AsResource, Component, Context, DynInput, Error, Input, Output, ResourceOptions, Result, tokens};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::common::{assume_role_policy, element, policy_document, tags};

/// NAT gateways for the private subnets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum NatGateways {
    /// No internet access from the private subnets (use VPC endpoints).
    #[default]
    None,
    /// One NAT gateway, in the first zone, shared by every private subnet.
    Single,
    /// One NAT gateway per zone (each private subnet uses its zone's).
    PerAz,
}

/// The inputs of a [`Network`] (see `EnginePackage.toml` for every default).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NetworkArgs {
    /// The VPC's IPv4 range (default `10.0.0.0/16`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_block: Option<Input<String>>,
    /// How many zones to spread subnets over (default 2, at most 6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone_count: Option<u32>,
    /// The zones to use, instead of the region's first ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zones: Option<Vec<String>>,
    /// Public subnets, an internet gateway and a public route table (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_subnets: Option<bool>,
    /// One range per zone for the public subnets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_subnet_cidrs: Option<Input<Vec<String>>>,
    /// One range per zone for the private subnets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_subnet_cidrs: Option<Input<Vec<String>>>,
    /// NAT gateways (default none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nat_gateways: Option<NatGateways>,
    /// Services reached through VPC endpoints (`s3`, `dynamodb`: gateway; others: interface).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_endpoints: Option<Vec<String>>,
    /// VPC flow logs to a log group kept this many days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_logs_retention_days: Option<Input<i64>>,
    /// Tags for every resource (each also gets a `Name` tag).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Input<BTreeMap<String, String>>>,
}

/// The outputs of a [`Network`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkOutputs {
    pub vpc_id: Output<String>,
    pub vpc_cidr_block: Output<String>,
    pub availability_zones: Output<Vec<String>>,
    pub public_subnet_ids: Output<Vec<String>>,
    pub private_subnet_ids: Output<Vec<String>>,
    pub public_route_table_id: Output<Option<String>>,
    pub private_route_table_ids: Output<Vec<String>>,
    pub internet_gateway_id: Output<Option<String>>,
    pub nat_gateway_ids: Output<Vec<String>>,
    pub vpc_endpoint_ids: Output<BTreeMap<String, String>>,
    pub endpoint_security_group_id: Output<Option<String>>,
    pub default_security_group_id: Output<String>,
}

/// A VPC over availability zones: public subnets behind an internet gateway (optional), private
/// subnets with their route tables, NAT gateways or VPC endpoints.
#[derive(Debug, Clone)]
pub struct Network {
    component: Component,
    /// The outputs (also reachable through `Deref`: `network.vpc_id`).
    pub outputs: NetworkOutputs,
}

impl std::ops::Deref for Network {
    type Target = NetworkOutputs;

    fn deref(&self) -> &NetworkOutputs {
        &self.outputs
    }
}

impl AsResource for Network {
    fn as_resource(&self) -> &engine_sdk::Resource {
        &self.component
    }
}

/// Interface endpoints' services are named `com.amazonaws.<region>.<service>`.
const GATEWAY_SERVICES: &[&str] = &["s3", "dynamodb"];

impl Network {
    /// The component's type.
    pub const TYPE: &'static str = "platform:index:Network";

    /// The component (for `parent` and `depends_on`).
    #[must_use]
    pub fn component(&self) -> &Component {
        &self.component
    }

    /// Declare a network named `name`.
    ///
    /// # Errors
    /// Invalid inputs (zone count, NAT gateways without public subnets), an invalid name or a
    /// duplicate URN.
    #[track_caller]
    pub fn new(ctx: &Context, name: &str, args: NetworkArgs, options: ResourceOptions) -> Result<Network> {
        let public = args.public_subnets.unwrap_or(true);
        let nat = args.nat_gateways.unwrap_or_default();
        let zone_count = match &args.availability_zones {
            Some(zones) => zones.len(),
            None => args.availability_zone_count.unwrap_or(2) as usize,
        };
        let invalid = |message: String| Error::Resource {
            urn: String::new(),
            resource_type: Self::TYPE.to_owned(),
            name: name.to_owned(),
            source: Box::new(Error::Invalid(message)),
        };
        if !(1..=6).contains(&zone_count) {
            return Err(invalid(format!("availabilityZoneCount must be between 1 and 6, got {zone_count}")));
        }
        if nat != NatGateways::None && !public {
            return Err(invalid("natGateways needs publicSubnets (NAT gateways live in public subnets)".to_owned()));
        }
        let region = options.region.clone();
        let component = ctx.component(Self::TYPE, name, options)?;
        let child = || component.child_options();
        let tag = |suffix: &str| tags(args.tags.as_ref(), &format!("{name}-{suffix}"));

        let cidr_block: Output<String> =
            args.cidr_block.clone().unwrap_or_else(|| Input::Value("10.0.0.0/16".to_owned())).into_output();
        let zones: Output<Vec<String>> = match &args.availability_zones {
            Some(zones) => Output::new(zones.clone()),
            None => ctx.invoke_output(tokens::GET_AVAILABILITY_ZONES, DynInput::default(), region.as_deref()).try_map(
                move |result| {
                    let names: Vec<String> =
                        serde_json::from_value(result.get("Names").cloned().unwrap_or(Value::Null))
                            .map_err(|e| Error::Invalid(format!("the availability zones: {e}")))?;
                    if names.len() < zone_count {
                        return Err(Error::Invalid(format!(
                            "the region has {} availability zones, {zone_count} were asked for",
                            names.len()
                        )));
                    }
                    Ok(names.into_iter().take(zone_count).collect())
                },
            ),
        };
        let blocks = cidr_block.try_map(move |cidr| subnet_blocks(&cidr, zone_count));
        let cidrs = |given: &Option<Input<Vec<String>>>, public: bool| -> Output<Vec<String>> {
            match given {
                Some(input) => input.clone().into_output(),
                None => blocks
                    .map(move |(public_blocks, private_blocks)| if public { public_blocks } else { private_blocks }),
            }
        };
        let public_cidrs = cidrs(&args.public_subnet_cidrs, true);
        let private_cidrs = cidrs(&args.private_subnet_cidrs, false);

        let vpc = ec2::Vpc::new(
            ctx,
            &format!("{name}-vpc"),
            ec2::VpcArgs {
                cidr_block: Some(cidr_block.clone().into()),
                enable_dns_hostnames: Some(true.into()),
                enable_dns_support: Some(true.into()),
                tags: tag("vpc"),
                ..Default::default()
            },
            child(),
        )?;

        // Public side: subnets, internet gateway, one route table.
        let mut public_subnets = Vec::new();
        let mut public_route_table = None;
        let mut internet_gateway = None;
        let mut gateway_attachment = None;
        if public {
            let igw = ec2::InternetGateway::new(
                ctx,
                &format!("{name}-igw"),
                ec2::InternetGatewayArgs { tags: tag("igw") },
                child(),
            )?;
            let attachment = ec2::VpcGatewayAttachment::new(
                ctx,
                &format!("{name}-igw-attachment"),
                ec2::VpcGatewayAttachmentArgs {
                    vpc_id: vpc.vpc_id().into(),
                    internet_gateway_id: Some(igw.internet_gateway_id().into()),
                    ..Default::default()
                },
                child(),
            )?;
            let table = ec2::RouteTable::new(
                ctx,
                &format!("{name}-public"),
                ec2::RouteTableArgs { vpc_id: vpc.vpc_id().into(), tags: tag("public") },
                child(),
            )?;
            ec2::Route::new(
                ctx,
                &format!("{name}-public-default"),
                ec2::RouteArgs {
                    route_table_id: table.route_table_id().into(),
                    destination_cidr_block: Some("0.0.0.0/0".into()),
                    gateway_id: Some(igw.internet_gateway_id().into()),
                    ..Default::default()
                },
                child().depends_on(&attachment),
            )?;
            for index in 0..zone_count {
                let suffix = format!("public-{}", index + 1);
                let subnet = ec2::Subnet::new(
                    ctx,
                    &format!("{name}-{suffix}"),
                    ec2::SubnetArgs {
                        vpc_id: vpc.vpc_id().into(),
                        availability_zone: Some(element(&zones, index, "availability zones").into()),
                        cidr_block: Some(element(&public_cidrs, index, "publicSubnetCidrs").into()),
                        map_public_ip_on_launch: Some(true.into()),
                        tags: tag(&suffix),
                        ..Default::default()
                    },
                    child(),
                )?;
                ec2::SubnetRouteTableAssociation::new(
                    ctx,
                    &format!("{name}-{suffix}"),
                    ec2::SubnetRouteTableAssociationArgs {
                        subnet_id: subnet.subnet_id().into(),
                        route_table_id: table.route_table_id().into(),
                    },
                    child(),
                )?;
                public_subnets.push(subnet);
            }
            public_route_table = Some(table);
            internet_gateway = Some(igw);
            gateway_attachment = Some(attachment);
        }

        // NAT gateways, in the public subnets.
        let mut nat_gateways = Vec::new();
        let nat_count = match nat {
            NatGateways::None => 0,
            NatGateways::Single => 1,
            NatGateways::PerAz => zone_count,
        };
        for (index, public_subnet) in public_subnets.iter().enumerate().take(nat_count) {
            let suffix = format!("nat-{}", index + 1);
            let mut eip_options = child();
            if let Some(attachment) = &gateway_attachment {
                eip_options = eip_options.depends_on(attachment);
            }
            let eip = ec2::Eip::new(
                ctx,
                &format!("{name}-{suffix}"),
                ec2::EipArgs { domain: Some("vpc".into()), tags: tag(&suffix), ..Default::default() },
                eip_options,
            )?;
            let gateway = ec2::NatGateway::new(
                ctx,
                &format!("{name}-{suffix}"),
                ec2::NatGatewayArgs {
                    allocation_id: Some(eip.allocation_id().into()),
                    subnet_id: Some(public_subnet.subnet_id().into()),
                    tags: tag(&suffix),
                    ..Default::default()
                },
                child(),
            )?;
            nat_gateways.push(gateway);
        }

        // Private side: subnets, route tables (one per zone with a NAT gateway each, else one).
        let table_count = if nat == NatGateways::PerAz { zone_count } else { 1 };
        let mut private_tables = Vec::new();
        for index in 0..table_count {
            let suffix = if table_count == 1 { "private".to_owned() } else { format!("private-{}", index + 1) };
            let table = ec2::RouteTable::new(
                ctx,
                &format!("{name}-{suffix}"),
                ec2::RouteTableArgs { vpc_id: vpc.vpc_id().into(), tags: tag(&suffix) },
                child(),
            )?;
            if let Some(gateway) = nat_gateways.get(index) {
                ec2::Route::new(
                    ctx,
                    &format!("{name}-{suffix}-default"),
                    ec2::RouteArgs {
                        route_table_id: table.route_table_id().into(),
                        destination_cidr_block: Some("0.0.0.0/0".into()),
                        nat_gateway_id: Some(gateway.nat_gateway_id().into()),
                        ..Default::default()
                    },
                    child(),
                )?;
            }
            private_tables.push(table);
        }
        let mut private_subnets = Vec::new();
        for index in 0..zone_count {
            let suffix = format!("private-{}", index + 1);
            let subnet = ec2::Subnet::new(
                ctx,
                &format!("{name}-{suffix}"),
                ec2::SubnetArgs {
                    vpc_id: vpc.vpc_id().into(),
                    availability_zone: Some(element(&zones, index, "availability zones").into()),
                    cidr_block: Some(element(&private_cidrs, index, "privateSubnetCidrs").into()),
                    tags: tag(&suffix),
                    ..Default::default()
                },
                child(),
            )?;
            let table = &private_tables[index.min(private_tables.len() - 1)];
            ec2::SubnetRouteTableAssociation::new(
                ctx,
                &format!("{name}-{suffix}"),
                ec2::SubnetRouteTableAssociationArgs {
                    subnet_id: subnet.subnet_id().into(),
                    route_table_id: table.route_table_id().into(),
                },
                child(),
            )?;
            private_subnets.push(subnet);
        }

        // VPC endpoints.
        let services = args.vpc_endpoints.clone().unwrap_or_default();
        let mut endpoint_ids: Vec<(String, Output<String>)> = Vec::new();
        let mut endpoint_group = None;
        let private_subnet_ids = Output::all(private_subnets.iter().map(|s| s.subnet_id()));
        let private_table_ids = Output::all(private_tables.iter().map(|t| t.route_table_id()));
        if services.iter().any(|s| !GATEWAY_SERVICES.contains(&s.as_str())) {
            let ingress = cidr_block.map(|cidr| {
                vec![Input::Value(ec2::SecurityGroupIngress2Args {
                    ip_protocol: "tcp".into(),
                    from_port: Some(443.into()),
                    to_port: Some(443.into()),
                    cidr_ip: Some(cidr.into()),
                    description: Some("HTTPS from the VPC".into()),
                    ..Default::default()
                })]
            });
            endpoint_group = Some(ec2::SecurityGroup::new(
                ctx,
                &format!("{name}-endpoints"),
                ec2::SecurityGroupArgs {
                    group_description: format!("{name}: interface endpoints, HTTPS from the VPC").into(),
                    vpc_id: Some(vpc.vpc_id().into()),
                    security_group_ingress: Some(ingress.into()),
                    tags: tag("endpoints"),
                    ..Default::default()
                },
                child(),
            )?);
        }
        let region_output = match &region {
            Some(region) => Output::new(region.clone()),
            None => ctx
                .invoke_output(tokens::GET_REGION, DynInput::default(), None)
                .map(|result| result.get("Region").and_then(Value::as_str).unwrap_or_default().to_owned()),
        };
        for service in &services {
            let gateway = GATEWAY_SERVICES.contains(&service.as_str());
            let service_name = {
                let service = service.clone();
                region_output.map(move |region| format!("com.amazonaws.{region}.{service}"))
            };
            let safe = service.replace('.', "-");
            let endpoint = ec2::VpcEndpoint::new(
                ctx,
                &format!("{name}-{safe}"),
                if gateway {
                    ec2::VpcEndpointArgs {
                        vpc_id: vpc.vpc_id().into(),
                        service_name: Some(service_name.into()),
                        vpc_endpoint_type: Some(ec2::VpcEndpointType::Gateway.into()),
                        route_table_ids: Some(Input::Output(
                            private_table_ids.map(|ids| ids.into_iter().map(Input::Value).collect()),
                        )),
                        tags: tag(&safe),
                        ..Default::default()
                    }
                } else {
                    ec2::VpcEndpointArgs {
                        vpc_id: vpc.vpc_id().into(),
                        service_name: Some(service_name.into()),
                        vpc_endpoint_type: Some(ec2::VpcEndpointType::Interface.into()),
                        private_dns_enabled: Some(true.into()),
                        subnet_ids: Some(Input::Output(
                            private_subnet_ids.map(|ids| ids.into_iter().map(Input::Value).collect()),
                        )),
                        security_group_ids: endpoint_group
                            .as_ref()
                            .map(|group| Input::Value(vec![group.group_id().into()])),
                        tags: tag(&safe),
                        ..Default::default()
                    }
                },
                child(),
            )?;
            endpoint_ids.push((service.clone(), endpoint.aws_id()));
        }

        // Flow logs.
        if let Some(retention) = &args.flow_logs_retention_days {
            let group = logs::LogGroup::new(
                ctx,
                &format!("{name}-flow-logs"),
                logs::LogGroupArgs { retention_in_days: Some(retention.clone()), ..Default::default() },
                child(),
            )?;
            let write_logs = DynInput::object([
                ("Effect", DynInput::Value(json!("Allow"))),
                (
                    "Action",
                    DynInput::Value(json!(["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"])),
                ),
                ("Resource", DynInput::Array(vec![DynInput::Output(group.arn().to_value_output())])),
            ]);
            let role = iam::Role::new(
                ctx,
                &format!("{name}-flow-logs"),
                iam::RoleArgs {
                    assume_role_policy_document: assume_role_policy("vpc-flow-logs.amazonaws.com").into(),
                    policies: Some(Input::Value(vec![Input::Value(iam::RolePolicy2Args {
                        policy_name: "write-flow-logs".into(),
                        policy_document: Input::Output(policy_document(vec![write_logs])),
                    })])),
                    ..Default::default()
                },
                child(),
            )?;
            ec2::FlowLog::new(
                ctx,
                &format!("{name}-flow-logs"),
                ec2::FlowLogArgs {
                    resource_id: vpc.vpc_id().into(),
                    resource_type: ec2::FlowLogResourceType::Vpc.into(),
                    traffic_type: Some(ec2::FlowLogTrafficType::All.into()),
                    log_destination_type: Some(ec2::FlowLogDestinationType::CloudWatchLogs.into()),
                    log_group_name: Some(group.log_group_name().into()),
                    deliver_logs_permission_arn: Some(role.arn().into()),
                    tags: tag("flow-logs"),
                    ..Default::default()
                },
                child(),
            )?;
        }

        let outputs = NetworkOutputs {
            vpc_id: vpc.vpc_id(),
            vpc_cidr_block: cidr_block,
            availability_zones: zones,
            public_subnet_ids: Output::all(public_subnets.iter().map(|s| s.subnet_id())),
            private_subnet_ids,
            public_route_table_id: optional(public_route_table.as_ref().map(ec2::RouteTable::route_table_id)),
            private_route_table_ids: private_table_ids,
            internet_gateway_id: optional(internet_gateway.as_ref().map(ec2::InternetGateway::internet_gateway_id)),
            nat_gateway_ids: Output::all(nat_gateways.iter().map(ec2::NatGateway::nat_gateway_id)),
            vpc_endpoint_ids: {
                let (names, ids): (Vec<String>, Vec<Output<String>>) = endpoint_ids.into_iter().unzip();
                Output::all(ids).map(move |ids| names.into_iter().zip(ids).collect())
            },
            endpoint_security_group_id: optional(endpoint_group.as_ref().map(ec2::SecurityGroup::group_id)),
            default_security_group_id: vpc.default_security_group(),
        };
        component.register_outputs(&outputs);
        Ok(Network { component, outputs })
    }
}

/// An output that may not exist.
fn optional(output: Option<Output<String>>) -> Output<Option<String>> {
    match output {
        Some(output) => output.map(Some),
        None => Output::new(None),
    }
}

/// Default subnet ranges: blocks of a prefix at least 4 bits longer than the VPC's (at most /24
/// when the VPC allows it); public subnets from the first block, private ones from the middle.
fn subnet_blocks(cidr: &str, zones: usize) -> Result<(Vec<String>, Vec<String>)> {
    let bad = || Error::Invalid(format!("cidrBlock {cidr:?} is not an IPv4 range such as 10.0.0.0/16"));
    let (address, prefix) = cidr.split_once('/').ok_or_else(bad)?;
    let prefix: u32 = prefix.parse().map_err(|_| bad())?;
    let octets: Vec<u32> =
        address.split('.').map(str::parse).collect::<std::result::Result<_, _>>().map_err(|_| bad())?;
    if octets.len() != 4 || octets.iter().any(|o| *o > 255) || !(16..=24).contains(&prefix) {
        return Err(Error::Invalid(format!("cidrBlock {cidr:?} must be an IPv4 range from /16 to /24")));
    }
    let base = octets.iter().fold(0u32, |acc, o| (acc << 8) | o) & (u32::MAX << (32 - prefix));
    let sub_prefix = (prefix + 4).max(24.min(prefix + 8));
    let count = 1u32 << (sub_prefix - prefix);
    let size = 1u32 << (32 - sub_prefix);
    let block = |i: u32| {
        let start = base + i * size;
        format!("{}.{}.{}.{}/{sub_prefix}", start >> 24, (start >> 16) & 255, (start >> 8) & 255, start & 255)
    };
    let zones = u32::try_from(zones).unwrap_or(u32::MAX);
    Ok(((0..zones).map(block).collect(), (0..zones).map(|i| block(count / 2 + i)).collect()))
}

#[cfg(test)]
mod tests {
    use super::subnet_blocks;

    #[test]
    fn default_subnets_are_carved_from_the_vpc_range() {
        let (public, private) = subnet_blocks("10.0.0.0/16", 2).unwrap();
        assert_eq!(public, ["10.0.0.0/24", "10.0.1.0/24"]);
        assert_eq!(private, ["10.0.128.0/24", "10.0.129.0/24"]);
        let (public, private) = subnet_blocks("10.1.16.0/20", 3).unwrap();
        assert_eq!(public, ["10.1.16.0/24", "10.1.17.0/24", "10.1.18.0/24"]);
        assert_eq!(private[0], "10.1.24.0/24");
        let (public, private) = subnet_blocks("192.168.4.0/24", 2).unwrap();
        assert_eq!((public[1].as_str(), private[0].as_str()), ("192.168.4.16/28", "192.168.4.128/28"));
        assert!(subnet_blocks("10.0.0.0/8", 2).is_err());
        assert!(subnet_blocks("nope", 2).is_err());
    }
}
