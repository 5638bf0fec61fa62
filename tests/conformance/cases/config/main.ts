import * as engine from "engine-sdk";

const config = new engine.Config();
const name = config.require("name");
const retention = config.requireNumber("retention");
const enabled = config.requireBoolean("enabled");
const ratio = config.requireNumber("ratio");
const tags = config.requireObject<{ team: string }>("tags");
const other = new engine.Config("other").require("value");
const absent = config.getNumber("absent") ?? 3;

new engine.CustomResource("AWS::Logs::LogGroup", "logs", { LogGroupName: `conformance-${name}`, RetentionInDays: retention });
const summary = `${enabled ? "yes" : "no"}/${ratio}/${tags.team}/${other}/${absent}`;
new engine.CustomResource("AWS::SSM::Parameter", "summary", { Name: "/conformance/summary", Type: "String", Value: summary });
engine.export("name", name);
engine.export("retention", retention);
engine.export("enabled", enabled);
engine.export("ratio", ratio);
engine.export("tags", tags);
engine.export("other", other);
engine.export("absent", absent);
