"""Lambda entry point of ``EventsFunction`` (inventory A30, ``Handler: main.handler``).

The boto3 client is created once per execution environment and reused across
invocations; ``reset()`` drops it (tests use it to start from a clean slate).
"""

from __future__ import annotations

import os
from typing import Any, Dict, Optional

import boto3

from events_api import jsonlog
from events_api.api import dispatch
from events_api.config import Settings
from events_api.store import EventStore

_log = jsonlog.configure("events_api")
_settings: Optional[Settings] = None
_client: Any = None
_session: Any = None


def _load_settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = Settings.from_env()
    return _settings


def _store(settings: Settings) -> EventStore:
    global _client, _session
    if _client is None:
        if _session is None:
            _session = boto3.session.Session()
        _client = _session.client("dynamodb", region_name=os.environ.get("AWS_REGION") or None)
    return EventStore(_client, settings.events_table)


def reset() -> None:
    """Forget cached settings and the client (re-read the environment on next call).

    The boto3 session is kept: it only caches service models, not credentials.
    """
    global _settings, _client
    _settings = None
    _client = None
    jsonlog.configure("events_api")


def handler(event: Any, context: Any = None) -> Dict[str, Any]:
    """API Gateway proxy integration handler for ``POST /events`` and ``GET /events/{id}``."""
    return dispatch(event, _load_settings, _store)
