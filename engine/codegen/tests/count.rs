//! Every provisionable type of the schema registry is generated, once, in every language, and
//! no module declares a name twice.

use std::collections::{BTreeMap, HashSet};

use engine_codegen::{GeneratedFile, Language, Model, ModelOptions, Options, generate};
use engine_schema::Registry;

/// Provisionable types (create, read and delete handlers) in the union of all regions, counted
/// from the registry directly.
fn provisionable() -> Vec<String> {
    let registry = Registry::global();
    let mut names = Vec::new();
    for name in registry.all_type_names() {
        if !registry.regions_of(name).is_empty() && registry.get(name).expect("schema").is_provisionable() {
            names.push(name.to_owned());
        }
    }
    names
}

fn count(files: &[GeneratedFile], suffix: &str, marker: &str) -> usize {
    files
        .iter()
        .filter(|f| f.path.to_string_lossy().ends_with(suffix))
        .map(|f| f.contents.lines().filter(|line| line.starts_with(marker)).count())
        .sum()
}

/// Names declared twice in one file (the `marker` starts the declaration line; the name follows).
fn duplicates(files: &[GeneratedFile], suffix: &str, markers: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for file in files.iter().filter(|f| f.path.to_string_lossy().ends_with(suffix)) {
        let mut seen = HashSet::new();
        for line in file.contents.lines() {
            for marker in markers {
                if let Some(rest) = line.strip_prefix(marker) {
                    let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                    if !seen.insert(name.clone()) {
                        out.push(format!("{}: {name}", file.path.display()));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn every_provisionable_type_is_generated_once_in_every_language() {
    let expected = provisionable();
    assert!(expected.len() > 1600, "{}", expected.len());
    let model = Model::from_registry(Registry::global(), &ModelOptions::default()).expect("model");
    assert_eq!(model.resource_count(), expected.len());
    let mut modelled: Vec<&str> =
        model.services.iter().flat_map(|s| s.resources.iter().map(|r| r.type_name.as_str())).collect();
    modelled.sort_unstable();
    assert_eq!(modelled, expected.iter().map(String::as_str).collect::<Vec<_>>());

    // Module names are unique per language (a service segment never maps onto another's).
    let mut modules: BTreeMap<String, &str> = BTreeMap::new();
    for service in &model.services {
        assert!(modules.insert(service.name.clone(), &service.cfn_name).is_none(), "module {}", service.name);
    }

    let options = Options::default();
    let rust = generate(&model, Language::Rust, &options);
    assert_eq!(count(&rust, ".rs", "impl rt::TypedResource for "), expected.len());
    let dup = duplicates(&rust, ".rs", &["pub struct ", "pub enum "]);
    assert!(dup.is_empty(), "Rust names declared twice: {dup:?}");

    let python = generate(&model, Language::Python, &options);
    // Runtime classes and their typed declarations.
    assert_eq!(count(&python, ".py", "    _engine_shape = (_T, "), expected.len());
    let stub_classes: usize = python
        .iter()
        .filter(|f| f.path.to_string_lossy().ends_with(".pyi"))
        .map(|f| f.contents.matches("(_CustomResource):\n").count())
        .sum();
    assert_eq!(stub_classes, expected.len());
    let dup = duplicates(&python, ".pyi", &["class "]);
    assert!(dup.is_empty(), "Python names declared twice: {dup:?}");

    let node = generate(&model, Language::Node, &options);
    assert_eq!(count(&node, ".js", "class "), expected.len());
    assert_eq!(count(&node, ".d.ts", "export declare class "), expected.len());
    let dup = duplicates(&node, ".d.ts", &["export declare class ", "export interface ", "export type "]);
    assert!(dup.is_empty(), "TypeScript names declared twice: {dup:?}");
}

#[test]
fn generation_is_deterministic() {
    let options = ModelOptions { services: Some(vec!["s3".into(), "wafv2".into(), "ecs".into()]), types: None };
    let first = Model::from_registry(Registry::global(), &options).expect("model");
    let second = Model::from_registry(Registry::global(), &options).expect("model");
    for language in [Language::Rust, Language::Python, Language::Node] {
        assert_eq!(generate(&first, language, &Options::default()), generate(&second, language, &Options::default()));
    }
}

#[test]
fn unknown_services_and_types_are_errors() {
    let err = Model::from_registry(Registry::global(), &ModelOptions { services: Some(vec!["s4".into()]), types: None })
        .unwrap_err();
    assert!(err.to_string().contains("unknown service \"s4\""), "{err}");
    let err = Model::from_registry(
        Registry::global(),
        &ModelOptions { services: None, types: Some(vec!["AWS::S3::Buckett".into()]) },
    )
    .unwrap_err();
    assert!(err.to_string().contains("did you mean AWS::S3::Bucket"), "{err}");
}
