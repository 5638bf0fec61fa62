//! One run of a program against a stack: every registration is planned and executed on its own
//! task the moment its dependencies are done (no serial step generator, no global waves);
//! `--parallel` bounds the cloud operations in flight; each operation is journalled with its
//! deterministic client token before it is sent.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use engine_proto::v1::{
    DeploymentInfo, FinishRequest, InvokeRequest, InvokeResponse, LogRequest, ReadResourceRequest,
    ReadResourceResponse, RegisterResourceOutputsRequest, RegisterResourceOutputsResponse, RegisterResourceRequest,
    RegisterResourceResponse,
};
use engine_proto::value::{self, Special};
use engine_provider::{OpOptions, Provider, ProviderError, ProviderEvent};
use engine_schema::{Operation as SchemaOp, ResourceSchema};
use engine_state::{BeginOperation, OpKind, ResourceOptions, ResourceState, StateWriter};
use serde_json::{Map, Value};
use tokio::sync::{Notify, Semaphore};
use tonic::Status;

use crate::builtins;
use crate::diff::{self, Diff, DiffOptions};
use crate::events::{Event, PropertyDiff, Reporter, Severity, StepOp};
use crate::graph::{Graph, GraphError, NodeInfo, NodeStatus, Resolved};
use crate::model::RegistrationOptions;
use crate::validate;

/// Facts about the stack a run is for.
#[derive(Debug, Clone)]
pub struct StackInfo {
    pub project: String,
    pub stack: String,
    /// `local` or `aws`.
    pub cloud: String,
    pub region: String,
    /// Full config keys to values (secrets decrypted).
    pub config: Map<String, Value>,
    pub secret_keys: Vec<String>,
}

impl StackInfo {
    #[must_use]
    pub fn root_urn(&self) -> String {
        engine_proto::root_urn(&self.stack, &self.project)
    }
}

/// A shared flag for Ctrl-C: once set, nothing new starts; what is in flight finishes.
#[derive(Debug, Clone, Default)]
pub struct CancelSignal {
    flag: Arc<AtomicBool>,
    notify: Arc<Notify>,
}

impl CancelSignal {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// Resolves once cancelled.
    pub async fn cancelled(&self) {
        loop {
            let notified = self.notify.notified();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}

/// Counts tasks in flight; `idle()` resolves when none are.
#[derive(Default)]
pub(crate) struct TaskCounter {
    count: AtomicUsize,
    notify: Notify,
}

pub(crate) struct TaskGuard<'a>(&'a TaskCounter);

impl TaskCounter {
    pub(crate) fn enter(&self) -> TaskGuard<'_> {
        self.count.fetch_add(1, Ordering::SeqCst);
        TaskGuard(self)
    }

