"""Unit tests of the POST /events body and id validation (no AWS involved)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from events_api.validation import (
    MAX_PAYLOAD_DEPTH,
    ValidationError,
    validate_event_id,
    validate_new_event,
)


def fields(exc: ValidationError) -> list:
    return sorted(e.field for e in exc.errors)


def test_minimal_body_is_valid():
    new = validate_new_event({"type": "a"})
    assert (new.type, new.payload, new.id) == ("a", {}, None)


def test_full_body_is_valid():
    new = validate_new_event({"id": "ev:1", "type": "orders/created", "payload": {"x": 1}})
    assert (new.id, new.type, new.payload) == ("ev:1", "orders/created", {"x": 1})


@pytest.mark.parametrize("body", [[], "text", 3, None])
def test_body_must_be_an_object(body):
    with pytest.raises(ValidationError) as exc:
        validate_new_event(body)
    assert fields(exc.value) == ["body"]


@pytest.mark.parametrize(
    "body, field, fragment",
    [
        ({}, "type", "required"),
        ({"type": 1}, "type", "string"),
        ({"type": ""}, "type", "1 to 128"),
        ({"type": "a" * 129}, "type", "1 to 128"),
        ({"type": "a", "id": 7}, "id", "string"),
        ({"type": "a", "id": None}, "id", "string"),
        ({"type": "a", "id": "a/b"}, "id", "letters"),
        ({"type": "a", "payload": "x"}, "payload", "JSON object"),
        ({"type": "a", "payload": None}, "payload", "JSON object"),
        ({"type": "a", "extra": 1}, "extra", "unknown field"),
    ],
)
def test_each_problem_names_its_field(body, field, fragment):
    with pytest.raises(ValidationError) as exc:
        validate_new_event(body)
    assert [e.field for e in exc.value.errors] == [field]
    assert fragment in exc.value.errors[0].message


def test_all_problems_are_collected():
    with pytest.raises(ValidationError) as exc:
        validate_new_event({"id": "", "payload": 1, "zzz": 0})
    assert fields(exc.value) == ["id", "payload", "type", "zzz"]


def test_numbers_dynamodb_cannot_store_are_rejected_with_their_path():
    with pytest.raises(ValidationError) as exc:
        validate_new_event(
            {"type": "a", "payload": {"ok": Decimal("1.5"), "list": [1, Decimal("1e400")],
                                      "digits": 10**40}}
        )
    assert fields(exc.value) == ["payload.digits", "payload.list[1]"]


def test_empty_keys_are_rejected():
    with pytest.raises(ValidationError) as exc:
        validate_new_event({"type": "a", "payload": {"inner": {"": 1}}})
    assert fields(exc.value) == ["payload.inner"]


def test_nesting_limit():
    deep: dict = {}
    cursor = deep
    for _ in range(MAX_PAYLOAD_DEPTH - 1):
        cursor["n"] = {}
        cursor = cursor["n"]
    validate_new_event({"type": "a", "payload": deep})  # exactly at the limit
    cursor["n"] = {"too": "deep"}
    with pytest.raises(ValidationError) as exc:
        validate_new_event({"type": "a", "payload": deep})
    assert "nested deeper" in exc.value.errors[0].message


@pytest.mark.parametrize("good", ["1", "a", "A-b_c.d:e", "x" * 128])
def test_valid_ids(good):
    assert validate_event_id(good) == good


@pytest.mark.parametrize("bad", ["", "x" * 129, "_a", "a b", "a/b", "é"])
def test_invalid_ids(bad):
    with pytest.raises(ValidationError):
        validate_event_id(bad)
