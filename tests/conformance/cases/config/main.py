import engine_sdk as engine

config = engine.Config()
name = config.require("name")
retention = config.require_int("retention")
enabled = config.require_bool("enabled")
ratio = config.require_float("ratio")
tags = config.require_object("tags")
other = engine.Config("other").require("value")
absent = config.get_int("absent", 3)

engine.CustomResource(
    "AWS::Logs::LogGroup", "logs", {"LogGroupName": f"conformance-{name}", "RetentionInDays": retention}
)
summary = f"{'yes' if enabled else 'no'}/{ratio}/{tags['team']}/{other}/{absent}"
engine.CustomResource(
    "AWS::SSM::Parameter", "summary", {"Name": "/conformance/summary", "Type": "String", "Value": summary}
)
engine.export("name", name)
engine.export("retention", retention)
engine.export("enabled", enabled)
engine.export("ratio", ratio)
engine.export("tags", tags)
engine.export("other", other)
engine.export("absent", absent)