    pub(crate) fn current(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    pub(crate) async fn idle(&self) {
        loop {
            let notified = self.notify.notified();
            if self.count.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Drop for TaskGuard<'_> {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.notify.notify_waiters();
        }
    }
}

/// Why a step failed.
#[derive(Debug, Clone)]
pub(crate) struct StepFailure {
    /// Shown to the user (already names the property path and the cloud's message).
    pub message: String,
    /// A dependency failed: this step was skipped (not counted as its own error).
    pub skipped: bool,
}

impl StepFailure {
    fn new(message: impl Into<String>) -> Self {
        Self { message: message.into(), skipped: false }
    }
}

/// Mutable run-wide results.
#[derive(Default)]
pub(crate) struct RunState {
    pub counts: BTreeMap<StepOp, usize>,
    pub errors: Vec<String>,
    pub stack_outputs: Option<Map<String, Value>>,
    pub program_error: Option<String>,
    /// Old halves of create-before-delete replacements made this run.
    pub replaced: Vec<ResourceState>,
    /// Old URNs taken over through aliases.
    pub aliased: HashSet<String>,
    /// Whether anything changed (or would change, in preview).
    pub changes: bool,
    /// This run's components with their records (their outputs arrive later, through
    /// RegisterResourceOutputs); cloud resources only as markers without inputs or outputs
    /// ([`custom_marker`]: full copies of every resource were never read, and weighed 10,000 x
    /// inputs and outputs for the whole run).
    pub records: HashMap<String, ResourceState>,
}

/// One run.
pub struct Deployment {
    pub(crate) info: StackInfo,
    pub(crate) dry_run: bool,
    pub(crate) parallel: usize,
    pub(crate) targets: Option<HashSet<String>>,
    /// Live records from state, by URN.
    pub(crate) old: HashMap<String, ResourceState>,
    /// Old halves of replacements left by earlier runs.
    pub(crate) old_pending: Vec<ResourceState>,
    pub(crate) graph: Graph,
    pub(crate) provider: Arc<Provider>,
    /// Uploads assets (shared by the runs of a session).
    pub(crate) assets: Arc<crate::assets::Assets>,
    /// Component packages used from another language, and their plugins.
    pub(crate) plugins: Arc<crate::plugins::Plugins>,
    pub(crate) writer: Option<StateWriter>,
    pub(crate) reporter: Reporter,
    pub(crate) permits: Arc<Semaphore>,
    pub(crate) cancel: CancelSignal,
    pub(crate) state: Mutex<RunState>,
    pub(crate) inflight: TaskCounter,
    /// Milliseconds (run clock) of the last monitor call or step progress.
    pub(crate) last_activity: AtomicU64,
    pub(crate) started: Instant,
}

fn internal(e: impl std::fmt::Display) -> Status {
    Status::internal(e.to_string())
}

/// The URN of a child of `parent` (the root stack resource or any registered resource).
#[must_use]
pub fn child_urn(stack: &str, project: &str, parent: &str, type_name: &str, name: &str) -> String {
    let mut chain: Vec<&str> = Vec::new();
    if let Some(parts) = engine_proto::parse_urn(parent)
        && parts.resource_type() != engine_proto::STACK_TYPE
    {
        chain.extend(parts.type_chain.iter().copied());
    }
    chain.push(type_name);
    engine_proto::urn(stack, project, &chain, name)
}

/// The top-level properties whose value holds a secret.
fn secret_roots(inputs: &Map<String, Value>) -> HashSet<String> {
    inputs.iter().filter(|(_, v)| value::contains_secrets(v)).map(|(k, _)| k.clone()).collect()
}

/// Unwrap every secret (the plain form diffed and sent to the cloud).
fn plain(map: &Map<String, Value>) -> Map<String, Value> {
    match value::unwrap_secrets(&Value::Object(map.clone())).0 {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Mark the top-level properties named in `roots` (and `extra`) as secrets.
fn mark_secrets(map: Map<String, Value>, roots: &HashSet<String>, extra: &[String]) -> Map<String, Value> {
    map.into_iter()
        .map(|(k, v)| {
            if (roots.contains(&k) || extra.contains(&k)) && !value::contains_secrets(&v) {
                let (plain, _) = value::unwrap_secrets(&v);
                (k, value::secret(plain))
            } else {
                (k, v)
            }
        })
        .collect()
}

fn as_object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

impl Deployment {
    pub(crate) fn touch(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_activity.store(ms, Ordering::Relaxed);
    }

    pub(crate) fn idle_for(&self) -> Duration {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(now.saturating_sub(self.last_activity.load(Ordering::Relaxed)))
    }

    pub(crate) fn lock_state(&self) -> std::sync::MutexGuard<'_, RunState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn error(&self, urn: Option<&str>, message: String) {
        self.reporter.emit(Event::Diagnostic {
            severity: Severity::Error,
            urn: urn.map(str::to_owned),
            message: message.clone(),
        });
        let full = match urn {
            Some(urn) => format!("{urn}: {message}"),
            None => message,
        };
        self.lock_state().errors.push(full);
    }

    pub(crate) fn deployment_info(&self) -> DeploymentInfo {
        DeploymentInfo {
            project: self.info.project.clone(),
            stack: self.info.stack.clone(),
            dry_run: self.dry_run,
            config: self.info.config.iter().map(|(k, v)| (k.clone(), v.to_string())).collect(),
            secret_keys: self.info.secret_keys.clone(),
            region: self.info.region.clone(),
            cloud: self.info.cloud.clone(),
            parallel: u32::try_from(self.parallel).unwrap_or(u32::MAX),
            engine_version: env!("CARGO_PKG_VERSION").to_owned(),
            root_urn: self.info.root_urn(),
        }
    }

    pub(crate) fn log(&self, req: LogRequest) {
        let severity = match req.severity {
            1 => Severity::Debug,
            3 => Severity::Warning,
            4 => Severity::Error,
            _ => Severity::Info,
        };
        self.reporter.emit(Event::Log {
            severity,
            message: req.message,
            urn: (!req.urn.is_empty()).then_some(req.urn),
        });
    }

    pub(crate) fn finish(&self, req: FinishRequest) {
        if !req.error.is_empty() {
            let mut state = self.lock_state();
            let message = if req.urn.is_empty() { req.error } else { format!("{}: {}", req.urn, req.error) };
            state.program_error = Some(message);
        }
    }

    pub(crate) fn targeted(&self, urn: &str) -> bool {
        is_targeted(self.targets.as_ref(), urn)
    }

    /// The region, protect and retainOnDelete a child inherits from its parent.
    fn inherited(&self, parent: &str) -> (String, bool, bool) {
        if parent == self.info.root_urn() {
            return (self.info.region.clone(), false, false);
        }
        match self.graph.info(parent) {
            Some(info) => (info.region, info.protect, info.retain_on_delete),
            None => (self.info.region.clone(), false, false),
        }
    }

    // -----------------------------------------------------------------------------------------
    // RegisterResource

    pub(crate) async fn register_resource(
        self: Arc<Self>,
        req: RegisterResourceRequest,
    ) -> Result<RegisterResourceResponse, Status> {
        let _guard = self.inflight.enter();
        let root = self.info.root_urn();
        if req.r#type == engine_proto::STACK_TYPE {
            return Ok(RegisterResourceResponse { urn: root, ..Default::default() });
        }
        if req.remote {
            return self.clone().register_remote(req).await;
        }
        if req.r#type.is_empty() || req.name.is_empty() {
            let message =
                format!("a resource needs a type and a name (got type {:?}, name {:?})", req.r#type, req.name);
            self.error(None, message.clone());
            return Err(Status::invalid_argument(message));
        }
        if req.name.contains("::") {
            let message = format!("resource name {:?} ({}) must not contain \"::\"", req.name, req.r#type);
            self.error(None, message.clone());
            return Err(Status::invalid_argument(message));
        }
        let parent = if req.parent.is_empty() { root.clone() } else { req.parent.clone() };
        if parent != root && self.graph.info(&parent).is_none() {
            let message =
                format!("{} {:?}: parent {parent} is not a resource this program registered", req.r#type, req.name);
            self.error(None, message.clone());
            return Err(Status::invalid_argument(message));
        }
        let urn = child_urn(&self.info.stack, &self.info.project, &parent, &req.r#type, &req.name);
        let mut options = RegistrationOptions::from_proto(req.options.as_ref());
        let (parent_region, parent_protect, parent_retain) = self.inherited(&parent);
        if options.region.is_empty() {
            options.region = parent_region;
        }
        options.protect |= parent_protect;
        options.retain_on_delete |= parent_retain;

        let inputs = req.inputs.as_ref().map(value::from_struct).unwrap_or_default();
        let mut deps: Vec<String> = req.dependencies.clone();
        for list in req.property_dependencies.values() {
            deps.extend(list.urns.iter().cloned());
        }
        collect_refs(&Value::Object(inputs.clone()), &mut deps);
        deps.retain(|d| !d.is_empty() && *d != root);
        deps.sort();
        deps.dedup();

        let node = NodeInfo {
            type_name: req.r#type.clone(),
            name: req.name.clone(),
            custom: req.custom,
            parent: parent.clone(),
            region: options.region.clone(),
            protect: options.protect,
            retain_on_delete: options.retain_on_delete,
        };
        let seq = match self.graph.register(&urn, node, &deps) {
            Ok(seq) => seq,
            Err(e) => {
                let message = e.to_string();
                self.error(Some(&urn), message.clone());
                return Err(match e {
                    GraphError::Duplicate(_) => Status::already_exists(message),
                    _ => Status::invalid_argument(message),
                });
            }
        };
        self.touch();
        let registration = Registration {
            urn: urn.clone(),
            type_name: req.r#type.clone(),
            name: req.name.clone(),
            parent,
            inputs,
            dependencies: deps,
            property_dependencies: req.property_dependencies.iter().map(|(k, v)| (k.clone(), v.urns.clone())).collect(),
            options,
            seq,
        };
        if !req.custom {
            let resolved = self.register_component(registration).await;
            self.graph.finish(&urn, NodeStatus::Done(resolved));
            return Ok(RegisterResourceResponse { urn, ..Default::default() });
        }
        let result = self.custom_step(registration).await;
        self.touch();
        match result {
            Ok(resolved) => {
                let response = RegisterResourceResponse {
                    urn: urn.clone(),
                    id: resolved.id.clone(),
                    outputs: Some(value::to_struct(&resolved.outputs)),
                    ..Default::default()
                };
                self.graph.finish(&urn, NodeStatus::Done(resolved));
                Ok(response)
            }
            Err(failure) => {
                self.graph.finish(&urn, NodeStatus::Failed(failure.message.clone()));
                if failure.skipped {
                    self.lock_state().errors.push(format!("{urn}: {}", failure.message));
                } else {
                    self.error(Some(&urn), failure.message.clone());
                }
                Err(Status::aborted(format!("{urn}: {}", failure.message)))
            }
        }
    }

    async fn register_component(&self, reg: Registration) -> Arc<Resolved> {
        let old = self.old.get(&reg.urn);
        let record = ResourceState {
            urn: reg.urn.clone(),
            type_name: reg.type_name.clone(),
            custom: false,
            parent: self.stored_parent(&reg.parent),
            dependencies: reg.dependencies.clone(),
            options: stored_options(&reg.options, ""),
            outputs: old.map(|o| o.outputs.clone()).unwrap_or_default(),
            created: old.map(|o| o.created.clone()).unwrap_or_default(),
            ..ResourceState::default()
        };
        let op = if old.is_some() { StepOp::Same } else { StepOp::Create };
        self.reporter.emit(Event::StepPlanned {
            urn: reg.urn.clone(),
            type_name: reg.type_name.clone(),
            name: reg.name.clone(),
            op,
            diff: Vec::new(),
            replace_reasons: Vec::new(),
            delete_before_replace: false,
        });
        if !self.dry_run
            && old.is_none_or(|o| !same_record(o, &record))
            && let Some(writer) = &self.writer
            && let Err(e) = writer.put(record.clone()).await
        {
            self.error(Some(&reg.urn), format!("cannot record the component in state: {e}"));
        }
        self.lock_state().records.insert(reg.urn.clone(), record);
        Arc::new(Resolved { id: String::new(), outputs: Map::new() })
    }

    /// State keeps an empty parent for children of the root.
    fn stored_parent(&self, parent: &str) -> String {
        if parent == self.info.root_urn() { String::new() } else { parent.to_owned() }
    }

    // -----------------------------------------------------------------------------------------
    // Custom resources

    async fn custom_step(self: &Arc<Self>, mut reg: Registration) -> Result<Arc<Resolved>, StepFailure> {
        // 1. The type (before waiting: bad input fails at once).
        let schema =
            validate::check_type(&reg.type_name, &reg.options.region).map_err(|e| StepFailure::new(e.to_string()))?;

        // 2. Dependencies.
        let wait = self.graph.wait_set(&reg.dependencies, &reg.parent, reg.seq);
        let resolved_deps = self.graph.wait_all(&wait).await.map_err(|(urn, reason)| StepFailure {
            message: format!("skipped: it depends on {urn}, which failed ({reason})"),
            skipped: true,
        })?;
        // Recorded dependencies name every descendant of a component depended on, whichever
        // language built it: the SDKs expand the components they know, and a component built by
        // a package's plugin is expanded here (its children are registered once it is done), so
        // deletes are ordered the same way for local and remote components.
        if reg.dependencies.iter().any(|d| self.graph.info(d).is_some_and(|i| !i.custom)) {
            let mut expanded = self.graph.wait_set(&reg.dependencies, "", u64::MAX);
            expanded.retain(|d| *d != reg.urn);
            expanded.sort();
            expanded.dedup();
            reg.dependencies = expanded;
        }

        // 3. Inputs: references become identifiers.
        let marked = resolve_refs(&reg.inputs, &resolved_deps, &self.graph).map_err(StepFailure::new)?;

        // Assets become the location of their uploaded content (uploaded outside preview).
        let marked = self
            .assets
            .materialize(&marked, schema.as_deref(), &reg.type_name, &reg.options.region, self.dry_run)
            .await
            .map_err(StepFailure::new)?;

        // Secret inputs are masked in any text that echoes them (cloud errors, program output).
        let _ = value::map_specials(&Value::Object(marked.clone()), &mut |special, _| {
            if let Special::Secret(inner) = special {
                self.reporter.add_secret(inner);
            }
            None
        });

        // 4. Validation against the schema (preview and up, before any cloud call).
        let plain_inputs = plain(&marked);
        let problems = validate::validate_model(schema.as_deref(), &reg.type_name, &plain_inputs);
        if !problems.is_empty() {
            let text: Vec<String> = problems.iter().map(|p| format!("{}: {}", p.path, p.message)).collect();
            return Err(StepFailure::new(format!("invalid properties for {}: {}", reg.type_name, text.join("; "))));
        }

        // 5. The old record (by URN, or through an alias).
        let (old, alias_of) = self.find_old(&reg);
        if old.as_ref().is_some_and(|o| o.external) {
            return Err(StepFailure::new(
                "the URN belongs to a resource read with ReadResource (external); give the managed resource another name",
            ));
        }

        // 6. Plan.
        let plan = self.plan(&reg, schema.as_deref(), &marked, old.as_ref())?;
        if let Some(reason) = &plan.protect_violation {
            return Err(StepFailure::new(reason.clone()));
        }
        let secret_roots = secret_roots(&plan.inputs);
        self.reporter.emit(Event::StepPlanned {
            urn: reg.urn.clone(),
            type_name: reg.type_name.clone(),
            name: reg.name.clone(),
            op: plan.op,
            diff: PropertyDiff::from_diff(&plan.diff, &|root| secret_roots.contains(root)),
            replace_reasons: plan.diff.replace_reasons().into_iter().chain(plan.extra_reasons.clone()).collect(),
            delete_before_replace: plan.delete_before_replace,
        });

        if self.dry_run {
            self.count_op(plan.op);
            return Ok(Arc::new(self.preview_outputs(&reg, schema.as_deref(), &plan, old.as_ref())));
        }
        if plan.op == StepOp::Same {
            self.count_op(StepOp::Same);
            let Some(old) = old else {
                // Not targeted and not created: nothing to return but unknowns.
                return Ok(Arc::new(Resolved { id: String::new(), outputs: unknown_outputs(&plan.inputs) }));
            };
            let mut record = old.clone();
            record.urn = reg.urn.clone();
            record.parent = self.stored_parent(&reg.parent);
            record.dependencies = reg.dependencies.clone();
            record.property_dependencies = reg.property_dependencies.clone();
            record.options = stored_options(&reg.options, &old.options.import_id);
            if !same_record(&old, &record) || alias_of.is_some() {
                self.persist_put(&record).await?;
                if let Some(alias) = &alias_of {
                    self.persist_remove(alias, &old.id).await?;
                }
            }
            self.lock_state().records.insert(reg.urn.clone(), custom_marker(&record));
            return Ok(Arc::new(Resolved { id: record.id, outputs: record.outputs }));
        }
        if self.cancel.is_cancelled() {
            return Err(StepFailure::new("not started: the run was cancelled"));
        }

        // 7. Execute.
        let permit = self.permits.clone().acquire_owned().await.map_err(|_| StepFailure::new("the run is stopping"))?;
        if self.cancel.is_cancelled() {
            return Err(StepFailure::new("not started: the run was cancelled"));
        }
        let started = Instant::now();
        self.reporter.emit(Event::StepStarted {
            urn: reg.urn.clone(),
            type_name: reg.type_name.clone(),
            name: reg.name.clone(),
            op: plan.op,
        });
        let result = self.execute(&reg, schema.as_deref(), &plan, old.as_ref()).await;
        drop(permit);
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match result {
            Ok(record) => {
                if let Some(alias) = &alias_of
                    && let Some(old) = &old
                    && plan.op != StepOp::Replace
                {
                    self.persist_remove(alias, &old.id).await?;
                }
                self.count_op(plan.op);
                self.reporter.emit(Event::StepDone {
                    urn: reg.urn.clone(),
                    type_name: reg.type_name.clone(),
                    name: reg.name.clone(),
                    op: plan.op,
                    ok: true,
                    elapsed_ms,
                    id: Some(record.id.clone()),
                    error: None,
                });
                self.lock_state().records.insert(reg.urn.clone(), custom_marker(&record));
                Ok(Arc::new(Resolved { id: record.id, outputs: record.outputs }))
            }
            Err(failure) => {
                self.reporter.emit(Event::StepDone {
                    urn: reg.urn.clone(),
                    type_name: reg.type_name.clone(),
                    name: reg.name.clone(),
                    op: plan.op,
                    ok: false,
                    elapsed_ms,
                    id: None,
                    error: Some(failure.message.clone()),
                });
                Err(failure)
            }
        }
    }

    fn find_old(&self, reg: &Registration) -> (Option<ResourceState>, Option<String>) {
        if let Some(old) = self.old.get(&reg.urn) {
            return (Some(old.clone()), None);
        }
        for alias in &reg.options.aliases {
            let Some(candidate) = alias_urn(self, reg, alias) else { continue };
            if candidate == reg.urn {
                continue;
            }
            if let Some(old) = self.old.get(&candidate) {
                let mut state = self.lock_state();
                if self.graph.info(&candidate).is_none() && state.aliased.insert(candidate.clone()) {
                    return (Some(old.clone()), Some(candidate));
                }
            }
        }
        (None, None)
    }

    /// Decide the step for a custom resource.
    fn plan(
        &self,
        reg: &Registration,
        schema: Option<&ResourceSchema>,
        marked: &Map<String, Value>,
        old: Option<&ResourceState>,
    ) -> Result<Plan, StepFailure> {
        let ignore = DiffOptions::parse_paths(&reg.options.ignore_changes);
        let diff_options = DiffOptions {
            ignore_changes: ignore.clone(),
            replace_on_changes: DiffOptions::parse_paths(&reg.options.replace_on_changes),
        };
        let mut plan = Plan {
            op: StepOp::Create,
            diff: Diff::default(),
            inputs: marked.clone(),
            delete_before_replace: false,
            extra_reasons: Vec::new(),
            protect_violation: None,
        };
        let Some(old) = old else {
            if !self.targeted(&reg.urn) {
                plan.op = StepOp::Same;
                return Ok(plan);
            }
            plan.op = if reg.options.import_id.is_empty() { StepOp::Create } else { StepOp::Import };
            plan.diff = diff::diff_inputs(schema, &Map::new(), &plain(marked), &DiffOptions::default());
            for change in &mut plan.diff.changes {
                change.replace_reason = None;
            }
            return Ok(plan);
        };
        // ignoreChanges keeps the old (marked) values in what is recorded and sent.
        plan.inputs = diff::apply_ignore_changes(&old.inputs, marked, &ignore);
        if !self.targeted(&reg.urn) {
            plan.op = StepOp::Same;
            plan.inputs = old.inputs.clone();
            return Ok(plan);
        }
        plan.diff = diff::diff_inputs(schema, &plain(&old.inputs), &plain(&plan.inputs), &diff_options);
        let old_region = if old.region.is_empty() { self.info.region.clone() } else { old.region.clone() };
        if old.type_name != reg.type_name {
            plan.extra_reasons.push(format!("type changed from {} to {}", old.type_name, reg.type_name));
        }
        if old_region != reg.options.region {
            plan.extra_reasons.push(format!("region changed from {old_region} to {}", reg.options.region));
        }
        if !old.init_errors.is_empty() {
            plan.extra_reasons.push(format!("its last operation failed ({})", old.init_errors.join("; ")));
        }
        plan.op = if plan.diff.requires_replace() || !plan.extra_reasons.is_empty() {
            StepOp::Replace
        } else if plan.diff.is_empty() {
            StepOp::Same
        } else {
            StepOp::Update
        };
        if plan.op == StepOp::Replace {
            plan.delete_before_replace = match reg.options.delete_before_replace {
                Some(asked) => asked,
                None => {
                    builtins::is_builtin(&reg.type_name)
                        || schema.is_some_and(|s| {
                            diff::replacement_collides(s, &plain(&old.inputs), &plain(&plan.inputs)).is_some()
                        })
                }
            };
            if builtins::is_builtin(&reg.type_name) {
                plan.delete_before_replace = false;
            }
            if reg.options.protect {
                let reasons: Vec<String> =
                    plan.diff.replace_reasons().into_iter().chain(plan.extra_reasons.clone()).collect();
                plan.protect_violation = Some(format!(
                    "the resource is protected and would be replaced ({}); remove the protect option first",
                    reasons.join(", ")
                ));
            }
        }
        Ok(plan)
    }

    /// Outputs a preview returns to the program: what is known stays known, the rest is unknown.
    fn preview_outputs(
        &self,
        reg: &Registration,
        schema: Option<&ResourceSchema>,
        plan: &Plan,
        old: Option<&ResourceState>,
    ) -> Resolved {
        match (plan.op, old) {
            (StepOp::Same, Some(old)) => Resolved { id: old.id.clone(), outputs: old.outputs.clone() },
            (StepOp::Update, Some(old)) => {
                let mut outputs = old.outputs.clone();
                for (k, v) in &plan.inputs {
                    outputs.insert(k.clone(), v.clone());
                }
                Resolved { id: old.id.clone(), outputs }
            }
            _ => {
                let mut outputs = plan.inputs.clone();
                if let Some(schema) = schema {
                    for path in &schema.read_only {
                        if let Some(root) = path.root()
                            && path.segments().len() == 1
                        {
                            outputs.insert(root.to_owned(), value::unknown());
                        }
                    }
                    for path in &schema.primary_identifier {
                        if let Some(root) = path.root() {
                            outputs.entry(root.to_owned()).or_insert_with(value::unknown);
                        }
                    }
                } else if builtins::is_builtin(&reg.type_name) {
                    let unknown = value::unknown();
                    let result =
                        if builtins::result_is_secret(&reg.type_name) { value::secret(unknown) } else { unknown };
                    outputs.insert("Result".to_owned(), result);
                }
                Resolved { id: String::new(), outputs }
            }
        }
    }

    async fn persist_put(&self, record: &ResourceState) -> Result<(), StepFailure> {
        if let Some(writer) = &self.writer {
            writer.put(record.clone()).await.map_err(|e| StepFailure::new(format!("cannot record in state: {e}")))?;
        }
        Ok(())
    }

    async fn persist_remove(&self, urn: &str, id: &str) -> Result<(), StepFailure> {
        if let Some(writer) = &self.writer {
            writer.remove(urn, id).await.map_err(|e| StepFailure::new(format!("cannot record in state: {e}")))?;
        }
        Ok(())
    }

    /// Options for a provider call: region, deadline, and the observer that journals request
    /// tokens.
    pub(crate) fn op_options(&self, region: &str, timeout: Option<Duration>, op: Option<u64>) -> OpOptions {
        let mut options = OpOptions::new().region(region);
        if let Some(timeout) = timeout {
            options = options.timeout(timeout);
        }
        if let (Some(op), Some(writer)) = (op, self.writer.clone()) {
            options = options.observer(Arc::new(move |event: &ProviderEvent| {
                if let ProviderEvent::Submitted { request_token, .. } = event {
                    let _ = writer.request_sent(op, request_token);
                }
            }));
        }
        options
    }

    async fn execute(
        self: &Arc<Self>,
        reg: &Registration,
        schema: Option<&ResourceSchema>,
        plan: &Plan,
        old: Option<&ResourceState>,
    ) -> Result<ResourceState, StepFailure> {
        let desired = ResourceState {
            urn: reg.urn.clone(),
            type_name: reg.type_name.clone(),
            custom: true,
            region: reg.options.region.clone(),
            parent: self.stored_parent(&reg.parent),
            inputs: plan.inputs.clone(),
            dependencies: reg.dependencies.clone(),
            property_dependencies: reg.property_dependencies.clone(),
            options: stored_options(&reg.options, &reg.options.import_id),
            ..ResourceState::default()
        };
        if builtins::is_builtin(&reg.type_name) {
            return self.execute_builtin(desired, plan, old).await;
        }
        let Some(schema) = schema else {
            return Err(StepFailure::new(format!("no schema for {}", reg.type_name)));
        };
        let timeouts = &reg.options.custom_timeouts;
        match (plan.op, old) {
            (StepOp::Create, _) => self.create(schema, desired, OpKind::Create, timeouts.create).await,
            (StepOp::Import, _) => self.import(schema, desired, &reg.options.import_id).await,
            (StepOp::Update, Some(old)) => {
                let mut desired = desired;
                desired.created = old.created.clone();
                self.update(schema, desired, old, &plan.diff, timeouts.update).await
            }
            (StepOp::Replace, Some(old)) => {
                if plan.delete_before_replace {
                    self.delete_record(old, Some(schema), timeouts.delete).await?;
                    self.create(schema, desired, OpKind::Create, timeouts.create).await
                } else {
                    let record = self.create(schema, desired, OpKind::CreateReplacement, timeouts.create).await?;
                    let mut old = old.clone();
                    old.pending_delete = true;
                    self.lock_state().replaced.push(old);
                    Ok(record)
                }
            }
            (op, _) => Err(StepFailure::new(format!("internal: cannot execute {} without a record", op.as_str()))),
        }
    }

    async fn execute_builtin(
        &self,
        mut desired: ResourceState,
        plan: &Plan,
        old: Option<&ResourceState>,
    ) -> Result<ResourceState, StepFailure> {
        let inputs_plain = plain(&plan.inputs);
        let result = builtins::generate(&inputs_plain).map_err(StepFailure::new)?;
        let mut outputs = plan.inputs.clone();
        let result_value = Value::String(result);
        if builtins::result_is_secret(&desired.type_name) {
            self.reporter.add_secret(&result_value);
            outputs.insert("Result".to_owned(), value::secret(result_value));
        } else {
            outputs.insert("Result".to_owned(), result_value);
        }
        desired.outputs = outputs;
        desired.id = format!("{}", uuid::Uuid::new_v4().simple());
        if let Some(old) = old
            && plan.op == StepOp::Update
        {
            desired.created = old.created.clone();
        }
        self.persist_put(&desired).await?;
        Ok(desired)
    }

    /// Create (or create a replacement), journalled before it is sent.
    pub(crate) async fn create(
        &self,
        schema: &ResourceSchema,
        mut desired: ResourceState,
        kind: OpKind,
        timeout: Option<f64>,
    ) -> Result<ResourceState, StepFailure> {
        let writer = self.writer.as_ref().ok_or_else(|| StepFailure::new("internal: no state writer"))?;
        let mut begin = BeginOperation::new(kind, desired.urn.clone(), desired.type_name.clone());
        begin.region = desired.region.clone();
        begin.desired = Some(desired.clone());
        let begun = writer.begin(begin).await.map_err(|e| StepFailure::new(format!("cannot record in state: {e}")))?;
        let timeout = timeout.map(Duration::from_secs_f64).or_else(|| schema.handler_timeout(SchemaOp::Create));
        let options = self.op_options(&desired.region, timeout, Some(begun.op));
        let model = Value::Object(plain(&desired.inputs));
        let result = self.provider.create(&desired.type_name, &model, &begun.client_token, &options).await;
        match result {
            Ok(done) => {
                let id = done.identifier.clone().unwrap_or_default();
                desired.id = id.clone();
                desired.outputs = self.read_outputs(schema, &desired, &options, done.resource_model.as_ref()).await;
                writer
                    .done(begun.op, Some(desired.clone()))
                    .await
                    .map_err(|e| StepFailure::new(format!("created {id} but cannot record it in state: {e}")))?;
                Ok(desired)
            }
            Err(error) => {
                let message = describe_provider_error(&error);
                let left_behind = created_despite(&error);
                let record = left_behind.map(|id| {
                    let mut record = desired.clone();
                    record.id = id;
                    record.init_errors = vec![message.clone()];
                    record
                });
                if let Err(e) = writer.failed(begun.op, &message, record).await {
                    return Err(StepFailure::new(format!("{message} (and cannot record it in state: {e})")));
                }
                Err(StepFailure::new(message))
            }
        }
    }

    async fn update(
        &self,
        schema: &ResourceSchema,
        mut desired: ResourceState,
        old: &ResourceState,
        diff: &Diff,
        timeout: Option<f64>,
    ) -> Result<ResourceState, StepFailure> {
        let writer = self.writer.as_ref().ok_or_else(|| StepFailure::new("internal: no state writer"))?;
        desired.id = old.id.clone();
        let current = plain(&old.outputs);
        let new_plain = plain(&desired.inputs);
        let ops = diff::build_patch(Some(schema), diff, &new_plain, &current);
        // The journal keeps the patch with secrets marked (encrypted at rest).
        let marked_ops = diff::build_patch(Some(schema), diff, &desired.inputs, &current);
        let mut begin = BeginOperation::new(OpKind::Update, desired.urn.clone(), desired.type_name.clone());
        begin.region = desired.region.clone();
        begin.id = old.id.clone();
        begin.desired = Some(desired.clone());
        begin.patch = serde_json::to_value(&marked_ops).ok();
        let begun = writer.begin(begin).await.map_err(|e| StepFailure::new(format!("cannot record in state: {e}")))?;
        let timeout = timeout.map(Duration::from_secs_f64).or_else(|| schema.handler_timeout(SchemaOp::Update));
        let options = self.op_options(&desired.region, timeout, Some(begun.op));
        match self.provider.update(&desired.type_name, &old.id, &ops, &begun.client_token, &options).await {
            Ok(done) => {
                desired.outputs = self.read_outputs(schema, &desired, &options, done.resource_model.as_ref()).await;
                writer
                    .done(begun.op, Some(desired.clone()))
                    .await
                    .map_err(|e| StepFailure::new(format!("updated but cannot record it in state: {e}")))?;
                Ok(desired)
            }
            Err(error) => {
                let message = describe_provider_error(&error);
                if let Err(e) = writer.failed(begun.op, &message, None).await {
                    return Err(StepFailure::new(format!("{message} (and cannot record it in state: {e})")));
                }
                Err(StepFailure::new(message))
            }
        }
    }

    async fn import(
        &self,
        schema: &ResourceSchema,
        mut desired: ResourceState,
        import_id: &str,
    ) -> Result<ResourceState, StepFailure> {
        let options = self.op_options(&desired.region, schema.handler_timeout(SchemaOp::Read), None);
        let found = self
            .provider
            .get(&desired.type_name, import_id, &options)
            .await
            .map_err(|e| StepFailure::new(format!("import: {}", describe_provider_error(&e))))?;
        let Some(found) = found else {
            return Err(StepFailure::new(format!(
                "import: no {} with identifier {import_id} exists in {}",
                desired.type_name, desired.region
            )));
        };
        desired.id = found.identifier.clone();
        let cloud = as_object(found.properties.clone());
        // The program's desired values must match the resource, or be updatable.
        let projected: Map<String, Value> =
            desired.inputs.keys().filter_map(|k| cloud.get(k).map(|v| (k.clone(), v.clone()))).collect();
        let wanted = plain(&desired.inputs);
        let diff = diff::diff_inputs(Some(schema), &projected, &wanted, &DiffOptions::default());
        let diff = Diff { changes: diff.changes.into_iter().filter(|c| !schema.is_write_only(&c.location)).collect() };
        if diff.requires_replace() {
            return Err(StepFailure::new(format!(
                "import: the program's values differ from the existing resource where it cannot be updated ({})",
                diff.replace_reasons().join(", ")
            )));
        }
        desired.outputs = mark_outputs(schema, cloud, &desired.inputs, &desired.options.additional_secret_outputs);
        if diff.is_empty() {
            self.persist_put(&desired).await?;
            return Ok(desired);
        }
        let mut adopted = desired.clone();
        adopted.inputs = projected;
        self.persist_put(&adopted).await?;
        self.update(schema, desired, &adopted, &diff, None).await
    }

    /// Read the model after a create or update; write-only values come from the inputs.
    async fn read_outputs(
        &self,
        schema: &ResourceSchema,
        record: &ResourceState,
        options: &OpOptions,
        fallback: Option<&Value>,
    ) -> Map<String, Value> {
        // The handler contract has create and update return the full model, read-only
        // properties included; when the final event's model has them all, reading it back
        // would only cost a request (a third of a create's under throttling).
        if let Some(model) = fallback.and_then(Value::as_object)
            && complete_model(schema, model)
        {
            return mark_outputs(schema, model.clone(), &record.inputs, &record.options.additional_secret_outputs);
        }
        let read_options = OpOptions { observer: None, ..options.clone() };
        let cloud = match self.provider.get(&record.type_name, &record.id, &read_options).await {
            Ok(Some(resource)) => as_object(resource.properties),
            Ok(None) | Err(_) => fallback.cloned().map(as_object).unwrap_or_default(),
        };
        mark_outputs(schema, cloud, &record.inputs, &record.options.additional_secret_outputs)
    }

    /// Delete one record in the cloud (or forget it: components, externals, retainOnDelete,
    /// built-ins), journalled before it is sent.
    pub(crate) async fn delete_record(
        &self,
        record: &ResourceState,
        schema: Option<&ResourceSchema>,
        timeout: Option<f64>,
    ) -> Result<(), StepFailure> {
        let writer = self.writer.as_ref().ok_or_else(|| StepFailure::new("internal: no state writer"))?;
        let forget_only = !record.custom
            || record.external
            || record.options.retain_on_delete
            || builtins::is_builtin(&record.type_name)
            || record.id.is_empty();
        if forget_only {
            return writer
                .remove(&record.urn, &record.id)
                .await
                .map_err(|e| StepFailure::new(format!("cannot record in state: {e}")));
        }
        let schema_owned;
        let schema = match schema {
            Some(s) => Some(s),
            None => {
                schema_owned = engine_schema::Registry::global().get(&record.type_name).ok();
                schema_owned.as_deref()
            }
        };
        let mut begin = BeginOperation::new(OpKind::Delete, record.urn.clone(), record.type_name.clone());
        begin.region = record.region.clone();
        begin.id = record.id.clone();
        let begun = writer.begin(begin).await.map_err(|e| StepFailure::new(format!("cannot record in state: {e}")))?;
        let timeout = timeout
            .or(record.options.custom_timeouts.delete)
            .map(Duration::from_secs_f64)
            .or_else(|| schema.and_then(|s| s.handler_timeout(SchemaOp::Delete)));
        let region = if record.region.is_empty() { self.info.region.clone() } else { record.region.clone() };
        let options = self.op_options(&region, timeout, Some(begun.op));
        match self.provider.delete(&record.type_name, &record.id, &begun.client_token, &options).await {
            Ok(_) => writer
                .done(begun.op, None)
                .await
                .map_err(|e| StepFailure::new(format!("deleted but cannot record it in state: {e}"))),
            Err(error) => {
                let message = describe_provider_error(&error);
                let _ = writer.failed(begun.op, &message, None).await;
                Err(StepFailure::new(message))
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Outputs, reads, invokes

    pub(crate) async fn register_outputs(
        self: Arc<Self>,
        req: RegisterResourceOutputsRequest,
    ) -> Result<RegisterResourceOutputsResponse, Status> {
        let _guard = self.inflight.enter();
        let outputs = req.outputs.as_ref().map(value::from_struct).unwrap_or_default();
        if req.urn.is_empty() || req.urn == self.info.root_urn() {
            self.lock_state().stack_outputs = Some(outputs);
            return Ok(RegisterResourceOutputsResponse {});
        }
        let record = {
            let mut state = self.lock_state();
            match state.records.get_mut(&req.urn) {
                Some(record) if !record.custom => {
                    record.outputs = outputs;
                    Some(record.clone())
                }
                Some(_) => None,
                None => {
                    return Err(Status::invalid_argument(format!(
                        "RegisterResourceOutputs: {} is not a component this program registered",
                        req.urn
                    )));
                }
            }
        };
        if let (Some(record), false) = (record, self.dry_run) {
            let unchanged = self.old.get(&req.urn).is_some_and(|o| same_record(o, &record));
            if !unchanged && let Some(writer) = &self.writer {
                writer.put(record).await.map_err(internal)?;
            }
        }
        Ok(RegisterResourceOutputsResponse {})
    }

    pub(crate) async fn read_resource(
        self: Arc<Self>,
        req: ReadResourceRequest,
    ) -> Result<ReadResourceResponse, Status> {
        let _guard = self.inflight.enter();
        let root = self.info.root_urn();
        let parent = if req.parent.is_empty() { root.clone() } else { req.parent.clone() };
        let urn = child_urn(&self.info.stack, &self.info.project, &parent, &req.r#type, &req.name);
        let (parent_region, _, _) = self.inherited(&parent);
        let region = if req.region.is_empty() { parent_region } else { req.region.clone() };
        let fail = |this: &Self, message: String| {
            this.graph.finish(&urn, NodeStatus::Failed(message.clone()));
            this.error(Some(&urn), message.clone());
            Status::failed_precondition(format!("{urn}: {message}"))
        };
        let node = NodeInfo {
            type_name: req.r#type.clone(),
            name: req.name.clone(),
            custom: true,
            parent: parent.clone(),
            region: region.clone(),
            protect: false,
            retain_on_delete: false,
        };
        if let Err(e) = self.graph.register(&urn, node, &req.dependencies) {
            let message = e.to_string();
            self.error(Some(&urn), message.clone());
            return Err(Status::already_exists(message));
        }
        let schema = match validate::check_type(&req.r#type, &region) {
            Ok(Some(schema)) => schema,
            Ok(None) => {
                return Err(fail(&self, format!("{} cannot be read (it is computed by the engine)", req.r#type)));
            }
            Err(e) => return Err(fail(&self, e.to_string())),
        };
        if req.id.is_empty() {
            return Err(fail(&self, "ReadResource needs the resource's identifier".to_owned()));
        }
        self.reporter.emit(Event::StepPlanned {
            urn: urn.clone(),
            type_name: req.r#type.clone(),
            name: req.name.clone(),
            op: StepOp::Read,
            diff: Vec::new(),
            replace_reasons: Vec::new(),
            delete_before_replace: false,
        });
        let options = self.op_options(&region, schema.handler_timeout(SchemaOp::Read), None);
        let started = Instant::now();
        let found = match self.provider.get(&req.r#type, &req.id, &options).await {
            Ok(found) => found,
            Err(e) => return Err(fail(&self, format!("read: {}", describe_provider_error(&e)))),
        };
        let Some(found) = found else {
            return Err(fail(&self, format!("read: no {} with identifier {} exists in {region}", req.r#type, req.id)));
        };
        let outputs = mark_outputs(&schema, as_object(found.properties), &Map::new(), &[]);
        let record = ResourceState {
            urn: urn.clone(),
            type_name: req.r#type.clone(),
            custom: true,
            external: true,
            id: found.identifier.clone(),
            region,
            parent: self.stored_parent(&parent),
            outputs: outputs.clone(),
            dependencies: req.dependencies.clone(),
            ..ResourceState::default()
        };
        if !self.dry_run
            && self.old.get(&urn).is_none_or(|o| !same_record(o, &record))
            && let Some(writer) = &self.writer
        {
            writer.put(record.clone()).await.map_err(internal)?;
        }
        self.count_op(StepOp::Read);
        self.reporter.emit(Event::StepDone {
            urn: urn.clone(),
            type_name: req.r#type.clone(),
            name: req.name.clone(),
            op: StepOp::Read,
            ok: true,
            elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            id: Some(found.identifier.clone()),
            error: None,
        });
        self.lock_state().records.insert(urn.clone(), custom_marker(&record));
        self.graph
            .finish(&urn, NodeStatus::Done(Arc::new(Resolved { id: found.identifier, outputs: outputs.clone() })));
        Ok(ReadResourceResponse { urn, outputs: Some(value::to_struct(&outputs)) })
    }

    pub(crate) async fn invoke(self: Arc<Self>, req: InvokeRequest) -> Result<InvokeResponse, Status> {
        let _guard = self.inflight.enter();
        let args = req.args.as_ref().map(value::from_struct).unwrap_or_default();
        let region = if req.region.is_empty() { self.info.region.clone() } else { req.region.clone() };
        let result = crate::functions::invoke(&self.provider, &req.token, &args, &region).await;
        match result {
            Ok(result) => Ok(InvokeResponse { result: Some(value::to_struct(&as_object(result))) }),
            Err(message) => {
                self.error(None, format!("invoke {}: {message}", req.token));
                Err(Status::invalid_argument(format!("invoke {}: {message}", req.token)))
            }
        }
    }
}

/// One registration, ready to plan.
#[derive(Debug, Clone)]
pub(crate) struct Registration {
    pub urn: String,
    pub type_name: String,
    pub name: String,
    pub parent: String,
    pub inputs: Map<String, Value>,
    pub dependencies: Vec<String>,
    pub property_dependencies: BTreeMap<String, Vec<String>>,
    pub options: RegistrationOptions,
    pub seq: u64,
}

/// A planned step.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub op: StepOp,
    pub diff: Diff,
    /// The inputs to record and send (marked), after ignoreChanges.
    pub inputs: Map<String, Value>,
    pub delete_before_replace: bool,
    /// Replacement reasons not tied to a property (region, type, a failed last operation).
    pub extra_reasons: Vec<String>,
    pub protect_violation: Option<String>,
}

fn unknown_outputs(inputs: &Map<String, Value>) -> Map<String, Value> {
    inputs.iter().map(|(k, _)| (k.clone(), value::unknown())).collect()
}

fn stored_options(options: &RegistrationOptions, import_id: &str) -> ResourceOptions {
    ResourceOptions {
        protect: options.protect,
        retain_on_delete: options.retain_on_delete,
        ignore_changes: options.ignore_changes.clone(),
        replace_on_changes: options.replace_on_changes.clone(),
        delete_before_replace: options.delete_before_replace,
        custom_timeouts: engine_state::CustomTimeouts {
            create: options.custom_timeouts.create,
            update: options.custom_timeouts.update,
            delete: options.custom_timeouts.delete,
        },
        import_id: import_id.to_owned(),
        region: String::new(),
        aliases: Vec::new(),
        additional_secret_outputs: options.additional_secret_outputs.clone(),
    }
}

/// What [`RunState::records`] keeps of a cloud resource: that it is one.
fn custom_marker(record: &ResourceState) -> ResourceState {
    ResourceState {
        urn: record.urn.clone(),
        type_name: record.type_name.clone(),
        custom: true,
        ..ResourceState::default()
    }
}

/// Whether two records are the same for state purposes (ignoring timestamps).
pub(crate) fn same_record(a: &ResourceState, b: &ResourceState) -> bool {
    a.urn == b.urn
        && a.type_name == b.type_name
        && a.custom == b.custom
        && a.external == b.external
        && a.id == b.id
        && a.parent == b.parent
        && a.inputs == b.inputs
        && a.outputs == b.outputs
        && a.dependencies == b.dependencies
        && a.property_dependencies == b.property_dependencies
        && a.options == b.options
}

/// Outputs as stored and returned: the cloud's model, plus the write-only values sent (the cloud
/// never returns them), with secret inputs and `additionalSecretOutputs` marked secret.
pub(crate) fn mark_outputs(
    schema: &ResourceSchema,
    mut cloud: Map<String, Value>,
    inputs: &Map<String, Value>,
    additional_secret: &[String],
) -> Map<String, Value> {
    let plain_inputs = plain(inputs);
    for (key, v) in &plain_inputs {
        if schema.is_write_only(&[key.as_str()]) && !cloud.contains_key(key) {
            cloud.insert(key.clone(), v.clone());
        }
    }
    mark_secrets(cloud, &secret_roots(inputs), additional_secret)
}

/// Every resource reference URN inside a value.
fn collect_refs(v: &Value, out: &mut Vec<String>) {
    let _ = value::map_specials(v, &mut |special, _| {
        if let Special::Resource { urn, .. } = special {
            out.push(urn.to_owned());
        }
        None
    });
}

/// Replace resource references with identifiers; in preview, a reference to a resource whose
/// identifier is not known yet becomes unknown.
fn resolve_refs(
    inputs: &Map<String, Value>,
    resolved: &HashMap<String, Arc<Resolved>>,
    graph: &Graph,
) -> Result<Map<String, Value>, String> {
    let out = value::map_specials(&Value::Object(inputs.clone()), &mut |special, _| match special {
        Special::Resource { urn, id } => {
            let id = if id.is_empty() {
                resolved
                    .get(urn)
                    .map(|r| r.id.clone())
                    .or_else(|| match graph.status(urn) {
                        Some(NodeStatus::Done(r)) => Some(r.id.clone()),
                        _ => None,
                    })
                    .unwrap_or_default()
            } else {
                id.to_owned()
            };
            Some(if id.is_empty() { value::unknown() } else { Value::String(id) })
        }
        _ => None,
    });
    Ok(as_object(out))
}

/// The former URN an alias names.
fn alias_urn(deployment: &Deployment, reg: &Registration, alias: &engine_proto::v1::Alias) -> Option<String> {
    use engine_proto::v1::alias::Alias as A;
    use engine_proto::v1::alias_spec::Parent;
    match alias.alias.as_ref()? {
        A::Urn(urn) => Some(urn.clone()),
        A::Spec(spec) => {
            let name = if spec.name.is_empty() { reg.name.as_str() } else { spec.name.as_str() };
            let type_name = if spec.r#type.is_empty() { reg.type_name.as_str() } else { spec.r#type.as_str() };
            let stack = if spec.stack.is_empty() { deployment.info.stack.as_str() } else { spec.stack.as_str() };
            let project =
                if spec.project.is_empty() { deployment.info.project.as_str() } else { spec.project.as_str() };
            let root = engine_proto::root_urn(stack, project);
            let parent = match &spec.parent {
                Some(Parent::ParentUrn(p)) if !p.is_empty() => p.clone(),
                Some(Parent::NoParent(true)) => root,
                _ => reg.parent.clone(),
            };
            Some(child_urn(stack, project, &parent, type_name, name))
        }
    }
}

/// The identifier of a resource a failed create left behind: the failure came after the
/// resource existed (it did not stabilise, the handler broke, the deadline passed). A refusal
/// (`AlreadyExists` names someone else's resource; invalid input, access, limits) created
/// nothing.
pub(crate) fn created_despite(error: &ProviderError) -> Option<String> {
    use engine_provider::ErrorKind;
    let id = error.identifier()?.to_owned();
    match error.kind() {
        None | Some(ErrorKind::Transient | ErrorKind::Timeout | ErrorKind::Other) => Some(id),
        Some(_) => None,
    }
}

/// A provider error as the user sees it: the cloud's code and message, and the property path.
pub(crate) fn describe_provider_error(error: &ProviderError) -> String {
    match error.as_cloud() {
        Some(cloud) => {
            let mut text = format!("{} failed: {}", cloud.operation, cloud.code);
            if !cloud.message.is_empty() {
                text.push_str(": ");
                text.push_str(&cloud.message);
            }
            if let Some(path) = cloud.property_path()
                && !cloud.message.contains(path)
            {
                text.push_str(&format!(" (property {path})"));
            }
            text
        }
        None => error.to_string(),
    }
}

/// Whether `--target` selects `urn`: no target selects everything; a target is a URN or a
/// resource's logical name (the URN's last part), which selects every resource of that name.
pub(crate) fn is_targeted(targets: Option<&HashSet<String>>, urn: &str) -> bool {
    targets.is_none_or(|t| t.contains(urn) || urn.rsplit_once("::").is_some_and(|(_, name)| t.contains(name)))
}

/// Whether a model returned by a create or update names every read-only and identifier
/// property of the type (top level), so a read-back could add nothing the schema promises.
fn complete_model(schema: &ResourceSchema, model: &Map<String, Value>) -> bool {
    !model.is_empty()
        && schema
            .read_only
            .iter()
            .chain(&schema.primary_identifier)
            .all(|path| path.root().is_some_and(|root| model.contains_key(root)))
}

#[cfg(test)]
mod target_tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn targets_are_urns_or_logical_names() {
        let urn = "urn:engine:dev::p::AWS::S3::Bucket::logs";
        assert!(is_targeted(None, urn));
        let by_urn: HashSet<String> = [urn.to_owned()].into();
        assert!(is_targeted(Some(&by_urn), urn));
        let by_name: HashSet<String> = ["logs".to_owned()].into();
        assert!(is_targeted(Some(&by_name), urn));
        assert!(!is_targeted(Some(&by_name), "urn:engine:dev::p::AWS::S3::Bucket::data"));
        let other: HashSet<String> = ["Bucket".to_owned()].into();
        assert!(!is_targeted(Some(&other), urn), "a type is not a name");
    }

    #[test]
    fn a_model_with_every_read_only_property_needs_no_read_back() {
        let schema = engine_schema::Registry::global().get("AWS::SQS::Queue").unwrap();
        let model = |v: Value| v.as_object().cloned().unwrap();
        assert!(complete_model(&schema, &model(json!({"QueueUrl": "https://q", "Arn": "arn:q", "QueueName": "q"}))));
        assert!(!complete_model(&schema, &model(json!({"QueueUrl": "https://q"}))), "Arn is missing");
        assert!(!complete_model(&schema, &Map::new()));
    }
}
