import * as engine from "engine-sdk";

new engine.CustomResource("AWS::SQS::Queue", "jobs", { QueueName: "conformance-jobs" });
new engine.CustomResource("AWS::SQS::Queue", "jobs", { QueueName: "conformance-jobs-2" });
