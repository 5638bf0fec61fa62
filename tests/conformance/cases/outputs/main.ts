import * as engine from "engine-sdk";

const logs = new engine.CustomResource("AWS::Logs::LogGroup", "logs", { LogGroupName: "conformance-logs", RetentionInDays: 7 });
const upper = logs.getOutput<string>("Arn").apply((arn) => arn.toUpperCase());
const param = new engine.CustomResource("AWS::SSM::Parameter", "arn-param", { Name: "/conformance/arn", Type: "String", Value: upper });
const joined = engine.interpolate`group=${logs.id};days=${7}`;
new engine.CustomResource("AWS::SSM::Parameter", "joined", { Name: "/conformance/joined", Type: "String", Value: joined });
const queue = new engine.CustomResource("AWS::SQS::Queue", "queue", {
  QueueName: "conformance-queue",
  Tags: [{ Key: "group", Value: logs.id }],
});

async function exclaim(value: string): Promise<string> {
  await new Promise((resolve) => setImmediate(resolve));
  return value + "!";
}

const chained = param.getOutput<string>("Value").apply(exclaim).apply((value) => value.length);
engine.export("arnUpper", upper);
engine.export("chainedLength", chained);
engine.export("all", engine.all([logs.id, queue.getOutput("QueueName"), 3]));
engine.export("nested", { list: [1, logs.id, null], flag: true, ratio: 1.5, text: "plain" });
engine.export("concat", joined);
engine.export("tag", queue.getOutput<{ Key: string; Value: string }[]>("Tags").get(0).get("Value"));
