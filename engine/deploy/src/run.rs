//! A whole run: `preview`, `up`, `destroy` or `refresh` of one stack.
//!
//! 1. Config decrypted, state backend opened; outside preview the stack is locked first.
//! 2. The cloud connected (the embedded local cloud started if needed).
//! 3. Outside preview: operations a crashed run left in flight are resolved (see `recovery`).
//! 4. `refresh` (or `up --refresh`): every resource read back.
//! 5. `preview`/`up`: the monitor serves, the program runs, each registration is planned and
//!    executed as it arrives. When the program succeeded, what it no longer declares is deleted;
//!    after a failed program nothing is deleted.
//!    `destroy`: everything is deleted, dependents first.
//! 6. Stack outputs recorded, journal compacted, lock released, summary reported.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use engine_config::{Crypter, Project, Stack};
use engine_state::{LockOptions, ResourceState, StateStore, WriterOptions, open_backend};
use serde_json::{Map, Value};
use tokio::sync::Semaphore;

use crate::cloud::CloudHandle;
use crate::deployment::{CancelSignal, Deployment, RunState, StackInfo, TaskCounter};
use crate::error::{DeployError, Result};
use crate::events::{Event, EventSink, Operation, Reporter, Severity, StepOp};
use crate::graph::Graph;
use crate::runner::{ProgramSpec, run_program};

/// How long a program may go without calling the engine while nothing is in flight before it
/// is considered hung (overridden by `ENGINE_PROGRAM_TIMEOUT`, in seconds).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(600);
pub const PROGRAM_TIMEOUT_ENV: &str = "ENGINE_PROGRAM_TIMEOUT";

/// The default `--parallel`.
#[must_use]
pub fn default_parallel() -> usize {
    std::env::var("ENGINE_PARALLEL").ok().and_then(|p| p.parse().ok()).filter(|p| *p > 0).unwrap_or(64)
}

/// What to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub operation: Operation,
    /// Plan only (preview; `refresh` without `--yes`).
    pub dry_run: bool,
    pub parallel: usize,
    /// Only these URNs change (empty: all).
    pub targets: Vec<String>,
    /// `up --refresh`: read every resource back first.
    pub refresh: bool,
    pub idle_timeout: Duration,
    pub cancel: CancelSignal,
}

impl RunOptions {
    #[must_use]
    pub fn new(operation: Operation) -> Self {
        let idle_timeout = std::env::var(PROGRAM_TIMEOUT_ENV)
            .ok()
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|s| *s > 0.0)
            .map_or(DEFAULT_IDLE_TIMEOUT, Duration::from_secs_f64);
        Self {
            operation,
            dry_run: operation == Operation::Preview,
            parallel: default_parallel(),
            targets: Vec::new(),
            refresh: false,
            idle_timeout,
            cancel: CancelSignal::new(),
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub ok: bool,
    /// Whether anything changed (or, in a dry run, would change).
    pub changes: bool,
    pub counts: BTreeMap<StepOp, usize>,
    pub errors: Vec<String>,
    /// Stack outputs (marked values).
    pub outputs: Map<String, Value>,
    pub duration: Duration,
    /// The resources the program declared, with parents and dependencies (`preview`, `up`).
    pub graph: crate::resource_graph::ResourceGraph,
}

/// How often the lock's heartbeat is refreshed: `engine cancel` stops a running command within
/// about this long (the writer notices its lock is gone at the next beat).
const LOCK_HEARTBEAT: Duration = Duration::from_secs(2);

fn lock_options(command: &str) -> LockOptions {
    LockOptions { command: command.to_owned(), heartbeat_interval: LOCK_HEARTBEAT, ..LockOptions::default() }
}

/// A stack opened for one command: its state store, its lock (when the command changes
/// anything), and its cloud (the embedded local cloud is started once and shared by the runs
/// of the session, e.g. the preview and the update of `engine up`).
pub struct Session<'a> {
    project: &'a Project,
    stack: &'a Stack,
    crypter: Crypter,
    store: StateStore,
    lock: Option<engine_state::StackLock>,
    cloud: Option<CloudHandle>,
}

