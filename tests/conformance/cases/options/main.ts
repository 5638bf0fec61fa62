import * as engine from "engine-sdk";

const step = new engine.Config().getNumber("step") ?? 1;
const group = new engine.ComponentResource("conformance:index:Group", "group");
new engine.CustomResource(
  "AWS::SSM::Parameter",
  "protected",
  { Name: "/conformance/protected", Type: "String", Value: "keep" },
  { parent: group, protect: true },
);
new engine.CustomResource(
  "AWS::Logs::LogGroup",
  "ignored",
  { LogGroupName: "conformance-ignored", RetentionInDays: step === 1 ? 7 : 14 },
  { parent: group, ignoreChanges: ["RetentionInDays"] },
);
new engine.CustomResource(
  "AWS::SSM::Parameter",
  "replaced",
  { Name: "/conformance/replaced", Type: "String", Value: step === 1 ? "one" : "two" },
  { replaceOnChanges: ["Value"], deleteBeforeReplace: true },
);
if (step === 1) {
  new engine.CustomResource(
    "AWS::SSM::Parameter",
    "retained",
    { Name: "/conformance/retained", Type: "String", Value: "retained" },
    { retainOnDelete: true },
  );
} else {
  new engine.CustomResource(
    "AWS::SSM::Parameter",
    "adopted",
    { Name: "/conformance/retained", Type: "String", Value: "retained" },
    { import: "/conformance/retained" },
  );
}
new engine.CustomResource(
  "AWS::SQS::Queue",
  "timeouts",
  { QueueName: "conformance-timeouts" },
  { customTimeouts: { create: "1m", update: "2m", delete: 30 } },
);
new engine.CustomResource("AWS::Logs::LogGroup", "west", { LogGroupName: "conformance-west" }, { region: "us-west-2" });
new engine.CustomResource(
  "AWS::Logs::LogGroup",
  "dependent",
  { LogGroupName: "conformance-dependent" },
  { dependsOn: [group], additionalSecretOutputs: ["Arn"] },
);
new engine.CustomResource(
  "AWS::SSM::Parameter",
  step === 1 ? "old-name" : "new-name",
  { Name: "/conformance/renamed", Type: "String", Value: "same" },
  { aliases: step === 2 ? [{ name: "old-name" }] : undefined },
);
