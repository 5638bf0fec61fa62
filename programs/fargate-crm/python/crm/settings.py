"""The stack's configuration (``Engine.<stack>.toml``, ``[config]``), read once with its defaults.

Every key and default is the same in the Rust and TypeScript variants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

import engine_sdk as engine

US_EAST_1 = "us-east-1"
"""The region of everything global-by-contract: CloudFront's viewer certificate, the cost and usage
report (its type exists only there), and the cost alerts that go with it."""


@dataclass(frozen=True)
class Settings:
    prefix: str
    """Prefix of every fixed physical name (``crm-<stack>`` unless ``namePrefix`` is set)."""
    primary_region: str
    """The stack's region: almost every resource lives there."""
    dr_region: str
    """The disaster-recovery region: the read replica and the backup copy vault."""
    account_id: str
    partition: str
    zone_name: str
    """The hosted zone; its apex is the application's host name."""
    alert_email: str
    github_repo: str
    """``owner/repository`` of the pipeline's source."""
    github_branch: str
    availability_zones: List[str]
    vpc_cidr: str
    public_subnet_cidrs: List[str]
    private_subnet_cidrs: List[str]
    log_retention_days: int
    """Retention of the application and function log groups."""
    flow_logs_retention_days: int
    db_instance_class: str
    db_engine_version: str
    db_allocated_storage: int
    db_multi_az: bool
    db_backup_retention_days: int
    image_tag: str
    server_desired_count: int
    server_max_count: int
    worker_desired_count: int
    worker_max_count: int
    backup_retention_days: int
    dr_backup_retention_days: int
    monthly_budget: int
    budget_currency: str

    @staticmethod
    def load() -> "Settings":
        """Read the configuration (required keys fail with how to set them)."""
        config = engine.Config()

        def text(key: str, default: str) -> str:
            value = config.get(key)
            return default if value is None else value

        def number(key: str, default: int) -> int:
            value = config.get_int(key)
            return default if value is None else value

        def strings(key: str, default: List[str]) -> List[str]:
            value: Optional[List[str]] = config.get_object(key)
            return default if value is None else value

        region = engine.get_region()
        identity = engine.get_caller_identity()
        return Settings(
            prefix=text("namePrefix", f"crm-{engine.get_stack()}"),
            primary_region=region,
            dr_region=text("drRegion", "ap-southeast-1"),
            account_id=identity["account_id"],
            partition=identity["arn"].split(":")[1],
            zone_name=config.require("zoneName"),
            alert_email=config.require("alertEmail"),
            github_repo=config.require("gitHubRepo"),
            github_branch=text("gitHubBranch", "main"),
            availability_zones=strings("availabilityZones", [f"{region}a", f"{region}c"]),
            vpc_cidr=text("vpcCidr", "10.0.0.0/16"),
            public_subnet_cidrs=strings("publicSubnetCidrs", ["10.0.1.0/24", "10.0.2.0/24"]),
            private_subnet_cidrs=strings("privateSubnetCidrs", ["10.0.3.0/24", "10.0.4.0/24"]),
            log_retention_days=number("logRetentionDays", 30),
            flow_logs_retention_days=number("flowLogsRetentionDays", 14),
            db_instance_class=text("dbInstanceClass", "db.t3.medium"),
            db_engine_version=text("dbEngineVersion", "15.15"),
            db_allocated_storage=number("dbAllocatedStorage", 20),
            db_multi_az=config.get_bool("dbMultiAz") is not False,
            db_backup_retention_days=number("dbBackupRetentionDays", 7),
            image_tag=text("imageTag", "latest"),
            server_desired_count=number("serverDesiredCount", 2),
            server_max_count=number("serverMaxCount", 10),
            worker_desired_count=number("workerDesiredCount", 1),
            worker_max_count=number("workerMaxCount", 10),
            backup_retention_days=number("backupRetentionDays", 35),
            dr_backup_retention_days=number("drBackupRetentionDays", 90),
            monthly_budget=number("monthlyBudget", 1_000_000),
            budget_currency=text("budgetCurrency", "JPY"),
        )

    def name(self, suffix: str) -> str:
        """A fixed physical name: ``<prefix>-<suffix>``."""
        return f"{self.prefix}-{suffix}"

    def arn(self, service: str, region: str, resource: str) -> str:
        """An ARN of this account: ``arn:<partition>:<service>:<region>:<account>:<resource>``."""
        return f"arn:{self.partition}:{service}:{region}:{self.account_id}:{resource}"

    @property
    def origin_host(self) -> str:
        """The host name CloudFront reaches the load balancer by (the ALB certificate's name)."""
        return f"origin.{self.zone_name}"

