//! Benchmark: how long after an operation finishes in the cloud does the provider notice?
//!
//! Run with `cargo test -p engine-provider --release --test notice_latency -- --ignored --nocapture`.
//! For each local-cloud latency (the time a mutation takes to reach its terminal state) it runs
//! sequential creates and reports the time from the call to the provider returning, minus that
//! latency: the polling lag (plus the HTTP round trips).

use std::time::Duration;

use engine_local_cloud::{Config, Latency, LocalCloud};
use engine_provider::{OpOptions, Provider, ProviderConfig, client_token};
use serde_json::json;

async fn measure(latency_ms: u64, runs: usize, honour_retry_after: bool) -> Vec<Duration> {
    let dir = tempfile::tempdir().expect("temp dir");
    let latency = if latency_ms == 0 {
        Latency::Zero
    } else {
        Latency::Fixed(latency_ms)
    };
    let cloud = LocalCloud::start(Config::new(dir.path()).latency(latency)).await.expect("local cloud");
    let mut config = ProviderConfig::endpoint(cloud.endpoint(), "us-east-1");
    if !honour_retry_after {
        // The poll schedule alone, as against a cloud that sends no RetryAfter.
        config.poll.max_retry_after = Duration::ZERO;
    }
    let provider = Provider::new(config).await.expect("provider");
    let mut lags = Vec::with_capacity(runs);
    for run in 0..runs {
        let name = format!("notice-{latency_ms}-{run}");
        let done = provider
            .create(
                "AWS::Logs::LogGroup",
                &json!({ "LogGroupName": name }),
                &client_token(&[&name]),
                &OpOptions::default(),
            )
            .await
            .expect("create");
        lags.push(done.elapsed.saturating_sub(Duration::from_millis(latency_ms)));
    }
    cloud.shutdown().await.expect("shutdown");
    lags
}

#[tokio::test]
#[ignore = "benchmark: prints the completion-notice lag at 0, 500 and 2000 ms local latency (~1.5 min)"]
async fn completion_notice_lag() {
    for (latency_ms, honour) in [(0u64, true), (500, true), (2_000, true), (500, false), (2_000, false)] {
        let mut lags = measure(latency_ms, 20, honour).await;
        lags.sort();
        let median = lags[lags.len() / 2];
        let max = lags[lags.len() - 1];
        println!(
            "latency {latency_ms:>5} ms, RetryAfter {}: noticed after latency + median {:.0} ms, max {:.0} ms (20 creates)",
            if honour { "honoured" } else { "ignored " },
            median.as_secs_f64() * 1000.0,
            max.as_secs_f64() * 1000.0
        );
        assert!(max <= Duration::from_millis(1_100), "lag {max:?} at {latency_ms} ms");
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: 1,000 concurrent creates and deletes on a zero-latency local cloud"]
async fn thousand_creates_and_deletes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cloud = LocalCloud::start(Config::new(dir.path())).await.expect("local cloud");
    let provider = Provider::new(ProviderConfig::endpoint(cloud.endpoint(), "us-east-1"))
        .await
        .expect("provider");
    for phase in ["create", "delete"] {
        let started = std::time::Instant::now();
        let tasks: Vec<_> = (0..1000)
            .map(|index| {
                let provider = provider.clone();
                tokio::spawn(async move {
                    let name = format!("bulk-{index}");
                    let token = client_token(&[phase, &name]);
                    if phase == "create" {
                        provider
                            .create("AWS::Logs::LogGroup", &json!({ "LogGroupName": name }), &token, &OpOptions::default())
                            .await
                    } else {
                        provider.delete("AWS::Logs::LogGroup", &name, &token, &OpOptions::default()).await
                    }
                })
            })
            .collect();
        let mut requests = 0;
        for task in tasks {
            requests += task.await.expect("task").expect("operation").requests;
        }
        println!(
            "1000 {phase}s: {:.2} s, {requests} requests",
            started.elapsed().as_secs_f64()
        );
    }
    cloud.shutdown().await.expect("shutdown");
}
