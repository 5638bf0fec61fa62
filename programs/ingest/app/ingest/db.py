"""MySQL access: connection, schema, and duplicate-safe batch inserts.

Inserts use ``INSERT ... ON DUPLICATE KEY UPDATE id = id``: a row whose ``id`` already
exists is left untouched and reports zero affected rows, so the affected-row count of a
batch is exactly the number of rows inserted. Unlike ``INSERT IGNORE``, this swallows
only key conflicts: any other problem (a value too long, a bad date) still fails the
statement, and the batch is then retried row by row so that only the offending rows are
rejected.
"""

from __future__ import annotations

from typing import Any, List, Sequence, Tuple

from .dbsecret import DbTarget
from .records import KNOWN_COLUMNS, Record, Rejection

# Server errors about one row's values (not the connection or the statement).
ROW_LEVEL_ERRORS = frozenset(
    {
        1048,  # column cannot be null
        1264,  # out of range
        1265,  # data truncated
        1292,  # incorrect date/datetime value
        1366,  # incorrect integer/decimal/string value
        1406,  # data too long
        1452,  # foreign key fails
        3819,  # check constraint violated (MySQL)
        4025,  # CONSTRAINT failed (MariaDB)
    }
)

INSERT_COLUMNS = KNOWN_COLUMNS + ("source_object",)

SESSION_SETUP = (
    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION', time_zone = '+00:00'"
)


def create_table_sql(table: str) -> str:
    """DDL for the target table (``table`` must be a validated identifier)."""
    return f"""CREATE TABLE IF NOT EXISTS `{table}` (
  `id` BIGINT UNSIGNED NOT NULL,
  `email` VARCHAR(254) NOT NULL,
  `first_name` VARCHAR(100) NOT NULL,
  `last_name` VARCHAR(100) NULL,
  `country` CHAR(2) NULL,
  `signup_date` DATE NULL,
  `lifetime_value` DECIMAL(12,2) NULL,
  `source_object` VARCHAR(1024) NOT NULL,
  `loaded_at` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"""


def insert_sql(table: str) -> str:
    """The duplicate-safe INSERT; PyMySQL's executemany turns it into one multi-row INSERT."""
    columns = ", ".join(f"`{c}`" for c in INSERT_COLUMNS)
    placeholders = ", ".join(["%s"] * len(INSERT_COLUMNS))
    return (
        f"INSERT INTO `{table}` ({columns}) VALUES ({placeholders}) "
        "ON DUPLICATE KEY UPDATE `id` = `id`"
    )


def connect(target: DbTarget, timeout: int = 10) -> Any:
    """Open a PyMySQL connection (autocommit off, strict SQL mode, UTC session)."""
    try:
        import pymysql  # imported late: app.py puts the vendored copy on sys.path first
    except ImportError:
        raise RuntimeError(
            "PyMySQL is not packaged with the function: run vendor.sh in the code folder "
            "before deploying it"
        ) from None
    return pymysql.connect(
        host=target.host,
        port=target.port,
        user=target.user,
        password=target.password,
        database=target.database,
        charset="utf8mb4",
        autocommit=False,
        connect_timeout=timeout,
        read_timeout=300,
        write_timeout=300,
        init_command=SESSION_SETUP,
    )


def ensure_schema(conn: Any, table: str) -> None:
    """Create the target table when it does not exist."""
    with conn.cursor() as cur:
        cur.execute(create_table_sql(table))
    conn.commit()


def _is_row_level(err: Exception) -> bool:
    args = getattr(err, "args", ())
    return bool(args) and isinstance(args[0], int) and args[0] in ROW_LEVEL_ERRORS


def _message(err: Exception) -> str:
    args = getattr(err, "args", ())
    return str(args[1]) if len(args) > 1 else str(err)


def insert_batch(
    conn: Any, table: str, records: Sequence[Record], source: str
) -> Tuple[int, List[Rejection]]:
    """Insert ``records`` ignoring existing ids; commit; return (inserted, rejections).

    ``inserted`` counts new rows; the rest of the batch minus rejections were duplicates.
    """
    import pymysql

    if not records:
        return 0, []
    sql = insert_sql(table)
    rows = [r.values() + (source,) for r in records]
    try:
        with conn.cursor() as cur:
            inserted = cur.executemany(sql, rows) or 0
        conn.commit()
        return inserted, []
    except pymysql.err.MySQLError as err:
        conn.rollback()
        if not _is_row_level(err):
            raise

    # Some row broke a server-side rule: insert one by one to isolate it.
    inserted = 0
    rejections: List[Rejection] = []
    with conn.cursor() as cur:
        for record, row in zip(records, rows):  # noqa: B905 - same length by construction
            try:
                inserted += cur.execute(sql, row)
            except pymysql.err.MySQLError as err:
                if not _is_row_level(err):
                    conn.rollback()
                    raise
                rejections.append(
                    Rejection(
                        line=record.line,
                        id=str(record.id),
                        reasons=[f"database refused the row: {_message(err)}"],
                    )
                )
    conn.commit()
    return inserted, rejections
