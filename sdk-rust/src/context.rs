//! The program's connection to one engine run: deployment facts, registration (see
//! `resource.rs`), stack outputs, logging, and the end of the program.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use engine_proto::v1::{FinishRequest, HandshakeRequest, LogRequest, LogSeverity, RegisterResourceOutputsRequest};
use engine_proto::value as wire;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::input::DynInput;
use crate::monitor::{DEFAULT_MAX_CONCURRENT_CALLS, Monitor};
use crate::resource::{AsResource, Resource};
use crate::tracker::{Tracker, WorkGuard};
use crate::{Error, Result, runtime};

/// The SDK's name and version, announced in the handshake.
pub const SDK_NAME: &str = "engine-sdk-rust";
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// How to reach the engine.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// `127.0.0.1:PORT` (or a full `http://` URI).
    pub address: String,
    pub token: String,
    /// Calls in flight on the connection, at most.
    pub max_concurrent_calls: usize,
    /// Announced in the handshake (bindings: `engine-sdk-python`, `engine-sdk-node`).
    pub sdk_name: String,
    pub sdk_version: String,
}

impl ConnectOptions {
    pub fn new(address: impl Into<String>, token: impl Into<String>) -> Self {
        ConnectOptions {
            address: address.into(),
            token: token.into(),
            max_concurrent_calls: DEFAULT_MAX_CONCURRENT_CALLS,
            sdk_name: SDK_NAME.to_owned(),
            sdk_version: SDK_VERSION.to_owned(),
        }
    }

    /// From `ENGINE_MONITOR_ADDRESS` and `ENGINE_MONITOR_TOKEN`.
    ///
    /// # Errors
    /// When either is missing: the program was not started by the engine.
    pub fn from_env() -> Result<Self> {
        let read = |name: &str| {
            std::env::var(name).ok().filter(|value| !value.is_empty()).ok_or_else(|| {
                Error::Environment(format!(
                    "{name} is not set: engine programs are run by the engine (`engine up`, `engine preview`), \
                     not directly"
                ))
            })
        };
        Ok(Self::new(read(engine_proto::env::MONITOR_ADDRESS)?, read(engine_proto::env::MONITOR_TOKEN)?))
    }

    /// Announce another SDK (bindings).
    #[must_use]
    pub fn sdk(mut self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.sdk_name = name.into();
        self.sdk_version = version.into();
        self
    }
}

/// Facts about the run (from the engine's `GetDeploymentInfo`).
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentInfo {
    pub project: String,
    pub stack: String,
    /// Preview: outputs the engine cannot know yet are unknown.
    pub dry_run: bool,
    /// Config values by full key (`project:key`), decrypted.
    pub config: BTreeMap<String, Value>,
    /// Keys of the secret config values.
    pub secret_keys: BTreeSet<String>,
    pub region: String,
    /// `local` or `aws`.
    pub cloud: String,
    pub parallel: u32,
    pub engine_version: String,
    pub root_urn: String,
}

impl DeploymentInfo {
    fn from_proto(info: engine_proto::v1::DeploymentInfo) -> Self {
        let config = info
            .config
            .into_iter()
            .map(|(key, text)| {
                let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
                (key, value)
            })
            .collect();
        let root_urn = if info.root_urn.is_empty() {
            engine_proto::root_urn(&info.stack, &info.project)
        } else {
            info.root_urn
        };
        DeploymentInfo {
            project: info.project,
            stack: info.stack,
            dry_run: info.dry_run,
            config,
            secret_keys: info.secret_keys.into_iter().collect(),
            region: info.region,
            cloud: info.cloud,
            parallel: info.parallel,
            engine_version: info.engine_version,
            root_urn,
        }
    }
}

/// Severity of a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Debug,
    Info,
    Warning,
    Error,
}

/// A program's connection to the engine. Cheap to clone; every clone is the same context.
#[derive(Clone)]
pub struct Context {
    pub(crate) inner: Arc<ContextInner>,
}

