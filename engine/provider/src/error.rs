//! The provider's error type, and the parsing of cloud messages into property paths.

use std::fmt;
use std::time::Duration;

use crate::event::Operation;

/// Every failure of a provider call.
///
/// Cloud errors keep the cloud's error code and message verbatim, plus the property paths the
/// message names (see [`CloudError::property_paths`]), so the engine can report
/// "resource + property path + cloud message".
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// The cloud refused or failed the operation: a terminal error code, or a retriable one whose
    /// retries ran out.
    #[error(transparent)]
    Cloud(Box<CloudError>),

    /// The operation did not finish before its deadline. If a request was in flight it was
    /// cancelled with `CancelResourceRequest` (see `cancel`). Without a `request_token` the
    /// deadline hit before the cloud answered the submission, which it may still have accepted:
    /// re-sending the operation with the same client token tells (the service answers it
    /// idempotently).
    #[error(
        "{operation} {type_name}{}: did not finish within {} (deadline exceeded){}{}",
        fmt_identifier(identifier.as_deref()),
        fmt_duration(*timeout),
        fmt_request_token(request_token.as_deref()),
        cancel
    )]
    DeadlineExceeded {
        operation: Operation,
        type_name: String,
        /// The resource's identifier if the cloud reported one before the deadline: the resource
        /// may exist (partially created) and must be tracked.
        identifier: Option<String>,
        request_token: Option<String>,
        timeout: Duration,
        cancel: CancelOutcome,
    },

    /// The request was cancelled by someone else (its status became `CANCEL_COMPLETE`).
    #[error(
        "{operation} {type_name}{}: the request was cancelled{}",
        fmt_identifier(identifier.as_deref()),
        fmt_request_token(Some(request_token))
    )]
    Cancelled {
        operation: Operation,
        type_name: String,
        identifier: Option<String>,
        request_token: String,
    },

    /// `GetResourceRequestStatus` does not know this request token (expired after 7 days, or from
    /// another account or region).
    #[error("request token {request_token} is unknown to Cloud Control in {region}")]
    RequestTokenNotFound { request_token: String, region: String },

    /// The request did not get an answer: the cloud could not be reached (connection, TLS,
    /// timeout, unreadable response) and retries ran out, or the request could not be sent at all
    /// (no usable credentials: not retried).
    #[error("{operation}{}: the request failed after {attempts} attempt(s): {message}", fmt_type(type_name))]
    Transport {
        operation: Operation,
        type_name: String,
        attempts: u32,
        message: String,
    },

    /// The caller passed something that can never work (not a JSON object, bad client token...).
    /// Raised before any cloud call.
    #[error("{operation}{}: {message}", fmt_type(type_name))]
    InvalidInput {
        operation: Operation,
        type_name: String,
        message: String,
    },

    /// The cloud answered something unreadable (for example a resource model that is not JSON).
    #[error("{operation}{}: unexpected response from the cloud: {message}", fmt_type(type_name))]
    InvalidResponse {
        operation: Operation,
        type_name: String,
        message: String,
    },

    /// The provider could not be configured (no region, bad endpoint URL, credentials...).
    #[error("cloud configuration: {0}")]
    Config(String),
}

/// An error code and message returned by Cloud Control (synchronously as an exception, or
/// asynchronously as a `FAILED` progress event with a handler error code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudError {
    pub operation: Operation,
    pub type_name: String,
    pub region: String,
    /// The resource's identifier when known (from the request or the progress event).
    pub identifier: Option<String>,
    /// The request token of the failed request (asynchronous failures).
    pub request_token: Option<String>,
    /// The cloud's code exactly as sent: an exception name (`InvalidRequestException`,
    /// `ValidationException`) or a handler error code (`InvalidRequest`, `AlreadyExists`).
    pub code: String,
    /// The cloud's message, verbatim (may be empty).
    pub message: String,
    /// How many times the failing request was sent: for a synchronous error, the sends of that
    /// call; for an asynchronous failure, the submissions of the operation.
    pub attempts: u32,
    /// HTTP status of a synchronous error.
    pub http_status: Option<u16>,
    /// Property paths named by the message, as JSON pointers relative to the resource's
    /// properties (`/BucketName`, `/Tags/0/Key`). See [`property_paths`].
    pub property_paths: Vec<String>,
}

