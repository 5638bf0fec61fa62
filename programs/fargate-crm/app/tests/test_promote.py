"""PromoteReplicaFunction against RDS in moto (cross-region replica)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

import index
from conftest import APP_DIR, DR_REGION, failover_event


def operations(rds):
    return [name for name, _ in rds.calls]


def test_failover_event_promotes_the_replica(rds, capsys):
    result = index.promote(failover_event(rds.primary_arn), rds.dr, rds.replica_arn)
    assert result == {"action": "promoted"}
    assert rds.calls[-1] == ("PromoteReadReplica", {"DBInstanceIdentifier": "crm-prod-db-replica"})
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert line["message"] == "promotion started"
    assert line["former_source"] == rds.primary_arn


def test_manual_invocation_promotes(rds):
    assert index.promote({"promote": True}, rds.dr, rds.replica_arn) == {"action": "promoted"}
    assert "PromoteReadReplica" in operations(rds)


@pytest.mark.parametrize(
    "event",
    [
        {"source": "aws.rds", "detail": {"EventCategories": ["backup"]}},
        {"source": "aws.ec2", "detail": {"EventCategories": ["failover"]}},
        {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}},
        {"promote": "yes"},
        {},
        None,
        "failover",
    ],
)
def test_other_events_are_ignored_without_any_call(rds, event):
    assert index.promote(event, rds.dr, rds.replica_arn) == {"action": "ignored"}
    assert rds.calls == []


def test_dry_run_only_describes(rds):
    result = index.promote(failover_event(rds.primary_arn), rds.dr, rds.replica_arn, dry_run=True)
    assert result == {"action": "dry-run"}
    assert operations(rds) == ["DescribeDBInstances"]


def test_an_instance_that_is_no_longer_a_replica_is_left_alone(rds):
    standalone = rds.dr.create_db_instance(
        DBInstanceIdentifier="crm-prod-db-promoted", Engine="postgres",
        DBInstanceClass="db.t3.medium", AllocatedStorage=20, MasterUsername="u",
        MasterUserPassword="pw-12345678",
    )["DBInstance"]
    rds.calls.clear()
    result = index.promote(failover_event(rds.primary_arn), rds.dr, standalone["DBInstanceArn"])
    assert result == {"action": "already-promoted"}
    assert operations(rds) == ["DescribeDBInstances"]


def test_a_missing_replica_is_an_error(rds):
    arn = f"arn:aws:rds:{DR_REGION}:123456789012:db:nope"
    with pytest.raises(Exception) as exc:
        index.promote(failover_event(rds.primary_arn), rds.dr, arn)
    assert "nope" in str(exc.value)
    assert "PromoteReadReplica" not in operations(rds)


def test_a_busy_replica_raises_so_lambda_retries():
    client = boto3.client("rds", region_name=DR_REGION, aws_access_key_id="x",
                          aws_secret_access_key="x")
    arn = f"arn:aws:rds:{DR_REGION}:123456789012:db:crm-prod-db-replica"
    with Stubber(client) as stub:
        stub.add_response("describe_db_instances", {"DBInstances": [{
            "DBInstanceIdentifier": "crm-prod-db-replica", "DBInstanceStatus": "modifying",
            "ReadReplicaSourceDBInstanceIdentifier": "arn:aws:rds:ap-northeast-1:1:db:crm-prod-db",
        }]}, {"DBInstanceIdentifier": arn})
        with pytest.raises(index.NotReady, match="is modifying, not available"):
            index.promote({"promote": True}, client, arn)
        stub.assert_no_pending_responses()


def test_handler_reads_its_environment(rds, monkeypatch):
    monkeypatch.setenv("REPLICA_ARN", rds.replica_arn)
    monkeypatch.setenv("REPLICA_REGION", DR_REGION)
    monkeypatch.setenv("DRY_RUN", "true")
    assert index.handler(failover_event(rds.primary_arn), None) == {"action": "dry-run"}
    monkeypatch.delenv("DRY_RUN")
    assert index.handler(failover_event(rds.primary_arn), None) == {"action": "promoted"}


def test_handler_region_defaults_to_the_arn_region(rds, monkeypatch):
    monkeypatch.setenv("REPLICA_ARN", rds.replica_arn)
    monkeypatch.delenv("REPLICA_REGION", raising=False)
    # the replica exists only in the DR region, so this succeeds only if that region is used
    assert index.handler({"promote": True}, None) == {"action": "promoted"}


def test_handler_without_replica_arn_says_so(monkeypatch):
    monkeypatch.delenv("REPLICA_ARN", raising=False)
    with pytest.raises(RuntimeError, match="REPLICA_ARN is not set"):
        index.handler({"promote": True}, None)


def test_source_fits_inline_zipfile_limit():
    # CloudFormation/Cloud Control inline code (Code.ZipFile) is limited to 4096 characters.
    assert len((Path(APP_DIR) / "index.py").read_text()) <= 4096
