"""Load one CSV object from S3 into the database and summarise the run."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Set

from botocore.exceptions import ClientError

from . import db
from .records import CsvRows, Record, Rejection, iter_text_lines

CHUNK_BYTES = 1024 * 1024
SAMPLE_REJECTIONS = 20

log = logging.getLogger("ingest")


class SourceError(Exception):
    """The CSV object cannot be read from S3."""


@dataclass
class Summary:
    """Counts of one load. ``rows_read`` = inserted + duplicates + rejected."""

    bucket: str
    key: str
    rows_read: int = 0
    inserted: int = 0
    duplicates: int = 0
    duplicates_in_file: int = 0
    rejected: int = 0
    batches: int = 0
    unknown_columns: List[str] = field(default_factory=list)
    rejected_samples: List[Dict[str, Any]] = field(default_factory=list)
    duration_ms: float = 0.0

    def as_dict(self) -> Dict[str, Any]:
        return {
            "bucket": self.bucket,
            "key": self.key,
            "rows_read": self.rows_read,
            "inserted": self.inserted,
            "duplicates": self.duplicates,
            "duplicates_in_file": self.duplicates_in_file,
            "rejected": self.rejected,
            "batches": self.batches,
            "unknown_columns": list(self.unknown_columns),
            "rejected_samples": list(self.rejected_samples),
            "duration_ms": self.duration_ms,
        }


def open_object(s3: Any, bucket: str, key: str) -> Iterable[bytes]:
    """Stream the object's bytes in chunks; raises SourceError naming bucket and key."""
    try:
        reply = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "ClientError")
        raise SourceError(f"cannot read s3://{bucket}/{key}: {code}") from err
    return reply["Body"].iter_chunks(chunk_size=CHUNK_BYTES)


class _Run:
    """Mutable state of one load: the pending batch and the counters."""

    def __init__(self, conn: Any, table: str, source: str, batch_size: int,
                 summary: Summary, max_logged: int) -> None:
        self.conn = conn
        self.table = table
        self.source = source
        self.batch_size = batch_size
        self.summary = summary
        self.max_logged = max_logged
        self.batch: List[Record] = []
        self.seen: Set[int] = set()

    def reject(self, rejection: Rejection) -> None:
        self.summary.rejected += 1
        if len(self.summary.rejected_samples) < SAMPLE_REJECTIONS:
            self.summary.rejected_samples.append(rejection.as_dict())
        if self.summary.rejected <= self.max_logged:
            log.warning(
                "row rejected",
                extra={"source": self.source, "line": rejection.line, "id": rejection.id,
                       "reasons": rejection.reasons},
            )

    def add(self, record: Record) -> None:
        if record.id in self.seen:
            self.summary.duplicates += 1
            self.summary.duplicates_in_file += 1
            return
        self.seen.add(record.id)
        self.batch.append(record)
        if len(self.batch) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        inserted, rejections = db.insert_batch(self.conn, self.table, self.batch, self.source)
        self.summary.batches += 1
        self.summary.inserted += inserted
        self.summary.duplicates += len(self.batch) - inserted - len(rejections)
        for rejection in rejections:
            self.reject(rejection)
        self.batch = []


def load_rows(
    lines: Iterable[str],
    conn: Any,
    table: str,
    source: str,
    batch_size: int = 500,
    max_logged_rejections: int = 100,
    summary: Summary | None = None,
) -> Summary:
    """Validate ``lines`` (CSV text) and insert the valid rows in batches."""
    summary = summary or Summary(bucket="", key=source)
    run = _Run(conn, table, source, batch_size, summary, max_logged_rejections)
    rows = CsvRows(lines)
    for row in rows:
        summary.rows_read += 1
        if isinstance(row, Rejection):
            run.reject(row)
        else:
            run.add(row)
    run.flush()
    summary.unknown_columns = rows.unknown_columns
    if rows.unknown_columns:
        log.warning("ignored unknown columns", extra={"source": source,
                                                      "columns": rows.unknown_columns})
    return summary


def load_object(
    s3: Any,
    conn: Any,
    bucket: str,
    key: str,
    table: str,
    batch_size: int = 500,
    max_logged_rejections: int = 100,
) -> Summary:
    """Load ``s3://bucket/key`` into ``table``; log and return the summary.

    Idempotent: re-running on the same object inserts nothing and counts every valid
    row as a duplicate.
    """
    started = time.monotonic()
    source = f"s3://{bucket}/{key}"
    summary = Summary(bucket=bucket, key=key)
    chunks = open_object(s3, bucket, key)
    load_rows(iter_text_lines(chunks), conn, table, source, batch_size,
              max_logged_rejections, summary)
    summary.duration_ms = round((time.monotonic() - started) * 1000, 1)
    log.info(
        f"ingest summary: {source} read={summary.rows_read} inserted={summary.inserted} "
        f"duplicates={summary.duplicates} rejected={summary.rejected}",
        extra={"summary": summary.as_dict()},
    )
    return summary
