//! The provider: per-region clients and the operations.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cloudcontrol::config::retry::RetryConfig as SdkRetryConfig;
use aws_sdk_cloudcontrol::config::timeout::TimeoutConfig;
use aws_sdk_cloudcontrol::config::{Credentials, SharedCredentialsProvider};
use aws_sdk_cloudcontrol::error::{ProvideErrorMetadata, SdkError};
use tokio::time::Instant;

use crate::backoff::{PollSchedule, jitter};
use crate::config::{Cloud, ENDPOINT_ACCESS_KEY_ID, ENDPOINT_SECRET_ACCESS_KEY, ProviderConfig};
use crate::error::{
    CancelOutcome, CloudError, ErrorKind, ProviderError, is_retriable_code, is_throttling_code, normalize_code,
    property_paths,
};
use crate::event::{
    AvailabilityZone, CallerIdentity, Completed, OpOptions, Operation, OperationStatus, ProgressEvent,
    ProviderEvent, Resource,
};
use crate::limiter::{RateLimiter, RateStats};
use crate::token::{derive_client_token, validate_client_token, validate_type_name};

/// The Cloud Control provider. Cheap to clone (one shared inner state); `Send + Sync`.
#[derive(Clone)]
pub struct Provider {
    inner: Arc<Inner>,
}

struct Inner {
    config: ProviderConfig,
    sdk_config: SdkConfig,
    default_region: String,
    regions: Mutex<HashMap<String, Arc<RegionClients>>>,
    in_flight: tokio::sync::Semaphore,
}

/// The clients and the rate limiter of one region.
struct RegionClients {
    region: String,
    cloudcontrol: aws_sdk_cloudcontrol::Client,
    sts: aws_sdk_sts::Client,
    ec2: crate::ec2::Ec2Client,
    limiter: RateLimiter,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("cloud", &self.inner.config.cloud)
            .field("default_region", &self.inner.default_region)
            .finish()
    }
}

/// A failed call, before it is given its operation's context.
#[derive(Debug)]
enum CallFailure {
    /// The service answered with an error code.
    Service {
        code: String,
        message: String,
        status: Option<u16>,
        attempts: u32,
    },
    /// The service could not be reached or answered garbage. `transient` is false for failures
    /// before anything was sent that retrying cannot fix (no credentials, bad configuration).
    Transport {
        message: String,
        attempts: u32,
        transient: bool,
    },
    /// The request could not be built (a bug or invalid input): never retried.
    Construction { message: String },
}

impl CallFailure {
    fn is_not_found(&self) -> bool {
        match self {
            CallFailure::Service { code, message, .. } => {
                ErrorKind::from_code(code) == ErrorKind::NotFound || message.contains("HandlerErrorCode: NotFound")
            }
            _ => false,
        }
    }
}

/// How a failed call is retried.
enum RetryClass {
    Throttle,
    Transient,
    Terminal,
}

fn classify<E>(error: &SdkError<E>) -> CallFailure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match error {
        SdkError::ServiceError(context) => {
            let service_error = context.err();
            let status = context.raw().status().as_u16();
            CallFailure::Service {
                code: service_error
                    .code()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("HTTP{status}")),
                message: service_error.message().unwrap_or_default().to_string(),
                status: Some(status),
                attempts: 0,
            }
        }
        SdkError::ConstructionFailure(_) => CallFailure::Construction {
            message: error_chain(error),
        },
        SdkError::ResponseError(context) => {
            let status = context.raw().status().as_u16();
            if status == 429 {
                CallFailure::Service {
                    code: "Throttling".into(),
                    message: error_chain(error),
                    status: Some(status),
                    attempts: 0,
                }
            } else {
                CallFailure::Transport {
                    message: format!("HTTP {status}: {}", error_chain(error)),
                    attempts: 0,
                    transient: true,
                }
            }
        }
        SdkError::DispatchFailure(failure) => CallFailure::Transport {
            message: error_chain(error),
            attempts: 0,
            // Connection and timeout errors are worth retrying; the others come from resolving
            // credentials or the endpoint (an expired SSO session, no credentials at all).
            transient: failure.is_io() || failure.is_timeout(),
        },
        _ => CallFailure::Transport {
            message: error_chain(error),
            attempts: 0,
            transient: true,
        },
    }
}

/// An error and its sources, joined with `: ` (repeated texts once).
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(error) = current {
        let text = error.to_string();
        if !text.is_empty() && !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        current = error.source();
    }
    parts.join(": ")
}

fn retry_class(failure: &CallFailure) -> RetryClass {
    match failure {
        CallFailure::Service { code, status, .. } => {
            if is_throttling_code(code) || *status == Some(429) {
                RetryClass::Throttle
            } else if is_retriable_code(code) || status.is_some_and(|status| status >= 500) {
                RetryClass::Transient
            } else {
                RetryClass::Terminal
            }
        }
        CallFailure::Transport { transient: true, .. } => RetryClass::Transient,
        CallFailure::Transport { transient: false, .. } => RetryClass::Terminal,
        CallFailure::Construction { .. } => RetryClass::Terminal,
    }
}

