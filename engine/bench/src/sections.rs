//! The benchmark's four sections, each returning its figures (JSON) and the targets it checks.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result, bail};
use serde_json::{Value, json};

use crate::measure::{self, Background, Measured};
use crate::{Options, Paths};

// ------------------------------------------------------------------------------------ targets

/// One target of the issue, met or not.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    pub value: String,
    pub target: String,
    /// `None`: could not be measured.
    pub met: Option<bool>,
}

impl Target {
    fn new(name: impl Into<String>, value: impl Into<String>, target: impl Into<String>, met: Option<bool>) -> Self {
        Target { name: name.into(), value: value.into(), target: target.into(), met }
    }

    pub fn json(&self) -> Value {
        json!({"name": self.name, "value": self.value, "target": self.target, "met": self.met})
    }
}

pub fn targets_table(targets: &[Target]) -> String {
    let w0 = targets.iter().map(|t| t.name.len()).max().unwrap_or(6).max(6);
    let w1 = targets.iter().map(|t| t.value.len()).max().unwrap_or(5).max(5);
    let w2 = targets.iter().map(|t| t.target.len()).max().unwrap_or(6).max(6);
    let mut out = String::new();
    let _ = writeln!(out, "TARGETS");
    let _ = writeln!(out, "{:w0$}  {:w1$}  {:w2$}  MET", "TARGET", "VALUE", "WANTED");
    for t in targets {
        let met = match t.met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "n/a",
        };
        let _ = writeln!(out, "{:w0$}  {:w1$}  {:w2$}  {met}", t.name, t.value, t.target);
    }
    out
}

// ------------------------------------------------------------------------------- local cloud

/// A local cloud in its own process, with a fresh or kept data folder.
struct Cloud {
    process: Background,
    url: String,
    data: PathBuf,
}

impl Cloud {
    fn start(paths: &Paths, data: &Path, latency: &str, rps: Option<f64>) -> Result<Cloud> {
        std::fs::create_dir_all(data)?;
        let mut cmd = Command::new(&paths.engine);
        cmd.args(["local-cloud", "--listen", "127.0.0.1:0", "--latency", latency, "--data"]).arg(data);
        if let Some(rps) = rps {
            cmd.arg("--throttle-rps").arg(rps.to_string());
        }
        let log = data.with_extension("log");
        let (process, url) = Background::start(cmd, "listening on ", &log)?;
        Ok(Cloud { process, url, data: data.to_path_buf() })
    }

    /// The number of resources it holds (the engine's asset staging bucket excepted).
    fn count(&self, paths: &Paths) -> Result<usize> {
        let out =
            Command::new(&paths.engine).args(["local-cloud", "ls", "--json", "--data"]).arg(&self.data).output()?;
        let list: Value = serde_json::from_slice(&out.stdout).context("engine local-cloud ls --json")?;
        Ok(list
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|r| {
                        !r.get("identifier").and_then(Value::as_str).unwrap_or("").starts_with("engine-assets-")
                    })
                    .count()
            })
            .unwrap_or(0))
    }

    fn stop(self) {
        self.process.stop();
    }
}

// ---------------------------------------------------------------------------------- projects

/// A benchmark project folder: `Engine.toml`, `Engine.bench.toml` (stack `bench`).
struct Project {
    dir: PathBuf,
    stack: String,
    logs: PathBuf,
}

/// One `engine` command, measured.
#[derive(Debug, Clone, Default)]
struct Step {
    m: Measured,
    /// The last `summary` event.
    summary: Value,
    /// What the program printed as `BENCH_REGISTER_SECONDS=`.
    register_seconds: Option<f64>,
    /// The last error lines (when it failed).
    problem: Option<String>,
}

impl Step {
    fn ok(&self) -> bool {
        self.m.code == 0 && self.summary.get("ok").and_then(Value::as_bool).unwrap_or(false)
    }

    fn count(&self, op: &str) -> u64 {
        self.summary.get("counts").and_then(|c| c.get(op)).and_then(Value::as_u64).unwrap_or(0)
    }

    fn errors(&self) -> u64 {
        self.summary.get("errors").and_then(Value::as_u64).unwrap_or(0)
    }

