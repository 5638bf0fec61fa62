//! Running one process and measuring it: wall time, peak resident memory of that process alone
//! (`VmHWM` from `/proc/<pid>/status`, polled every 10 ms; the peak is monotonic so the last
//! reading before exit is the peak, short of a spike in the last 10 ms), CPU time (its own and
//! its reaped children's: the program it ran), and bytes it wrote to storage
//! (`write_bytes` of `/proc/<pid>/io`, read after it exited but before it is reaped:
//! `waitid(WNOWAIT)`).

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

/// What one process did.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    pub code: i32,
    pub wall: Duration,
    /// Peak resident set of the process itself, bytes (0: never read).
    pub peak_rss: u64,
    /// User + system CPU of the process and of the children it waited for, seconds.
    pub cpu: f64,
    /// Bytes the process caused to be written to the storage layer (`write_bytes`).
    pub write_bytes: u64,
}

fn vm_hwm_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn write_bytes(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/io"))
        .ok()
        .and_then(|io| io.lines().find_map(|l| l.strip_prefix("write_bytes:")).and_then(|v| v.trim().parse().ok()))
        .unwrap_or(0)
}

/// Wait until `pid` has exited without reaping it (its `/proc` entry stays readable).
#[allow(unsafe_code)]
fn wait_exited_not_reaped(pid: u32) -> Result<()> {
    loop {
        // SAFETY: `info` is a plain C struct the kernel fills; zeroed is a valid value.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: waitid with a valid pointer to `info`; WNOWAIT leaves the child waitable.
        let rc = unsafe { libc::waitid(libc::P_PID, pid as libc::id_t, &raw mut info, libc::WEXITED | libc::WNOWAIT) };
        if rc == 0 {
            return Ok(());
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(error).context("waitid");
        }
    }
}

/// Reap `pid`: its exit code and CPU seconds (its own and its reaped children's).
#[allow(unsafe_code)]
fn reap(pid: u32) -> Result<(i32, f64)> {
    let mut status: libc::c_int = 0;
    // SAFETY: zeroed rusage is valid; wait4 writes into the two pointers we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let rc = unsafe { libc::wait4(pid as libc::pid_t, &raw mut status, 0, &raw mut usage) };
    if rc < 0 {
        return Err(std::io::Error::last_os_error()).context("wait4");
    }
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Ok((code, seconds(usage.ru_utime) + seconds(usage.ru_stime)))
}

/// Run `cmd` to its end with stdout and stderr into files; measure it.
pub fn run(mut cmd: Command, stdout: &Path, stderr: &Path) -> Result<Measured> {
    cmd.stdin(Stdio::null())
        .stdout(std::fs::File::create(stdout).with_context(|| stdout.display().to_string())?)
        .stderr(std::fs::File::create(stderr).with_context(|| stderr.display().to_string())?);
    let started = Instant::now();
    let child = cmd.spawn().with_context(|| format!("starting {cmd:?}"))?;
    let pid = child.id();
    let peak = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let poller = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                if let Some(hwm) = vm_hwm_bytes(pid) {
                    peak.fetch_max(hwm, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    wait_exited_not_reaped(pid)?;
    let wall = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let _ = poller.join();
    let written = write_bytes(pid);
    // `child` is reaped here by hand (its handle is dropped without waiting).
    let (code, cpu) = reap(pid)?;
    drop(child);
    Ok(Measured { code, wall, peak_rss: peak.load(Ordering::Relaxed), cpu, write_bytes: written })
}

/// A long-running helper process (the local cloud), stopped with SIGTERM on drop.
pub struct Background {
    child: std::process::Child,
}

impl Background {
    /// Start `cmd` and read its stdout until a line starts with `prefix`; the rest of that line.
    pub fn start(mut cmd: Command, prefix: &str, log: &Path) -> Result<(Self, String)> {
        use std::io::BufRead as _;
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(std::fs::File::create(log)?);
        let mut child = cmd.spawn().with_context(|| format!("starting {cmd:?}"))?;
        let Some(out) = child.stdout.take() else { bail!("no stdout") };
        let mut lines = std::io::BufReader::new(out).lines();
        let found = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(rest) = line.strip_prefix(prefix) {
                        break rest.trim().to_owned();
                    }
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    bail!("{cmd:?} ended before printing {prefix:?}: see {}", log.display());
                }
            }
        };
        // Keep draining stdout so the helper never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Ok((Background { child }, found))
    }

    /// CPU seconds (user + system) the process has used so far.
    #[allow(unsafe_code)]
    pub fn cpu_seconds(&self) -> f64 {
        // SAFETY: sysconf has no preconditions.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // Fields after the command name (which may hold spaces) start after the last ')'.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
        let value = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        (value(11) + value(12)) / ticks
    }

    /// SIGTERM, then wait (up to 20 s, then SIGKILL).
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Background {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
