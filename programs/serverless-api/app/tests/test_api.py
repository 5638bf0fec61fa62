"""Create/fetch round trips through main.handler against DynamoDB in moto."""

from __future__ import annotations

import re
import uuid

import pytest

import main
from conftest import REGION, TABLE, body_of, get, post

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def test_create_then_fetch_round_trip(table):
    created = main.handler(post({"type": "user.signup", "payload": {"plan": "pro", "seats": 3}}))
    assert created["statusCode"] == 201
    event = body_of(created)
    assert uuid.UUID(event["id"]).version == 4
    assert event["type"] == "user.signup"
    assert event["payload"] == {"plan": "pro", "seats": 3}
    assert ISO_UTC.match(event["created_at"])
    assert event["updated_at"] == event["created_at"]
    assert created["headers"]["Location"] == f"/events/{event['id']}"

    fetched = main.handler(get(event["id"]))
    assert fetched["statusCode"] == 200
    assert body_of(fetched) == event


def test_item_is_written_to_the_table(table):
    event = body_of(main.handler(post({"id": "evt-1", "type": "t", "payload": {"k": "v"}})))
    item = table.get_item(TableName=TABLE, Key={"id": {"S": "evt-1"}})["Item"]
    assert item["id"] == {"S": "evt-1"}
    assert item["type"] == {"S": "t"}
    assert item["payload"] == {"M": {"k": {"S": "v"}}}
    assert item["created_at"] == {"S": event["created_at"]}


def test_client_supplied_id_as_in_seed_002(table):
    # The curl example of seed 002: {"id": "1", "type": "string", "payload": {...}}
    created = main.handler(post({"id": "1", "type": "string", "payload": {"key1": "value1"}}))
    assert created["statusCode"] == 201
    assert body_of(created)["id"] == "1"
    fetched = body_of(main.handler(get("1")))
    assert fetched["payload"] == {"key1": "value1"}


def test_duplicate_id_is_a_conflict_and_keeps_the_original(table):
    assert main.handler(post({"id": "dup", "type": "first"}))["statusCode"] == 201
    again = main.handler(post({"id": "dup", "type": "second"}))
    assert again["statusCode"] == 409
    assert body_of(again)["error"]["code"] == "conflict"
    assert body_of(main.handler(get("dup")))["type"] == "first"


def test_payload_defaults_to_empty_object(table):
    event = body_of(main.handler(post({"type": "ping"})))
    assert event["payload"] == {}
    assert body_of(main.handler(get(event["id"])))["payload"] == {}


def test_values_round_trip_with_their_json_types(table):
    payload = {
        "int": 42,
        "negative": -7,
        "decimal": 19.99,
        "big": 12345678901234567890,
        "bool": True,
        "null": None,
        "list": [1, "two", {"three": 3.5}],
        "unicode": "héllo ✓",
        "empty": "",
        "nested": {"a": {"b": {"c": [False]}}},
    }
    event = body_of(main.handler(post({"type": "mixed", "payload": payload})))
    fetched = body_of(main.handler(get(event["id"])))
    assert fetched["payload"] == payload
    assert isinstance(fetched["payload"]["int"], int)
    assert isinstance(fetched["payload"]["decimal"], float)


def test_missing_event_is_404(table):
    missing = main.handler(get("does-not-exist"))
    assert missing["statusCode"] == 404
    err = body_of(missing)
    assert err["error"]["code"] == "not_found"
    assert "does-not-exist" in err["error"]["message"]
    assert err["requestId"] == "req-123"


@pytest.mark.parametrize("bad_id", ["x" * 129, "has space", "-leading-dash", "semi;colon"])
def test_bad_id_on_fetch_is_400(table, bad_id):
    response = main.handler(get(bad_id))
    assert response["statusCode"] == 400
    err = body_of(response)["error"]
    assert err["code"] == "validation_error"
    assert err["details"][0]["field"] == "id"


def test_validation_errors_are_reported_together(table):
    response = main.handler(post({"type": 5, "payload": [], "colour": "red"}))
    assert response["statusCode"] == 400
    err = body_of(response)["error"]
    assert err["code"] == "validation_error"
    fields = sorted(d["field"] for d in err["details"])
    assert fields == ["colour", "payload", "type"]
    # nothing was stored
    assert table.scan(TableName=TABLE)["Count"] == 0


def test_missing_table_is_a_500_without_internals(table, monkeypatch):
    table.delete_table(TableName=TABLE)
    response = main.handler(post({"type": "t"}))
    assert response["statusCode"] == 500
    err = body_of(response)["error"]
    assert err == {"code": "internal_error", "message": "internal error"}


def test_unset_table_variable_is_reported_as_misconfiguration(table, monkeypatch, capsys):
    monkeypatch.delenv("EVENTS_TABLE")
    main.reset()
    response = main.handler(post({"type": "t"}))
    assert response["statusCode"] == 500
    assert body_of(response)["error"]["code"] == "misconfigured"
    assert "EVENTS_TABLE is not set" in capsys.readouterr().out


def test_region_comes_from_the_lambda_environment(table):
    main.handler(get("anything"))
    assert main._client.meta.region_name == REGION
