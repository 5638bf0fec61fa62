//! `Cloud::Aws` goes through the standard AWS configuration chain: region, credentials and
//! per-service endpoints (`AWS_ENDPOINT_URL_CLOUDCONTROL`, `_STS`, `_EC2`) come from the
//! environment. The endpoints point at a local cloud, so this runs offline.
//!
//! One test in its own binary: it sets process environment variables.

use engine_local_cloud::{Config, LocalCloud};
use engine_provider::{OpOptions, Provider, ProviderConfig, client_token};
use serde_json::json;

#[tokio::test]
async fn aws_chain_reads_region_credentials_and_service_endpoints_from_the_environment() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cloud = LocalCloud::start(Config::new(dir.path())).await.expect("local cloud");
    let endpoint = cloud.endpoint();
    let missing = dir.path().join("no-such-file");
    let variables = [
        ("AWS_ACCESS_KEY_ID", "AKIACHAINTEST0000000"),
        ("AWS_SECRET_ACCESS_KEY", "chain-test-secret"),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ENDPOINT_URL_CLOUDCONTROL", endpoint.as_str()),
        ("AWS_ENDPOINT_URL_STS", endpoint.as_str()),
        ("AWS_ENDPOINT_URL_EC2", endpoint.as_str()),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_CONFIG_FILE", missing.to_str().unwrap()),
        ("AWS_SHARED_CREDENTIALS_FILE", missing.to_str().unwrap()),
    ];
    // SAFETY: this binary has a single test, and the variables are set before any other thread
    // reads the environment (the SDK reads it when the provider loads its configuration).
    #[allow(unsafe_code)]
    unsafe {
        std::env::remove_var("AWS_PROFILE");
        std::env::remove_var("AWS_ENDPOINT_URL");
        for (name, value) in variables {
            std::env::set_var(name, value);
        }
    }

    let provider = Provider::new(ProviderConfig::aws(None)).await.expect("provider from the chain");
    assert_eq!(provider.default_region(), "eu-west-1");

    let done = provider
        .create(
            "AWS::Logs::LogGroup",
            &json!({"LogGroupName": "from-chain"}),
            &client_token(&["chain"]),
            &OpOptions::default(),
        )
        .await
        .expect("create through AWS_ENDPOINT_URL_CLOUDCONTROL");
    assert_eq!(done.identifier.as_deref(), Some("from-chain"));
    let read = provider
        .get("AWS::Logs::LogGroup", "from-chain", &OpOptions::default())
        .await
        .unwrap()
        .expect("exists");
    assert!(read.properties["Arn"].as_str().unwrap().contains(":eu-west-1:"));

    let identity = provider.caller_identity(&OpOptions::default()).await.expect("STS via AWS_ENDPOINT_URL_STS");
    assert_eq!(identity.account, engine_local_cloud::ACCOUNT_ID);
    let zones = provider
        .availability_zones(&OpOptions::default())
        .await
        .expect("EC2 via AWS_ENDPOINT_URL_EC2");
    assert!(zones.iter().all(|zone| zone.name.starts_with("eu-west-1")) && !zones.is_empty());

    // Without credentials anywhere in the chain, calls fail at once with the chain's explanation
    // (not after a series of retries).
    // SAFETY: as above, single test; no other thread reads the environment now.
    #[allow(unsafe_code)]
    unsafe {
        std::env::remove_var("AWS_ACCESS_KEY_ID");
        std::env::remove_var("AWS_SECRET_ACCESS_KEY");
    }
    let without = Provider::new(ProviderConfig::aws(None)).await.expect("provider loads");
    let started = std::time::Instant::now();
    let error = without
        .get("AWS::Logs::LogGroup", "from-chain", &OpOptions::default())
        .await
        .expect_err("no credentials");
    assert!(
        matches!(error, engine_provider::ProviderError::Transport { attempts: 1, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("credentials"), "{error}");
    eprintln!("no-credentials error: {error}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());

    // The local cloud saw the resource in the chain's region.
    cloud.shutdown().await.unwrap();
    let listing = engine_local_cloud::list_resources(dir.path()).unwrap();
    assert_eq!(listing.len(), 1);
    assert_eq!(listing[0].region, "eu-west-1");
}
