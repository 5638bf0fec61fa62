//! The reference architectures (`programs/<arch>/`, issue 8), each in every language it is
//! written in (`rust/`, `python/`, `node/`), through the acceptance steps on the embedded local
//! cloud, then compared across languages. `programs/README.md` describes `acceptance.toml`.
//!
//! Per language, in a copy of the architecture's folder under `target/reference-programs/`
//! (the repository is never written to; `.venv` and `node_modules` of the copy are kept between
//! runs so only the first run installs them; `.engine/` is emptied before each run):
//! 1. `engine up --yes` on the stack succeeds, and the local cloud holds exactly what state tracks;
//! 2. `engine preview --expect-no-changes` exits 0;
//! 3. the acceptance change (`engine config set KEY VALUE`) is planned, then applied, as an update
//!    of exactly the `expect_update` resources (no create, replace or delete), after which a
//!    preview finds nothing to do;
//! 4. `engine destroy --yes` succeeds, state is empty and `engine local-cloud ls` shows nothing
//!    but the engine's asset staging bucket (`engine-assets-<account>-<region>`: it belongs to no
//!    stack, like CDK's bootstrap bucket, see `engine_deploy::assets`).
//!
//! Then the languages' stacks after step 1 must be the same: URNs (so types, logical names and
//! parents), inputs, dependencies and stack outputs, with generated values (identifiers and
//! cloud-generated attributes, which differ from run to run) replaced by the name of the
//! resource attribute they came from, and secrets masked.
//!
//! The Rust variant is built with cargo beforehand (it is a workspace member) and run as a
//! prebuilt binary; Python and Node variants are prepared by the engine (virtualenv with the
//! Python SDK, `node_modules` with the Node SDK linked; the first run builds the SDKs).
//!
//! ```sh
//! cargo test -p engine-tests --test reference_programs -- --ignored --nocapture              # all
//! cargo test -p engine-tests --test reference_programs ingest -- --ignored --nocapture       # one
//! REFERENCE_LANGUAGES=rust,python cargo test -p engine-tests --test reference_programs ...   # some
//! REFERENCE_ARCHS=ingest,fargate-crm cargo test -p engine-tests --test reference_programs ... # some
//! ```
//!
//! Two runs of one architecture at once share its copy under `target/` and break each other's
//! stack lock: run one at a time.
//!
//! `--nocapture` shows each step's duration per architecture and language. Each language's
//! normalised stack is written to `target/reference-programs/<arch>/snapshot-<language>.json`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use engine_tests::{Run, engine_bin, workspace};
use serde_json::{Map, Value, json};

/// The language folders, in the order they run.
const LANGUAGES: [&str; 3] = ["rust", "python", "node"];

/// The architectures with a test below (a new one needs its own `#[test]`).
const KNOWN: [&str; 3] = ["serverless-api", "fargate-crm", "ingest"];

#[test]
#[ignore = "slow: deploys, changes and destroys the architecture in every language (minutes)"]
fn ingest() {
    check_architecture("ingest");
}

#[test]
#[ignore = "slow: deploys, changes and destroys the architecture in every language (minutes)"]
fn serverless_api() {
    check_architecture("serverless-api");
}

#[test]
#[ignore = "slow: deploys, changes and destroys the architecture in every language (minutes)"]
fn fargate_crm() {
    check_architecture("fargate-crm");
}