impl<'a> Session<'a> {
    /// Open a stack. With `lock_command` (`"engine up"`), the stack is locked first (a concurrent
    /// command is refused with who holds the lock), before the cloud is touched.
    ///
    /// # Errors
    /// State backend, lock and cloud problems.
    pub async fn open(
        project: &'a Project,
        stack: &'a Stack,
        crypter: &Crypter,
        lock_command: Option<&str>,
    ) -> Result<Session<'a>> {
        let backend = open_backend(std::env::var(engine_state::BACKEND_URL_ENV).ok().as_deref(), &project.dir)?;
        let store = StateStore::new(backend, &project.name, stack.name());
        let lock = match lock_command {
            Some(command) => Some(store.lock(&lock_options(command))?),
            None => None,
        };
        let cloud = CloudHandle::connect(stack.cloud(), stack.region(), &project.engine_dir()).await?;
        Ok(Session { project, stack, crypter: crypter.clone(), store, lock, cloud: Some(cloud) })
    }

    /// Run one operation. A run that changes anything needs the lock (open with
    /// `lock_command`) and uses it up: it is the session's last.
    ///
    /// # Errors
    /// Problems that stop the run before it starts (config, state, lock, cloud). Failures of
    /// resources or of the program are in the outcome (`ok == false`, `errors`).
    pub async fn run(&mut self, options: RunOptions, sink: Arc<dyn EventSink>) -> Result<RunOutcome> {
        let started = Instant::now();
        let reporter = Reporter::new(sink);
        let program_config = self.stack.program_config(&self.crypter)?;
        for key in &program_config.secret_keys {
            if let Some(v) = program_config.values.get(key) {
                reporter.add_secret(v);
            }
        }
        let info = StackInfo {
            project: self.project.name.clone(),
            stack: self.stack.name().to_owned(),
            cloud: self.stack.cloud().as_str().to_owned(),
            region: self.stack.region().to_owned(),
            config: program_config.values.clone(),
            secret_keys: program_config.secret_keys.clone(),
        };
        let lock = if options.dry_run {
            None
        } else {
            match self.lock.take() {
                Some(lock) => Some(lock),
                None => {
                    let command = format!("engine {}", options.operation.as_str());
                    Some(self.store.lock(&lock_options(&command))?)
                }
            }
        };
        let cloud = self.cloud.as_ref().ok_or_else(|| DeployError::Invalid("the session is closed".to_owned()))?;
        run_locked(self.project, &info, &self.crypter, &options, &self.store, lock, cloud, &reporter, started).await
    }

    /// Release the lock (if no run used it) and stop the embedded local cloud.
    ///
    /// # Errors
    /// The local cloud could not save its data, or the lock could not be released.
    pub async fn close(mut self) -> Result<()> {
        if let Some(lock) = self.lock.take() {
            lock.release()?;
        }
        if let Some(cloud) = self.cloud.take() {
            cloud.shutdown().await?;
        }
        Ok(())
    }
}

/// Run one operation on a stack (a session of one run: locked unless it is a dry run).
///
/// # Errors
/// See [`Session::run`].
pub async fn run(
    project: &Project,
    stack: &Stack,
    crypter: &Crypter,
    options: RunOptions,
    sink: Arc<dyn EventSink>,
) -> Result<RunOutcome> {
    let command = format!("engine {}", options.operation.as_str());
    let mut session = Session::open(project, stack, crypter, (!options.dry_run).then_some(command.as_str())).await?;
    let result = session.run(options, sink).await;
    let closed = session.close().await;
    let outcome = result?;
    closed?;
    Ok(outcome)
}

