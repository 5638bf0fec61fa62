//! The end-to-end harness: builds the `engine` binary and the test program once per test
//! process (in the workspace's target folder), makes throw-away projects, runs `engine`
//! commands against them, and reads back the local cloud's inventory.
//!
//! Every project here uses the one test program (`tests/programs/scenario`), whose resources
//! come from the `spec` config value, so no test compiles a program of its own: it is built
//! once and `Engine.toml`'s `main` names the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

/// The workspace root.
#[must_use]
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace().join("target"), PathBuf::from)
}

/// Build `engine` and the test program (once per process); the `engine` binary's path.
///
/// # Panics
/// When the build fails (the test cannot run).
pub fn engine_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let status = Command::new(cargo)
            .current_dir(workspace())
            .args(["build", "--quiet", "-p", "engine-cli", "-p", "engine-test-scenario"])
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building engine and the test program failed");
        target_dir().join("debug").join("engine")
    })
}

/// The platform package's folder (`programs/platform`).
#[must_use]
pub fn platform_dir() -> PathBuf {
    workspace().join("programs").join("platform")
}

/// Build the platform package (its plugin binary, which the engine would otherwise build on
/// first use) and the Rust program that links it (once per process); that program's path.
///
/// # Panics
/// When the build fails.
pub fn platform_consumer_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    engine_bin();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let status = Command::new(cargo)
            .current_dir(workspace())
            .args(["build", "--quiet", "-p", "engine-platform", "-p", "engine-test-platform-consumer"])
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the platform package and its Rust consumer failed");
        target_dir().join("debug").join("engine-test-platform-consumer")
    })
}

/// The result of one `engine` command.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Self {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// stdout and stderr together, for assertions and failure messages.
    #[must_use]
    pub fn text(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// The `--json` events.
    #[must_use]
    pub fn events(&self) -> Vec<Value> {
        self.stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
    }

    /// Panic with the output unless the command succeeded.
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(self.code, 0, "engine failed:\n{}", self.text());
        self
    }
}

/// A throw-away project whose program is the scenario program, with a `dev` stack on the
/// embedded local cloud.
pub struct Project {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Project {
    /// A new project with stack `dev` and this spec.
    ///
    /// # Panics
    /// When the project cannot be set up.
    #[must_use]
    pub fn new(spec: &Value) -> Self {
        engine_bin();
        let dir = tempfile::Builder::new().prefix("engine-e2e-").tempdir().expect("temp dir");
        // The program is built once by `engine_bin`; the engine runs the binary as is (no cargo
        // per run: fast, and no wait on the shared target folder's lock).
        let program = target_dir().join("debug").join("engine-test-scenario");
        std::fs::write(
            dir.path().join("Engine.toml"),
            format!("name = \"e2e\"\nruntime = \"rust\"\nmain = {:?}\n", program.display().to_string()),
        )
        .expect("write Engine.toml");
        let project = Project { dir, env: Vec::new() };
        project.engine(&["stack", "init", "dev"]).ok();
        project.set_spec(spec);
        project
    }

    /// A new project with stack `dev` whose program is `main` (a prebuilt binary, or a script
    /// of `runtime`), and these config values (`key`, JSON).
    ///
    /// # Panics
    /// When the project cannot be set up.
    #[must_use]
    pub fn with_program(runtime: &str, main: &str, config: &[(&str, Value)]) -> Self {
        engine_bin();
        let dir = tempfile::Builder::new().prefix("engine-e2e-").tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("Engine.toml"),
            format!("name = \"e2e\"\nruntime = \"{runtime}\"\nmain = {main:?}\n"),
        )
        .expect("write Engine.toml");
        let project = Project { dir, env: Vec::new() };
        project.engine(&["stack", "init", "dev"]).ok();
        for (key, value) in config {
            project.engine(&["config", "set", key, "--type", "json", &value.to_string()]).ok();
        }
        project
    }

    /// Write a file of the project (folders created).
    ///
    /// # Panics
    /// When it cannot be written.
    pub fn write(&self, path: &str, text: &str) {
        let path = self.dir().join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folders");
        }
        std::fs::write(path, text).expect("write the file");
    }

    /// Append text to `Engine.toml` (a `[packages]` table, ...).
    ///
    /// # Panics
    /// When it cannot be written.
    pub fn append_project_file(&self, text: &str) {
        let file = self.dir().join("Engine.toml");
        let mut current = std::fs::read_to_string(&file).expect("read Engine.toml");
        current.push_str(text);
        std::fs::write(file, current).expect("write Engine.toml");
    }

    /// Extra environment for every later command.
    pub fn env(&mut self, key: &str, value: &str) {
        self.env.push((key.to_owned(), value.to_owned()));
    }

    #[must_use]
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The embedded local cloud's data folder.
    #[must_use]
    pub fn local_cloud_dir(&self) -> PathBuf {
        self.dir().join(".engine").join("local-cloud")
    }

    /// Replace the program's spec.
    ///
    /// # Panics
    /// When `engine config set` fails.
    pub fn set_spec(&self, spec: &Value) {
        self.engine(&["config", "set", "spec", "--type", "json", &spec.to_string()]).ok();
    }

    /// The command for `engine ARGS` in this project (not started).
    #[must_use]
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(engine_bin());
        cmd.arg("-C").arg(self.dir()).args(args);
        cmd.env("NO_COLOR", "1").env_remove("ENGINE_LOCAL_CLOUD_URL").env_remove("ENGINE_STACK");
        cmd.stdin(Stdio::null());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Run `engine ARGS` to its end.
    ///
    /// # Panics
    /// When the binary cannot be started.
    #[must_use]
    pub fn engine(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().expect("engine runs"))
    }

    /// `engine up --yes`.
    #[must_use]
    pub fn up(&self) -> Run {
        self.engine(&["up", "--yes"])
    }

    /// Every resource in the embedded local cloud, as `(type, identifier)`, sorted.
    ///
    /// # Panics
    /// When the data cannot be read.
    #[must_use]
    pub fn cloud_resources(&self) -> Vec<(String, String)> {
        if !self.local_cloud_dir().exists() {
            return Vec::new();
        }
        let mut out: Vec<(String, String)> = engine_local_cloud::list_resources(&self.local_cloud_dir())
            .expect("read the local cloud")
            .into_iter()
            .map(|l| (l.type_name, l.identifier))
            .collect();
        out.sort();
        out
    }

    /// The stack's state (read from disk, secrets left encrypted).
    ///
    /// # Panics
    /// When the state cannot be read.
    #[must_use]
    pub fn state(&self) -> engine_state::State {
        let backend = engine_state::open_backend(None, self.dir()).expect("backend");
        let store = engine_state::StateStore::new(backend, "e2e", "dev");
        store.load_encrypted().expect("state loads").state
    }

    /// `(type, id)` of every managed cloud resource in state, sorted (what the local cloud must
    /// hold: nothing orphaned, nothing duplicated).
    #[must_use]
    pub fn state_cloud_resources(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .state()
            .resources
            .into_iter()
            .filter(|r| r.custom && !r.external && !r.type_name.starts_with("Engine::"))
            .map(|r| (r.type_name, r.id))
            .collect();
        out.sort();
        out
    }
}

/// A spec of `n` independent buckets named `b0..`.
#[must_use]
pub fn buckets(n: usize) -> Value {
    serde_json::json!({ "generate": {"type": "AWS::S3::Bucket", "count": n, "prefix": "b"} })
}
