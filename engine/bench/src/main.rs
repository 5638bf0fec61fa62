//! `engine-bench`: the engine's benchmarks, run by `tests/bench.sh` (which builds everything in
//! release mode first). See `engine/bench/README.md` for what is measured and how.
//!
//! ```text
//! engine-bench [--quick] [--n 1000,3000,10000] [--chain-n 1000] [--only scale,arch,throttle,sdk]
//!              [--latency-ms 1000] [--throttle-n 500] [--rps 25] [--sdk-n 10000] [--rounds 2]
//!              [--out target/bench/results.json]
//! ```
//!
//! Every run talks to a local cloud started by the benchmark as its own process
//! (`engine local-cloud`, reached through `ENGINE_LOCAL_CLOUD_URL`), so the engine's figures
//! (memory, bytes written, CPU) are the engine's alone.

mod measure;
mod sections;

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use serde_json::{Value, json};

/// Command-line options.
#[derive(Debug, Clone)]
pub struct Options {
    pub sizes: Vec<u64>,
    pub chain_sizes: Vec<u64>,
    pub sections: Vec<String>,
    pub latency_ms: u64,
    pub throttle_n: u64,
    pub rps: f64,
    pub sdk_n: u64,
    pub rounds: usize,
    pub out: PathBuf,
    pub archs: Vec<String>,
}

/// Where things are.
#[derive(Debug, Clone)]
pub struct Paths {
    pub root: PathBuf,
    pub target: PathBuf,
    pub engine: PathBuf,
    pub rust_program: PathBuf,
    pub work: PathBuf,
}

fn usage() -> &'static str {
    "engine-bench [--quick] [--n 1000,3000,10000] [--chain-n 1000] [--only scale,arch,throttle,sdk] \
     [--latency-ms 1000] [--throttle-n 500] [--rps 25] [--sdk-n 10000] [--rounds 2] [--arch NAME,...] [--out FILE]"
}

fn list<T: std::str::FromStr>(text: &str, what: &str) -> Result<Vec<T>> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().replace('_', "").parse::<T>().map_err(|_| anyhow::anyhow!("{what}: not a number: {s}")))
        .collect()
}

fn parse_args(paths: &Paths) -> Result<Options> {
    let mut options = Options {
        sizes: vec![1000, 3000, 10_000],
        chain_sizes: vec![1000],
        sections: ["scale", "arch", "throttle", "sdk"].map(str::to_owned).to_vec(),
        latency_ms: 1000,
        throttle_n: 500,
        rps: 25.0,
        sdk_n: 10_000,
        rounds: 2,
        out: paths.target.join("bench").join("results.json"),
        archs: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().with_context(|| format!("{name} needs a value\n{}", usage()));
        match arg.as_str() {
            "--quick" => {
                options.sizes = vec![1000];
                options.chain_sizes = vec![1000];
                options.rounds = 1;
            }
            "--n" => options.sizes = list(&value("--n")?, "--n")?,
            "--chain-n" => options.chain_sizes = list(&value("--chain-n")?, "--chain-n")?,
            "--only" => options.sections = value("--only")?.split(',').map(str::to_owned).collect(),
            "--latency-ms" => options.latency_ms = value("--latency-ms")?.parse().context("--latency-ms")?,
            "--throttle-n" => options.throttle_n = value("--throttle-n")?.parse().context("--throttle-n")?,
            "--rps" => options.rps = value("--rps")?.parse().context("--rps")?,
            "--sdk-n" => options.sdk_n = value("--sdk-n")?.parse().context("--sdk-n")?,
            "--rounds" => options.rounds = value("--rounds")?.parse::<usize>().context("--rounds")?.max(1),
            "--arch" => options.archs = value("--arch")?.split(',').map(str::to_owned).collect(),
            "--out" => options.out = PathBuf::from(value("--out")?),
            "-h" | "--help" => {
                println!("{}", usage());
                std::process::exit(0);
            }
            other => bail!("unknown argument {other}\n{}", usage()),
        }
    }
    for section in &options.sections {
        if !["scale", "arch", "throttle", "sdk"].contains(&section.as_str()) {
            bail!("--only: unknown section {section} (scale, arch, throttle, sdk)");
        }
    }
    Ok(options)
}

fn paths() -> Result<Paths> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .context("the workspace root")?;
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let release = target.join("release");
    let engine = std::env::var_os("ENGINE_BENCH_ENGINE").map_or_else(|| release.join("engine"), PathBuf::from);
    let rust_program = release.join("engine-bench-program");
    for (what, path) in [("the engine", &engine), ("the Rust benchmark program", &rust_program)] {
        if !path.is_file() {
            bail!("{what} is not built ({}): run tests/bench.sh", path.display());
        }
    }
    Ok(Paths { work: target.join("bench").join("work"), root, target, engine, rust_program })
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn main() -> Result<()> {
    let paths = paths()?;
    let options = parse_args(&paths)?;
    std::fs::create_dir_all(&paths.work)?;
    let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs();
    let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(0);
    eprintln!("engine-bench: {cores} cores, load average {} at start", load_average());

    let mut results = serde_json::Map::new();
    results.insert(
        "machine".into(),
        json!({"cores": cores, "loadAverageAtStart": load_average(), "startedUnix": started}),
    );
    results.insert(
        "options".into(),
        json!({
            "sizes": options.sizes, "chainSizes": options.chain_sizes, "latencyMs": options.latency_ms,
            "throttleN": options.throttle_n, "rps": options.rps, "sdkN": options.sdk_n, "rounds": options.rounds,
        }),
    );
    let mut targets: Vec<sections::Target> = Vec::new();
    let wanted = |s: &str| options.sections.iter().any(|x| x == s);

    if wanted("scale") {
        let (value, mut t) = sections::scale(&paths, &options);
        results.insert("scale".into(), value);
        targets.append(&mut t);
        write_out(&options.out, &results, &targets)?;
    }
    if wanted("throttle") {
        let (value, mut t) = sections::throttle(&paths, &options);
        results.insert("throttle".into(), value);
        targets.append(&mut t);
        write_out(&options.out, &results, &targets)?;
    }
    if wanted("sdk") {
        let (value, mut t) = sections::sdk(&paths, &options);
        results.insert("sdk".into(), value);
        targets.append(&mut t);
        write_out(&options.out, &results, &targets)?;
    }
    if wanted("arch") {
        let (value, mut t) = sections::architectures(&paths, &options);
        results.insert("architectures".into(), value);
        targets.append(&mut t);
    }
    results.insert("loadAverageAtEnd".into(), json!(load_average()));
    write_out(&options.out, &results, &targets)?;

    println!();
    println!("{}", sections::targets_table(&targets));
    println!("load average at end: {}", load_average());
    println!("JSON: {}", options.out.display());
    Ok(())
}

fn write_out(out: &Path, results: &serde_json::Map<String, Value>, targets: &[sections::Target]) -> Result<()> {
    let mut all = results.clone();
    all.insert("targets".into(), serde_json::to_value(targets.iter().map(sections::Target::json).collect::<Vec<_>>())?);
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(out, serde_json::to_string_pretty(&Value::Object(all))?)?;
    Ok(())
}
