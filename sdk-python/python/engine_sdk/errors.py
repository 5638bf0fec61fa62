"""The SDK's exceptions, all rooted in :class:`EngineError`.

Each carries ``urn`` (the resource it concerns, or ``None``), ``kind`` (a stable short name)
and ``engine_code`` (the engine's status code when the engine reported it, or ``None``).
They are defined by the native module (one mapping from the core's errors, ``src/errors.rs``).
"""

from ._native import (
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

__all__ = [
    "CallbackError",
    "ConfigError",
    "ConnectError",
    "EngineCallError",
    "EngineError",
    "ForkedError",
    "InvalidError",
    "ProgramError",
    "ProtocolMismatchError",
    "RunEnvironmentError",
    "SerializationError",
]
