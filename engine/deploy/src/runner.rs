//! Running a program: prepare its runtime (first use installs what it needs, with visible
//! progress), start it with the environment of `proto/README.md`, stream its output line by
//! line, and stop it when it hangs or the run is cancelled.
//!
//! Runtimes ([`Runtime`]) are pluggable through [`Preparer`]:
//! - `rust`: the crate is built with `cargo build` and its binary run (not through `cargo run`,
//!   so stopping the program stops the program). `main` in `Engine.toml` names the binary, or
//!   the crate's folder (relative to the project) when it lives elsewhere, or a binary built
//!   beforehand (run as is, nothing is built). A crate inside a cargo workspace shares the
//!   workspace's target folder.
//! - `python`: the program's own virtualenv `.venv`, created on first use; `requirements.txt` is
//!   installed into it whenever it changes (a hash is kept in `.venv/.engine-requirements`).
//!   The Python SDK (`engine_sdk`) is installed into it from the SDK's wheel whenever missing or
//!   outdated (see `python_sdk`), so `requirements.txt` lists only the program's own packages.
//!   The entry point is `main` from `Engine.toml`, else `__main__.py`, else `main.py`.
//! - `node`: `npm install` when `node_modules` is missing or `package.json` changed. The Node SDK
//!   (`engine-sdk`) is linked into `node_modules`, built once when needed (see `node_sdk`).
//!   TypeScript entry points (`.ts`, `.mts`, `.cts`) run through the project's `tsx` (in its
//!   devDependencies), else the SDK's own `tsx`, else Node's own type stripping when the Node
//!   version has it: no manual build step.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::events::{Event, Reporter, Severity};

/// A program's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    Rust,
    Python,
    Node,
}

