//! What a run reports, as it happens: the events the CLI's views render (live tree, plain
//! lines, `--json`). Values in events are already masked: no secret plaintext ever reaches an
//! event.
//!
//! # JSON form (`--json`: one event per line)
//!
//! Every event is an object with `"event"` naming its kind and `"time"` (milliseconds since the
//! run started):
//!
//! | event | fields |
//! |---|---|
//! | `start` | `operation` (`preview`, `up`, `destroy`, `refresh`), `project`, `stack`, `cloud`, `region`, `dryRun` |
//! | `programOutput` | `stream` (`stdout`/`stderr`), `line` |
//! | `log` | `severity` (`debug`/`info`/`warning`/`error`), `message`, `urn`? |
//! | `stepPlanned` | `urn`, `type`, `name`, `op`, `diff` (list of `{path, kind, old?, new?, replaceReason?}`), `replaceReasons`, `deleteBeforeReplace` |
//! | `stepStarted` | `urn`, `type`, `name`, `op` |
//! | `stepDone` | `urn`, `type`, `name`, `op`, `ok`, `elapsedMs`, `id`?, `error`? |
//! | `diagnostic` | `severity`, `urn`?, `message` (errors that are not a step's: bad input, program crash) |
//! | `outputs` | `outputs` (the stack outputs, masked) |
//! | `summary` | `operation`, `ok`, `counts` (op → number), `durationMs`, `changes` (whether anything changed or would change), `errors` (count) |
//!
//! `op` is one of `same`, `create`, `update`, `replace`, `delete`, `read`, `import`, `refresh`,
//! `discard` (forget without deleting: retainOnDelete), `delete-replaced` (the old half of a
//! create-before-delete replacement).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::diff::{ChangeKind, Diff};

/// A step's operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepOp {
    Same,
    Create,
    Update,
    Replace,
    Delete,
    Read,
    Import,
    Refresh,
    Discard,
    DeleteReplaced,
}

impl StepOp {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Same => "same",
            Self::Create => "create",
            Self::Update => "update",
            Self::Replace => "replace",
            Self::Delete => "delete",
            Self::Read => "read",
            Self::Import => "import",
            Self::Refresh => "refresh",
            Self::Discard => "discard",
            Self::DeleteReplaced => "delete-replaced",
        }
    }

    /// Whether the step changes anything (in the cloud or in state).
    #[must_use]
    pub fn is_change(self) -> bool {
        !matches!(self, Self::Same | Self::Read | Self::DeleteReplaced)
    }

    /// The past tense shown when the step is done.
    #[must_use]
    pub fn past(self) -> &'static str {
        match self {
            Self::Same => "unchanged",
            Self::Create => "created",
            Self::Update => "updated",
            Self::Replace => "replaced",
            Self::Delete => "deleted",
            Self::Read => "read",
            Self::Import => "imported",
            Self::Refresh => "refreshed",
            Self::Discard => "forgotten",
            Self::DeleteReplaced => "deleted (replaced)",
        }
    }

    /// The one-character symbol of plans (`+`, `~`, `-`, `+-`, ...).
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Same => " ",
            Self::Create => "+",
            Self::Update => "~",
            Self::Replace => "+-",
            Self::Delete | Self::DeleteReplaced => "-",
            Self::Read => ">",
            Self::Import => "=",
            Self::Refresh => "~",
            Self::Discard => "-",
        }
    }
}

/// What kind of run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    Preview,
    Up,
    Destroy,
    Refresh,
}

impl Operation {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Preview => "preview",
            Self::Up => "up",
            Self::Destroy => "destroy",
            Self::Refresh => "refresh",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Debug,
    Info,
    Warning,
    Error,
}

/// One property change, masked.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyDiff {
    pub path: String,
    pub kind: ChangeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replace_reason: Option<String>,
}

impl PropertyDiff {
    /// From a diff, masking the values whose top-level property is secret (`secret_props`).
    #[must_use]
    pub fn from_diff(diff: &Diff, secret_props: &dyn Fn(&str) -> bool) -> Vec<Self> {
        diff.changes
            .iter()
            .map(|c| {
                let secret = c.location.first().is_some_and(|root| secret_props(root));
                let show = |v: &Option<Value>| {
                    v.as_ref().map(|v| if secret { Value::String(crate::MASK.to_owned()) } else { display_value(v) })
                };
                PropertyDiff {
                    path: c.path(),
                    kind: c.kind,
                    old: show(&c.old),
                    new: show(&c.new),
                    replace_reason: c.replace_reason.clone(),
                }
            })
            .collect()
    }
}

