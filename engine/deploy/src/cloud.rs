//! Which cloud a stack talks to.
//!
//! - `local`: the local cloud embedded in this process, its data in the project's
//!   `.engine/local-cloud/`, unless `ENGINE_LOCAL_CLOUD_URL` names one already running. The
//!   embedded one has no latency unless `ENGINE_LOCAL_CLOUD_LATENCY` says otherwise
//!   (milliseconds, `realistic` or `realistic:FACTOR`, as `engine local-cloud --latency`), and
//!   throttles when `ENGINE_LOCAL_CLOUD_THROTTLE_RPS` (requests per second) is set.
//! - `aws`: the standard AWS configuration chain (profiles, SSO, environment,
//!   `AWS_ENDPOINT_URL_CLOUDCONTROL`).
//!
//! Either way every operation goes through `engine-provider` (aws-sdk-cloudcontrol).

use std::path::Path;
use std::sync::Arc;

use engine_provider::{Provider, ProviderConfig};

use crate::error::{DeployError, Result};

pub const LOCAL_CLOUD_URL_ENV: &str = "ENGINE_LOCAL_CLOUD_URL";
pub const LOCAL_CLOUD_LATENCY_ENV: &str = "ENGINE_LOCAL_CLOUD_LATENCY";
pub const LOCAL_CLOUD_THROTTLE_ENV: &str = "ENGINE_LOCAL_CLOUD_THROTTLE_RPS";

/// The provider for a stack, and the embedded local cloud if one was started.
pub struct CloudHandle {
    pub provider: Arc<Provider>,
    embedded: Option<engine_local_cloud::Running>,
    /// `local cloud (embedded)`, `local cloud at URL`, `aws`.
    pub description: String,
}

impl CloudHandle {
    /// Connect to the stack's cloud. `engine_dir` is the project's `.engine/`.
    pub async fn connect(cloud: engine_config::Cloud, region: &str, engine_dir: &Path) -> Result<Self> {
        match cloud {
            engine_config::Cloud::Local => {
                if let Some(url) = std::env::var(LOCAL_CLOUD_URL_ENV).ok().filter(|u| !u.trim().is_empty()) {
                    let provider = Provider::new(ProviderConfig::endpoint(url.clone(), region)).await?;
                    return Ok(Self {
                        provider: Arc::new(provider),
                        embedded: None,
                        description: format!("local cloud at {url}"),
                    });
                }
                let mut config = engine_local_cloud::Config::new(engine_dir.join("local-cloud"));
                if let Ok(latency) = std::env::var(LOCAL_CLOUD_LATENCY_ENV) {
                    config.latency = engine_local_cloud::Latency::parse(&latency)
                        .map_err(|e| DeployError::Cloud(format!("{LOCAL_CLOUD_LATENCY_ENV}: {e}")))?;
                }
                if let Ok(rps) = std::env::var(LOCAL_CLOUD_THROTTLE_ENV) {
                    let rps: f64 = rps
                        .trim()
                        .parse()
                        .map_err(|_| DeployError::Cloud(format!("{LOCAL_CLOUD_THROTTLE_ENV}: not a number: {rps}")))?;
                    config = config.throttle_rps(rps);
                }
                let running = engine_local_cloud::LocalCloud::start(config).await.map_err(|e| {
                    DeployError::Cloud(format!(
                        "cannot start the local cloud in {}: {e}",
                        engine_dir.join("local-cloud").display()
                    ))
                })?;
                let provider = Provider::new(ProviderConfig::endpoint(running.endpoint(), region)).await?;
                Ok(Self {
                    provider: Arc::new(provider),
                    embedded: Some(running),
                    description: "local cloud".to_owned(),
                })
            }
            engine_config::Cloud::Aws => {
                let provider = Provider::new(ProviderConfig::aws(Some(region.to_owned()))).await?;
                Ok(Self { provider: Arc::new(provider), embedded: None, description: "aws".to_owned() })
            }
        }
    }

    /// Stop the embedded local cloud (flushing its data), if any.
    pub async fn shutdown(self) -> Result<()> {
        if let Some(running) = self.embedded {
            running.shutdown().await.map_err(|e| DeployError::Cloud(format!("stopping the local cloud: {e}")))?;
        }
        Ok(())
    }
}