pub(crate) struct ContextInner {
    pub(crate) monitor: Monitor,
    pub(crate) info: DeploymentInfo,
    pub(crate) tracker: Tracker,
    pub(crate) root: Resource,
    pub(crate) urns: Mutex<HashSet<String>>,
    exports: Mutex<Vec<(String, DynInput)>>,
    logs: mpsc::UnboundedSender<(LogRequest, WorkGuard)>,
    pid: u32,
    finished: AtomicBool,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("project", &self.inner.info.project)
            .field("stack", &self.inner.info.stack)
            .field("dry_run", &self.inner.info.dry_run)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// Connect to the engine: the handshake (protocol version) and the deployment facts.
    ///
    /// # Errors
    /// The monitor is unreachable, refuses the token, or speaks another protocol version.
    pub async fn connect(options: ConnectOptions) -> Result<Context> {
        // The channel's worker lives on the runtime that makes it: make it on the SDK's.
        runtime::spawn(Self::connect_here(options))
            .await
            .map_err(|error| Error::Other(format!("connecting to the engine failed: {error}")))?
    }

    /// Connect with `ENGINE_MONITOR_ADDRESS` / `ENGINE_MONITOR_TOKEN`, and make this the
    /// process's current program (outputs not derived from any resource report to it).
    ///
    /// # Errors
    /// See [`Context::connect`] and [`ConnectOptions::from_env`].
    pub async fn from_env() -> Result<Context> {
        let ctx = Self::connect(ConnectOptions::from_env()?).await?;
        crate::tracker::set_default_tracker(&ctx.inner.tracker);
        Ok(ctx)
    }

    async fn connect_here(options: ConnectOptions) -> Result<Context> {
        let monitor = Monitor::connect(&options.address, &options.token, options.max_concurrent_calls).await?;
        let handshake = monitor
            .handshake(HandshakeRequest {
                protocol_version: engine_proto::PROTOCOL_VERSION,
                sdk_name: options.sdk_name.clone(),
                sdk_version: options.sdk_version.clone(),
            })
            .await?;
        if handshake.protocol_version != engine_proto::PROTOCOL_VERSION {
            return Err(Error::ProtocolMismatch {
                message: format!(
                    "this SDK ({} {}) speaks protocol version {}, the engine ({}) speaks version {}; \
                     use an SDK and an engine of the same release",
                    options.sdk_name,
                    options.sdk_version,
                    engine_proto::PROTOCOL_VERSION,
                    handshake.engine_version,
                    handshake.protocol_version
                ),
            });
        }
        let info = DeploymentInfo::from_proto(monitor.deployment_info().await?);
        let (logs, mut receiver) = mpsc::unbounded_channel::<(LogRequest, WorkGuard)>();
        let log_monitor = monitor.clone();
        // One sender task keeps log lines in order.
        tokio::spawn(async move {
            while let Some((request, guard)) = receiver.recv().await {
                if let Err(error) = log_monitor.log(request.clone()).await {
                    eprintln!("engine-sdk: could not send a log line to the engine ({error}): {}", request.message);
                }
                drop(guard);
            }
        });
        let root = Resource::root(info.root_urn.clone());
        Ok(Context {
            inner: Arc::new(ContextInner {
                monitor,
                info,
                tracker: Tracker::default(),
                root,
                urns: Mutex::new(HashSet::new()),
                exports: Mutex::new(Vec::new()),
                logs,
                pid: std::process::id(),
                finished: AtomicBool::new(false),
            }),
        })
    }

    /// Fail when used after `fork()` or after [`Context::finish`].
    pub(crate) fn check(&self) -> Result<()> {
        runtime::check_pid(self.inner.pid)?;
        if self.inner.finished.load(Ordering::Acquire) {
            return Err(Error::Invalid("the program has finished: nothing more can be registered".to_owned()));
        }
        Ok(())
    }

    #[must_use]
    pub fn deployment_info(&self) -> &DeploymentInfo {
        &self.inner.info
    }

    #[must_use]
    pub fn project(&self) -> &str {
        &self.inner.info.project
    }

    #[must_use]
    pub fn stack(&self) -> &str {
        &self.inner.info.stack
    }

    /// Whether this run is a preview.
    #[must_use]
    pub fn is_dry_run(&self) -> bool {
        self.inner.info.dry_run
    }

    /// The stack's default region.
    #[must_use]
    pub fn region(&self) -> &str {
        &self.inner.info.region
    }

    /// The stack's root resource (the default parent).
    #[must_use]
    pub fn root(&self) -> &Resource {
        &self.inner.root
    }

    // -----------------------------------------------------------------------------------------
    // Stack outputs

