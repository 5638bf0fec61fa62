"""Structured JSON logging: one JSON object per line.

When the function runs with ``LoggingConfig.LogFormat: JSON`` the Lambda
runtime exports ``AWS_LAMBDA_LOG_FORMAT=JSON`` and installs its own JSON handler on the
root logger; records then propagate to it (fields given through ``extra=`` become keys of
the JSON object). Everywhere else (text log format, local runs, tests) the logger writes
its own JSON lines to stdout.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import sys
from typing import Any, Mapping, Optional

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None)).keys()
) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """Render a record as a single-line JSON object with its ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = _dt.datetime.fromtimestamp(record.created, tz=_dt.timezone.utc)
        doc: dict[str, Any] = {
            "timestamp": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                doc[key] = value
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return json.dumps(doc, default=str, ensure_ascii=False, separators=(",", ":"))


class _StdoutHandler(logging.Handler):
    """Write formatted records to the *current* ``sys.stdout`` (it may be swapped)."""

    _engine_json = True

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stdout.write(self.format(record) + "\n")
            sys.stdout.flush()
        except Exception:  # noqa: BLE001 - logging must never break the function
            self.handleError(record)


def configure(name: str, env: Optional[Mapping[str, str]] = None) -> logging.Logger:
    """Return logger ``name`` set up for structured logging (idempotent).

    The level comes from ``AWS_LAMBDA_LOG_LEVEL`` (JSON log format) or ``LOG_LEVEL``,
    defaulting to INFO; an unknown level name falls back to INFO.
    """
    env = os.environ if env is None else env
    logger = logging.getLogger(name)
    level_name = (env.get("AWS_LAMBDA_LOG_LEVEL") or env.get("LOG_LEVEL") or "INFO").upper()
    level = logging.getLevelName(level_name)
    logger.setLevel(level if isinstance(level, int) else logging.INFO)

    runtime_json = env.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"
    if runtime_json and logging.getLogger().handlers:
        for handler in list(logger.handlers):
            if getattr(handler, "_engine_json", False):
                logger.removeHandler(handler)
        logger.propagate = True
        return logger

    if not any(getattr(h, "_engine_json", False) for h in logger.handlers):
        handler = _StdoutHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.propagate = False
    return logger
