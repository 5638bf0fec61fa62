"""PromoteReplicaFunction (inventory B92, Handler: index.handler).

Promotes the cross-region read replica REPLICA_ARN (in REPLICA_REGION) when the RDS
failover rule fires, or when invoked with {"promote": true}. Idempotent: an instance
that is no longer a replica is left alone. DRY_RUN=true only logs.
Kept under 4096 bytes so the program may inline it as Code.ZipFile.
"""
import json
import os

import boto3


class NotReady(Exception):
    """The replica cannot be promoted now; raising lets Lambda retry."""


def log(msg, **kw):
    print(json.dumps({"level": kw.pop("level", "INFO"), "message": msg, **kw}, default=str))


def is_trigger(event):
    """True for an aws.rds failover event or a manual {"promote": true}."""
    if not isinstance(event, dict):
        return False
    if event.get("promote") is True:
        return True
    cats = (event.get("detail") or {}).get("EventCategories") or []
    return event.get("source") == "aws.rds" and "failover" in [str(c).lower() for c in cats]


def replica_id(arn):
    """DB instance identifier of an RDS ARN (or the value itself)."""
    return arn.split(":db:", 1)[1] if ":db:" in arn else arn


def region_of(arn):
    parts = arn.split(":")
    return parts[3] if arn.startswith("arn:") and len(parts) > 3 else None


def promote(event, rds, arn, dry_run=False):
    """Decide and act; returns {"action": ...}."""
    if not is_trigger(event):
        log("ignored: not a failover event", source=(event or {}).get("source")
            if isinstance(event, dict) else None)
        return {"action": "ignored"}
    found = rds.describe_db_instances(DBInstanceIdentifier=arn)["DBInstances"]
    if not found:
        raise NotReady("replica %s not found" % arn)
    db = found[0]
    source = db.get("ReadReplicaSourceDBInstanceIdentifier")
    if not source:
        log("already promoted", replica=arn)
        return {"action": "already-promoted"}
    status = db.get("DBInstanceStatus")
    if status != "available":
        raise NotReady("replica %s is %s, not available; retry later" % (arn, status))
    if dry_run:
        log("dry run: would promote", replica=arn, source=source)
        return {"action": "dry-run"}
    rds.promote_read_replica(DBInstanceIdentifier=replica_id(arn))
    log("promotion started", replica=arn, former_source=source, level="WARNING")
    return {"action": "promoted"}


def handler(event, context=None):
    arn = os.environ.get("REPLICA_ARN")
    if not arn:
        raise RuntimeError("environment variable REPLICA_ARN is not set")
    region = os.environ.get("REPLICA_REGION") or region_of(arn)
    dry = os.environ.get("DRY_RUN", "").lower() in ("1", "true", "yes")
    return promote(event, boto3.client("rds", region_name=region), arn, dry)
