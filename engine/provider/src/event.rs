//! Values the provider returns and reports: operations, progress events, results, observer events.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// A provider call. `Create`, `Update` and `Delete` are Cloud Control's asynchronous operations
/// (the only values [`ProgressEvent::operation`] takes); the others name the remaining calls in
/// errors and events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    Create,
    Update,
    Delete,
    /// `GetResource`.
    Read,
    /// `ListResources`.
    List,
    /// `GetResourceRequestStatus` (polling, [`crate::Provider::resume`]).
    Status,
    /// `CancelResourceRequest`.
    Cancel,
    /// STS `GetCallerIdentity`.
    CallerIdentity,
    /// EC2 `DescribeAvailabilityZones`.
    AvailabilityZones,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Delete => "delete",
            Operation::Read => "read",
            Operation::List => "list",
            Operation::Status => "request status",
            Operation::Cancel => "cancel",
            Operation::CallerIdentity => "caller identity",
            Operation::AvailabilityZones => "availability zones",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `OperationStatus` of a Cloud Control request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OperationStatus {
    Pending,
    InProgress,
    Success,
    Failed,
    CancelInProgress,
    CancelComplete,
    /// A value this client does not know; treated as still running.
    Other(String),
}

impl OperationStatus {
    /// `SUCCESS`, `FAILED` and `CANCEL_COMPLETE` are terminal.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            OperationStatus::Success | OperationStatus::Failed | OperationStatus::CancelComplete
        )
    }

    pub fn as_str(&self) -> &str {
        match self {
            OperationStatus::Pending => "PENDING",
            OperationStatus::InProgress => "IN_PROGRESS",
            OperationStatus::Success => "SUCCESS",
            OperationStatus::Failed => "FAILED",
            OperationStatus::CancelInProgress => "CANCEL_IN_PROGRESS",
            OperationStatus::CancelComplete => "CANCEL_COMPLETE",
            OperationStatus::Other(other) => other,
        }
    }

    pub(crate) fn parse(value: &str) -> OperationStatus {
        match value {
            "PENDING" => OperationStatus::Pending,
            "IN_PROGRESS" => OperationStatus::InProgress,
            "SUCCESS" => OperationStatus::Success,
            "FAILED" => OperationStatus::Failed,
            "CANCEL_IN_PROGRESS" => OperationStatus::CancelInProgress,
            "CANCEL_COMPLETE" => OperationStatus::CancelComplete,
            other => OperationStatus::Other(other.to_string()),
        }
    }
}

impl fmt::Display for OperationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Cloud Control `ProgressEvent`, with the resource model parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressEvent {
    pub type_name: String,
    /// The primary identifier (`|`-joined when composite), once the cloud knows it.
    pub identifier: Option<String>,
    pub request_token: String,
    /// `Create`, `Update` or `Delete`.
    pub operation: Operation,
    pub status: OperationStatus,
    /// The handler error code of a `FAILED` event (`AlreadyExists`, `Throttling`...).
    pub error_code: Option<String>,
    pub status_message: Option<String>,
    /// The resource model, when the event carries one.
    pub resource_model: Option<serde_json::Value>,
    /// How long after now the service suggests polling again (`RetryAfter`), if it said so.
    pub retry_after: Option<Duration>,
}

/// The outcome of a successful create, update or delete (or of [`crate::Provider::resume`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Completed {
    pub operation: Operation,
    pub type_name: String,
    /// The resource's primary identifier. Always set after a create or update; for a delete it
    /// is the identifier that was deleted.
    pub identifier: Option<String>,
    /// The request token of the request that succeeded. `None` only for a delete the cloud
    /// answered synchronously with "not found".
    pub request_token: Option<String>,
    /// The client token of the request that succeeded: the caller's token, or a token derived from
    /// it when an asynchronous failure was retried (see [`crate::derive_client_token`]).
    pub client_token: Option<String>,
    /// The final event's resource model if it had one. Call [`crate::Provider::get`] for the
    /// authoritative current state.
    pub resource_model: Option<serde_json::Value>,
    pub status_message: Option<String>,
    /// A delete found the resource already gone (`NotFound` counts as success).
    pub already_absent: bool,
    /// How many times the operation was submitted: 1, plus one per re-submission after an
    /// asynchronous retriable failure.
    pub attempts: u32,
    /// Every request sent for the operation: submissions, synchronous retries and polls.
    pub requests: u32,
    /// Wall time from the call until completion was noticed.
    pub elapsed: Duration,
}