/// Fast: every architecture with an `acceptance.toml` is well formed and has a test above;
/// each language folder is a project named after the architecture with a `dev` stack on the
/// local cloud that sets the config key the acceptance change changes.
#[test]
fn every_reference_program_is_well_formed_and_tested() {
    let found = architectures();
    let mut problems = Vec::new();
    for arch in &found {
        if !KNOWN.contains(&arch.as_str()) {
            problems.push(format!("programs/{arch}: add a #[test] for it in tests/tests/reference_programs.rs"));
        }
        let acceptance = match Acceptance::load(arch) {
            Ok(a) => a,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        let languages = languages_of(arch);
        if languages.is_empty() {
            problems.push(format!("programs/{arch}: no language folder (rust, python, node)"));
        }
        for language in languages {
            let dir = workspace().join("programs").join(arch).join(language);
            if let Err(e) = check_project_files(arch, language, &dir, &acceptance) {
                problems.push(e);
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn check_project_files(arch: &str, language: &str, dir: &Path, acceptance: &Acceptance) -> Result<(), String> {
    let at = format!("programs/{arch}/{language}");
    let project = read_toml(&dir.join("Engine.toml"))?;
    let name = project.get("name").and_then(toml_edit::Item::as_str);
    if name != Some(arch) {
        return Err(format!("{at}/Engine.toml: name must be {arch:?} (the same in every language), not {name:?}"));
    }
    let runtime = project.get("runtime").and_then(toml_edit::Item::as_str);
    if runtime != Some(language) {
        return Err(format!("{at}/Engine.toml: runtime must be {language:?}, not {runtime:?}"));
    }
    let stack_file = dir.join(format!("Engine.{}.toml", acceptance.stack));
    let stack = read_toml(&stack_file)?;
    if stack.get("cloud").and_then(toml_edit::Item::as_str) != Some("local") {
        return Err(format!("{}: cloud must be \"local\"", stack_file.display()));
    }
    let config = stack.get("config").and_then(toml_edit::Item::as_table_like);
    let has_key = config
        .is_some_and(|c| c.contains_key(&acceptance.key) || c.contains_key(&format!("{arch}:{}", acceptance.key)));
    if !has_key {
        return Err(format!(
            "{}: [config] must set {:?}, the key programs/{arch}/acceptance.toml changes",
            stack_file.display(),
            acceptance.key
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// acceptance.toml

/// What `programs/<arch>/acceptance.toml` asks for.
#[derive(Debug, Clone)]
struct Acceptance {
    /// The stack the steps run on (`stack`, default `dev`).
    stack: String,
    /// `[change] key`: a config key of the program.
    key: String,
    /// `[change] value`: its new value (any TOML value).
    value: Value,
    /// `[change] expect_update`: the resources the change must update in place, as logical
    /// names or `TYPE::NAME` when a name is used by several types.
    expect_update: Vec<String>,
}

impl Acceptance {
    fn load(arch: &str) -> Result<Self, String> {
        let file = workspace().join("programs").join(arch).join("acceptance.toml");
        let doc = read_toml(&file)?;
        let at = format!("programs/{arch}/acceptance.toml");
        for (key, _) in doc.iter() {
            if !["stack", "change"].contains(&key) {
                return Err(format!("{at}: unknown key {key:?} (expected stack, [change])"));
            }
        }
        let stack = match doc.get("stack") {
            None => "dev".to_owned(),
            Some(item) => item.as_str().ok_or_else(|| format!("{at}: stack must be a string"))?.to_owned(),
        };
        let change = doc
            .get("change")
            .and_then(toml_edit::Item::as_table_like)
            .ok_or_else(|| format!("{at}: missing [change] (key, value, expect_update)"))?;
        for (key, _) in change.iter() {
            if !["key", "value", "expect_update"].contains(&key) {
                return Err(format!("{at}: unknown key change.{key} (expected key, value, expect_update)"));
            }
        }
        let key = change
            .get("key")
            .and_then(toml_edit::Item::as_str)
            .ok_or_else(|| format!("{at}: change.key must be a string (a config key of the program)"))?
            .to_owned();
        let value = change
            .get("value")
            .and_then(toml_edit::Item::as_value)
            .map(toml_to_json)
            .ok_or_else(|| format!("{at}: change.value is missing"))?;
        let expect_update: Vec<String> = change
            .get("expect_update")
            .and_then(toml_edit::Item::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        if expect_update.is_empty() {
            return Err(format!("{at}: change.expect_update must list the resources the change updates"));
        }
        Ok(Acceptance { stack, key, value, expect_update })
    }

    /// Whether a step of `type_name` named `name` is one of `expect_update`.
    fn expects(&self, type_name: &str, name: &str) -> bool {
        self.expect_update.iter().any(|e| match e.rsplit_once("::") {
            Some((t, n)) => t == type_name && n == name,
            None => e == name,
        })
    }
}

fn read_toml(path: &Path) -> Result<toml_edit::DocumentMut, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.parse::<toml_edit::DocumentMut>().map_err(|e| format!("{}: {e}", path.display()))
}

fn toml_to_json(value: &toml_edit::Value) -> Value {
    match value {
        toml_edit::Value::String(s) => json!(s.value()),
        toml_edit::Value::Integer(i) => json!(i.value()),
        toml_edit::Value::Float(f) => json!(f.value()),
        toml_edit::Value::Boolean(b) => json!(b.value()),
        toml_edit::Value::Datetime(d) => json!(d.value().to_string()),
        toml_edit::Value::Array(a) => Value::Array(a.iter().map(toml_to_json).collect()),
        toml_edit::Value::InlineTable(t) => {
            Value::Object(t.iter().map(|(k, v)| (k.to_owned(), toml_to_json(v))).collect())
        }
    }
}

/// `programs/*` folders with an `acceptance.toml`, sorted.
fn architectures() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(workspace().join("programs"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().join("acceptance.toml").is_file())
                .filter_map(|e| e.file_name().to_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// The language folders of an architecture (with an `Engine.toml`), in run order.
fn languages_of(arch: &str) -> Vec<&'static str> {
    let root = workspace().join("programs").join(arch);
    LANGUAGES.into_iter().filter(|l| root.join(l).join("Engine.toml").is_file()).collect()
}

// ---------------------------------------------------------------------------------------------
// One architecture

fn check_architecture(arch: &str) {
    if let Ok(archs) = std::env::var("REFERENCE_ARCHS") {
        let archs: Vec<&str> = archs.split(',').map(str::trim).filter(|a| !a.is_empty()).collect();
        for a in &archs {
            assert!(KNOWN.contains(a), "REFERENCE_ARCHS: unknown architecture {a:?} (known: {})", KNOWN.join(", "));
        }
        if !archs.contains(&arch) {
            eprintln!("reference program {arch}: skipped (REFERENCE_ARCHS={})", archs.join(","));
            return;
        }
    }
    let acceptance = Acceptance::load(arch).unwrap_or_else(|e| panic!("{e}"));
    let selected: Option<Vec<String>> = std::env::var("REFERENCE_LANGUAGES")
        .ok()
        .map(|s| s.split(',').map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect());
    let languages: Vec<&str> =
        languages_of(arch).into_iter().filter(|l| selected.as_ref().is_none_or(|s| s.iter().any(|x| x == l))).collect();
    assert!(!languages.is_empty(), "programs/{arch}: no language folder to run (REFERENCE_LANGUAGES={selected:?})");

    let mut failures = Vec::new();
    let mut reports: Vec<Report> = Vec::new();
    for language in &languages {
        let started = Instant::now();
        let mut report = Report { language, steps: Vec::new(), snapshot: None };
        if let Err(e) = run_language(arch, language, &acceptance, &mut report) {
            failures.push(format!("{arch}/{language}: {e}"));
        }
        report.steps.push(("total", started.elapsed()));
        eprintln!("reference program {arch}/{language}: {}", report.timings());
        reports.push(report);
    }

    // The same stack in every language.
    let snapshots: Vec<(&str, &Snapshot)> =
        reports.iter().filter_map(|r| r.snapshot.as_ref().map(|s| (r.language, s))).collect();
    if let Some(((first_language, first), rest)) = snapshots.split_first() {
        for (language, snapshot) in rest {
            let differences = compare(first, snapshot);
            if !differences.is_empty() {
                failures
                    .push(format!("{arch}: {language} differs from {first_language}:\n  {}", differences.join("\n  ")));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n\n"));
}

struct Report {
    language: &'static str,
    steps: Vec<(&'static str, Duration)>,
    snapshot: Option<Snapshot>,
}

impl Report {
    fn timings(&self) -> String {
        self.steps.iter().map(|(step, d)| format!("{step} {:.1} s", d.as_secs_f64())).collect::<Vec<_>>().join(", ")
    }
}

/// A copy of a program under `target/reference-programs/`, and `engine` commands in it.
struct Copy {
    dir: PathBuf,
    project: String,
    stack: String,
}

impl Copy {
    fn engine(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(engine_bin());
        cmd.arg("-C").arg(&self.dir).arg("--stack").arg(&self.stack).args(args);
        cmd.env("NO_COLOR", "1").env_remove("ENGINE_LOCAL_CLOUD_URL").env_remove("ENGINE_STACK");
        cmd.stdin(Stdio::null());
        let output = cmd.output().expect("engine runs");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Run a command that must succeed.
    fn ok(&self, args: &[&str]) -> Result<Run, String> {
        let run = self.engine(args);
        if run.code == 0 {
            Ok(run)
        } else {
            Err(format!("`engine {}` exited with {}:\n{}", args.join(" "), run.code, tail(&run.text(), 80)))
        }
    }

    fn state(&self) -> Result<engine_state::State, String> {
        let backend = engine_state::open_backend(None, &self.dir).map_err(|e| e.to_string())?;
        let store = engine_state::StateStore::new(backend, &self.project, &self.stack);
        Ok(store.load_encrypted().map_err(|e| e.to_string())?.state)
    }

    fn local_cloud(&self) -> PathBuf {
        self.dir.join(".engine").join("local-cloud")
    }
}

fn run_language(arch: &str, language: &str, acceptance: &Acceptance, report: &mut Report) -> Result<(), String> {
    let mut clock = Instant::now();
    let mut lap = |report: &mut Report, step: &'static str| {
        report.steps.push((step, clock.elapsed()));
        clock = Instant::now();
    };
    let copy = prepare_copy(arch, language, &acceptance.stack)?;
    lap(report, "prepare");

    // 1. up
    let up = copy.ok(&["up", "--yes", "--json"])?;
    lap(report, "up");
    let state = copy.state()?;
    let in_state: BTreeSet<(String, String)> = state
        .resources
        .iter()
        .filter(|r| r.custom && !r.external && !r.type_name.starts_with("Engine::"))
        .map(|r| (r.type_name.clone(), r.id.clone()))
        .collect();
    let in_cloud = cloud_resources(&copy.local_cloud())?;
    if in_cloud != in_state {
        return Err(format!(
            "after up, the local cloud and state differ: only in the cloud {:?}, only in state {:?}",
            in_cloud.difference(&in_state).collect::<Vec<_>>(),
            in_state.difference(&in_cloud).collect::<Vec<_>>()
        ));
    }
    if in_state.is_empty() {
        return Err(format!("up created nothing:\n{}", tail(&up.text(), 40)));
    }
    let normalised = snapshot(&state);
    // Kept next to the copy, to look at when the languages differ.
    let dump = json!({"resources": normalised.resources, "outputs": normalised.outputs});
    let _ = std::fs::write(
        copy.dir.with_file_name(format!("snapshot-{language}.json")),
        serde_json::to_string_pretty(&dump).unwrap_or_default(),
    );
    report.snapshot = Some(normalised);

    // 2. nothing to do
    let again = copy.engine(&["preview", "--expect-no-changes", "--diff"]);
    lap(report, "preview");
    if again.code != 0 {
        return Err(format!(
            "`engine preview --expect-no-changes` right after up exited with {}:\n{}",
            again.code,
            tail(&again.text(), 80)
        ));
    }

    // 3. the acceptance change: an update of exactly the expected resources, planned then applied
    copy.ok(&["config", "set", &acceptance.key, "--type", "json", &acceptance.value.to_string()])?;
    let planned = copy.ok(&["preview", "--json", "--diff"])?;
    check_change(acceptance, &planned, "stepPlanned").map_err(|e| format!("the preview of the change: {e}"))?;
    let applied = copy.ok(&["up", "--yes", "--json"])?;
    check_change(acceptance, &applied, "stepDone").map_err(|e| format!("the update of the change: {e}"))?;
    let settled = copy.engine(&["preview", "--expect-no-changes", "--diff"]);
    if settled.code != 0 {
        return Err(format!(
            "after the change was applied, a preview still finds changes:\n{}",
            tail(&settled.text(), 80)
        ));
    }
    lap(report, "change");

    // 4. destroy
    copy.ok(&["destroy", "--yes"])?;
    lap(report, "destroy");
    let left = copy.state()?.resources;
    if !left.is_empty() {
        return Err(format!("after destroy, state still has {:?}", left.iter().map(|r| &r.urn).collect::<Vec<_>>()));
    }
    let data = copy.local_cloud();
    let ls = copy.ok(&["local-cloud", "ls", "--json", "--data", &data.to_string_lossy()])?;
    let listing: Vec<Value> = serde_json::from_str(&ls.stdout).map_err(|e| format!("local-cloud ls --json: {e}"))?;
    let left: Vec<&Value> =
        listing.iter().filter(|r| !is_staging_bucket(r["type"].as_str(), r["identifier"].as_str())).collect();
    if !left.is_empty() {
        return Err(format!("after destroy, `engine local-cloud ls` still lists {left:?}"));
    }
    let _ = std::fs::remove_dir_all(copy.dir.join(".engine"));
    Ok(())
}

/// The engine's asset staging bucket, which no stack owns.
fn is_staging_bucket(type_name: Option<&str>, id: Option<&str>) -> bool {
    type_name == Some("AWS::S3::Bucket") && id.is_some_and(|id| id.starts_with("engine-assets-"))
}

fn cloud_resources(data: &Path) -> Result<BTreeSet<(String, String)>, String> {
    if !data.exists() {
        return Ok(BTreeSet::new());
    }
    Ok(engine_local_cloud::list_resources(data)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|l| !is_staging_bucket(Some(&l.type_name), Some(&l.identifier)))
        .map(|l| (l.type_name, l.identifier))
        .collect())
}

/// The `--json` steps of kind `event` that change anything must be updates of exactly the
/// resources `expect_update` names (and, for applied steps, succeed).
fn check_change(acceptance: &Acceptance, run: &Run, event: &str) -> Result<(), String> {
    let mut updated = BTreeSet::new();
    let mut unexpected = Vec::new();
    for e in run.events().iter().filter(|e| e["event"] == event) {
        let (op, type_name, name) =
            (e["op"].as_str().unwrap_or(""), e["type"].as_str().unwrap_or(""), e["name"].as_str().unwrap_or(""));
        if matches!(op, "same" | "read" | "delete-replaced") && e["ok"] != false {
            continue;
        }
        if e["ok"] == false {
            unexpected.push(format!("{name} ({type_name}) {op} failed: {}", e["error"]));
        } else if op == "update" && acceptance.expects(type_name, name) {
            updated.insert(name.to_owned());
        } else {
            let reasons = e.get("replaceReasons").map(ToString::to_string).unwrap_or_default();
            unexpected.push(format!("{name} ({type_name}): {op} {reasons}"));
        }
    }
    let missing: Vec<&String> = acceptance
        .expect_update
        .iter()
        .filter(|e| !updated.contains(e.rsplit_once("::").map_or(e.as_str(), |(_, n)| n)))
        .collect();
    if unexpected.is_empty() && missing.is_empty() {
        return Ok(());
    }
    Err(format!(
        "setting {} to {} must update exactly {:?} in place; not updated: {missing:?}; other changes: {unexpected:?}\n{}",
        acceptance.key,
        acceptance.value,
        acceptance.expect_update,
        tail(&run.stderr, 40)
    ))
}

// ---------------------------------------------------------------------------------------------
// The copy

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace().join("target"), PathBuf::from)
}

/// Entries never copied: state, caches, build outputs.
const SKIP: [&str; 7] = [".engine", ".venv", "node_modules", "target", "__pycache__", ".pytest_cache", ".mypy_cache"];

/// Copy `programs/<arch>` (its shared folders and one language folder) to
/// `target/reference-programs/<arch>/`, keep the copy's `.venv` and `node_modules`, empty its
/// `.engine/`, and make its `Engine.toml` independent of the copy's place: the Rust program
/// prebuilt (its binary as `main`), package paths absolute.
fn prepare_copy(arch: &str, language: &str, stack: &str) -> Result<Copy, String> {
    let source = workspace().join("programs").join(arch);
    let copy = target_dir().join("reference-programs").join(arch);
    std::fs::create_dir_all(&copy).map_err(|e| format!("{}: {e}", copy.display()))?;
    for entry in std::fs::read_dir(&source).map_err(|e| format!("{}: {e}", source.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if SKIP.contains(&name.as_str()) || (LANGUAGES.contains(&name.as_str()) && name != language) {
            continue;
        }
        sync(&entry.path(), &copy.join(&name))?;
    }
    let dir = copy.join(language);
    let _ = std::fs::remove_dir_all(dir.join(".engine"));

    let project_file = dir.join("Engine.toml");
    let mut project = read_toml(&project_file)?;
    let name = project.get("name").and_then(toml_edit::Item::as_str).unwrap_or_default().to_owned();
    let original = source.join(language);
    if language == "rust" {
        let binary = build_rust(&original, project.get("main").and_then(toml_edit::Item::as_str))?;
        project["main"] = toml_edit::value(binary.to_string_lossy().into_owned());
    }
    if let Some(packages) = project.get_mut("packages").and_then(toml_edit::Item::as_table_like_mut) {
        for (_, entry) in packages.iter_mut() {
            if let Some(path) = entry.as_str().map(str::to_owned) {
                *entry = toml_edit::value(absolute(&original, &path));
            } else if let Some(fields) = entry.as_table_like_mut() {
                for key in ["path", "plugin"] {
                    if let Some(path) = fields.get(key).and_then(toml_edit::Item::as_str).map(str::to_owned) {
                        fields.insert(key, toml_edit::value(absolute(&original, &path)));
                    }
                }
            }
        }
    }
    std::fs::write(&project_file, project.to_string()).map_err(|e| format!("{}: {e}", project_file.display()))?;
    Ok(Copy { dir, project: name, stack: stack.to_owned() })
}

fn absolute(base: &Path, path: &str) -> String {
    if Path::new(path).is_absolute() {
        return path.to_owned();
    }
    let mut out = base.to_path_buf();
    for part in Path::new(path).components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out.to_string_lossy().into_owned()
}

/// Make `to` a copy of `from` (a file or a folder), leaving `SKIP` entries of `to` alone.
fn sync(from: &Path, to: &Path) -> Result<(), String> {
    let err = |p: &Path, e: std::io::Error| format!("copying {}: {e}", p.display());
    if from.is_file() {
        if to.is_dir() {
            std::fs::remove_dir_all(to).map_err(|e| err(to, e))?;
        }
        // Unchanged files are left alone: a program hashing its assets never sees one rewritten.
        let content = std::fs::read(from).map_err(|e| err(from, e))?;
        if std::fs::read(to).ok().as_deref() != Some(&content[..]) {
            std::fs::copy(from, to).map_err(|e| err(from, e))?;
        }
        return Ok(());
    }
    if to.is_file() {
        std::fs::remove_file(to).map_err(|e| err(to, e))?;
    }
    std::fs::create_dir_all(to).map_err(|e| err(to, e))?;
    let wanted: BTreeSet<String> = std::fs::read_dir(from)
        .map_err(|e| err(from, e))?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !SKIP.contains(&n.as_str()))
        .collect();
    for entry in std::fs::read_dir(to).map_err(|e| err(to, e))?.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !wanted.contains(&name) && !SKIP.contains(&name.as_str()) {
            let path = entry.path();
            let removed = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
            removed.map_err(|e| err(&path, e))?;
        }
    }
    for name in wanted {
        sync(&from.join(&name), &to.join(&name))?;
    }
    Ok(())
}

/// Build the Rust variant (a workspace member) and return its binary.
fn build_rust(crate_dir: &Path, main: Option<&str>) -> Result<PathBuf, String> {
    let manifest = read_toml(&crate_dir.join("Cargo.toml"))?;
    let package = manifest
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(toml_edit::Item::as_str)
        .ok_or_else(|| format!("{}/Cargo.toml: no package name", crate_dir.display()))?
        .to_owned();
    let bin = main.filter(|m| !m.is_empty()).unwrap_or(&package).to_owned();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(workspace())
        .args(["build", "--quiet", "-p", &package, "--bin", &bin])
        .output()
        .map_err(|e| format!("cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo build -p {package} failed:\n{}",
            tail(&String::from_utf8_lossy(&output.stderr), 60)
        ));
    }
    Ok(target_dir().join("debug").join(bin))
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

// ---------------------------------------------------------------------------------------------
// Comparison across languages

/// A stack after `up`, normalised.
#[derive(Debug, Clone, PartialEq)]
struct Snapshot {
    /// By URN: type, parent, inputs, dependencies.
    resources: BTreeMap<String, Value>,
    outputs: Value,
}

/// Replace generated values (every resource's identifier, and the string attributes the cloud
/// generated: outputs that are not among the resource's own inputs) with `<TYPE NAME.PATH>`,
/// wherever they occur (whole strings or parts of them: ARNs built into policies, `host:port`).
/// Secrets become `<secret>` (their ciphertexts differ from run to run).
fn snapshot(state: &engine_state::State) -> Snapshot {
    let mut resources: Vec<&engine_state::ResourceState> =
        state.resources.iter().filter(|r| !r.pending_delete).collect();
    resources.sort_by(|a, b| a.urn.cmp(&b.urn));
    let mut generated: BTreeMap<String, String> = BTreeMap::new();
    for r in &resources {
        if !r.custom {
            continue;
        }
        let label = format!("{} {}", r.type_name, r.urn.rsplit("::").next().unwrap_or_default());
        let mut own = BTreeSet::new();
        strings(&Value::Object(r.inputs.clone()), "", &mut |_, s| {
            own.insert(s.to_owned());
        });
        if r.id.len() >= 6 && !own.contains(&r.id) {
            generated.entry(r.id.clone()).or_insert_with(|| format!("<{label}.id>"));
        }
        strings(&Value::Object(r.outputs.clone()), "", &mut |path, s| {
            if s.len() >= 6 && !own.contains(s) {
                generated.entry(s.to_owned()).or_insert_with(|| format!("<{label}.{path}>"));
            }
        });
    }
    // Longest first, so a value containing another is replaced whole.
    let mut table: Vec<(String, String)> = generated.into_iter().collect();
    table.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.1.cmp(&b.1)));
    let normal = |v: &Value| normalise(v, &table);
    Snapshot {
        resources: resources
            .iter()
            .map(|r| {
                let mut deps = r.dependencies.clone();
                deps.sort();
                let value = json!({
                    "type": r.type_name,
                    "parent": r.parent,
                    "inputs": normal(&Value::Object(r.inputs.clone())),
                    "dependencies": deps,
                });
                (r.urn.clone(), value)
            })
            .collect(),
        outputs: normal(&Value::Object(state.outputs.clone())),
    }
}

/// Every string leaf of `value` with its path (`Endpoint.Address`, `Tags[0].Value`).
fn strings(value: &Value, path: &str, f: &mut dyn FnMut(&str, &str)) {
    match value {
        Value::String(s) => f(path, s),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                strings(item, &format!("{path}[{i}]"), f);
            }
        }
        Value::Object(map) if map.get("__engine").is_some() => {}
        Value::Object(map) => {
            for (k, v) in map {
                let path = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                strings(v, &path, f);
            }
        }
        _ => {}
    }
}

fn normalise(value: &Value, table: &[(String, String)]) -> Value {
    match value {
        Value::String(s) => {
            let mut s = s.clone();
            for (from, to) in table {
                if s.contains(from.as_str()) {
                    s = s.replace(from.as_str(), to);
                }
            }
            Value::String(s)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| normalise(v, table)).collect()),
        Value::Object(map) if map.get("__engine").and_then(Value::as_str) == Some("secret") => json!("<secret>"),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), normalise(v, table))).collect::<Map<String, Value>>())
        }
        other => other.clone(),
    }
}

