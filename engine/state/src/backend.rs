//! Where state lives. The [`Backend`] trait is shaped after the primitives an object store such
//! as S3 offers, so an `s3://` backend can follow the `file://` one implemented here:
//!
//! | primitive | file backend | S3 backend (to come) |
//! |---|---|---|
//! | `get` | read the file; version = SHA-256 prefix of the content | `GetObject`; version = ETag |
//! | `put(IfAbsent)` | write a temp file, fsync, `link(2)` (fails if present) | `PutObject` with `If-None-Match: *` |
//! | `put(IfMatch(v))` | under an `flock`ed mutex file: compare version, temp + rename | `PutObject` with `If-Match: v` |
//! | `put(Always)` | temp file, fsync, rename, fsync folder | `PutObject` (atomic by nature) |
//! | `delete(cond)` | under the mutex: compare, unlink | `DeleteObject` with `If-Match` |
//! | `list(prefix)` | walk the folder | `ListObjectsV2` |
//! | journal `append` | `write` + `fdatasync` on one file | `PutObject If-None-Match` of the next numbered segment `journal/<first-seq>.seg` (one per group commit) |
//! | journal `truncate(len)` | `ftruncate` + `fdatasync` | segments are whole objects: a torn tail cannot exist; `truncate(0)` deletes the segments it covered |
//! | journal `read` | read the file | list + get the segments in order, concatenated |
//!
//! Conditional writes give the lock its atomicity on both: acquiring is a put-if-absent, the
//! heartbeat is a put-if-match on the version it last wrote, and release is a delete-if-match.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use sha2::{Digest, Sha256};

use crate::error::{Result, StateError};

/// Environment variable selecting the backend (`file://PATH`).
pub const BACKEND_URL_ENV: &str = "ENGINE_BACKEND_URL";

/// The precondition of a [`Backend::put`] or [`Backend::delete`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    Always,
    /// Only if no object exists under the key.
    IfAbsent,
    /// Only if the object's current version is this one.
    IfMatch(String),
}

/// An object and its version (an opaque string that changes whenever the content does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub data: Vec<u8>,
    pub version: String,
}

/// Storage for state, locks and journals, keyed by `/`-separated paths.
pub trait Backend: Send + Sync + fmt::Debug {
    /// The URL this backend was opened from (for messages).
    fn url(&self) -> String;

    /// Read an object; `None` if absent.
    ///
    /// # Errors
    /// I/O errors.
    fn get(&self, key: &str) -> Result<Option<Object>>;

    /// Write an object atomically (readers see the old or the new content, never a mix), if
    /// `condition` holds; returns the new version.
    ///
    /// # Errors
    /// [`StateError::PreconditionFailed`] when the condition does not hold; I/O errors.
    fn put(&self, key: &str, data: &[u8], condition: Condition) -> Result<String>;

    /// Delete an object if `condition` holds (`IfAbsent` is meaningless here and refused).
    /// Returns whether something was deleted.
    ///
    /// # Errors
    /// [`StateError::PreconditionFailed`]; I/O errors.
    fn delete(&self, key: &str, condition: Condition) -> Result<bool>;

    /// Keys starting with `prefix`, sorted.
    ///
    /// # Errors
    /// I/O errors.
    fn list(&self, prefix: &str) -> Result<Vec<String>>;

    /// Everything appended to the journal under `key` (empty if none).
    ///
    /// # Errors
    /// I/O errors.
    fn read_journal(&self, key: &str) -> Result<Vec<u8>>;

    /// Open the journal under `key` for appending (creating it if needed).
    ///
    /// # Errors
    /// I/O errors.
    fn open_journal(&self, key: &str) -> Result<Box<dyn JournalSink>>;
}

/// The append side of a journal. One writer at a time (the stack lock guarantees it).
pub trait JournalSink: Send + fmt::Debug {
    /// Append bytes; they are durable when this returns.
    ///
    /// # Errors
    /// I/O errors (the caller stops writing: the journal's tail is then undefined, and the next
    /// reader ignores a torn tail).
    fn append(&mut self, data: &[u8]) -> Result<()>;

    /// Cut the journal to `len` bytes (a torn tail found on open; or 0 after compaction), durably.
    ///
    /// # Errors
    /// I/O errors.
    fn truncate(&mut self, len: u64) -> Result<()>;

