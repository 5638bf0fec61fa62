//! `engine graph`: the program's resources as a Mermaid or DOT graph, from a preview.

use std::collections::{BTreeMap, BTreeSet};

use engine_tests::Project;
use serde_json::json;

/// A component holding a VPC and a subnet wired to it (a property dependency), a queue that
/// depends on the component explicitly, a password used by a parameter, and a bucket on its
/// own.
fn program() -> serde_json::Value {
    json!({"resources": [
        {"type": "test:index:Net", "name": "core", "component": true},
        {"type": "AWS::EC2::VPC", "name": "core-vpc", "parent": "core", "props": {"CidrBlock": "10.0.0.0/16"}},
        {"type": "AWS::EC2::Subnet", "name": "core-a", "parent": "core",
         "props": {"VpcId": "${core-vpc.VpcId}", "CidrBlock": "10.0.1.0/24"}},
        {"type": "AWS::SQS::Queue", "name": "jobs", "dependsOn": ["core"]},
        {"type": "Engine::Random::Password", "name": "pw", "props": {"Length": 16}},
        {"type": "AWS::SSM::Parameter", "name": "param",
         "props": {"Type": "String", "Value": "${pw.Result}"}},
        {"type": "AWS::S3::Bucket", "name": "alone"}
    ]})
}

/// Mermaid: node id → (label, enclosing subgraph id), subgraph ids, edges as labels.
struct Mermaid {
    labels: BTreeMap<String, String>,
    inside: BTreeMap<String, String>,
    edges: BTreeSet<(String, String)>,
}

fn parse_mermaid(text: &str) -> Mermaid {
    let mut labels = BTreeMap::new();
    let mut inside = BTreeMap::new();
    let mut open: Vec<String> = Vec::new();
    let mut raw_edges = Vec::new();
    for line in text.lines().skip(1) {
        let line = line.trim();
        if line == "end" {
            open.pop();
        } else if let Some((from, to)) = line.split_once(" --> ") {
            raw_edges.push((from.to_owned(), to.to_owned()));
        } else {
            let (group, rest) = match line.strip_prefix("subgraph ") {
                Some(rest) => (true, rest),
                None => (false, line),
            };
            let split = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or_else(|| panic!("bad line {line:?}"));
            let (id, label) = rest.split_at(split);
            let label = label.trim_matches(|c| matches!(c, '[' | ']' | '(' | ')' | '"'));
            let name = label.split("<br/>").next().unwrap_or_default().to_owned();
            labels.insert(id.to_owned(), name);
            if let Some(parent) = open.last() {
                inside.insert(id.to_owned(), parent.clone());
            }
            if group {
                open.push(id.to_owned());
            }
        }
    }
    assert!(open.is_empty(), "unbalanced subgraphs:\n{text}");
    let edges = raw_edges.into_iter().map(|(a, b)| (labels[&a].clone(), labels[&b].clone())).collect();
    let inside = inside.into_iter().map(|(k, v)| (labels[&k].clone(), labels[&v].clone())).collect();
    Mermaid { labels, inside, edges }
}

#[test]
fn graph_prints_nodes_components_and_dependency_edges_without_changing_anything() {
    let project = Project::new(&program());
    let run = project.engine(&["graph"]).ok();
    let graph = parse_mermaid(&run.stdout);
    assert!(run.stdout.starts_with("flowchart TB\n"), "{}", run.stdout);
    let names: BTreeSet<&str> = graph.labels.values().map(String::as_str).collect();
    assert_eq!(names, BTreeSet::from(["alone", "core", "core-a", "core-vpc", "jobs", "param", "pw"]));
    // Types are in the labels.
    assert!(run.stdout.contains("[\"core-a<br/>AWS::EC2::Subnet\"]"), "{}", run.stdout);
    assert!(run.stdout.contains("subgraph ") && run.stdout.contains("[\"core<br/>test:index:Net\"]"), "{}", run.stdout);
    // The component's children are inside its subgraph; the rest is at the top level.
    assert_eq!(
        graph.inside,
        BTreeMap::from([("core-a".to_owned(), "core".to_owned()), ("core-vpc".to_owned(), "core".to_owned())])
    );
    // Property dependencies, an explicit dependency on a component, a built-in's output.
    let edge = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    assert_eq!(
        graph.edges,
        BTreeSet::from([edge("core-vpc", "core-a"), edge("core", "jobs"), edge("pw", "param")]),
        "{}",
        run.stdout
    );

    // DOT: the same nodes, the component as a cluster, the edge from it clipped at its border.
    let dot = project.engine(&["graph", "--format", "dot"]).ok().stdout;
    assert!(dot.starts_with("digraph \"e2e-dev\" {"), "{dot}");
    assert!(dot.contains("subgraph cluster_") && dot.contains("label=\"core\\ntest:index:Net\";"), "{dot}");
    assert_eq!(dot.matches(" -> ").count(), 3, "{dot}");
    assert_eq!(dot.matches("[ltail=cluster_").count(), 1, "{dot}");
    assert!(dot.contains("[label=\"alone\\nAWS::S3::Bucket\"];"), "{dot}");

    // A preview: nothing created, no state written. The graph is the same whatever the state.
    assert!(project.cloud_resources().is_empty());
    assert!(project.state().resources.is_empty());
    project.up().ok();
    assert_eq!(project.engine(&["graph"]).ok().stdout, run.stdout);
}

#[test]
fn graph_of_a_failing_program_prints_the_error_and_no_graph() {
    let project = Project::new(&json!({"resources": [
        {"type": "AWS::S3::Bucket", "name": "b", "props": {"NoSuchProperty": 1}}
    ]}));
    let run = project.engine(&["graph"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("NoSuchProperty"), "{}", run.stderr);
    assert!(run.stderr.contains("no graph printed"), "{}", run.stderr);
    let bad = project.engine(&["graph", "--format", "svg"]);
    assert_eq!(bad.code, 2, "{}", bad.text());
}
