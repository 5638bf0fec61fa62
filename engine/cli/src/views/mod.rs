//! How a run is shown: a live tree on a terminal, one plain line per event otherwise (CI), or
//! one JSON event per line (`--json`; the events are documented in `engine_deploy::events`).
//! Views only render: every value they receive is already masked by the engine.

mod format;
mod plain;
mod tree;

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use engine_deploy::{EventSink, TimedEvent};

pub(crate) use format::{Style, color_enabled};

/// What the user asked to see.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ViewOptions {
    pub json: bool,
    /// Property-level changes (`--diff`).
    pub diff: bool,
}

/// A view: an event sink that may also need to stop drawing.
pub(crate) trait View: EventSink {
    /// Stop live drawing (the tree's redraw thread); everything printed stays.
    fn close(&self) {}
}

/// Pick the view for stdout.
pub(crate) fn make(options: ViewOptions) -> Arc<dyn View> {
    if options.json {
        return Arc::new(JsonView);
    }
    let terminal = std::io::stdout().is_terminal();
    let style = Style { color: color_enabled(terminal) };
    if terminal && std::env::var("TERM").map_or(true, |t| t != "dumb") {
        tree::TreeView::start(options, style)
    } else {
        Arc::new(plain::PlainView::new(options, style))
    }
}

/// `--json`: one event per line on stdout.
struct JsonView;

impl EventSink for JsonView {
    fn event(&self, event: &TimedEvent) {
        if let Ok(line) = serde_json::to_string(event) {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    }
}

impl View for JsonView {}
