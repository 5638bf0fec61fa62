//! Automatic crash recovery, at the start of every run that writes state: each operation the
//! journal shows in flight (begun, no outcome) is resolved before anything else happens.
//!
//! - With a request token: poll the request to its end ([`Provider::resume`]).
//! - Without one (the crash came between the journal write and the cloud's answer), or when the
//!   cloud no longer knows the token: re-send the operation with the **same client token**. The
//!   service answers a token it has seen with the original request (no duplicate); if the
//!   request never arrived, it is performed now.
//! - Success: a create is adopted (its record stored with the identifier and the model read
//!   back), an update is recorded, a delete removes the record.
//! - Failure: the operation is closed as failed; a create that left a resource behind (an
//!   identifier came back) is stored with its error so the next plan replaces it; otherwise
//!   nothing was created and nothing is recorded ("forget what never was").
//!
//! No manual state surgery is ever needed.

use std::sync::Arc;
use std::time::Duration;

use engine_provider::{Completed, OpOptions, Provider, ProviderError, ProviderEvent};
use engine_schema::{Operation as SchemaOp, Registry};
use engine_state::{OpKind, PendingOperation, ResourceState, StateWriter};
use serde_json::{Map, Value};

use crate::deployment::{describe_provider_error, mark_outputs};
use crate::events::{Event, Reporter, Severity};

/// What recovery did with one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Created (or found created) and adopted, with this identifier.
    Adopted(String),
    Updated,
    Deleted,
    /// The operation failed (or never happened); nothing to keep.
    Forgotten(String),
    /// The operation failed but left a resource behind, recorded with its error.
    LeftBehind(String),
}

fn plain(map: &Map<String, Value>) -> Value {
    engine_proto::value::unwrap_secrets(&Value::Object(map.clone())).0
}

/// Resolve every in-flight operation. Returns the errors (recording failures); each resolution is
/// also reported as a diagnostic.
pub async fn recover(
    provider: &Arc<Provider>,
    writer: &StateWriter,
    in_flight: Vec<PendingOperation>,
    default_region: &str,
    reporter: &Reporter,
) -> Vec<String> {
    let mut tasks = Vec::new();
    for pending in in_flight {
        let provider = provider.clone();
        let writer = writer.clone();
        let region = if pending.region.is_empty() { default_region.to_owned() } else { pending.region.clone() };
        let reporter = reporter.clone();
        tasks.push(tokio::spawn(async move {
            let result = resolve_one(&provider, &writer, &pending, &region).await;
            match &result {
                Ok(resolution) => reporter.emit(Event::Diagnostic {
                    severity: Severity::Info,
                    urn: Some(pending.urn.clone()),
                    message: format!("recovered an interrupted {}: {}", pending.kind, describe(resolution)),
                }),
                Err(e) => reporter.emit(Event::Diagnostic {
                    severity: Severity::Error,
                    urn: Some(pending.urn.clone()),
                    message: format!("could not resolve an interrupted {}: {e}", pending.kind),
                }),
            }
            result.err().map(|e| format!("{}: {e}", pending.urn))
        }));
    }
    let mut errors = Vec::new();
    for task in tasks {
        match task.await {
            Ok(Some(e)) => errors.push(e),
            Ok(None) => {}
            Err(e) => errors.push(e.to_string()),
        }
    }
    errors
}

fn describe(resolution: &Resolution) -> String {
    match resolution {
        Resolution::Adopted(id) => format!("the resource exists ({id}) and is now in state"),
        Resolution::Updated => "the update completed and is recorded".to_owned(),
        Resolution::Deleted => "the resource is deleted".to_owned(),
        Resolution::Forgotten(why) => format!("it did not happen ({why}); nothing to keep"),
        Resolution::LeftBehind(id) => format!("it failed but left {id} behind; the next plan replaces it"),
    }
}

async fn send_again(
    provider: &Provider,
    pending: &PendingOperation,
    options: &OpOptions,
) -> Result<Completed, ProviderError> {
    match pending.kind {
        OpKind::Create | OpKind::CreateReplacement => {
            let inputs = pending.desired.as_ref().map(|d| plain(&d.inputs)).unwrap_or(Value::Object(Map::new()));
            provider.create(&pending.type_name, &inputs, &pending.client_token, options).await
        }
        OpKind::Update => {
            let patch = pending
                .patch
                .as_ref()
                .map(|p| engine_proto::value::unwrap_secrets(p).0)
                .unwrap_or(Value::Array(Vec::new()));
            provider.update(&pending.type_name, &pending.id, &patch, &pending.client_token, options).await
        }
        OpKind::Delete => provider.delete(&pending.type_name, &pending.id, &pending.client_token, options).await,
    }
}

