import asyncio

import engine_sdk as engine

logs = engine.CustomResource(
    "AWS::Logs::LogGroup", "logs", {"LogGroupName": "conformance-logs", "RetentionInDays": 7}
)
upper = logs.get_output("Arn").apply(lambda arn: arn.upper())
param = engine.CustomResource(
    "AWS::SSM::Parameter", "arn-param", {"Name": "/conformance/arn", "Type": "String", "Value": upper}
)
joined = engine.Output.concat("group=", logs.id, ";days=", 7)
engine.CustomResource(
    "AWS::SSM::Parameter", "joined", {"Name": "/conformance/joined", "Type": "String", "Value": joined}
)
queue = engine.CustomResource(
    "AWS::SQS::Queue",
    "queue",
    {"QueueName": "conformance-queue", "Tags": [{"Key": "group", "Value": logs.id}]},
)


async def exclaim(value: str) -> str:
    await asyncio.sleep(0)
    return value + "!"


chained = param.get_output("Value").apply(exclaim).apply(len)
engine.export("arnUpper", upper)
engine.export("chainedLength", chained)
engine.export("all", engine.Output.all(logs.id, queue.get_output("QueueName"), 3))
engine.export("nested", {"list": [1, logs.id, None], "flag": True, "ratio": 1.5, "text": "plain"})
engine.export("concat", joined)
engine.export("tag", queue.get_output("Tags")[0]["Value"])
