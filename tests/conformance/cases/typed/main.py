import engine_sdk as engine
from engine_sdk.aws import logs, sqs, ssm

group = logs.LogGroup(
    "logs",
    log_group_name="conformance-typed",
    retention_in_days=7,
    tags=[{"key": "team", "value": "data"}],
)
queue = sqs.Queue(
    "queue",
    queue_name="conformance-typed-queue",
    visibility_timeout=45,
    tags=[{"key": "group", "value": group.log_group_name}],
)
ssm.Parameter(
    "param",
    name="/conformance/typed",
    type="String",
    value=group.arn,
    tags={"queue": "conformance-typed-queue"},
)
engine.export("tags", group.tags)
engine.export("arn", group.arn)
