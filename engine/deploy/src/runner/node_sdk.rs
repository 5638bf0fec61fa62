//! The Node SDK (npm package `engine-sdk`, built from `sdk-node/`) for a node program, with no
//! manual step: the engine finds the SDK, builds it once when needed (native addon and
//! JavaScript, `npm run build`), links it into the program's `node_modules/engine-sdk`, and
//! runs TypeScript entry points through the SDK's own `tsx` loader when the program has none.
//!
//! The SDK folder is, first found first:
//! 1. `ENGINE_NODE_SDK`: the folder of the `engine-sdk` package (built, or buildable);
//! 2. next to the `engine` binary: `node/engine-sdk/` (a release ships it there, built);
//! 3. in a source checkout (the binary under `target/`): `sdk-node/`, built on first use and
//!    rebuilt when `sdk-node/`, the SDK core or the protocol changed.
//!
//! Programs that do not mention `engine-sdk` (plain scripts) are left alone.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tokio::process::Command;

use super::{info, setup_command};
use crate::events::Reporter;

/// What the program gets from the SDK.
pub(super) struct NodeSdk {
    /// `tsx`'s loader in the SDK's own `node_modules`, for `node --import` (TypeScript).
    pub(super) tsx_loader: Option<PathBuf>,
}

/// Make the SDK available to the program in `dir` (when it uses it, or is TypeScript).
pub(super) async fn prepare(dir: &Path, typescript: bool, reporter: &Reporter) -> Result<Option<NodeSdk>, String> {
    let uses_sdk = mentions_sdk(dir);
    if !uses_sdk && !typescript {
        return Ok(None);
    }
    let installed = dir.join("node_modules").join("engine-sdk");
    let Some(sdk) = find()? else {
        if uses_sdk && !installed.exists() {
            return Err("this program imports engine-sdk, but the Node SDK is not in its node_modules and no SDK \
                 was found: set ENGINE_NODE_SDK to the engine-sdk package folder (sdk-node/ in the engine's \
                 sources), or put it next to the engine binary (node/engine-sdk/)"
                .to_owned());
        }
        return Ok(None);
    };
    if needs_tools(&sdk, typescript) {
        let npm = std::env::var("ENGINE_NPM").unwrap_or_else(|_| "npm".to_owned());
        let mut cmd = Command::new(npm);
        cmd.args(["ci", "--no-audit", "--no-fund"]).current_dir(&sdk);
        setup_command(cmd, &format!("installing the Node SDK's tools (npm ci in {})", sdk.display()), reporter).await?;
    }
    if uses_sdk {
        build_if_stale(&sdk, reporter).await?;
        link(&sdk, &installed)?;
    }
    let loader = sdk.join("node_modules").join("tsx").join("dist").join("loader.mjs");
    Ok(Some(NodeSdk { tsx_loader: loader.is_file().then_some(loader) }))
}

/// Whether the program mentions `engine-sdk` (its package.json or a source file at the top or
/// one folder down).
fn mentions_sdk(dir: &Path) -> bool {
    fn scan(dir: &Path, depth: usize) -> bool {
        let Ok(entries) = std::fs::read_dir(dir) else { return false };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || name == "node_modules" {
                continue;
            }
            if path.is_dir() {
                if depth > 0 && scan(&path, depth - 1) {
                    return true;
                }
                continue;
            }
            let source = ["ts", "mts", "cts", "js", "mjs", "cjs"].iter().any(|ext| name.ends_with(&format!(".{ext}")));
            if (source || name == "package.json")
                && std::fs::metadata(&path).is_ok_and(|m| m.len() < 4 * 1024 * 1024)
                && std::fs::read_to_string(&path).is_ok_and(|text| text.contains("engine-sdk"))
            {
                return true;
            }
        }
        false
    }
    scan(dir, 1)
}

fn is_sdk(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("package.json")).is_ok_and(|text| text.contains("\"name\": \"engine-sdk\""))
}

fn find() -> Result<Option<PathBuf>, String> {
    if let Some(given) = std::env::var_os("ENGINE_NODE_SDK").filter(|v| !v.is_empty()) {
        let given = PathBuf::from(given);
        return if is_sdk(&given) {
            Ok(Some(given))
        } else {
            Err(format!("ENGINE_NODE_SDK={}: not the engine-sdk package (no package.json named engine-sdk)", given.display()))
        };
    }
    // A binary replaced while running (a rebuild) reads as "<path> (deleted)" on Linux: the
    // folder is what matters.
    let exe = std::env::current_exe().ok().and_then(|exe| {
        let text = exe.to_string_lossy();
        PathBuf::from(text.strip_suffix(" (deleted)").unwrap_or(&text)).canonicalize().ok()
    });
    let Some(exe_dir) = exe.as_deref().and_then(Path::parent) else { return Ok(None) };
    let shipped = exe_dir.join("node").join("engine-sdk");
    if is_sdk(&shipped) {
        return Ok(Some(shipped));
    }
    Ok(exe_dir.ancestors().map(|dir| dir.join("sdk-node")).find(|dir| is_sdk(dir)))
}

