import engine_sdk as engine
from engine_sdk import ResourceOptions

step = engine.Config().get_int("step", 1)
group = engine.ComponentResource("conformance:index:Group", "group")
engine.CustomResource(
    "AWS::SSM::Parameter",
    "protected",
    {"Name": "/conformance/protected", "Type": "String", "Value": "keep"},
    ResourceOptions(parent=group, protect=True),
)
engine.CustomResource(
    "AWS::Logs::LogGroup",
    "ignored",
    {"LogGroupName": "conformance-ignored", "RetentionInDays": 7 if step == 1 else 14},
    ResourceOptions(parent=group, ignore_changes=["RetentionInDays"]),
)
engine.CustomResource(
    "AWS::SSM::Parameter",
    "replaced",
    {"Name": "/conformance/replaced", "Type": "String", "Value": "one" if step == 1 else "two"},
    ResourceOptions(replace_on_changes=["Value"], delete_before_replace=True),
)
if step == 1:
    engine.CustomResource(
        "AWS::SSM::Parameter",
        "retained",
        {"Name": "/conformance/retained", "Type": "String", "Value": "retained"},
        ResourceOptions(retain_on_delete=True),
    )
else:
    engine.CustomResource(
        "AWS::SSM::Parameter",
        "adopted",
        {"Name": "/conformance/retained", "Type": "String", "Value": "retained"},
        ResourceOptions(import_id="/conformance/retained"),
    )
engine.CustomResource(
    "AWS::SQS::Queue",
    "timeouts",
    {"QueueName": "conformance-timeouts"},
    ResourceOptions(custom_timeouts=engine.CustomTimeouts(create=60, update=120, delete=30)),
)
engine.CustomResource(
    "AWS::Logs::LogGroup",
    "west",
    {"LogGroupName": "conformance-west"},
    ResourceOptions(region="us-west-2"),
)
engine.CustomResource(
    "AWS::Logs::LogGroup",
    "dependent",
    {"LogGroupName": "conformance-dependent"},
    ResourceOptions(depends_on=[group], additional_secret_outputs=["Arn"]),
)
engine.CustomResource(
    "AWS::SSM::Parameter",
    "old-name" if step == 1 else "new-name",
    {"Name": "/conformance/renamed", "Type": "String", "Value": "same"},
    ResourceOptions(aliases=[engine.Alias(name="old-name")] if step == 2 else None),
)
