// Failover automation (inventory B90–B94): the function that promotes the DR read replica
// (`../app`, the platform `ServerlessFunction`: its own log group and least-privilege role), and
// the rule that calls it on the primary's RDS failover events.

import * as engine from "engine-sdk";
import * as events from "engine-sdk/aws/events";
import * as lambda from "engine-sdk/aws/lambda";
import { ServerlessFunction } from "../generated/platform";
import { DataTier } from "./data";
import { Settings } from "./settings";

export function failover(settings: Settings, data: DataTier): ServerlessFunction {
  const fn = new ServerlessFunction("promote-replica", {
    code: new engine.FileArchive("../app"),
    handler: "index.handler",
    runtime: "python3.12",
    functionName: settings.name("promote-replica"),
    description: "Promotes the DR read replica when the primary fails over",
    timeout: 60,
    logRetentionDays: settings.logRetentionDays,
    environment: { REPLICA_ARN: data.replica.dbInstanceArn, REPLICA_REGION: settings.drRegion },
    policyStatements: [
      { actions: ["rds:PromoteReadReplica", "rds:DescribeDBInstances"], resources: [data.replica.dbInstanceArn] },
    ],
  });
  // A Multi-AZ failover of a healthy primary matches too, and a regional outage emits nothing:
  // the rule is a trigger, not a disaster-recovery guarantee (the function is idempotent).
  const rule = new events.Rule("RdsFailoverRule", {
    name: settings.name("rds-failover"),
    state: "ENABLED",
    eventPattern: {
      source: ["aws.rds"],
      "detail-type": ["RDS DB Instance Event"],
      resources: [data.primaryDb.dbInstanceArn],
      detail: { EventCategories: ["failover"] },
    },
    targets: [{ id: "promote", arn: fn.functionArn }],
  });
  new lambda.Permission("FailoverInvokePermission", {
    functionName: fn.functionArn,
    action: "lambda:InvokeFunction",
    principal: "events.amazonaws.com",
    sourceArn: rule.arn,
  });
  return fn;
}
