//! Refresh: read every managed resource back from the cloud and fold what changed into state.
//!
//! - A resource the cloud no longer has is dropped from state (shown as a `delete`).
//! - Outputs are replaced by what the cloud reports (write-only values kept from the inputs:
//!   the cloud never returns them, so they are never reported as drift).
//! - **Drift** is a change, between the last read and this one, of a property the program sets
//!   (not write-only, not read-only). Comparing the cloud's value with its own earlier value
//!   (rather than with what was sent) ignores the cloud's normalisation and the defaults it
//!   fills in. The drifted property's stored input becomes the cloud's value, so the next `up`
//!   sees a difference from the program and puts the program's value back.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use engine_schema::{Operation as SchemaOp, Registry};
use engine_state::ResourceState;
use serde_json::{Map, Value};

use crate::builtins;
use crate::deployment::{Deployment, describe_provider_error, mark_outputs};
use crate::diff::{self, DiffOptions};
use crate::events::{Event, PropertyDiff, StepOp};

fn plain(map: &Map<String, Value>) -> Map<String, Value> {
    match engine_proto::value::unwrap_secrets(&Value::Object(map.clone())).0 {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// What a refresh found for one resource: `None` when it is gone.
pub(crate) type Refreshed = HashMap<String, Option<ResourceState>>;

impl Deployment {
    /// Refresh every targeted managed resource (built-ins and components are the engine's own
    /// and are skipped). Outside preview the results are recorded. Returns the new records.
    pub(crate) async fn refresh_all(self: &Arc<Self>) -> Refreshed {
        let mut records: Vec<ResourceState> = self
            .old
            .values()
            .filter(|r| r.custom && !r.id.is_empty() && !builtins::is_builtin(&r.type_name))
            .filter(|r| self.targeted(&r.urn))
            .cloned()
            .collect();
        records.sort_by(|a, b| a.urn.cmp(&b.urn));
        let mut tasks = Vec::new();
        for record in records {
            let this = self.clone();
            tasks.push(tokio::spawn(async move {
                let urn = record.urn.clone();
                let result = this.refresh_one(record).await;
                (urn, result)
            }));
        }
        let mut out = HashMap::new();
        for task in tasks {
            if let Ok((urn, Some(result))) = task.await {
                out.insert(urn, result);
            }
        }
        out
    }

    /// `None`: could not be read (an error was reported).
    async fn refresh_one(self: &Arc<Self>, record: ResourceState) -> Option<Option<ResourceState>> {
        let name = engine_proto::parse_urn(&record.urn).map(|p| p.name.to_owned()).unwrap_or_default();
        let schema = Registry::global().get(&record.type_name).ok();
        let region = if record.region.is_empty() { self.info.region.clone() } else { record.region.clone() };
        let permit = self.permits.clone().acquire_owned().await.ok()?;
        let started = Instant::now();
        let options = self.op_options(&region, schema.as_ref().and_then(|s| s.handler_timeout(SchemaOp::Read)), None);
        let found = self.provider.get(&record.type_name, &record.id, &options).await;
        drop(permit);
        self.touch();
        let found = match found {
            Ok(found) => found,
            Err(e) => {
                self.error(Some(&record.urn), format!("refresh: {}", describe_provider_error(&e)));
                return None;
            }
        };
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let Some(found) = found else {
            self.reporter.emit(Event::StepPlanned {
                urn: record.urn.clone(),
                type_name: record.type_name.clone(),
                name: name.clone(),
                op: StepOp::Delete,
                diff: Vec::new(),
                replace_reasons: vec!["deleted outside the engine".to_owned()],
                delete_before_replace: false,
            });
            if !self.dry_run
                && let Some(writer) = &self.writer
                && let Err(e) = writer.remove(&record.urn, &record.id).await
            {
                self.error(Some(&record.urn), format!("cannot record in state: {e}"));
                return None;
            }
            self.count_op(StepOp::Delete);
            return Some(None);
        };
        let cloud = found.properties.as_object().cloned().unwrap_or_default();
        let mut updated = record.clone();
        updated.outputs = match &schema {
            Some(schema) => {
                mark_outputs(schema, cloud.clone(), &record.inputs, &record.options.additional_secret_outputs)
            }
            None => cloud.clone(),
        };
        // Drift on the properties the program sets.
        let watched: Vec<&String> = record
            .inputs
            .keys()
            .filter(|k| {
                schema.as_ref().is_none_or(|s| !s.is_write_only(&[k.as_str()]) && !s.is_read_only(&[k.as_str()]))
            })
            .collect();
        let before = plain(&record.outputs);
        let project = |m: &Map<String, Value>| -> Map<String, Value> {
            watched.iter().filter_map(|k| m.get(*k).map(|v| ((*k).clone(), v.clone()))).collect()
        };
        let drift = diff::diff_inputs(schema.as_deref(), &project(&before), &project(&cloud), &DiffOptions::default());
        let mut drift = drift;
        for change in &mut drift.changes {
            change.replace_reason = None;
        }
        if !drift.is_empty() {
            for key in &watched {
                let (was, now) = (before.get(*key), cloud.get(*key));
                if was != now {
                    match now {
                        Some(v) => {
                            let secret = record.inputs.get(*key).is_some_and(engine_proto::value::contains_secrets);
                            let v = if secret { engine_proto::value::secret(v.clone()) } else { v.clone() };
                            updated.inputs.insert((*key).clone(), v);
                        }
                        None => {
                            updated.inputs.remove(*key);
                        }
                    }
                }
            }
        }
        let op = if drift.is_empty() { StepOp::Same } else { StepOp::Refresh };
        let secret_roots: Vec<String> = record
            .inputs
            .iter()
            .filter(|(_, v)| engine_proto::value::contains_secrets(v))
            .map(|(k, _)| k.clone())
            .collect();
        self.reporter.emit(Event::StepPlanned {
            urn: record.urn.clone(),
            type_name: record.type_name.clone(),
            name: name.clone(),
            op,
            diff: PropertyDiff::from_diff(&drift, &|root| secret_roots.iter().any(|s| s == root)),
            replace_reasons: Vec::new(),
            delete_before_replace: false,
        });
        if !self.dry_run
            && (updated.outputs != record.outputs || updated.inputs != record.inputs)
            && let Some(writer) = &self.writer
            && let Err(e) = writer.put(updated.clone()).await
        {
            self.error(Some(&record.urn), format!("cannot record in state: {e}"));
            return None;
        }
        self.reporter.emit(Event::StepDone {
            urn: record.urn.clone(),
            type_name: record.type_name.clone(),
            name,
            op,
            ok: true,
            elapsed_ms,
            id: Some(record.id.clone()),
            error: None,
        });
        self.count_op(op);
        Some(Some(updated))
    }

    pub(crate) fn count_op(&self, op: StepOp) {
        let mut state = self.lock_state();
        *state.counts.entry(op).or_default() += 1;
        if op.is_change() {
            state.changes = true;
        }
    }
}
