//! `engine graph`: run the program in preview and print the resources it declares as a graph
//! (Mermaid or Graphviz DOT) on stdout. Nodes are resources (logical name and type), components
//! are subgraphs (Mermaid) or clusters (DOT) holding their children, and an edge goes from a
//! dependency to the resource that depends on it (explicit `dependsOn`, and every resource whose
//! output flows into a property). Nothing is changed: no lock, no state written, no cloud write.
//!
//! ```text
//! engine graph > graph.mmd                 # Mermaid (paste into Markdown as a mermaid block)
//! engine graph --format dot | dot -Tsvg > graph.svg
//! ```
//!
//! What the program prints, and any problem of the preview, goes to stderr.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use engine_deploy::events::{Event, Severity};
use engine_deploy::resource_graph::{GraphNode, ResourceGraph};
use engine_deploy::{CancelSignal, EventSink, Operation, RunOptions, Session, TimedEvent};

use super::context::{self, Failure};
use crate::GlobalArgs;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum GraphFormat {
    /// A Mermaid flowchart (renders in GitHub and GitLab Markdown).
    Mermaid,
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
}

#[derive(Debug, Args)]
pub(crate) struct GraphArgs {
    /// The output format.
    #[arg(long, short = 'f', value_enum, default_value = "mermaid")]
    format: GraphFormat,
    #[arg(long, short = 'p', value_name = "N", env = "ENGINE_PARALLEL")]
    parallel: Option<usize>,
}

/// Shows on stderr what the user needs from the preview: the program's output and problems.
struct StderrSink;

impl EventSink for StderrSink {
    fn event(&self, event: &TimedEvent) {
        let line = match &event.event {
            Event::ProgramOutput { line, .. } => format!("[program] {line}"),
            Event::Log { severity: Severity::Warning | Severity::Error, message, urn } => {
                let at = urn.as_deref().map(|u| format!(" {u}:")).unwrap_or_default();
                format!("[program]{at} {message}")
            }
            Event::Diagnostic { severity, urn, message } => {
                let level = if *severity == Severity::Error { "error" } else { "warning" };
                let at = urn.as_deref().map(|u| format!(" {u}:")).unwrap_or_default();
                format!("{level}:{at} {message}")
            }
            _ => return,
        };
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{line}");
    }
}

pub(crate) fn run(global: &GlobalArgs, args: GraphArgs) -> ExitCode {
    context::exit((|| {
        let ctx = context::stack(global)?;
        let runtime = context::runtime()?;
        runtime.block_on(async {
            let cancel = CancelSignal::new();
            {
                let cancel = cancel.clone();
                tokio::spawn(async move {
                    if tokio::signal::ctrl_c().await.is_ok() {
                        cancel.cancel();
                    }
                });
            }
            let mut session = Session::open(&ctx.project, &ctx.stack, &ctx.crypter, None).await?;
            let mut options = RunOptions::new(Operation::Preview);
            options.cancel = cancel;
            if let Some(p) = args.parallel.filter(|p| *p > 0) {
                options.parallel = p;
            }
            let result = session.run(options, Arc::new(StderrSink)).await;
            let closed = session.close().await;
            let outcome = result?;
            closed?;
            if !outcome.ok {
                return Err(Failure(format!(
                    "the preview failed ({} error(s) above): no graph printed",
                    outcome.errors.len().max(1)
                )));
            }
            let text = match args.format {
                GraphFormat::Mermaid => mermaid(&outcome.graph),
                GraphFormat::Dot => dot(&outcome.graph, &format!("{}-{}", ctx.project.name, ctx.stack.name())),
            };
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        })
    })())
}

/// The nodes in drawing order (depth first, siblings by name then type) with their ids
/// (`n0`, `n1`, ...): stable across runs whatever order the program registered in.
struct Layout<'g> {
    graph: &'g ResourceGraph,
    ids: HashMap<&'g str, String>,
    children: HashMap<Option<&'g str>, Vec<&'g GraphNode>>,
}

impl<'g> Layout<'g> {
    fn new(graph: &'g ResourceGraph) -> Self {
        let mut children: HashMap<Option<&str>, Vec<&GraphNode>> = HashMap::new();
        for node in &graph.nodes {
            // A parent that is no node (should not happen) puts the child at the top level.
            let parent = node.parent.as_deref().filter(|p| graph.node(p).is_some());
            children.entry(parent).or_default().push(node);
        }
        for list in children.values_mut() {
            list.sort_by(|a, b| (&a.name, &a.type_name, &a.urn).cmp(&(&b.name, &b.type_name, &b.urn)));
        }
        let mut layout = Layout { graph, ids: HashMap::new(), children };
        let mut order = Vec::new();
        layout.walk(None, &mut order);
        layout.ids = order.into_iter().enumerate().map(|(i, urn)| (urn, format!("n{i}"))).collect();
        layout
    }

