//! The provider against the real local cloud (`engine_local_cloud::LocalCloud`), over HTTP,
//! through aws-sdk-cloudcontrol.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use engine_local_cloud::{Config, FailRule, Latency, LocalCloud, Running};
use engine_provider::{
    CancelOutcome, Cloud, ErrorKind, OpOptions, Operation, OperationStatus, Provider, ProviderConfig, ProviderError,
    ProviderEvent, client_token, derive_client_token,
};
use serde_json::json;

const LOG_GROUP: &str = "AWS::Logs::LogGroup";

struct Harness {
    cloud: Option<Running>,
    provider: Provider,
    _dir: tempfile::TempDir,
}

impl Harness {
    async fn start(configure: impl FnOnce(Config) -> Config) -> Harness {
        Self::start_with(configure, |config| config).await
    }

    async fn start_with(
        configure: impl FnOnce(Config) -> Config,
        provider_config: impl FnOnce(ProviderConfig) -> ProviderConfig,
    ) -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        let cloud = LocalCloud::start(configure(Config::new(dir.path())))
            .await
            .expect("local cloud starts");
        let provider = Provider::new(provider_config(ProviderConfig::endpoint(cloud.endpoint(), "us-east-1")))
            .await
            .expect("provider");
        Harness {
            cloud: Some(cloud),
            provider,
            _dir: dir,
        }
    }

    async fn stop(mut self) {
        if let Some(cloud) = self.cloud.take() {
            cloud.shutdown().await.expect("local cloud shuts down");
        }
    }
}

/// Records every event.
#[derive(Default)]
struct Recorder(Mutex<Vec<ProviderEvent>>);

impl Recorder {
    fn events(&self) -> Vec<ProviderEvent> {
        self.0.lock().unwrap().clone()
    }
}

impl engine_provider::Observer for Recorder {
    fn event(&self, event: &ProviderEvent) {
        self.0.lock().unwrap().push(event.clone());
    }
}

fn recorder() -> (Arc<Recorder>, OpOptions) {
    let recorder = Arc::new(Recorder::default());
    let options = OpOptions::new().observer(recorder.clone());
    (recorder, options)
}

fn token(name: &str) -> String {
    client_token(&["test", name])
}

#[tokio::test]
async fn create_read_update_list_delete() {
    let harness = Harness::start(|config| config).await;
    let provider = &harness.provider;
    let (events, options) = recorder();

    let created = provider
        .create(
            LOG_GROUP,
            &json!({"LogGroupName": "app-logs", "RetentionInDays": 7}),
            &token("create app-logs"),
            &options,
        )
        .await
        .expect("create succeeds");
    assert_eq!(created.operation, Operation::Create);
    assert_eq!(created.identifier.as_deref(), Some("app-logs"));
    assert!(!created.already_absent);
    let request_token = created.request_token.clone().expect("request token");

    // The request token is reported before any progress, with the client token used.
    let events = events.events();
    match &events[0] {
        ProviderEvent::Submitted {
            request_token: submitted,
            client_token,
            operation,
            ..
        } => {
            assert_eq!(submitted, &request_token);
            assert_eq!(client_token, &token("create app-logs"));
            assert_eq!(*operation, Operation::Create);
        }
        other => panic!("first event should be Submitted, got {other:?}"),
    }
    assert!(events.iter().any(|event| matches!(
        event,
        ProviderEvent::Progress { status: OperationStatus::Success, .. }
    )));

    let read = provider
        .get(LOG_GROUP, "app-logs", &OpOptions::default())
        .await
        .unwrap()
        .expect("exists");
    assert_eq!(read.identifier, "app-logs");
    assert_eq!(read.properties["RetentionInDays"], json!(7));
    assert!(read.properties["Arn"].as_str().is_some_and(|arn| arn.contains("app-logs")));

    let updated = provider
        .update(
            LOG_GROUP,
            "app-logs",
            &json!([{"op": "replace", "path": "/RetentionInDays", "value": 14}]),
            &token("update app-logs 1"),
            &OpOptions::default(),
        )
        .await
        .expect("update succeeds");
    assert_eq!(updated.operation, Operation::Update);
    let read = provider.get(LOG_GROUP, "app-logs", &OpOptions::default()).await.unwrap().unwrap();
    assert_eq!(read.properties["RetentionInDays"], json!(14));

    let listed = provider.list(LOG_GROUP, None, &OpOptions::default()).await.unwrap();
    assert_eq!(listed.iter().map(|r| r.identifier.as_str()).collect::<Vec<_>>(), vec!["app-logs"]);

    let deleted = provider
        .delete(LOG_GROUP, "app-logs", &token("delete app-logs"), &OpOptions::default())
        .await
        .expect("delete succeeds");
    assert!(!deleted.already_absent);
    assert_eq!(provider.get(LOG_GROUP, "app-logs", &OpOptions::default()).await.unwrap(), None);

    // Deleting again: NotFound counts as success.
    let again = provider
        .delete(LOG_GROUP, "app-logs", &token("delete app-logs again"), &OpOptions::default())
        .await
        .expect("deleting a missing resource succeeds");
    assert!(again.already_absent);
    assert!(provider.list(LOG_GROUP, None, &OpOptions::default()).await.unwrap().is_empty());
    harness.stop().await;
}

