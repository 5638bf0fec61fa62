//! Component packages used from another language: resolving a registration's package (the
//! project's `[packages]` in `Engine.toml`, the package's `EnginePackage.toml`, version
//! requirements), and running each package as a plugin process, **once per package per run**,
//! reused by every component of that package.
//!
//! A plugin is prepared and started like a program of its runtime ([`crate::runner`]: `cargo
//! build` for Rust, a `.venv` for Python, `node_modules` and `tsx` for Node), with the program's
//! environment (the monitor's address and token among it). It serves `ComponentProvider` on
//! `127.0.0.1` and prints `ENGINE_PLUGIN_PORT=<port>` first; what it prints after that is shown
//! as program output, prefixed with the package's name. It is stopped when the program ends
//! (its stdin is closed and the process killed), and dies with the engine (stdin closes).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use engine_config::PackageDependency;
use engine_package::{Manifest, PackageRef};
use engine_proto::v1::component_provider_client::ComponentProviderClient;
use engine_proto::v1::{ConstructRequest, ConstructResponse, GetSchemaRequest};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::OnceCell;
use tonic::transport::Channel;

use crate::events::{Event, Reporter, Severity};
use crate::runner::{ProgramSpec, Runtime, preparer};

/// How long a started plugin may take to print its port.
const START_TIMEOUT: Duration = Duration::from_secs(120);

type Shared<T> = Arc<OnceCell<Result<T, String>>>;

/// The packages of one run and their plugins.
pub struct Plugins {
    project_dir: PathBuf,
    dependencies: Vec<PackageDependency>,
    /// The environment plugins start with (the program's).
    env: Mutex<Vec<(String, String)>>,
    manifests: Mutex<HashMap<String, Shared<Arc<Manifest>>>>,
    plugins: Mutex<HashMap<String, Shared<Arc<Plugin>>>>,
}

/// A running plugin.
pub struct Plugin {
    /// `platform@0.1.0`.
    pub id: String,
    client: ComponentProviderClient<Channel>,
    process: Mutex<Option<tokio::process::Child>>,
}

impl Plugins {
    /// The packages of the project in `project_dir` (its `[packages]`).
    #[must_use]
    pub fn new(project_dir: PathBuf, dependencies: Vec<PackageDependency>) -> Self {
        Plugins {
            project_dir,
            dependencies,
            env: Mutex::new(Vec::new()),
            manifests: Mutex::default(),
            plugins: Mutex::default(),
        }
    }

    /// The environment plugins are started with.
    pub fn set_env(&self, env: Vec<(String, String)>) {
        *self.env.lock().unwrap_or_else(PoisonError::into_inner) = env;
    }

    /// The monitor's address and token (from the environment), for `ConstructRequest`.
    #[must_use]
    pub fn monitor(&self) -> (String, String) {
        let env = self.env.lock().unwrap_or_else(PoisonError::into_inner);
        let get = |key: &str| env.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default();
        (get(engine_proto::env::MONITOR_ADDRESS), get(engine_proto::env::MONITOR_TOKEN))
    }

