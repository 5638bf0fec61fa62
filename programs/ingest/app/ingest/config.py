"""Function configuration from the environment ``IngestFunction`` (inventory C21) sets.

| variable         | required | meaning                                                   |
|------------------|----------|-----------------------------------------------------------|
| CSV_BUCKET       | yes      | bucket holding the CSV (``CsvBucket``)                    |
| CSV_KEY          | yes      | object key of the CSV, e.g. ``input/data.csv``            |
| DB_SECRET_ARN    | yes      | Secrets Manager secret with ``username``/``password``     |
| DB_HOST          | no       | Aurora writer endpoint; else the secret's ``host``        |
| DB_PORT          | no       | default: the secret's ``port``, else 3306                 |
| DB_NAME          | no       | database; else the secret's ``dbname``                    |
| DB_TABLE         | no       | target table, default ``customers``                       |
| BATCH_SIZE       | no       | rows per INSERT statement, default 500                    |
| ENSURE_SCHEMA    | no       | ``true`` (default) creates the table if it is missing     |
| LOG_LEVEL        | no       | DEBUG, INFO (default), WARNING, ERROR                     |
| MAX_LOGGED_REJECTIONS | no  | rejected rows logged one by one, default 100              |
| DB_CONNECT_TIMEOUT | no     | seconds, default 10                                       |

A scheduled run loads ``CSV_BUCKET``/``CSV_KEY``; an invocation event may name other
objects (see ``app.py``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Mapping, Optional

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class ConfigError(Exception):
    """An environment variable is missing or malformed (the message names it)."""


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"environment variable {name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"environment variable {name} must be in {low}..{high}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"environment variable {name} must be true or false, got {raw!r}")


@dataclass(frozen=True)
class Settings:
    """Validated settings; ``csv_bucket``/``csv_key`` may be empty when events name objects."""

    csv_bucket: str
    csv_key: str
    db_secret_arn: str
    db_host: Optional[str] = None
    db_port: Optional[int] = None
    db_name: Optional[str] = None
    table: str = "customers"
    batch_size: int = 500
    ensure_schema: bool = True
    max_logged_rejections: int = 100
    connect_timeout: int = 10

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        """Read and validate the environment; raises ConfigError naming the variable."""
        env = os.environ if env is None else env
        secret = env.get("DB_SECRET_ARN", "").strip()
        if not secret:
            raise ConfigError("environment variable DB_SECRET_ARN is not set")
        table = env.get("DB_TABLE", "").strip() or "customers"
        if not IDENTIFIER.match(table):
            raise ConfigError(
                f"environment variable DB_TABLE must be a plain SQL identifier, got {table!r}"
            )
        port = env.get("DB_PORT", "").strip()
        return cls(
            csv_bucket=env.get("CSV_BUCKET", "").strip(),
            csv_key=env.get("CSV_KEY", "").strip(),
            db_secret_arn=secret,
            db_host=env.get("DB_HOST", "").strip() or None,
            db_port=_int(env, "DB_PORT", 3306, 1, 65535) if port else None,
            db_name=env.get("DB_NAME", "").strip() or None,
            table=table,
            batch_size=_int(env, "BATCH_SIZE", 500, 1, 10000),
            ensure_schema=_bool(env, "ENSURE_SCHEMA", True),
            max_logged_rejections=_int(env, "MAX_LOGGED_REJECTIONS", 100, 0, 100000),
            connect_timeout=_int(env, "DB_CONNECT_TIMEOUT", 10, 1, 300),
        )