#[tokio::test]
async fn list_reads_every_page_and_server_generated_identifiers() {
    let harness = Harness::start(|config| config).await;
    let provider = &harness.provider;
    // More than one page (the local cloud returns 100 per page).
    let creates = (0..105).map(|index| {
        let provider = provider.clone();
        async move {
            provider
                .create(
                    LOG_GROUP,
                    &json!({"LogGroupName": format!("group-{index:03}")}),
                    &token(&format!("page {index}")),
                    &OpOptions::default(),
                )
                .await
        }
    });
    for result in futures_join_all(creates).await {
        result.expect("create");
    }
    let listed = provider.list(LOG_GROUP, None, &OpOptions::default()).await.unwrap();
    assert_eq!(listed.len(), 105);
    let mut names: Vec<_> = listed.iter().map(|r| r.identifier.clone()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 105);

    // A type whose identifier the cloud generates: the first event has none, the result has it.
    let queue = provider
        .create("AWS::SQS::Queue", &json!({}), &token("queue"), &OpOptions::default())
        .await
        .expect("queue created");
    let identifier = queue.identifier.expect("generated identifier");
    assert!(
        provider
            .get("AWS::SQS::Queue", &identifier, &OpOptions::default())
            .await
            .unwrap()
            .is_some()
    );
    harness.stop().await;
}

#[tokio::test]
async fn list_passes_the_resource_model_for_scoped_list_handlers() {
    let harness = Harness::start(|config| config).await;
    let provider = &harness.provider;
    let error = provider
        .list("AWS::EKS::Nodegroup", None, &OpOptions::default())
        .await
        .expect_err("the list handler needs ClusterName");
    assert_eq!(error.property_path(), Some("/ClusterName"), "{error}");
    let listed = provider
        .list("AWS::EKS::Nodegroup", Some(&json!({"ClusterName": "c"})), &OpOptions::default())
        .await
        .expect("listing with the parent property");
    assert!(listed.is_empty());
    let error = provider
        .list(LOG_GROUP, Some(&json!(["not", "an", "object"])), &OpOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(error, ProviderError::InvalidInput { .. }), "{error}");
    harness.stop().await;
}

