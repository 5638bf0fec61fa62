//! The resources a program registers in one run, as a graph whose nodes finish independently:
//! a registration waits only for the nodes it depends on (no global waves, no serial step
//! generator). Duplicate URNs and reference cycles are refused here.
//!
//! A node depends on the URNs the SDK lists (explicit `dependsOn` plus every resource whose
//! output flowed into an input) and on its parent. Depending on a component means depending on
//! the component's descendants registered before the waiter (so a child may depend on its own
//! parent component without waiting for itself). A dependency on a URN the program has not
//! registered yet waits for it; if the program ends without registering it, the waiter fails.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};
use tokio::sync::watch;

/// What a finished node resolved to.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// Cloud identifier (empty for components; empty in preview when not known yet).
    pub id: String,
    /// Outputs (marked values; unknowns in preview).
    pub outputs: Map<String, Value>,
}

/// A node's progress.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeStatus {
    Pending,
    Done(Arc<Resolved>),
    /// The node failed or was skipped; the text says why.
    Failed(String),
}

/// What the graph knows of a registered node.
#[derive(Debug, Clone)]
pub struct NodeInfo {
    pub type_name: String,
    pub name: String,
    pub custom: bool,
    pub parent: String,
    pub region: String,
    pub protect: bool,
    pub retain_on_delete: bool,
}

struct Entry {
    info: Option<NodeInfo>,
    /// Registration order (0 for placeholders).
    seq: u64,
    deps: Vec<String>,
    status: watch::Sender<NodeStatus>,
}

/// Errors the graph reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("duplicate resource URN {0}: another resource with the same type, name and parent was already registered")]
    Duplicate(String),
    #[error("reference cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
    #[error("{0} depends on itself")]
    SelfDependency(String),
}

/// The run's registered nodes.
#[derive(Default)]
pub struct Graph {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    nodes: HashMap<String, Entry>,
    next_seq: u64,
    /// Children of each parent URN, in registration order.
    children: HashMap<String, Vec<String>>,
    closed: bool,
}

impl Inner {
    fn entry(&mut self, urn: &str) -> &mut Entry {
        self.nodes.entry(urn.to_owned()).or_insert_with(|| Entry {
            info: None,
            seq: 0,
            deps: Vec::new(),
            status: watch::channel(NodeStatus::Pending).0,
        })
    }
}

impl Graph {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Register a node with its dependencies; refuses duplicates, self-dependencies and cycles.
    /// Returns the node's registration sequence number.
    pub fn register(&self, urn: &str, info: NodeInfo, deps: &[String]) -> Result<u64, GraphError> {
        let mut inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if inner.nodes.get(urn).is_some_and(|e| e.info.is_some()) {
            return Err(GraphError::Duplicate(urn.to_owned()));
        }
        let mut deps: Vec<String> = deps.iter().filter(|d| !d.is_empty()).cloned().collect();
        deps.sort();
        deps.dedup();
        if deps.iter().any(|d| d == urn) {
            return Err(GraphError::SelfDependency(urn.to_owned()));
        }
        // A cycle is only possible through a placeholder that depends (transitively) on us: a
        // URN nothing has named yet cannot be on one (no walk of the whole dependency closure at
        // every registration: on a chain of N resources that was quadratic).
        if inner.nodes.contains_key(urn)
            && let Some(path) = find_path(&inner, &deps, urn)
        {
            let mut cycle = vec![urn.to_owned()];
            cycle.extend(path);
            return Err(GraphError::Cycle(cycle));
        }
        inner.next_seq += 1;
        let seq = inner.next_seq;
        let parent = info.parent.clone();
        let entry = inner.entry(urn);
        entry.info = Some(info);
        entry.seq = seq;
        entry.deps = deps.clone();
        if !parent.is_empty() {
            inner.children.entry(parent).or_default().push(urn.to_owned());
        }
        for dep in &deps {
            inner.entry(dep);
        }
        if inner.closed {
            // Placeholders created after the program ended fail at once.
            for dep in &deps {
                if let Some(e) = inner.nodes.get(dep)
                    && e.info.is_none()
                {
                    e.status.send_replace(NodeStatus::Failed(format!("{dep} was never registered by the program")));
                }
            }
        }
        Ok(seq)
    }

    /// Mark a node finished.
    pub fn finish(&self, urn: &str, status: NodeStatus) {
        let mut inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        inner.entry(urn).status.send_replace(status);
    }