    /// Bytes in the journal.
    fn len(&self) -> u64;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Open the backend for a project: `url` (usually `ENGINE_BACKEND_URL`) if given, else
/// `file://<project_dir>/.engine`. Relative `file://` paths are taken from `project_dir`; `~/` is
/// the home folder.
///
/// # Errors
/// [`StateError::BackendUrl`] for an unknown scheme, or `s3://` (not implemented yet).
pub fn open_backend(url: Option<&str>, project_dir: &Path) -> Result<Arc<dyn Backend>> {
    let Some(url) = url.filter(|u| !u.trim().is_empty()) else {
        let dir = project_dir.join(engine_config::ENGINE_DIR);
        // Best effort: give `.engine/` its `.gitignore` so state is never committed by accident
        // (a read-only checkout can still be previewed).
        let _ = engine_config::ensure_engine_dir(&dir);
        return Ok(Arc::new(FileBackend::new(dir)));
    };
    let bad = |reason: &str| StateError::BackendUrl { url: url.to_owned(), reason: reason.to_owned() };
    if let Some(path) = url.strip_prefix("file://") {
        if path.is_empty() {
            return Err(bad("the path is empty (file:///absolute/path or file://relative/path)"));
        }
        let path = if let Some(rest) = path.strip_prefix("~/") {
            let home = std::env::var_os("HOME").ok_or_else(|| bad("`~` used but HOME is not set"))?;
            PathBuf::from(home).join(rest)
        } else {
            project_dir.join(path)
        };
        return Ok(Arc::new(FileBackend::new(path)));
    }
    if url.starts_with("s3://") {
        return Err(bad("the s3 backend is not implemented yet; use file://PATH"));
    }
    Err(bad("expected file://PATH"))
}

/// State in a local folder (default: the project's `.engine/`).
#[derive(Debug, Clone)]
pub struct FileBackend {
    root: PathBuf,
    /// Durable steps left before a simulated crash (`i64::MAX`: never). Shared by clones.
    faults: Arc<AtomicI64>,
}

impl FileBackend {
    #[must_use]
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into(), faults: Arc::new(AtomicI64::new(i64::MAX)) }
    }

    /// The folder.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Crash simulation for tests: after `steps` more durable steps (a file written, fsynced,
    /// renamed, a folder fsynced, a journal written, truncated...), every step of this backend and
    /// its clones fails as if the process had died there, leaving the files exactly as they are.
    /// `i64::MAX` turns it off.
    #[doc(hidden)]
    pub fn simulate_crash_after(&self, steps: i64) {
        self.faults.store(steps, Ordering::SeqCst);
    }

    fn path(&self, key: &str) -> Result<PathBuf> {
        if key.is_empty() || key.split('/').any(|part| part.is_empty() || part == "." || part == "..") {
            return Err(StateError::Invalid(format!("bad backend key `{key}`")));
        }
        Ok(self.root.join(key))
    }

    fn location(&self, key: &str) -> String {
        self.root.join(key).display().to_string()
    }

    fn step(&self, what: &str) -> Result<()> {
        step(&self.faults, what)
    }

    /// Serialise conditional operations on a folder across processes (and threads).
    fn mutex(&self, dir: &Path) -> Result<File> {
        fs::create_dir_all(dir).map_err(|e| StateError::io(dir.display(), e))?;
        let path = dir.join(".mutex");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| StateError::io(path.display(), e))?;
        rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)
            .map_err(|e| StateError::io(path.display(), e.into()))?;
        Ok(file)
    }

    fn read_version(path: &Path) -> Result<Option<Object>> {
        match fs::read(path) {
            Ok(data) => {
                let version = version_of(&data);
                Ok(Some(Object { data, version }))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(StateError::io(path.display(), error)),
        }
    }

    fn write_temp(&self, path: &Path, data: &[u8]) -> Result<PathBuf> {
        let dir = path.parent().unwrap_or(&self.root);
        fs::create_dir_all(dir).map_err(|e| StateError::io(dir.display(), e))?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let temp = dir.join(format!(".{name}.tmp-{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()));
        self.step("write temp file")?;
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| StateError::io(temp.display(), e))?;
        file.write_all(data).map_err(|e| StateError::io(temp.display(), e))?;
        self.step("fsync temp file")?;
        file.sync_all().map_err(|e| StateError::io(temp.display(), e))?;
        Ok(temp)
    }

    fn sync_dir(&self, dir: &Path) -> Result<()> {
        self.step("fsync folder")?;
        File::open(dir).and_then(|d| d.sync_all()).map_err(|e| StateError::io(dir.display(), e))
    }
}

impl Backend for FileBackend {
    fn url(&self) -> String {
        format!("file://{}", self.root.display())
    }

    fn get(&self, key: &str) -> Result<Option<Object>> {
        Self::read_version(&self.path(key)?)
    }

    fn put(&self, key: &str, data: &[u8], condition: Condition) -> Result<String> {
        let path = self.path(key)?;
        let dir = path.parent().unwrap_or(&self.root).to_path_buf();
        let _guard = match condition {
            Condition::Always => None,
            _ => Some(self.mutex(&dir)?),
        };
        if let Condition::IfMatch(expected) = &condition {
            let current = Self::read_version(&path)?;
            if current.as_ref().map(|o| &o.version) != Some(expected) {
                return Err(StateError::PreconditionFailed { location: self.location(key) });
            }
        }
        let temp = self.write_temp(&path, data)?;
        let outcome = if condition == Condition::IfAbsent {
            self.step("link into place").and_then(|()| match fs::hard_link(&temp, &path) {
                Ok(()) => Ok(()),
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                    Err(StateError::PreconditionFailed { location: self.location(key) })
                }
                Err(error) => Err(StateError::io(path.display(), error)),
            })
        } else {
            self.step("rename into place")
                .and_then(|()| fs::rename(&temp, &path).map_err(|e| StateError::io(path.display(), e)))
        };
        if outcome.is_err() && self.faults.load(Ordering::SeqCst) > 0 {
            let _ = fs::remove_file(&temp);
        }
        outcome?;
        if condition == Condition::IfAbsent {
            let _ = fs::remove_file(&temp);
        }
        self.sync_dir(&dir)?;
        Ok(version_of(data))
    }

    fn delete(&self, key: &str, condition: Condition) -> Result<bool> {
        let path = self.path(key)?;
        let dir = path.parent().unwrap_or(&self.root).to_path_buf();
        let _guard = match condition {
            Condition::Always => None,
            Condition::IfAbsent => return Err(StateError::Invalid("delete-if-absent makes no sense".to_owned())),
            Condition::IfMatch(_) => Some(self.mutex(&dir)?),
        };
        if let Condition::IfMatch(expected) = &condition {
            match Self::read_version(&path)? {
                None => return Err(StateError::PreconditionFailed { location: self.location(key) }),
                Some(current) if &current.version != expected => {
                    return Err(StateError::PreconditionFailed { location: self.location(key) });
                }
                Some(_) => {}
            }
        }
        self.step("unlink")?;
        match fs::remove_file(&path) {
            Ok(()) => {
                self.sync_dir(&dir)?;
                Ok(true)
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(error) => Err(StateError::io(path.display(), error)),
        }
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let mut keys = Vec::new();
        let mut stack = vec![self.root.clone()];
        while let Some(dir) = stack.pop() {
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
                Err(error) => return Err(StateError::io(dir.display(), error)),
            };
            for entry in entries {
                let entry = entry.map_err(|e| StateError::io(dir.display(), e))?;
                let path = entry.path();
                let Ok(relative) = path.strip_prefix(&self.root) else { continue };
                let key = relative.to_string_lossy().replace(std::path::MAIN_SEPARATOR, "/");
                let file_type = entry.file_type().map_err(|e| StateError::io(path.display(), e))?;
                if file_type.is_dir() {
                    // Only descend where the prefix can still match.
                    let as_dir = format!("{key}/");
                    if as_dir.starts_with(prefix) || prefix.starts_with(&as_dir) {
                        stack.push(path);
                    }
                } else if key.starts_with(prefix) && !key.rsplit('/').next().unwrap_or("").starts_with('.') {
                    keys.push(key);
                }
            }
        }
        keys.sort();
        Ok(keys)
    }

    fn read_journal(&self, key: &str) -> Result<Vec<u8>> {
        let path = self.path(key)?;
        let mut data = Vec::new();
        match File::open(&path) {
            Ok(mut file) => {
                file.read_to_end(&mut data).map_err(|e| StateError::io(path.display(), e))?;
                Ok(data)
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(data),
            Err(error) => Err(StateError::io(path.display(), error)),
        }
    }

    fn open_journal(&self, key: &str) -> Result<Box<dyn JournalSink>> {
        let path = self.path(key)?;
        let dir = path.parent().unwrap_or(&self.root).to_path_buf();
        fs::create_dir_all(&dir).map_err(|e| StateError::io(dir.display(), e))?;
        let existed = path.exists();
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| StateError::io(path.display(), e))?;
        if !existed {
            self.sync_dir(&dir)?;
        }
        let len = file.metadata().map_err(|e| StateError::io(path.display(), e))?.len();
        Ok(Box::new(FileJournal { file, path, len, faults: self.faults.clone() }))
    }
}

