import engine_sdk as engine

engine.CustomResource("AWS::Logs::LogGroup", "before", {"LogGroupName": "conformance-before"})
engine.Config().require("databaseName")