/// What an operation knows so far; read after a deadline to cancel and to report.
struct Tracker {
    operation: Mutex<Operation>,
    type_name: Mutex<String>,
    region: String,
    options: OpOptions,
    request_token: Mutex<Option<String>>,
    identifier: Mutex<Option<String>>,
    status: Mutex<Option<OperationStatus>>,
    /// Every request sent.
    requests: AtomicU32,
    /// Submissions of a create/update/delete.
    submissions: AtomicU32,
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The guarded values are plain data written in one statement: a poisoned lock still holds a
    // consistent value.
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Tracker {
    fn new(operation: Operation, type_name: &str, region: &str, options: &OpOptions) -> Self {
        Tracker {
            operation: Mutex::new(operation),
            type_name: Mutex::new(type_name.to_string()),
            region: region.to_string(),
            options: options.clone(),
            request_token: Mutex::new(None),
            identifier: Mutex::new(None),
            status: Mutex::new(None),
            requests: AtomicU32::new(0),
            submissions: AtomicU32::new(0),
        }
    }

    fn operation(&self) -> Operation {
        *locked(&self.operation)
    }

    fn type_name(&self) -> String {
        locked(&self.type_name).clone()
    }

    fn identifier(&self) -> Option<String> {
        locked(&self.identifier).clone()
    }

    fn request_token(&self) -> Option<String> {
        locked(&self.request_token).clone()
    }

    fn set_identifier(&self, identifier: Option<&str>) {
        if let Some(identifier) = identifier {
            *locked(&self.identifier) = Some(identifier.to_string());
        }
    }

    fn observe(&self, event: &ProgressEvent) {
        *locked(&self.request_token) = Some(event.request_token.clone());
        *locked(&self.status) = Some(event.status.clone());
        self.set_identifier(event.identifier.as_deref());
    }

    fn emit(&self, event: ProviderEvent) {
        if let Some(observer) = &self.options.observer {
            observer.event(&event);
        }
    }

    fn requests(&self) -> u32 {
        self.requests.load(Ordering::Relaxed)
    }

    fn submissions(&self) -> u32 {
        self.submissions.load(Ordering::Relaxed).max(1)
    }

    fn cloud_error(&self, failure: CallFailure) -> ProviderError {
        let operation = self.operation();
        let type_name = self.type_name();
        match failure {
            CallFailure::Service {
                code,
                message,
                status,
                attempts,
            } => CloudError {
                operation,
                type_name,
                region: self.region.clone(),
                identifier: self.identifier(),
                request_token: self.request_token(),
                property_paths: property_paths(&message),
                code,
                message,
                attempts,
                http_status: status,
            }
            .into(),
            CallFailure::Transport { message, attempts, .. } => ProviderError::Transport {
                operation,
                type_name,
                attempts,
                message,
            },
            CallFailure::Construction { message } => ProviderError::InvalidInput {
                operation,
                type_name,
                message,
            },
        }
    }

    fn failed_event_error(&self, event: &ProgressEvent) -> ProviderError {
        let message = event.status_message.clone().unwrap_or_default();
        CloudError {
            operation: event.operation,
            type_name: event.type_name.clone(),
            region: self.region.clone(),
            identifier: event.identifier.clone().or_else(|| self.identifier()),
            request_token: Some(event.request_token.clone()),
            code: event.error_code.clone().unwrap_or_else(|| "Unknown".into()),
            property_paths: property_paths(&message),
            message,
            attempts: self.submissions(),
            http_status: None,
        }
        .into()
    }
}

/// The body of a create, update or delete.
enum Mutation<'a> {
    Create { desired_state: String },
    Update { identifier: &'a str, patch: String },
    Delete { identifier: &'a str },
}

impl Mutation<'_> {
    fn operation(&self) -> Operation {
        match self {
            Mutation::Create { .. } => Operation::Create,
            Mutation::Update { .. } => Operation::Update,
            Mutation::Delete { .. } => Operation::Delete,
        }
    }

    fn identifier(&self) -> Option<&str> {
        match self {
            Mutation::Create { .. } => None,
            Mutation::Update { identifier, .. } | Mutation::Delete { identifier } => Some(identifier),
        }
    }
}

impl Provider {
    /// Builds a provider. For [`Cloud::Aws`] this loads the AWS configuration chain (no network
    /// call: credentials are resolved lazily on the first request). For [`Cloud::Endpoint`] it
    /// reads nothing from the environment.
    pub async fn new(config: ProviderConfig) -> Result<Provider, ProviderError> {
        let sdk_config = match &config.cloud {
            Cloud::Aws { profile } => {
                let mut loader = aws_config::defaults(BehaviorVersion::latest());
                if let Some(profile) = profile {
                    loader = loader.profile_name(profile);
                }
                if let Some(region) = &config.default_region {
                    loader = loader.region(Region::new(region.clone()));
                }
                loader.load().await
            }
            Cloud::Endpoint { url } => {
                let parsed = url.trim();
                if !(parsed.starts_with("http://") || parsed.starts_with("https://")) || parsed.len() < 10 {
                    return Err(ProviderError::Config(format!(
                        "endpoint URL '{url}' must start with http:// or https://"
                    )));
                }
                let credentials = Credentials::new(
                    ENDPOINT_ACCESS_KEY_ID,
                    ENDPOINT_SECRET_ACCESS_KEY,
                    None,
                    None,
                    "engine-endpoint",
                );
                SdkConfig::builder()
                    .behavior_version(BehaviorVersion::latest())
                    .credentials_provider(SharedCredentialsProvider::new(credentials))
                    .endpoint_url(parsed.trim_end_matches('/'))
                    .region(config.default_region.clone().map(Region::new))
                    .build()
            }
        };
        let default_region = match (&config.default_region, sdk_config.region()) {
            (Some(region), _) => region.clone(),
            (None, Some(region)) => region.to_string(),
            (None, None) => {
                return Err(ProviderError::Config(
                    "no region: set the stack's region, AWS_REGION, or a region in the AWS profile".into(),
                ));
            }
        };
        validate_region(&default_region)?;
        Ok(Provider {
            inner: Arc::new(Inner {
                sdk_config,
                default_region,
                regions: Mutex::new(HashMap::new()),
                in_flight: tokio::sync::Semaphore::new(config.max_in_flight.clamp(1, 10_000)),
                config,
            }),
        })
    }

    /// The configuration the provider was built with.
    pub fn config(&self) -> &ProviderConfig {
        &self.inner.config
    }

    /// The region used when [`OpOptions::region`] is `None`.
    pub fn default_region(&self) -> &str {
        &self.inner.default_region
    }

    /// The current allowed request rate of a region's limiter (requests per second), `None`
    /// if the region has not been used yet.
    pub fn current_rate(&self, region: Option<&str>) -> Option<f64> {
        let region = region.unwrap_or(&self.inner.default_region);
        locked(&self.inner.regions)
            .get(region)
            .map(|clients| clients.limiter.rate())
    }