    fn json(&self) -> Value {
        json!({
            "wallSeconds": round3(self.m.wall.as_secs_f64()),
            "exitCode": self.m.code,
            "ok": self.ok(),
            "engineDurationMs": self.summary.get("durationMs"),
            "counts": self.summary.get("counts"),
            "errors": self.summary.get("errors"),
            "enginePeakRssMB": round3(mb(self.m.peak_rss)),
            "engineCpuSeconds": round3(self.m.cpu),
            "engineWriteBytes": self.m.write_bytes,
            "programRegisterSeconds": self.register_seconds,
            "problem": self.problem,
        })
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn toml_value(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

impl Project {
    /// A fresh folder `work/<name>` (emptied, except what `keep` names: `.venv`, `node_modules`).
    fn new(paths: &Paths, name: &str, keep: &[&str]) -> Result<Project> {
        let dir = paths.work.join(name);
        if dir.exists() {
            for entry in std::fs::read_dir(&dir)? {
                let entry = entry?;
                if keep.iter().any(|k| entry.file_name() == *k) {
                    continue;
                }
                let path = entry.path();
                if path.is_dir() && !path.is_symlink() {
                    std::fs::remove_dir_all(&path)?;
                } else {
                    std::fs::remove_file(&path)?;
                }
            }
        }
        std::fs::create_dir_all(&dir)?;
        let logs = paths.work.join(format!("{name}.logs"));
        let _ = std::fs::remove_dir_all(&logs);
        std::fs::create_dir_all(&logs)?;
        Ok(Project { dir, stack: "bench".into(), logs })
    }

    /// The synthetic program of `language` (`rust`, `python`, `node`).
    fn synthetic(paths: &Paths, name: &str, language: &str) -> Result<Project> {
        let keep: &[&str] = match language {
            "python" => &[".venv"],
            "node" => &["node_modules"],
            _ => &[],
        };
        let project = Project::new(paths, name, keep)?;
        let programs = paths.root.join("engine").join("bench").join("programs");
        let engine_toml = match language {
            "rust" => {
                format!("name = \"bench\"\nruntime = \"rust\"\nmain = {:?}\n", paths.rust_program.display().to_string())
            }
            "python" => {
                std::fs::copy(programs.join("python").join("__main__.py"), project.dir.join("__main__.py"))?;
                std::fs::read_to_string(programs.join("python").join("Engine.toml"))?
            }
            "node" => {
                std::fs::copy(programs.join("node").join("index.ts"), project.dir.join("index.ts"))?;
                std::fs::read_to_string(programs.join("node").join("Engine.toml"))?
            }
            other => bail!("unknown language {other}"),
        };
        std::fs::write(project.dir.join("Engine.toml"), engine_toml)?;
        Ok(project)
    }

    /// Write the stack file with these config values.
    fn config(&self, values: &[(&str, Value)]) -> Result<()> {
        let mut text = String::from("cloud = \"local\"\nregion = \"us-east-1\"\n\n[config]\n");
        for (key, value) in values {
            let _ = writeln!(text, "{key} = {}", toml_value(value));
        }
        std::fs::write(self.dir.join(format!("Engine.{}.toml", self.stack)), text)?;
        Ok(())
    }

    /// `engine ARGS` against the local cloud at `url`; `label` names its log files.
    fn engine(&self, paths: &Paths, url: &str, label: &str, args: &[&str]) -> Result<Step> {
        let mut cmd = Command::new(&paths.engine);
        cmd.arg("-C").arg(&self.dir).arg("-s").arg(&self.stack).args(args);
        cmd.env("ENGINE_LOCAL_CLOUD_URL", url)
            .env("NO_COLOR", "1")
            .env_remove("ENGINE_STACK")
            .env_remove("ENGINE_LOCAL_CLOUD_LATENCY")
            .env_remove("ENGINE_LOCAL_CLOUD_THROTTLE_RPS")
            .env_remove("ENGINE_PARALLEL");
        let stdout = self.logs.join(format!("{label}.out"));
        let stderr = self.logs.join(format!("{label}.err"));
        let m = measure::run(cmd, &stdout, &stderr)?;
        let mut step = Step { m, ..Step::default() };
        let text = std::fs::read_to_string(&stdout).unwrap_or_default();
        let mut errors = Vec::new();
        for line in text.lines() {
            if !line.starts_with('{') {
                continue;
            }
            let Ok(event) = serde_json::from_str::<Value>(line) else { continue };
            match event.get("event").and_then(Value::as_str) {
                Some("summary") => step.summary = event,
                Some("programOutput") => {
                    let line = event.get("line").and_then(Value::as_str).unwrap_or("");
                    if let Some(seconds) = line.strip_prefix("BENCH_REGISTER_SECONDS=") {
                        step.register_seconds = seconds.trim().parse().ok();
                    }
                }
                Some("diagnostic") if event.get("severity").and_then(Value::as_str) == Some("error") => {
                    errors.push(event.get("message").and_then(Value::as_str).unwrap_or("").to_owned());
                }
                Some("stepDone") if event.get("ok").and_then(Value::as_bool) == Some(false) && errors.len() < 5 => {
                    errors.push(format!(
                        "{}: {}",
                        event.get("urn").and_then(Value::as_str).unwrap_or(""),
                        event.get("error").and_then(Value::as_str).unwrap_or("")
                    ));
                }
                _ => {}
            }
        }
        if step.m.code != 0 && step.m.code != 2 {
            let stderr_text = std::fs::read_to_string(&stderr).unwrap_or_default();
            let tail: Vec<&str> = stderr_text.lines().rev().take(8).collect::<Vec<_>>().into_iter().rev().collect();
            errors.push(tail.join("\n"));
            step.problem =
                Some(format!("exit {}: {} (logs: {})", step.m.code, errors.join(" | "), self.logs.display()));
        }
        Ok(step)
    }

    fn state_file(&self, project: &str) -> PathBuf {
        self.dir.join(".engine").join("stacks").join(project).join(&self.stack).join("state.json")
    }
}

// ------------------------------------------------------------------------------------ scale

/// Section 1: `up` from empty, no-op `preview`, `up` changing 10%, `destroy`, per size and shape.
pub fn scale(paths: &Paths, options: &Options) -> (Value, Vec<Target>) {
    let mut rows = Vec::new();
    let mut targets = Vec::new();
    let mut fanout_up: BTreeMap<u64, f64> = BTreeMap::new();
    let mut fanout_cpu: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
    println!("SCALE (zero latency; Rust program; wall seconds; engine peak RSS; bytes the engine wrote to disk)");
    println!(
        "{:<7} {:>6}  {:>8} {:>8} {:>8} {:>8}  {:>9} {:>11} {:>11}  {:>10}",
        "shape", "N", "up", "preview", "up 10%", "destroy", "peak RSS", "up writes", "10% writes", "state.json"
    );
    let mut runs: Vec<(&str, u64)> = options.sizes.iter().map(|n| ("fanout", *n)).collect();
    runs.extend(options.chain_sizes.iter().map(|n| ("chain", *n)));
    for (shape, n) in runs {
        match scale_one(paths, shape, n) {
            Ok((row, steps)) => {
                let [up, preview, change, destroy] = &steps;
                let peak = steps.iter().map(|s| s.m.peak_rss).max().unwrap_or(0);
                println!(
                    "{:<7} {:>6}  {:>8.2} {:>8.2} {:>8.2} {:>8.2}  {:>6.0} MB {:>8.1} MB {:>8.1} MB  {:>7.1} MB",
                    shape,
                    n,
                    up.m.wall.as_secs_f64(),
                    preview.m.wall.as_secs_f64(),
                    change.m.wall.as_secs_f64(),
                    destroy.m.wall.as_secs_f64(),
                    mb(peak),
                    mb(up.m.write_bytes),
                    mb(change.m.write_bytes),
                    row.get("stateJsonBytes").and_then(Value::as_u64).map_or(0.0, mb),
                );
                for (what, step) in [("up", up), ("preview", preview), ("up 10%", change), ("destroy", destroy)] {
                    if let Some(problem) = &step.problem {
                        println!("        {what}: {problem}");
                    }
                }
                if shape == "fanout" {
                    fanout_up.insert(n, up.m.wall.as_secs_f64());
                    let cloud_cpu = row.get("localCloudCpuSecondsDuringUp").and_then(Value::as_f64).unwrap_or(0.0);
                    fanout_cpu.insert(n, (up.m.cpu, cloud_cpu));
                    if n == 1000 {
                        let wall = up.m.wall.as_secs_f64();
                        targets.push(Target::new(
                            "up, 1,000 independent resources (incl. program start)",
                            format!("{wall:.2} s"),
                            "< 2 s",
                            Some(up.ok() && wall < 2.0),
                        ));
                    }
                    if n == 10_000 {
                        let wall = preview.m.wall.as_secs_f64();
                        targets.push(Target::new(
                            "no-op preview, 10,000 resources",
                            format!("{wall:.2} s"),
                            "< 1.5 s",
                            Some(preview.m.code == 0 && wall < 1.5),
                        ));
                        targets.push(Target::new(
                            "engine peak memory, 10,000 resources",
                            format!("{:.0} MB", mb(peak)),
                            "< 200 MB",
                            Some(mb(peak) < 200.0),
                        ));
                    }
                }
                rows.push(row);
            }
            Err(e) => {
                println!("{shape:<7} {n:>6}  failed: {e:#}");
                rows.push(json!({"shape": shape, "n": n, "error": format!("{e:#}")}));
            }
        }
    }
    let mut growth = Value::Null;
    if let (Some(small), Some(large)) = (fanout_up.get(&1000), fanout_up.get(&10_000)) {
        let ratio = large / small;
        targets.push(Target::new("up growth, 10,000 vs 1,000", format!("{ratio:.2}x"), "<= 11x", Some(ratio <= 11.0)));
        let (cpu_small, cloud_small) = fanout_cpu.get(&1000).copied().unwrap_or_default();
        let (cpu_large, cloud_large) = fanout_cpu.get(&10_000).copied().unwrap_or_default();
        println!(
            "up, 10,000 vs 1,000: wall {ratio:.2}x; CPU of the engine and its program {:.2}x ({cpu_small:.2} s -> {cpu_large:.2} s); \
             CPU of the local cloud {:.2}x ({cloud_small:.2} s -> {cloud_large:.2} s)",
            cpu_large / cpu_small,
            cloud_large / cloud_small
        );
        growth = json!({
            "wall": round3(ratio),
            "engineAndProgramCpu": round3(cpu_large / cpu_small),
            "localCloudCpu": round3(cloud_large / cloud_small),
        });
    }
    (json!({"runs": rows, "upGrowth10kVs1k": growth}), targets)
}

fn scale_one(paths: &Paths, shape: &str, n: u64) -> Result<(Value, [Step; 4])> {
    let name = format!("scale-{shape}-{n}");
    let project = Project::synthetic(paths, &name, "rust")?;
    let cloud = Cloud::start(paths, &project.dir.join(".cloud"), "0", None)?;
    let config =
        |revision: u64| project.config(&[("count", json!(n)), ("shape", json!(shape)), ("revision", json!(revision))]);
    config(0)?;
    let cloud_cpu_before = cloud.process.cpu_seconds();
    let up = project.engine(paths, &cloud.url, "up", &["up", "--yes", "--skip-preview", "--json"])?;
    let cloud_cpu_up = cloud.process.cpu_seconds() - cloud_cpu_before;
    let state_bytes = std::fs::metadata(project.state_file("bench")).map(|m| m.len()).unwrap_or(0);
    let in_cloud = cloud.count(paths)?;
    let preview = project.engine(paths, &cloud.url, "preview", &["preview", "--expect-no-changes", "--json"])?;
    config(1)?;
    let change = project.engine(paths, &cloud.url, "change", &["up", "--yes", "--skip-preview", "--json"])?;
    let destroy = project.engine(paths, &cloud.url, "destroy", &["destroy", "--yes", "--json"])?;
    let left = cloud.count(paths)?;
    cloud.stop();
    let expected_updates = n.div_ceil(10);
    let mut checks = Vec::new();
    if up.count("create") != n || in_cloud as u64 != n {
        checks.push(format!("up created {} (cloud holds {in_cloud}), expected {n}", up.count("create")));
    }
    if preview.m.code != 0 {
        checks.push(format!("the no-op preview found changes or failed (exit {})", preview.m.code));
    }
    if change.count("update") != expected_updates {
        checks.push(format!("the 10% change updated {}, expected {expected_updates}", change.count("update")));
    }
    if destroy.count("delete") != n || left != 0 {
        checks.push(format!("destroy deleted {} ({left} left in the cloud)", destroy.count("delete")));
    }
    let row = json!({
        "shape": shape, "n": n,
        "up": up.json(), "noOpPreview": preview.json(), "up10Percent": change.json(), "destroy": destroy.json(),
        "stateJsonBytes": state_bytes,
        "localCloudCpuSecondsDuringUp": round3(cloud_cpu_up),
        "checks": checks,
    });
    if !checks.is_empty() {
        println!("        checks failed: {}", checks.join("; "));
    }
    Ok((row, [up, preview, change, destroy]))
}

// --------------------------------------------------------------------------------- throttle

/// Section 3: `up` of N independent resources against a local cloud throttling at `rps`.
pub fn throttle(paths: &Paths, options: &Options) -> (Value, Vec<Target>) {
    let n = options.throttle_n;
    println!();
    println!("THROTTLED (up of {n} independent resources, local cloud at {} requests/s)", options.rps);
    match throttle_inner(paths, options) {
        Ok((value, targets)) => (value, targets),
        Err(e) => {
            println!("  failed: {e:#}");
            (json!({"error": format!("{e:#}")}), vec![Target::new("throttled up: failures", "not measured", "0", None)])
        }
    }
}

fn throttle_inner(paths: &Paths, options: &Options) -> Result<(Value, Vec<Target>)> {
    let n = options.throttle_n;
    let project = Project::synthetic(paths, "throttle", "rust")?;
    let cloud = Cloud::start(paths, &project.dir.join(".cloud"), "0", Some(options.rps))?;
    project.config(&[("count", json!(n)), ("shape", json!("fanout")), ("revision", json!(0))])?;
    let up = project.engine(paths, &cloud.url, "up", &["up", "--yes", "--skip-preview", "--json"])?;
    let in_cloud = cloud.count(paths)? as u64;
    cloud.stop();
    let failures = up.errors() + n.saturating_sub(up.count("create"));
    // Each create is at least two requests: CreateResource (answers IN_PROGRESS) and one
    // GetResourceRequestStatus (SUCCESS, with the full model: the engine reads a resource back
    // only when that model lacks a read-only property).
    let needed = 2 * n;
    let optimum = needed as f64 / options.rps;
    let wall = up.m.wall.as_secs_f64();
    let efficiency = optimum / wall;
    println!(
        "  wall {wall:.2} s; optimum {optimum:.1} s ({needed} requests / {} rps): {:.0}% of it; failures {failures}; \
         created {} (cloud holds {in_cloud})",
        options.rps,
        efficiency * 100.0,
        up.count("create"),
    );
    if let Some(problem) = &up.problem {
        println!("  {problem}");
    }
    let value = json!({
        "n": n, "rps": options.rps, "up": up.json(), "failures": failures, "cloudHolds": in_cloud,
        "requestsNeeded": needed, "optimumSeconds": round3(optimum), "efficiency": round3(efficiency),
    });
    let targets = vec![
        Target::new(
            format!("throttled up ({n} at {} rps): failures", options.rps),
            failures.to_string(),
            "0",
            Some(failures == 0 && in_cloud == n),
        ),
        Target::new(
            "throttled up: share of the throttle-limited optimum",
            format!("{:.0}% ({wall:.1} s vs {optimum:.1} s)", efficiency * 100.0),
            ">= 85%",
            Some(efficiency >= 0.85),
        ),
    ];
    Ok((value, targets))
}

// -------------------------------------------------------------------------------------- sdk

/// Section 4: registration of N resources from Rust, Python and TypeScript (`engine preview`).
pub fn sdk(paths: &Paths, options: &Options) -> (Value, Vec<Target>) {
    let n = options.sdk_n;
    println!();
    println!(
        "SDK REGISTRATION ({n} resources, engine preview; the program's own time from its first registration to the end of finish; best of {})",
        options.rounds
    );
    let languages = ["rust", "python", "node"];
    let mut prepared = HashMap::new();
    for language in languages {
        let project = Project::synthetic(paths, &format!("sdk-{language}"), language).and_then(|project| {
            // A small run first: the engine prepares the runtime (virtualenv, SDK wheel or Node
            // addon, built when missing or stale), untimed.
            let cloud = Cloud::start(paths, &project.dir.join(".cloud"), "0", None)?;
            project.config(&[("count", json!(10)), ("shape", json!("fanout")), ("revision", json!(0))])?;
            let warm = project.engine(paths, &cloud.url, "prepare", &["preview", "--json"])?;
            if let Some(problem) = warm.problem {
                bail!("preparing the {language} program: {problem}");
            }
            project.config(&[("count", json!(n)), ("shape", json!("fanout")), ("revision", json!(0))])?;
            Ok((project, cloud))
        });
        match project {
            Ok(p) => {
                prepared.insert(language, p);
            }
            Err(e) => println!("  {language}: {e:#}"),
        }
    }
    let mut figures: BTreeMap<&str, Vec<Step>> = BTreeMap::new();
    for round in 0..options.rounds {
        for language in languages {
            let Some((project, cloud)) = prepared.get(language) else { continue };
            match project.engine(paths, &cloud.url, &format!("preview-{round}"), &["preview", "--json"]) {
                Ok(step) => {
                    if let Some(problem) = &step.problem {
                        println!("  {language} round {}: {problem}", round + 1);
                    }
                    figures.entry(language).or_default().push(step);
                }
                Err(e) => println!("  {language} round {}: {e:#}", round + 1),
            }
        }
    }
    for (_, (_, cloud)) in prepared.drain() {
        cloud.stop();
    }
    let best = |language: &str| -> Option<(f64, f64)> {
        let steps = figures.get(language)?;
        let register = steps.iter().filter_map(|s| s.register_seconds).fold(f64::INFINITY, f64::min);
        let wall = steps.iter().filter(|s| s.m.code == 0).map(|s| s.m.wall.as_secs_f64()).fold(f64::INFINITY, f64::min);
        register.is_finite().then_some((register, wall))
    };
    println!("  {:<8} {:>12} {:>14} {:>10}", "language", "register s", "preview wall s", "vs Rust");
    let rust = best("rust");
    let mut value = serde_json::Map::new();
    let mut targets = Vec::new();
    for language in languages {
        let b = best(language);
        let ratio = match (b, rust) {
            (Some((r, _)), Some((base, _))) => Some(r / base),
            _ => None,
        };
        match b {
            Some((register, wall)) => println!(
                "  {language:<8} {register:>12.2} {wall:>14.2} {:>10}",
                ratio.map_or("-".to_owned(), |r| format!("{r:.2}x"))
            ),
            None => println!("  {language:<8} {:>12}", "failed"),
        }
        value.insert(
            language.to_owned(),
            json!({
                "bestRegisterSeconds": b.map(|x| round3(x.0)),
                "bestPreviewWallSeconds": b.map(|x| round3(x.1)),
                "ratioToRust": ratio.map(round3),
                "runs": figures.get(language).map(|s| s.iter().map(Step::json).collect::<Vec<_>>()),
            }),
        );
        if language != "rust" {
            let name = format!(
                "{} registration of {n} vs Rust",
                if language == "node" { "Node (TypeScript)" } else { "Python" }
            );
            targets.push(match ratio {
                Some(r) => Target::new(name, format!("{r:.2}x"), "<= 2x", Some(r <= 2.0)),
                None => Target::new(name, "not measured", "<= 2x", None),
            });
        }
    }
    value.insert("n".into(), json!(n));
    (Value::Object(value), targets)
}

// ---------------------------------------------------------------------------- architectures

/// Section 2: `up` of each reference architecture's Rust program with per-operation latency,
/// against the critical-path bound.
pub fn architectures(paths: &Paths, options: &Options) -> (Value, Vec<Target>) {
    println!();
    println!(
        "REFERENCE ARCHITECTURES (up, Rust program, {} ms per cloud operation; bound = longest dependency chain x latency)",
        options.latency_ms
    );
    let mut archs: Vec<String> = std::fs::read_dir(paths.root.join("programs"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().join("rust").join("Engine.toml").is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    archs.sort();
    if !options.archs.is_empty() {
        archs.retain(|a| options.archs.contains(a));
    }
    println!(
        "  {:<16} {:>9} {:>6} {:>8} {:>8} {:>7}",
        "architecture", "resources", "chain", "bound s", "wall s", "ratio"
    );
    let mut rows = Vec::new();
    let mut targets = Vec::new();
    for arch in &archs {
        match architecture(paths, options, arch) {
            Ok(row) => {
                let ratio = row["ratio"].as_f64().unwrap_or(f64::NAN);
                println!(
                    "  {:<16} {:>9} {:>6} {:>8.2} {:>8.2} {:>6.3}x",
                    arch,
                    row["cloudResources"],
                    row["chain"],
                    row["boundSeconds"].as_f64().unwrap_or(0.0),
                    row["wallSeconds"].as_f64().unwrap_or(0.0),
                    ratio
                );
                targets.push(Target::new(
                    format!("{arch}: up with latency vs critical path"),
                    format!("{ratio:.3}x"),
                    "<= 1.10x",
                    Some(ratio <= 1.10),
                ));
                rows.push(row);
            }
            Err(e) => {
                let text = format!("{e:#}");
                let short: String = text.lines().take(6).collect::<Vec<_>>().join("\n      ");
                println!("  {arch:<16} failed: {short}");
                targets.push(Target::new(
                    format!("{arch}: up with latency vs critical path"),
                    "failed",
                    "<= 1.10x",
                    None,
                ));
                rows.push(json!({"architecture": arch, "error": text}));
            }
        }
    }
    (Value::Array(rows), targets)
}

fn copy_dir(from: &Path, to: &Path, skip: &[&str]) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        let name_text = name.to_string_lossy();
        if skip.iter().any(|s| *s == name_text) {
            continue;
        }
        let path = entry.path();
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            copy_dir(&path, &to.join(&name), skip)?;
        } else if file_type.is_file() {
            std::fs::copy(&path, to.join(&name))?;
        }
    }
    Ok(())
}

fn package_name(manifest: &Path) -> Result<String> {
    let text = std::fs::read_to_string(manifest)?;
    let mut in_package = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package && let Some(rest) = line.strip_prefix("name") {
            let value = rest.trim_start().trim_start_matches('=').trim().trim_matches('"');
            return Ok(value.to_owned());
        }
    }
    bail!("no package name in {}", manifest.display())
}

fn architecture(paths: &Paths, options: &Options, arch: &str) -> Result<Value> {
    let source = paths.root.join("programs").join(arch);
    let package = package_name(&source.join("rust").join("Cargo.toml"))?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let build = Command::new(cargo)
        .current_dir(&paths.root)
        .args(["build", "--release", "--quiet", "-p", &package])
        .output()?;
    if !build.status.success() {
        let text = String::from_utf8_lossy(&build.stderr);
        let tail: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(12).collect();
        bail!("cargo build --release -p {package} failed:\n{}", tail.join("\n"));
    }
    let binary = paths.target.join("release").join(&package);
    // A copy at the same depth as in the repository (`programs/<arch>/rust`), so relative paths
    // (`../app`, `../../platform`) still resolve; the repository is never written.
    let programs = paths.work.join("programs");
    let copy = programs.join(arch);
    let _ = std::fs::remove_dir_all(&copy);
    copy_dir(&source, &copy, &["python", "node", ".engine", "target", "node_modules", ".venv"])?;
    let platform = programs.join("platform");
    if !platform.exists() {
        #[cfg(unix)]
        std::os::unix::fs::symlink(paths.root.join("programs").join("platform"), &platform)?;
    }
    let dir = copy.join("rust");
    let engine_toml = std::fs::read_to_string(dir.join("Engine.toml"))?;
    let engine_toml: String = engine_toml
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("main") {
                format!("main = {:?}", binary.display().to_string())
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("Engine.toml"), engine_toml + "\n")?;
    let stack = "dev".to_owned();
    let logs = paths.work.join(format!("arch-{arch}.logs"));
    let _ = std::fs::remove_dir_all(&logs);
    std::fs::create_dir_all(&logs)?;
    let project = Project { dir: dir.clone(), stack, logs };
    let data = paths.work.join(format!("arch-{arch}.cloud"));
    let _ = std::fs::remove_dir_all(&data);

    // Warm-up at zero latency: checks the program deploys, and leaves the engine's asset staging
    // bucket in the cloud (it belongs to no stack), as on any account used before.
    let cloud = Cloud::start(paths, &data, "0", None)?;
    let warm = project.engine(paths, &cloud.url, "warm-up", &["up", "--yes", "--skip-preview", "--json"])?;
    if let Some(problem) = &warm.problem {
        cloud.stop();
        bail!("up at zero latency failed: {problem}");
    }
    let destroyed = project.engine(paths, &cloud.url, "warm-up-destroy", &["destroy", "--yes", "--json"])?;
    cloud.stop();
    if let Some(problem) = &destroyed.problem {
        bail!("destroy at zero latency failed: {problem}");
    }

    let cloud = Cloud::start(paths, &data, &options.latency_ms.to_string(), None)?;
    let up = project.engine(paths, &cloud.url, "up", &["up", "--yes", "--skip-preview", "--json"])?;
    let in_cloud = cloud.count(paths)?;
    cloud.stop();
    if let Some(problem) = &up.problem {
        bail!("up with latency failed: {problem}");
    }
    let project_name = engine_toml_name(&dir)?;
    let state: Value = serde_json::from_str(&std::fs::read_to_string(project.state_file(&project_name))?)?;
    let chain = critical_path(&state);
    let bound = chain.len() as f64 * options.latency_ms as f64 / 1000.0;
    let wall = up.m.wall.as_secs_f64();
    let engine_ms = up.summary.get("durationMs").and_then(Value::as_f64).unwrap_or(0.0);
    Ok(json!({
        "architecture": arch,
        "cloudResources": in_cloud,
        "stateResources": state.get("resources").and_then(Value::as_array).map_or(0, Vec::len),
        "latencyMs": options.latency_ms,
        "chain": chain.len(),
        "chainUrns": chain,
        "boundSeconds": round3(bound),
        "wallSeconds": round3(wall),
        "engineDurationSeconds": round3(engine_ms / 1000.0),
        "ratio": round3(wall / bound),
        "up": up.json(),
    }))
}

fn engine_toml_name(dir: &Path) -> Result<String> {
    let text = std::fs::read_to_string(dir.join("Engine.toml"))?;
    text.lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("name")
                .map(|r| r.trim_start().trim_start_matches('=').trim().trim_matches('"').to_owned())
        })
        .context("no name in Engine.toml")
}