#[derive(Debug)]
struct FileJournal {
    file: File,
    path: PathBuf,
    len: u64,
    faults: Arc<AtomicI64>,
}

impl JournalSink for FileJournal {
    fn append(&mut self, data: &[u8]) -> Result<()> {
        step(&self.faults, "journal write")?;
        self.file.write_all(data).map_err(|e| StateError::io(self.path.display(), e))?;
        self.len += data.len() as u64;
        step(&self.faults, "journal fsync")?;
        self.file.sync_data().map_err(|e| StateError::io(self.path.display(), e))
    }

    fn truncate(&mut self, len: u64) -> Result<()> {
        step(&self.faults, "journal truncate")?;
        self.file.set_len(len).map_err(|e| StateError::io(self.path.display(), e))?;
        self.len = len;
        step(&self.faults, "journal truncate fsync")?;
        self.file.sync_data().map_err(|e| StateError::io(self.path.display(), e))
    }

    fn len(&self) -> u64 {
        self.len
    }
}

fn step(faults: &AtomicI64, what: &str) -> Result<()> {
    if faults.load(Ordering::SeqCst) == i64::MAX {
        return Ok(());
    }
    if faults.fetch_sub(1, Ordering::SeqCst) <= 0 {
        faults.store(0, Ordering::SeqCst);
        return Err(StateError::io(format!("simulated crash before: {what}"), std::io::Error::other("simulated crash")));
    }
    Ok(())
}

