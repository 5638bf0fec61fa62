import engine_sdk as engine

logs = engine.CustomResource(
    "AWS::Logs::LogGroup", "logs", {"LogGroupName": "conformance-preview", "RetentionInDays": 7}
)


def seen(arn: str) -> str:
    engine.log.info(f"apply saw {arn}")
    return arn.upper()


arn = logs.get_output("Arn").apply(seen)
engine.CustomResource(
    "AWS::SSM::Parameter", "arn", {"Name": "/conformance/preview-arn", "Type": "String", "Value": arn}
)
engine.export("arn", arn)
engine.export("retention", logs.get_output("RetentionInDays"))
engine.export("id", logs.id)
engine.export("literal", "known")
