"""Validation of event ids and of the ``POST /events`` body.

A new event is ``{"type": str, "payload": object?, "id": str?}``. ``type`` is required;
``payload`` defaults to ``{}``; ``id`` is generated when absent. Every problem found is
reported (not only the first) as ``{"field": path, "message": text}``.
"""

from __future__ import annotations

import decimal
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from boto3.dynamodb.types import DYNAMODB_CONTEXT

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
TYPE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$")
ALLOWED_FIELDS = ("id", "type", "payload")
MAX_PAYLOAD_DEPTH = 30  # DynamoDB allows 32 levels; the item itself uses one.


@dataclass
class FieldError:
    """One validation problem, addressed by a JSON path such as ``payload.a[2]``."""

    field: str
    message: str

    def as_dict(self) -> Dict[str, str]:
        return {"field": self.field, "message": self.message}


class ValidationError(Exception):
    """The input is invalid; ``errors`` lists every problem."""

    def __init__(self, errors: List[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


@dataclass
class NewEvent:
    """A validated ``POST /events`` body."""

    type: str
    payload: Dict[str, Any] = field(default_factory=dict)
    id: Optional[str] = None


def id_problem(value: Any) -> Optional[str]:
    """Why ``value`` is not a valid event id, or None when it is."""
    if not isinstance(value, str):
        return "must be a string"
    if not ID_PATTERN.match(value):
        return (
            "must be 1 to 128 characters: letters, digits, '.', '_', ':' or '-', "
            "starting with a letter or digit"
        )
    return None


def validate_event_id(value: Any) -> str:
    """Return ``value`` if it is a valid event id, else raise ValidationError."""
    problem = id_problem(value)
    if problem:
        raise ValidationError([FieldError("id", problem)])
    return value


def _check_number(value: Any, path: str, errors: List[FieldError]) -> None:
    try:
        number = value if isinstance(value, decimal.Decimal) else decimal.Decimal(value)
        if not number.is_finite():
            raise decimal.InvalidOperation
        DYNAMODB_CONTEXT.create_decimal(number)
    except (decimal.DecimalException, ValueError):
        errors.append(
            FieldError(
                path,
                "number cannot be stored: at most 38 significant digits, "
                "magnitude between 1e-130 and 1e126",
            )
        )


def _check_value(value: Any, path: str, depth: int, errors: List[FieldError]) -> None:
    if depth > MAX_PAYLOAD_DEPTH:
        errors.append(FieldError(path, f"nested deeper than {MAX_PAYLOAD_DEPTH} levels"))
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "":
                errors.append(FieldError(path, "object keys must not be empty"))
                continue
            _check_value(item, f"{path}.{key}", depth + 1, errors)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_value(item, f"{path}[{index}]", depth + 1, errors)
    elif isinstance(value, bool) or value is None or isinstance(value, str):
        return
    elif isinstance(value, (int, decimal.Decimal)):
        _check_number(value, path, errors)
    else:  # floats never occur (bodies are parsed with Decimal), but be explicit
        errors.append(FieldError(path, f"unsupported value of type {type(value).__name__}"))


def validate_new_event(body: Any) -> NewEvent:
    """Validate a parsed ``POST /events`` body, raising ValidationError with all problems."""
    if not isinstance(body, dict):
        raise ValidationError([FieldError("body", "must be a JSON object")])
    errors: List[FieldError] = []
    for name in body:
        if name not in ALLOWED_FIELDS:
            errors.append(
                FieldError(name, f"unknown field; allowed fields are {', '.join(ALLOWED_FIELDS)}")
            )

    event_type = body.get("type")
    if "type" not in body:
        errors.append(FieldError("type", "is required"))
    elif not isinstance(event_type, str):
        errors.append(FieldError("type", "must be a string"))
    elif not TYPE_PATTERN.match(event_type):
        errors.append(
            FieldError(
                "type",
                "must be 1 to 128 characters: letters, digits, '.', '_', ':', '/' or '-', "
                "starting with a letter or digit",
            )
        )

    event_id = body.get("id")
    if "id" in body:
        problem = id_problem(event_id)
        if problem:
            errors.append(FieldError("id", problem))

    payload = body.get("payload", {})
    if not isinstance(payload, dict):
        errors.append(FieldError("payload", "must be a JSON object"))
    else:
        _check_value(payload, "payload", 1, errors)

    if errors:
        raise ValidationError(errors)
    return NewEvent(type=event_type, payload=payload, id=event_id)
