"""Stack configuration: ``engine config set KEY VALUE [--secret]``.

Keys are read in the project's namespace unless they contain ``:`` (``aws:region``). Typed
getters accept the JSON value or its text form; a missing required value raises
:class:`~engine_sdk.errors.ConfigError` saying how to set it. Secret values are read with the
``*_secret`` getters, which return secret outputs (reading one with a plain getter logs a
warning). The rules are the Rust core's.
"""

from __future__ import annotations

from typing import Any, Optional, overload

from . import _context, _native
from .output import Output

__all__ = ["Config"]


class Config:
    """The configuration of one namespace (default: the project's)."""

    __slots__ = ("_inner",)

    def __init__(self, namespace: Optional[str] = None) -> None:
        self._inner: _native.Config = _context.context().config(namespace)

    @property
    def namespace(self) -> str:
        """The namespace bare keys are read in."""
        return self._inner.namespace

    def full_key(self, key: str) -> str:
        """The full key (``namespace:key``) ``key`` is read at."""
        return self._inner.full_key(key)

    def is_secret(self, key: str) -> bool:
        """Whether the value was set with ``--secret``."""
        return self._inner.is_secret(key)

    @overload
    def get(self, key: str) -> Optional[str]: ...

    @overload
    def get(self, key: str, default: str) -> str: ...

    @overload
    def get(self, key: str, default: Optional[str]) -> Optional[str]: ...

    def get(self, key: str, default: Optional[str] = None) -> Optional[str]:
        """The value as text (``default`` when unset)."""
        value = self._inner.get(key)
        return default if value is None else value

    def require(self, key: str) -> str:
        """The value as text; raises ``ConfigError`` when unset."""
        return self._inner.require(key)

    @overload
    def get_int(self, key: str) -> Optional[int]: ...

    @overload
    def get_int(self, key: str, default: int) -> int: ...

    @overload
    def get_int(self, key: str, default: Optional[int]) -> Optional[int]: ...

    def get_int(self, key: str, default: Optional[int] = None) -> Optional[int]:
        """The value as an integer (``default`` when unset); raises ``ConfigError`` when it is
        not one."""
        value = self._inner.get_int(key)
        return default if value is None else value

    def require_int(self, key: str) -> int:
        """The value as an integer; raises ``ConfigError`` when unset or not one."""
        return self._inner.require_int(key)

    @overload
    def get_float(self, key: str) -> Optional[float]: ...

    @overload
    def get_float(self, key: str, default: float) -> float: ...

    @overload
    def get_float(self, key: str, default: Optional[float]) -> Optional[float]: ...

    def get_float(self, key: str, default: Optional[float] = None) -> Optional[float]:
        """The value as a number (``default`` when unset)."""
        value = self._inner.get_float(key)
        return default if value is None else value

    def require_float(self, key: str) -> float:
        """The value as a number; raises ``ConfigError`` when unset or not one."""
        return self._inner.require_float(key)

    @overload
    def get_bool(self, key: str) -> Optional[bool]: ...

    @overload
    def get_bool(self, key: str, default: bool) -> bool: ...

    @overload
    def get_bool(self, key: str, default: Optional[bool]) -> Optional[bool]: ...

    def get_bool(self, key: str, default: Optional[bool] = None) -> Optional[bool]:
        """The value as ``True``/``False`` (``default`` when unset)."""
        value = self._inner.get_bool(key)
        return default if value is None else value

    def require_bool(self, key: str) -> bool:
        """The value as ``True``/``False``; raises ``ConfigError`` when unset or not one."""
        return self._inner.require_bool(key)

    def get_object(self, key: str, default: Any = None) -> Any:
        """A structured value (JSON, or its text form) as dicts and lists (``default`` when
        unset)."""
        value = self._inner.get_object(key)
        return default if value is None else value

    def require_object(self, key: str) -> Any:
        """A structured value; raises ``ConfigError`` when unset."""
        return self._inner.require_object(key)

    def get_secret(self, key: str) -> Optional[Output[str]]:
        """The value as a secret output (``None`` when unset)."""
        value = self._inner.get_secret(key)
        return None if value is None else Output(value)

    def require_secret(self, key: str) -> Output[str]:
        """The value as a secret output; raises ``ConfigError`` when unset."""
        return Output(self._inner.require_secret(key))

    def require_secret_object(self, key: str) -> Output[Any]:
        """A structured value as a secret output; raises ``ConfigError`` when unset."""
        return Output(self._inner.require_secret_object(key))

    def __repr__(self) -> str:
        return f"Config(namespace={self.namespace!r})"