fn version_of(data: &[u8]) -> String {
    hex::encode(&Sha256::digest(data)[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditional_puts_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let backend = FileBackend::new(dir.path());
        let v1 = backend.put("a/lock.json", b"one", Condition::IfAbsent).unwrap();
        assert!(matches!(backend.put("a/lock.json", b"two", Condition::IfAbsent), Err(StateError::PreconditionFailed { .. })));
        let v2 = backend.put("a/lock.json", b"two", Condition::IfMatch(v1.clone())).unwrap();
        assert!(matches!(backend.put("a/lock.json", b"3", Condition::IfMatch(v1.clone())), Err(StateError::PreconditionFailed { .. })));
        assert_eq!(backend.get("a/lock.json").unwrap().unwrap(), Object { data: b"two".to_vec(), version: v2.clone() });
        assert!(matches!(backend.delete("a/lock.json", Condition::IfMatch(v1)), Err(StateError::PreconditionFailed { .. })));
        assert!(backend.delete("a/lock.json", Condition::IfMatch(v2)).unwrap());
        assert!(!backend.delete("a/lock.json", Condition::Always).unwrap());
        assert!(backend.get("a/lock.json").unwrap().is_none());
        backend.put("a/b/c", b"x", Condition::Always).unwrap();
        backend.put("a/d", b"x", Condition::Always).unwrap();
        assert_eq!(backend.list("a/").unwrap(), ["a/b/c", "a/d"]);
        assert_eq!(backend.list("a/b").unwrap(), ["a/b/c"]);
        assert!(backend.get("../x").is_err());
        // No temporary files are left behind.
        let names: Vec<_> = fs::read_dir(dir.path().join("a")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert!(names.iter().all(|n| !n.to_string_lossy().contains(".tmp-")), "{names:?}");
    }

    #[test]
    fn urls() {
        let project = Path::new("/p");
        let dir = tempfile::tempdir().unwrap();
        let default = open_backend(None, dir.path()).unwrap();
        assert_eq!(default.url(), format!("file://{}/.engine", dir.path().display()));
        assert!(dir.path().join(".engine/.gitignore").exists());
        assert_eq!(open_backend(Some("file:///srv/state"), project).unwrap().url(), "file:///srv/state");
        assert_eq!(open_backend(Some("file://state"), project).unwrap().url(), "file:///p/state");
        assert!(open_backend(Some("s3://bucket"), project).unwrap_err().to_string().contains("not implemented"));
        assert!(open_backend(Some("gs://bucket"), project).is_err());
    }
}
