from typing import Optional

import engine_sdk as engine
from engine_sdk import ResourceOptions


class Subnet(engine.ComponentResource):
    def __init__(self, name: str, opts: Optional[ResourceOptions] = None) -> None:
        super().__init__("platform:index:Subnet", name, opts=opts)
        self.logs = engine.CustomResource(
            "AWS::Logs::LogGroup",
            f"{name}-logs",
            {"LogGroupName": f"conformance-{name}"},
            ResourceOptions(parent=self),
        )
        self.register_outputs({"logs": self.logs.get_output("Arn")})


class Network(engine.ComponentResource):
    def __init__(self, name: str) -> None:
        super().__init__("platform:index:Network", name)
        self.subnet = Subnet(f"{name}-a", ResourceOptions(parent=self))
        self.config = engine.CustomResource(
            "AWS::SSM::Parameter",
            f"{name}-config",
            {"Name": f"/conformance/{name}", "Type": "String", "Value": self.subnet.logs.id},
            ResourceOptions(parent=self),
        )
        self.register_outputs({"logGroup": self.subnet.logs.id, "subnets": [f"{name}-a"]})


network = Network("core")
engine.CustomResource(
    "AWS::SQS::Queue",
    "consumer",
    {"QueueName": "conformance-consumer"},
    ResourceOptions(depends_on=[network]),
)
engine.export("logGroup", network.subnet.logs.id)
engine.export("configUrn", network.config.urn)
