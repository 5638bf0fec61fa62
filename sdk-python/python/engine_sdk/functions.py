"""Built-in functions (the engine's ``Invoke``): who the engine acts as, the region,
availability zones, and Cloud Control reads of existing resources.

The named functions block until the engine answers (the GIL is released meanwhile) and return
plain values, so a program can loop over their results; :func:`invoke` takes arguments that may
be outputs and returns an output.
"""

from __future__ import annotations

from typing import Any, List, Mapping, Optional, TypedDict

from . import _context
from .output import Input, Output

__all__ = [
    "AvailabilityZones",
    "CallerIdentity",
    "CloudResource",
    "cloudcontrol_get",
    "cloudcontrol_list",
    "get_availability_zones",
    "get_caller_identity",
    "get_region",
    "invoke",
]


class CallerIdentity(TypedDict):
    """The account and principal the engine acts as."""

    account_id: str
    arn: str
    user_id: str


class AvailabilityZones(TypedDict):
    """A region's availability zones."""

    names: List[str]
    zone_ids: List[str]


class CloudResource(TypedDict):
    """An existing resource as Cloud Control describes it."""

    identifier: str
    properties: Any


def get_caller_identity() -> CallerIdentity:
    """The account id, ARN and user id the engine acts as."""
    result: CallerIdentity = _context.context().get_caller_identity()
    return result


def get_region() -> str:
    """The stack's region, as the engine resolves it."""
    return _context.context().get_region()


def get_availability_zones(region: Optional[str] = None) -> AvailabilityZones:
    """The availability zones of ``region`` (default: the stack's)."""
    result: AvailabilityZones = _context.context().get_availability_zones(region)
    return result


def cloudcontrol_get(type_name: str, identifier: str, region: Optional[str] = None) -> CloudResource:
    """One existing resource of ``type_name`` by identifier."""
    result: CloudResource = _context.context().cloudcontrol_get(type_name, identifier, region)
    return result


def cloudcontrol_list(
    type_name: str, resource_model: Optional[Mapping[str, Any]] = None, region: Optional[str] = None
) -> List[CloudResource]:
    """The existing resources of ``type_name`` (some types need a partial ``resource_model``)."""
    result: List[CloudResource] = _context.context().cloudcontrol_list(type_name, resource_model, region)
    return result


def invoke(token: str, args: Optional[Mapping[str, Input[Any]]] = None, region: Optional[str] = None) -> Output[Any]:
    """Call a built-in function by token (``engine:getRegion``, ...) with arguments that may be
    outputs: the result is an output (unknown in a preview while an argument is, secret when an
    argument or the result is)."""
    return Output(_context.context().invoke(token, {} if args is None else args, region))