    /// The package a registration names (`platform@^0.1.0`): the project's dependency, its
    /// manifest (loaded once per run), and the version checks.
    ///
    /// # Errors
    /// A message naming the package: not a dependency, no manifest, another package at that
    /// path, or a version the project or the program's binding does not accept.
    pub async fn resolve(&self, reference: &str) -> Result<Arc<Manifest>, String> {
        let wanted = PackageRef::parse(reference).map_err(|e| e.to_string())?;
        let Some(dependency) = self.dependencies.iter().find(|d| d.name == wanted.name) else {
            let known: Vec<&str> = self.dependencies.iter().map(|d| d.name.as_str()).collect();
            let mut message = format!(
                "package {} is not a dependency of this project: add it with `engine package add <PATH>` \
                 (it records it under [packages] in Engine.toml)",
                wanted.name
            );
            if let Some(close) = engine_package::suggest(&wanted.name, &known) {
                message.push_str(&format!("; did you mean {close}?"));
            }
            return Err(message);
        };
        let cell = {
            let mut manifests = self.manifests.lock().unwrap_or_else(PoisonError::into_inner);
            manifests.entry(dependency.name.clone()).or_default().clone()
        };
        let dir = self.project_dir.join(&dependency.path);
        let manifest = cell
            .get_or_init(|| async {
                let manifest = Manifest::load(&dir).map_err(|e| format!("package {}: {e}", dependency.name))?;
                if manifest.name != dependency.name {
                    return Err(format!(
                        "package {}: {} holds the package {} (fix [packages] in Engine.toml)",
                        dependency.name,
                        dir.display(),
                        manifest.name
                    ));
                }
                if let Some(required) = &dependency.version {
                    let requirement = PackageRef::parse(&format!("{}@{required}", dependency.name))
                        .map_err(|e| format!("Engine.toml [packages]: {e}"))?;
                    if !requirement.accepts(&manifest.version) {
                        return Err(format!(
                            "package {}: {} is version {}, but Engine.toml requires {required} (run `engine package add {}` \
                             to accept the new version and regenerate the binding)",
                            dependency.name,
                            dependency.path,
                            manifest.version,
                            dependency.path
                        ));
                    }
                }
                Ok(Arc::new(manifest))
            })
            .await
            .clone()?;
        if !wanted.accepts(&manifest.version) {
            return Err(format!(
                "package {}: the program's binding was generated for {wanted}, but {} is version {} \
                 (regenerate the binding: `engine package add {}`)",
                wanted.name, dependency.path, manifest.version, dependency.path
            ));
        }
        Ok(manifest)
    }

    /// Bring the program's bindings of its packages up to date (`generated/<package>`): a binding
    /// in another language than the package's is regenerated when the package's manifest
    /// changed, as long as the package's version still satisfies `Engine.toml`.
    ///
    /// # Errors
    /// A package that cannot be resolved (named), or a binding that cannot be written.
    pub async fn refresh_bindings(&self, runtime: engine_config::Runtime, reporter: &Reporter) -> Result<(), String> {
        use engine_package::bindings::{self, Language};
        let language = match runtime {
            engine_config::Runtime::Rust => Language::Rust,
            engine_config::Runtime::Python => Language::Python,
            engine_config::Runtime::Node => Language::Node,
        };
        for dependency in &self.dependencies {
            let manifest = self.resolve(&dependency.name).await?;
            let dir = bindings::default_dir(&self.project_dir, &manifest.name);
            let same = manifest.runtime.as_str() == runtime.as_str();
            if same && !dir.join(bindings::STAMP_FILE).exists() {
                continue;
            }
            if bindings::ensure(&manifest, language, &self.project_dir)
                .map_err(|e| format!("the binding of package {}: {e}", manifest.id()))?
            {
                reporter.emit(Event::Diagnostic {
                    severity: Severity::Info,
                    urn: None,
                    message: format!(
                        "generated the {} binding of package {} into {}",
                        language.as_str(),
                        manifest.id(),
                        dir.display()
                    ),
                });
            }
        }
        Ok(())
    }

    /// The dependency's prebuilt plugin, if `Engine.toml` names one.
    fn prebuilt(&self, name: &str) -> Option<PathBuf> {
        let plugin = self.dependencies.iter().find(|d| d.name == name)?.plugin.as_ref()?;
        Some(self.project_dir.join(plugin))
    }

    /// The package's plugin, started on first use (one per package per run).
    ///
    /// # Errors
    /// The plugin could not be built or started, or it is another package or version.
    pub async fn plugin(&self, manifest: &Arc<Manifest>, reporter: &Reporter) -> Result<Arc<Plugin>, String> {
        let cell = {
            let mut plugins = self.plugins.lock().unwrap_or_else(PoisonError::into_inner);
            plugins.entry(manifest.name.clone()).or_default().clone()
        };
        cell.get_or_init(|| async { self.start(manifest, reporter).await.map(Arc::new) })
            .await
            .clone()
            .map_err(|e| format!("package {}: {e}", manifest.id()))
    }