impl CloudError {
    /// The first property path named by the message, if any.
    pub fn property_path(&self) -> Option<&str> {
        self.property_paths.first().map(String::as_str)
    }

    /// The code's meaning, independent of its spelling (`Throttling` / `ThrottlingException`).
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::from_code(&self.code)
    }
}

impl fmt::Display for CloudError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}{}: {}",
            self.operation,
            self.type_name,
            fmt_identifier(self.identifier.as_deref()),
            self.code
        )?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

impl std::error::Error for CloudError {}

/// What happened to the in-flight request when a deadline expired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelOutcome {
    /// No request was in flight (the deadline expired while waiting for the rate limiter or
    /// between retries), so there was nothing to cancel.
    NothingToCancel,
    /// `CancelResourceRequest` was accepted; `status` is the request's status afterwards
    /// (`CANCEL_IN_PROGRESS` or `CANCEL_COMPLETE`, or a terminal status if it finished first).
    Cancelled { status: String },
    /// Cancelling failed (the message says why); the request may still be running.
    Failed { message: String },
}

impl fmt::Display for CancelOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CancelOutcome::NothingToCancel => Ok(()),
            CancelOutcome::Cancelled { status } => write!(f, "; request cancelled ({status})"),
            CancelOutcome::Failed { message } => {
                write!(f, "; cancelling the request failed, it may still be running: {message}")
            }
        }
    }
}

/// The meaning of a cloud error code. Both spellings map to the same kind: the exception name
/// of a synchronous error (`AlreadyExistsException`) and the handler error code of an
/// asynchronous failure (`AlreadyExists`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    NotFound,
    AlreadyExists,
    /// The request or the resource model is invalid (`InvalidRequest`, `ValidationException`).
    InvalidRequest,
    /// A patch touches a create-only property, or the handler cannot update in place.
    NotUpdatable,
    AccessDenied,
    InvalidCredentials,
    Throttling,
    ServiceLimitExceeded,
    /// The type is not in the registry.
    TypeNotFound,
    /// The type lacks the handler (update, list) or the service does not allow the action.
    UnsupportedAction,
    /// Another operation is running on the resource (`ConcurrentOperation`, `ResourceConflict`).
    Conflict,
    ClientTokenConflict,
    /// Transient failures on the cloud side (internal errors, network failures, not stabilized).
    Transient,
    /// The handler timed out (`ServiceTimeout`).
    Timeout,
    Other,
}

impl ErrorKind {
    /// Classifies a code in either spelling.
    pub fn from_code(code: &str) -> ErrorKind {
        match normalize_code(code) {
            "NotFound" | "ResourceNotFound" => ErrorKind::NotFound,
            "AlreadyExists" => ErrorKind::AlreadyExists,
            "InvalidRequest" | "Validation" | "GeneralService" | "InvalidTypeConfiguration" => {
                ErrorKind::InvalidRequest
            }
            "NotUpdatable" => ErrorKind::NotUpdatable,
            "AccessDenied" | "UnauthorizedTaggingOperation" | "Unauthorized" => ErrorKind::AccessDenied,
            "InvalidCredentials" | "UnrecognizedClient" | "ExpiredToken" | "InvalidClientTokenId" => {
                ErrorKind::InvalidCredentials
            }
            "Throttling" | "TooManyRequests" | "RequestLimitExceeded" | "SlowDown" => ErrorKind::Throttling,
            "ServiceLimitExceeded" => ErrorKind::ServiceLimitExceeded,
            "TypeNotFound" | "PrivateType" => ErrorKind::TypeNotFound,
            "UnsupportedAction" | "UnknownOperation" => ErrorKind::UnsupportedAction,
            "ConcurrentOperation" | "ResourceConflict" | "ConcurrentModification" => ErrorKind::Conflict,
            "ClientTokenConflict" => ErrorKind::ClientTokenConflict,
            "ServiceInternalError" | "NetworkFailure" | "NotStabilized" | "InternalFailure"
            | "HandlerInternalFailure" | "HandlerFailure" | "ServiceUnavailable" | "InternalServerError"
            | "InternalError" => ErrorKind::Transient,
            "ServiceTimeout" => ErrorKind::Timeout,
            _ => ErrorKind::Other,
        }
    }
}

