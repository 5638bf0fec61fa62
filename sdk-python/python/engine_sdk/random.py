"""The built-in random resources, computed by the engine and stable across runs (changing
``keepers`` generates a new value)."""

from __future__ import annotations

from typing import Any, Dict, Optional

from .output import Input, Output
from .resource import CustomResource, ResourceOptions

__all__ = ["RandomPassword", "RandomString"]


def _props(
    length: Input[int],
    special: Optional[Input[bool]],
    override_special: Optional[Input[str]],
    min_upper: Optional[Input[int]],
    min_lower: Optional[Input[int]],
    min_numeric: Optional[Input[int]],
    min_special: Optional[Input[int]],
    keepers: Optional[Input[Any]],
) -> Dict[str, Any]:
    props: Dict[str, Any] = {"Length": length}
    for key, value in (
        ("Special", special),
        ("OverrideSpecial", override_special),
        ("MinUpper", min_upper),
        ("MinLower", min_lower),
        ("MinNumeric", min_numeric),
        ("MinSpecial", min_special),
        ("Keepers", keepers),
    ):
        if value is not None:
            props[key] = value
    return props


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
        secret = ResourceOptions(additional_secret_outputs=["Result"])
        super().__init__(
            "Engine::Random::Password",
            resource_name,
            _props(length, special, override_special, min_upper, min_lower, min_numeric, min_special, keepers),
            secret.merge(opts),
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
        super().__init__(
            "Engine::Random::String",
            resource_name,
            _props(length, special, override_special, min_upper, min_lower, min_numeric, min_special, keepers),
            opts,
        )

    @property
    def result(self) -> Output[str]:
        """The string."""
        return self.get_output("Result")
