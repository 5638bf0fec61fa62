//! The stack's configuration (`Engine.<stack>.toml`, `[config]`), read once with its defaults.
//!
//! Every key and default is the same in the Python and TypeScript variants.

use engine_sdk::prelude::*;

/// The region of everything global-by-contract: CloudFront's viewer certificate, the cost and
/// usage report (its type exists only there), and the cost alerts that go with it.
pub const US_EAST_1: &str = "us-east-1";

/// Everything the program reads from the stack's configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Prefix of every fixed physical name (`crm-<stack>` unless `namePrefix` is set).
    pub prefix: String,
    /// The stack's region: almost every resource lives there.
    pub primary_region: String,
    /// The disaster-recovery region: the read replica and the backup copy vault.
    pub dr_region: String,
    /// The account the program deploys into, and its partition (from the caller identity).
    pub account_id: String,
    pub partition: String,
    /// The hosted zone; its apex is the application's host name.
    pub zone_name: String,
    pub alert_email: String,
    /// `owner/repository` of the pipeline's source.
    pub github_repo: String,
    pub github_branch: String,
    pub availability_zones: Vec<String>,
    pub vpc_cidr: String,
    pub public_subnet_cidrs: Vec<String>,
    pub private_subnet_cidrs: Vec<String>,
    /// Retention of the application and function log groups.
    pub log_retention_days: i64,
    pub flow_logs_retention_days: i64,
    pub db_instance_class: String,
    pub db_engine_version: String,
    pub db_allocated_storage: i64,
    pub db_multi_az: bool,
    pub db_backup_retention_days: i64,
    pub image_tag: String,
    pub server_desired_count: i64,
    pub server_max_count: i64,
    pub worker_desired_count: i64,
    pub worker_max_count: i64,
    pub backup_retention_days: i64,
    pub dr_backup_retention_days: i64,
    pub monthly_budget: i64,
    pub budget_currency: String,
}

impl Settings {
    /// Read the configuration (required keys fail with how to set them).
    pub async fn load(ctx: &Context) -> Result<Settings> {
        let config = ctx.config();
        let text = |key: &str, default: &str| config.get(key).unwrap_or_else(|| default.to_owned());
        let int = |key: &str, default: i64| -> Result<i64> { Ok(config.get_i64(key)?.unwrap_or(default)) };
        let strings = |key: &str, default: &[&str]| -> Result<Vec<String>> {
            Ok(config
                .get_object::<Vec<String>>(key)?
                .unwrap_or_else(|| default.iter().map(|s| (*s).to_owned()).collect()))
        };
        let primary_region = ctx.region().to_owned();
        let identity = ctx.get_caller_identity().await?;
        let partition = identity.arn.split(':').nth(1).unwrap_or("aws").to_owned();
        let zones_default = [format!("{primary_region}a"), format!("{primary_region}c")];
        Ok(Settings {
            prefix: config.get("namePrefix").unwrap_or_else(|| format!("crm-{}", ctx.stack())),
            dr_region: text("drRegion", "ap-southeast-1"),
            account_id: identity.account_id,
            partition,
            zone_name: config.require("zoneName")?,
            alert_email: config.require("alertEmail")?,
            github_repo: config.require("gitHubRepo")?,
            github_branch: text("gitHubBranch", "main"),
            availability_zones: strings("availabilityZones", &[zones_default[0].as_str(), zones_default[1].as_str()])?,
            vpc_cidr: text("vpcCidr", "10.0.0.0/16"),
            public_subnet_cidrs: strings("publicSubnetCidrs", &["10.0.1.0/24", "10.0.2.0/24"])?,
            private_subnet_cidrs: strings("privateSubnetCidrs", &["10.0.3.0/24", "10.0.4.0/24"])?,
            log_retention_days: int("logRetentionDays", 30)?,
            flow_logs_retention_days: int("flowLogsRetentionDays", 14)?,
            db_instance_class: text("dbInstanceClass", "db.t3.medium"),
            db_engine_version: text("dbEngineVersion", "15.15"),
            db_allocated_storage: int("dbAllocatedStorage", 20)?,
            db_multi_az: config.get_bool("dbMultiAz")?.unwrap_or(true),
            db_backup_retention_days: int("dbBackupRetentionDays", 7)?,
            image_tag: text("imageTag", "latest"),
            server_desired_count: int("serverDesiredCount", 2)?,
            server_max_count: int("serverMaxCount", 10)?,
            worker_desired_count: int("workerDesiredCount", 1)?,
            worker_max_count: int("workerMaxCount", 10)?,
            backup_retention_days: int("backupRetentionDays", 35)?,
            dr_backup_retention_days: int("drBackupRetentionDays", 90)?,
            monthly_budget: int("monthlyBudget", 1_000_000)?,
            budget_currency: text("budgetCurrency", "JPY"),
            primary_region,
        })
    }

    /// A fixed physical name: `<prefix>-<suffix>`.
    pub fn name(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.prefix)
    }

    /// An ARN of this account: `arn:<partition>:<service>:<region>:<account>:<resource>`.
    pub fn arn(&self, service: &str, region: &str, resource: &str) -> String {
        format!("arn:{}:{service}:{region}:{}:{resource}", self.partition, self.account_id)
    }

    /// The host name CloudFront reaches the load balancer by (the ALB certificate's name).
    pub fn origin_host(&self) -> String {
        format!("origin.{}", self.zone_name)
    }
}