impl From<engine_config::Runtime> for Runtime {
    fn from(r: engine_config::Runtime) -> Self {
        match r {
            engine_config::Runtime::Rust => Runtime::Rust,
            engine_config::Runtime::Python => Runtime::Python,
            engine_config::Runtime::Node => Runtime::Node,
        }
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct ProgramSpec {
    pub dir: PathBuf,
    pub runtime: Runtime,
    /// `main` from `Engine.toml` (relative to `dir`), if set.
    pub main: Option<String>,
    /// Environment for the program (monitor address, token, project, ...).
    pub env: Vec<(String, String)>,
}

/// How the program ended.
#[derive(Debug, Clone)]
pub struct ProgramOutcome {
    /// Exit code (`None`: killed by a signal, or stopped by the engine).
    pub code: Option<i32>,
    pub success: bool,
    /// Why the engine stopped it, if it did.
    pub stopped: Option<String>,
    /// The last lines of its output (stderr and stdout), for error reports.
    pub tail: Vec<String>,
}

/// Prepares a runtime before a run (creates a virtualenv, installs dependencies, ...) and says
/// how to start the program.
pub trait Preparer: Send + Sync {
    /// Make the runtime ready; report progress through `reporter`.
    fn prepare<'a>(
        &'a self,
        spec: &'a ProgramSpec,
        reporter: &'a Reporter,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Command, String>> + Send + 'a>>;
}

/// The preparer of a runtime.
#[must_use]
pub fn preparer(runtime: Runtime) -> Box<dyn Preparer> {
    match runtime {
        Runtime::Rust => Box::new(RustPreparer),
        Runtime::Python => Box::new(PythonPreparer),
        Runtime::Node => Box::new(NodePreparer),
    }
}

fn info(reporter: &Reporter, message: String) {
    reporter.emit(Event::Diagnostic { severity: Severity::Info, urn: None, message });
}

/// Run a setup command, streaming its output as program output; fail with its tail.
async fn setup_command(mut cmd: Command, what: &str, reporter: &Reporter) -> Result<(), String> {
    info(reporter, format!("{what}..."));
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().map_err(|e| format!("{what}: cannot start: {e}"))?;
    let outcome = supervise(child, reporter, None, None, &crate::deployment::CancelSignal::new()).await;
    if outcome.success {
        info(reporter, format!("{what}: done"));
        Ok(())
    } else {
        Err(format!("{what} failed (exit {:?}):\n{}", outcome.code, outcome.tail.join("\n")))
    }
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.extension().is_some_and(|e| e == "exe")
    }
}

fn file_hash(path: &Path) -> Option<String> {
    let data = std::fs::read(path).ok()?;
    Some(hex::encode(Sha256::digest(&data)))
}

struct RustPreparer;

impl Preparer for RustPreparer {
    fn prepare<'a>(
        &'a self,
        spec: &'a ProgramSpec,
        reporter: &'a Reporter,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Command, String>> + Send + 'a>> {
        Box::pin(async move {
            // `main` is a binary name, or a path (relative to the project) to the crate's
            // folder or Cargo.toml (a program whose crate lives elsewhere in a monorepo).
            let mut manifest = spec.dir.join("Cargo.toml");
            let mut bin = None;
            if let Some(main) = spec.main.as_deref().filter(|m| !m.is_empty()) {
                let candidate = spec.dir.join(main);
                if candidate.is_dir() && candidate.join("Cargo.toml").is_file() {
                    manifest = candidate.join("Cargo.toml");
                } else if candidate.is_file() && candidate.file_name().is_some_and(|n| n == "Cargo.toml") {
                    manifest = candidate;
                } else if candidate.is_file() && is_executable(&candidate) {
                    // A binary built beforehand (a CI step, the test harness): run it as is.
                    return Ok(Command::new(candidate));
                } else {
                    bin = Some(main.to_owned());
                }
            }
            if !manifest.is_file() {
                return Err(format!("a rust program needs a Cargo.toml in {}", spec.dir.display()));
            }
            // Build, then run the binary itself (not `cargo run`: stopping a hung program must
            // stop the program, not only cargo).
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
            let mut cmd = Command::new(cargo);
            cmd.args(["build", "--quiet", "--message-format=json-render-diagnostics", "--manifest-path"])
                .arg(&manifest)
                .current_dir(&spec.dir)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            if let Some(bin) = &bin {
                cmd.arg("--bin").arg(bin);
            }
            let mut child = cmd.spawn().map_err(|e| format!("cannot start cargo: {e}"))?;
            let tail = Tail::default();
            let stderr = child.stderr.take().map(|err| spawn_reader(err, "stderr", reporter.clone(), tail.clone()));
            let mut executables = Vec::new();
            if let Some(out) = child.stdout.take() {
                let mut lines = BufReader::new(out).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let Ok(message) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
                    if message.get("reason").and_then(serde_json::Value::as_str) == Some("compiler-artifact")
                        && let Some(exe) = message.get("executable").and_then(serde_json::Value::as_str)
                    {
                        executables.push(PathBuf::from(exe));
                    }
                }
            }
            let status = child.wait().await.map_err(|e| format!("cargo: {e}"))?;
            if let Some(stderr) = stderr {
                let _ = stderr.await;
            }
            if !status.success() {
                return Err(format!("building the program failed (cargo build):\n{}", tail.lines().join("\n")));
            }
            match executables.as_slice() {
                [exe] => Ok(Command::new(exe)),
                [] => Err(format!("cargo built no executable for {}", manifest.display())),
                _ => Err(format!(
                    "{} has several binaries: name the one to run with `main` in Engine.toml",
                    manifest.display()
                )),
            }
        })
    }
}

struct PythonPreparer;

impl Preparer for PythonPreparer {
    fn prepare<'a>(
        &'a self,
        spec: &'a ProgramSpec,
        reporter: &'a Reporter,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Command, String>> + Send + 'a>> {
        Box::pin(async move {
            let venv = spec.dir.join(".venv");
            let python = venv.join("bin").join("python");
            if !python.exists() {
                let interpreter = std::env::var("ENGINE_PYTHON").unwrap_or_else(|_| "python3".to_owned());
                let mut cmd = Command::new(interpreter);
                cmd.arg("-m").arg("venv").arg(&venv).current_dir(&spec.dir);
                setup_command(cmd, "creating the program's virtualenv (.venv)", reporter).await?;
            }
            python_sdk::ensure(&venv, &python, reporter).await?;
            let requirements = spec.dir.join("requirements.txt");
            let marker = venv.join(".engine-requirements");
            if let Some(hash) = file_hash(&requirements) {
                let installed = std::fs::read_to_string(&marker).unwrap_or_default();
                if installed.trim() != hash {
                    let mut cmd = Command::new(&python);
                    cmd.args(["-m", "pip", "install", "--disable-pip-version-check", "-r"])
                        .arg(&requirements)
                        .current_dir(&spec.dir);
                    setup_command(cmd, "installing requirements.txt into .venv", reporter).await?;
                    std::fs::write(&marker, hash).map_err(|e| format!("{}: {e}", marker.display()))?;
                }
            }
            let main = match spec.main.as_deref().filter(|m| !m.is_empty()) {
                Some(main) => spec.dir.join(main),
                None if spec.dir.join("__main__.py").is_file() => spec.dir.join("__main__.py"),
                None => spec.dir.join("main.py"),
            };
            if !main.exists() {
                return Err(format!(
                    "the python entry point {} does not exist (set `main` in Engine.toml)",
                    main.display()
                ));
            }
            let mut cmd = Command::new(&python);
            cmd.arg("-u").arg(main);
            cmd.env("VIRTUAL_ENV", &venv);
            Ok(cmd)
        })
    }
}