    /// Limiter diagnostics of every region used so far, sorted by region.
    pub fn rate_stats(&self) -> Vec<RateStats> {
        let mut stats: Vec<RateStats> = locked(&self.inner.regions)
            .values()
            .map(|clients| clients.limiter.stats(&clients.region))
            .collect();
        stats.sort_by(|a, b| a.region.cmp(&b.region));
        stats
    }

    fn region_clients(&self, operation: Operation, options: &OpOptions) -> Result<Arc<RegionClients>, ProviderError> {
        let region = options
            .region
            .as_deref()
            .unwrap_or(&self.inner.default_region);
        let mut regions = locked(&self.inner.regions);
        if let Some(clients) = regions.get(region) {
            return Ok(clients.clone());
        }
        validate_region(region).map_err(|error| ProviderError::InvalidInput {
            operation,
            type_name: String::new(),
            message: error.to_string(),
        })?;
        let config = &self.inner.config;
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(config.connect_timeout)
            .operation_attempt_timeout(config.attempt_timeout)
            .build();
        let sdk = &self.inner.sdk_config;
        // Our retry loop and limiter are in control: the SDK makes exactly one attempt per call.
        let cloudcontrol = aws_sdk_cloudcontrol::Client::from_conf(
            aws_sdk_cloudcontrol::config::Builder::from(sdk)
                .region(Region::new(region.to_string()))
                .retry_config(SdkRetryConfig::disabled())
                .timeout_config(timeouts.clone())
                .build(),
        );
        let sts = aws_sdk_sts::Client::from_conf(
            aws_sdk_sts::config::Builder::from(sdk)
                .region(Region::new(region.to_string()))
                .retry_config(SdkRetryConfig::disabled())
                .timeout_config(timeouts.clone())
                .build(),
        );
        let ec2 = crate::ec2::Ec2Client::new(sdk, region, timeouts);
        let clients = Arc::new(RegionClients {
            region: region.to_string(),
            cloudcontrol,
            sts,
            ec2,
            limiter: RateLimiter::new(&config.rate_limit),
        });
        regions.insert(region.to_string(), clients.clone());
        Ok(clients)
    }

    /// Sends one call through the limiter, retrying throttles (until the deadline) and transient
    /// failures (up to `retry.max_attempts`). Returns the output and when the successful request
    /// was sent.
    async fn call<T, E, F, Fut>(
        &self,
        clients: &RegionClients,
        tracker: &Tracker,
        limited: bool,
        mut send: F,
    ) -> Result<(T, Instant), CallFailure>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let retry = &self.inner.config.retry;
        let mut attempts = 0u32;
        let mut transient_failures = 0u32;
        let mut consecutive_throttles = 0u32;
        loop {
            let sent_at = if limited {
                clients.limiter.acquire().await
            } else {
                Instant::now()
            };
            attempts += 1;
            tracker.requests.fetch_add(1, Ordering::Relaxed);
            let result = {
                // The semaphore is never closed, so acquiring only waits.
                let _slot = self.inner.in_flight.acquire().await.ok();
                send().await
            };
            let error = match result {
                Ok(output) => return Ok((output, sent_at)),
                Err(error) => error,
            };
            let mut failure = classify(&error);
            let delay = match retry_class(&failure) {
                RetryClass::Throttle => {
                    if limited {
                        clients.limiter.on_throttle(sent_at);
                    }
                    consecutive_throttles += 1;
                    retry.throttle_backoff(consecutive_throttles, jitter())
                }
                RetryClass::Transient if transient_failures + 1 < retry.max_attempts.max(1) => {
                    transient_failures += 1;
                    consecutive_throttles = 0;
                    retry.backoff(transient_failures, jitter())
                }
                RetryClass::Transient | RetryClass::Terminal => {
                    match &mut failure {
                        CallFailure::Service { attempts: count, .. } | CallFailure::Transport { attempts: count, .. } => {
                            *count = attempts;
                        }
                        CallFailure::Construction { .. } => {}
                    }
                    return Err(failure);
                }
            };
            let (code, message) = match &failure {
                CallFailure::Service { code, message, .. } => (code.clone(), message.clone()),
                CallFailure::Transport { message, .. } => ("Transport".to_string(), message.clone()),
                CallFailure::Construction { message } => ("Construction".to_string(), message.clone()),
            };
            tracing::debug!(region = %clients.region, %code, %message, ?delay, attempts, "retrying cloud call");
            tracker.emit(ProviderEvent::Retrying {
                operation: tracker.operation(),
                type_name: tracker.type_name(),
                region: clients.region.clone(),
                attempt: attempts + 1,
                delay,
                code,
                message,
                new_client_token: None,
            });
            tokio::time::sleep(delay).await;
        }
    }

    // ----- mutations ------------------------------------------------------------------------

    /// Creates a resource (`CreateResource`) and waits until the request is terminal.
    ///
    /// `desired_state` is the resource model (a JSON object, Cloud Control property names).
    /// `client_token` must be deterministic for this resource and generation (1-128 characters of
    /// `[-A-Za-z0-9+/=]`, see [`crate::client_token`]): re-sending it after a crash returns the
    /// original request instead of creating a second resource. Asynchronous retriable failures
    /// are re-submitted with tokens derived from it ([`crate::derive_client_token`]) after
    /// checking that nothing was created.
    pub async fn create(
        &self,
        type_name: &str,
        desired_state: &serde_json::Value,
        client_token: &str,
        options: &OpOptions,
    ) -> Result<Completed, ProviderError> {
        let operation = Operation::Create;
        check_inputs(operation, type_name, Some(client_token))?;
        if !desired_state.is_object() {
            return Err(ProviderError::InvalidInput {
                operation,
                type_name: type_name.to_string(),
                message: "the desired state must be a JSON object".into(),
            });
        }
        let mutation = Mutation::Create {
            desired_state: desired_state.to_string(),
        };
        self.mutate(type_name, mutation, client_token, options).await
    }

