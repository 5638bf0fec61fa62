import * as engine from "engine-sdk";

const good = new engine.CustomResource("AWS::Logs::LogGroup", "good", { LogGroupName: "conformance-good" });
new engine.CustomResource(
  "AWS::Logs::LogGroup",
  "bad",
  { LogGroupName: "conformance-bad", RetentionInDays: 13 },
  { dependsOn: [good] },
);