    fn walk(&self, parent: Option<&'g str>, order: &mut Vec<&'g str>) {
        for node in self.children_of(parent) {
            order.push(node.urn.as_str());
            self.walk(Some(node.urn.as_str()), order);
        }
    }

    fn children_of(&self, parent: Option<&'g str>) -> &[&'g GraphNode] {
        self.children.get(&parent).map_or(&[], Vec::as_slice)
    }

    fn id(&self, urn: &str) -> &str {
        self.ids.get(urn).map_or("", String::as_str)
    }

    /// A component drawn as a group (it has children).
    fn is_group(&self, node: &GraphNode) -> bool {
        !node.custom && !self.children_of(Some(node.urn.as_str())).is_empty()
    }
}

fn mermaid_text(text: &str) -> String {
    text.replace('&', "#amp;").replace('"', "#quot;").replace('<', "#lt;").replace('>', "#gt;")
}

/// A Mermaid flowchart.
#[must_use]
pub(crate) fn mermaid(graph: &ResourceGraph) -> String {
    let layout = Layout::new(graph);
    let mut out = String::from("flowchart TB\n");
    fn nodes(layout: &Layout<'_>, parent: Option<&str>, depth: usize, out: &mut String) {
        let indent = "  ".repeat(depth + 1);
        for node in layout.children_of(parent) {
            let id = layout.id(&node.urn);
            let label = format!("{}<br/>{}", mermaid_text(&node.name), mermaid_text(&node.type_name));
            if layout.is_group(node) {
                let _ = writeln!(out, "{indent}subgraph {id}[\"{label}\"]");
                nodes(layout, Some(node.urn.as_str()), depth + 1, out);
                let _ = writeln!(out, "{indent}end");
            } else if !node.custom {
                let _ = writeln!(out, "{indent}{id}[[\"{label}\"]]");
            } else if node.type_name.starts_with("Engine::") {
                let _ = writeln!(out, "{indent}{id}([\"{label}\"])");
            } else {
                let _ = writeln!(out, "{indent}{id}[\"{label}\"]");
            }
        }
    }
    nodes(&layout, None, 0, &mut out);
    for (from, to) in layout.graph.edges() {
        let _ = writeln!(out, "  {} --> {}", layout.id(&from), layout.id(&to));
    }
    out
}