    /// Updates a resource (`UpdateResource`) with an RFC 6902 JSON Patch (a JSON array, e.g. a
    /// `json_patch::Patch` or a `serde_json::Value`), paths relative to the properties
    /// (`/RetentionInDays`). Re-submission after an asynchronous retriable failure re-applies
    /// the same patch: use `add`/`replace` rather than `remove` of possibly absent paths.
    pub async fn update(
        &self,
        type_name: &str,
        identifier: &str,
        patch: &impl serde::Serialize,
        client_token: &str,
        options: &OpOptions,
    ) -> Result<Completed, ProviderError> {
        let operation = Operation::Update;
        check_inputs(operation, type_name, Some(client_token))?;
        check_identifier(operation, type_name, identifier)?;
        let patch = serde_json::to_value(patch).map_err(|error| ProviderError::InvalidInput {
            operation,
            type_name: type_name.to_string(),
            message: format!("the patch is not serializable: {error}"),
        })?;
        if !patch.is_array() {
            return Err(ProviderError::InvalidInput {
                operation,
                type_name: type_name.to_string(),
                message: "the patch must be a JSON Patch document (a JSON array)".into(),
            });
        }
        let mutation = Mutation::Update {
            identifier,
            patch: patch.to_string(),
        };
        self.mutate(type_name, mutation, client_token, options).await
    }

    /// Deletes a resource (`DeleteResource`) and waits. A resource that does not exist (synchronous
    /// `ResourceNotFoundException` or asynchronous `NotFound`) counts as deleted
    /// ([`Completed::already_absent`]).
    pub async fn delete(
        &self,
        type_name: &str,
        identifier: &str,
        client_token: &str,
        options: &OpOptions,
    ) -> Result<Completed, ProviderError> {
        let operation = Operation::Delete;
        check_inputs(operation, type_name, Some(client_token))?;
        check_identifier(operation, type_name, identifier)?;
        self.mutate(type_name, Mutation::Delete { identifier }, client_token, options)
            .await
    }

    async fn mutate(
        &self,
        type_name: &str,
        mutation: Mutation<'_>,
        client_token: &str,
        options: &OpOptions,
    ) -> Result<Completed, ProviderError> {
        let operation = mutation.operation();
        let clients = self.region_clients(operation, options)?;
        let tracker = Tracker::new(operation, type_name, &clients.region, options);
        tracker.set_identifier(mutation.identifier());
        let timeout = options.timeout.unwrap_or(self.inner.config.default_timeout);
        let started = Instant::now();
        let work = self.mutate_until_done(&clients, &tracker, &mutation, client_token, started);
        match tokio::time::timeout(timeout, work).await {
            Ok(result) => result,
            Err(_) => self.expire(&clients, &tracker, timeout, started).await,
        }
    }

    async fn mutate_until_done(
        &self,
        clients: &RegionClients,
        tracker: &Tracker,
        mutation: &Mutation<'_>,
        client_token: &str,
        started: Instant,
    ) -> Result<Completed, ProviderError> {
        let type_name = tracker.type_name();
        let operation = mutation.operation();
        let role_arn = tracker.options.role_arn.clone();
        let client = &clients.cloudcontrol;
        let mut resubmissions = 0u32;
        // A retriable create failure that left a resource behind under a client-chosen name: the
        // re-submission either replays a later attempt of ours (after a crash) or meets
        // AlreadyExists, in which case this original failure is the one to report.
        let mut left_behind: Option<ProgressEvent> = None;
        loop {
            let token = derive_client_token(client_token, resubmissions);
            tracker.submissions.fetch_add(1, Ordering::Relaxed);
            let submitted = match mutation {
                Mutation::Create { desired_state } => {
                    self.call(clients, tracker, true, || {
                        client
                            .create_resource()
                            .type_name(&type_name)
                            .desired_state(desired_state)
                            .client_token(&token)
                            .set_role_arn(role_arn.clone())
                            .send()
                    })
                    .await
                    .map(|(output, sent_at)| (output.progress_event, sent_at))
                }
                Mutation::Update { identifier, patch } => {
                    self.call(clients, tracker, true, || {
                        client
                            .update_resource()
                            .type_name(&type_name)
                            .identifier(*identifier)
                            .patch_document(patch)
                            .client_token(&token)
                            .set_role_arn(role_arn.clone())
                            .send()
                    })
                    .await
                    .map(|(output, sent_at)| (output.progress_event, sent_at))
                }
                Mutation::Delete { identifier } => {
                    self.call(clients, tracker, true, || {
                        client
                            .delete_resource()
                            .type_name(&type_name)
                            .identifier(*identifier)
                            .client_token(&token)
                            .set_role_arn(role_arn.clone())
                            .send()
                    })
                    .await
                    .map(|(output, sent_at)| (output.progress_event, sent_at))
                }
            };
            let (event, sent_at) = match submitted {
                Ok(submitted) => submitted,
                Err(failure) if operation == Operation::Delete && failure.is_not_found() => {
                    return Ok(absent(tracker, &token, started));
                }
                Err(failure) => return Err(tracker.cloud_error(failure)),
            };
            let event = convert_event(event, operation, &type_name)?;
            // The first event of a create names the resource only when the desired state fixes
            // its primary identifier; generated identifiers appear later.
            let client_named = event.identifier.is_some();
            tracker.observe(&event);
            tracker.emit(ProviderEvent::Submitted {
                operation,
                type_name: type_name.clone(),
                region: clients.region.clone(),
                client_token: token.clone(),
                request_token: event.request_token.clone(),
                identifier: event.identifier.clone(),
                status: event.status.clone(),
            });
            let last = self.wait(clients, tracker, event).await?;
            match last.status {
                OperationStatus::Success => return Ok(completed(tracker, last, Some(token), started)),
                OperationStatus::CancelComplete => {
                    return Err(ProviderError::Cancelled {
                        operation,
                        type_name,
                        identifier: last.identifier.or_else(|| tracker.identifier()),
                        request_token: last.request_token,
                    });
                }
                _ => {}
            }
            // FAILED.
            let code = last.error_code.clone().unwrap_or_default();
            if operation == Operation::Delete && ErrorKind::from_code(&code) == ErrorKind::NotFound {
                return Ok(absent(tracker, &token, started));
            }
            if let Some(original) = &left_behind
                && ErrorKind::from_code(&code) == ErrorKind::AlreadyExists
            {
                return Err(tracker.failed_event_error(original));
            }
            let throttled = is_throttling_code(&code);
            let retry = &self.inner.config.retry;
            let retriable = is_retriable_code(&code) && (throttled || resubmissions + 1 < retry.max_attempts.max(1));
            if !retriable {
                return Err(tracker.failed_event_error(&last));
            }
            if operation == Operation::Create
                && let Some(identifier) = last.identifier.clone()
            {
                // The cloud named the resource: a re-submission must not create a second one.
                match self.read_once(clients, tracker, &type_name, &identifier).await? {
                    None => {}
                    // A client-chosen name cannot be duplicated: re-submit (see `left_behind`).
                    Some(_) if client_named => left_behind = Some(last.clone()),
                    // A generated name could be: stop and report the resource left behind.
                    Some(_) => return Err(tracker.failed_event_error(&last)),
                }
            }
            if throttled {
                clients.limiter.on_throttle(sent_at);
            }
            resubmissions += 1;
            let delay = if throttled {
                retry.throttle_backoff(resubmissions, jitter())
            } else {
                retry.backoff(resubmissions, jitter())
            };
            let new_token = derive_client_token(client_token, resubmissions);
            tracker.emit(ProviderEvent::Retrying {
                operation,
                type_name: type_name.clone(),
                region: clients.region.clone(),
                attempt: resubmissions + 1,
                delay,
                code,
                message: last.status_message.clone().unwrap_or_default(),
                new_client_token: Some(new_token),
            });
            *locked(&tracker.request_token) = None;
            *locked(&tracker.status) = None;
            tokio::time::sleep(delay).await;
        }
    }

