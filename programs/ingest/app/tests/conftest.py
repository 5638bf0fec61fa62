"""Fixtures: moto S3 + Secrets Manager, and a real MariaDB server started for the run."""

from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, Iterator, List, Optional

import boto3
import pytest
from moto import mock_aws

APP_DIR = Path(__file__).resolve().parent.parent
TESTS_DIR = Path(__file__).resolve().parent
for folder in (APP_DIR, TESTS_DIR):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from mariadb_server import MariaDBServer, find_binaries  # noqa: E402

REGION = "eu-west-1"
BUCKET = "ingest-csv-123456789012-eu-west-1"
KEY = "input/data.csv"
SECRET_NAME = "ingest/aurora/master"
DB_USER = "ingest_admin"
DB_PASSWORD = "pw-Qr7!x2#Lm"
_SESSION = boto3.session.Session()  # reused: loading service models is the slow part
_db_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def mariadb() -> Iterator[MariaDBServer]:
    """A MariaDB server for the whole run, with the application user created.

    Skipped (with the reason) only when the binaries are absent; when
    APP_TESTS_REQUIRE_MARIADB is set (CI) their absence is a failure instead.
    """
    binaries = find_binaries()
    if binaries is None:
        reason = (
            "MariaDB server not installed: mariadbd / mariadb-install-db not found "
            "(Debian: apt-get install mariadb-server)"
        )
        if os.environ.get("APP_TESTS_REQUIRE_MARIADB"):
            pytest.fail(reason)
        pytest.skip(reason)
    server = MariaDBServer(*binaries)
    try:
        server.start()
        conn = server.admin()
        with conn.cursor() as cur:
            cur.execute(f"CREATE USER '{DB_USER}'@'127.0.0.1' IDENTIFIED BY %s", (DB_PASSWORD,))
            cur.execute(f"GRANT ALL PRIVILEGES ON *.* TO '{DB_USER}'@'127.0.0.1'")
        conn.close()
    except BaseException:
        server.stop()
        raise
    yield server
    server.stop()


@pytest.fixture()
def database(mariadb: MariaDBServer) -> Iterator[str]:
    """A fresh, empty database for one test."""
    name = f"ingest_t{next(_db_numbers)}"
    conn = mariadb.admin()
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    try:
        yield name
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()


@pytest.fixture()
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    """moto-backed S3 (with the CSV bucket) and Secrets Manager."""
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
                "AWS_ENDPOINT_URL_SECRETS_MANAGER"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        s3 = _SESSION.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        secrets = _SESSION.client("secretsmanager", region_name=REGION)
        yield SimpleNamespace(s3=s3, secrets=secrets)


class IngestHarness:
    """The function's environment wired to moto and MariaDB, plus helpers to inspect it."""

    def __init__(self, aws: SimpleNamespace, server: MariaDBServer, database: str,
                 monkeypatch: pytest.MonkeyPatch) -> None:
        self.aws = aws
        self.server = server
        self.database = database
        self.monkeypatch = monkeypatch
        self.secret_arn = aws.secrets.create_secret(
            Name=SECRET_NAME,
            SecretString=f'{{"username": "{DB_USER}", "password": "{DB_PASSWORD}"}}',
        )["ARN"]
        for name, value in {
            "CSV_BUCKET": BUCKET,
            "CSV_KEY": KEY,
            "DB_SECRET_ARN": self.secret_arn,
            "DB_HOST": "127.0.0.1",
            "DB_PORT": str(server.port),
            "DB_NAME": database,
            "LOG_LEVEL": "INFO",
        }.items():
            monkeypatch.setenv(name, value)
        for name in ("DB_TABLE", "BATCH_SIZE", "ENSURE_SCHEMA", "MAX_LOGGED_REJECTIONS"):
            monkeypatch.delenv(name, raising=False)

    def put_csv(self, text: str, key: str = KEY, encoding: str = "utf-8") -> None:
        self.aws.s3.put_object(Bucket=BUCKET, Key=key, Body=text.encode(encoding))

    def invoke(self, event: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        import app

        scheduled = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
        return app.handler(scheduled if event is None else event, None)

    def query(self, sql: str, args: Any = None) -> List[tuple]:
        conn = self.server.admin()
        try:
            with conn.cursor() as cur:
                cur.execute(f"USE `{self.database}`")
                cur.execute(sql, args)
                return list(cur.fetchall())
        finally:
            conn.close()


@pytest.fixture()
def harness(aws: SimpleNamespace, mariadb: MariaDBServer, database: str,
            monkeypatch: pytest.MonkeyPatch) -> IngestHarness:
    return IngestHarness(aws, mariadb, database, monkeypatch)