    async fn start(&self, manifest: &Manifest, reporter: &Reporter) -> Result<Plugin, String> {
        let runtime = match manifest.runtime {
            engine_package::Runtime::Rust => Runtime::Rust,
            engine_package::Runtime::Python => Runtime::Python,
            engine_package::Runtime::Node => Runtime::Node,
        };
        let mut env = self.env.lock().unwrap_or_else(PoisonError::into_inner).clone();
        env.push(("ENGINE_PLUGIN".to_owned(), manifest.name.clone()));
        env.push(("ENGINE_PLUGIN_VERSION".to_owned(), manifest.version.to_string()));
        let spec = ProgramSpec { dir: manifest.dir.clone(), runtime, main: manifest.main.clone(), env: env.clone() };
        reporter.emit(Event::Diagnostic {
            severity: Severity::Info,
            urn: None,
            message: format!("starting the plugin of package {} ({})", manifest.id(), manifest.runtime.as_str()),
        });
        let mut command = match self.prebuilt(&manifest.name) {
            Some(binary) if binary.is_file() => tokio::process::Command::new(binary),
            Some(binary) => {
                return Err(format!(
                    "the prebuilt plugin {} (Engine.toml [packages]) does not exist",
                    binary.display()
                ));
            }
            None => {
                preparer(runtime).prepare(&spec, reporter).await.map_err(|e| format!("preparing the plugin: {e}"))?
            }
        };
        command
            .current_dir(&manifest.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (key, value) in &env {
            command.env(key, value);
        }
        let mut child = command.spawn().map_err(|e| format!("cannot start the plugin: {e}"))?;
        let prefix = format!("[{}] ", manifest.name);
        let stderr_tail = Arc::new(Mutex::new(Vec::<String>::new()));
        if let Some(stderr) = child.stderr.take() {
            let reporter = reporter.clone();
            let prefix = prefix.clone();
            let tail = stderr_tail.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let line = reporter.mask_text(&line);
                    {
                        let mut tail = tail.lock().unwrap_or_else(PoisonError::into_inner);
                        if tail.len() == 20 {
                            tail.remove(0);
                        }
                        tail.push(line.clone());
                    }
                    reporter.emit(Event::ProgramOutput { stream: "stderr", line: format!("{prefix}{line}") });
                }
            });
        }
        let stdout = child.stdout.take().ok_or_else(|| "the plugin has no stdout".to_owned())?;
        let mut lines = BufReader::new(stdout).lines();
        let port = tokio::time::timeout(START_TIMEOUT, async {
            loop {
                match lines.next_line().await {
                    Ok(Some(line)) => {
                        if let Some(port) = line.trim().strip_prefix(engine_sdk_port_prefix()) {
                            return port
                                .trim()
                                .parse::<u16>()
                                .map_err(|_| format!("the plugin printed a bad port line: {line}"));
                        }
                        reporter.emit(Event::ProgramOutput {
                            stream: "stdout",
                            line: format!("{prefix}{}", reporter.mask_text(&line)),
                        });
                    }
                    Ok(None) | Err(_) => {
                        return Err("the plugin ended before printing ENGINE_PLUGIN_PORT=<port>".to_owned());
                    }
                }
            }
        })
        .await
        .map_err(|_| format!("the plugin did not print ENGINE_PLUGIN_PORT=<port> within {}s", START_TIMEOUT.as_secs()));
        let port = match port.and_then(|p| p) {
            Ok(port) => port,
            Err(message) => {
                // Let its last words arrive.
                let _ = tokio::time::timeout(Duration::from_secs(2), child.wait()).await;
                let _ = child.start_kill();
                let tail = stderr_tail.lock().unwrap_or_else(PoisonError::into_inner).join("\n");
                return Err(if tail.is_empty() { message } else { format!("{message}; its last output:\n{tail}") });
            }
        };
        {
            let reporter = reporter.clone();
            tokio::spawn(async move {
                while let Ok(Some(line)) = lines.next_line().await {
                    reporter.emit(Event::ProgramOutput {
                        stream: "stdout",
                        line: format!("{prefix}{}", reporter.mask_text(&line)),
                    });
                }
            });
        }
        let client = ComponentProviderClient::connect(format!("http://127.0.0.1:{port}"))
            .await
            .map_err(|e| format!("cannot connect to the plugin on port {port}: {e}"))?
            .max_decoding_message_size(64 * 1024 * 1024)
            .max_encoding_message_size(64 * 1024 * 1024);
        let plugin = Plugin { id: manifest.id(), client, process: Mutex::new(Some(child)) };
        plugin.check_schema(manifest).await?;
        Ok(plugin)
    }

    /// Stop every plugin (the program has ended).
    pub async fn shutdown(&self) {
        let plugins: Vec<Shared<Arc<Plugin>>> =
            self.plugins.lock().unwrap_or_else(PoisonError::into_inner).values().cloned().collect();
        for cell in plugins {
            if let Some(Ok(plugin)) = cell.get() {
                plugin.stop().await;
            }
        }
    }
}

