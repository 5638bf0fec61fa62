"""Routing and the two routes: ``POST /events`` and ``GET /events/{id}``."""

from __future__ import annotations

import datetime as _dt
import decimal
import json
import logging
import time
import uuid
from typing import Any, Callable, Dict, Optional, Tuple

from .config import ConfigError, Settings
from .http import ApiError, Request, error_response, json_response, parse_event, split_path
from .store import (
    EventExistsError,
    EventStore,
    StoreError,
    StoreUnavailableError,
    to_json_value,
)
from .validation import ValidationError, validate_event_id, validate_new_event

Route = Callable[[Request, Settings, EventStore], Dict[str, Any]]

EVENTS = "/events"
EVENT_BY_ID = "/events/{id}"


def _utc_now() -> str:
    now = _dt.datetime.now(tz=_dt.timezone.utc)
    return now.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _check_content_type(req: Request) -> None:
    content_type = req.header("content-type")
    if content_type is None:
        return  # be lenient with clients that send none
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        return
    raise ApiError(
        415,
        "unsupported_media_type",
        f"Content-Type must be application/json, got {content_type!r}",
    )


def _parse_json_body(req: Request, settings: Settings) -> Any:
    _check_content_type(req)
    if req.body is None or not req.body.strip():
        raise ApiError(400, "bad_request", "request body is required: a JSON object")
    if len(req.body) > settings.max_body_bytes:
        raise ApiError(
            413,
            "payload_too_large",
            f"request body is {len(req.body)} bytes; the limit is {settings.max_body_bytes}",
        )
    try:
        text = req.body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "malformed_body", "request body is not valid UTF-8") from None
    try:
        return json.loads(text, parse_float=decimal.Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        raise ApiError(
            400,
            "malformed_body",
            f"request body is not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})",
        ) from None
    except (ValueError, RecursionError) as err:
        raise ApiError(400, "malformed_body", f"request body is not valid JSON: {err}") from None


def _validation_error(err: ValidationError) -> ApiError:
    return ApiError(
        400,
        "validation_error",
        "request is invalid",
        details=[e.as_dict() for e in err.errors],
    )


def create_event(req: Request, settings: Settings, store: EventStore) -> Dict[str, Any]:
    """``POST /events``: validate, assign id and timestamps, store, answer 201."""
    body = _parse_json_body(req, settings)
    try:
        new = validate_new_event(body)
    except ValidationError as err:
        raise _validation_error(err) from None
    now = _utc_now()
    event = {
        "id": new.id or str(uuid.uuid4()),
        "type": new.type,
        "payload": new.payload,
        "created_at": now,
        "updated_at": now,
    }
    try:
        store.create(event)
    except EventExistsError:
        raise ApiError(
            409, "conflict", f"an event with id {event['id']!r} already exists"
        ) from None
    logging.getLogger("events_api").info(
        "event created", extra={"event_id": event["id"], "event_type": event["type"]}
    )
    return json_response(201, to_json_value(event), {"Location": f"/events/{event['id']}"})


def get_event(req: Request, settings: Settings, store: EventStore) -> Dict[str, Any]:
    """``GET /events/{id}``: 200 with the event, 404 when unknown, 400 on a bad id."""
    raw_id = req.path_params.get("id")
    if raw_id is None:
        raise ApiError(400, "bad_request", "path parameter 'id' is missing")
    try:
        event_id = validate_event_id(raw_id)
    except ValidationError as err:
        raise _validation_error(err) from None
    event = store.get(event_id)
    if event is None:
        raise ApiError(404, "not_found", f"event {event_id!r} not found")
    return json_response(200, event)


ROUTES: Dict[str, Dict[str, Route]] = {
    EVENTS: {"POST": create_event},
    EVENT_BY_ID: {"GET": get_event},
}


def resolve(req: Request) -> Tuple[str, Dict[str, str]]:
    """The route template serving ``req`` and its path parameters.

    Uses the event's resource/route key when it names a known route; otherwise matches
    the concrete path (payload shapes that only carry a path). Raises ApiError(404).
    """
    if req.route in ROUTES:
        return req.route, dict(req.path_params)
    segments = split_path(req.path)
    if segments == ["events"]:
        return EVENTS, {}
    if len(segments) == 2 and segments[0] == "events":
        return EVENT_BY_ID, {"id": segments[1]}
    raise ApiError(404, "not_found", f"no route for {req.method} {req.path}")


def dispatch(
    event: Any,
    settings_loader: Callable[[], Settings],
    store_factory: Callable[[Settings], EventStore],
) -> Dict[str, Any]:
    """Handle one proxy event; every failure becomes a JSON error response."""
    log = logging.getLogger("events_api")
    started = time.monotonic()
    request_id = ""
    method: Optional[str] = None
    path: Optional[str] = None
    try:
        req = parse_event(event)
        request_id, method, path = req.request_id, req.method, req.path
        template, params = resolve(req)
        req.path_params = params
        methods = ROUTES[template]
        route = methods.get(req.method)
        if route is None:
            allowed = ", ".join(sorted(methods))
            raise ApiError(
                405,
                "method_not_allowed",
                f"{req.method} is not allowed on {template}; allowed: {allowed}",
                headers={"Allow": allowed},
            )
        settings = settings_loader()
        response = route(req, settings, store_factory(settings))
    except ApiError as err:
        response = error_response(err, request_id)
    except StoreUnavailableError as err:
        log.warning("store throttled", extra={"error": str(err)})
        response = error_response(
            ApiError(
                503, "unavailable", "the service is busy; retry later", headers={"Retry-After": "1"}
            ),
            request_id,
        )
    except ConfigError as err:
        log.error("function misconfigured", extra={"error": str(err)})
        response = error_response(
            ApiError(500, "misconfigured", "the service is misconfigured"), request_id
        )
    except StoreError as err:
        log.error("store failure", extra={"error": str(err)})
        response = error_response(ApiError(500, "internal_error", "internal error"), request_id)
    except Exception:  # noqa: BLE001 - last line of defence: never leak a stack trace
        log.exception("unhandled error")
        response = error_response(ApiError(500, "internal_error", "internal error"), request_id)
    log.info(
        "request",
        extra={
            "http_method": method,
            "path": path,
            "status": response["statusCode"],
            "request_id": request_id,
            "duration_ms": round((time.monotonic() - started) * 1000, 2),
        },
    )
    return response
