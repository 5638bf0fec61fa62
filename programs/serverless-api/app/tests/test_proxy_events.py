"""Proxy-event shapes and malformed requests, through main.handler (moto DynamoDB)."""

from __future__ import annotations

import json

import pytest

import main
from conftest import body_of, get, post, rest_event


def error_code(response):
    return body_of(response)["error"]["code"]


def test_base64_encoded_body(table):
    response = main.handler(post({"type": "b64"}, base64_body=True))
    assert response["statusCode"] == 201
    assert body_of(response)["type"] == "b64"


def test_invalid_base64_body(table):
    event = post({"type": "x"})
    event["isBase64Encoded"] = True
    event["body"] = "%%% not base64 %%%"
    response = main.handler(event)
    assert response["statusCode"] == 400
    assert "base64" in body_of(response)["error"]["message"]


def test_null_headers_are_accepted(table):
    event = post({"type": "noheaders"}, headers=None)
    event["headers"] = None
    assert main.handler(event)["statusCode"] == 201


def test_header_names_are_case_insensitive(table):
    response = main.handler(post({"type": "t"}, headers={"content-TYPE": "application/json"}))
    assert response["statusCode"] == 201


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/vnd.api+json"]
)
def test_json_media_types_are_accepted(table, content_type):
    response = main.handler(post({"type": "t"}, headers={"Content-Type": content_type}))
    assert response["statusCode"] == 201


def test_wrong_content_type_is_415(table):
    event = post("type=t", headers={"Content-Type": "application/x-www-form-urlencoded"})
    response = main.handler(event)
    assert response["statusCode"] == 415
    assert error_code(response) == "unsupported_media_type"


@pytest.mark.parametrize("raw", ['{"type": "t",}', "{", "not json", '{"type": NaN}'])
def test_malformed_json_is_400(table, raw):
    response = main.handler(post(raw))
    assert response["statusCode"] == 400
    assert error_code(response) == "malformed_body"
    assert "not valid JSON" in body_of(response)["error"]["message"]


def test_malformed_json_reports_the_position(table):
    response = main.handler(post('{"type":\n  oops}'))
    assert "line 2" in body_of(response)["error"]["message"]


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_missing_body_is_400(table, raw):
    event = post("{}")
    event["body"] = raw
    response = main.handler(event)
    assert response["statusCode"] == 400
    assert "body is required" in body_of(response)["error"]["message"]


def test_non_utf8_body_is_400(table):
    response = main.handler(post(b'{"type": "\xff"}', base64_body=True))
    assert response["statusCode"] == 400
    assert "UTF-8" in body_of(response)["error"]["message"]


def test_json_array_body_is_a_validation_error(table):
    response = main.handler(post([{"type": "t"}]))
    assert response["statusCode"] == 400
    assert body_of(response)["error"]["details"] == [
        {"field": "body", "message": "must be a JSON object"}
    ]


def test_oversized_body_is_413(table, monkeypatch):
    monkeypatch.setenv("MAX_BODY_BYTES", "64")
    main.reset()
    response = main.handler(post({"type": "t", "payload": {"blob": "x" * 100}}))
    assert response["statusCode"] == 413
    assert error_code(response) == "payload_too_large"


def test_unknown_route_is_404(table):
    response = main.handler(rest_event("GET", "/nope"))
    assert response["statusCode"] == 404
    assert error_code(response) == "not_found"


def test_wrong_method_is_405_with_allow(table):
    response = main.handler(rest_event("DELETE", "/events/1", resource="/events/{id}",
                                       path_params={"id": "1"}))
    assert response["statusCode"] == 405
    assert response["headers"]["Allow"] == "GET"
    response = main.handler(rest_event("GET", "/events", resource="/events"))
    assert response["statusCode"] == 405
    assert response["headers"]["Allow"] == "POST"


def test_route_falls_back_to_the_path(table):
    created = body_of(main.handler(post({"id": "path-1", "type": "t"})))
    # a catch-all resource ({proxy+}) carries only the concrete path, with a trailing slash
    event = rest_event("GET", "/events/path-1/", resource="/{proxy+}",
                       path_params={"proxy": "events/path-1/"})
    response = main.handler(event)
    assert response["statusCode"] == 200
    assert body_of(response) == created


def test_percent_encoded_path_segment_is_decoded(table):
    main.handler(post({"id": "a:b", "type": "t"}))
    response = main.handler(rest_event("GET", "/events/a%3Ab", resource="/{proxy+}"))
    assert response["statusCode"] == 200
    assert body_of(response)["id"] == "a:b"


def test_http_api_payload_v2(table):
    event = {
        "version": "2.0",
        "routeKey": "POST /events",
        "rawPath": "/events",
        "headers": {"content-type": "application/json"},
        "requestContext": {"requestId": "v2-req", "http": {"method": "POST", "path": "/events"}},
        "body": json.dumps({"type": "v2"}),
        "isBase64Encoded": False,
    }
    created = main.handler(event)
    assert created["statusCode"] == 201
    event_id = body_of(created)["id"]
    fetch = {
        "version": "2.0",
        "routeKey": "GET /events/{id}",
        "rawPath": f"/events/{event_id}",
        "pathParameters": {"id": event_id},
        "requestContext": {"requestId": "v2-get", "http": {"method": "GET"}},
        "isBase64Encoded": False,
    }
    assert body_of(main.handler(fetch))["type"] == "v2"


@pytest.mark.parametrize(
    "event",
    [
        {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}},
        {},
        "a string",
        None,
    ],
)
def test_non_proxy_events_are_400(table, event):
    response = main.handler(event)
    assert response["statusCode"] == 400
    assert "unsupported event" in body_of(response)["error"]["message"]


def test_missing_path_parameter_with_known_resource_is_400(table):
    event = get("x")
    event["pathParameters"] = None
    response = main.handler(event)
    assert response["statusCode"] == 400
    assert "'id'" in body_of(response)["error"]["message"]
