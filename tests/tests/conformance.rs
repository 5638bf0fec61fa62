//! The conformance suite: every case of `tests/conformance/cases/` is run in every language that
//! has a variant of it (Rust `main.rs`, Python `main.py`, TypeScript `main.ts`), each in a
//! fresh project against the real `engine` binary and its embedded local cloud, and the results
//! must be identical: the stack's state after each step (URNs, types, inputs, outputs, options,
//! dependencies, parents; generated values normalised), the preview's plan and outputs, and the
//! errors. See `tests/conformance/README.md` (adding a case, adding a language).
//!
//! `cargo test -p engine-tests --test conformance -- --ignored` (slow: the first run builds the
//! Python SDK's wheel and the Node SDK).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use engine_tests::{engine_bin, workspace};
use serde_json::{Map, Value, json};

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace().join("target"), PathBuf::from)
}

fn cases_dir() -> PathBuf {
    workspace().join("tests").join("conformance").join("cases")
}

/// A language of the suite: how its variant of a case is found and how a project runs it.
struct Language {
    name: &'static str,
    /// The variant's file in a case folder.
    file: &'static str,
    /// Prepare a project folder to run `program` (the variant's file): write `Engine.toml` and
    /// whatever the runtime needs.
    setup: fn(project: &Path, case: &str, program: &Path),
}

const PROJECT: &str = "conformance";

/// Every language of the suite. To add one: a variant file name and a `setup` (README.md).
const LANGUAGES: &[Language] = &[
    Language { name: "rust", file: "main.rs", setup: setup_rust },
    Language { name: "python", file: "main.py", setup: setup_python },
    Language { name: "node", file: "main.ts", setup: setup_node },
];

fn write_engine_toml(project: &Path, runtime: &str, main: &Path) {
    let text = format!("name = {PROJECT:?}\nruntime = {runtime:?}\nmain = {:?}\n", main.display().to_string());
    std::fs::write(project.join("Engine.toml"), text).expect("write Engine.toml");
}

/// Rust: the case's binary, built once for all cases (`engine-conformance-programs`).
fn setup_rust(project: &Path, case: &str, _program: &Path) {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let status = Command::new(cargo)
            .current_dir(workspace())
            .args(["build", "--quiet", "-p", "engine-conformance-programs"])
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the Rust conformance programs failed");
    });
    let binary = target_dir().join("debug").join(format!("conformance-{case}"));
    write_engine_toml(project, "rust", &binary);
}

/// Python: the case's `main.py`, with one virtualenv shared by every project (`.venv` is a
/// link to it); the engine installs the SDK wheel into it on the first run.
fn setup_python(project: &Path, _case: &str, program: &Path) {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    let venv = VENV.get_or_init(|| {
        let venv = target_dir().join("conformance").join("venv");
        // A first project prepares it (the engine creates it and installs the SDK, building
        // the wheel if needed), so that concurrent cases never install into it at once.
        let warmup = tempfile::Builder::new().prefix("conformance-warmup-").tempdir().expect("temp dir");
        std::fs::write(warmup.path().join("main.py"), "import engine_sdk\n").expect("write main.py");
        write_engine_toml(warmup.path(), "python", &warmup.path().join("main.py"));
        std::fs::create_dir_all(venv.parent().expect("a parent")).expect("create target/conformance");
        if !venv.join("bin").join("python").exists() {
            let python = std::env::var("ENGINE_PYTHON").unwrap_or_else(|_| "python3".to_owned());
            let status = Command::new(python).arg("-m").arg("venv").arg(&venv).status().expect("python3 runs");
            assert!(status.success(), "creating {} failed", venv.display());
        }
        std::os::unix::fs::symlink(&venv, warmup.path().join(".venv")).expect("link .venv");
        let init = engine(warmup.path(), &["stack", "init", "dev"]);
        assert_eq!(init.0, 0, "{}", init.2);
        let preview = engine(warmup.path(), &["preview"]);
        assert_eq!(preview.0, 0, "preparing the Python environment failed:\n{}\n{}", preview.1, preview.2);
        venv
    });
    write_engine_toml(project, "python", program);
    std::os::unix::fs::symlink(venv, project.join(".venv")).expect("link .venv");
}