fn dot_text(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A Graphviz digraph. An edge to or from a component ends at the component's cluster border
/// (`compound`: drawn to its first resource, clipped with `lhead`/`ltail`).
#[must_use]
pub(crate) fn dot(graph: &ResourceGraph, name: &str) -> String {
    let layout = Layout::new(graph);
    let mut out = format!("digraph \"{}\" {{\n", dot_text(name));
    out.push_str("  rankdir=TB;\n  compound=true;\n");
    out.push_str("  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=11];\n");
    out.push_str("  edge [color=\"#555555\"];\n");
    fn nodes(layout: &Layout<'_>, parent: Option<&str>, depth: usize, out: &mut String) {
        let indent = "  ".repeat(depth + 1);
        for node in layout.children_of(parent) {
            let id = layout.id(&node.urn);
            let label = format!("{}\\n{}", dot_text(&node.name), dot_text(&node.type_name));
            if layout.is_group(node) {
                let _ = writeln!(out, "{indent}subgraph cluster_{id} {{");
                let _ = writeln!(
                    out,
                    "{indent}  label=\"{label}\";\n{indent}  style=dashed;\n{indent}  fontname=\"Helvetica\";"
                );
                nodes(layout, Some(node.urn.as_str()), depth + 1, out);
                let _ = writeln!(out, "{indent}}}");
            } else if !node.custom {
                let _ = writeln!(out, "{indent}{id} [label=\"{label}\", style=dashed];");
            } else if node.type_name.starts_with("Engine::") {
                let _ = writeln!(out, "{indent}{id} [label=\"{label}\", shape=ellipse, style=solid];");
            } else {
                let _ = writeln!(out, "{indent}{id} [label=\"{label}\"];");
            }
        }
    }
    nodes(&layout, None, 0, &mut out);
    // A group's anchor: its first drawn leaf (depth first).
    let anchor = |urn: &str| -> (String, Option<String>) {
        let Some(node) = layout.graph.node(urn) else { return (String::new(), None) };
        if !layout.is_group(node) {
            return (layout.id(urn).to_owned(), None);
        }
        let mut current = node;
        while layout.is_group(current) {
            match layout.children_of(Some(current.urn.as_str())).first() {
                Some(first) => current = first,
                None => break,
            }
        }
        (layout.id(&current.urn).to_owned(), Some(format!("cluster_{}", layout.id(urn))))
    };
    for (from, to) in layout.graph.edges() {
        let (from_id, tail) = anchor(&from);
        let (to_id, head) = anchor(&to);
        let mut attrs = Vec::new();
        if let Some(tail) = tail {
            attrs.push(format!("ltail={tail}"));
        }
        if let Some(head) = head {
            attrs.push(format!("lhead={head}"));
        }
        if attrs.is_empty() {
            let _ = writeln!(out, "  {from_id} -> {to_id};");
        } else {
            let _ = writeln!(out, "  {from_id} -> {to_id} [{}];", attrs.join(", "));
        }
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(urn: &str, type_name: &str, name: &str, custom: bool, parent: Option<&str>, deps: &[&str]) -> GraphNode {
        GraphNode {
            urn: urn.into(),
            type_name: type_name.into(),
            name: name.into(),
            custom,
            parent: parent.map(Into::into),
            dependencies: deps.iter().map(|d| (*d).to_owned()).collect(),
        }
    }

    /// A component with two children, a resource depending on the component (and so on its
    /// children, as the SDKs send it), a built-in password, and an empty component.
    fn sample() -> ResourceGraph {
        ResourceGraph {
            nodes: vec![
                node("fn", "AWS::Lambda::Function", "worker", true, None, &["net", "pw", "sub"]),
                node("net", "platform:index:Network", "core", false, None, &[]),
                node("vpc", "AWS::EC2::VPC", "core-vpc", true, Some("net"), &[]),
                node("sub", "AWS::EC2::Subnet", "core-a", true, Some("net"), &["vpc", "net"]),
                node("pw", "Engine::Random::Password", "db \"main\"", true, None, &[]),
                node("empty", "my:index:Empty", "nothing", false, None, &[]),
            ],
        }
    }

    #[test]
    fn mermaid_has_subgraphs_nodes_and_edges() {
        let text = mermaid(&sample());
        // Siblings by name: core (a group), db "main", nothing, worker; children core-a, core-vpc.
        assert_eq!(
            text,
            "flowchart TB
  subgraph n0[\"core<br/>platform:index:Network\"]
    n1[\"core-a<br/>AWS::EC2::Subnet\"]
    n2[\"core-vpc<br/>AWS::EC2::VPC\"]
  end
  n3([\"db #quot;main#quot;<br/>Engine::Random::Password\"])
  n4[[\"nothing<br/>my:index:Empty\"]]
  n5[\"worker<br/>AWS::Lambda::Function\"]
  n0 --> n5
  n3 --> n5
  n2 --> n1
"
        );
    }

    #[test]
    fn dot_has_clusters_and_clipped_edges_to_components() {
        let text = dot(&sample(), "app-dev");
        assert!(text.starts_with("digraph \"app-dev\" {\n  rankdir=TB;\n  compound=true;\n"), "{text}");
        assert!(text.contains("  subgraph cluster_n0 {\n    label=\"core\\nplatform:index:Network\";"), "{text}");
        assert!(text.contains("    n2 [label=\"core-vpc\\nAWS::EC2::VPC\"];"), "{text}");
        assert!(text.contains("  n3 [label=\"db \\\"main\\\"\\nEngine::Random::Password\", shape=ellipse"), "{text}");
        assert!(text.contains("  n4 [label=\"nothing\\nmy:index:Empty\", style=dashed];"), "{text}");
        // The edge from the component leaves its cluster (anchored at its first child).
        assert!(text.contains("  n1 -> n5 [ltail=cluster_n0];"), "{text}");
        assert!(text.contains("  n3 -> n5;\n  n2 -> n1;\n}"), "{text}");
        assert_eq!(text.matches(" -> ").count(), 3);
    }

    #[test]
    fn an_empty_program_gives_an_empty_graph() {
        let graph = ResourceGraph::default();
        assert_eq!(mermaid(&graph), "flowchart TB\n");
        assert_eq!(dot(&graph, "p-dev").matches(" -> ").count(), 0);
    }
}