#[tokio::test]
async fn validation_errors_keep_code_message_and_property_path() {
    let harness = Harness::start(|config| config).await;
    let provider = &harness.provider;

    let error = provider
        .create(
            LOG_GROUP,
            &json!({"LogGroupName": "bad", "RetentionInDays": "a week"}),
            &token("bad create"),
            &OpOptions::default(),
        )
        .await
        .expect_err("invalid type is refused");
    let cloud = error.as_cloud().expect("a cloud error");
    assert_eq!(cloud.kind(), ErrorKind::InvalidRequest, "{error}");
    assert_eq!(error.property_path(), Some("/RetentionInDays"), "{error}");
    assert!(cloud.message.contains("RetentionInDays"), "{}", cloud.message);
    assert_eq!(cloud.operation, Operation::Create);
    assert_eq!(cloud.type_name, LOG_GROUP);

    provider
        .create(LOG_GROUP, &json!({"LogGroupName": "fixed"}), &token("fixed"), &OpOptions::default())
        .await
        .unwrap();
    let error = provider
        .update(
            LOG_GROUP,
            "fixed",
            &json!([{"op": "replace", "path": "/LogGroupName", "value": "renamed"}]),
            &token("rename"),
            &OpOptions::default(),
        )
        .await
        .expect_err("createOnly property cannot be patched");
    assert_eq!(error.kind(), Some(ErrorKind::NotUpdatable), "{error}");
    assert_eq!(error.property_path(), Some("/LogGroupName"), "{error}");
    assert!(error.to_string().contains("createOnlyProperties"), "{error}");

    // Invalid input never reaches the cloud.
    let error = provider
        .create("NotAType", &json!({}), &token("x"), &OpOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(error, ProviderError::InvalidInput { .. }), "{error}");
    let error = provider
        .create(LOG_GROUP, &json!({}), "bad token!", &OpOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(error, ProviderError::InvalidInput { .. }), "{error}");

    // An unknown type is the cloud's TypeNotFound.
    let error = provider
        .get("AWS::Nope::Nothing", "x", &OpOptions::default())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::TypeNotFound), "{error}");
    harness.stop().await;
}

#[tokio::test]
async fn throttled_burst_of_creates_fully_succeeds() {
    burst(100, 50.0).await;
}

#[tokio::test]
#[ignore = "slow: 100 creates against a cloud throttling at 10 rps take ~25 s"]
async fn throttled_burst_at_10_rps_fully_succeeds() {
    burst(100, 10.0).await;
}

async fn burst(count: usize, rps: f64) {
    let harness = Harness::start(|config| config.throttle_rps(rps)).await;
    let provider = &harness.provider;
    let started = Instant::now();
    let creates = (0..count).map(|index| {
        let provider = provider.clone();
        async move {
            provider
                .create(
                    LOG_GROUP,
                    &json!({"LogGroupName": format!("burst-{index}")}),
                    &token(&format!("burst {index}")),
                    &OpOptions::default(),
                )
                .await
        }
    });
    let results = futures_join_all(creates).await;
    let elapsed = started.elapsed();
    let failures: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failures.is_empty(), "{} failed, first: {}", failures.len(), failures[0]);
    let stats = provider.rate_stats();
    assert_eq!(stats.len(), 1);
    let stats = &stats[0];
    eprintln!(
        "{count} creates at {rps} rps: {elapsed:?}, {} requests, {} throttles, {} decreases, final rate {:.1} rps",
        stats.requests, stats.throttles, stats.decreases, stats.rate
    );
    assert!(stats.throttles > 0, "the cloud throttled");
    assert!(stats.decreases > 0, "the limiter backed off");
    // Each create needs at least 2 requests (create + poll); the cloud allows `rps` plus its burst.
    let floor = (2.0 * count as f64 - rps) / rps;
    assert!(elapsed.as_secs_f64() >= floor * 0.9, "{elapsed:?}");
    let listed = provider.list(LOG_GROUP, None, &OpOptions::default()).await.unwrap();
    assert_eq!(listed.len(), count);
    harness.stop().await;
}

