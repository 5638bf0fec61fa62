"""Outputs: apply chains (plain and coroutine callbacks), all/concat/format, secrets, unknowns in
preview, failures."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any, Callable, Dict, List

import pytest

import engine_sdk as engine
from conftest import MockEngine, run_program

URN = "urn:engine:dev::proj::"


def test_apply_chains_with_plain_and_coroutine_callbacks(mock: MockEngine) -> None:
    async def slow_suffix(value: str) -> str:
        await asyncio.sleep(0.01)
        return value + "-async"

    def main() -> None:
        logs = engine.CustomResource("AWS::Logs::LogGroup", "logs", {})
        arn = logs.get_output("Arn")
        chained = arn.apply(lambda value: value.upper()).apply(slow_suffix).apply(len)
        engine.export("upper", arn.apply(str.upper))
        engine.export("async", arn.apply(slow_suffix))
        engine.export("length", chained)
        # A callback returning outputs: flattened, depending on both resources.
        topic = engine.CustomResource("AWS::SNS::Topic", "topic", {})
        nested = arn.apply(lambda value: {"arn": value, "topic": topic.id})
        engine.CustomResource("AWS::SQS::Queue", "queue", {"Policy": nested})

    assert run_program(main) is None
    outputs = mock.stack_outputs()
    assert outputs["upper"] == "ARN:MOCK:AWS::LOGS::LOGGROUP:LOGS"
    assert outputs["async"] == "arn:mock:AWS::Logs::LogGroup:logs-async"
    assert outputs["length"] == len("ARN:MOCK:AWS::LOGS::LOGGROUP:LOGS-async")
    queue = mock.registration("queue")
    assert queue["inputs"]["Policy"] == {"arn": "arn:mock:AWS::Logs::LogGroup:logs", "topic": "topic-id"}
    assert sorted(queue["property_dependencies"]["Policy"]) == [URN + "AWS::Logs::LogGroup::logs", URN + "AWS::SNS::Topic::topic"]


def test_all_concat_format_and_indexing(mock: MockEngine) -> None:
    def main() -> None:
        logs = engine.CustomResource("AWS::Logs::LogGroup", "logs", {"Tags": [{"Key": "k", "Value": "v"}]})
        topic = engine.CustomResource("AWS::SNS::Topic", "topic", {})
        engine.export("all", engine.Output.all(logs.id, topic.id, 3))
        engine.export("named", engine.Output.all(logs=logs.id, n=4))
        engine.export("concat", engine.Output.concat("id=", logs.id, ", n=", 5, ", flag=", True, ", none=", None))
        engine.export("format", engine.Output.format("{0}/{name:>8}", logs.id, name=topic.id))
        engine.export("index", logs.get_output("Tags")[0]["Value"])
        engine.export("missing", logs.outputs["Nope"])

    run_program(main)
    outputs = mock.stack_outputs()
    assert outputs["all"] == ["logs-id", "topic-id", 3]
    assert outputs["named"] == {"logs": "logs-id", "n": 4}
    assert outputs["concat"] == "id=logs-id, n=5, flag=true, none="
    assert outputs["format"] == "logs-id/topic-id"
    assert outputs["index"] == "v"
    assert outputs["missing"] is None


def test_secrets_stay_secret_through_apply_and_are_marked_where_they_occur(mock: MockEngine) -> None:
    resolutions: List[engine.Resolution[Any]] = []

    def main() -> None:
        token = engine.Output.secret("s3cr3t")
        derived = token.apply(lambda value: value + "!")
        resolutions.append(derived.resolve())
        engine.CustomResource(
            "AWS::SSM::Parameter", "param", {"Type": "String", "Value": derived, "Tags": {"plain": "yes"}}
        )
        engine.export("combined", engine.Output.all(token, "plain"))
        engine.export("revealed", token.unsecret())

    run_program(main)
    assert resolutions[0].secret is True and resolutions[0].value == "s3cr3t!"
    inputs = mock.registration("param")["inputs"]
    assert inputs["Value"] == {"__engine": "secret", "value": "s3cr3t!"}
    assert inputs["Tags"] == {"plain": "yes"}
    outputs = mock.stack_outputs()
    assert outputs["combined"] == {"__engine": "secret", "value": ["s3cr3t", "plain"]}
    assert outputs["revealed"] == "s3cr3t"


def test_in_preview_unknown_outputs_skip_callbacks_and_travel_as_unknown(start_mock: Callable[..., MockEngine]) -> None:
    mock = start_mock("--dry-run")
    calls: List[str] = []

    def main() -> None:
        assert engine.is_dry_run()
        logs = engine.CustomResource("AWS::Logs::LogGroup", "logs", {"RetentionInDays": 7})

        def record(value: str) -> str:
            calls.append(value)
            return value

        arn = logs.get_output("Arn").apply(record)
        engine.CustomResource("AWS::SQS::Queue", "queue", {"Tags": [{"Key": "arn", "Value": arn}]})
        engine.export("arn", arn)
        engine.export("retention", logs.get_output("RetentionInDays"))
        engine.export("id", logs.id)
        assert not logs.id.resolve().known

    assert run_program(main) is None
    assert calls == [], "callbacks never run on unknown values"
    assert mock.registration("queue")["inputs"]["Tags"] == [{"Key": "arn", "Value": {"__engine": "unknown"}}]
    outputs = mock.stack_outputs()
    assert outputs["arn"] == {"__engine": "unknown"} and outputs["id"] == {"__engine": "unknown"}
    assert outputs["retention"] == 7, "inputs echoed by the engine are known in preview"


def test_await_an_output_in_asyncio_code(mock: MockEngine) -> None:
    seen: Dict[str, Any] = {}

    async def main() -> None:
        logs = engine.CustomResource("AWS::Logs::LogGroup", "logs", {})
        seen["arn"] = await logs.get_output("Arn")
        seen["concurrent"] = await asyncio.gather(logs.id, engine.Output.from_input({"a": [1, logs.id]}))

    assert run_program(main) is None
    assert seen["arn"] == "arn:mock:AWS::Logs::LogGroup:logs"
    assert seen["concurrent"] == ["logs-id", {"a": [1, "logs-id"]}]


def test_a_failing_callback_fails_the_program_with_its_traceback(mock: MockEngine, capsys: pytest.CaptureFixture[str]) -> None:
    def explode(value: str) -> str:
        raise ValueError(f"cannot handle {value}")

    lines = []

    def main() -> None:
        logs = engine.CustomResource("AWS::Logs::LogGroup", "logs", {})
        lines.append(sys._getframe().f_lineno + 1)
        engine.CustomResource("AWS::SQS::Queue", "queue", {"QueueName": logs.id.apply(explode)})
        engine.CustomResource("AWS::SNS::Topic", "independent", {})

    assert run_program(main) == 1
    dump = mock.dump()
    names = [r["name"] for r in dump["registrations"]]
    assert "queue" not in names, "a resource whose input failed is never sent"
    assert "independent" in names, "independent registrations still complete"
    finish = dump["finishes"][0]
    where = f"{os.path.relpath(__file__)}:{lines[0]}"
    assert finish["error"].startswith(f"the apply callback at {where} raised:\nTraceback")
    assert "ValueError: cannot handle logs-id" in finish["error"]
    assert "in explode" in finish["error"], "the traceback names the callback"
    assert "ValueError: cannot handle logs-id" in capsys.readouterr().err


def test_guards_against_using_an_output_as_a_plain_value(mock: MockEngine) -> None:
    def main() -> None:
        out = engine.Output.from_input("x")
        with pytest.raises(TypeError, match="Output.concat"):
            str(out)
        with pytest.raises(TypeError, match="apply"):
            bool(out)
        with pytest.raises(TypeError, match="iterated"):
            list(out)  # type: ignore[call-overload]
        assert json.loads(json.dumps(out.resolve().value)) == "x"

    assert run_program(main) is None


def test_callbacks_may_register_resources_and_call_blocking_functions(mock: MockEngine) -> None:
    """A callback runs on one of the core's threads: blocking SDK calls work there (no nested
    runtime), and resources it declares are waited for by the program's end."""

    def main() -> None:
        logs = engine.CustomResource("AWS::Logs::LogGroup", "logs", {})

        def declare(arn: str) -> str:
            region = engine.get_region()
            child = engine.CustomResource("AWS::SNS::Topic", f"topic-{region}", {"Source": arn})
            child._inner.wait()
            return region

        engine.export("region", logs.get_output("Arn").apply(declare))

    assert run_program(main) is None
    assert mock.registration("topic-eu-west-1")["inputs"] == {"Source": "arn:mock:AWS::Logs::LogGroup:logs"}
    assert mock.stack_outputs() == {"region": "eu-west-1"}