#[expect(clippy::too_many_arguments, reason = "one call site; the pieces of a run")]
async fn run_locked(
    project: &Project,
    info: &StackInfo,
    crypter: &Crypter,
    options: &RunOptions,
    store: &StateStore,
    lock: Option<engine_state::StackLock>,
    cloud: &CloudHandle,
    reporter: &Reporter,
    started: Instant,
) -> Result<RunOutcome> {
    reporter.emit(Event::Start {
        operation: options.operation,
        project: info.project.clone(),
        stack: info.stack.clone(),
        cloud: cloud.description.clone(),
        region: info.region.clone(),
        dry_run: options.dry_run,
    });
    let (writer, mut loaded) = match lock {
        Some(lock) => {
            let (writer, loaded) = store.open_writer(lock, crypter.clone(), WriterOptions::default())?;
            (Some(writer), loaded)
        }
        None => (None, store.load(crypter)?),
    };
    let mut recovery_errors = Vec::new();
    if !loaded.in_flight.is_empty() {
        match &writer {
            Some(writer) => {
                let pending = std::mem::take(&mut loaded.in_flight);
                recovery_errors =
                    crate::recovery::recover(&cloud.provider, writer, pending, &info.region, reporter).await;
                loaded = store.load(crypter)?;
            }
            None => reporter.emit(Event::Diagnostic {
                severity: Severity::Warning,
                urn: None,
                message: format!(
                    "{} operation(s) of an interrupted run are unresolved; the next `engine up` resolves them",
                    loaded.in_flight.len()
                ),
            }),
        }
    }
    for resource in &loaded.state.resources {
        let _ = engine_proto::value::map_specials(&Value::Object(resource.outputs.clone()), &mut |s, _| {
            if let engine_proto::value::Special::Secret(v) = s {
                reporter.add_secret(v);
            }
            None
        });
    }
    let mut old: HashMap<String, ResourceState> = HashMap::new();
    let mut old_pending = Vec::new();
    for resource in std::mem::take(&mut loaded.state.resources) {
        if resource.pending_delete {
            old_pending.push(resource);
        } else {
            old.insert(resource.urn.clone(), resource);
        }
    }
    let old_outputs = loaded.state.outputs.clone();
    let targets: Option<HashSet<String>> =
        (!options.targets.is_empty()).then(|| options.targets.iter().cloned().collect());
    let permits = Arc::new(Semaphore::new(options.parallel.max(1)));
    let assets = Arc::new(crate::assets::Assets::new(cloud.provider.clone()).with_reporter(reporter.clone()));
    let plugins = Arc::new(crate::plugins::Plugins::new(project.dir.clone(), project.packages.clone()));
    let make = |old: HashMap<String, ResourceState>, old_pending: Vec<ResourceState>| {
        Arc::new(Deployment {
            info: info.clone(),
            dry_run: options.dry_run,
            parallel: options.parallel.max(1),
            targets: targets.clone(),
            old,
            old_pending,
            graph: Graph::new(),
            provider: cloud.provider.clone(),
            assets: assets.clone(),
            plugins: plugins.clone(),
            writer: writer.clone(),
            reporter: reporter.clone(),
            permits: permits.clone(),
            cancel: options.cancel.clone(),
            state: std::sync::Mutex::new(RunState::default()),
            inflight: TaskCounter::default(),
            last_activity: AtomicU64::new(0),
            started: Instant::now(),
        })
    };

    let mut counts: BTreeMap<StepOp, usize> = BTreeMap::new();
    let mut errors: Vec<String> = recovery_errors;
    let mut changes = false;
    let mut outputs = old_outputs.clone();
    let mut program_ok = true;
    let mut graph = crate::resource_graph::ResourceGraph::default();

    let merge = |deployment: &Deployment,
                 counts: &mut BTreeMap<StepOp, usize>,
                 errors: &mut Vec<String>,
                 changes: &mut bool| {
        let state = deployment.lock_state();
        for (op, n) in &state.counts {
            *counts.entry(*op).or_default() += n;
        }
        errors.extend(state.errors.iter().cloned());
        *changes |= state.changes;
    };

    // Refresh (the `refresh` command, or `up --refresh`).
    if options.operation == Operation::Refresh || options.refresh {
        let deployment = make(old.clone(), old_pending.clone());
        let refreshed = deployment.refresh_all().await;
        merge(&deployment, &mut counts, &mut errors, &mut changes);
        settle(deployment).await;
        for (urn, record) in refreshed {
            match record {
                Some(record) => {
                    old.insert(urn, record);
                }
                None => {
                    old.remove(&urn);
                }
            }
        }
    }

    match options.operation {
        Operation::Refresh => {}
        Operation::Destroy => {
            let deployment = make(old.clone(), old_pending.clone());
            deployment.delete_phase(true).await;
            merge(&deployment, &mut counts, &mut errors, &mut changes);
            settle(deployment).await;
            if errors.is_empty() {
                outputs = Map::new();
            }
        }
        Operation::Preview | Operation::Up => {
            let deployment = make(old, old_pending);
            program_ok = run_with_program(project, &deployment, options, reporter).await;
            graph = crate::resource_graph::ResourceGraph::from_graph(&deployment.graph, &info.root_urn());
            merge(&deployment, &mut counts, &mut errors, &mut changes);
            if program_ok {
                let state = deployment.lock_state();
                outputs = state.stack_outputs.clone().unwrap_or_default();
                if outputs != old_outputs {
                    changes = true;
                }
            }
            settle(deployment).await;
        }
    }

    if let Some(writer) = &writer {
        let outputs_changed = outputs != old_outputs;
        if outputs_changed
            && (program_ok || options.operation == Operation::Destroy)
            && let Err(e) = writer.set_outputs(outputs.clone()).await
        {
            errors.push(format!("cannot record the stack outputs: {e}"));
        }
    }
    if let Some(writer) = writer
        && let Err(e) = close_writer(writer, store).await
    {
        errors.push(format!("cannot save state: {e}"));
    }
    if options.cancel.is_cancelled() && !errors.iter().any(|e| e.contains("cancel")) {
        errors.push("the run was cancelled".to_owned());
    }
    let ok = errors.is_empty() && program_ok;
    let duration = started.elapsed();
    if !outputs.is_empty() && matches!(options.operation, Operation::Up | Operation::Preview) {
        reporter.emit(Event::Outputs {
            outputs: outputs.iter().map(|(k, v)| (k.clone(), crate::events::display_value(v))).collect(),
        });
    }
    reporter.emit(Event::Summary {
        operation: options.operation,
        ok,
        counts: counts.clone(),
        duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
        changes,
        errors: errors.len() + usize::from(!program_ok && errors.is_empty()),
    });
    Ok(RunOutcome { ok, changes, counts, errors, outputs, duration, graph })
}

