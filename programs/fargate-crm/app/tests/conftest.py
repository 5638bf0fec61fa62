"""Fixtures: a primary PostgreSQL instance and its cross-region replica in moto."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator, List

import boto3
import pytest
from moto import mock_aws

APP_DIR = Path(__file__).resolve().parent.parent
if str(APP_DIR) not in sys.path:
    sys.path.insert(0, str(APP_DIR))

PRIMARY_REGION = "ap-northeast-1"
DR_REGION = "ap-southeast-1"
_SESSION = boto3.session.Session()


@pytest.fixture()
def rds(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    """``crm-prod-db`` (ap-northeast-1) replicated to ``crm-prod-db-replica`` (ap-southeast-1).

    ``calls`` records every RDS operation the DR-region client sends.
    """
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_RDS", "DRY_RUN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", PRIMARY_REGION)
    with mock_aws():
        primary = _SESSION.client("rds", region_name=PRIMARY_REGION)
        source = primary.create_db_instance(
            DBInstanceIdentifier="crm-prod-db", Engine="postgres", DBInstanceClass="db.t3.medium",
            AllocatedStorage=20, MasterUsername="twenty_admin", MasterUserPassword="pw-12345678",
            MultiAZ=True,
        )["DBInstance"]
        dr = _SESSION.client("rds", region_name=DR_REGION)
        replica = dr.create_db_instance_read_replica(
            DBInstanceIdentifier="crm-prod-db-replica",
            SourceDBInstanceIdentifier=source["DBInstanceArn"],
            SourceRegion=PRIMARY_REGION, DBInstanceClass="db.t3.medium",
        )["DBInstance"]
        calls: List[tuple] = []
        dr.meta.events.register(
            "provide-client-params.rds.*",
            lambda params, model, **_: calls.append((model.name, dict(params))),
        )
        yield SimpleNamespace(dr=dr, primary=primary, calls=calls,
                              primary_arn=source["DBInstanceArn"],
                              replica_arn=replica["DBInstanceArn"])


def failover_event(primary_arn: str) -> dict:
    """The EventBridge event RdsFailoverRule (inventory B93) matches."""
    return {
        "version": "0",
        "id": "8a5c1c9f-0000-0000-0000-000000000000",
        "detail-type": "RDS DB Instance Event",
        "source": "aws.rds",
        "account": "123456789012",
        "region": PRIMARY_REGION,
        "resources": [primary_arn],
        "detail": {
            "EventCategories": ["failover"],
            "SourceType": "DB_INSTANCE",
            "SourceArn": primary_arn,
            "Message": "Multi-AZ instance failover started.",
            "SourceIdentifier": "crm-prod-db",
            "EventID": "RDS-EVENT-0013",
        },
    }