/// What differs between two snapshots, one line per difference.
fn compare(a: &Snapshot, b: &Snapshot) -> Vec<String> {
    let mut out = Vec::new();
    for urn in a.resources.keys().filter(|u| !b.resources.contains_key(*u)) {
        out.push(format!("missing {urn}"));
    }
    for urn in b.resources.keys().filter(|u| !a.resources.contains_key(*u)) {
        out.push(format!("extra {urn}"));
    }
    for (urn, left) in &a.resources {
        let Some(right) = b.resources.get(urn) else { continue };
        let mut paths = Vec::new();
        diff_paths(left, right, "", &mut paths);
        for (path, l, r) in paths {
            out.push(format!("{urn} {path}: {l} vs {r}"));
        }
    }
    let mut paths = Vec::new();
    diff_paths(&a.outputs, &b.outputs, "outputs", &mut paths);
    for (path, l, r) in paths {
        out.push(format!("{path}: {l} vs {r}"));
    }
    out
}

fn diff_paths(a: &Value, b: &Value, path: &str, out: &mut Vec<(String, String, String)>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                diff_paths(x.get(k).unwrap_or(&Value::Null), y.get(k).unwrap_or(&Value::Null), &p, out);
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (l, r)) in x.iter().zip(y).enumerate() {
                diff_paths(l, r, &format!("{path}[{i}]"), out);
            }
        }
        _ if a == b => {}
        _ => {
            let show = |v: &Value| {
                let mut s = v.to_string();
                if s.len() > 200 {
                    s.truncate(200);
                    s.push('…');
                }
                s
            };
            out.push((path.to_owned(), show(a), show(b)));
        }
    }
}