    /// Polls a request until it is terminal: first poll after `poll.initial`, growing, honouring
    /// `RetryAfter`; every poll goes through the limiter.
    async fn wait(
        &self,
        clients: &RegionClients,
        tracker: &Tracker,
        first: ProgressEvent,
    ) -> Result<ProgressEvent, ProviderError> {
        let mut schedule = PollSchedule::new(&self.inner.config.poll);
        let submitted = Instant::now();
        let mut last = first;
        while !last.status.is_terminal() {
            let delay = schedule.next_delay(submitted.elapsed(), last.retry_after);
            tokio::time::sleep(delay).await;
            let event = self.status_once(clients, tracker, &last.request_token).await?;
            let Some(event) = event else {
                return Err(ProviderError::RequestTokenNotFound {
                    request_token: last.request_token.clone(),
                    region: clients.region.clone(),
                });
            };
            tracker.observe(&event);
            if event.status != last.status || event.identifier != last.identifier {
                tracker.emit(ProviderEvent::Progress {
                    operation: event.operation,
                    type_name: event.type_name.clone(),
                    request_token: event.request_token.clone(),
                    identifier: event.identifier.clone(),
                    status: event.status.clone(),
                    status_message: event.status_message.clone(),
                });
            }
            last = event;
        }
        Ok(last)
    }

    async fn status_once(
        &self,
        clients: &RegionClients,
        tracker: &Tracker,
        request_token: &str,
    ) -> Result<Option<ProgressEvent>, ProviderError> {
        let client = &clients.cloudcontrol;
        let result = self
            .call(clients, tracker, true, || {
                client
                    .get_resource_request_status()
                    .request_token(request_token)
                    .send()
            })
            .await;
        match result {
            Ok((output, _)) => {
                let fallback_type = tracker.type_name();
                convert_event(output.progress_event, tracker.operation(), &fallback_type).map(Some)
            }
            Err(CallFailure::Service { code, .. }) if normalize_code(&code) == "RequestTokenNotFound" => Ok(None),
            Err(failure) => Err(tracker.cloud_error(failure)),
        }
    }

    /// Called when an operation's deadline expired: cancels the in-flight request (if any) within
    /// `cancel_grace` and reports. If the request turns out to have succeeded meanwhile, that
    /// success is returned.
    async fn expire(
        &self,
        clients: &RegionClients,
        tracker: &Tracker,
        timeout: Duration,
        started: Instant,
    ) -> Result<Completed, ProviderError> {
        let operation = tracker.operation();
        let type_name = tracker.type_name();
        let request_token = tracker.request_token();
        let terminal = locked(&tracker.status).as_ref().is_some_and(OperationStatus::is_terminal);
        let cancel = match (&request_token, terminal) {
            (Some(token), false) => {
                tracker.emit(ProviderEvent::Cancelling {
                    operation,
                    type_name: type_name.clone(),
                    request_token: token.clone(),
                });
                let grace = self.inner.config.cancel_grace;
                match tokio::time::timeout(grace, self.cancel_and_wait(clients, tracker, token)).await {
                    Ok(Ok(event)) if event.status == OperationStatus::Success => {
                        return Ok(completed(tracker, event, None, started));
                    }
                    Ok(Ok(event)) => CancelOutcome::Cancelled {
                        status: event.status.to_string(),
                    },
                    Ok(Err(error)) => CancelOutcome::Failed {
                        message: error.to_string(),
                    },
                    // The grace ran out while waiting for the cancellation to finish.
                    Err(_) => match locked(&tracker.status).clone() {
                        Some(status @ OperationStatus::CancelInProgress) => CancelOutcome::Cancelled {
                            status: status.to_string(),
                        },
                        _ => CancelOutcome::Failed {
                            message: format!(
                                "the cloud did not confirm the cancellation within {}",
                                crate::error::fmt_duration(grace)
                            ),
                        },
                    },
                }
            }
            _ => CancelOutcome::NothingToCancel,
        };
        Err(ProviderError::DeadlineExceeded {
            operation,
            type_name,
            identifier: tracker.identifier(),
            request_token,
            timeout,
            cancel,
        })
    }

