import * as engine from "engine-sdk";

new engine.CustomResource("AWS::Logs::LogGroup", "before", { LogGroupName: "conformance-before" });
new engine.Config().require("databaseName");
