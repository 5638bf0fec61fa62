"""Function configuration, read from the environment the infrastructure program sets.

``EVENTS_TABLE`` is the only variable the events routes need. The other variables the
inventory wires into ``EventsFunction`` (``DB_PROXY_ENDPOINT``, ``DB_SECRET_ARN``,
``REDIS_HOST``, ``LARGE_FILES_BUCKET``) are read as optional settings so that they are
visible in one place, but no route uses them yet.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Optional

DEFAULT_MAX_BODY_BYTES = 256 * 1024


class ConfigError(Exception):
    """A required environment variable is missing or invalid."""


@dataclass(frozen=True)
class Settings:
    """Validated runtime settings."""

    events_table: str
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    db_proxy_endpoint: Optional[str] = None
    db_secret_arn: Optional[str] = None
    redis_host: Optional[str] = None
    large_files_bucket: Optional[str] = None

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        """Build settings from ``env`` (default: ``os.environ``).

        Raises ConfigError naming the variable when ``EVENTS_TABLE`` is unset or
        ``MAX_BODY_BYTES`` is not a positive integer.
        """
        env = os.environ if env is None else env
        table = env.get("EVENTS_TABLE", "").strip()
        if not table:
            raise ConfigError("environment variable EVENTS_TABLE is not set")
        raw_max = env.get("MAX_BODY_BYTES", "").strip()
        max_body = DEFAULT_MAX_BODY_BYTES
        if raw_max:
            try:
                max_body = int(raw_max)
            except ValueError:
                raise ConfigError(
                    f"environment variable MAX_BODY_BYTES must be an integer, got {raw_max!r}"
                ) from None
            if max_body <= 0:
                raise ConfigError("environment variable MAX_BODY_BYTES must be positive")
        return cls(
            events_table=table,
            max_body_bytes=max_body,
            db_proxy_endpoint=env.get("DB_PROXY_ENDPOINT") or None,
            db_secret_arn=env.get("DB_SECRET_ARN") or None,
            redis_host=env.get("REDIS_HOST") or None,
            large_files_bucket=env.get("LARGE_FILES_BUCKET") or None,
        )
