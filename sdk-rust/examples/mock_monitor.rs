//! Serve the mock monitor until killed, for the bindings' tests and benchmarks:
//!
//! `cargo run -p engine-sdk --features testing --example mock_monitor [--dry-run]`
//!
//! Prints `ENGINE_MONITOR_ADDRESS=...` and `ENGINE_MONITOR_TOKEN=...` lines (then flushes), so a
//! test can start it, read two lines, and run a program with that environment. Stops when its
//! standard input closes.

use std::io::{BufRead, Write};

use engine_sdk::runtime::block_on;
use engine_sdk::testing::{MockMonitor, MockOptions};

fn main() -> std::io::Result<()> {
    let dry_run = std::env::args().any(|arg| arg == "--dry-run");
    let mock = block_on(MockMonitor::start(MockOptions { dry_run, ..MockOptions::default() }))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "ENGINE_MONITOR_ADDRESS={}", mock.address())?;
    writeln!(stdout, "ENGINE_MONITOR_TOKEN={}", mock.token())?;
    stdout.flush()?;
    drop(stdout);
    // Serve until stdin closes (the parent process went away or closed the pipe).
    for line in std::io::stdin().lock().lines() {
        if line.is_err() {
            break;
        }
    }
    let recorded = mock.recorded();
    eprintln!("mock monitor: {} registrations, {} finishes", recorded.registrations.len(), recorded.finishes.len());
    Ok(())
}
