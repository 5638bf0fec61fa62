"""Network tier (inventory B1–B28): the platform ``Network`` (VPC, public and private subnets in two
zones, internet gateway, one NAT gateway per zone, flow logs) and the security groups of the load
balancer, the tasks and the database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

from engine_sdk.aws import ec2
from generated.platform import Network

from .settings import Settings


@dataclass
class NetworkTier:
    network: Network
    alb_group: ec2.SecurityGroup
    server_group: ec2.SecurityGroup
    worker_group: ec2.SecurityGroup
    database_group: ec2.SecurityGroup


def tcp_from(port: int, *, group: Optional[ec2.SecurityGroup] = None) -> ec2.SecurityGroupIngress2Args:
    """One ``tcp`` ingress rule on ``port``: from ``group``, else from anywhere."""
    rule: ec2.SecurityGroupIngress2Args = {"ip_protocol": "tcp", "from_port": port, "to_port": port}
    if group is None:
        rule["cidr_ip"] = "0.0.0.0/0"
    else:
        rule["source_security_group_id"] = group.group_id
    return rule


def network(settings: Settings) -> NetworkTier:
    net = Network(
        "network",
        cidr_block=settings.vpc_cidr,
        availability_zones=settings.availability_zones,
        public_subnet_cidrs=settings.public_subnet_cidrs,
        private_subnet_cidrs=settings.private_subnet_cidrs,
        nat_gateways="perAz",
        flow_logs_retention_days=settings.flow_logs_retention_days,
    )

    def group(name: str, description: str, ingress: List[ec2.SecurityGroupIngress2Args]) -> ec2.SecurityGroup:
        return ec2.SecurityGroup(
            name,
            group_description=description,
            vpc_id=net.vpc_id,
            security_group_ingress=ingress or None,
        )

    alb_group = group("AlbSecurityGroup", "ALB: 80/443 in", [tcp_from(80), tcp_from(443)])
    server_group = group("ServerTasksSecurityGroup", "twenty-server tasks: 3000 from ALB", [tcp_from(3000, group=alb_group)])
    worker_group = group("WorkerTasksSecurityGroup", "twenty-worker / SQS consumer tasks (egress only)", [])
    database_group = group(
        "DatabaseSecurityGroup",
        "PostgreSQL 5432 from ECS tasks only",
        [tcp_from(5432, group=server_group), tcp_from(5432, group=worker_group)],
    )
    return NetworkTier(net, alb_group, server_group, worker_group, database_group)