mod node_sdk;

struct NodePreparer;

impl Preparer for NodePreparer {
    fn prepare<'a>(
        &'a self,
        spec: &'a ProgramSpec,
        reporter: &'a Reporter,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Command, String>> + Send + 'a>> {
        Box::pin(async move {
            let package = spec.dir.join("package.json");
            let modules = spec.dir.join("node_modules");
            let marker = modules.join(".engine-package-json");
            if let Some(hash) = file_hash(&package) {
                let installed = std::fs::read_to_string(&marker).unwrap_or_default();
                if !modules.is_dir() || installed.trim() != hash {
                    let npm = std::env::var("ENGINE_NPM").unwrap_or_else(|_| "npm".to_owned());
                    let mut cmd = Command::new(npm);
                    cmd.args(["install", "--no-audit", "--no-fund"]).current_dir(&spec.dir);
                    setup_command(cmd, "installing the program's node_modules (npm install)", reporter).await?;
                    let _ = std::fs::create_dir_all(&modules);
                    std::fs::write(&marker, hash).map_err(|e| format!("{}: {e}", marker.display()))?;
                }
            }
            let main = match spec.main.as_deref().filter(|m| !m.is_empty()) {
                Some(main) => spec.dir.join(main),
                None => ["index.ts", "index.mts", "index.js", "index.mjs", "main.ts", "main.js"]
                    .iter()
                    .map(|f| spec.dir.join(f))
                    .find(|p| p.is_file())
                    .unwrap_or_else(|| spec.dir.join("index.js")),
            };
            if !main.exists() {
                return Err(format!(
                    "the node entry point {} does not exist (set `main` in Engine.toml)",
                    main.display()
                ));
            }
            let typescript =
                main.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e, "ts" | "mts" | "cts"));
            let sdk = node_sdk::prepare(&spec.dir, typescript, reporter).await?;
            if !typescript {
                let mut cmd = Command::new("node");
                cmd.arg(main);
                return Ok(cmd);
            }
            let tsx = modules.join(".bin").join("tsx");
            if tsx.exists() {
                let mut cmd = Command::new(tsx);
                cmd.arg(main);
                return Ok(cmd);
            }
            if let Some(loader) = sdk.and_then(|sdk| sdk.tsx_loader) {
                // The SDK's own tsx, in this process (no child process to relay signals to).
                let url = format!("file://{}", loader.display())
                    .replace('%', "%25")
                    .replace(' ', "%20")
                    .replace('#', "%23")
                    .replace('?', "%3F");
                let mut cmd = Command::new("node");
                cmd.arg("--import").arg(url).arg(main);
                return Ok(cmd);
            }
            if node_strips_types().await {
                let mut cmd = Command::new("node");
                cmd.arg("--experimental-strip-types").arg("--no-warnings").arg(main);
                return Ok(cmd);
            }
            Err(format!(
                "{} is TypeScript: add `tsx` to the program's devDependencies (npm install --save-dev tsx), \
                 or use Node 22.6 or later",
                main.display()
            ))
        })
    }
}

async fn node_strips_types() -> bool {
    let Ok(out) = Command::new("node").arg("--version").output().await else { return false };
    let version = String::from_utf8_lossy(&out.stdout);
    let mut parts = version.trim().trim_start_matches('v').split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    major > 22 || (major == 22 && minor >= 6)
}

/// Keep the last lines of output.
#[derive(Clone, Default)]
struct Tail(Arc<Mutex<VecDeque<String>>>);