#[test]
fn snapshots_replace_generated_values_by_where_they_came_from() {
    // Two runs of one program whose cloud generated other identifiers: equal once normalised.
    let state = |vpc: &str, arn: &str, cipher: &str| -> engine_state::State {
        let mut vpc_r = engine_state::ResourceState {
            urn: "urn:engine:dev::p::AWS::EC2::VPC::net".into(),
            type_name: "AWS::EC2::VPC".into(),
            custom: true,
            id: vpc.into(),
            ..Default::default()
        };
        vpc_r.inputs.insert("CidrBlock".into(), json!("10.0.0.0/16"));
        vpc_r.outputs.insert("VpcId".into(), json!(vpc));
        vpc_r.outputs.insert("CidrBlock".into(), json!("10.0.0.0/16"));
        let mut topic = engine_state::ResourceState {
            urn: "urn:engine:dev::p::AWS::SNS::Topic::t".into(),
            type_name: "AWS::SNS::Topic".into(),
            custom: true,
            id: arn.into(),
            ..Default::default()
        };
        topic.outputs.insert("TopicArn".into(), json!(arn));
        let mut fun = engine_state::ResourceState {
            urn: "urn:engine:dev::p::AWS::Lambda::Function::f".into(),
            type_name: "AWS::Lambda::Function".into(),
            custom: true,
            id: "f".into(),
            dependencies: vec![vpc_r.urn.clone(), topic.urn.clone()],
            ..Default::default()
        };
        fun.inputs.insert(
            "Environment".into(),
            json!({"Variables": {"VPC": vpc, "TOPIC": format!("{arn}/*"), "PW": {"__engine": "secret", "ciphertext": cipher}}}),
        );
        let mut outputs = Map::new();
        outputs.insert("vpc".into(), json!(vpc));
        engine_state::State { resources: vec![vpc_r, topic, fun], outputs }
    };
    let a = snapshot(&state("vpc-0123456789", "arn:aws:sns:eu-west-1:123456789012:t-abcdef", "v1:xx"));
    let b = snapshot(&state("vpc-9876543210", "arn:aws:sns:eu-west-1:123456789012:t-zyxwvu", "v1:yy"));
    assert_eq!(compare(&a, &b), Vec::<String>::new());
    let fun = &a.resources["urn:engine:dev::p::AWS::Lambda::Function::f"];
    assert_eq!(fun["inputs"]["Environment"]["Variables"]["VPC"], "<AWS::EC2::VPC net.id>");
    assert_eq!(fun["inputs"]["Environment"]["Variables"]["TOPIC"], "<AWS::SNS::Topic t.id>/*");
    assert_eq!(fun["inputs"]["Environment"]["Variables"]["PW"], "<secret>");
    assert_eq!(a.outputs["vpc"], "<AWS::EC2::VPC net.id>");
    // A real difference is reported with its path: wired to another resource.
    let mut wrong = state("vpc-0123456789", "arn:aws:sns:eu-west-1:123456789012:t-abcdef", "v1:xx");
    wrong.resources[2].inputs["Environment"]["Variables"]["VPC"] = json!("arn:aws:sns:eu-west-1:123456789012:t-abcdef");
    let differences = compare(&a, &snapshot(&wrong));
    assert_eq!(differences.len(), 1, "{differences:?}");
    assert!(
        differences[0].starts_with("urn:engine:dev::p::AWS::Lambda::Function::f inputs.Environment.Variables.VPC:"),
        "{differences:?}"
    );
}

#[test]
fn acceptance_names_may_carry_their_type() {
    let acceptance = Acceptance {
        stack: "dev".into(),
        key: "k".into(),
        value: json!(1),
        expect_update: vec!["logs".into(), "AWS::EC2::Subnet::net-private-1".into()],
    };
    assert!(acceptance.expects("AWS::Logs::LogGroup", "logs"));
    assert!(acceptance.expects("AWS::EC2::Subnet", "net-private-1"));
    assert!(!acceptance.expects("AWS::EC2::SubnetRouteTableAssociation", "net-private-1"));
}