    /// Export a stack output (any serializable value; outputs inside are awaited). Exporting a
    /// name again replaces the value. Sent when the program ends.
    pub fn export(&self, name: &str, value: impl Serialize) {
        match DynInput::from_serialize(&value) {
            Ok(value) => self.export_dyn(name, value),
            Err(error) => self.inner.tracker.record(&Error::Invalid(format!("stack output \"{name}\": {error}"))),
        }
    }

    /// [`Context::export`] for the dynamic layer.
    pub fn export_dyn(&self, name: &str, value: DynInput) {
        let mut exports = self.inner.exports.lock().unwrap_or_else(PoisonError::into_inner);
        exports.retain(|(existing, _)| existing != name);
        exports.push((name.to_owned(), value));
    }

    // -----------------------------------------------------------------------------------------
    // Logging

    /// Send a log line to the engine (in order; the program's end waits for it).
    pub fn log(&self, severity: Severity, message: impl Into<String>, resource: Option<&dyn AsResource>) {
        let severity = match severity {
            Severity::Debug => LogSeverity::Debug,
            Severity::Info => LogSeverity::Info,
            Severity::Warning => LogSeverity::Warning,
            Severity::Error => LogSeverity::Error,
        };
        let request = LogRequest {
            severity: severity.into(),
            message: message.into(),
            urn: resource.map(|resource| resource.as_resource().urn_str().to_owned()).unwrap_or_default(),
        };
        let guard = self.inner.tracker.begin();
        if self.inner.logs.send((request, guard)).is_err() {
            eprintln!("engine-sdk: the log sender has stopped");
        }
    }

    pub fn debug(&self, message: impl Into<String>) {
        self.log(Severity::Debug, message, None);
    }

    pub fn info(&self, message: impl Into<String>) {
        self.log(Severity::Info, message, None);
    }

    pub fn warn(&self, message: impl Into<String>) {
        self.log(Severity::Warning, message, None);
    }

    pub fn error(&self, message: impl Into<String>) {
        self.log(Severity::Error, message, None);
    }

    // -----------------------------------------------------------------------------------------
    // The end

    /// Wait until every registration, callback, output registration and log line in flight
    /// is done.
    pub async fn wait_idle(&self) {
        self.inner.tracker.wait_idle().await;
    }

    /// The first error recorded so far (a failed registration, a failed callback, ...).
    #[must_use]
    pub fn first_error(&self) -> Option<Error> {
        self.inner.tracker.first_error()
    }

    /// End the program: record the program's own outcome, wait for all outstanding work, send
    /// the stack outputs, and tell the engine (`Finish`) how it ended, with the first error and
    /// the resource it concerns. Returns that error (the program should then exit non-zero).
    ///
    /// # Errors
    /// The program's first error.
    pub async fn finish(&self, outcome: Result<()>) -> Result<()> {
        runtime::check_pid(self.inner.pid)?;
        if let Err(error) = &outcome {
            self.inner.tracker.record(error);
        }
        self.wait_idle().await;
        if self.inner.tracker.first_error().is_none() {
            self.send_exports().await;
            self.wait_idle().await;
        }
        self.inner.finished.store(true, Ordering::Release);
        let first = self.inner.tracker.first_error();
        let request = FinishRequest {
            error: first.as_ref().map(ToString::to_string).unwrap_or_default(),
            urn: first.as_ref().and_then(Error::urn).unwrap_or_default().to_owned(),
        };
        let delivered = self.inner.monitor.finish(request).await;
        match (first, delivered) {
            (Some(error), _) => Err(error),
            (None, Err(error)) => Err(error),
            (None, Ok(())) => Ok(()),
        }
    }

    async fn send_exports(&self) {
        let exports = std::mem::take(&mut *self.inner.exports.lock().unwrap_or_else(PoisonError::into_inner));
        let result = async {
            let object = DynInput::Object(exports);
            let resolved = object.resolve().await.map_err(|error| match error {
                Error::Property { path, source } => Error::Invalid(format!("stack output {path}: {source}")),
                other => other,
            })?;
            let Value::Object(outputs) = resolved.value else { return Ok(()) };
            self.inner
                .monitor
                .register_resource_outputs(RegisterResourceOutputsRequest {
                    urn: self.inner.info.root_urn.clone(),
                    outputs: Some(wire::to_struct(&outputs)),
                })
                .await
        }
        .await;
        if let Err(error) = result {
            self.inner.tracker.record(&error);
        }
    }
}
