//! One stack, one writer: an exclusive lock object with its holder's identity and a heartbeat.
//!
//! Acquiring is a put-if-absent of `lock.json`; a background thread refreshes its `heartbeat`
//! with a put-if-match on the version it last wrote (so a lock broken by `engine cancel` is noticed:
//! the holder stops writing); releasing is a delete-if-match. A lock is stale, and taken over
//! automatically, when its holder ran on this host and that process is gone (or its pid now
//! belongs to another process), or when its heartbeat is older than [`STALE_AFTER_BEATS`]
//! intervals.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::backend::{Backend, Condition};
use crate::error::{Result, StateError};
use crate::time;

/// The lock file's format version.
pub const LOCK_VERSION: u64 = 1;
/// A heartbeat older than this many intervals marks the lock stale.
pub const STALE_AFTER_BEATS: u64 = 6;

/// How to take a lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockOptions {
    /// What the holder is doing, shown to whoever is refused (`engine up`).
    pub command: String,
    /// How often the heartbeat is refreshed (default 10 s; stale after 6 missed beats).
    pub heartbeat_interval: Duration,
    /// How long to wait for a live lock to be released before giving up (default 0: refuse at once).
    pub wait: Duration,
}

impl Default for LockOptions {
    fn default() -> Self {
        Self { command: "engine".to_owned(), heartbeat_interval: Duration::from_secs(10), wait: Duration::ZERO }
    }
}

/// Who holds a lock (the content of `lock.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockInfo {
    pub format: String,
    pub version: u64,
    /// Random, unique per acquisition.
    pub id: String,
    /// The user name.
    pub owner: String,
    pub host: String,
    pub pid: u32,
    /// The process's start time (Linux clock ticks since boot), to tell a reused pid apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_start: Option<u64>,
    pub command: String,
    /// RFC 3339 UTC.
    pub started: String,
    /// RFC 3339 UTC, refreshed every `heartbeatIntervalMs`.
    pub heartbeat: String,
    pub heartbeat_interval_ms: u64,
}