#[tokio::test]
async fn injected_retriable_failures_are_resubmitted_with_derived_tokens() {
    let harness = Harness::start_with(
        |config| config.fail_rate(0.5, 7),
        |mut config| {
            config.retry.max_attempts = 20;
            config.retry.base_delay = Duration::from_millis(10);
            config.retry.max_delay = Duration::from_millis(50);
            config.retry.throttle_delay = Duration::from_millis(10);
            config
        },
    )
    .await;
    let provider = &harness.provider;
    let (events, options) = recorder();
    let creates = (0..20).map(|index| {
        let provider = provider.clone();
        let options = options.clone();
        async move {
            provider
                .create(
                    LOG_GROUP,
                    &json!({"LogGroupName": format!("flaky-{index}")}),
                    &token(&format!("flaky {index}")),
                    &options,
                )
                .await
        }
    });
    let mut derived = 0;
    for (index, result) in futures_join_all(creates).await.into_iter().enumerate() {
        let done = result.expect("retriable failures are retried to success");
        // The successful request used the caller's token or one derived from it.
        let base = token(&format!("flaky {index}"));
        let used = done.client_token.expect("client token");
        assert!(done.requests >= 2 * done.attempts, "each submission was sent and polled");
        if used != base {
            assert!(used.starts_with(&format!("{base}-r")), "{used} is not derived from {base}");
            assert_eq!(used, derive_client_token(&base, done.attempts - 1));
            derived += 1;
        } else {
            assert_eq!(done.attempts, 1);
        }
    }
    assert!(derived > 0, "some creates succeeded only after re-submission");

    // Re-running every create with its client token (as crash recovery does) walks the same
    // chain of tokens: each is answered from the service's records, nothing new is created.
    let (replay_events, replay_options) = recorder();
    let replays = (0..20).map(|index| {
        let provider = provider.clone();
        let options = replay_options.clone();
        async move {
            provider
                .create(
                    LOG_GROUP,
                    &json!({"LogGroupName": format!("flaky-{index}")}),
                    &token(&format!("flaky {index}")),
                    &options,
                )
                .await
        }
    });
    for result in futures_join_all(replays).await {
        let done = result.expect("a replayed chain ends in the same success");
        assert_eq!(done.operation, Operation::Create);
    }
    let replayed_requests: Vec<String> = replay_events
        .events()
        .into_iter()
        .filter_map(|event| match event {
            ProviderEvent::Submitted { request_token, .. } => Some(request_token),
            _ => None,
        })
        .collect();
    let original_requests: Vec<String> = events
        .events()
        .into_iter()
        .filter_map(|event| match event {
            ProviderEvent::Submitted { request_token, .. } => Some(request_token),
            _ => None,
        })
        .collect();
    assert!(
        replayed_requests.iter().all(|token| original_requests.contains(token)),
        "every replayed submission is one of the original requests"
    );
    let resubmissions: Vec<_> = events
        .events()
        .into_iter()
        .filter_map(|event| match event {
            ProviderEvent::Retrying {
                new_client_token: Some(new),
                code,
                ..
            } => Some((new, code)),
            _ => None,
        })
        .collect();
    assert!(!resubmissions.is_empty(), "with a 50 % failure rate some creates were re-submitted");
    for (new_token, code) in &resubmissions {
        assert!(new_token.contains("-r"), "{new_token}");
        assert!(
            ["Throttling", "ServiceInternalError", "NotStabilized"].contains(&code.as_str()),
            "{code}"
        );
    }
    assert_eq!(provider.list(LOG_GROUP, None, &OpOptions::default()).await.unwrap().len(), 20);
    harness.stop().await;
}