fn engine_sdk_port_prefix() -> &'static str {
    "ENGINE_PLUGIN_PORT="
}

impl Plugin {
    async fn check_schema(&self, manifest: &Manifest) -> Result<(), String> {
        let schema = self
            .client
            .clone()
            .get_schema(GetSchemaRequest {})
            .await
            .map_err(|status| format!("GetSchema failed: {}", status.message()))?
            .into_inner();
        let schema: serde_json::Value = serde_json::from_str(&schema.schema_json)
            .map_err(|e| format!("the plugin's GetSchema answer is not JSON: {e}"))?;
        let name = schema.get("name").and_then(serde_json::Value::as_str).unwrap_or_default();
        let version = schema.get("version").and_then(serde_json::Value::as_str).unwrap_or_default();
        if name != manifest.name || version != manifest.version.to_string() {
            return Err(format!(
                "the plugin serves {name}@{version}, but EnginePackage.toml declares {} (rebuild the package, or \
                 align its version with the manifest)",
                manifest.id()
            ));
        }
        let dynamic = schema.get("dynamic").and_then(serde_json::Value::as_bool).unwrap_or(false);
        if !dynamic {
            let served: Vec<&str> = schema
                .get("components")
                .and_then(serde_json::Value::as_array)
                .map(|items| items.iter().filter_map(serde_json::Value::as_str).collect())
                .unwrap_or_default();
            let missing: Vec<&str> =
                manifest.components.values().map(|c| c.token.as_str()).filter(|t| !served.contains(t)).collect();
            if !missing.is_empty() {
                return Err(format!(
                    "the plugin does not serve {} (declared in EnginePackage.toml)",
                    missing.join(", ")
                ));
            }
        }
        Ok(())
    }

    /// Ask the plugin to construct a component.
    ///
    /// # Errors
    /// The plugin's message (the failing child is named in it), or a lost connection.
    pub async fn construct(&self, request: ConstructRequest) -> Result<ConstructResponse, String> {
        match self.client.clone().construct(request).await {
            Ok(response) => Ok(response.into_inner()),
            Err(status) if matches!(status.code(), tonic::Code::Unavailable | tonic::Code::Unknown) => {
                let exited = self
                    .process
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .as_mut()
                    .and_then(|child| child.try_wait().ok().flatten());
                Err(match exited {
                    Some(exit) => {
                        format!("the plugin {} exited ({}) while constructing", self.id, status_message(&exit))
                    }
                    None => format!("the plugin {} failed: {}", self.id, status.message()),
                })
            }
            Err(status) => Err(status.message().to_owned()),
        }
    }

    async fn stop(&self) {
        let child = self.process.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(mut child) = child {
            drop(child.stdin.take());
            if tokio::time::timeout(Duration::from_secs(2), child.wait()).await.is_err() {
                let _ = child.start_kill();
                let _ = child.wait().await;
            }
        }
    }
}

fn status_message(status: &std::process::ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit code {code}"),
        None => "killed by a signal".to_owned(),
    }
}