/// The longest chain of cloud operations in a stack's state: resources that cost one cloud
/// operation each (custom resources other than the engine's built-ins and reads), linked by
/// their dependencies (explicit and per property); a dependency on a component stands for every
/// resource under it.
pub fn critical_path(state: &Value) -> Vec<String> {
    let resources: Vec<&Value> =
        state.get("resources").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default();
    let s = |r: &Value, k: &str| r.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let mut children: HashMap<String, Vec<String>> = HashMap::new();
    let mut costs: HashMap<String, u64> = HashMap::new();
    let mut deps: HashMap<String, HashSet<String>> = HashMap::new();
    for r in &resources {
        let urn = s(r, "urn");
        let custom = r.get("custom").and_then(Value::as_bool).unwrap_or(false);
        let external = r.get("external").and_then(Value::as_bool).unwrap_or(false);
        let builtin = s(r, "type").starts_with("Engine::");
        costs.insert(urn.clone(), u64::from(custom && !external && !builtin));
        let parent = s(r, "parent");
        if !parent.is_empty() {
            children.entry(parent).or_default().push(urn.clone());
        }
        let mut set: HashSet<String> = HashSet::new();
        for d in r.get("dependencies").and_then(Value::as_array).into_iter().flatten() {
            if let Some(d) = d.as_str() {
                set.insert(d.to_owned());
            }
        }
        if let Some(map) = r.get("propertyDependencies").and_then(Value::as_object) {
            for list in map.values() {
                for d in list.as_array().into_iter().flatten() {
                    if let Some(d) = d.as_str() {
                        set.insert(d.to_owned());
                    }
                }
            }
        }
        set.remove(&urn);
        deps.insert(urn, set);
    }
    // Expand components: a dependency on a component is a dependency on its descendants.
    fn descendants(urn: &str, children: &HashMap<String, Vec<String>>, out: &mut Vec<String>) {
        for child in children.get(urn).into_iter().flatten() {
            out.push(child.clone());
            descendants(child, children, out);
        }
    }
    let expanded: HashMap<String, Vec<String>> = deps
        .iter()
        .map(|(urn, set)| {
            let mut all = Vec::new();
            for d in set {
                all.push(d.clone());
                descendants(d, &children, &mut all);
            }
            all.retain(|d| d != urn && costs.contains_key(d));
            (urn.clone(), all)
        })
        .collect();
    // Longest path by memoised depth-first search (a cycle, impossible in a valid state, is cut).
    fn longest(
        urn: &str,
        expanded: &HashMap<String, Vec<String>>,
        costs: &HashMap<String, u64>,
        memo: &mut HashMap<String, (u64, Option<String>)>,
        visiting: &mut HashSet<String>,
    ) -> u64 {
        if let Some((len, _)) = memo.get(urn) {
            return *len;
        }
        if !visiting.insert(urn.to_owned()) {
            return 0;
        }
        let mut best = (0, None);
        for d in expanded.get(urn).into_iter().flatten() {
            let len = longest(d, expanded, costs, memo, visiting);
            if len > best.0 {
                best = (len, Some(d.clone()));
            }
        }
        visiting.remove(urn);
        let total = best.0 + costs.get(urn).copied().unwrap_or(0);
        memo.insert(urn.to_owned(), (total, best.1));
        total
    }
    let mut memo = HashMap::new();
    let mut visiting = HashSet::new();
    let mut top: Option<(u64, String)> = None;
    for urn in costs.keys() {
        let len = longest(urn, &expanded, &costs, &mut memo, &mut visiting);
        if top.as_ref().is_none_or(|(l, _)| len > *l) {
            top = Some((len, urn.clone()));
        }
    }
    let mut chain = Vec::new();
    let mut at = top.map(|(_, urn)| urn);
    while let Some(urn) = at {
        if costs.get(&urn).copied().unwrap_or(0) > 0 {
            chain.push(urn.clone());
        }
        at = memo.get(&urn).and_then(|(_, next)| next.clone());
    }
    chain.reverse();
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_critical_path_follows_dependencies_through_components() {
        let state = json!({"resources": [
            {"urn": "a", "type": "AWS::S3::Bucket", "custom": true},
            {"urn": "comp", "type": "x:y:Z", "custom": false},
            {"urn": "b", "type": "AWS::SQS::Queue", "custom": true, "parent": "comp", "dependencies": ["a"]},
            {"urn": "pw", "type": "Engine::Random::Password", "custom": true},
            {"urn": "c", "type": "AWS::SQS::Queue", "custom": true, "dependencies": ["comp", "pw"]},
            {"urn": "d", "type": "AWS::SQS::Queue", "custom": true, "propertyDependencies": {"X": ["c"]}},
            {"urn": "e", "type": "AWS::SQS::Queue", "custom": true, "dependencies": ["a"]},
        ]});
        assert_eq!(critical_path(&state), vec!["a", "b", "c", "d"]);
        assert!(critical_path(&json!({"resources": []})).is_empty());
    }
}
