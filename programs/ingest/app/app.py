"""Lambda entry point of ``IngestFunction`` (inventory C21, ``Handler: app.handler``).

Which objects to load:

* the hourly EventBridge schedule (or any event without object names) loads
  ``CSV_BUCKET``/``CSV_KEY``;
* an S3 event notification loads every object in its ``Records``;
* a direct invocation may pass ``{"bucket": "...", "key": "..."}`` (either one
  defaults to the environment).

Third-party code (PyMySQL) is vendored into ``vendor/`` by ``vendor.sh`` before the
folder is deployed; that directory is put first on ``sys.path`` here.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import unquote_plus

_VENDOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vendor")
if os.path.isdir(_VENDOR) and _VENDOR not in sys.path:
    sys.path.insert(0, _VENDOR)

import boto3  # noqa: E402

from ingest import db, jsonlog  # noqa: E402
from ingest.config import ConfigError, Settings  # noqa: E402
from ingest.dbsecret import resolve_target  # noqa: E402
from ingest.loader import load_object  # noqa: E402
from ingest.records import CsvFormatError  # noqa: E402

log = jsonlog.configure("ingest")
_session: Any = None


class IngestError(Exception):
    """At least one object failed to load; the invocation fails (Errors alarm)."""


def _boto_session() -> Any:
    global _session
    if _session is None:
        _session = boto3.session.Session()
    return _session


def objects_to_load(event: Any, settings: Settings) -> List[Tuple[str, str]]:
    """The (bucket, key) pairs an invocation asks for."""
    if isinstance(event, Mapping):
        records = event.get("Records")
        if isinstance(records, list) and records:
            found = []
            for record in records:
                s3 = record.get("s3") if isinstance(record, Mapping) else None
                if not isinstance(s3, Mapping):
                    continue
                bucket = (s3.get("bucket") or {}).get("name")
                key = (s3.get("object") or {}).get("key")
                if bucket and key:
                    found.append((str(bucket), unquote_plus(str(key))))
            if found:
                return found
        bucket = event.get("bucket") or settings.csv_bucket
        key = event.get("key") or settings.csv_key
    else:
        bucket, key = settings.csv_bucket, settings.csv_key
    if not bucket or not key:
        raise ConfigError(
            "no CSV object to load: set CSV_BUCKET and CSV_KEY or pass bucket/key in the event"
        )
    return [(str(bucket), str(key))]


def run(event: Any, settings: Settings, s3: Any, secrets: Any,
        connect: Optional[Any] = None) -> Dict[str, Any]:
    """Load every requested object over one database connection; return the result."""
    targets = objects_to_load(event, settings)
    target = resolve_target(secrets, settings)
    conn = (connect or db.connect)(target, settings.connect_timeout)
    summaries: List[Dict[str, Any]] = []
    failures: List[str] = []
    try:
        if settings.ensure_schema:
            db.ensure_schema(conn, settings.table)
        for bucket, key in targets:
            try:
                summary = load_object(s3, conn, bucket, key, settings.table,
                                      settings.batch_size, settings.max_logged_rejections)
                summaries.append(summary.as_dict())
            except CsvFormatError as err:
                failures.append(f"s3://{bucket}/{key}: {err}")
                log.error("file rejected", extra={"bucket": bucket, "key": key,
                                                  "error": str(err)})
            except Exception as err:  # noqa: BLE001 - report per object, fail at the end
                failures.append(f"s3://{bucket}/{key}: {err}")
                log.exception("load failed", extra={"bucket": bucket, "key": key})
    finally:
        conn.close()
    totals = {
        name: sum(s[name] for s in summaries)
        for name in ("rows_read", "inserted", "duplicates", "rejected")
    }
    if failures:
        raise IngestError("; ".join(failures))
    return {"objects": summaries, "totals": totals}


def handler(event: Any, context: Any = None) -> Dict[str, Any]:
    """Scheduled / S3 / direct invocation entry point."""
    settings = Settings.from_env()
    session = _boto_session()
    region = os.environ.get("AWS_REGION") or None
    return run(
        event,
        settings,
        s3=session.client("s3", region_name=region),
        secrets=session.client("secretsmanager", region_name=region),
    )
