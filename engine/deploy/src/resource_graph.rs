//! The resources a program declared in one run (`preview` or `up`), with their parents and
//! dependencies: what `engine graph` draws. [`RunOutcome::graph`](crate::RunOutcome) holds it
//! after a run that ran the program (empty for `destroy` and `refresh`).
//!
//! A node's dependencies are every URN it waits for: the program's explicit `dependsOn` and
//! every resource whose output flowed into one of its properties (property dependencies and
//! resource references). The stack's root resource is no node: resources directly under it have
//! no parent.

use std::collections::{BTreeSet, HashMap};

use crate::graph::Graph;

/// One registered resource or component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphNode {
    pub urn: String,
    /// `AWS::S3::Bucket`, `Engine::Random::Password`, `package:module:Name` for components.
    pub type_name: String,
    /// The logical name given by the program.
    pub name: String,
    /// A cloud or built-in resource; false for components.
    pub custom: bool,
    /// The parent's URN; `None` under the stack's root.
    pub parent: Option<String>,
    /// URNs this node depends on (sorted, without the root).
    pub dependencies: Vec<String>,
}

/// The resources of one run, in registration order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceGraph {
    pub nodes: Vec<GraphNode>,
}

impl ResourceGraph {
    /// The graph of a run's registrations (`root_urn`: the stack's root resource).
    #[must_use]
    pub fn from_graph(graph: &Graph, root_urn: &str) -> Self {
        let nodes = graph
            .nodes()
            .into_iter()
            .filter(|(urn, _, _)| urn != root_urn)
            .map(|(urn, info, deps)| GraphNode {
                urn,
                type_name: info.type_name,
                name: info.name,
                custom: info.custom,
                parent: (!info.parent.is_empty() && info.parent != root_urn).then_some(info.parent),
                dependencies: deps.into_iter().filter(|d| d != root_urn).collect(),
            })
            .collect();
        ResourceGraph { nodes }
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node of a URN.
    #[must_use]
    pub fn node(&self, urn: &str) -> Option<&GraphNode> {
        self.nodes.iter().find(|n| n.urn == urn)
    }

    /// The children of `parent` (`None`: the top level), in registration order.
    #[must_use]
    pub fn children(&self, parent: Option<&str>) -> Vec<&GraphNode> {
        self.nodes.iter().filter(|n| n.parent.as_deref() == parent).collect()
    }

    /// Whether `ancestor` is `urn`'s parent, grandparent, ...
    #[must_use]
    pub fn is_ancestor(&self, ancestor: &str, urn: &str) -> bool {
        let parents: HashMap<&str, &str> =
            self.nodes.iter().filter_map(|n| n.parent.as_deref().map(|p| (n.urn.as_str(), p))).collect();
        let mut current = urn;
        // Bounded by the node count: a malformed graph with a parent loop cannot spin forever.
        for _ in 0..=self.nodes.len() {
            match parents.get(current) {
                Some(parent) if *parent == ancestor => return true,
                Some(parent) => current = parent,
                None => return false,
            }
        }
        false
    }

    /// Dependency edges `(dependency, dependent)`, each once, sorted: both ends are nodes of
    /// the graph, and neither is an ancestor of the other (a child waiting for its own
    /// component is implied by the nesting). A dependency on a component stands for its
    /// descendants (the SDKs send them along): an edge from a descendant of a component the
    /// dependent also depends on is left out.
    #[must_use]
    pub fn edges(&self) -> Vec<(String, String)> {
        let known: BTreeSet<&str> = self.nodes.iter().map(|n| n.urn.as_str()).collect();
        let mut edges = BTreeSet::new();
        for node in &self.nodes {
            let drawn: Vec<&String> = node
                .dependencies
                .iter()
                .filter(|dep| {
                    *dep != &node.urn
                        && known.contains(dep.as_str())
                        && !self.is_ancestor(dep, &node.urn)
                        && !self.is_ancestor(&node.urn, dep)
                })
                .collect();
            for dep in &drawn {
                if !drawn.iter().any(|other| self.is_ancestor(other, dep)) {
                    edges.insert(((*dep).clone(), node.urn.clone()));
                }
            }
        }
        edges.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::NodeInfo;

    fn info(type_name: &str, name: &str, custom: bool, parent: &str) -> NodeInfo {
        NodeInfo {
            type_name: type_name.into(),
            name: name.into(),
            custom,
            parent: parent.into(),
            region: String::new(),
            protect: false,
            retain_on_delete: false,
        }
    }

    #[test]
    fn nodes_parents_and_edges() {
        let root = "urn:engine:dev::p::engine:index:Stack::p-dev";
        let g = Graph::new();
        g.register("net", info("platform:index:Network", "core", false, root), &[]).unwrap();
        g.register("vpc", info("AWS::EC2::VPC", "core-vpc", true, "net"), &[]).unwrap();
        // A child depending on its own component: no edge (the nesting says it).
        g.register("subnet", info("AWS::EC2::Subnet", "core-a", true, "net"), &["vpc".into(), "net".into()]).unwrap();
        // A dependency on the component comes with its children (as the SDKs send it): one edge.
        g.register(
            "fn",
            info("AWS::Lambda::Function", "f", true, root),
            &["net".into(), "subnet".into(), "vpc".into()],
        )
        .unwrap();
        g.register("q", info("AWS::SQS::Queue", "q", true, root), &["subnet".into()]).unwrap();
        // Dependencies on URNs that are no node (never registered) are left out.
        g.register("alarm", info("AWS::CloudWatch::Alarm", "a", true, root), &["fn".into(), "ghost".into()]).unwrap();

        let graph = ResourceGraph::from_graph(&g, root);
        let urns: Vec<&str> = graph.nodes.iter().map(|n| n.urn.as_str()).collect();
        assert_eq!(urns, ["net", "vpc", "subnet", "fn", "q", "alarm"]);
        assert_eq!(graph.node("net").unwrap().parent, None);
        assert_eq!(graph.node("vpc").unwrap().parent.as_deref(), Some("net"));
        assert!(!graph.node("net").unwrap().custom);
        let children: Vec<&str> = graph.children(Some("net")).iter().map(|n| n.name.as_str()).collect();
        assert_eq!(children, ["core-vpc", "core-a"]);
        assert!(graph.is_ancestor("net", "subnet"));
        assert!(!graph.is_ancestor("subnet", "net"));
        let edge = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        assert_eq!(
            graph.edges(),
            vec![edge("fn", "alarm"), edge("net", "fn"), edge("subnet", "q"), edge("vpc", "subnet")]
        );
    }
}
