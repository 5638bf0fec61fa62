"""End-to-end loads into a real MariaDB server (S3 and Secrets Manager in moto)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pymysql
import pytest

import app
from conftest import BUCKET, KEY

pytestmark = pytest.mark.mariadb

HEADER = "id,email,first_name,last_name,country,signup_date,lifetime_value\n"
GOOD = (
    "1,ada@example.com,Ada,Lovelace,GB,2024-01-15,120.50\n"
    "2,alan@example.com,Alan,Turing,GB,2024-02-01,\n"
    "3,grace@example.com,Grace,Hopper,US,,99\n"
)


def summary_of(result, index=0):
    return result["objects"][index]


def test_load_then_rerun_is_idempotent(harness, capsys):
    harness.put_csv(HEADER + GOOD)
    first = harness.invoke()
    assert first["totals"] == {"rows_read": 3, "inserted": 3, "duplicates": 0, "rejected": 0}
    rows = harness.query(
        "SELECT id, email, first_name, last_name, country, signup_date, lifetime_value, "
        "source_object FROM customers ORDER BY id"
    )
    assert rows == [
        (1, "ada@example.com", "Ada", "Lovelace", "GB", dt.date(2024, 1, 15), Decimal("120.50"),
         f"s3://{BUCKET}/{KEY}"),
        (2, "alan@example.com", "Alan", "Turing", "GB", dt.date(2024, 2, 1), None,
         f"s3://{BUCKET}/{KEY}"),
        (3, "grace@example.com", "Grace", "Hopper", "US", None, Decimal("99.00"),
         f"s3://{BUCKET}/{KEY}"),
    ]
    loaded_at = harness.query("SELECT id, loaded_at FROM customers ORDER BY id")

    second = harness.invoke()
    assert second["totals"] == {"rows_read": 3, "inserted": 0, "duplicates": 3, "rejected": 0}
    assert harness.query("SELECT id, loaded_at FROM customers ORDER BY id") == loaded_at

    summaries = [json.loads(line) for line in capsys.readouterr().out.splitlines()
                 if "ingest summary" in line]
    assert [s["message"] for s in summaries] == [
        f"ingest summary: s3://{BUCKET}/{KEY} read=3 inserted=3 duplicates=0 rejected=0",
        f"ingest summary: s3://{BUCKET}/{KEY} read=3 inserted=0 duplicates=3 rejected=0",
    ]
    assert summaries[1]["summary"]["duplicates"] == 3


def test_existing_rows_are_never_overwritten(harness):
    harness.put_csv(HEADER + GOOD)
    harness.invoke()
    harness.put_csv(HEADER + "2,changed@example.com,Changed,,,,\n4,new@example.com,New,,,,\n",
                    key="input/second.csv")
    result = harness.invoke({"key": "input/second.csv"})
    assert result["totals"] == {"rows_read": 2, "inserted": 1, "duplicates": 1, "rejected": 0}
    assert harness.query("SELECT id, email FROM customers ORDER BY id") == [
        (1, "ada@example.com"), (2, "alan@example.com"), (3, "grace@example.com"),
        (4, "new@example.com"),
    ]


def test_bad_rows_are_reported_and_skipped(harness, capsys):
    harness.put_csv(
        HEADER
        + "1,ok@example.com,Ok,,,,\n"
        + ",noid@example.com,NoId,,,,\n"
        + "two,typo@example.com,Typo,,,,\n"
        + "3,bad-email,Bad,,,2024-13-01,\n"
        + "4,short@example.com\n"
        + "5,last@example.com,Last,,,,\n"
    )
    s = summary_of(harness.invoke())
    assert (s["rows_read"], s["inserted"], s["rejected"], s["duplicates"]) == (6, 2, 4, 0)
    assert [(r["line"], r["id"]) for r in s["rejected_samples"]] == [
        (3, None), (4, "two"), (5, "3"), (6, "4")
    ]
    assert s["rejected_samples"][2]["reasons"] == [
        "email 'bad-email' is not an email address",
        "signup_date '2024-13-01' is not a date (YYYY-MM-DD)",
    ]
    assert harness.query("SELECT id FROM customers ORDER BY id") == [(1,), (5,)]
    warnings = [json.loads(line) for line in capsys.readouterr().out.splitlines()
                if '"row rejected"' in line]
    assert [w["line"] for w in warnings] == [3, 4, 5, 6]
    assert all(w["level"] == "WARNING" and w["reasons"] for w in warnings)


def test_duplicate_ids_inside_one_file_keep_the_first(harness):
    harness.put_csv(HEADER + "7,first@example.com,First,,,,\n7,second@example.com,Second,,,,\n")
    s = summary_of(harness.invoke())
    assert (s["inserted"], s["duplicates"], s["duplicates_in_file"]) == (1, 1, 1)
    assert harness.query("SELECT email FROM customers") == [("first@example.com",)]


def test_batches_split_the_inserts(harness, monkeypatch):
    monkeypatch.setenv("BATCH_SIZE", "2")
    body = "".join(f"{i},u{i}@example.com,U{i},,,,\n" for i in range(1, 6))
    harness.put_csv(HEADER + body)
    s = summary_of(harness.invoke())
    assert (s["batches"], s["inserted"]) == (3, 5)
    # overlap across batch boundaries on the re-run, plus two new rows
    body2 = "".join(f"{i},u{i}@example.com,U{i},,,,\n" for i in range(4, 8))
    harness.put_csv(HEADER + body2)
    s2 = summary_of(harness.invoke())
    assert (s2["batches"], s2["inserted"], s2["duplicates"]) == (2, 2, 2)
    assert harness.query("SELECT COUNT(*) FROM customers") == [(7,)]


def test_rows_the_database_refuses_are_isolated(harness, monkeypatch):
    # A narrower column than the validator allows: the server refuses one row of the batch.
    harness.query(
        "CREATE TABLE customers (id BIGINT UNSIGNED PRIMARY KEY, email VARCHAR(16) NOT NULL, "
        "first_name VARCHAR(100) NOT NULL, last_name VARCHAR(100), country CHAR(2), "
        "signup_date DATE, lifetime_value DECIMAL(12,2), source_object VARCHAR(1024) NOT NULL, "
        "loaded_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)"
    )
    monkeypatch.setenv("ENSURE_SCHEMA", "false")
    harness.put_csv(HEADER + "1,a@b.io,A,,,,\n2,much-too-long@example.com,B,,,,\n3,c@d.io,C,,,,\n")
    s = summary_of(harness.invoke())
    assert (s["inserted"], s["rejected"], s["duplicates"]) == (2, 1, 0)
    (rejected,) = s["rejected_samples"]
    assert rejected["line"] == 3 and rejected["id"] == "2"
    assert "database refused the row" in rejected["reasons"][0]
    assert "too long" in rejected["reasons"][0].lower()
    assert harness.query("SELECT id FROM customers ORDER BY id") == [(1,), (3,)]


def test_unicode_survives_the_round_trip(harness):
    harness.put_csv("\ufeff" + HEADER + "1,zoe@example.com,Zoë,Łukasiewicz 🚀,,,\n")
    harness.invoke()
    assert harness.query("SELECT first_name, last_name FROM customers") == [
        ("Zoë", "Łukasiewicz 🚀")
    ]


def test_a_missing_object_fails_the_invocation(harness):
    with pytest.raises(app.IngestError, match=f"s3://{BUCKET}/{KEY}: .*NoSuchKey"):
        harness.invoke()


def test_a_bad_header_fails_the_invocation_and_loads_nothing(harness):
    harness.put_csv("id,first_name\n1,A\n")
    with pytest.raises(app.IngestError, match="lacks required column"):
        harness.invoke()
    assert harness.query("SELECT COUNT(*) FROM customers") == [(0,)]


def test_one_bad_object_does_not_stop_the_others(harness):
    harness.put_csv(HEADER + GOOD, key="in/good file.csv")
    event = {"Records": [
        {"s3": {"bucket": {"name": BUCKET}, "object": {"key": "in/missing.csv"}}},
        {"s3": {"bucket": {"name": BUCKET}, "object": {"key": "in/good+file.csv"}}},
    ]}
    with pytest.raises(app.IngestError, match="in/missing.csv"):
        harness.invoke(event)
    assert harness.query("SELECT COUNT(*) FROM customers") == [(3,)]


def test_connection_details_can_come_from_the_attached_secret(harness, monkeypatch):
    doc = json.loads(harness.aws.secrets.get_secret_value(SecretId=harness.secret_arn)
                     ["SecretString"])
    doc.update(host="127.0.0.1", port=harness.server.port, dbname=harness.database,
               engine="mysql")
    harness.aws.secrets.put_secret_value(SecretId=harness.secret_arn,
                                         SecretString=json.dumps(doc))
    for name in ("DB_HOST", "DB_PORT", "DB_NAME"):
        monkeypatch.delenv(name)
    harness.put_csv(HEADER + GOOD)
    assert harness.invoke()["totals"]["inserted"] == 3


def test_wrong_password_fails_with_access_denied(harness):
    harness.aws.secrets.put_secret_value(
        SecretId=harness.secret_arn,
        SecretString=json.dumps({"username": "ingest_admin", "password": "wrong"}),
    )
    harness.put_csv(HEADER + GOOD)
    with pytest.raises(pymysql.err.OperationalError) as exc:
        harness.invoke()
    assert exc.value.args[0] == 1045


def test_ten_thousand_rows_in_batches(harness):
    body = "".join(f"{i},user{i}@example.com,User{i},Test,NL,2024-05-01,{i % 1000}.25\n"
                   for i in range(1, 10001))
    harness.put_csv(HEADER + body)
    s = summary_of(harness.invoke())
    assert (s["inserted"], s["batches"]) == (10000, 20)
    assert harness.query("SELECT COUNT(*), SUM(lifetime_value) FROM customers") == [
        (10000, Decimal(sum(i % 1000 for i in range(1, 10001))) + Decimal("2500.00"))
    ]
    again = summary_of(harness.invoke())
    assert (again["inserted"], again["duplicates"]) == (0, 10000)
