import * as engine from "engine-sdk";
import * as logs from "engine-sdk/aws/logs";
import * as sqs from "engine-sdk/aws/sqs";
import * as ssm from "engine-sdk/aws/ssm";

const group = new logs.LogGroup("logs", {
  logGroupName: "conformance-typed",
  retentionInDays: 7,
  tags: [{ key: "team", value: "data" }],
});
new sqs.Queue("queue", {
  queueName: "conformance-typed-queue",
  visibilityTimeout: 45,
  tags: [{ key: "group", value: group.logGroupName }],
});
new ssm.Parameter("param", {
  name: "/conformance/typed",
  type: "String",
  value: group.arn,
  tags: { queue: "conformance-typed-queue" },
});
engine.export("tags", group.tags);
engine.export("arn", group.arn);
