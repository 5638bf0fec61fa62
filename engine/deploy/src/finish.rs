//! The end of a run: deleting what the program no longer declares (or everything, for
//! `destroy`), in reverse dependency order and in parallel: a resource is deleted once every
//! resource that depends on it (or is its child) is gone. When a delete fails, the resources it
//! depends on are kept (deleting them could break it), and independent deletes go on.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use engine_state::ResourceState;
use tokio::sync::watch;

use crate::deployment::{Deployment, StepFailure};
use crate::events::{Event, StepOp};

/// A resource to delete or forget.
#[derive(Debug, Clone)]
pub(crate) struct Condemned {
    /// Without inputs and outputs: deleting needs the identity, options and links only, and a
    /// destroy holds every record at once.
    pub record: ResourceState,
    pub op: StepOp,
}

impl Condemned {
    fn new(record: &ResourceState, op: StepOp) -> Self {
        let record = ResourceState {
            urn: record.urn.clone(),
            type_name: record.type_name.clone(),
            custom: record.custom,
            external: record.external,
            id: record.id.clone(),
            region: record.region.clone(),
            parent: record.parent.clone(),
            dependencies: record.dependencies.clone(),
            property_dependencies: record.property_dependencies.clone(),
            options: record.options.clone(),
            pending_delete: record.pending_delete,
            ..ResourceState::default()
        };
        Condemned { record, op }
    }
}

fn name_of(urn: &str) -> String {
    engine_proto::parse_urn(urn).map(|p| p.name.to_owned()).unwrap_or_else(|| urn.to_owned())
}

impl Deployment {
    /// What to delete: `all` for destroy, else what this run did not register.
    pub(crate) fn condemned(&self, all: bool) -> Vec<Condemned> {
        let registered: HashSet<String> = self.graph.registered();
        let (aliased, replaced) = {
            let state = self.lock_state();
            (state.aliased.clone(), state.replaced.clone())
        };
        let mut out = Vec::new();
        let mut live: Vec<&ResourceState> = self.old.values().collect();
        live.sort_by(|a, b| a.urn.cmp(&b.urn));
        for record in live {
            let keep = !all && (registered.contains(&record.urn) || aliased.contains(&record.urn));
            if keep || !self.targeted(&record.urn) {
                continue;
            }
            let op = if record.external || record.options.retain_on_delete { StepOp::Discard } else { StepOp::Delete };
            out.push(Condemned::new(record, op));
        }
        for record in self.old_pending.iter().chain(replaced.iter()) {
            out.push(Condemned::new(record, StepOp::DeleteReplaced));
        }
        out
    }