    async fn cancel_and_wait(
        &self,
        clients: &RegionClients,
        tracker: &Tracker,
        request_token: &str,
    ) -> Result<ProgressEvent, ProviderError> {
        let client = &clients.cloudcontrol;
        let result = self
            .call(clients, tracker, true, || {
                client
                    .cancel_resource_request()
                    .request_token(request_token)
                    .send()
            })
            .await;
        let event = match result {
            Ok((output, _)) => convert_event(output.progress_event, tracker.operation(), &tracker.type_name())?,
            // Cancelling a request that already finished: read where it ended.
            Err(CallFailure::Service { code, .. }) if normalize_code(&code) == "ConcurrentModification" => {
                match self.status_once(clients, tracker, request_token).await? {
                    Some(event) => event,
                    None => {
                        return Err(ProviderError::RequestTokenNotFound {
                            request_token: request_token.to_string(),
                            region: clients.region.clone(),
                        });
                    }
                }
            }
            Err(failure) => return Err(tracker.cloud_error(failure)),
        };
        tracker.observe(&event);
        self.wait(clients, tracker, event).await
    }

    // ----- requests by token -------------------------------------------------------------------

    /// Resumes waiting for a request known by its token (crash recovery): polls until terminal and
    /// interprets the result like the operation that started it (a delete that found nothing
    /// succeeds). A retriable failure is returned as an error, not re-submitted (the request body
    /// is not known here): re-send the original operation with the same client token, which the
    /// service answers idempotently, to continue.
    pub async fn resume(&self, request_token: &str, options: &OpOptions) -> Result<Completed, ProviderError> {
        let operation = Operation::Status;
        check_request_token(request_token)?;
        let clients = self.region_clients(operation, options)?;
        let tracker = Tracker::new(operation, "", &clients.region, options);
        *locked(&tracker.request_token) = Some(request_token.to_string());
        let timeout = options.timeout.unwrap_or(self.inner.config.default_timeout);
        let started = Instant::now();
        let work = async {
            let Some(first) = self.status_once(&clients, &tracker, request_token).await? else {
                return Err(ProviderError::RequestTokenNotFound {
                    request_token: request_token.to_string(),
                    region: clients.region.clone(),
                });
            };
            *locked(&tracker.operation) = first.operation;
            *locked(&tracker.type_name) = first.type_name.clone();
            tracker.observe(&first);
            tracker.emit(ProviderEvent::Progress {
                operation: first.operation,
                type_name: first.type_name.clone(),
                request_token: first.request_token.clone(),
                identifier: first.identifier.clone(),
                status: first.status.clone(),
                status_message: first.status_message.clone(),
            });
            let last = self.wait(&clients, &tracker, first).await?;
            match last.status {
                OperationStatus::Success => Ok(completed(&tracker, last, None, started)),
                OperationStatus::CancelComplete => Err(ProviderError::Cancelled {
                    operation: last.operation,
                    type_name: last.type_name,
                    identifier: last.identifier,
                    request_token: last.request_token,
                }),
                _ if last.operation == Operation::Delete
                    && ErrorKind::from_code(last.error_code.as_deref().unwrap_or_default()) == ErrorKind::NotFound =>
                {
                    let mut done = completed(&tracker, last, None, started);
                    done.already_absent = true;
                    Ok(done)
                }
                _ => Err(tracker.failed_event_error(&last)),
            }
        };
        match tokio::time::timeout(timeout, work).await {
            Ok(result) => result,
            Err(_) => self.expire(&clients, &tracker, timeout, started).await,
        }
    }

    /// One `GetResourceRequestStatus` (no waiting); `None` when the token is unknown.
    pub async fn request_status(
        &self,
        request_token: &str,
        options: &OpOptions,
    ) -> Result<Option<ProgressEvent>, ProviderError> {
        let operation = Operation::Status;
        check_request_token(request_token)?;
        let clients = self.region_clients(operation, options)?;
        let tracker = Tracker::new(operation, "", &clients.region, options);
        let timeout = options.timeout.unwrap_or(self.inner.config.default_timeout);
        self.bounded(operation, "", timeout, self.status_once(&clients, &tracker, request_token))
            .await
    }

    /// `CancelResourceRequest` (no waiting): the request's event afterwards.
    pub async fn cancel(&self, request_token: &str, options: &OpOptions) -> Result<ProgressEvent, ProviderError> {
        let operation = Operation::Cancel;
        check_request_token(request_token)?;
        let clients = self.region_clients(operation, options)?;
        let tracker = Tracker::new(operation, "", &clients.region, options);
        let timeout = options.timeout.unwrap_or(self.inner.config.default_timeout);
        let client = &clients.cloudcontrol;
        let work = async {
            let result = self
                .call(&clients, &tracker, true, || {
                    client
                        .cancel_resource_request()
                        .request_token(request_token)
                        .send()
                })
                .await;
            match result {
                Ok((output, _)) => convert_event(output.progress_event, Operation::Cancel, ""),
                Err(CallFailure::Service { code, .. }) if normalize_code(&code) == "RequestTokenNotFound" => {
                    Err(ProviderError::RequestTokenNotFound {
                        request_token: request_token.to_string(),
                        region: clients.region.clone(),
                    })
                }
                Err(failure) => Err(tracker.cloud_error(failure)),
            }
        };
        self.bounded(operation, "", timeout, work).await
    }

    // ----- reads ------------------------------------------------------------------------------------

    /// Reads a resource (`GetResource`); `None` when it does not exist. `identifier` is the
    /// primary identifier (`|`-joined when composite) or a JSON object of identifier properties.
    pub async fn get(
        &self,
        type_name: &str,
        identifier: &str,
        options: &OpOptions,
    ) -> Result<Option<Resource>, ProviderError> {
        let operation = Operation::Read;
        check_inputs(operation, type_name, None)?;
        check_identifier(operation, type_name, identifier)?;
        let clients = self.region_clients(operation, options)?;
        let tracker = Tracker::new(operation, type_name, &clients.region, options);
        tracker.set_identifier(Some(identifier));
        let timeout = options.timeout.unwrap_or(self.inner.config.default_timeout);
        self.bounded(
            operation,
            type_name,
            timeout,
            self.read_once(&clients, &tracker, type_name, identifier),
        )
        .await
    }

