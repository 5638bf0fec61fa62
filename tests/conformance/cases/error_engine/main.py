import engine_sdk as engine

good = engine.CustomResource("AWS::Logs::LogGroup", "good", {"LogGroupName": "conformance-good"})
engine.CustomResource(
    "AWS::Logs::LogGroup",
    "bad",
    {"LogGroupName": "conformance-bad", "RetentionInDays": 13},
    engine.ResourceOptions(depends_on=[good]),
)