impl LockInfo {
    fn for_this_process(command: &str, interval: Duration) -> Self {
        let now = time::now_rfc3339();
        let pid = std::process::id();
        Self {
            format: "engine-lock".to_owned(),
            version: LOCK_VERSION,
            id: uuid::Uuid::new_v4().to_string(),
            owner: current_user(),
            host: host_name(),
            pid,
            process_start: process_start_time(pid),
            command: command.to_owned(),
            started: now.clone(),
            heartbeat: now,
            heartbeat_interval_ms: u64::try_from(interval.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// Why this lock is stale (its holder is gone), or `None` if it may still be held.
    #[must_use]
    pub fn stale_reason(&self, now_ms: u64) -> Option<String> {
        if self.host == host_name() {
            match process_alive(self.pid) {
                Some(false) => return Some(format!("process {} on this host ({}) is gone", self.pid, self.host)),
                Some(true) => {
                    let current = process_start_time(self.pid);
                    if let (Some(recorded), Some(current)) = (self.process_start, current)
                        && recorded != current
                    {
                        return Some(format!("process {} on this host exited (its pid was reused)", self.pid));
                    }
                }
                None => {}
            }
        }
        let beat = time::parse_ms(&self.heartbeat)?;
        let limit = self.heartbeat_interval_ms.max(1000).saturating_mul(STALE_AFTER_BEATS);
        let age = now_ms.saturating_sub(beat);
        (age > limit).then(|| {
            format!(
                "its last heartbeat was {} ago (expected every {})",
                time::human_duration(Duration::from_millis(age)),
                time::human_duration(Duration::from_millis(self.heartbeat_interval_ms))
            )
        })
    }
}

struct LockShared {
    backend: Arc<dyn Backend>,
    key: String,
    stack: String,
    info: Mutex<LockInfo>,
    version: Mutex<String>,
    lost: AtomicBool,
    stop: Mutex<bool>,
    wake: Condvar,
}

/// A held stack lock. Release it with [`StackLock::release`]; dropping it releases it too
/// (best effort). The heartbeat runs on a background thread while it is held.
pub struct StackLock {
    shared: Arc<LockShared>,
    thread: Option<JoinHandle<()>>,
    replaced: Option<(LockInfo, String)>,
    released: bool,
}

impl std::fmt::Debug for StackLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StackLock").field("key", &self.shared.key).field("lost", &self.is_lost()).finish_non_exhaustive()
    }
}

impl StackLock {
    pub(crate) fn acquire(backend: Arc<dyn Backend>, key: &str, stack: &str, options: &LockOptions) -> Result<Self> {
        let deadline = Instant::now() + options.wait;
        let mut replaced = None;
        loop {
            let info = LockInfo::for_this_process(&options.command, options.heartbeat_interval);
            let data = serde_json::to_vec_pretty(&info).map_err(|e| StateError::Invalid(e.to_string()))?;
            match backend.put(key, &data, Condition::IfAbsent) {
                Ok(version) => {
                    let shared = Arc::new(LockShared {
                        backend,
                        key: key.to_owned(),
                        stack: stack.to_owned(),
                        info: Mutex::new(info),
                        version: Mutex::new(version),
                        lost: AtomicBool::new(false),
                        stop: Mutex::new(false),
                        wake: Condvar::new(),
                    });
                    let thread = {
                        let shared = shared.clone();
                        let interval = options.heartbeat_interval;
                        std::thread::Builder::new()
                            .name(format!("engine-lock-{stack}"))
                            .spawn(move || heartbeat(&shared, interval))
                            .map_err(|e| StateError::io("starting the lock heartbeat", e))?
                    };
                    return Ok(Self { shared, thread: Some(thread), replaced, released: false });
                }
                Err(StateError::PreconditionFailed { .. }) => {}
                Err(other) => return Err(other),
            }
            // Someone holds it: stale, or wait, or refuse.
            let Some(current) = backend.get(key)? else { continue };
            let holder = parse_lock(&current.data);
            if let Some(reason) = holder.stale_reason(time::now_ms()) {
                match backend.delete(key, Condition::IfMatch(current.version)) {
                    Ok(_) | Err(StateError::PreconditionFailed { .. }) => {}
                    Err(other) => return Err(other),
                }
                replaced = Some((holder, reason));
                continue;
            }
            if Instant::now() >= deadline {
                return Err(StateError::Locked { stack: stack.to_owned(), holder: Box::new(holder), backend: backend.url() });
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Who holds it (this process).
    #[must_use]
    pub fn info(&self) -> LockInfo {
        self.shared.info.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// A stale lock this acquisition took over, and why it was stale (the CLI should say so).
    #[must_use]
    pub fn replaced_stale(&self) -> Option<&(LockInfo, String)> {
        self.replaced.as_ref()
    }

    /// Whether the lock was broken by someone else; the holder must stop writing.
    #[must_use]
    pub fn is_lost(&self) -> bool {
        self.shared.lost.load(Ordering::SeqCst)
    }

    pub(crate) fn key(&self) -> &str {
        &self.shared.key
    }

    pub(crate) fn stack(&self) -> &str {
        &self.shared.stack
    }

    /// Stop the heartbeat and delete the lock (if it is still ours).
    ///
    /// # Errors
    /// I/O errors deleting it.
    pub fn release(mut self) -> Result<()> {
        self.release_inner()
    }

    fn release_inner(&mut self) -> Result<()> {
        if self.released {
            return Ok(());
        }
        self.released = true;
        *self.shared.stop.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.shared.wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        if self.is_lost() {
            return Ok(());
        }
        let version = self.shared.version.lock().unwrap_or_else(PoisonError::into_inner).clone();
        match self.shared.backend.delete(&self.shared.key, Condition::IfMatch(version)) {
            Ok(_) | Err(StateError::PreconditionFailed { .. }) => Ok(()),
            Err(other) => Err(other),
        }
    }
}

impl Drop for StackLock {
    fn drop(&mut self) {
        let _ = self.release_inner();
    }
}

fn heartbeat(shared: &LockShared, interval: Duration) {
    loop {
        {
            let stop = shared.stop.lock().unwrap_or_else(PoisonError::into_inner);
            let (stop, _) = shared.wake.wait_timeout_while(stop, interval, |stop| !*stop).unwrap_or_else(PoisonError::into_inner);
            if *stop {
                return;
            }
        }
        let data = {
            let mut info = shared.info.lock().unwrap_or_else(PoisonError::into_inner);
            info.heartbeat = time::now_rfc3339();
            serde_json::to_vec_pretty(&*info)
        };
        let Ok(data) = data else { continue };
        let version = shared.version.lock().unwrap_or_else(PoisonError::into_inner).clone();
        match shared.backend.put(&shared.key, &data, Condition::IfMatch(version)) {
            Ok(new_version) => *shared.version.lock().unwrap_or_else(PoisonError::into_inner) = new_version,
            Err(StateError::PreconditionFailed { .. }) => {
                shared.lost.store(true, Ordering::SeqCst);
                return;
            }
            // Transient trouble: try again at the next beat (the lock goes stale only after several).
            Err(_) => {}
        }
    }
}

/// Read the lock object at `key`.
pub(crate) fn read_lock(backend: &dyn Backend, key: &str) -> Result<Option<LockInfo>> {
    Ok(backend.get(key)?.map(|object| parse_lock(&object.data)))
}

/// Delete the lock object at `key` unconditionally (`engine cancel`); returns who held it.
pub(crate) fn break_lock(backend: &dyn Backend, key: &str) -> Result<Option<LockInfo>> {
    let holder = read_lock(backend, key)?;
    backend.delete(key, Condition::Always)?;
    Ok(holder)
}

/// A lock file that cannot be read is treated as held by an unknown owner (never silently stale).
fn parse_lock(data: &[u8]) -> LockInfo {
    serde_json::from_slice(data).unwrap_or_else(|_| LockInfo {
        format: "engine-lock".to_owned(),
        version: 0,
        id: String::new(),
        owner: "an unknown owner (unreadable lock file)".to_owned(),
        host: "?".to_owned(),
        pid: 0,
        process_start: None,
        command: "?".to_owned(),
        started: "?".to_owned(),
        heartbeat: time::now_rfc3339(),
        heartbeat_interval_ms: 10_000,
    })
}

fn current_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| format!("uid {}", rustix::process::getuid().as_raw()))
}

fn host_name() -> String {
    rustix::system::uname().nodename().to_string_lossy().into_owned()
}

/// `Some(alive)`, or `None` when it cannot be told.
fn process_alive(pid: u32) -> Option<bool> {
    let pid = rustix::process::Pid::from_raw(i32::try_from(pid).ok()?)?;
    match rustix::process::test_kill_process(pid) {
        Ok(()) => Some(true),
        Err(rustix::io::Errno::SRCH) => Some(false),
        Err(rustix::io::Errno::PERM) => Some(true),
        Err(_) => None,
    }
}

/// Field 22 of `/proc/<pid>/stat` (Linux); `None` elsewhere.
fn process_start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may contain spaces.
    let after = &stat[stat.rfind(')')? + 2..];
    after.split(' ').nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staleness() {
        let mut info = LockInfo::for_this_process("engine up", Duration::from_secs(10));
        let now = time::now_ms();
        assert_eq!(info.stale_reason(now), None, "this process is alive");
        info.pid = 0x3fff_fff0; // no such process
        info.process_start = None;
        assert!(info.stale_reason(now).unwrap().contains("is gone"));
        let mut other_host = LockInfo::for_this_process("engine up", Duration::from_secs(10));
        other_host.host = "elsewhere".to_owned();
        assert_eq!(other_host.stale_reason(now), None);
        assert!(other_host.stale_reason(now + 61_000).unwrap().contains("last heartbeat"));
        let mut reused = LockInfo::for_this_process("engine up", Duration::from_secs(10));
        reused.process_start = reused.process_start.map(|s| s + 1);
        if reused.process_start.is_some() {
            assert!(reused.stale_reason(now).unwrap().contains("reused"));
        }
    }
}
