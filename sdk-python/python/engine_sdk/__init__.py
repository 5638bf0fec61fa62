"""The engine's Python SDK: declare cloud resources in a plain Python script.

::

    import engine_sdk as engine

    config = engine.Config()
    logs = engine.CustomResource("AWS::Logs::LogGroup", "app-logs",
                                 {"RetentionInDays": config.get_int("retention", 14)})
    engine.export("logGroupArn", logs.get_output("Arn"))

Resources register when constructed; the program ends by itself at interpreter exit (waiting
for everything outstanding, sending the stack outputs, reporting any error to the engine), or
explicitly with :func:`run`. Every rule lives in the SDK's Rust core, which this package wraps.
"""

from __future__ import annotations

from typing import Any

from . import _context, _native, log
from .asset import FileArchive, FileAsset
from .config import Config
from .errors import (
    CallbackError,
    ConfigError,
    ConnectError,
    EngineCallError,
    EngineError,
    ForkedError,
    InvalidError,
    ProgramError,
    ProtocolMismatchError,
    RunEnvironmentError,
    SerializationError,
)
from .functions import (
    cloudcontrol_get,
    cloudcontrol_list,
    get_availability_zones,
    get_caller_identity,
    get_region,
    invoke,
)
from .output import Input, Inputs, Output, Resolution
from .random import RandomPassword, RandomString
from .resource import (
    Alias,
    ComponentResource,
    CustomResource,
    CustomTimeouts,
    RemoteComponentResource,
    Resource,
    ResourceOptions,
)

__version__: str = _native.__version__

run = _context.run


def export(name: str, value: Input[Any]) -> None:
    """Export a stack output (any value; outputs inside are awaited). Exporting a name again
    replaces it. Sent when the program ends; shown by ``engine stack output``."""
    _context.context().export(name, value)


def get_project() -> str:
    """The project's name (``Engine.toml``)."""
    return _context.context().project


def get_stack() -> str:
    """The stack's name."""
    return _context.context().stack


def is_dry_run() -> bool:
    """Whether this run is a preview (values not known yet are unknown outputs)."""
    return _context.context().dry_run


def secret(value: Input[Any]) -> Output[Any]:
    """The value as a secret output (same as :meth:`Output.secret`)."""
    return Output.secret(value)


__all__ = [
    "Alias",
    "CallbackError",
    "ComponentResource",
    "Config",
    "ConfigError",
    "ConnectError",
    "CustomResource",
    "CustomTimeouts",
    "EngineCallError",
    "EngineError",
    "FileArchive",
    "FileAsset",
    "ForkedError",
    "Input",
    "Inputs",
    "InvalidError",
    "Output",
    "ProgramError",
    "ProtocolMismatchError",
    "RandomPassword",
    "RandomString",
    "RemoteComponentResource",
    "Resolution",
    "Resource",
    "ResourceOptions",
    "RunEnvironmentError",
    "SerializationError",
    "cloudcontrol_get",
    "cloudcontrol_list",
    "export",
    "get_availability_zones",
    "get_caller_identity",
    "get_project",
    "get_region",
    "get_stack",
    "invoke",
    "is_dry_run",
    "log",
    "run",
    "secret",
]