    /// Plan (preview) or perform the deletes. Returns the number of failures.
    pub(crate) async fn delete_phase(self: &Arc<Self>, all: bool) -> usize {
        let condemned = self.condemned(all);
        for c in &condemned {
            self.reporter.emit(Event::StepPlanned {
                urn: c.record.urn.clone(),
                type_name: c.record.type_name.clone(),
                name: name_of(&c.record.urn),
                op: c.op,
                diff: Vec::new(),
                replace_reasons: Vec::new(),
                delete_before_replace: false,
            });
        }
        // Protected resources are never deleted.
        let mut failures = 0;
        let mut blocked = vec![false; condemned.len()];
        for (i, c) in condemned.iter().enumerate() {
            if c.op == StepOp::Delete && c.record.options.protect {
                self.error(
                    Some(&c.record.urn),
                    "the resource is protected and would be deleted; remove the protect option (and run up) first"
                        .to_owned(),
                );
                blocked[i] = true;
                failures += 1;
            }
        }
        if self.dry_run {
            let mut state = self.lock_state();
            for (i, c) in condemned.iter().enumerate() {
                if !blocked[i] {
                    *state.counts.entry(c.op).or_default() += 1;
                    if c.op.is_change() {
                        state.changes = true;
                    }
                }
            }
            return failures;
        }
        // One completion signal per condemned resource: Some(true) deleted, Some(false) not.
        let signals: Vec<watch::Sender<Option<bool>>> = condemned.iter().map(|_| watch::channel(None).0).collect();
        // Who depends on whom, from an index by URN: linear in the number of dependencies (a
        // pairwise scan, and a copy of every name per resource, were quadratic in time and
        // memory: 700 MB to destroy 3,000 resources).
        let mut dependents_of: Vec<Vec<usize>> = vec![Vec::new(); condemned.len()];
        {
            let mut by_urn: HashMap<&str, Vec<usize>> = HashMap::new();
            for (i, c) in condemned.iter().enumerate() {
                by_urn.entry(c.record.urn.as_str()).or_default().push(i);
            }
            for (j, other) in condemned.iter().enumerate() {
                let record = &other.record;
                let on: HashSet<&str> = std::iter::once(record.parent.as_str())
                    .chain(record.dependencies.iter().map(String::as_str))
                    .chain(record.property_dependencies.values().flatten().map(String::as_str))
                    .filter(|urn| *urn != record.urn)
                    .collect();
                for urn in on {
                    for &i in by_urn.get(urn).into_iter().flatten() {
                        if i != j {
                            dependents_of[i].push(j);
                        }
                    }
                }
            }
            for list in &mut dependents_of {
                list.sort_unstable();
                list.dedup();
            }
        }
        // Shared by the tasks, not copied into each (a record holds all its inputs and outputs).
        let condemned = Arc::new(condemned);
        let mut tasks = Vec::new();
        for i in 0..condemned.len() {
            let dependents: Vec<(usize, watch::Receiver<Option<bool>>)> =
                dependents_of[i].iter().map(|&j| (j, signals[j].subscribe())).collect();
            let this = self.clone();
            let all = condemned.clone();
            let done = signals[i].clone();
            let is_blocked = blocked[i];
            tasks.push(tokio::spawn(async move {
                let c = &all[i];
                if is_blocked {
                    done.send_replace(Some(false));
                    return false;
                }
                for (j, mut rx) in dependents {
                    let ok = rx.wait_for(Option::is_some).await.map(|v| *v == Some(true)).unwrap_or(false);
                    if !ok {
                        this.error(
                            Some(&c.record.urn),
                            format!("not deleted: {} depends on it and was not deleted", all[j].record.urn),
                        );
                        done.send_replace(Some(false));
                        return false;
                    }
                }
                let ok = this.delete_one(c).await;
                done.send_replace(Some(ok));
                ok
            }));
        }
        for task in tasks {
            if !matches!(task.await, Ok(true)) {
                failures += 1;
            }
        }
        failures
    }

    async fn delete_one(self: &Arc<Self>, c: &Condemned) -> bool {
        let urn = c.record.urn.clone();
        let name = name_of(&urn);
        if self.cancel.is_cancelled() {
            self.error(Some(&urn), "not deleted: the run was cancelled".to_owned());
            return false;
        }
        let cloud_call = c.record.custom && !c.record.external && !c.record.options.retain_on_delete;
        let permit = if cloud_call { self.permits.clone().acquire_owned().await.ok() } else { None };
        let started = Instant::now();
        self.reporter.emit(Event::StepStarted {
            urn: urn.clone(),
            type_name: c.record.type_name.clone(),
            name: name.clone(),
            op: c.op,
        });
        // Boxed: the cloud call's future is large (~10 KB) and is only needed once the permit is
        // held, not in every waiting task (10,000 of them in a destroy of 10,000 resources).
        let result: Result<(), StepFailure> = Box::pin(self.delete_record(&c.record, None, None)).await;
        drop(permit);
        self.touch();
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match result {
            Ok(()) => {
                {
                    let mut state = self.lock_state();
                    *state.counts.entry(c.op).or_default() += 1;
                    if c.op.is_change() {
                        state.changes = true;
                    }
                }
                self.reporter.emit(Event::StepDone {
                    urn,
                    type_name: c.record.type_name.clone(),
                    name,
                    op: c.op,
                    ok: true,
                    elapsed_ms,
                    id: (!c.record.id.is_empty()).then(|| c.record.id.clone()),
                    error: None,
                });
                true
            }
            Err(failure) => {
                self.reporter.emit(Event::StepDone {
                    urn: urn.clone(),
                    type_name: c.record.type_name.clone(),
                    name,
                    op: c.op,
                    ok: false,
                    elapsed_ms,
                    id: None,
                    error: Some(failure.message.clone()),
                });
                self.error(Some(&urn), failure.message);
                false
            }
        }
    }
}
