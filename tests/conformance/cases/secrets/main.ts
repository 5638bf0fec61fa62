import * as engine from "engine-sdk";

const config = new engine.Config();
const token = config.requireSecret("apiToken");
const password = new engine.RandomPassword("db", { length: 16, special: false });
new engine.CustomResource("AWS::SSM::Parameter", "token", {
  Name: "/conformance/token",
  Type: "String",
  Value: token.apply((t) => "Bearer " + t),
});
new engine.CustomResource(
  "AWS::SSM::Parameter",
  "greeting",
  { Name: "/conformance/greeting", Type: "String", Value: config.require("greeting") },
  { additionalSecretOutputs: ["Value"] },
);
new engine.CustomResource("AWS::SSM::Parameter", "wrapped", {
  Name: "/conformance/wrapped",
  Type: "String",
  Value: engine.secret("literal-secret"),
});
engine.export("password", password.result);
engine.export("passwordLength", password.result.apply((p) => p.length));
engine.export("token", token);
engine.export("mixed", engine.all([token, "plain"]));
engine.export("plain", "visible");