/// TypeScript: the case's `main.ts`, copied into the project (Node resolves `engine-sdk` from
/// the program's own folder, where the engine links the SDK). The engine builds the Node SDK
/// when it is stale; a first project does it, so that concurrent cases never build at once.
fn setup_node(project: &Path, _case: &str, program: &Path) {
    static READY: OnceLock<()> = OnceLock::new();
    READY.get_or_init(|| {
        let warmup = tempfile::Builder::new().prefix("conformance-warmup-").tempdir().expect("temp dir");
        std::fs::write(warmup.path().join("main.ts"), "import * as engine from \"engine-sdk\";\nvoid engine;\n")
            .expect("write main.ts");
        write_engine_toml(warmup.path(), "node", Path::new("main.ts"));
        let init = engine(warmup.path(), &["stack", "init", "dev"]);
        assert_eq!(init.0, 0, "{}", init.2);
        let preview = engine(warmup.path(), &["preview"]);
        assert_eq!(preview.0, 0, "preparing the Node SDK failed:\n{}\n{}", preview.1, preview.2);
    });
    std::fs::copy(program, project.join("main.ts")).expect("copy main.ts");
    write_engine_toml(project, "node", Path::new("main.ts"));
}

/// `engine ARGS` in `project`: (exit code, stdout, stderr).
fn engine(project: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(engine_bin())
        .arg("-C")
        .arg(project)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("ENGINE_LOCAL_CLOUD_URL")
        .env_remove("ENGINE_STACK")
        .stdin(Stdio::null())
        .output()
        .expect("engine runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn config_set(project: &Path, key: &str, value: &Value, secret: bool) {
    let text = match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let kind = match value {
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        _ => "json",
    };
    let mut args = vec!["config", "set", key, &text, "--type", kind];
    if secret {
        args.push("--secret");
    }
    let (code, stdout, stderr) = engine(project, &args);
    assert_eq!(code, 0, "engine config set {key}: {stdout}{stderr}");
}

/// What one step of a case produced, normalised for comparison across languages.
#[derive(Debug)]
struct StepResult {
    command: String,
    succeeded: bool,
    /// `up`: the stack's state; `preview`: the plan, logs and outputs.
    snapshot: Value,
    /// The run's errors.
    errors: Vec<String>,
    /// The run's full output, for failure messages.
    transcript: String,
}

fn run_case(case: &str, spec: &Value, language: &Language, program: &Path) -> Vec<StepResult> {
    let dir = tempfile::Builder::new().prefix(&format!("conformance-{case}-{}-", language.name)).tempdir().expect("temp dir");
    let project = dir.path();
    (language.setup)(project, case, program);
    let (code, stdout, stderr) = engine(project, &["stack", "init", "dev"]);
    assert_eq!(code, 0, "stack init: {stdout}{stderr}");
    for (key, value) in spec["config"].as_object().into_iter().flatten() {
        config_set(project, key, value, false);
    }
    for (key, value) in spec["secrets"].as_object().into_iter().flatten() {
        config_set(project, key, value, true);
    }
    let mut results = Vec::new();
    for step in spec["steps"].as_array().expect("a case has steps") {
        for (key, value) in step["config"].as_object().into_iter().flatten() {
            config_set(project, key, value, false);
        }
        let command = step["command"].as_str().expect("a step has a command");
        let args: &[&str] = if command == "up" { &["up", "--yes", "--json"] } else { &[command, "--json"] };
        let (code, stdout, stderr) = engine(project, args);
        let events: Vec<Value> = stdout.lines().filter_map(|line| serde_json::from_str(line).ok()).collect();
        let snapshot = if command == "preview" { preview_snapshot(&events) } else { state_snapshot(project) };
        results.push(StepResult {
            command: command.to_owned(),
            succeeded: code == 0,
            snapshot: normalise(snapshot),
            errors: errors(&events),
            transcript: format!("{stdout}\n{stderr}"),
        });
    }
    results
}

/// The stack's state: every resource (sorted by URN) with what the program determines, and the
/// stack outputs. Timestamps are left out; secrets stay encrypted and are compared as markers.
fn state_snapshot(project: &Path) -> Value {
    let backend = engine_state::open_backend(None, project).expect("backend");
    let store = engine_state::StateStore::new(backend, PROJECT, "dev");
    let state = store.load_encrypted().expect("the stack's state loads").state;
    let mut resources: Vec<Value> = state
        .resources
        .iter()
        .map(|resource| {
            let mut value = serde_json::to_value(resource).expect("state serializes");
            if let Value::Object(map) = &mut value {
                if resource.type_name.starts_with("Engine::Random::") {
                    // The engine names random values at random.
                    map.insert("id".to_owned(), json!("<random>"));
                }
                map.remove("created");
                map.remove("modified");
                if let Some(Value::Array(dependencies)) = map.get_mut("dependencies") {
                    dependencies.sort_by_key(Value::to_string);
                }
            }
            value
        })
        .collect();
    resources.sort_by_key(|resource| resource["urn"].as_str().unwrap_or_default().to_owned());
    json!({"resources": resources, "outputs": Value::Object(state.outputs)})
}

/// A preview's plan (steps by URN), the program's log lines and the stack outputs as shown.
fn preview_snapshot(events: &[Value]) -> Value {
    let mut steps: Vec<Value> = events
        .iter()
        .filter(|event| event["event"] == "stepPlanned")
        .map(|event| {
            json!({"urn": event["urn"], "type": event["type"], "op": event["op"], "diff": event["diff"],
                   "replaceReasons": event["replaceReasons"]})
        })
        .collect();
    steps.sort_by_key(|step| step["urn"].as_str().unwrap_or_default().to_owned());
    let logs: Vec<Value> = events
        .iter()
        .filter(|event| event["event"] == "log")
        .map(|event| json!({"severity": event["severity"], "message": event["message"], "urn": event["urn"]}))
        .collect();
    let outputs = events.iter().rev().find(|event| event["event"] == "outputs").map(|event| event["outputs"].clone());
    json!({"steps": steps, "logs": logs, "outputs": outputs})
}

/// The run's error diagnostics and failed steps.
fn errors(events: &[Value]) -> Vec<String> {
    let mut errors: Vec<String> = events
        .iter()
        .filter_map(|event| match event["event"].as_str() {
            Some("diagnostic") if event["severity"] == "error" => event["message"].as_str().map(str::to_owned),
            Some("stepDone") if event["ok"] == false => {
                Some(format!("{} {}: {}", event["op"], event["urn"], event["error"].as_str().unwrap_or_default()))
            }
            _ => None,
        })
        .map(|message| normalise_text(&reduce_js_stack(&reduce_traceback(&message))))
        .collect();
    errors.sort();
    errors
}

/// A Python traceback inside a message, reduced to its last line without the exception's class
/// (`RuntimeError: boom` → `boom`): what every language reports the same way.
fn reduce_traceback(message: &str) -> String {
    let Some(start) = message.find("Traceback (most recent call last):") else { return message.to_owned() };
    let mut lines = message[start..].lines().skip(1);
    // Frames are indented; the first line that is not is the exception's.
    let exception = lines.by_ref().find(|line| !line.starts_with(' ')).unwrap_or_default();
    let reduced = match exception.split_once(": ") {
        Some((class, rest)) if class.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.') => rest,
        _ => exception,
    };
    let after: Vec<&str> = lines.collect();
    let mut out = format!("{}{reduced}", &message[..start]);
    if !after.is_empty() {
        out.push('\n');
        out.push_str(&after.join("\n"));
    }
    out
}

/// A JavaScript error's stack inside a message reduced the same way: the frames (`    at ...`)
/// dropped and the error's class removed from the line before them (`Error: boom` → `boom`).
fn reduce_js_stack(message: &str) -> String {
    let lines: Vec<&str> = message.lines().collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("    at ") {
            continue;
        }
        if lines.get(i + 1).is_some_and(|next| next.starts_with("    at ")) {
            out.push(strip_error_class(line));
        } else {
            out.push((*line).to_owned());
        }
    }
    out.join("\n")
}

