//! Text shared by the human views: colours, symbols, values, summaries.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use engine_deploy::StepOp;
use engine_deploy::events::{Operation, PropertyDiff};
use serde_json::Value;

/// ANSI colours, or nothing (`NO_COLOR`, not a terminal).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    }
    pub(crate) fn green(self, t: &str) -> String {
        self.paint("32", t)
    }
    pub(crate) fn red(self, t: &str) -> String {
        self.paint("31", t)
    }
    pub(crate) fn yellow(self, t: &str) -> String {
        self.paint("33", t)
    }
    pub(crate) fn magenta(self, t: &str) -> String {
        self.paint("35", t)
    }
    pub(crate) fn dim(self, t: &str) -> String {
        self.paint("2", t)
    }
    pub(crate) fn bold(self, t: &str) -> String {
        self.paint("1", t)
    }

    /// An operation's symbol, coloured.
    pub(crate) fn symbol(self, op: StepOp) -> String {
        let s = op.symbol();
        match op {
            StepOp::Create | StepOp::Import => self.green(s),
            StepOp::Update | StepOp::Refresh => self.yellow(s),
            StepOp::Replace => self.magenta(s),
            StepOp::Delete | StepOp::DeleteReplaced | StepOp::Discard => self.red(s),
            _ => s.to_owned(),
        }
    }
}

/// Whether colours are wanted on a stream that is (or is not) a terminal.
pub(crate) fn color_enabled(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A value in one line.
pub(crate) fn value_text(v: &Value) -> String {
    let text = match v {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    if text.chars().count() > 120 {
        let cut: String = text.chars().take(117).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// The property lines of a diff.
pub(crate) fn diff_lines(diff: &[PropertyDiff], style: Style, indent: &str) -> Vec<String> {
    diff.iter()
        .map(|d| {
            let path = d.path.trim_start_matches('/');
            let mut line = match (&d.old, &d.new) {
                (Some(old), Some(new)) => {
                    format!("{indent}{} {path}: {} → {}", style.yellow("~"), value_text(old), value_text(new))
                }
                (None, Some(new)) => format!("{indent}{} {path}: {}", style.green("+"), value_text(new)),
                (Some(old), None) => format!("{indent}{} {path}: {}", style.red("-"), value_text(old)),
                (None, None) => format!("{indent}  {path}"),
            };
            if let Some(reason) = &d.replace_reason {
                let _ = write!(line, " {}", style.magenta(&format!("(forces replacement: {reason})")));
            }
            line
        })
        .collect()
}

pub(crate) fn seconds(ms: u64) -> String {
    #[expect(clippy::cast_precision_loss, reason = "milliseconds of a run fit in f64 exactly")]
    let s = ms as f64 / 1000.0;
    if s < 60.0 { format!("{s:.1}s") } else { format!("{}m{:02}s", ms / 60_000, (ms / 1000) % 60) }
}

/// What a preview calls an operation.
pub(crate) fn planned_word(op: StepOp) -> &'static str {
    match op {
        StepOp::Same => "unchanged",
        StepOp::Create => "create",
        StepOp::Update => "update",
        StepOp::Replace => "replace",
        StepOp::Delete => "delete",
        StepOp::Read => "read",
        StepOp::Import => "import",
        StepOp::Refresh => "drift",
        StepOp::Discard => "forget",
        StepOp::DeleteReplaced => "delete (replaced)",
    }
}

/// `Resources: 4 created, 2 unchanged · Duration: 2.4s`.
pub(crate) fn summary_line(
    operation: Operation,
    dry_run: bool,
    counts: &BTreeMap<StepOp, usize>,
    duration_ms: u64,
    errors: usize,
    style: Style,
) -> String {
    let mut parts: Vec<String> = Vec::new();
    for (op, n) in counts {
        if *op == StepOp::DeleteReplaced && !dry_run {
            continue; // counted within "replaced"
        }
        let text = if dry_run {
            match op {
                StepOp::Same => format!("{n} unchanged"),
                StepOp::Refresh => format!("{n} drifted"),
                StepOp::DeleteReplaced => continue,
                other => format!("{n} to {}", planned_word(*other)),
            }
        } else if operation == Operation::Refresh && *op == StepOp::Refresh {
            format!("{n} drifted (recorded)")
        } else {
            format!("{n} {}", op.past())
        };
        parts.push(text);
    }
    let counts_text = if parts.is_empty() { "no changes".to_owned() } else { parts.join(", ") };
    let mut line = format!("{} {counts_text}", style.bold("Resources:"));
    if errors > 0 {
        let _ = write!(line, " · {}", style.red(&format!("{errors} error(s)")));
    }
    let _ = write!(line, " · Duration: {}", seconds(duration_ms));
    line
}

/// The heading of a run.
pub(crate) fn start_line(operation: Operation, dry_run: bool, stack: &str, cloud: &str, region: &str) -> String {
    let verb = match (operation, dry_run) {
        (Operation::Preview | Operation::Up, true) => "Previewing update of",
        (Operation::Up, false) => "Updating",
        (Operation::Destroy, true) => "Previewing destroy of",
        (Operation::Destroy, false) => "Destroying",
        (Operation::Refresh, true) => "Previewing refresh of",
        (Operation::Refresh, false) => "Refreshing",
        (Operation::Preview, false) => "Previewing",
    };
    format!("{verb} stack {stack} ({cloud}, {region}):")
}

/// Depth of a resource in the tree, from its URN's type chain.
pub(crate) fn depth(urn: &str) -> usize {
    engine_proto::parse_urn(urn).map_or(0, |p| p.type_chain.len().saturating_sub(1))
}
