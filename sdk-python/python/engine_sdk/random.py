"""The built-in random resources, computed by the engine and stable across runs (changing
``keepers`` generates a new value). Registered by the core, which renames the arguments and
keeps the password secret, as for every language."""

from __future__ import annotations

from typing import Any, Dict, Optional

from . import _context
from .output import Input, Output
from .resource import CustomResource, Resource, ResourceOptions, _native_options

__all__ = ["RandomPassword", "RandomString"]


def _args(
    length: Input[int],
    special: Optional[Input[bool]],
    override_special: Optional[Input[str]],
    min_upper: Optional[Input[int]],
    min_lower: Optional[Input[int]],
    min_numeric: Optional[Input[int]],
    min_special: Optional[Input[int]],
    keepers: Optional[Input[Any]],
) -> Dict[str, Any]:
    """The arguments in Python names (the core renames them; ``None`` is unset)."""
    return {
        "length": length,
        "special": special,
        "override_special": override_special,
        "min_upper": min_upper,
        "min_lower": min_lower,
        "min_numeric": min_numeric,
        "min_special": min_special,
        "keepers": keepers,
    }


class RandomPassword(CustomResource):
    """``Engine::Random::Password``: a random password; :attr:`result` is always secret."""

    def __init__(
        self,
        resource_name: str,
        length: Input[int],
        *,
        special: Optional[Input[bool]] = None,
        override_special: Optional[Input[str]] = None,
        min_upper: Optional[Input[int]] = None,
        min_lower: Optional[Input[int]] = None,
        min_numeric: Optional[Input[int]] = None,
        min_special: Optional[Input[int]] = None,
        keepers: Optional[Input[Any]] = None,
        opts: Optional[ResourceOptions] = None,
    ) -> None:
        """``length`` characters; ``special`` (default true) includes special characters,
        ``override_special`` replaces their set; ``min_*`` set minimum counts."""
        args = _args(length, special, override_special, min_upper, min_lower, min_numeric, min_special, keepers)
        ctx = _context.context()
        Resource.__init__(
            self,
            ctx.register_random("password", resource_name, args, _native_options(opts), _context.source_position()),
        )

    @property
    def result(self) -> Output[str]:
        """The password (secret)."""
        return self.get_output("Result")


class RandomString(CustomResource):
    """``Engine::Random::String``: a random string (not secret)."""

    def __init__(
        self,
        resource_name: str,
        length: Input[int],
        *,
        special: Optional[Input[bool]] = None,
        override_special: Optional[Input[str]] = None,
        min_upper: Optional[Input[int]] = None,
        min_lower: Optional[Input[int]] = None,
        min_numeric: Optional[Input[int]] = None,
        min_special: Optional[Input[int]] = None,
        keepers: Optional[Input[Any]] = None,
        opts: Optional[ResourceOptions] = None,
    ) -> None:
        """As :class:`RandomPassword`, not secret."""
        args = _args(length, special, override_special, min_upper, min_lower, min_numeric, min_special, keepers)
        ctx = _context.context()
        Resource.__init__(
            self,
            ctx.register_random("string", resource_name, args, _native_options(opts), _context.source_position()),
        )

    @property
    def result(self) -> Output[str]:
        """The string."""
        return self.get_output("Result")
