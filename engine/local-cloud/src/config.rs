//! Settings of a local cloud: where it keeps data, where it listens, and what it injects.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::Error;

/// How long mutations take before they reach their terminal state.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Latency {
    /// Terminal at the next request (still reported IN_PROGRESS first).
    #[default]
    Zero,
    /// The same duration for every operation, in milliseconds.
    Fixed(u64),
    /// Per-type durations close to AWS's (a bucket seconds, an RDS instance minutes), multiplied
    /// by `factor` (`0.01` runs a realistic cloud 100× faster).
    Realistic { factor: f64 },
}

impl Latency {
    /// Parse `MS`, `realistic` or `realistic:FACTOR`.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let text = text.trim();
        if let Some(rest) = text.strip_prefix("realistic") {
            let factor = match rest.strip_prefix(':') {
                Some(f) => f.parse::<f64>().map_err(|_| Error::Config(format!("bad latency factor {f:?}")))?,
                None if rest.is_empty() => 1.0,
                None => return Err(Error::Config(format!("bad latency {text:?}"))),
            };
            if !(factor.is_finite() && factor >= 0.0) {
                return Err(Error::Config(format!("latency factor must be a non-negative number, not {factor}")));
            }
            return Ok(Self::Realistic { factor });
        }
        let ms = text.trim_end_matches("ms");
        match ms.parse::<u64>() {
            Ok(0) => Ok(Self::Zero),
            Ok(ms) => Ok(Self::Fixed(ms)),
            Err(_) => Err(Error::Config(format!(
                "bad latency {text:?}: expected milliseconds, `realistic` or `realistic:FACTOR`"
            ))),
        }
    }
}

/// A targeted failure: mutations of matching resources fail with `code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailRule {
    /// A type name, `*` globs allowed (`AWS::RDS::*`).
    pub type_glob: String,
    /// Matched against the resource's identifier and its name-like properties; `None` = all.
    pub name_glob: Option<String>,
    /// A Cloud Control `HandlerErrorCode` (`ServiceLimitExceeded`, `NotStabilized`, ...).
    pub code: String,
}

/// The handler error codes Cloud Control reports.
pub const HANDLER_ERROR_CODES: &[&str] = &[
    "NotUpdatable",
    "InvalidRequest",
    "AccessDenied",
    "UnauthorizedTaggingOperation",
    "InvalidCredentials",
    "AlreadyExists",
    "NotFound",
    "ResourceConflict",
    "Throttling",
    "ServiceLimitExceeded",
    "NotStabilized",
    "GeneralServiceException",
    "ServiceInternalError",
    "ServiceTimeout",
    "NetworkFailure",
    "InternalFailure",
];

impl FailRule {
    /// Parse `TYPE[:NAME_GLOB]=ErrorCode`.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let (target, code) = text
            .rsplit_once('=')
            .ok_or_else(|| Error::Config(format!("bad --fail rule {text:?}: expected TYPE[:NAME_GLOB]=ErrorCode")))?;
        let code = code.trim();
        if !HANDLER_ERROR_CODES.contains(&code) {
            return Err(Error::Config(format!(
                "bad --fail rule {text:?}: unknown error code {code:?} (one of {})",
                HANDLER_ERROR_CODES.join(", ")
            )));
        }
        // The type has `::` separators: the name glob follows the last single `:`.
        let (type_glob, name_glob) = split_type_and_name(target.trim());
        if type_glob.is_empty() {
            return Err(Error::Config(format!("bad --fail rule {text:?}: missing type")));
        }
        Ok(Self { type_glob, name_glob, code: code.to_owned() })
    }
}

fn split_type_and_name(target: &str) -> (String, Option<String>) {
    let bytes = target.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b':' {
            if i + 1 < bytes.len() && bytes[i + 1] == b':' {
                i += 2;
                continue;
            }
            return (target[..i].to_owned(), Some(target[i + 1..].to_owned()));
        }
        i += 1;
    }
    (target.to_owned(), None)
}

/// `*` and `?` globbing.
#[must_use]
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Everything a local cloud needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where resources, objects and request records live (created if missing).
    pub data_dir: PathBuf,
    /// `127.0.0.1:0` picks a free port.
    pub listen: String,
    pub latency: Latency,
    /// Requests per second per account and region; `None` = unlimited.
    pub throttle_rps: Option<f64>,
    /// Probability (0..=1) that a mutation fails with a retriable error.
    pub fail_rate: f64,
    /// Seed of the random failures and of generated ids (`None`: from the clock).
    pub seed: Option<u64>,
    pub fail_rules: Vec<FailRule>,
    /// Compact the journal into a snapshot after this many records (and at shutdown).
    pub compact_after: usize,
}