impl Tail {
    const MAX: usize = 40;

    fn push(&self, line: String) {
        let mut lines = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if lines.len() == Self::MAX {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().cloned().collect()
    }
}

/// Stream a child's output and wait for it: stop it when `idle` says it hung (checked every
/// second: `Some(reason)` stops it) or when cancelled.
pub(crate) async fn supervise(
    mut child: tokio::process::Child,
    reporter: &Reporter,
    idle: Option<&(dyn Fn() -> Option<String> + Send + Sync)>,
    stop_on_cancel: Option<()>,
    cancel: &crate::deployment::CancelSignal,
) -> ProgramOutcome {
    let tail = Tail::default();
    let mut readers = Vec::new();
    if let Some(out) = child.stdout.take() {
        readers.push(spawn_reader(out, "stdout", reporter.clone(), tail.clone()));
    }
    if let Some(err) = child.stderr.take() {
        readers.push(spawn_reader(err, "stderr", reporter.clone(), tail.clone()));
    }
    let mut stopped = None;
    let status = loop {
        tokio::select! {
            status = child.wait() => break status.ok(),
            () = tokio::time::sleep(Duration::from_secs(1)) => {
                if let Some(reason) = idle.and_then(|f| f()) {
                    stopped = Some(reason);
                    let _ = child.start_kill();
                }
            }
            () = cancel.cancelled(), if stop_on_cancel.is_some() && stopped.is_none() => {
                stopped = Some("the run was cancelled".to_owned());
                let _ = child.start_kill();
            }
        }
    };
    for reader in readers {
        let _ = tokio::time::timeout(Duration::from_secs(5), reader).await;
    }
    let code = status.and_then(|s| s.code());
    ProgramOutcome {
        code,
        success: stopped.is_none() && status.is_some_and(|s| s.success()),
        stopped,
        tail: tail.lines(),
    }
}

fn spawn_reader(
    stream: impl tokio::io::AsyncRead + Unpin + Send + 'static,
    name: &'static str,
    reporter: Reporter,
    tail: Tail,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let masked = reporter.mask_text(&line);
            tail.push(masked.clone());
            reporter.emit(Event::ProgramOutput { stream: name, line: masked });
        }
    })
}

/// Prepare and run a program to its end.
pub async fn run_program(
    spec: &ProgramSpec,
    reporter: &Reporter,
    idle: &(dyn Fn() -> Option<String> + Send + Sync),
    cancel: &crate::deployment::CancelSignal,
) -> Result<ProgramOutcome, String> {
    let mut cmd = preparer(spec.runtime).prepare(spec, reporter).await?;
    cmd.current_dir(&spec.dir).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    for (k, v) in &spec.env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().map_err(|e| format!("cannot start the program: {e}"))?;
    Ok(supervise(child, reporter, Some(idle), Some(()), cancel).await)
}

/// The Python SDK in a program's virtualenv: installed from the SDK's wheel (`engine_sdk-*.whl`,
/// built by maturin from `sdk-python/`) when missing or outdated, so a new user needs no manual
/// step and a program's `requirements.txt` lists only its own packages. The wheel is, first
/// found first:
/// 1. `ENGINE_PYTHON_SDK_WHEEL`: a wheel file, or a folder holding one;
/// 2. next to the `engine` binary (its folder, or `python/` in it): a release ships it there;
/// 3. in a source checkout (the binary under `target/`): `target/wheels/`, built there on first
///    use and rebuilt when `sdk-python/` or the SDK core changed: `engine gen-sdk --lang python`
///    writes the typed resources into the package, then `maturin build --release` (maturin from
///    `ENGINE_MATURIN`, `PATH`, or a tools virtualenv under `target/`).
///
/// `.venv/.engine-sdk` records the installed wheel (path and content hash).
mod python_sdk {
    use std::path::{Path, PathBuf};
    use std::time::SystemTime;

    use sha2::{Digest, Sha256};
    use tokio::process::Command;

    use super::{info, setup_command};
    use crate::events::Reporter;