/// `prefix: TypeError: boom` → `prefix: boom` (the last `<Name>Error: ` of the line).
fn strip_error_class(line: &str) -> String {
    let mut search = line.len();
    while let Some(at) = line[..search].rfind("Error: ") {
        let start = line[..at].rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')).map_or(0, |i| i + 1);
        let name = &line[start..at];
        if name.is_empty() || name.chars().next().is_some_and(char::is_uppercase) {
            return format!("{}{}", &line[..start], &line[at + "Error: ".len()..]);
        }
        search = at;
    }
    line.to_owned()
}

/// Values that differ between runs for reasons outside the program: the local cloud's port.
fn normalise_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("127.0.0.1:") {
        out.push_str(&rest[..at + "127.0.0.1:".len()]);
        rest = &rest[at + "127.0.0.1:".len()..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 {
            out.push_str("PORT");
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

fn normalise(value: Value) -> Value {
    match value {
        Value::String(text) => Value::String(normalise_text(&text)),
        Value::Array(items) => Value::Array(items.into_iter().map(normalise).collect()),
        Value::Object(map) => {
            if map.get("__engine").and_then(Value::as_str) == Some("secret") {
                // Ciphertexts differ run to run; that it is a secret is what matters.
                return json!({"__engine": "secret"});
            }
            Value::Object(map.into_iter().map(|(key, item)| (key, normalise(item))).collect::<Map<_, _>>())
        }
        other => other,
    }
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// Run one case in every language that has it and compare each with the first.
fn check_case(case: &str) {
    let dir = cases_dir().join(case);
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("case.json")).expect("case.json"))
        .expect("case.json is JSON");
    let mut outcomes: Vec<(&str, Vec<StepResult>)> = Vec::new();
    for language in LANGUAGES {
        let program = dir.join(language.file);
        if program.is_file() {
            outcomes.push((language.name, run_case(case, &spec, language, &program)));
        }
    }
    assert!(outcomes.len() >= 2, "case {case} has fewer than two language variants");
    if let Some(folder) = std::env::var_os("CONFORMANCE_DUMP") {
        // Inspect what is compared: one file per case, language and step.
        for (language, results) in &outcomes {
            for (index, result) in results.iter().enumerate() {
                let path = Path::new(&folder).join(format!("{case}.{language}.{}.json", index + 1));
                let dump = json!({"snapshot": result.snapshot, "errors": result.errors});
                std::fs::write(path, pretty(&dump)).expect("write the dump");
            }
        }
    }
    let steps = spec["steps"].as_array().expect("steps");
    for (index, step) in steps.iter().enumerate() {
        let expect_error = step["expect"] == "error";
        for (language, results) in &outcomes {
            let result = &results[index];
            assert_eq!(
                result.succeeded, !expect_error,
                "{case} step {} ({}) in {language}: expected {}:\n{}",
                index + 1,
                result.command,
                if expect_error { "a failure" } else { "success" },
                result.transcript
            );
            if expect_error {
                assert!(!result.errors.is_empty(), "{case} step {} in {language}: no error reported", index + 1);
            }
        }
        let (first_language, first) = &outcomes[0];
        for (language, results) in &outcomes[1..] {
            let (expected, actual) = (&first[index], &results[index]);
            assert!(
                expected.snapshot == actual.snapshot,
                "{case} step {} ({}): {language} differs from {first_language}\n--- {first_language}\n{}\n--- {language}\n{}",
                index + 1,
                expected.command,
                pretty(&expected.snapshot),
                pretty(&actual.snapshot)
            );
            assert_eq!(
                expected.errors, actual.errors,
                "{case} step {}: {language}'s errors differ from {first_language}'s",
                index + 1
            );
        }
    }
}

macro_rules! cases {
    ($($case:ident),* $(,)?) => {
        $(
            #[test]
            #[ignore = "slow: runs the case in every language against the engine (the first run builds the Python SDK wheel)"]
            fn $case() {
                check_case(stringify!($case));
            }
        )*

        /// Every case folder has a test above.
        #[test]
        fn every_case_has_a_test() {
            let listed: Vec<&str> = vec![$(stringify!($case)),*];
            let mut found: Vec<String> = std::fs::read_dir(cases_dir())
                .expect("cases folder")
                .filter_map(Result::ok)
                .filter(|entry| entry.path().join("case.json").is_file())
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect();
            found.sort();
            assert_eq!(found, listed, "add new cases to the cases! list in tests/tests/conformance.rs (sorted)");
        }
    };
}

cases!(
    components,
    config,
    error_config,
    error_duplicate,
    error_engine,
    error_program,
    options,
    outputs,
    preview,
    secrets,
    typed,
);

#[test]
fn javascript_stacks_reduce_to_their_message() {
    let message = "the program failed: Error: boom\n    at main (/tmp/p/main.ts:4:7)\n    at Module._compile (node:internal)\nnothing was deleted";
    assert_eq!(reduce_js_stack(message), "the program failed: boom\nnothing was deleted");
    let typed = "the program failed: TypeError: x is not a function\n    at f (/tmp/main.ts:1:1)";
    assert_eq!(reduce_js_stack(typed), "the program failed: x is not a function");
    assert_eq!(reduce_js_stack("an Error: without frames"), "an Error: without frames");
}

#[test]
fn tracebacks_reduce_to_their_message() {
    let message = "the program failed: Traceback (most recent call last):\n  File \"main.py\", line 4, in <module>\n    raise RuntimeError(\"boom\")\nRuntimeError: boom\nnothing was deleted";
    assert_eq!(reduce_traceback(message), "the program failed: boom\nnothing was deleted");
    assert_eq!(reduce_traceback("plain message"), "plain message");
    assert_eq!(normalise_text("http://127.0.0.1:43121/123/q and 127.0.0.1:x"), "http://127.0.0.1:PORT/123/q and 127.0.0.1:x");
}