#[tokio::test]
async fn terminal_and_exhausted_failures_are_reported() {
    let harness = Harness::start_with(
        |config| {
            config
                .fail(FailRule::parse("AWS::Logs::LogGroup:limited-*=ServiceLimitExceeded").unwrap())
                .fail(FailRule::parse("AWS::Logs::LogGroup:unstable-*=NotStabilized").unwrap())
        },
        |mut config| {
            config.retry.max_attempts = 3;
            config.retry.base_delay = Duration::from_millis(10);
            config
        },
    )
    .await;
    let provider = &harness.provider;
    let (events, options) = recorder();
    let error = provider
        .create(LOG_GROUP, &json!({"LogGroupName": "limited-1"}), &token("limited"), &options)
        .await
        .expect_err("terminal failure");
    let cloud = error.as_cloud().expect("cloud error");
    assert_eq!(cloud.code, "ServiceLimitExceeded");
    assert!(cloud.message.contains("Failure injected"), "{}", cloud.message);
    assert!(cloud.request_token.is_some());
    assert!(
        !events.events().iter().any(|e| matches!(e, ProviderEvent::Retrying { .. })),
        "terminal codes are not retried"
    );

    let error = provider
        .create(LOG_GROUP, &json!({"LogGroupName": "unstable-1"}), &token("unstable"), &OpOptions::default())
        .await
        .expect_err("retries run out");
    let cloud = error.as_cloud().expect("cloud error");
    assert_eq!(cloud.code, "NotStabilized");
    assert!(cloud.attempts >= 3, "{}", cloud.attempts);
    assert!(error.to_string().contains("NotStabilized"), "{error}");
    harness.stop().await;
}

#[tokio::test]
async fn deadline_cancels_the_request_and_fails_clearly() {
    let harness = Harness::start_with(
        |config| config.latency(Latency::Fixed(3_000)),
        |mut config| {
            config.cancel_grace = Duration::from_secs(5);
            config
        },
    )
    .await;
    let provider = &harness.provider;
    let (events, options) = recorder();
    let options = options.timeout(Duration::from_millis(400));
    let started = Instant::now();
    let error = provider
        .create(LOG_GROUP, &json!({"LogGroupName": "slow"}), &token("slow"), &options)
        .await
        .expect_err("deadline");
    let ProviderError::DeadlineExceeded {
        operation,
        request_token,
        timeout,
        cancel,
        identifier,
        ..
    } = &error
    else {
        panic!("expected DeadlineExceeded, got {error}");
    };
    assert_eq!(*operation, Operation::Create);
    assert_eq!(*timeout, Duration::from_millis(400));
    assert_eq!(identifier.as_deref(), Some("slow"));
    let request_token = request_token.clone().expect("a request was in flight");
    assert!(
        matches!(cancel, CancelOutcome::Cancelled { status } if status == "CANCEL_COMPLETE"),
        "{cancel:?}"
    );
    assert!(error.to_string().contains("deadline exceeded"), "{error}");
    assert!(
        events
            .events()
            .iter()
            .any(|e| matches!(e, ProviderEvent::Cancelling { request_token: t, .. } if *t == request_token))
    );
    // Cancelled before it completed: nothing was created.
    assert_eq!(provider.get(LOG_GROUP, "slow", &OpOptions::default()).await.unwrap(), None);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    let status = provider
        .request_status(&request_token, &OpOptions::default())
        .await
        .unwrap()
        .expect("known token");
    assert_eq!(status.status, OperationStatus::CancelComplete);

    // A deadline on a read: nothing to cancel.
    let harness_throttled = Harness::start(|config| config.throttle_rps(1.0)).await;
    let throttled = &harness_throttled.provider;
    let futures = (0..5).map(|i| {
        let throttled = throttled.clone();
        async move {
            throttled
                .get(
                    LOG_GROUP,
                    &format!("x{i}"),
                    &OpOptions::new().timeout(Duration::from_millis(300)),
                )
                .await
        }
    });
    let results = futures_join_all(futures).await;
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Err(ProviderError::DeadlineExceeded { cancel: CancelOutcome::NothingToCancel, .. }))),
        "{results:?}"
    );
    harness_throttled.stop().await;
    harness.stop().await;
}