    /// Make sure the virtualenv has the current SDK.
    pub(super) async fn ensure(venv: &Path, python: &Path, reporter: &Reporter) -> Result<(), String> {
        let Some(wheel) = find_or_build(reporter).await? else {
            // No wheel anywhere: fine if the program's requirements install the SDK themselves.
            let importable = Command::new(python)
                .args(["-c", "import engine_sdk"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .await
                .is_ok_and(|status| status.success());
            if importable {
                return Ok(());
            }
            return Err("the Python SDK (engine_sdk) is not installed in .venv and no SDK wheel was found: set \
                 ENGINE_PYTHON_SDK_WHEEL to an engine_sdk-*.whl, put the wheel next to the engine binary, or \
                 build it with `maturin build --release -m sdk-python/Cargo.toml -o target/wheels`"
                .to_owned());
        };
        let data = std::fs::read(&wheel).map_err(|e| format!("{}: {e}", wheel.display()))?;
        let stamp = format!("{} {}", wheel.display(), hex::encode(Sha256::digest(&data)));
        let marker = venv.join(".engine-sdk");
        if std::fs::read_to_string(&marker).unwrap_or_default().trim() == stamp {
            return Ok(());
        }
        let mut cmd = Command::new(python);
        cmd.args(["-m", "pip", "install", "--disable-pip-version-check", "--no-deps", "--force-reinstall"]).arg(&wheel);
        let name = wheel.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        setup_command(cmd, &format!("installing the Python SDK into .venv ({name})"), reporter).await?;
        std::fs::write(&marker, stamp).map_err(|e| format!("{}: {e}", marker.display()))
    }

    /// The newest `engine_sdk-*.whl` in a folder.
    fn newest_wheel(dir: &Path) -> Option<PathBuf> {
        std::fs::read_dir(dir)
            .ok()?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| {
                path.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("engine_sdk-") && n.ends_with(".whl"))
            })
            .max_by_key(|path| modified(path))
    }

    fn modified(path: &Path) -> SystemTime {
        std::fs::metadata(path).and_then(|m| m.modified()).unwrap_or(SystemTime::UNIX_EPOCH)
    }