async fn resolve_one(
    provider: &Provider,
    writer: &StateWriter,
    pending: &PendingOperation,
    region: &str,
) -> Result<Resolution, String> {
    let schema = Registry::global().get(&pending.type_name).ok();
    let schema_op = match pending.kind {
        OpKind::Create | OpKind::CreateReplacement => SchemaOp::Create,
        OpKind::Update => SchemaOp::Update,
        OpKind::Delete => SchemaOp::Delete,
    };
    let timeout = pending
        .desired
        .as_ref()
        .and_then(|d| match schema_op {
            SchemaOp::Create => d.options.custom_timeouts.create,
            SchemaOp::Update => d.options.custom_timeouts.update,
            _ => d.options.custom_timeouts.delete,
        })
        .map(Duration::from_secs_f64)
        .or_else(|| schema.as_ref().and_then(|s| s.handler_timeout(schema_op)));
    let mut options = OpOptions::new().region(region);
    if let Some(timeout) = timeout {
        options = options.timeout(timeout);
    }
    let op = pending.op;
    let journal = writer.clone();
    options = options.observer(Arc::new(move |event: &ProviderEvent| {
        if let ProviderEvent::Submitted { request_token, .. } = event {
            let _ = journal.request_sent(op, request_token);
        }
    }));
    if (pending.kind == OpKind::Create || pending.kind == OpKind::CreateReplacement) && pending.desired.is_none() {
        writer.abandon(op, "no desired record to create").await.map_err(|e| e.to_string())?;
        return Ok(Resolution::Forgotten("no desired record".to_owned()));
    }
    let outcome = match &pending.request_token {
        Some(token) => match provider.resume(token, &options).await {
            Err(ProviderError::RequestTokenNotFound { .. }) => send_again(provider, pending, &options).await,
            other => other,
        },
        None => send_again(provider, pending, &options).await,
    };
    match outcome {
        Ok(done) => match pending.kind {
            OpKind::Delete => {
                writer.done(op, None).await.map_err(|e| e.to_string())?;
                Ok(Resolution::Deleted)
            }
            OpKind::Create | OpKind::CreateReplacement | OpKind::Update => {
                let mut record: ResourceState = pending.desired.clone().unwrap_or_default();
                if let Some(id) = done.identifier.clone().filter(|id| !id.is_empty()) {
                    record.id = id;
                } else if record.id.is_empty() {
                    record.id = pending.id.clone();
                }
                let read_options = OpOptions::new().region(region);
                let cloud = match provider.get(&pending.type_name, &record.id, &read_options).await {
                    Ok(Some(found)) => found.properties.as_object().cloned().unwrap_or_default(),
                    _ => done.resource_model.and_then(|m| m.as_object().cloned()).unwrap_or_default(),
                };
                record.outputs = match &schema {
                    Some(schema) => {
                        mark_outputs(schema, cloud, &record.inputs, &record.options.additional_secret_outputs)
                    }
                    None => cloud,
                };
                let id = record.id.clone();
                writer.done(op, Some(record)).await.map_err(|e| e.to_string())?;
                Ok(if pending.kind == OpKind::Update { Resolution::Updated } else { Resolution::Adopted(id) })
            }
        },
        Err(error) => {
            let message = describe_provider_error(&error);
            let left_behind = match pending.kind {
                OpKind::Create | OpKind::CreateReplacement => crate::deployment::created_despite(&error),
                _ => None,
            };
            match left_behind {
                Some(id) => {
                    let mut record = pending.desired.clone().unwrap_or_default();
                    record.id = id.clone();
                    record.init_errors = vec![message.clone()];
                    writer.failed(op, &message, Some(record)).await.map_err(|e| e.to_string())?;
                    Ok(Resolution::LeftBehind(id))
                }
                None => {
                    writer.failed(op, &message, None).await.map_err(|e| e.to_string())?;
                    Ok(Resolution::Forgotten(message))
                }
            }
        }
    }
}
