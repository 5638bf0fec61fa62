//! Provider configuration.

use std::time::Duration;

use crate::backoff::{PollConfig, RetryConfig};
use crate::limiter::RateLimitConfig;

/// Which cloud the provider talks to. Both go through `aws-sdk-cloudcontrol`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cloud {
    /// AWS, through the standard configuration chain: environment (`AWS_ACCESS_KEY_ID`,
    /// `AWS_PROFILE`, `AWS_REGION`, `AWS_ENDPOINT_URL_CLOUDCONTROL`...), shared config and
    /// credentials files, SSO, credential processes, web identity, container and instance
    /// metadata.
    Aws {
        /// A named profile (`None`: `AWS_PROFILE` or `default`).
        profile: Option<String>,
    },
    /// A Cloud Control-compatible endpoint such as the local cloud (which also serves STS
    /// `GetCallerIdentity` and EC2 `DescribeAvailabilityZones` on the same port). Static
    /// credentials; plain `http://` is fine. Nothing is read from the environment.
    Endpoint {
        /// `http://127.0.0.1:PORT`.
        url: String,
    },
}

/// Everything the provider needs. Start from [`ProviderConfig::aws`] or
/// [`ProviderConfig::endpoint`] and adjust fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderConfig {
    pub cloud: Cloud,
    /// The region used when an operation names none. `None` with [`Cloud::Aws`]: the chain's
    /// region (`AWS_REGION`, profile); it is an error if there is none.
    pub default_region: Option<String>,
    /// Adaptive rate limit, one limiter per region (a provider has one set of credentials,
    /// so one account: per region is per account and region).
    pub rate_limit: RateLimitConfig,
    pub poll: PollConfig,
    pub retry: RetryConfig,
    /// Deadline of an operation whose [`crate::OpOptions::timeout`] is `None`: 120 minutes,
    /// Cloud Control's default handler timeout.
    pub default_timeout: Duration,
    /// Timeout of one HTTP attempt (connect + response). A hung connection is retried.
    pub attempt_timeout: Duration,
    /// Connect timeout of one HTTP attempt.
    pub connect_timeout: Duration,
    /// After a deadline, how long cancelling the in-flight request may take (cancel call plus
    /// waiting for `CANCEL_COMPLETE`).
    pub cancel_grace: Duration,
    /// Most HTTP requests in flight at once (all regions): bounds sockets and memory when
    /// thousands of operations run; waiting operations hold no slot.
    pub max_in_flight: usize,
}

impl ProviderConfig {
    /// AWS through the standard chain, with AWS rate limits.
    pub fn aws(default_region: Option<String>) -> Self {
        ProviderConfig {
            cloud: Cloud::Aws { profile: None },
            default_region,
            rate_limit: RateLimitConfig::aws(),
            poll: PollConfig::default(),
            retry: RetryConfig::default(),
            default_timeout: Duration::from_secs(120 * 60),
            attempt_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            cancel_grace: Duration::from_secs(15),
            max_in_flight: 64,
        }
    }

    /// An explicit endpoint (the local cloud) with static credentials and local-cloud rate limits.
    pub fn endpoint(url: impl Into<String>, default_region: impl Into<String>) -> Self {
        ProviderConfig {
            cloud: Cloud::Endpoint { url: url.into() },
            default_region: Some(default_region.into()),
            rate_limit: RateLimitConfig::local(),
            connect_timeout: Duration::from_secs(5),
            ..ProviderConfig::aws(None)
        }
    }
}

/// The static credentials used with [`Cloud::Endpoint`].
pub const ENDPOINT_ACCESS_KEY_ID: &str = "AKIAENGINELOCAL00000";
/// The static secret used with [`Cloud::Endpoint`].
pub const ENDPOINT_SECRET_ACCESS_KEY: &str = "engine-local-cloud-secret";