impl Config {
    /// A config with defaults: listen on a free loopback port, zero latency, no faults.
    #[must_use]
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            listen: "127.0.0.1:0".to_owned(),
            latency: Latency::Zero,
            throttle_rps: None,
            fail_rate: 0.0,
            seed: None,
            fail_rules: Vec::new(),
            compact_after: 50_000,
        }
    }

    #[must_use]
    pub fn listen(mut self, addr: impl Into<String>) -> Self {
        self.listen = addr.into();
        self
    }

    #[must_use]
    pub fn latency(mut self, latency: Latency) -> Self {
        self.latency = latency;
        self
    }

    #[must_use]
    pub fn throttle_rps(mut self, rps: f64) -> Self {
        self.throttle_rps = Some(rps);
        self
    }

    #[must_use]
    pub fn fail_rate(mut self, rate: f64, seed: u64) -> Self {
        self.fail_rate = rate;
        self.seed = Some(seed);
        self
    }

    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    #[must_use]
    pub fn fail(mut self, rule: FailRule) -> Self {
        self.fail_rules.push(rule);
        self
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        if !(0.0..=1.0).contains(&self.fail_rate) {
            return Err(Error::Config(format!("fail rate must be between 0 and 1, not {}", self.fail_rate)));
        }
        if let Some(rps) = self.throttle_rps
            && !(rps.is_finite() && rps > 0.0) {
                return Err(Error::Config(format!("throttle must be a positive number of requests per second, not {rps}")));
            }
        Ok(())
    }
}

/// Seconds a mutation takes on AWS, roughly, per type (`Latency::Realistic`).
#[must_use]
pub fn realistic_seconds(type_name: &str, operation: &str) -> f64 {
    let create = match type_name {
        "AWS::RDS::DBInstance" => 600.0,
        "AWS::RDS::DBCluster" => 420.0,
        "AWS::ElastiCache::ReplicationGroup" | "AWS::ElastiCache::CacheCluster" => 540.0,
        "AWS::CloudFront::Distribution" => 300.0,
        "AWS::RDS::DBProxy" => 300.0,
        "AWS::EKS::Cluster" => 600.0,
        "AWS::EC2::NatGateway" => 100.0,
        "AWS::CertificateManager::Certificate" => 60.0,
        "AWS::ElasticLoadBalancingV2::LoadBalancer" => 180.0,
        "AWS::ECS::Service" => 90.0,
        "AWS::EC2::VPCEndpoint" => 60.0,
        "AWS::DynamoDB::Table" => 15.0,
        "AWS::Lambda::Function" => 8.0,
        "AWS::IAM::Role" | "AWS::IAM::ManagedPolicy" | "AWS::IAM::User" => 4.0,
        "AWS::Route53::HostedZone" | "AWS::Route53::RecordSet" => 45.0,
        "AWS::S3::Bucket" => 3.0,
        "AWS::EC2::VPC" | "AWS::EC2::Subnet" | "AWS::EC2::SecurityGroup" => 4.0,
        _ => 5.0,
    };
    match operation {
        "UPDATE" => (create * 0.5_f64).max(2.0),
        "DELETE" => (create * 0.6_f64).max(2.0),
        _ => create,
    }
}

pub(crate) fn latency_for(latency: Latency, type_name: &str, operation: &str) -> Duration {
    match latency {
        Latency::Zero => Duration::ZERO,
        Latency::Fixed(ms) => Duration::from_millis(ms),
        Latency::Realistic { factor } => Duration::from_secs_f64(realistic_seconds(type_name, operation) * factor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_flags() {
        assert_eq!(Latency::parse("0").unwrap(), Latency::Zero);
        assert_eq!(Latency::parse("250").unwrap(), Latency::Fixed(250));
        assert_eq!(Latency::parse("realistic").unwrap(), Latency::Realistic { factor: 1.0 });
        assert_eq!(Latency::parse("realistic:0.01").unwrap(), Latency::Realistic { factor: 0.01 });
        assert!(Latency::parse("fast").is_err());
        let rule = FailRule::parse("AWS::S3::Bucket:logs-*=ServiceLimitExceeded").unwrap();
        assert_eq!(rule.type_glob, "AWS::S3::Bucket");
        assert_eq!(rule.name_glob.as_deref(), Some("logs-*"));
        let rule = FailRule::parse("AWS::RDS::*=NotStabilized").unwrap();
        assert_eq!((rule.type_glob.as_str(), rule.name_glob), ("AWS::RDS::*", None));
        assert!(FailRule::parse("AWS::S3::Bucket=Nope").is_err());
        assert!(FailRule::parse("AWS::S3::Bucket").is_err());
    }

    #[test]
    fn globs() {
        assert!(glob_match("logs-*", "logs-1"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a?c*", "abcdef"));
        assert!(!glob_match("a?c", "abcd"));
        assert!(glob_match("AWS::RDS::*", "AWS::RDS::DBInstance"));
        assert!(!glob_match("AWS::RDS::*", "AWS::S3::Bucket"));
    }

    #[test]
    fn realistic_latency_scales() {
        let slow = latency_for(Latency::Realistic { factor: 1.0 }, "AWS::RDS::DBInstance", "CREATE");
        let fast = latency_for(Latency::Realistic { factor: 0.01 }, "AWS::RDS::DBInstance", "CREATE");
        assert!(slow >= Duration::from_secs(300));
        assert_eq!(fast, Duration::from_secs(6));
        assert!(latency_for(Latency::Realistic { factor: 1.0 }, "AWS::S3::Bucket", "CREATE") < Duration::from_secs(10));
    }
}
