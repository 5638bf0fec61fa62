//! Without a terminal (CI, pipes): one plain line per event, in order, nothing redrawn.

use std::io::Write;
use std::sync::Mutex;

use engine_deploy::events::{Event, Operation, Severity};
use engine_deploy::{EventSink, StepOp, TimedEvent};

use super::format::{self, Style};
use super::{View, ViewOptions};

pub(crate) struct PlainView {
    options: ViewOptions,
    style: Style,
    state: Mutex<PlainState>,
}

#[derive(Default)]
struct PlainState {
    dry_run: bool,
    operation: Option<Operation>,
}

impl PlainView {
    pub(crate) fn new(options: ViewOptions, style: Style) -> Self {
        Self { options, style, state: Mutex::new(PlainState::default()) }
    }
}

/// The lines an event prints (shared with the tree view for the permanent part).
pub(crate) fn lines(
    event: &Event,
    dry_run: bool,
    operation: Option<Operation>,
    options: ViewOptions,
    style: Style,
) -> Vec<String> {
    match event {
        Event::Start { operation, stack, cloud, region, dry_run, .. } => {
            vec![style.bold(&format::start_line(*operation, *dry_run, stack, cloud, region))]
        }
        Event::ProgramOutput { line, .. } => vec![format!("{} {line}", style.dim("[program]"))],
        Event::Log { severity, message, urn } => {
            let level = match severity {
                Severity::Debug => style.dim("debug"),
                Severity::Info => "info".to_owned(),
                Severity::Warning => style.yellow("warning"),
                Severity::Error => style.red("error"),
            };
            let at = urn.as_deref().map(|u| format!(" {u}:")).unwrap_or_default();
            vec![format!("{} {level}:{at} {message}", style.dim("[program]"))]
        }
        Event::StepPlanned { urn, type_name, name, op, diff, replace_reasons, delete_before_replace } => {
            let show = if dry_run { *op != StepOp::Same } else { options.diff && op.is_change() };
            if !show {
                return Vec::new();
            }
            let indent = "  ".repeat(format::depth(urn) + 1);
            let mut line = format!("{indent}{} {type_name}  {name}  {}", style.symbol(*op), format::planned_word(*op));
            if *op == StepOp::Replace {
                let order = if *delete_before_replace { "delete before create" } else { "create before delete" };
                line.push_str(&style.dim(&format!(" ({order})")));
            }
            let mut out = vec![line];
            if options.diff || !dry_run {
                out.extend(format::diff_lines(diff, style, &format!("{indent}    ")));
            }
            if !replace_reasons.is_empty() && (*op == StepOp::Replace || *op == StepOp::Delete) {
                let reasons: Vec<&String> = replace_reasons
                    .iter()
                    .filter(|r| !diff.iter().any(|d| d.replace_reason.as_ref() == Some(*r)))
                    .collect();
                if !reasons.is_empty() || !options.diff {
                    let all: Vec<&str> = replace_reasons.iter().map(String::as_str).collect();
                    out.push(format!("{indent}    {}", style.magenta(&format!("because {}", all.join("; ")))));
                }
            }
            out
        }
        Event::StepStarted { .. } => Vec::new(),
        Event::StepDone { urn, type_name, name, op, ok, elapsed_ms, error, .. } => {
            let indent = "  ".repeat(format::depth(urn) + 1);
            if *ok {
                vec![format!(
                    "{indent}{} {} {type_name}  {name}  {}",
                    style.green("✔"),
                    op.past(),
                    style.dim(&format::seconds(*elapsed_ms))
                )]
            } else {
                let error = error.clone().unwrap_or_default();
                vec![format!(
                    "{indent}{} {} {type_name}  {name} failed  {}: {error}",
                    style.red("✘"),
                    op.as_str(),
                    style.dim(&format::seconds(*elapsed_ms))
                )]
            }
        }
        Event::Diagnostic { severity, urn, message } => {
            let level = match severity {
                Severity::Debug => style.dim("debug"),
                Severity::Info => "info".to_owned(),
                Severity::Warning => style.yellow("warning"),
                Severity::Error => style.red("error"),
            };
            let at = urn.as_deref().map(|u| format!(" {u}:")).unwrap_or_default();
            vec![format!("{level}:{at} {message}")]
        }
        Event::Outputs { outputs } => {
            let mut out = vec![style.bold("Outputs:")];
            for (k, v) in outputs {
                out.push(format!("  {k}: {}", format::value_text(v)));
            }
            out
        }
        Event::Summary { counts, duration_ms, errors, operation: op, .. } => {
            vec![format::summary_line(operation.unwrap_or(*op), dry_run, counts, *duration_ms, *errors, style)]
        }
    }
}

impl EventSink for PlainView {
    fn event(&self, event: &TimedEvent) {
        let (dry_run, operation) = {
            let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Event::Start { dry_run, operation, .. } = &event.event {
                state.dry_run = *dry_run;
                state.operation = Some(*operation);
            }
            (state.dry_run, state.operation)
        };
        let out_lines = lines(&event.event, dry_run, operation, self.options, self.style);
        if out_lines.is_empty() {
            return;
        }
        let to_stderr = matches!(&event.event, Event::Diagnostic { severity: Severity::Error | Severity::Warning, .. });
        if to_stderr {
            let mut err = std::io::stderr().lock();
            for line in out_lines {
                let _ = writeln!(err, "{line}");
            }
        } else {
            let mut out = std::io::stdout().lock();
            for line in out_lines {
                let _ = writeln!(out, "{line}");
            }
            let _ = out.flush();
        }
    }
}

impl View for PlainView {}