    #[must_use]
    pub fn info(&self, urn: &str) -> Option<NodeInfo> {
        let inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        inner.nodes.get(urn).and_then(|e| e.info.clone())
    }

    #[must_use]
    pub fn status(&self, urn: &str) -> Option<NodeStatus> {
        let inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        inner.nodes.get(urn).map(|e| e.status.borrow().clone())
    }

    /// Every registered URN.
    #[must_use]
    pub fn registered(&self) -> HashSet<String> {
        let inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        inner.nodes.iter().filter(|(_, e)| e.info.is_some()).map(|(k, _)| k.clone()).collect()
    }

    /// Every registered node with its dependencies, in registration order (see
    /// [`crate::resource_graph`]).
    #[must_use]
    pub fn nodes(&self) -> Vec<(String, NodeInfo, Vec<String>)> {
        let inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut nodes: Vec<(u64, String, NodeInfo, Vec<String>)> = inner
            .nodes
            .iter()
            .filter_map(|(urn, e)| e.info.clone().map(|info| (e.seq, urn.clone(), info, e.deps.clone())))
            .collect();
        nodes.sort_by_key(|n| n.0);
        nodes.into_iter().map(|(_, urn, info, deps)| (urn, info, deps)).collect()
    }

    /// The program ended: dependencies on URNs never registered fail.
    pub fn close(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        inner.closed = true;
        for (urn, entry) in &inner.nodes {
            if entry.info.is_none() {
                entry.status.send_replace(NodeStatus::Failed(format!("{urn} was never registered by the program")));
            }
        }
    }

    /// The URNs a node must wait for: its dependencies, each component among them expanded to
    /// its descendants registered before `seq`, and its parent itself. The parent is not
    /// expanded: a component's child never waits for its earlier siblings (that serialised
    /// every component's children, one cloud operation at a time).
    #[must_use]
    pub fn wait_set(&self, deps: &[String], parent: &str, seq: u64) -> Vec<String> {
        let inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut stack: Vec<String> = deps.to_vec();
        let mut visit_parent = !parent.is_empty();
        loop {
            let Some(urn) = stack.pop() else {
                if !std::mem::take(&mut visit_parent) {
                    break;
                }
                if seen.insert(parent.to_owned())
                    && let Some(entry) = inner.nodes.get(parent)
                    && !(entry.info.is_some() && entry.seq >= seq)
                {
                    out.push(parent.to_owned());
                }
                continue;
            };
            if !seen.insert(urn.clone()) {
                continue;
            }
            let Some(entry) = inner.nodes.get(&urn) else { continue };
            if entry.info.is_some() && entry.seq >= seq {
                continue; // registered after the waiter: never wait for it (no self-waits)
            }
            out.push(urn.clone());
            if entry.info.as_ref().is_some_and(|i| !i.custom)
                && let Some(children) = inner.children.get(&urn)
            {
                stack.extend(children.iter().cloned());
            }
        }
        out
    }

    /// Wait until every URN in `urns` is done. Returns the resolved values by URN, or the first
    /// failure as `(urn, reason)`.
    pub async fn wait_all(&self, urns: &[String]) -> Result<HashMap<String, Arc<Resolved>>, (String, String)> {
        let receivers: Vec<(String, watch::Receiver<NodeStatus>)> = {
            let mut inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let closed = inner.closed;
            urns.iter()
                .map(|u| {
                    let entry = inner.entry(u);
                    if closed && entry.info.is_none() {
                        entry
                            .status
                            .send_replace(NodeStatus::Failed(format!("{u} was never registered by the program")));
                    }
                    (u.clone(), entry.status.subscribe())
                })
                .collect()
        };
        let mut resolved = HashMap::new();
        for (urn, mut rx) in receivers {
            let status = match rx.wait_for(|s| !matches!(s, NodeStatus::Pending)).await {
                Ok(s) => s.clone(),
                Err(_) => NodeStatus::Failed("the run ended".to_owned()),
            };
            match status {
                NodeStatus::Done(r) => {
                    resolved.insert(urn, r);
                }
                NodeStatus::Failed(reason) => return Err((urn, reason)),
                NodeStatus::Pending => {}
            }
        }
        Ok(resolved)
    }
}

