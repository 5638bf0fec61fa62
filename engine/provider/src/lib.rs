//! `engine-provider`: the engine's only way to the cloud. Every resource operation goes through
//! `aws-sdk-cloudcontrol` (configured by `aws-config`), against AWS or against the local cloud;
//! there is no fake path.
//!
//! # Using it
//!
//! ```no_run
//! # async fn demo() -> Result<(), engine_provider::ProviderError> {
//! use std::sync::Arc;
//! use std::time::Duration;
//! use engine_provider::{OpOptions, Provider, ProviderConfig, ProviderEvent, client_token};
//!
//! // The local cloud (static credentials, explicit endpoint)...
//! let provider = Provider::new(ProviderConfig::endpoint("http://127.0.0.1:4566", "us-east-1")).await?;
//! // ...or AWS through the standard chain (profiles, SSO, environment, AWS_ENDPOINT_URL_CLOUDCONTROL):
//! // let provider = Provider::new(ProviderConfig::aws(Some("eu-west-1".into()))).await?;
//!
//! let journal = Arc::new(|event: &ProviderEvent| {
//!     if let ProviderEvent::Submitted { request_token, .. } = event {
//!         // journal the request token before the provider starts waiting
//!         let _ = request_token;
//!     }
//! });
//! let options = OpOptions::new()
//!     .timeout(Duration::from_secs(30 * 60)) // customTimeouts, or the schema handler's timeout
//!     .observer(journal);
//! let token = client_token(&["dev", "urn:engine:dev::app::AWS::S3::Bucket::logs", "create", "1"]);
//! let done = provider
//!     .create("AWS::S3::Bucket", &serde_json::json!({"BucketName": "logs"}), &token, &options)
//!     .await?;
//! let identifier = done.identifier.unwrap_or_default();
//! let model = provider.get("AWS::S3::Bucket", &identifier, &options).await?;
//! # let _ = model; Ok(()) }
//! ```
//!
//! # API
//!
//! - [`Provider::new`]`(`[`ProviderConfig`]`)`: [`Cloud::Aws`] (standard chain, optional profile)
//!   or [`Cloud::Endpoint`] (explicit URL, static credentials); a default region. Clients are
//!   made per region on first use ([`OpOptions::region`]), so one program can span regions.
//! - Mutations wait until the request is terminal and return [`Completed`]:
//!   [`Provider::create`] (desired state JSON + caller's deterministic client token),
//!   [`Provider::update`] (identifier + RFC 6902 patch + client token),
//!   [`Provider::delete`] (`NotFound` counts as success: [`Completed::already_absent`]).
//! - Reads: [`Provider::get`] (`None` when not found), [`Provider::list`] (optional
//!   ResourceModel, all pages).
//! - Requests by token: [`Provider::resume`] (poll an existing request to its end: crash
//!   recovery), [`Provider::request_status`] (one look), [`Provider::cancel`].
//! - Account facts: [`Provider::caller_identity`] (STS), [`Provider::availability_zones`] (EC2).
//! - Diagnostics: [`Provider::current_rate`], [`Provider::rate_stats`].
//! - An [`Observer`] in [`OpOptions`] receives [`ProviderEvent`]s: `Submitted` carries the
//!   request token the moment the service returns it (before any polling), then `Progress`,
//!   `Retrying` and `Cancelling`.
//!
//! # Behaviour
//!
//! - **Rate limiting**: one adaptive token bucket per region ([`RateLimiter`], [`AimdBucket`]):
//!   halves its rate on a throttle (a synchronous `ThrottlingException` or an asynchronous
//!   `FAILED`/`Throttling`; once per congestion episode), recovers additively, FIFO-fair. Polls
//!   count against it. Throttled requests are retried until the deadline: a burst never fails.
//! - **Polling** ([`PollConfig`]): first poll 100 ms after submission, ×1.5 up to 1 s (5 % of
//!   the elapsed time for long operations, at most 5 s); `RetryAfter` honoured. Never the SDK
//!   waiter.
//! - **Retries** ([`RetryConfig`]): transport errors, 5xx and retriable codes (`Throttling`,
//!   `ServiceInternalError`, `NotStabilized`, `NetworkFailure`, `ResourceConflict`,
//!   `ConcurrentOperation`, ...) with jittered exponential backoff. A synchronous failure is
//!   re-sent with the *same* client token (idempotent on the service side); an asynchronous
//!   `FAILED` with a retriable code is re-submitted with a token derived from the caller's
//!   ([`derive_client_token`]) — for a create, only after `GetResource` shows nothing was created.
//!   The SDK's own retries are disabled so the limiter sees every throttle.
//! - **Deadlines**: every call has one ([`OpOptions::timeout`], default
//!   [`ProviderConfig::default_timeout`]) covering limiter waits, retries and polling. On expiry
//!   the in-flight request is cancelled (`CancelResourceRequest`) and
//!   [`ProviderError::DeadlineExceeded`] says what happened (or, if the request turned out to have
//!   succeeded, the success is returned).
//! - **Concurrency**: at most [`ProviderConfig::max_in_flight`] HTTP requests at once (64);
//!   operations waiting between polls hold no slot, so thousands can be in progress.
//! - **Errors**: [`ProviderError`]; cloud errors ([`CloudError`]) keep the code and message and
//!   the property paths the message names ([`property_paths`]): `Model validation failed
//!   (#/BucketName: ...)` gives `/BucketName`, `createOnlyProperties [/properties/X]` gives `/X`.

mod backoff;
mod config;
mod ec2;
mod error;
mod event;
mod limiter;
mod provider;
mod token;

pub use backoff::{PollConfig, PollSchedule, RetryConfig};
pub use config::{Cloud, ENDPOINT_ACCESS_KEY_ID, ENDPOINT_SECRET_ACCESS_KEY, ProviderConfig};
pub use error::{CancelOutcome, CloudError, ErrorKind, ProviderError, property_paths};
pub use event::{
    AvailabilityZone, CallerIdentity, Completed, Observer, OpOptions, Operation, OperationStatus, ProgressEvent,
    ProviderEvent, Resource,
};
pub use limiter::{AimdBucket, RateLimitConfig, RateLimiter, RateStats};
pub use provider::Provider;
pub use token::{client_token, derive_client_token};

// Tests: `cargo test -p engine-provider` (unit tests, plus integration tests against the real
// local cloud in `tests/`). Slow and benchmark tests are ignored:
// `cargo test -p engine-provider -- --ignored --nocapture` (a 100-create burst at 10 rps, the
// completion-notice lag, 1,000 concurrent creates and deletes).
