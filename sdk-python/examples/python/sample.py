"""A sample program, type-checked with `mypy --strict` in CI (see README.md)."""

from typing import Dict, List, Optional

import engine_sdk as engine
from engine_sdk import Output, ResourceOptions
from engine_sdk.aws import logs, s3, sqs

config = engine.Config()
retention: int = config.get_int("logRetentionDays", 14) or 14
token: Output[str] = config.require_secret("apiToken")


class Storage(engine.ComponentResource):
    """A bucket and its log group."""

    def __init__(self, name: str, opts: Optional[ResourceOptions] = None) -> None:
        super().__init__("sample:index:Storage", name, opts=opts)
        child = ResourceOptions(parent=self)
        self.bucket = s3.Bucket(f"{name}-bucket", tags=[{"key": "team", "value": "data"}], opts=child)
        self.logs = logs.LogGroup(f"{name}-logs", retention_in_days=retention, opts=child)
        self.register_outputs({"bucketArn": self.bucket.arn})


storage = Storage("data")
queue = sqs.Queue("jobs", visibility_timeout=60, opts=ResourceOptions(depends_on=[storage]))
generic = engine.CustomResource("AWS::SSM::Parameter", "param", {"Type": "String", "Value": token})
password = engine.RandomPassword("db", 24, special=False)


async def describe(arn: str) -> Dict[str, str]:
    return {"arn": arn}


names: Output[List[str]] = Output.all(storage.bucket.arn, queue.arn).apply(lambda items: [str(i) for i in items])
engine.export("bucket", storage.bucket.arn.apply(describe))
engine.export("names", names)
engine.export("url", Output.concat("https://", storage.bucket.domain_name, "/index.html"))
engine.export("password", password.result)
engine.export("param", generic.get_output("Value"))
engine.log.info("declared everything")