/// Compact the journal, release the lock and stop the writer.
async fn close_writer(writer: engine_state::StateWriter, _store: &StateStore) -> std::result::Result<(), String> {
    match tokio::time::timeout(Duration::from_secs(60), writer.close()).await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err("the state writer did not finish closing within 60 s".to_owned()),
    }
}

/// Wait until no task holds the run any more, then drop it. The state writer stops only once
/// every copy of it is gone, so this must happen before it is closed.
async fn settle(deployment: Arc<Deployment>) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Arc::strong_count(&deployment) > 1 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    if Arc::strong_count(&deployment) > 1 {
        tracing::warn!("the run is still referenced {} times after it ended", Arc::strong_count(&deployment) - 1);
    }
}

/// Serve the monitor, run the program, then delete what it no longer declares (only if it
/// succeeded). Returns whether the program succeeded.
async fn run_with_program(
    project: &Project,
    deployment: &Arc<Deployment>,
    options: &RunOptions,
    reporter: &Reporter,
) -> bool {
    let monitor = match crate::monitor::serve(deployment.clone()).await {
        Ok(m) => m,
        Err(e) => {
            deployment.error(None, format!("the resource monitor could not start: {e}"));
            return false;
        }
    };
    let info = &deployment.info;
    let mut env: Vec<(String, String)> = vec![
        (engine_proto::env::MONITOR_ADDRESS.to_owned(), monitor.address()),
        (engine_proto::env::MONITOR_TOKEN.to_owned(), monitor.token().to_owned()),
        (engine_proto::env::PROJECT.to_owned(), info.project.clone()),
        (engine_proto::env::STACK.to_owned(), info.stack.clone()),
        (engine_proto::env::DRY_RUN.to_owned(), options.dry_run.to_string()),
        (engine_proto::env::CONFIG.to_owned(), Value::Object(info.config.clone()).to_string()),
        (engine_proto::env::CONFIG_SECRET_KEYS.to_owned(), Value::from(info.secret_keys.clone()).to_string()),
        (engine_proto::env::PARALLEL.to_owned(), deployment.parallel.to_string()),
        (engine_proto::env::ROOT_URN.to_owned(), info.root_urn()),
    ];
    env.push(("ENGINE_REGION".to_owned(), info.region.clone()));
    let spec =
        ProgramSpec { dir: project.dir.clone(), runtime: project.runtime.into(), main: project.main.clone(), env };
    let idle_timeout = options.idle_timeout;
    let watched = deployment.clone();
    let idle = move || -> Option<String> {
        (watched.inflight.current() == 0 && watched.idle_for() > idle_timeout).then(|| {
            format!(
                "the program made no call to the engine for {}s with nothing in flight: it looks hung \
                 (set {PROGRAM_TIMEOUT_ENV} to allow longer)",
                idle_timeout.as_secs()
            )
        })
    };
    deployment.plugins.set_env(spec.env.clone());
    if let Err(message) = deployment.plugins.refresh_bindings(project.runtime, reporter).await {
        deployment.error(None, message);
        monitor.shutdown().await;
        return false;
    }
    deployment.touch();
    let outcome = run_program(&spec, reporter, &idle, &options.cancel).await;
    // The program is gone: what it still waits for will never come.
    deployment.graph.close();
    deployment.inflight.idle().await;
    deployment.plugins.shutdown().await;
    monitor.shutdown().await;
    let (program_error, step_errors) = {
        let state = deployment.lock_state();
        (state.program_error.clone(), state.errors.clone())
    };
    // A program that stopped because a resource failed: that failure is already reported.
    let program_error = program_error.map(|e| {
        if step_errors.iter().any(|s| s.split_once(": ").is_some_and(|(_, m)| !m.is_empty() && e.contains(m))) {
            "it stopped after a resource failed (see above)".to_owned()
        } else {
            e
        }
    });
    let ok = match outcome {
        Err(e) => {
            deployment.error(None, e);
            false
        }
        Ok(outcome) if outcome.success && program_error.is_none() => true,
        Ok(outcome) => {
            let mut message = match (&outcome.stopped, &program_error, outcome.code) {
                (Some(reason), _, _) => format!("the program was stopped: {reason}"),
                (None, Some(error), _) => format!("the program failed: {error}"),
                (None, None, Some(code)) => format!("the program exited with code {code}"),
                (None, None, None) => "the program was killed by a signal".to_owned(),
            };
            if program_error.is_none() && !outcome.tail.is_empty() {
                message.push_str("; its last output:\n");
                message.push_str(&outcome.tail.join("\n"));
            }
            message.push_str("\nnothing was deleted: resources the program did not get to are left as they were");
            deployment.error(None, message);
            false
        }
    };
    if ok && !options.cancel.is_cancelled() {
        deployment.delete_phase(false).await;
    }
    ok
}
