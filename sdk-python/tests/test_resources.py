"""Registration, inputs, outputs, options and components against the mock engine."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest

import engine_sdk as engine
from conftest import MockEngine, run_program

URN = "urn:engine:dev::proj::"


def test_registration_sends_type_name_inputs_and_the_programs_source_position(mock: MockEngine) -> None:
    lines = []

    def main() -> None:
        lines.append(sys._getframe().f_lineno + 1)
        logs = engine.CustomResource("AWS::Logs::LogGroup", "logs", {"RetentionInDays": 7, "Tags": []})
        assert logs.urn_str == URN + "AWS::Logs::LogGroup::logs"
        assert logs.resource_name == "logs" and logs.resource_type == "AWS::Logs::LogGroup"

    assert run_program(main) is None
    registration = mock.registration("logs")
    assert registration["type"] == "AWS::Logs::LogGroup"
    assert registration["custom"] is True
    assert registration["inputs"] == {"RetentionInDays": 7, "Tags": []}
    assert registration["source_position"] == f"{os.path.relpath(__file__)}:{lines[0]}"
    dump = mock.dump()
    assert dump["handshakes"][0]["sdk_name"] == "engine-sdk-python"
    assert dump["finishes"] == [{"error": "", "urn": ""}]


def test_outputs_flowing_into_inputs_become_dependencies_per_property(mock: MockEngine) -> None:
    def main() -> None:
        logs = engine.CustomResource("AWS::Logs::LogGroup", "logs", {})
        topic = engine.CustomResource("AWS::SNS::Topic", "topic", {})
        engine.CustomResource(
            "AWS::SQS::Queue",
            "queue",
            {
                "QueueName": logs.get_output("Arn").apply(lambda arn: arn.split(":")[-1] + "-q"),
                "Tags": [{"Key": "topic", "Value": topic.id}, {"Key": "plain", "Value": "x"}],
                "Policy": {"logs": logs, "nested": (1, 2.5, True, None)},
            },
        )

    run_program(main)
    queue = mock.registration("queue")
    logs_urn, topic_urn = URN + "AWS::Logs::LogGroup::logs", URN + "AWS::SNS::Topic::topic"
    assert queue["inputs"]["QueueName"] == "logs-q"
    assert queue["inputs"]["Tags"] == [{"Key": "topic", "Value": "topic-id"}, {"Key": "plain", "Value": "x"}]
    assert queue["inputs"]["Policy"] == {
        "logs": {"__engine": "resource", "urn": logs_urn, "id": "logs-id"},
        "nested": [1, 2.5, True, None],
    }
    assert sorted(queue["dependencies"]) == [logs_urn, topic_urn]
    assert queue["property_dependencies"] == {"QueueName": [logs_urn], "Tags": [topic_urn], "Policy": [logs_urn]}


def test_every_resource_option_reaches_the_engine(mock: MockEngine) -> None:
    def main() -> None:
        first = engine.CustomResource("AWS::SNS::Topic", "first", {})
        engine.CustomResource(
            "AWS::SQS::Queue",
            "queue",
            {"QueueName": "q"},
            engine.ResourceOptions(
                depends_on=[first],
                protect=True,
                ignore_changes=["Tags"],
                replace_on_changes=["QueueName"],
                delete_before_replace=True,
                retain_on_delete=True,
                import_id="existing-queue",
                custom_timeouts=engine.CustomTimeouts(create=60, update=timedelta(minutes=2)),
                region="eu-central-1",
                aliases=["urn:engine:dev::proj::AWS::SQS::Queue::old", engine.Alias(name="older", no_parent=True)],
                additional_secret_outputs=["QueueUrl"],
            ),
        )

    run_program(main)
    queue = mock.registration("queue")
    assert queue["dependencies"] == [URN + "AWS::SNS::Topic::first"]
    assert queue["options"] == {
        "protect": True,
        "ignore_changes": ["Tags"],
        "replace_on_changes": ["QueueName"],
        "delete_before_replace": True,
        "retain_on_delete": True,
        "import_id": "existing-queue",
        "custom_timeouts": {"create": 60.0, "update": 120.0, "delete": 0.0},
        "region": "eu-central-1",
        "aliases": [
            {"urn": "urn:engine:dev::proj::AWS::SQS::Queue::old"},
            {"name": "older", "type": "", "stack": "", "project": "", "parent": {"no_parent": True}},
        ],
        "additional_secret_outputs": ["QueueUrl"],
    }


def test_timeouts_as_text_and_option_mistakes_are_read_by_the_core(mock: MockEngine) -> None:
    def main() -> None:
        first = engine.CustomResource("AWS::SNS::Topic", "first", {})
        engine.CustomResource(
            "AWS::SQS::Queue",
            "queue",
            {},
            engine.ResourceOptions(custom_timeouts=engine.CustomTimeouts(create="1h30m", update="250ms", delete=90)),
        )
        with pytest.raises(ValueError, match='custom_timeouts.create: "five minutes" is not a duration'):
            engine.ResourceOptions(custom_timeouts=engine.CustomTimeouts(create="five minutes"))._to_native()
        with pytest.raises(ValueError, match="custom_timeouts.delete: -1 is not a duration"):
            engine.ResourceOptions(custom_timeouts=engine.CustomTimeouts(delete=-1))._to_native()
        with pytest.raises(engine.InvalidError, match="or no parent, not both"):
            engine.ResourceOptions(aliases=[engine.Alias(parent=first, no_parent=True)])._to_native()

    assert run_program(main) is None
    assert mock.registration("queue")["options"]["custom_timeouts"] == {"create": 5400.0, "update": 0.25, "delete": 90.0}


def test_components_parent_their_children_and_register_outputs(mock: MockEngine) -> None:
    class Network(engine.ComponentResource):
        def __init__(self, name: str, opts: "engine.ResourceOptions | None" = None) -> None:
            super().__init__("platform:index:Network", name, opts=opts)
            child = engine.ResourceOptions(parent=self)
            self.vpc = engine.CustomResource("AWS::EC2::VPC", f"{name}-vpc", {"CidrBlock": "10.0.0.0/16"}, child)
            self.register_outputs({"vpcId": self.vpc.id, "cidr": "10.0.0.0/16"})

    def main() -> None:
        net = Network("core", engine.ResourceOptions(protect=True))
        assert net.vpc.urn_str == URN + "platform:index:Network$AWS::EC2::VPC::core-vpc"
        engine.CustomResource("AWS::SNS::Topic", "after", {}, engine.ResourceOptions(depends_on=[net]))

    assert run_program(main) is None
    component = mock.registration("core")
    assert component["custom"] is False and component["type"] == "platform:index:Network"
    vpc = mock.registration("core-vpc")
    assert vpc["parent"] == URN + "platform:index:Network::core"
    assert vpc["options"]["protect"] is True, "protect is inherited from the parent (the core's rule)"
    after = mock.registration("after")
    assert sorted(after["dependencies"]) == sorted(
        [URN + "platform:index:Network::core", URN + "platform:index:Network$AWS::EC2::VPC::core-vpc"]
    ), "depending on a component depends on everything under it"
    outputs = [o for o in mock.dump()["resource_outputs"] if o["urn"] == URN + "platform:index:Network::core"]
    assert outputs[0]["outputs"] == {"vpcId": "core-vpc-id", "cidr": "10.0.0.0/16"}


def test_read_resource_and_invokes(mock: MockEngine) -> None:
    seen: Dict[str, Any] = {}

    def main() -> None:
        existing = engine.CustomResource.get("AWS::S3::Bucket", "existing", "my-bucket")
        engine.export("readArn", existing.get_output("Arn"))
        seen["region"] = engine.get_region()
        seen["identity"] = engine.get_caller_identity()
        seen["zones"] = engine.get_availability_zones()
        engine.export("zones", engine.invoke("engine:getAvailabilityZones", {}, region="us-west-2")["Names"])

    assert run_program(main) is None
    assert seen["region"] == "eu-west-1"
    assert seen["identity"]["account_id"] == "123456789012"
    assert seen["zones"]["names"] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    dump = mock.dump()
    assert dump["reads"][0]["id"] == "my-bucket" and dump["reads"][0]["type"] == "AWS::S3::Bucket"
    outputs = mock.stack_outputs()
    assert outputs["readArn"] == "arn:mock:AWS::S3::Bucket:my-bucket"
    assert outputs["zones"] == ["us-west-2a", "us-west-2b", "us-west-2c"]


def test_logs_are_sent_in_order_with_their_resource(mock: MockEngine) -> None:
    def main() -> None:
        topic = engine.CustomResource("AWS::SNS::Topic", "topic", {})
        for index in range(20):
            engine.log.info(f"line {index}")
        engine.log.warn("about the topic", topic)

    run_program(main)
    logs = mock.dump()["logs"]
    assert [log["message"] for log in logs[:20]] == [f"line {index}" for index in range(20)]
    assert logs[20] == {"severity": "WARNING", "message": "about the topic", "urn": URN + "AWS::SNS::Topic::topic"}


def test_assets_are_sent_with_an_absolute_path_and_a_content_hash(mock: MockEngine, tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "index.py").write_text("def handler(event, context):\n    return 1\n")
    (tmp_path / "config.json").write_text("{}")

    def main() -> None:
        engine.CustomResource(
            "AWS::Lambda::Function",
            "fn",
            {"Code": engine.FileArchive(tmp_path / "app"), "Config": engine.FileAsset(str(tmp_path / "config.json"))},
        )

    run_program(main)
    inputs = mock.registration("fn")["inputs"]
    assert inputs["Code"]["__engine"] == "asset" and inputs["Code"]["kind"] == "archive"
    assert inputs["Code"]["path"] == str(tmp_path / "app")
    assert inputs["Code"]["hash"].startswith("sha256:")
    assert inputs["Config"]["kind"] == "file" and os.path.isabs(inputs["Config"]["path"])


def test_random_password_result_is_secret(mock: MockEngine) -> None:
    resolved: List[Any] = []

    def main() -> None:
        password = engine.RandomPassword("db", 16, special=False)
        resolved.append(password.result.resolve())
        engine.export("password", password.result)

    run_program(main)
    registration = mock.registration("db")
    assert registration["type"] == "Engine::Random::Password"
    assert registration["inputs"] == {"Length": 16, "Special": False}
    assert registration["options"]["additional_secret_outputs"] == ["Result"]
    assert resolved[0].secret and resolved[0].value == "pw-db"
    assert mock.stack_outputs()["password"] == {"__engine": "secret", "value": "pw-db"}


def test_random_arguments_are_renamed_by_the_core(mock: MockEngine) -> None:
    def main() -> None:
        engine.RandomString(
            "suffix", 6, min_numeric=2, keepers={"Any-Key": 1}, opts=engine.ResourceOptions(additional_secret_outputs=["X"])
        )

    assert run_program(main) is None
    registration = mock.registration("suffix")
    assert registration["type"] == "Engine::Random::String"
    assert registration["inputs"] == {"Length": 6, "MinNumeric": 2, "Keepers": {"Any-Key": 1}}
    assert registration["options"]["additional_secret_outputs"] == ["X"]


def test_many_resources_register_concurrently(mock: MockEngine) -> None:
    def main() -> None:
        previous = None
        for index in range(300):
            props: Dict[str, Any] = {"Index": index}
            if previous is not None and index % 10 == 0:
                props["After"] = previous.id
            previous = engine.CustomResource("AWS::SNS::Topic", f"t{index}", props)

    assert run_program(main) is None
    assert len(mock.dump()["registrations"]) == 300
    assert mock.registration("t10")["inputs"]["After"] == "t9-id"


def test_wait_releases_the_gil(start_mock: Callable[..., MockEngine]) -> None:
    """While the main thread waits for a slow registration, another Python thread runs."""
    import threading

    start_mock("--register-delay-ms", "300")
    ticks: List[int] = []
    stop = threading.Event()

    def count() -> None:
        while not stop.is_set():
            ticks.append(1)
            stop.wait(0.005)

    def main() -> None:
        topic = engine.CustomResource("AWS::SNS::Topic", "slow", {})
        counter = threading.Thread(target=count)
        counter.start()
        topic._inner.wait()
        stop.set()
        counter.join()

    run_program(main)
    assert len(ticks) > 10, f"the other thread ran only {len(ticks)} times during a 300 ms wait"
