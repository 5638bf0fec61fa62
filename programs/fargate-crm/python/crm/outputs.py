"""Helpers on outputs."""

from __future__ import annotations

from typing import Optional

from engine_sdk import Output


def present(output: Output[Optional[str]], what: str) -> Output[str]:
    """A property the cloud always returns (such as a queue's name), required here."""

    def check(value: Optional[str]) -> str:
        if value is None:
            raise ValueError(f"{what} is missing")
        return value

    return output.apply(check)
