// Network tier (inventory B1–B28): the platform `Network` (VPC, public and private subnets in two
// zones, internet gateway, one NAT gateway per zone, flow logs) and the security groups of the
// load balancer, the tasks and the database.

import * as ec2 from "engine-sdk/aws/ec2";
import { Network } from "../generated/platform";
import { Settings } from "./settings";

export interface NetworkTier {
  network: Network;
  albGroup: ec2.SecurityGroup;
  serverGroup: ec2.SecurityGroup;
  workerGroup: ec2.SecurityGroup;
  databaseGroup: ec2.SecurityGroup;
}

/** One `tcp` ingress rule on `port`: from `group`, else from anywhere. */
function tcpFrom(port: number, group?: ec2.SecurityGroup): ec2.SecurityGroupIngress2Args {
  return group === undefined
    ? { ipProtocol: "tcp", fromPort: port, toPort: port, cidrIp: "0.0.0.0/0" }
    : { ipProtocol: "tcp", fromPort: port, toPort: port, sourceSecurityGroupId: group.groupId };
}

export function network(settings: Settings): NetworkTier {
  const net = new Network("network", {
    cidrBlock: settings.vpcCidr,
    availabilityZones: settings.availabilityZones,
    publicSubnetCidrs: settings.publicSubnetCidrs,
    privateSubnetCidrs: settings.privateSubnetCidrs,
    natGateways: "perAz",
    flowLogsRetentionDays: settings.flowLogsRetentionDays,
  });
  const group = (name: string, description: string, ingress: ec2.SecurityGroupIngress2Args[]) =>
    new ec2.SecurityGroup(name, {
      groupDescription: description,
      vpcId: net.vpcId,
      securityGroupIngress: ingress.length > 0 ? ingress : undefined,
    });
  const albGroup = group("AlbSecurityGroup", "ALB: 80/443 in", [tcpFrom(80), tcpFrom(443)]);
  const serverGroup = group("ServerTasksSecurityGroup", "twenty-server tasks: 3000 from ALB", [tcpFrom(3000, albGroup)]);
  const workerGroup = group("WorkerTasksSecurityGroup", "twenty-worker / SQS consumer tasks (egress only)", []);
  const databaseGroup = group("DatabaseSecurityGroup", "PostgreSQL 5432 from ECS tasks only", [
    tcpFrom(5432, serverGroup),
    tcpFrom(5432, workerGroup),
  ]);
  return { network: net, albGroup, serverGroup, workerGroup, databaseGroup };
}
