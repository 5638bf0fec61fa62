"""Config getters, the exception hierarchy, and errors raised where the program made them."""

from __future__ import annotations

import json
import traceback
from typing import Any, Callable, Dict

import pytest

import engine_sdk as engine
from conftest import MockEngine, run_program

URN = "urn:engine:dev::proj::"

CONFIG = {
    "proj:name": "orders",
    "proj:retention": 14,
    "proj:retentionText": "30",
    "proj:enabled": "true",
    "proj:ratio": 0.25,
    "proj:tags": {"team": "data"},
    "proj:apiToken": "s3cr3t",
    "aws:region": "eu-west-1",
}


def test_typed_getters_namespaces_and_secrets(start_mock: Callable[..., MockEngine]) -> None:
    mock = start_mock("--config", json.dumps(CONFIG), "--secret-keys", json.dumps(["proj:apiToken"]))
    seen: Dict[str, Any] = {}

    def main() -> None:
        config = engine.Config()
        seen["name"] = config.require("name")
        seen["retention"] = config.get_int("retention")
        seen["retentionText"] = config.require_int("retentionText")
        seen["enabled"] = config.require_bool("enabled")
        seen["ratio"] = config.get_float("ratio")
        seen["tags"] = config.get_object("tags")
        seen["absent"] = config.get_int("absent", 5)
        seen["region"] = engine.Config("aws").require("region")
        seen["full"] = config.require("aws:region")
        seen["is_secret"] = config.is_secret("apiToken")
        token = config.require_secret("apiToken")
        seen["token"] = token.resolve()
        engine.export("token", token)

    assert run_program(main) is None
    assert seen["name"] == "orders" and seen["retention"] == 14 and seen["retentionText"] == 30
    assert seen["enabled"] is True and seen["ratio"] == 0.25 and seen["tags"] == {"team": "data"}
    assert seen["absent"] == 5 and seen["region"] == "eu-west-1" and seen["full"] == "eu-west-1"
    assert seen["is_secret"] is True
    assert seen["token"].secret and seen["token"].value == "s3cr3t"
    assert mock.stack_outputs()["token"] == {"__engine": "secret", "value": "s3cr3t"}


def test_missing_and_mistyped_config_raise_config_errors_saying_how_to_fix(start_mock: Callable[..., MockEngine]) -> None:
    start_mock("--config", json.dumps(CONFIG), "--secret-keys", json.dumps(["proj:apiToken"]))

    def main() -> None:
        config = engine.Config()
        with pytest.raises(engine.ConfigError) as missing:
            config.require("logRetentionDays")
        assert str(missing.value) == (
            "missing required configuration value 'proj:logRetentionDays': "
            "set it with `engine config set logRetentionDays <VALUE>`"
        )
        with pytest.raises(engine.ConfigError, match="--secret"):
            config.require_secret("dbPassword")
        with pytest.raises(engine.ConfigError) as mistyped:
            config.require_int("name")
        assert str(mistyped.value) == "configuration value 'proj:name' must be an integer, found \"orders\""
        with pytest.raises(engine.ConfigError) as secret:
            config.get_int("apiToken")
        assert "s3cr3t" not in str(secret.value), "a secret never appears in an error"

    assert run_program(main) is None


def test_every_exception_derives_from_engine_error() -> None:
    for name in engine.errors.__all__:
        assert issubclass(getattr(engine, name), engine.EngineError), name
    assert issubclass(engine.EngineError, Exception)


def test_a_duplicate_resource_raises_where_it_was_declared(mock: MockEngine) -> None:
    def main() -> None:
        engine.CustomResource("AWS::SNS::Topic", "topic", {})
        with pytest.raises(engine.InvalidError) as duplicate:
            engine.CustomResource("AWS::SNS::Topic", "topic", {})
        assert str(duplicate.value).startswith('AWS::SNS::Topic "topic": duplicate resource: URN ')
        assert duplicate.value.urn == URN + "AWS::SNS::Topic::topic"
        assert duplicate.value.kind == "invalid"
        frames = traceback.extract_tb(duplicate.value.__traceback__)
        assert any(frame.name == "main" for frame in frames), "the traceback shows the program's line"
        with pytest.raises(engine.InvalidError, match='"::" is not allowed'):
            engine.CustomResource("AWS::SNS::Topic", "a::b", {})

    assert run_program(main) is None


def test_an_unusable_input_is_a_type_error_naming_resource_and_property(mock: MockEngine) -> None:
    def main() -> None:
        with pytest.raises(TypeError) as bad:
            engine.CustomResource("AWS::SNS::Topic", "topic", {"Tags": [{"Key": "k", "Value": object()}]})
        assert str(bad.value).startswith('AWS::SNS::Topic "topic": property Tags[0].Value: a value of type \'object\'')
        with pytest.raises(TypeError, match="keys must be strings"):
            engine.CustomResource("AWS::SNS::Topic", "topic2", {"Map": {1: "x"}})
        with pytest.raises(ValueError, match="not a JSON number"):
            engine.CustomResource("AWS::SNS::Topic", "topic3", {"N": float("nan")})

    assert run_program(main) is None


def test_an_engine_rejection_fails_the_program_with_the_engines_message(start_mock: Callable[..., MockEngine]) -> None:
    mock = start_mock("--fail-type", "AWS::SQS::Queue=RetentionPeriod: 5 is below the minimum 60")
    errors = []

    def main() -> None:
        queue = engine.CustomResource("AWS::SQS::Queue", "bad", {"MessageRetentionPeriod": 5})
        try:
            queue.urn.resolve()
        except engine.EngineError as error:
            errors.append(error)

    assert run_program(main) == 1
    assert isinstance(errors[0], engine.EngineCallError)
    assert str(errors[0]) == 'AWS::SQS::Queue "bad": RetentionPeriod: 5 is below the minimum 60'
    assert errors[0].urn == URN + "AWS::SQS::Queue::bad"
    assert errors[0].engine_code == "InvalidArgument"
    assert mock.finishes() == [
        {"error": 'AWS::SQS::Queue "bad": RetentionPeriod: 5 is below the minimum 60', "urn": URN + "AWS::SQS::Queue::bad"}
    ]


def test_outside_the_engine_the_first_call_says_how_programs_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine_sdk import _context

    monkeypatch.delenv("ENGINE_MONITOR_ADDRESS", raising=False)
    _context._reset_for_tests()
    with pytest.raises(engine.RunEnvironmentError, match="engine up"):
        engine.CustomResource("AWS::SNS::Topic", "topic", {})