/// A dependency path from one of `from` to `target`, following dependency edges (each node is
/// visited once; the path is rebuilt from predecessors, not copied at every step).
fn find_path(inner: &Inner, from: &[String], target: &str) -> Option<Vec<String>> {
    let mut previous: HashMap<&str, Option<&str>> = HashMap::new();
    let mut stack: Vec<(&str, Option<&str>)> = from.iter().map(|d| (d.as_str(), None)).collect();
    while let Some((node, before)) = stack.pop() {
        if previous.contains_key(node) {
            continue;
        }
        previous.insert(node, before);
        if node == target {
            let mut path = vec![node.to_owned()];
            let mut at = before;
            while let Some(step) = at {
                path.push(step.to_owned());
                at = previous.get(step).copied().flatten();
            }
            path.reverse();
            return Some(path);
        }
        if let Some(entry) = inner.nodes.get(node) {
            stack.extend(entry.deps.iter().map(|dep| (dep.as_str(), Some(node))));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(custom: bool, parent: &str) -> NodeInfo {
        NodeInfo {
            type_name: "T".into(),
            name: "n".into(),
            custom,
            parent: parent.into(),
            region: String::new(),
            protect: false,
            retain_on_delete: false,
        }
    }

    #[test]
    fn duplicates_and_cycles_are_refused() {
        let g = Graph::new();
        g.register("a", info(true, ""), &[]).unwrap();
        assert_eq!(g.register("a", info(true, ""), &[]), Err(GraphError::Duplicate("a".into())));
        assert_eq!(g.register("s", info(true, ""), &["s".into()]), Err(GraphError::SelfDependency("s".into())));
        // b depends on c (not registered yet); c then depends on b: a cycle.
        g.register("b", info(true, ""), &["c".into()]).unwrap();
        let err = g.register("c", info(true, ""), &["b".into()]).unwrap_err();
        assert_eq!(err, GraphError::Cycle(vec!["c".into(), "b".into(), "c".into()]));
        assert!(err.to_string().contains("c -> b -> c"));
    }

    #[tokio::test]
    async fn waiting_on_components_waits_for_earlier_children() {
        let g = Arc::new(Graph::new());
        g.register("comp", info(false, ""), &[]).unwrap();
        g.finish("comp", NodeStatus::Done(Arc::new(Resolved { id: String::new(), outputs: Map::new() })));
        g.register("child1", info(true, "comp"), &[]).unwrap();
        let seq = g.register("other", info(true, ""), &["comp".into()]).unwrap();
        g.register("child2", info(true, "comp"), &[]).unwrap();
        let set = g.wait_set(&["comp".into()], "", seq);
        assert!(set.contains(&"comp".to_owned()) && set.contains(&"child1".to_owned()));
        assert!(!set.contains(&"child2".to_owned()));
        let waiter = {
            let g = g.clone();
            tokio::spawn(async move { g.wait_all(&set).await })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        g.finish("child1", NodeStatus::Failed("boom".into()));
        let err = waiter.await.unwrap().unwrap_err();
        assert_eq!(err, ("child1".to_owned(), "boom".to_owned()));
    }

    #[test]
    fn a_child_waits_for_its_parent_not_for_its_earlier_siblings() {
        let g = Graph::new();
        g.register("comp", info(false, ""), &[]).unwrap();
        g.register("child1", info(true, "comp"), &[]).unwrap();
        let seq = g.register("child2", info(true, "comp"), &[]).unwrap();
        assert_eq!(g.wait_set(&[], "comp", seq), vec!["comp".to_owned()]);
        // A dependency on the parent component itself still stands for its earlier children.
        let set = g.wait_set(&["comp".into()], "comp", seq);
        assert!(set.contains(&"comp".to_owned()) && set.contains(&"child1".to_owned()), "{set:?}");
        // A custom parent is waited for.
        g.register("bucket", info(true, ""), &[]).unwrap();
        let seq = g.register("policy", info(true, "bucket"), &[]).unwrap();
        assert_eq!(g.wait_set(&[], "bucket", seq), vec!["bucket".to_owned()]);
    }

    #[tokio::test]
    async fn never_registered_dependencies_fail_when_the_program_ends() {
        let g = Arc::new(Graph::new());
        g.register("a", info(true, ""), &["ghost".into()]).unwrap();
        let waiter = {
            let g = g.clone();
            tokio::spawn(async move { g.wait_all(&["ghost".to_owned()]).await })
        };
        tokio::task::yield_now().await;
        g.close();
        let (urn, reason) = waiter.await.unwrap().unwrap_err();
        assert_eq!(urn, "ghost");
        assert!(reason.contains("never registered"));
    }
}
