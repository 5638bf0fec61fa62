"""Database credentials from the Secrets Manager secret named by ``DB_SECRET_ARN``.

The secret string is JSON: ``{"username": ..., "password": ...}`` as the program writes
it (inventory C15); once ``DbSecretAttachment`` has run it also carries ``host``,
``port``, ``dbname`` and ``engine``. Environment settings win over the secret's
connection fields; the secret is the fallback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

from botocore.exceptions import ClientError

from .config import Settings


class SecretError(Exception):
    """The secret cannot be read or does not hold usable credentials."""


@dataclass(frozen=True)
class DbTarget:
    """Where and as whom to connect. ``repr`` never shows the password."""

    host: str
    port: int
    user: str
    password: str
    database: str

    def __repr__(self) -> str:
        return (
            f"DbTarget(host={self.host!r}, port={self.port}, user={self.user!r}, "
            f"database={self.database!r}, password=<redacted>)"
        )


def _field(doc: dict, name: str) -> Optional[str]:
    value = doc.get(name)
    if value is None or value == "":
        return None
    return str(value)


def resolve_target(secrets_client: Any, settings: Settings) -> DbTarget:
    """Fetch the secret and combine it with the settings into a DbTarget."""
    secret_id = settings.db_secret_arn
    try:
        reply = secrets_client.get_secret_value(SecretId=secret_id)
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "ClientError")
        raise SecretError(f"cannot read secret {secret_id!r}: {code}") from err
    raw = reply.get("SecretString")
    if raw is None:
        raise SecretError(f"secret {secret_id!r} has no SecretString (binary secrets unsupported)")
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError:
        raise SecretError(f"secret {secret_id!r} is not a JSON object") from None
    if not isinstance(doc, dict):
        raise SecretError(f"secret {secret_id!r} is not a JSON object")

    user = _field(doc, "username")
    password = _field(doc, "password")
    missing = [n for n, v in (("username", user), ("password", password)) if v is None]
    if missing:
        raise SecretError(f"secret {secret_id!r} lacks {' and '.join(missing)}")
    host = settings.db_host or _field(doc, "host")
    if host is None:
        raise SecretError(f"no database host: set DB_HOST or add 'host' to secret {secret_id!r}")
    database = settings.db_name or _field(doc, "dbname")
    if database is None:
        raise SecretError(
            f"no database name: set DB_NAME or add 'dbname' to secret {secret_id!r}"
        )
    port: Optional[int] = settings.db_port
    if port is None:
        raw_port = _field(doc, "port")
        try:
            port = int(raw_port) if raw_port is not None else 3306
        except ValueError:
            raise SecretError(f"secret {secret_id!r} has a non-numeric port") from None
    return DbTarget(host=host, port=port, user=user or "", password=password or "",
                    database=database)