    /// The newest modification time of the files under `path` (build outputs skipped).
    fn newest_source(path: &Path) -> SystemTime {
        let Ok(meta) = std::fs::metadata(path) else { return SystemTime::UNIX_EPOCH };
        if meta.is_file() {
            return meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        }
        let Ok(entries) = std::fs::read_dir(path) else { return SystemTime::UNIX_EPOCH };
        entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                !(name.starts_with('.') || name == "__pycache__" || name.ends_with(".so") || name == "tests")
            })
            .map(|p| newest_source(&p))
            .max()
            .unwrap_or(SystemTime::UNIX_EPOCH)
    }

    async fn find_or_build(reporter: &Reporter) -> Result<Option<PathBuf>, String> {
        if let Some(given) = std::env::var_os("ENGINE_PYTHON_SDK_WHEEL").filter(|v| !v.is_empty()) {
            let given = PathBuf::from(given);
            let wheel = if given.is_dir() { newest_wheel(&given) } else { Some(given.clone()) };
            return match wheel.filter(|w| w.is_file()) {
                Some(wheel) => Ok(Some(wheel)),
                None => Err(format!("ENGINE_PYTHON_SDK_WHEEL={}: no engine_sdk-*.whl there", given.display())),
            };
        }
        let exe = std::env::current_exe().ok().and_then(|e| e.canonicalize().ok());
        let Some(exe_dir) = exe.as_deref().and_then(Path::parent) else { return Ok(None) };
        for dir in [exe_dir.to_path_buf(), exe_dir.join("python")] {
            if let Some(wheel) = newest_wheel(&dir) {
                return Ok(Some(wheel));
            }
        }
        // A source checkout: the binary is in <target>/<profile>/, the sources above <target>.
        let Some(root) = exe_dir.ancestors().find(|dir| dir.join("sdk-python").join("pyproject.toml").is_file()) else {
            return Ok(None);
        };
        let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
        let wheels = target.join("wheels");
        if let Some(wheel) = newest_wheel(&wheels).filter(|w| modified(w) >= sources_time(root)) {
            return Ok(Some(wheel));
        }
        build(root, &target, &wheels, reporter).await.map(Some)
    }

    /// `maturin build --release` into `<target>/wheels`.
    async fn build(root: &Path, target: &Path, wheels: &Path, reporter: &Reporter) -> Result<PathBuf, String> {
        let maturin = match std::env::var_os("ENGINE_MATURIN").filter(|v| !v.is_empty()) {
            Some(given) => PathBuf::from(given),
            None => match find_on_path("maturin") {
                Some(found) => found,
                None => {
                    let tools = target.join("engine-python-tools");
                    let installed = tools.join("bin").join("maturin");
                    if !installed.exists() {
                        let interpreter = std::env::var("ENGINE_PYTHON").unwrap_or_else(|_| "python3".to_owned());
                        let mut cmd = Command::new(interpreter);
                        cmd.arg("-m").arg("venv").arg(&tools);
                        setup_command(cmd, "creating a virtualenv for the SDK build tools", reporter).await?;
                        let mut cmd = Command::new(tools.join("bin").join("python"));
                        cmd.args(["-m", "pip", "install", "--disable-pip-version-check", "maturin>=1.16,<2"]);
                        setup_command(cmd, "installing maturin (builds the Python SDK)", reporter).await?;
                    }
                    installed
                }
            },
        };
        // One build at a time (concurrent maturin runs share `<target>/maturin`): a lock file,
        // taken over when older than 20 minutes (its holder died).
        std::fs::create_dir_all(wheels).map_err(|e| format!("{}: {e}", wheels.display()))?;
        let lock = wheels.join(".build.lock");
        let mut waited = false;
        loop {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&lock) {
                Ok(_) => break,
                Err(_) if modified(&lock).elapsed().is_ok_and(|age| age.as_secs() > 1200) => {
                    let _ = std::fs::remove_file(&lock);
                }
                Err(_) => {
                    if !waited {
                        info(reporter, "waiting for another build of the Python SDK wheel".to_owned());
                        waited = true;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                }
            }
        }
        if waited && let Some(wheel) = newest_wheel(wheels).filter(|w| modified(w) >= sources_time(root)) {
            let _ = std::fs::remove_file(&lock);
            return Ok(wheel);
        }
        let result = build_locked(root, &maturin, wheels, reporter).await;
        let _ = std::fs::remove_file(&lock);
        result
    }

    async fn build_locked(root: &Path, maturin: &Path, wheels: &Path, reporter: &Reporter) -> Result<PathBuf, String> {
        // A fresh folder per build, renamed into place: readers never see half a wheel.
        let out = wheels.join(format!(".build-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        info(reporter, "building the Python SDK wheel (first use after a change; takes a few minutes)".to_owned());
        // The typed resources (`engine_sdk.aws`) are generated, never committed: write them
        // into the package first, with this very binary (`engine gen-sdk`).
        let package = root.join("sdk-python").join("python").join("engine_sdk");
        let exe = std::env::current_exe().map_err(|e| format!("cannot find the engine binary: {e}"))?;
        let mut cmd = Command::new(exe);
        cmd.args(["gen-sdk", "--lang", "python", "--out"]).arg(&package).current_dir(root);
        setup_command(cmd, "generating the Python SDK's typed resources (engine gen-sdk)", reporter).await?;
        let mut cmd = Command::new(maturin);
        cmd.args(["build", "--release", "--quiet", "--manifest-path"])
            .arg(root.join("sdk-python").join("Cargo.toml"))
            .arg("--out")
            .arg(&out)
            .current_dir(root);
        let built = setup_command(cmd, "building the Python SDK wheel (maturin build --release)", reporter)
            .await
            .and_then(|()| newest_wheel(&out).ok_or_else(|| format!("maturin built no wheel into {}", out.display())));
        let result = built.and_then(|built| {
            let wheel = wheels.join(built.file_name().map(PathBuf::from).unwrap_or_default());
            std::fs::rename(&built, &wheel).map_err(|e| format!("{}: {e}", wheel.display()))?;
            Ok(wheel)
        });
        let _ = std::fs::remove_dir_all(&out);
        result
    }

    fn sources_time(root: &Path) -> SystemTime {
        [
            "sdk-python/src",
            "sdk-python/python",
            "sdk-python/Cargo.toml",
            "sdk-python/pyproject.toml",
            "sdk-rust/src",
            "engine/proto/src",
        ]
        .iter()
        .map(|p| newest_source(&root.join(p)))
        .max()
        .unwrap_or(SystemTime::UNIX_EPOCH)
    }

    fn find_on_path(name: &str) -> Option<PathBuf> {
        std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(name)).find(|p| p.is_file())
    }
}
