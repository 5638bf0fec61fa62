import * as engine from "engine-sdk";

new engine.CustomResource("AWS::Logs::LogGroup", "declared", { LogGroupName: "conformance-declared" });
throw new Error("the program failed on purpose");