/// The SDK's own `node_modules` (build tools, `tsx`) is needed to build it, or to run TypeScript.
fn needs_tools(sdk: &Path, typescript: bool) -> bool {
    if sdk.join("node_modules").join(".package-lock.json").is_file() {
        return false;
    }
    typescript || (is_source_checkout(sdk) && !built(sdk))
}

fn is_source_checkout(sdk: &Path) -> bool {
    sdk.join("Cargo.toml").is_file()
}

fn addon(sdk: &Path) -> Option<PathBuf> {
    std::fs::read_dir(sdk.join("native"))
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|ext| ext == "node"))
}

fn built(sdk: &Path) -> bool {
    addon(sdk).is_some() && sdk.join("dist").join("index.js").is_file()
}

fn modified(path: &Path) -> SystemTime {
    std::fs::metadata(path).and_then(|m| m.modified()).unwrap_or(SystemTime::UNIX_EPOCH)
}

/// The newest modification time of the files under `path`.
fn newest(path: &Path) -> SystemTime {
    let Ok(meta) = std::fs::metadata(path) else { return SystemTime::UNIX_EPOCH };
    if meta.is_file() {
        return meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
    }
    std::fs::read_dir(path)
        .map(|entries| entries.filter_map(Result::ok).map(|entry| newest(&entry.path())).max().unwrap_or(SystemTime::UNIX_EPOCH))
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

/// Build the SDK (`npm run build`: the native addon in release mode, then the JavaScript) when
/// its outputs are missing or older than its sources. One build at a time (a lock folder).
async fn build_if_stale(sdk: &Path, reporter: &Reporter) -> Result<(), String> {
    if !is_source_checkout(sdk) {
        return if built(sdk) {
            Ok(())
        } else {
            Err(format!("{}: the Node SDK is not built (no native/*.node or dist/index.js)", sdk.display()))
        };
    }
    let stale = || {
        let Some(addon) = addon(sdk) else { return true };
        let outputs = modified(&addon).min(modified(&sdk.join("dist").join("index.js")));
        let root = sdk.parent().unwrap_or(sdk);
        let sources = ["sdk-node/src", "sdk-node/ts", "sdk-node/scripts", "sdk-node/Cargo.toml", "sdk-node/package.json", "sdk-node/tsconfig.json", "sdk-rust/src", "engine/proto/src"]
            .iter()
            .map(|p| newest(&root.join(p)))
            .max()
            .unwrap_or(SystemTime::UNIX_EPOCH);
        !built(sdk) || outputs < sources
    };
    if !stale() {
        return Ok(());
    }
    let lock = sdk.join(".engine-build.lock");
    let started = std::time::Instant::now();
    loop {
        match std::fs::create_dir(&lock) {
            Ok(()) => break,
            Err(_) if started.elapsed() < Duration::from_secs(30 * 60) && modified(&lock).elapsed().unwrap_or_default() < Duration::from_secs(30 * 60) => {
                if started.elapsed() < Duration::from_millis(1100) {
                    info(reporter, "waiting for another run's build of the Node SDK...".to_owned());
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(_) => {
                // A stale lock (a build killed half-way): take it over.
                let _ = std::fs::remove_dir_all(&lock);
            }
        }
    }
    let result = async {
        if !stale() {
            return Ok(());
        }
        let npm = std::env::var("ENGINE_NPM").unwrap_or_else(|_| "npm".to_owned());
        let mut cmd = Command::new(npm);
        cmd.args(["run", "build"]).current_dir(sdk);
        info(reporter, "building the Node SDK (native addon and JavaScript; first use after a change, takes a few minutes)".to_owned());
        setup_command(cmd, "building the Node SDK (npm run build in sdk-node)", reporter).await
    }
    .await;
    let _ = std::fs::remove_dir_all(&lock);
    result
}

/// `node_modules/engine-sdk` → the SDK folder (a symlink), unless the program installed a
/// package of that name itself.
fn link(sdk: &Path, installed: &Path) -> Result<(), String> {
    let target = sdk.canonicalize().map_err(|e| format!("{}: {e}", sdk.display()))?;
    match std::fs::symlink_metadata(installed) {
        Ok(meta) if meta.file_type().is_symlink() => {
            if std::fs::read_link(installed).is_ok_and(|current| current == target) {
                return Ok(());
            }
            std::fs::remove_file(installed).map_err(|e| format!("{}: {e}", installed.display()))?;
        }
        Ok(_) => return Ok(()),
        Err(_) => {}
    }
    if let Some(parent) = installed.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&target, installed).map_err(|e| format!("linking {}: {e}", installed.display()))
    }
    #[cfg(not(unix))]
    {
        Err(format!("linking {}: only supported on Unix; install engine-sdk into the program", installed.display()))
    }
}
