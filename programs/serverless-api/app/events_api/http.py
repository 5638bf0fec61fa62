"""API Gateway proxy events in, proxy responses out.

Understands the REST API (payload format 1.0) proxy integration event that the
inventory's ``PostEventsMethod``/``GetEventByIdMethod`` send, and also the HTTP API
payload format 2.0, so the same code can sit behind either front door.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional
from urllib.parse import unquote

JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


class ApiError(Exception):
    """An error answered to the client as a JSON problem document."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Optional[List[Dict[str, str]]] = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}


@dataclass
class Request:
    """The parts of a proxy event the routes use."""

    method: str
    path: str
    route: Optional[str] = None
    path_params: Dict[str, str] = field(default_factory=dict)
    headers: Dict[str, str] = field(default_factory=dict)
    body: Optional[bytes] = None
    request_id: str = ""

    def header(self, name: str) -> Optional[str]:
        """Header value by case-insensitive name."""
        return self.headers.get(name.lower())


def _lower_headers(raw: Any) -> Dict[str, str]:
    if not isinstance(raw, Mapping):
        return {}
    return {str(k).lower(): str(v) for k, v in raw.items() if v is not None}


def _decode_body(event: Mapping[str, Any]) -> Optional[bytes]:
    body = event.get("body")
    if body is None:
        return None
    if not isinstance(body, str):
        raise ApiError(400, "bad_request", "request body must be a string in the proxy event")
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(400, "bad_request", "request body is not valid base64") from None
    return body.encode("utf-8")


def parse_event(event: Any) -> Request:
    """Turn an API Gateway proxy event (payload 1.0 or 2.0) into a Request.

    Raises ApiError(400) for anything that is not a proxy event.
    """
    if not isinstance(event, Mapping):
        raise ApiError(400, "bad_request", "unsupported event: expected an API Gateway proxy event")
    ctx = event.get("requestContext")
    ctx = ctx if isinstance(ctx, Mapping) else {}
    request_id = str(ctx.get("requestId") or "")

    if event.get("version") == "2.0":
        http = ctx.get("http") if isinstance(ctx.get("http"), Mapping) else {}
        method = http.get("method")
        path = event.get("rawPath") or http.get("path")
        route_key = event.get("routeKey")
        route = None
        if isinstance(route_key, str) and " " in route_key:
            route = route_key.split(" ", 1)[1]
    else:
        method = event.get("httpMethod")
        path = event.get("path")
        route = event.get("resource") if isinstance(event.get("resource"), str) else None

    if not isinstance(method, str) or not method or not isinstance(path, str):
        raise ApiError(
            400, "bad_request", "unsupported event: expected an API Gateway proxy event"
        )
    params = event.get("pathParameters")
    path_params = (
        {str(k): str(v) for k, v in params.items() if v is not None}
        if isinstance(params, Mapping)
        else {}
    )
    return Request(
        method=method.upper(),
        path=path,
        route=route,
        path_params=path_params,
        headers=_lower_headers(event.get("headers")),
        body=_decode_body(event),
        request_id=request_id,
    )


def split_path(path: str) -> List[str]:
    """Path segments, percent-decoded, ignoring empty segments (trailing slashes)."""
    return [unquote(seg) for seg in path.split("/") if seg]


def json_response(
    status: int, body: Any, headers: Optional[Mapping[str, str]] = None
) -> Dict[str, Any]:
    """A proxy integration response with a JSON body."""
    all_headers = dict(JSON_HEADERS)
    if headers:
        all_headers.update(headers)
    return {
        "statusCode": status,
        "headers": all_headers,
        "body": json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        "isBase64Encoded": False,
    }


def error_response(err: ApiError, request_id: str = "") -> Dict[str, Any]:
    """The JSON problem document for ``err``: ``{"error": {code, message, details}}``."""
    error: Dict[str, Any] = {"code": err.code, "message": err.message}
    if err.details:
        error["details"] = err.details
    doc: Dict[str, Any] = {"error": error}
    if request_id:
        doc["requestId"] = request_id
    return json_response(err.status, doc, err.headers)
