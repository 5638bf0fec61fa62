// Cost controls (inventory B95–B102), all in us-east-1 (the cost and usage report's type exists
// only there): the daily CUR into its own bucket, the cost alerts topic that EventBridge and AWS
// Budgets may publish to, the monthly budget and the cost-anomaly rule.

import * as engine from "engine-sdk";
import * as budgets from "engine-sdk/aws/budgets";
import * as cur from "engine-sdk/aws/cur";
import * as events from "engine-sdk/aws/events";
import * as s3 from "engine-sdk/aws/s3";
import * as sns from "engine-sdk/aws/sns";
import { AES256, PRIVATE_BUCKET } from "./data";
import { allow, document, suffixed } from "./policy";
import { Settings, US_EAST_1 } from "./settings";

export interface CostTier {
  curBucket: s3.Bucket;
  alerts: sns.Topic;
}

/** Options of a resource of the cost slice: in us-east-1. */
function here(options: engine.ResourceOptions = {}): engine.ResourceOptions {
  return { ...options, region: US_EAST_1 };
}

export function cost(settings: Settings): CostTier {
  const curBucket = new s3.Bucket(
    "CurBucket",
    {
      bucketName: `${settings.prefix}-cur-${settings.accountId}`,
      publicAccessBlockConfiguration: PRIVATE_BUCKET,
      bucketEncryption: AES256,
    },
    here(),
  );
  const billing = { service: "billingreports.amazonaws.com", sourceAccount: settings.accountId };
  const bucketPolicy = new s3.BucketPolicy(
    "CurBucketPolicy",
    {
      bucket: curBucket.bucketName,
      policyDocument: document(
        allow(["s3:GetBucketAcl", "s3:GetBucketPolicy"], [curBucket.arn], billing),
        allow(["s3:PutObject"], [suffixed(curBucket.arn, "/*")], billing),
      ),
    },
    here(),
  );
  // Billing checks the bucket policy when the report is defined.
  new cur.ReportDefinition(
    "CurReportDefinition",
    {
      reportName: settings.name("daily-cur"),
      timeUnit: "DAILY",
      format: "textORcsv",
      compression: "GZIP",
      s3Bucket: curBucket.bucketName,
      s3Prefix: "cur-reports",
      s3Region: US_EAST_1,
      refreshClosedReports: true,
      reportVersioning: "OVERWRITE_REPORT",
      additionalSchemaElements: ["RESOURCES"],
    },
    here({ dependsOn: [bucketPolicy] }),
  );

  const alerts = new sns.Topic("CostAlertsTopic", { topicName: settings.name("cost-alerts") }, here());
  const topicPolicy = new sns.TopicInlinePolicy(
    "CostAlertsTopicPolicy",
    {
      topicArn: alerts.topicArn,
      policyDocument: document(
        allow(["sns:Publish"], [alerts.topicArn], { sid: "EventBridgePublish", service: "events.amazonaws.com" }),
        allow(["sns:Publish"], [alerts.topicArn], {
          sid: "BudgetsPublish",
          service: "budgets.amazonaws.com",
          sourceAccount: settings.accountId,
        }),
      ),
    },
    here(),
  );
  new sns.Subscription(
    "CostAlertsEmailSubscription",
    { topicArn: alerts.topicArn, protocol: "email", endpoint: settings.alertEmail },
    here(),
  );
  // Its name and notifications are create-only (nested name included): a new threshold replaces
  // it, deleting the old budget first since the name stays.
  new budgets.Budget(
    "MonthlyBudget",
    {
      budget: {
        budgetName: settings.name("monthly-budget"),
        budgetType: "COST",
        timeUnit: "MONTHLY",
        budgetLimit: { amount: settings.monthlyBudget, unit: settings.budgetCurrency },
      },
      notificationsWithSubscribers: [
        {
          notification: {
            notificationType: "ACTUAL",
            comparisonOperator: "GREATER_THAN",
            threshold: 80,
            thresholdType: "PERCENTAGE",
          },
          subscribers: [{ subscriptionType: "SNS", address: alerts.topicArn }],
        },
      ],
    },
    here({ dependsOn: [topicPolicy], deleteBeforeReplace: true }),
  );
  // Fires when a Cost Anomaly Detection monitor reports (monitors are per account, created
  // outside this program).
  new events.Rule(
    "CostAnomalyRule",
    {
      name: settings.name("cost-anomaly-rule"),
      state: "ENABLED",
      eventPattern: { source: ["aws.ce"], "detail-type": ["Anomaly Detected"] },
      targets: [{ id: "cost-alerts", arn: alerts.topicArn }],
    },
    here({ dependsOn: [topicPolicy] }),
  );
  return { curBucket, alerts };
}