    async fn read_once(
        &self,
        clients: &RegionClients,
        tracker: &Tracker,
        type_name: &str,
        identifier: &str,
    ) -> Result<Option<Resource>, ProviderError> {
        let client = &clients.cloudcontrol;
        let role_arn = tracker.options.role_arn.clone();
        let result = self
            .call(clients, tracker, true, || {
                client
                    .get_resource()
                    .type_name(type_name)
                    .identifier(identifier)
                    .set_role_arn(role_arn.clone())
                    .send()
            })
            .await;
        match result {
            Ok((output, _)) => {
                let Some(description) = output.resource_description else {
                    return Err(ProviderError::InvalidResponse {
                        operation: Operation::Read,
                        type_name: type_name.to_string(),
                        message: "GetResource returned no ResourceDescription".into(),
                    });
                };
                convert_description(description, Operation::Read, type_name, Some(identifier)).map(Some)
            }
            Err(failure) if failure.is_not_found() => Ok(None),
            Err(failure) => {
                // The error concerns the read, whatever operation asked for it.
                let failure_error = tracker.cloud_error(failure);
                Err(match failure_error {
                    ProviderError::Cloud(mut error) => {
                        error.operation = Operation::Read;
                        ProviderError::Cloud(error)
                    }
                    other => other,
                })
            }
        }
    }

    /// Lists every resource of a type (`ListResources`, all pages). `resource_model` supplies the
    /// parent properties some list handlers require (`{"ClusterName": "c"}`).
    pub async fn list(
        &self,
        type_name: &str,
        resource_model: Option<&serde_json::Value>,
        options: &OpOptions,
    ) -> Result<Vec<Resource>, ProviderError> {
        let operation = Operation::List;
        check_inputs(operation, type_name, None)?;
        if resource_model.is_some_and(|model| !model.is_object()) {
            return Err(ProviderError::InvalidInput {
                operation,
                type_name: type_name.to_string(),
                message: "the resource model must be a JSON object".into(),
            });
        }
        let clients = self.region_clients(operation, options)?;
        let tracker = Tracker::new(operation, type_name, &clients.region, options);
        let timeout = options.timeout.unwrap_or(self.inner.config.default_timeout);
        let model = resource_model.map(serde_json::Value::to_string);
        let client = &clients.cloudcontrol;
        let role_arn = options.role_arn.clone();
        let work = async {
            let mut resources = Vec::new();
            let mut next_token: Option<String> = None;
            let mut seen_tokens = std::collections::HashSet::new();
            loop {
                let (output, _) = self
                    .call(&clients, &tracker, true, || {
                        client
                            .list_resources()
                            .type_name(type_name)
                            .set_resource_model(model.clone())
                            .set_next_token(next_token.clone())
                            .set_role_arn(role_arn.clone())
                            .send()
                    })
                    .await
                    .map_err(|failure| tracker.cloud_error(failure))?;
                for description in output.resource_descriptions.unwrap_or_default() {
                    resources.push(convert_description(description, operation, type_name, None)?);
                }
                match output.next_token {
                    // A repeated token would loop forever: stop like the SDK's paginator does.
                    Some(token) if !token.is_empty() && seen_tokens.insert(token.clone()) => {
                        next_token = Some(token);
                    }
                    _ => break,
                }
            }
            Ok(resources)
        };
        self.bounded(operation, type_name, timeout, work).await
    }

    // ----- account facts -------------------------------------------------------------------------

    /// STS `GetCallerIdentity` in the operation's region (the local cloud answers it too).
    pub async fn caller_identity(&self, options: &OpOptions) -> Result<CallerIdentity, ProviderError> {
        let operation = Operation::CallerIdentity;
        let clients = self.region_clients(operation, options)?;
        let tracker = Tracker::new(operation, "", &clients.region, options);
        let timeout = options.timeout.unwrap_or(self.inner.config.attempt_timeout * 4);
        let client = &clients.sts;
        let work = async {
            let (output, _) = self
                .call(&clients, &tracker, false, || client.get_caller_identity().send())
                .await
                .map_err(|failure| tracker.cloud_error(failure))?;
            match (output.account, output.arn, output.user_id) {
                (Some(account), Some(arn), user_id) => Ok(CallerIdentity {
                    account,
                    arn,
                    user_id: user_id.unwrap_or_default(),
                }),
                _ => Err(ProviderError::InvalidResponse {
                    operation,
                    type_name: String::new(),
                    message: "GetCallerIdentity returned no Account or Arn".into(),
                }),
            }
        };
        self.bounded(operation, "", timeout, work).await
    }

    /// EC2 `DescribeAvailabilityZones` for the operation's region: the available zones, sorted
    /// by name.
    pub async fn availability_zones(&self, options: &OpOptions) -> Result<Vec<AvailabilityZone>, ProviderError> {
        let operation = Operation::AvailabilityZones;
        let clients = self.region_clients(operation, options)?;
        let tracker = Tracker::new(operation, "", &clients.region, options);
        let timeout = options.timeout.unwrap_or(self.inner.config.attempt_timeout * 4);
        let work = async {
            let (mut zones, _) = self
                .call(&clients, &tracker, false, || clients.ec2.describe_availability_zones())
                .await
                .map_err(|failure| tracker.cloud_error(failure))?;
            zones.retain(|zone| zone.state.as_deref().is_none_or(|state| state == "available"));
            zones.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(zones)
        };
        self.bounded(operation, "", timeout, work).await
    }

