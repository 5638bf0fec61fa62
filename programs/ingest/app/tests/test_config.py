"""Settings from the environment, credentials from the secret (moto), event shapes."""

from __future__ import annotations

import json

import pytest

import app
from conftest import BUCKET, KEY
from ingest.config import ConfigError, Settings
from ingest.dbsecret import SecretError, resolve_target

BASE_ENV = {"DB_SECRET_ARN": "arn:secret", "CSV_BUCKET": BUCKET, "CSV_KEY": KEY}


def test_defaults():
    s = Settings.from_env(BASE_ENV)
    assert (s.table, s.batch_size, s.ensure_schema, s.db_port, s.db_host) == (
        "customers", 500, True, None, None
    )


def test_inventory_environment_is_understood():
    s = Settings.from_env({**BASE_ENV, "DB_HOST": "db.cluster", "DB_NAME": "ingest",
                           "LOG_LEVEL": "INFO", "BATCH_SIZE": "50", "ENSURE_SCHEMA": "false",
                           "DB_PORT": "3307", "DB_TABLE": "people"})
    assert (s.db_host, s.db_name, s.batch_size, s.ensure_schema, s.db_port, s.table) == (
        "db.cluster", "ingest", 50, False, 3307, "people"
    )


@pytest.mark.parametrize(
    "env, fragment",
    [
        ({"CSV_BUCKET": "b"}, "DB_SECRET_ARN is not set"),
        ({**BASE_ENV, "BATCH_SIZE": "many"}, "BATCH_SIZE must be an integer"),
        ({**BASE_ENV, "BATCH_SIZE": "0"}, "BATCH_SIZE must be in 1..10000"),
        ({**BASE_ENV, "DB_PORT": "70000"}, "DB_PORT must be in 1..65535"),
        ({**BASE_ENV, "ENSURE_SCHEMA": "maybe"}, "ENSURE_SCHEMA must be true or false"),
        ({**BASE_ENV, "DB_TABLE": "x; DROP TABLE y"}, "DB_TABLE must be a plain SQL identifier"),
    ],
)
def test_bad_environment_names_the_variable(env, fragment):
    with pytest.raises(ConfigError, match=fragment):
        Settings.from_env(env)


def _secret(aws, doc):
    value = doc if isinstance(doc, str) else json.dumps(doc)
    return aws.secrets.create_secret(Name="s", SecretString=value)["ARN"]


def test_secret_supplies_credentials_and_env_wins_for_the_endpoint(aws):
    arn = _secret(aws, {"username": "u", "password": "p", "host": "secret-host",
                        "port": 3310, "dbname": "secretdb", "engine": "mysql"})
    target = resolve_target(aws.secrets, Settings.from_env(
        {"DB_SECRET_ARN": arn, "DB_HOST": "env-host", "DB_NAME": "envdb"}))
    assert (target.host, target.port, target.user, target.password, target.database) == (
        "env-host", 3310, "u", "p", "envdb"
    )
    assert "p'" not in repr(target) and "redacted" in repr(target)


def test_secret_fields_are_the_fallback(aws):
    arn = _secret(aws, {"username": "u", "password": "p", "host": "h", "dbname": "d"})
    target = resolve_target(aws.secrets, Settings.from_env({"DB_SECRET_ARN": arn}))
    assert (target.host, target.port, target.database) == ("h", 3306, "d")


@pytest.mark.parametrize(
    "doc, fragment",
    [
        ({"username": "u"}, "lacks password"),
        ({"password": "p"}, "lacks username"),
        ("not json", "is not a JSON object"),
        ([1, 2], "is not a JSON object"),
        ({"username": "u", "password": "p"}, "no database host"),
        ({"username": "u", "password": "p", "host": "h"}, "no database name"),
        ({"username": "u", "password": "p", "host": "h", "dbname": "d", "port": "x"},
         "non-numeric port"),
    ],
)
def test_unusable_secrets_are_explained(aws, doc, fragment):
    arn = _secret(aws, doc)
    with pytest.raises(SecretError, match=fragment):
        resolve_target(aws.secrets, Settings.from_env({"DB_SECRET_ARN": arn}))


def test_missing_secret_is_explained(aws):
    settings = Settings.from_env({"DB_SECRET_ARN": "ingest/absent"})
    with pytest.raises(SecretError, match="cannot read secret 'ingest/absent': ResourceNotFound"):
        resolve_target(aws.secrets, settings)


def test_scheduled_event_uses_the_environment():
    s = Settings.from_env(BASE_ENV)
    event = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    assert app.objects_to_load(event, s) == [(BUCKET, KEY)]
    assert app.objects_to_load(None, s) == [(BUCKET, KEY)]


def test_direct_invocation_may_override_bucket_or_key():
    s = Settings.from_env(BASE_ENV)
    assert app.objects_to_load({"key": "other.csv"}, s) == [(BUCKET, "other.csv")]
    assert app.objects_to_load({"bucket": "b2", "key": "k2"}, s) == [("b2", "k2")]


def test_s3_notification_records_are_url_decoded():
    s = Settings.from_env(BASE_ENV)
    event = {"Records": [
        {"eventSource": "aws:s3", "s3": {"bucket": {"name": "b"},
                                          "object": {"key": "in/my+file%281%29.csv"}}},
        {"eventSource": "aws:s3", "s3": {"bucket": {"name": "b"}, "object": {"key": "x.csv"}}},
    ]}
    assert app.objects_to_load(event, s) == [("b", "in/my file(1).csv"), ("b", "x.csv")]


def test_nothing_to_load_is_a_config_error():
    with pytest.raises(ConfigError, match="set CSV_BUCKET and CSV_KEY"):
        app.objects_to_load({}, Settings.from_env({"DB_SECRET_ARN": "a"}))
