"""Structured JSON logs: one parseable object per line with the request's fields."""

from __future__ import annotations

import json
import logging

import main
from conftest import get, post
from events_api import jsonlog


def log_lines(out: str):
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_each_request_logs_one_json_summary(table, capsys):
    main.handler(post({"id": "log-1", "type": "t"}))
    main.handler(get("missing"))
    lines = log_lines(capsys.readouterr().out)
    requests = [e for e in lines if e["message"] == "request"]
    assert [(r["http_method"], r["path"], r["status"]) for r in requests] == [
        ("POST", "/events", 201),
        ("GET", "/events/missing", 404),
    ]
    for line in requests:
        assert line["level"] == "INFO"
        assert line["request_id"] == "req-123"
        assert line["duration_ms"] >= 0
        assert line["timestamp"].endswith("Z")
    created = [e for e in lines if e["message"] == "event created"]
    assert created[0]["event_id"] == "log-1"


def test_log_level_from_environment(capsys):
    logger = jsonlog.configure("events_api.test_level", {"LOG_LEVEL": "warning"})
    logger.info("hidden")
    logger.warning("shown", extra={"k": 1})
    lines = log_lines(capsys.readouterr().out)
    assert [(e["message"], e["k"]) for e in lines] == [("shown", 1)]


def test_exceptions_are_logged_with_traceback(capsys):
    logger = jsonlog.configure("events_api.test_exc", {})
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logger.exception("failed")
    (line,) = log_lines(capsys.readouterr().out)
    assert line["level"] == "ERROR"
    assert "RuntimeError: boom" in line["exception"]


def test_lambda_json_format_defers_to_the_runtime_handler():
    root = logging.getLogger()
    records = []

    class Capture(logging.Handler):
        def emit(self, record):
            records.append(record)

    capture = Capture()
    root.addHandler(capture)
    try:
        logger = jsonlog.configure(
            "runtime_json_test", {"AWS_LAMBDA_LOG_FORMAT": "JSON",
                                        "AWS_LAMBDA_LOG_LEVEL": "DEBUG"}
        )
        logger.debug("via runtime", extra={"event_id": "e"})
    finally:
        root.removeHandler(capture)
    assert logger.propagate is True
    assert [(r.getMessage(), r.event_id) for r in records] == [("via runtime", "e")]
