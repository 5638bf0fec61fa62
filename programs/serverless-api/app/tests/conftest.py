"""Fixtures: a moto-backed DynamoDB events table and API Gateway proxy event builders."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any, Dict, Optional

import boto3
import pytest
from moto import mock_aws

APP_DIR = Path(__file__).resolve().parent.parent
if str(APP_DIR) not in sys.path:
    sys.path.insert(0, str(APP_DIR))

import main  # noqa: E402

TABLE = "serverless-api-events"
REGION = "ap-southeast-2"
_SESSION = boto3.session.Session()  # reused: loading service models is the slow part


@pytest.fixture()
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and the function's environment, as the program would set it."""
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("EVENTS_TABLE", TABLE)
    monkeypatch.delenv("AWS_LAMBDA_LOG_FORMAT", raising=False)
    main.reset()
    yield
    main.reset()


@pytest.fixture()
def table(aws_env: None) -> Any:
    """The events table (hash key ``id``) in moto, shaped like inventory A25."""
    with mock_aws():
        client = _SESSION.client("dynamodb", region_name=REGION)
        client.create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )
        yield client


def rest_event(
    method: str,
    path: str,
    *,
    resource: Optional[str] = None,
    path_params: Optional[Dict[str, str]] = None,
    body: Any = None,
    headers: Optional[Dict[str, str]] = None,
    base64_body: bool = False,
) -> Dict[str, Any]:
    """A REST API (payload 1.0) proxy integration event, as API Gateway sends it."""
    if body is not None and not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    if isinstance(body, bytes):
        raw = body
    else:
        raw = body.encode("utf-8") if body is not None else None
    if base64_body and raw is not None:
        body_field: Optional[str] = base64.b64encode(raw).decode("ascii")
    else:
        body_field = raw.decode("utf-8") if raw is not None else None
    if headers is None:
        headers = {"Content-Type": "application/json"} if body is not None else None
    return {
        "resource": resource if resource is not None else path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": None,
        "queryStringParameters": None,
        "pathParameters": path_params,
        "stageVariables": None,
        "requestContext": {
            "requestId": "req-123",
            "stage": "dev",
            "httpMethod": method,
            "resourcePath": resource if resource is not None else path,
        },
        "body": body_field,
        "isBase64Encoded": base64_body,
    }


def post(body: Any, **kw: Any) -> Dict[str, Any]:
    return rest_event("POST", "/events", resource="/events", body=body, **kw)


def get(event_id: str) -> Dict[str, Any]:
    return rest_event(
        "GET", f"/events/{event_id}", resource="/events/{id}", path_params={"id": event_id}
    )


def body_of(response: Dict[str, Any]) -> Any:
    assert response["headers"]["Content-Type"].startswith("application/json")
    assert response["isBase64Encoded"] is False
    return json.loads(response["body"])
