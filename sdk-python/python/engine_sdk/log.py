"""Log lines sent to the engine, shown with the run's progress (in order; the program's end
waits for them)."""

from __future__ import annotations

from typing import Optional

from . import _context
from .resource import Resource

__all__ = ["debug", "info", "warn", "error"]


def _log(severity: str, message: str, resource: Optional[Resource]) -> None:
    _context.context().log(severity, message, None if resource is None else resource._inner)


def debug(message: str, resource: Optional[Resource] = None) -> None:
    """A debug line (shown with ``--verbose``), about ``resource`` if given."""
    _log("debug", message, resource)


def info(message: str, resource: Optional[Resource] = None) -> None:
    """An informational line, about ``resource`` if given."""
    _log("info", message, resource)


def warn(message: str, resource: Optional[Resource] = None) -> None:
    """A warning, about ``resource`` if given."""
    _log("warning", message, resource)


def error(message: str, resource: Optional[Resource] = None) -> None:
    """An error line (it does not fail the program: raise an exception for that)."""
    _log("error", message, resource)
