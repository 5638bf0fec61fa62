//! The snapshot file (`state.json`) and the deterministic client tokens.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::{Result, StateError};
use crate::model::{OpKind, PendingOperation, ResourceState};

/// The `format` field of a snapshot.
pub const SNAPSHOT_FORMAT: &str = "engine-state";
/// The snapshot version this engine writes and the newest it reads.
pub const SNAPSHOT_VERSION: u64 = 1;

/// `state.json` (see FORMAT.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Snapshot {
    pub format: String,
    pub version: u64,
    pub project: String,
    pub stack: String,
    /// Random, fixed when the stack's state is created; part of every client token.
    pub instance: String,
    /// The last journal sequence number folded in: records up to it are skipped on replay.
    pub last_seq: u64,
    /// The next operation number.
    pub next_op: u64,
    /// RFC 3339 UTC.
    pub written: String,
    #[serde(default)]
    pub outputs: Map<String, Value>,
    #[serde(default)]
    pub resources: Vec<ResourceState>,
    #[serde(default)]
    pub pending_operations: Vec<PendingOperation>,
}

impl Snapshot {
    pub fn parse(data: &[u8], location: &str) -> Result<Self> {
        let value: Value = serde_json::from_slice(data)
            .map_err(|e| StateError::corrupt(location, format!("not valid JSON ({e})")))?;
        let format = value.get("format").and_then(Value::as_str);
        if format != Some(SNAPSHOT_FORMAT) {
            return Err(StateError::corrupt(location, format!("not an engine state file (format {format:?})")));
        }
        let version = value
            .get("version")
            .and_then(Value::as_u64)
            .ok_or_else(|| StateError::corrupt(location, "no format version"))?;
        if version > SNAPSHOT_VERSION {
            return Err(StateError::NewerVersion { location: location.to_owned(), found: version, supported: SNAPSHOT_VERSION });
        }
        serde_json::from_value(value).map_err(|e| StateError::corrupt(location, e.to_string()))
    }
}

/// The Cloud Control `ClientToken` for operation `op` on `urn`: 64 hex characters (within
/// Cloud Control's `[-A-Za-z0-9+/=]{1,128}`), derived from the stack's state instance, the URN,
/// the operation kind and the operation number. The same inputs always give the same token, so a
/// re-sent request after a crash is recognised as the same request; operation numbers are never
/// reused within a stack's state, and a re-created stack gets a new instance, so an old token is
/// never sent for a new request.
#[must_use]
pub fn client_token(instance: &str, urn: &str, kind: OpKind, op: u64) -> String {
    let mut hasher = Sha256::new();
    for part in ["engine-client-token/v1", instance, urn, kind.as_str(), &op.to_string()] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_tokens_are_deterministic_distinct_and_valid() {
        let a = client_token("i1", "urn:engine:dev::p::AWS::S3::Bucket::b", OpKind::Create, 7);
        assert_eq!(a, client_token("i1", "urn:engine:dev::p::AWS::S3::Bucket::b", OpKind::Create, 7));
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || "-+/=".contains(c)));
        for other in [
            client_token("i2", "urn:engine:dev::p::AWS::S3::Bucket::b", OpKind::Create, 7),
            client_token("i1", "urn:engine:dev::p::AWS::S3::Bucket::c", OpKind::Create, 7),
            client_token("i1", "urn:engine:dev::p::AWS::S3::Bucket::b", OpKind::Update, 7),
            client_token("i1", "urn:engine:dev::p::AWS::S3::Bucket::b", OpKind::Create, 8),
        ] {
            assert_ne!(a, other);
        }
    }

    #[test]
    fn newer_or_foreign_snapshots_are_refused() {
        let newer = br#"{"format":"engine-state","version":9,"whatever":[]}"#;
        assert!(matches!(Snapshot::parse(newer, "s").unwrap_err(), StateError::NewerVersion { found: 9, .. }));
        assert!(matches!(Snapshot::parse(b"{\"format\":\"x\"}", "s").unwrap_err(), StateError::Corrupt { .. }));
        assert!(matches!(Snapshot::parse(b"{\"format\":\"engine-st", "s").unwrap_err(), StateError::Corrupt { .. }));
    }
}