/// Strips the `Exception` suffix and any `namespace#` prefix: `com.amazon#ThrottlingException`
/// and `Throttling` both become `Throttling`.
pub(crate) fn normalize_code(code: &str) -> &str {
    let code = code.rsplit('#').next().unwrap_or(code);
    let code = code.split(':').next().unwrap_or(code);
    code.strip_suffix("Exception").unwrap_or(code)
}

/// Handler error codes the Cloud Control handler contract marks retriable, plus the transient
/// exceptions of the API itself. A `FAILED` event with one of these is re-sent.
pub(crate) fn is_retriable_code(code: &str) -> bool {
    matches!(
        normalize_code(code),
        "Throttling"
            | "TooManyRequests"
            | "RequestLimitExceeded"
            | "ServiceInternalError"
            | "NotStabilized"
            | "NetworkFailure"
            | "ResourceConflict"
            | "ConcurrentOperation"
            | "ConcurrentModification"
            | "HandlerInternalFailure"
            | "InternalFailure"
            | "ServiceUnavailable"
            | "InternalServerError"
            | "InternalError"
    )
}

/// Whether a code means the request was throttled (synchronously or by the handler).
pub(crate) fn is_throttling_code(code: &str) -> bool {
    ErrorKind::from_code(code) == ErrorKind::Throttling
}

impl ProviderError {
    /// The cloud error, if this is one.
    pub fn as_cloud(&self) -> Option<&CloudError> {
        match self {
            ProviderError::Cloud(error) => Some(error),
            _ => None,
        }
    }

    /// The cloud's error code (`None` for non-cloud errors; `DeadlineExceeded` is not a code).
    pub fn code(&self) -> Option<&str> {
        self.as_cloud().map(|error| error.code.as_str())
    }

    /// The cloud's verbatim message.
    pub fn cloud_message(&self) -> Option<&str> {
        self.as_cloud().map(|error| error.message.as_str())
    }

    /// The property path the cloud's message names, relative to the resource's properties
    /// (`/BucketName`).
    pub fn property_path(&self) -> Option<&str> {
        self.as_cloud().and_then(CloudError::property_path)
    }

    /// The kind of a cloud error (`None` for other errors).
    pub fn kind(&self) -> Option<ErrorKind> {
        self.as_cloud().map(CloudError::kind)
    }

    /// The resource's identifier when the failure happened after the cloud named it. A failed or
    /// timed-out create that still has an identifier may have left a resource behind.
    pub fn identifier(&self) -> Option<&str> {
        match self {
            ProviderError::Cloud(error) => error.identifier.as_deref(),
            ProviderError::DeadlineExceeded { identifier, .. } | ProviderError::Cancelled { identifier, .. } => {
                identifier.as_deref()
            }
            _ => None,
        }
    }

    /// The request token of the failed request, when there was one.
    pub fn request_token(&self) -> Option<&str> {
        match self {
            ProviderError::Cloud(error) => error.request_token.as_deref(),
            ProviderError::DeadlineExceeded { request_token, .. } => request_token.as_deref(),
            ProviderError::Cancelled { request_token, .. } | ProviderError::RequestTokenNotFound { request_token, .. } => {
                Some(request_token)
            }
            _ => None,
        }
    }

    /// True for a cloud error whose code is retriable (`Throttling`, `NotStabilized`,
    /// `ServiceInternalError`, ...): the operation gave up after its retries, or
    /// [`crate::Provider::resume`] found a retriable failure (re-send the operation with its
    /// client token to continue).
    pub fn is_retriable(&self) -> bool {
        self.code().is_some_and(is_retriable_code)
    }

    /// True for a deadline expiry.
    pub fn is_deadline(&self) -> bool {
        matches!(self, ProviderError::DeadlineExceeded { .. })
    }
}

impl From<CloudError> for ProviderError {
    fn from(error: CloudError) -> Self {
        ProviderError::Cloud(Box::new(error))
    }
}

fn fmt_identifier(identifier: Option<&str>) -> String {
    identifier.map(|id| format!(" '{id}'")).unwrap_or_default()
}

fn fmt_request_token(token: Option<&str>) -> String {
    token.map(|t| format!(" (request token {t})")).unwrap_or_default()
}

fn fmt_type(type_name: &str) -> String {
    if type_name.is_empty() {
        String::new()
    } else {
        format!(" {type_name}")
    }
}