    /// Runs a non-mutating call under a deadline (nothing to cancel on expiry).
    async fn bounded<T>(
        &self,
        operation: Operation,
        type_name: &str,
        timeout: Duration,
        work: impl Future<Output = Result<T, ProviderError>>,
    ) -> Result<T, ProviderError> {
        match tokio::time::timeout(timeout, work).await {
            Ok(result) => result,
            Err(_) => Err(ProviderError::DeadlineExceeded {
                operation,
                type_name: type_name.to_string(),
                identifier: None,
                request_token: None,
                timeout,
                cancel: CancelOutcome::NothingToCancel,
            }),
        }
    }
}

fn completed(tracker: &Tracker, event: ProgressEvent, client_token: Option<String>, started: Instant) -> Completed {
    Completed {
        operation: event.operation,
        type_name: event.type_name,
        identifier: event.identifier.or_else(|| tracker.identifier()),
        request_token: Some(event.request_token),
        client_token,
        resource_model: event.resource_model,
        status_message: event.status_message,
        already_absent: false,
        attempts: tracker.submissions(),
        requests: tracker.requests(),
        elapsed: started.elapsed(),
    }
}

fn absent(tracker: &Tracker, client_token: &str, started: Instant) -> Completed {
    Completed {
        operation: Operation::Delete,
        type_name: tracker.type_name(),
        identifier: tracker.identifier(),
        request_token: tracker.request_token(),
        client_token: Some(client_token.to_string()),
        resource_model: None,
        status_message: None,
        already_absent: true,
        attempts: tracker.submissions(),
        requests: tracker.requests(),
        elapsed: started.elapsed(),
    }
}

fn check_inputs(operation: Operation, type_name: &str, client_token: Option<&str>) -> Result<(), ProviderError> {
    let invalid = |message: String| ProviderError::InvalidInput {
        operation,
        type_name: type_name.to_string(),
        message,
    };
    validate_type_name(type_name).map_err(invalid)?;
    if let Some(token) = client_token {
        validate_client_token(token).map_err(invalid)?;
    }
    Ok(())
}

fn check_identifier(operation: Operation, type_name: &str, identifier: &str) -> Result<(), ProviderError> {
    if identifier.is_empty() || identifier.len() > 1024 {
        return Err(ProviderError::InvalidInput {
            operation,
            type_name: type_name.to_string(),
            message: format!("identifier must have 1 to 1024 characters, not {}", identifier.len()),
        });
    }
    Ok(())
}

fn check_request_token(token: &str) -> Result<(), ProviderError> {
    validate_client_token(token).map_err(|message| ProviderError::InvalidInput {
        operation: Operation::Status,
        type_name: String::new(),
        message: message.replace("client token", "request token"),
    })
}

fn validate_region(region: &str) -> Result<(), ProviderError> {
    let valid = !region.is_empty()
        && region.len() <= 64
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(())
    } else {
        Err(ProviderError::Config(format!(
            "invalid region '{region}' (expected a name like us-east-1)"
        )))
    }
}

fn convert_status(status: &aws_sdk_cloudcontrol::types::OperationStatus) -> OperationStatus {
    OperationStatus::parse(status.as_str())
}

fn convert_operation(
    operation: Option<&aws_sdk_cloudcontrol::types::Operation>,
    fallback: Operation,
) -> Operation {
    match operation.map(aws_sdk_cloudcontrol::types::Operation::as_str) {
        Some("CREATE") => Operation::Create,
        Some("UPDATE") => Operation::Update,
        Some("DELETE") => Operation::Delete,
        _ => fallback,
    }
}

pub(crate) fn retry_after_from_now(retry_after: Option<&aws_smithy_types::DateTime>) -> Option<Duration> {
    let at = SystemTime::try_from(*retry_after?).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

fn convert_event(
    event: Option<aws_sdk_cloudcontrol::types::ProgressEvent>,
    operation: Operation,
    type_name: &str,
) -> Result<ProgressEvent, ProviderError> {
    let invalid = |message: &str| ProviderError::InvalidResponse {
        operation,
        type_name: type_name.to_string(),
        message: message.to_string(),
    };
    let event = event.ok_or_else(|| invalid("no ProgressEvent in the response"))?;
    let request_token = event
        .request_token()
        .filter(|token| !token.is_empty())
        .ok_or_else(|| invalid("ProgressEvent without RequestToken"))?
        .to_string();
    let status = event
        .operation_status()
        .map(convert_status)
        .ok_or_else(|| invalid("ProgressEvent without OperationStatus"))?;
    let resource_model = match event.resource_model() {
        Some(model) if !model.is_empty() => match serde_json::from_str(model) {
            Ok(value) => Some(value),
            Err(error) => {
                tracing::warn!(%error, "ignoring a ResourceModel that is not JSON");
                None
            }
        },
        _ => None,
    };
    Ok(ProgressEvent {
        type_name: event
            .type_name()
            .filter(|name| !name.is_empty())
            .unwrap_or(type_name)
            .to_string(),
        identifier: event.identifier().filter(|id| !id.is_empty()).map(str::to_string),
        request_token,
        operation: convert_operation(event.operation(), operation),
        status,
        error_code: event.error_code().map(|code| code.as_str().to_string()),
        status_message: event.status_message().filter(|m| !m.is_empty()).map(str::to_string),
        resource_model,
        retry_after: retry_after_from_now(event.retry_after()),
    })
}

fn convert_description(
    description: aws_sdk_cloudcontrol::types::ResourceDescription,
    operation: Operation,
    type_name: &str,
    requested_identifier: Option<&str>,
) -> Result<Resource, ProviderError> {
    let invalid = |message: String| ProviderError::InvalidResponse {
        operation,
        type_name: type_name.to_string(),
        message,
    };
    let identifier = description
        .identifier
        .filter(|id| !id.is_empty())
        .or_else(|| requested_identifier.map(str::to_string))
        .ok_or_else(|| invalid("a ResourceDescription without Identifier".into()))?;
    let properties = match description.properties.as_deref() {
        Some(text) if !text.is_empty() => serde_json::from_str(text)
            .map_err(|error| invalid(format!("Properties of '{identifier}' are not JSON: {error}")))?,
        _ => serde_json::Value::Object(serde_json::Map::new()),
    };
    Ok(Resource { identifier, properties })
}
