import engine_sdk as engine

engine.CustomResource("AWS::Logs::LogGroup", "declared", {"LogGroupName": "conformance-declared"})
raise RuntimeError("the program failed on purpose")
