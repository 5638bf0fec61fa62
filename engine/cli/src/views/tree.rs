//! On a terminal: finished resources are printed as a tree (indented by their parent chain) as
//! they finish; below them a live region shows what is in flight, with a spinner and the time
//! each has taken, and a status line. Redrawn at most ten times a second.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use engine_deploy::events::{Event, Operation};
use engine_deploy::{EventSink, StepOp, TimedEvent};

use super::format::{self, Style};
use super::plain::lines;
use super::{View, ViewOptions};

const SPINNER: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const MAX_LIVE_ROWS: usize = 12;

struct Running {
    type_name: String,
    name: String,
    op: StepOp,
    depth: usize,
    since: Instant,
}

#[derive(Default)]
struct TreeState {
    dry_run: bool,
    operation: Option<Operation>,
    running: BTreeMap<String, Running>,
    done: usize,
    failed: usize,
    started: Option<Instant>,
    /// Lines of the live region currently on screen.
    drawn: usize,
    frame: usize,
    finished: bool,
}

pub(crate) struct TreeView {
    /// Terminal columns.
    width: usize,
    options: ViewOptions,
    style: Style,
    state: Mutex<TreeState>,
    closed: AtomicBool,
}

impl TreeView {
    pub(crate) fn start(options: ViewOptions, style: Style) -> Arc<dyn View> {
        let view = Arc::new(TreeView {
            width: terminal_width(),
            options,
            style,
            state: Mutex::new(TreeState::default()),
            closed: AtomicBool::new(false),
        });
        let ticker = view.clone();
        std::thread::spawn(move || {
            while !ticker.closed.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(100));
                ticker.redraw(&[]);
            }
        });
        view
    }

    /// Clear the live region, print `permanent` lines, draw the live region again.
    fn redraw(&self, permanent: &[String]) {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut out = String::new();
        if state.drawn > 0 {
            out.push_str(&format!("\x1b[{}A", state.drawn));
            out.push_str("\x1b[0J");
        }
        for line in permanent {
            out.push_str(line);
            out.push('\n');
        }
        state.frame += 1;
        let mut live = Vec::new();
        if !state.finished && !state.dry_run && state.started.is_some() {
            let mut rows: Vec<&Running> = state.running.values().collect();
            rows.sort_by_key(|r| r.since);
            for row in rows.iter().take(MAX_LIVE_ROWS) {
                let spin = SPINNER[state.frame % SPINNER.len()];
                let indent = "  ".repeat(row.depth + 1);
                let rest = format!(
                    "{} {}  {}  {}",
                    ing(row.op),
                    row.type_name,
                    row.name,
                    format::seconds(u64::try_from(row.since.elapsed().as_millis()).unwrap_or(0))
                );
                // One screen line per row, or the cursor arithmetic of the redraw breaks.
                let room = self.width.saturating_sub(indent.len() + 3);
                let rest: String = if rest.chars().count() > room { rest.chars().take(room).collect() } else { rest };
                live.push(format!("{indent}{} {rest}", self.style.yellow(spin)));
            }
            if rows.len() > MAX_LIVE_ROWS {
                live.push(format!("    ... and {} more in flight", rows.len() - MAX_LIVE_ROWS));
            }
            let elapsed = state.started.map(|s| u64::try_from(s.elapsed().as_millis()).unwrap_or(0)).unwrap_or(0);
            let mut status = format!("  {} done · {} in flight", state.done, state.running.len());
            if state.failed > 0 {
                status.push_str(&format!(" · {}", self.style.red(&format!("{} failed", state.failed))));
            }
            status.push_str(&format!(" · {}", format::seconds(elapsed)));
            live.push(self.style.dim(&status));
        }
        for line in &live {
            out.push_str(line);
            out.push('\n');
        }
        state.drawn = live.len();
        if !out.is_empty() {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(out.as_bytes());
            let _ = stdout.flush();
        }
    }
}

/// The terminal's width: `stty size` on the controlling terminal, else `COLUMNS`, else 100.
fn terminal_width() -> usize {
    let from_stty = std::fs::File::open("/dev/tty").ok().and_then(|tty| {
        let out = std::process::Command::new("stty").arg("size").stdin(tty).output().ok()?;
        String::from_utf8_lossy(&out.stdout).split_whitespace().nth(1)?.parse::<usize>().ok()
    });
    from_stty.or_else(|| std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok())).filter(|w| *w >= 20).unwrap_or(100)
}

fn ing(op: StepOp) -> &'static str {
    match op {
        StepOp::Create => "creating",
        StepOp::Update => "updating",
        StepOp::Replace => "replacing",
        StepOp::Delete | StepOp::DeleteReplaced => "deleting",
        StepOp::Read => "reading",
        StepOp::Import => "importing",
        StepOp::Refresh => "refreshing",
        StepOp::Discard => "forgetting",
        StepOp::Same => "checking",
    }
}

impl EventSink for TreeView {
    fn event(&self, event: &TimedEvent) {
        let (dry_run, operation) = {
            let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match &event.event {
                Event::Start { dry_run, operation, .. } => {
                    state.dry_run = *dry_run;
                    state.operation = Some(*operation);
                    state.started = Some(Instant::now());
                    state.finished = false;
                    state.running.clear();
                    state.done = 0;
                    state.failed = 0;
                }
                Event::StepStarted { urn, type_name, name, op } => {
                    state.running.insert(
                        urn.clone(),
                        Running {
                            type_name: type_name.clone(),
                            name: name.clone(),
                            op: *op,
                            depth: format::depth(urn),
                            since: Instant::now(),
                        },
                    );
                }
                Event::StepDone { urn, ok, .. } => {
                    state.running.remove(urn);
                    if *ok {
                        state.done += 1;
                    } else {
                        state.failed += 1;
                    }
                }
                Event::Summary { .. } => state.finished = true,
                _ => {}
            }
            (state.dry_run, state.operation)
        };
        let permanent = lines(&event.event, dry_run, operation, self.options, self.style);
        if !permanent.is_empty() || matches!(event.event, Event::StepStarted { .. } | Event::Summary { .. }) {
            self.redraw(&permanent);
        }
    }
}

impl View for TreeView {
    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        {
            let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            state.finished = true;
        }
        self.redraw(&[]);
    }
}