/// A resource as `GetResource` / `ListResources` describe it.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub identifier: String,
    /// The resource model (without write-only properties; sparse for some list handlers).
    pub properties: serde_json::Value,
}

/// STS `GetCallerIdentity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
    pub user_id: String,
}

/// EC2 `DescribeAvailabilityZones` (zones of the region, available ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailabilityZone {
    /// `us-east-1a`.
    pub name: String,
    /// `use1-az1`.
    pub zone_id: Option<String>,
    /// `available`, ...
    pub state: Option<String>,
}

/// What the provider reports while it works. Owned values, cheap to clone or send on.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ProviderEvent {
    /// The cloud accepted a create/update/delete request and gave its request token. Reported
    /// before any polling starts: journal `request_token` now to resume after a crash.
    Submitted {
        operation: Operation,
        type_name: String,
        region: String,
        /// The client token this request was sent with.
        client_token: String,
        request_token: String,
        identifier: Option<String>,
        status: OperationStatus,
    },
    /// A poll saw the request change status or learn its identifier.
    Progress {
        operation: Operation,
        type_name: String,
        request_token: String,
        identifier: Option<String>,
        status: OperationStatus,
        status_message: Option<String>,
    },
    /// A request is sent again after `delay` because of `code` (a throttle, a transient error or
    /// a retriable handler failure). `new_client_token` is set when the whole operation is
    /// re-submitted with a fresh (derived) client token after an asynchronous failure.
    Retrying {
        operation: Operation,
        type_name: String,
        region: String,
        attempt: u32,
        delay: Duration,
        code: String,
        message: String,
        new_client_token: Option<String>,
    },
    /// The deadline expired; the in-flight request is being cancelled.
    Cancelling {
        operation: Operation,
        type_name: String,
        request_token: String,
    },
}

/// Receives [`ProviderEvent`]s. Called synchronously on the task running the operation, so keep it
/// short (an fsync'd journal append is fine); it must not call back into the same operation.
pub trait Observer: Send + Sync {
    fn event(&self, event: &ProviderEvent);
}

impl<F> Observer for F
where
    F: Fn(&ProviderEvent) + Send + Sync,
{
    fn event(&self, event: &ProviderEvent) {
        self(event);
    }
}

/// Per-call options. `OpOptions::default()` uses the provider's default region, the provider's
/// default timeout and no observer.
#[derive(Clone, Default)]
pub struct OpOptions {
    /// The region to act in (`None`: the provider's default region).
    pub region: Option<String>,
    /// The operation's deadline, measured from the call, covering rate-limit waits, retries and
    /// polling (`None`: [`crate::ProviderConfig::default_timeout`]). Pass the resource's
    /// `customTimeouts` value, or the schema handler's `timeoutInMinutes`.
    pub timeout: Option<Duration>,
    /// Receives request tokens, progress and retries.
    pub observer: Option<Arc<dyn Observer>>,
    /// Cloud Control `RoleArn`: an IAM role the service assumes for this operation.
    pub role_arn: Option<String>,
}

impl OpOptions {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    pub fn observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = Some(observer);
        self
    }

    pub fn role_arn(mut self, role_arn: impl Into<String>) -> Self {
        self.role_arn = Some(role_arn.into());
        self
    }
}

impl fmt::Debug for OpOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpOptions")
            .field("region", &self.region)
            .field("timeout", &self.timeout)
            .field("observer", &self.observer.as_ref().map(|_| "<observer>"))
            .field("role_arn", &self.role_arn)
            .finish()
    }
}