#[tokio::test]
async fn resume_by_request_token_after_a_crash() {
    let harness = Harness::start(|config| config.latency(Latency::Fixed(600))).await;
    let provider = &harness.provider;

    // Start a create and "crash" (drop it) as soon as the request token is journalled.
    let (options, receiver) = journal_first_request_token();
    let crashed = {
        let provider = provider.clone();
        tokio::spawn(async move {
            provider
                .create(LOG_GROUP, &json!({"LogGroupName": "resumed"}), &token("resumed"), &options)
                .await
        })
    };
    let request_token = receiver.await.expect("request token journalled");
    crashed.abort();
    assert!(crashed.await.unwrap_err().is_cancelled());

    let status = provider
        .request_status(&request_token, &OpOptions::default())
        .await
        .unwrap()
        .expect("known");
    assert_eq!(status.operation, Operation::Create);
    assert!(!status.status.is_terminal(), "{status:?}");

    let (events, options) = recorder();
    let resumed = provider.resume(&request_token, &options).await.expect("resumes to success");
    assert_eq!(resumed.operation, Operation::Create);
    assert_eq!(resumed.type_name, LOG_GROUP);
    assert_eq!(resumed.identifier.as_deref(), Some("resumed"));
    assert_eq!(resumed.request_token.as_deref(), Some(request_token.as_str()));
    assert!(events.events().iter().any(|e| matches!(e, ProviderEvent::Progress { .. })));

    // Resuming a delete whose resource was already gone succeeds as "already absent".
    provider
        .delete(LOG_GROUP, "resumed", &token("delete resumed"), &OpOptions::default())
        .await
        .unwrap();
    let (options, receiver) = journal_first_request_token();
    let crashed = {
        let provider = provider.clone();
        tokio::spawn(async move { provider.delete(LOG_GROUP, "resumed", &token("delete twice"), &options).await })
    };
    let delete_token = receiver.await.unwrap();
    crashed.abort();
    let resumed = provider.resume(&delete_token, &OpOptions::default()).await.expect("delete of nothing succeeds");
    assert_eq!(resumed.operation, Operation::Delete);
    assert!(resumed.already_absent);

    // Unknown tokens are a clear error.
    let error = provider
        .resume("00000000-0000-0000-0000-000000000000", &OpOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(error, ProviderError::RequestTokenNotFound { .. }), "{error}");
    assert_eq!(
        provider
            .request_status("00000000-0000-0000-0000-000000000000", &OpOptions::default())
            .await
            .unwrap(),
        None
    );
    harness.stop().await;
}

#[tokio::test]
async fn client_token_makes_resending_idempotent() {
    let harness = Harness::start(|config| config.latency(Latency::Fixed(300))).await;
    let provider = &harness.provider;
    let desired = json!({"LogGroupName": "once", "RetentionInDays": 3});
    let client = token("create once");

    // Crash right after sending, then re-send with the same client token.
    let (options, receiver) = journal_first_request_token();
    let crashed = {
        let provider = provider.clone();
        let desired = desired.clone();
        let client = client.clone();
        tokio::spawn(async move { provider.create(LOG_GROUP, &desired, &client, &options).await })
    };
    let first_token = receiver.await.unwrap();
    crashed.abort();

    let resent = provider
        .create(LOG_GROUP, &desired, &client, &OpOptions::default())
        .await
        .expect("re-sending is answered with the original request");
    assert_eq!(resent.request_token.as_deref(), Some(first_token.as_str()));
    let again = provider
        .create(LOG_GROUP, &desired, &client, &OpOptions::default())
        .await
        .expect("and again after completion");
    assert_eq!(again.request_token.as_deref(), Some(first_token.as_str()));
    assert_eq!(provider.list(LOG_GROUP, None, &OpOptions::default()).await.unwrap().len(), 1);

    // The same token with another body is a conflict, not a second resource.
    let error = provider
        .create(LOG_GROUP, &json!({"LogGroupName": "other"}), &client, &OpOptions::default())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::ClientTokenConflict), "{error}");
    assert_eq!(provider.list(LOG_GROUP, None, &OpOptions::default()).await.unwrap().len(), 1);

    // Derived tokens of a re-submission are distinct valid tokens.
    assert_ne!(derive_client_token(&client, 1), client);
    harness.stop().await;
}

