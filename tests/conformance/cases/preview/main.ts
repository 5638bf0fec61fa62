import * as engine from "engine-sdk";

const logs = new engine.CustomResource("AWS::Logs::LogGroup", "logs", { LogGroupName: "conformance-preview", RetentionInDays: 7 });

function seen(arn: string): string {
  engine.log.info(`apply saw ${arn}`);
  return arn.toUpperCase();
}

const arn = logs.getOutput<string>("Arn").apply(seen);
new engine.CustomResource("AWS::SSM::Parameter", "arn", { Name: "/conformance/preview-arn", Type: "String", Value: arn });
engine.export("arn", arn);
engine.export("retention", logs.getOutput("RetentionInDays"));
engine.export("id", logs.id);
engine.export("literal", "known");
