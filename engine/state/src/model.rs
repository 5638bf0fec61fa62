//! The state model: resources, options, stack outputs and operations in flight.
//!
//! Values are JSON with the `engine_proto::value` markers. In memory (what [`crate::StateStore`]
//! returns and what the writer accepts) secrets are in the plaintext form
//! `{"__engine":"secret","value":V}`; on disk they are `{"__engine":"secret","ciphertext":"v1:..."}`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

fn is_false(value: &bool) -> bool {
    !*value
}

/// Timeouts in seconds; `None`: the schema's handler timeout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomTimeouts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete: Option<f64>,
}

impl CustomTimeouts {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Resource options as recorded in state (what matters once the program is gone).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceOptions {
    #[serde(default, skip_serializing_if = "is_false")]
    pub protect: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub retain_on_delete: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore_changes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replace_on_changes: Vec<String>,
    /// Unset: the engine decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_before_replace: Option<bool>,
    #[serde(default, skip_serializing_if = "CustomTimeouts::is_empty")]
    pub custom_timeouts: CustomTimeouts,
    /// The `import` option's identifier (empty: none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub import_id: String,
    /// The `region` option as given (empty: inherited); the effective region is
    /// [`ResourceState::region`].
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub region: String,
    /// Former URNs of this resource (aliases resolved to full URNs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Top-level output properties stored as secrets even when the cloud returns them plainly.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_secret_outputs: Vec<String>,
}

impl ResourceOptions {
    #[must_use]
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// One resource in state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceState {
    pub urn: String,
    #[serde(rename = "type")]
    pub type_name: String,
    /// A cloud (or built-in) resource; false: a component or the stack's root.
    pub custom: bool,
    /// Adopted with a read (data source): never updated or deleted.
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
    /// Cloud Control primary identifier (parts joined with `|`); empty for components.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Effective region; empty for components.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub region: String,
    /// Parent URN; empty: the stack's root.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub parent: String,
    /// Inputs as last sent (write-only values included), secrets marked.
    #[serde(default)]
    pub inputs: Map<String, Value>,
    /// Outputs as last read (plus write-only values sent), secrets marked.
    #[serde(default)]
    pub outputs: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    /// Per top-level input property, the URNs its value came from.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub property_dependencies: BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "ResourceOptions::is_default")]
    pub options: ResourceOptions,
    /// The old half of a create-before-delete replacement, waiting to be deleted. It shares its
    /// URN with the new resource.
    #[serde(default, skip_serializing_if = "is_false")]
    pub pending_delete: bool,
    /// Errors from a create or update that left the resource behind half-done: the next run must
    /// update (or replace) it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub init_errors: Vec<String>,
    /// RFC 3339 UTC; set by the writer when missing.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub created: String,
    /// RFC 3339 UTC; set by the writer on every change.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub modified: String,
}

/// A stack's state: its resources (in the order they were first recorded) and outputs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub resources: Vec<ResourceState>,
    /// The stack's outputs (`engine stack output`), secrets marked.
    pub outputs: Map<String, Value>,
}

impl State {
    /// The live record for `urn` (not the old half of a replacement).
    #[must_use]
    pub fn get(&self, urn: &str) -> Option<&ResourceState> {
        self.resources.iter().find(|r| r.urn == urn && !r.pending_delete)
    }

    /// Old halves of replacements still to delete.
    pub fn pending_deletes(&self) -> impl Iterator<Item = &ResourceState> {
        self.resources.iter().filter(|r| r.pending_delete)
    }

    /// Cloud resources this stack manages (custom, not external), pending deletes included.
    #[must_use]
    pub fn managed_count(&self) -> usize {
        self.resources.iter().filter(|r| r.custom && !r.external).count()
    }
}

/// A cloud operation that changes a resource (the ones recorded before they are sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OpKind {
    /// Create a resource that has no record (or replace one delete-first: its old record is
    /// removed by a `Delete` first).
    Create,
    /// Create the new half of a create-before-delete replacement: on success the existing record
    /// for the URN becomes `pending_delete` and the new one is stored beside it.
    CreateReplacement,
    Update,
    /// Delete the record with this URN and identifier (a `pending_delete` one first).
    Delete,
}

impl OpKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::CreateReplacement => "createReplacement",
            Self::Update => "update",
            Self::Delete => "delete",
        }
    }
}

impl fmt::Display for OpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the deploy engine records before it sends a cloud operation
/// ([`crate::StateWriter::begin`]).
#[derive(Debug, Clone, PartialEq)]
pub struct BeginOperation {
    pub kind: OpKind,
    pub urn: String,
    pub type_name: String,
    pub region: String,
    /// The identifier when known (update, delete); empty for a create.
    pub id: String,
    /// Create/update: the record to store if it succeeds (inputs = what is sent, secrets marked).
    /// `None` for a delete.
    pub desired: Option<ResourceState>,
    /// Update: the JSON Patch sent, **with secret markers kept** (unwrap them only on the way to
    /// the cloud), so secrets inside it are encrypted in the journal.
    pub patch: Option<Value>,
}

impl BeginOperation {
    /// An operation with no identifier, desired record or patch yet (set the fields as needed).
    #[must_use]
    pub fn new(kind: OpKind, urn: impl Into<String>, type_name: impl Into<String>) -> Self {
        Self { kind, urn: urn.into(), type_name: type_name.into(), region: String::new(), id: String::new(), desired: None, patch: None }
    }
}

/// An operation that was begun but has no outcome recorded: after a crash, the next run must
/// resolve it (poll `request_token`, or re-send with the same `client_token`, adopt, or forget)
/// and record the outcome with `done` / `failed` / `abandon` on the same `op`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingOperation {
    /// The operation's number (unique within the stack, never reused).
    pub op: u64,
    pub kind: OpKind,
    pub urn: String,
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub region: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// The Cloud Control `ClientToken` the operation is (or will be) sent with.
    pub client_token: String,
    /// The Cloud Control `RequestToken`, once the request was accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired: Option<ResourceState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<Value>,
    /// RFC 3339 UTC.
    pub started: String,
}

/// The handle [`crate::StateWriter::begin`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BegunOperation {
    pub op: u64,
    /// Send the operation with this `ClientToken`.
    pub client_token: String,
}