#[tokio::test]
async fn regions_are_separate_and_account_facts_are_read() {
    let harness = Harness::start(|config| config).await;
    let provider = &harness.provider;
    for region in ["us-east-1", "eu-west-1"] {
        provider
            .create(
                LOG_GROUP,
                &json!({"LogGroupName": "same-name"}),
                &token(&format!("same-name {region}")),
                &OpOptions::new().region(region),
            )
            .await
            .unwrap_or_else(|error| panic!("create in {region}: {error}"));
    }
    let eu = provider
        .get(LOG_GROUP, "same-name", &OpOptions::new().region("eu-west-1"))
        .await
        .unwrap()
        .unwrap();
    assert!(eu.properties["Arn"].as_str().unwrap().contains(":eu-west-1:"), "{}", eu.properties);
    provider
        .delete(LOG_GROUP, "same-name", &token("delete eu"), &OpOptions::new().region("eu-west-1"))
        .await
        .unwrap();
    assert!(provider.get(LOG_GROUP, "same-name", &OpOptions::default()).await.unwrap().is_some());
    let regions: Vec<_> = provider.rate_stats().into_iter().map(|s| s.region).collect();
    assert_eq!(regions, vec!["eu-west-1", "us-east-1"]);
    assert!(provider.current_rate(Some("eu-west-1")).unwrap() > 0.0);
    assert_eq!(provider.current_rate(Some("ap-south-1")), None);

    let identity = provider.caller_identity(&OpOptions::default()).await.expect("caller identity");
    assert_eq!(identity.account, engine_local_cloud::ACCOUNT_ID);
    assert!(identity.arn.starts_with("arn:aws:iam::"), "{}", identity.arn);

    let zones = provider
        .availability_zones(&OpOptions::new().region("eu-west-1"))
        .await
        .expect("availability zones");
    assert!(!zones.is_empty());
    assert!(zones.iter().all(|zone| zone.name.starts_with("eu-west-1")), "{zones:?}");
    assert!(zones.windows(2).all(|pair| pair[0].name < pair[1].name));

    let error = provider
        .get(LOG_GROUP, "x", &OpOptions::new().region("Not A Region"))
        .await
        .unwrap_err();
    assert!(matches!(error, ProviderError::InvalidInput { .. }), "{error}");
    harness.stop().await;
}

#[tokio::test]
async fn unreachable_endpoint_fails_with_a_transport_error() {
    // A port nobody listens on (bind, read the port, close).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut config = ProviderConfig::endpoint(format!("http://127.0.0.1:{port}"), "us-east-1");
    config.retry.max_attempts = 2;
    config.retry.base_delay = Duration::from_millis(5);
    let provider = Provider::new(config).await.unwrap();
    let error = provider
        .get(LOG_GROUP, "x", &OpOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, ProviderError::Transport { attempts: 2, .. }),
        "{error}"
    );
    assert!(
        Provider::new(ProviderConfig {
            cloud: Cloud::Endpoint { url: "ftp://x".into() },
            ..ProviderConfig::endpoint("", "us-east-1")
        })
        .await
        .is_err()
    );
}

/// Options whose observer sends the first `Submitted` request token (the engine's journal).
fn journal_first_request_token() -> (OpOptions, tokio::sync::oneshot::Receiver<String>) {
    let (sender, receiver) = tokio::sync::oneshot::channel::<String>();
    let sender = Mutex::new(Some(sender));
    let options = OpOptions::new().observer(Arc::new(move |event: &ProviderEvent| {
        if let ProviderEvent::Submitted { request_token, .. } = event
            && let Some(sender) = sender.lock().unwrap().take()
        {
            let _ = sender.send(request_token.clone());
        }
    }));
    (options, receiver)
}

/// Runs futures concurrently as tasks (no extra dependency).
async fn futures_join_all<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut outputs = Vec::with_capacity(handles.len());
    for handle in handles {
        outputs.push(handle.await.expect("task"));
    }
    outputs
}