/// A value for display: secrets masked, unknowns shown as `(known after apply)`.
#[must_use]
pub fn display_value(v: &Value) -> Value {
    engine_proto::value::map_specials(v, &mut |special, _| match special {
        engine_proto::value::Special::Secret(_) => Some(Value::String(crate::MASK.to_owned())),
        engine_proto::value::Special::Unknown => Some(Value::String("(known after apply)".to_owned())),
        engine_proto::value::Special::Resource { urn, id } => {
            Some(Value::String(if id.is_empty() { urn.to_owned() } else { id.to_owned() }))
        }
        engine_proto::value::Special::Asset(a) => Some(Value::String(format!("{} {}", a.kind, a.path))),
    })
}

/// An event of a run.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum Event {
    #[serde(rename_all = "camelCase")]
    Start { operation: Operation, project: String, stack: String, cloud: String, region: String, dry_run: bool },
    #[serde(rename_all = "camelCase")]
    ProgramOutput { stream: &'static str, line: String },
    #[serde(rename_all = "camelCase")]
    Log {
        severity: Severity,
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        urn: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    StepPlanned {
        urn: String,
        #[serde(rename = "type")]
        type_name: String,
        name: String,
        op: StepOp,
        diff: Vec<PropertyDiff>,
        replace_reasons: Vec<String>,
        delete_before_replace: bool,
    },
    #[serde(rename_all = "camelCase")]
    StepStarted {
        urn: String,
        #[serde(rename = "type")]
        type_name: String,
        name: String,
        op: StepOp,
    },
    #[serde(rename_all = "camelCase")]
    StepDone {
        urn: String,
        #[serde(rename = "type")]
        type_name: String,
        name: String,
        op: StepOp,
        ok: bool,
        elapsed_ms: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    Diagnostic {
        severity: Severity,
        #[serde(skip_serializing_if = "Option::is_none")]
        urn: Option<String>,
        message: String,
    },
    #[serde(rename_all = "camelCase")]
    Outputs { outputs: Map<String, Value> },
    #[serde(rename_all = "camelCase")]
    Summary {
        operation: Operation,
        ok: bool,
        counts: BTreeMap<StepOp, usize>,
        duration_ms: u64,
        changes: bool,
        errors: usize,
    },
}

/// An event with its time since the run started.
#[derive(Debug, Clone, Serialize)]
pub struct TimedEvent {
    /// Milliseconds since the run started.
    pub time: u64,
    #[serde(flatten)]
    pub event: Event,
}

/// Receives events (the CLI's views implement it). Called from many tasks at once.
pub trait EventSink: Send + Sync {
    fn event(&self, event: &TimedEvent);
}

/// Discards events.
pub struct NullSink;

impl EventSink for NullSink {
    fn event(&self, _event: &TimedEvent) {}
}

/// Collects events (tests, benchmarks).
#[derive(Default)]
pub struct CollectSink {
    pub events: std::sync::Mutex<Vec<TimedEvent>>,
}

impl EventSink for CollectSink {
    fn event(&self, event: &TimedEvent) {
        if let Ok(mut events) = self.events.lock() {
            events.push(event.clone());
        }
    }
}

/// Stamps events with the run's clock and hands them to a sink.
#[derive(Clone)]
pub struct Reporter {
    started: Instant,
    sink: Arc<dyn EventSink>,
    masker: Arc<std::sync::RwLock<engine_config::Masker>>,
}

impl Reporter {
    #[must_use]
    pub fn new(sink: Arc<dyn EventSink>) -> Self {
        Self { started: Instant::now(), sink, masker: Arc::default() }
    }

    /// Remember a secret's plaintext so it is masked in free text (program output, errors).
    pub fn add_secret(&self, value: &Value) {
        if let Ok(mut masker) = self.masker.write() {
            masker.add_secret_value(value);
        }
    }

    /// Mask known secret plaintexts in free text.
    #[must_use]
    pub fn mask_text(&self, text: &str) -> String {
        match self.masker.read() {
            Ok(masker) => masker.mask(text).into_owned(),
            Err(_) => text.to_owned(),
        }
    }

    pub fn emit(&self, event: Event) {
        let event = match event {
            Event::ProgramOutput { stream, line } => Event::ProgramOutput { stream, line: self.mask_text(&line) },
            Event::Log { severity, message, urn } => Event::Log { severity, message: self.mask_text(&message), urn },
            Event::Diagnostic { severity, urn, message } => {
                Event::Diagnostic { severity, urn, message: self.mask_text(&message) }
            }
            Event::StepDone { urn, type_name, name, op, ok, elapsed_ms, id, error } => Event::StepDone {
                urn,
                type_name,
                name,
                op,
                ok,
                elapsed_ms,
                id,
                error: error.map(|e| self.mask_text(&e)),
            },
            other => other,
        };
        let millis = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.sink.event(&TimedEvent { time: millis, event });
    }

    #[must_use]
    pub fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}
