//! Small file helpers: atomic replacement and the project's `.engine/` folder.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{ConfigError, Result};

/// Replace `path` with `bytes` atomically: write a temporary file beside it, fsync it, rename it
/// over `path`, fsync the folder. Readers see the old or the new content, never a mix.
/// `mode` (unix permission bits) applies to the new file.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: Option<u32>) -> Result<()> {
    let dir = parent_of(path);
    let temp = temp_path(path);
    let outcome = (|| -> std::io::Result<()> {
        let mut file = create_new(&temp, mode)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)?;
        sync_dir(&dir)
    })();
    if outcome.is_err() {
        let _ = fs::remove_file(&temp);
    }
    outcome.map_err(|source| ConfigError::io(path, source))
}

/// Create `path` with `bytes` only if it does not exist yet, atomically (the complete content
/// appears at once or not at all). Returns `false` when it already existed.
pub fn write_if_absent(path: &Path, bytes: &[u8], mode: Option<u32>) -> Result<bool> {
    let dir = parent_of(path);
    let temp = temp_path(path);
    let outcome = (|| -> std::io::Result<bool> {
        let mut file = create_new(&temp, mode)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        // link(2) fails with EEXIST instead of replacing: the atomic "create if absent".
        let created = match fs::hard_link(&temp, path) {
            Ok(()) => true,
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => false,
            Err(error) => return Err(error),
        };
        fs::remove_file(&temp)?;
        sync_dir(&dir)?;
        Ok(created)
    })();
    if outcome.is_err() {
        let _ = fs::remove_file(&temp);
    }
    outcome.map_err(|source| ConfigError::io(path, source))
}

/// Create the project's `.engine/` folder (or any engine-owned folder) with a `.gitignore` that
/// ignores everything in it, so state, keys and local-cloud data are never committed by accident.
pub fn ensure_engine_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|source| ConfigError::io(dir, source))?;
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        write_if_absent(&ignore, b"# Created by engine: state, keys and local-cloud data are never committed.\n*\n", None)?;
    }
    Ok(())
}

pub(crate) fn read_to_string(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|source| ConfigError::io(path, source))
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut random = [0u8; 6];
    let _ = getrandom::fill(&mut random);
    let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
    parent_of(path).join(format!(".{name}.tmp-{}-{suffix}", std::process::id()))
}

fn create_new(path: &Path, mode: Option<u32>) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode.unwrap_or(0o644));
    }
    #[cfg(not(unix))]
    let _ = mode;
    options.open(path)
}

/// fsync a folder so a rename or a new entry in it survives a crash.
pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}