pub(crate) fn fmt_duration(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs < 1.0 {
        format!("{} ms", duration.as_millis())
    } else if secs < 120.0 {
        format!("{secs:.1} s")
    } else {
        format!("{:.1} min", secs / 60.0)
    }
}

/// Extracts the property paths a Cloud Control error message names, as JSON pointers relative to
/// the resource's properties.
///
/// Understood forms (several may appear in one message; duplicates are dropped):
/// - JSON-schema validation: `Model validation failed (#/BucketName: expected type: String)`,
///   `#/Tags/0: required key [Key] not found` (gives `/Tags/0/Key`),
///   `#: extraneous key [Foo] is not permitted` (gives `/Foo`), `#/A: #: only 1 subschema...`.
/// - Patch refusals: `Invalid patch update: createOnlyProperties [/properties/X] cannot be
///   updated` (gives `/X`); several pointers in one bracket are all returned.
/// - Any `/properties/...` pointer in the message.
pub fn property_paths(message: &str) -> Vec<String> {
    let mut paths: Vec<String> = Vec::new();
    let mut push = |path: String| {
        let path = if path.is_empty() { return } else { path };
        if !paths.contains(&path) {
            paths.push(path);
        }
    };

    // 1. `#/a/b: ...` and `#: ...` locations of JSON-schema validation errors.
    let mut index = 0;
    while let Some(offset) = message[index..].find('#') {
        let start = index + offset;
        index = start + 1;
        // `#` must start a location: followed by `/` or `:`.
        let rest = &message[start + 1..];
        let location_end = rest
            .find(|c: char| c == ':' || c == ')' || c == ',' || c.is_whitespace())
            .unwrap_or(rest.len());
        let location = &rest[..location_end];
        if !location.is_empty() && !location.starts_with('/') {
            continue;
        }
        let after = &rest[location_end..];
        if !after.starts_with(':') {
            if !location.is_empty() {
                push(location.to_string());
            }
            continue;
        }
        // A `required key [X]` / `extraneous key [X]` right after names the child.
        let detail = after[1..].trim_start();
        let child = ["required key [", "extraneous key ["]
            .iter()
            .find_map(|prefix| detail.strip_prefix(prefix))
            .and_then(|tail| tail.split(']').next());
        match child {
            Some(children) if !children.trim().is_empty() => {
                // `required key [A, B] not found` names several children.
                for child in children.split(',').map(str::trim).filter(|child| !child.is_empty()) {
                    push(format!("{location}/{}", escape_pointer(child)));
                }
            }
            _ => {
                if !location.is_empty() {
                    push(location.to_string());
                }
            }
        }
    }

    // 2. `/properties/...` pointers (patch refusals and others).
    let mut rest = message;
    while let Some(offset) = rest.find("/properties/") {
        let tail = &rest[offset + "/properties".len()..];
        let end = tail
            .find(|c: char| c == ']' || c == ',' || c == ')' || c == '"' || c == '\'' || c.is_whitespace())
            .unwrap_or(tail.len());
        push(tail[..end].to_string());
        rest = &tail[end..];
    }
    paths
}

fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_validation_paths() {
        assert_eq!(
            property_paths("Model validation failed (#/BucketName: expected type: String, found: Integer)"),
            vec!["/BucketName"]
        );
        assert_eq!(
            property_paths("Model validation failed (#/Tags/0: required key [Key] not found)"),
            vec!["/Tags/0/Key"]
        );
        assert_eq!(
            property_paths("Model validation failed (#: required key [RetentionInDays] not found)"),
            vec!["/RetentionInDays"]
        );
        assert_eq!(
            property_paths("Model validation failed (#: required key [A, B] not found)"),
            vec!["/A", "/B"]
        );
        assert_eq!(
            property_paths("Model validation failed (#: extraneous key [Bogus] is not permitted)"),
            vec!["/Bogus"]
        );
        assert_eq!(
            property_paths(
                "Model validation failed (#/VersioningConfiguration/Status: #: only 1 subschema matches out of 2)"
            ),
            vec!["/VersioningConfiguration/Status"]
        );
        // Two locations in one message.
        assert_eq!(
            property_paths("Model validation failed (#/A: expected type: String, found: Integer, #/B/C: bad value)"),
            vec!["/A", "/B/C"]
        );
    }

    #[test]
    fn patch_refusal_paths() {
        assert_eq!(
            property_paths(
                "Invalid patch update: createOnlyProperties [/properties/KubernetesNetworkConfig/IpFamily] cannot be updated"
            ),
            vec!["/KubernetesNetworkConfig/IpFamily"]
        );
        assert_eq!(
            property_paths("Invalid patch update: readOnlyProperties [/properties/Arn, /properties/Id] cannot be updated"),
            vec!["/Arn", "/Id"]
        );
        assert_eq!(
            property_paths("Invalid patch update: createOnlyProperties [/properties/BucketName] cannot be updated"),
            vec!["/BucketName"]
        );
    }

    #[test]
    fn list_handler_message_and_no_path() {
        assert_eq!(
            property_paths(
                "Missing or invalid ResourceModel property in AWS::EKS::Nodegroup list handler request input.Required property: (#: required key [ClusterName] not found)"
            ),
            vec!["/ClusterName"]
        );
        assert!(property_paths("Rate exceeded").is_empty());
        assert!(property_paths("Resource of type 'AWS::Kinesis::Stream' with identifier 'Demo' already exists.").is_empty());
        // A `#` that is not a location is ignored.
        assert!(property_paths("bucket #1 is full").is_empty());
        assert!(property_paths("").is_empty());
        assert!(property_paths("#").is_empty());
    }

    #[test]
    fn codes_normalize_and_classify() {
        assert_eq!(normalize_code("com.amazon.coral.service#AccessDeniedException"), "AccessDenied");
        assert_eq!(normalize_code("ThrottlingException"), "Throttling");
        assert_eq!(normalize_code("Throttling"), "Throttling");
        assert_eq!(ErrorKind::from_code("ResourceNotFoundException"), ErrorKind::NotFound);
        assert_eq!(ErrorKind::from_code("NotFound"), ErrorKind::NotFound);
        assert_eq!(ErrorKind::from_code("ValidationException"), ErrorKind::InvalidRequest);
        assert_eq!(ErrorKind::from_code("NotUpdatableException"), ErrorKind::NotUpdatable);
        assert_eq!(ErrorKind::from_code("SomethingNew"), ErrorKind::Other);
        for code in ["Throttling", "ServiceInternalError", "NotStabilized", "NetworkFailure", "ResourceConflict"] {
            assert!(is_retriable_code(code), "{code}");
        }
        for code in ["InvalidRequest", "AlreadyExists", "NotFound", "AccessDenied", "NotUpdatable", "ServiceTimeout"] {
            assert!(!is_retriable_code(code), "{code}");
        }
        assert!(is_throttling_code("ThrottlingException"));
        assert!(!is_throttling_code("AlreadyExists"));
    }

    #[test]
    fn display_keeps_code_message_and_identifier() {
        let error = ProviderError::from(CloudError {
            operation: Operation::Create,
            type_name: "AWS::S3::Bucket".into(),
            region: "us-east-1".into(),
            identifier: Some("b".into()),
            request_token: None,
            code: "InvalidRequest".into(),
            message: "Model validation failed (#/BucketName: expected type: String)".into(),
            attempts: 1,
            http_status: None,
            property_paths: property_paths("Model validation failed (#/BucketName: expected type: String)"),
        });
        assert_eq!(
            error.to_string(),
            "create AWS::S3::Bucket 'b': InvalidRequest: Model validation failed (#/BucketName: expected type: String)"
        );
        assert_eq!(error.property_path(), Some("/BucketName"));
        assert_eq!(error.kind(), Some(ErrorKind::InvalidRequest));
        let deadline = ProviderError::DeadlineExceeded {
            operation: Operation::Delete,
            type_name: "AWS::Logs::LogGroup".into(),
            identifier: Some("lg".into()),
            request_token: Some("r-1".into()),
            timeout: Duration::from_millis(1500),
            cancel: CancelOutcome::Cancelled { status: "CANCEL_COMPLETE".into() },
        };
        assert_eq!(
            deadline.to_string(),
            "delete AWS::Logs::LogGroup 'lg': did not finish within 1.5 s (deadline exceeded) (request token r-1); request cancelled (CANCEL_COMPLETE)"
        );
    }
}
