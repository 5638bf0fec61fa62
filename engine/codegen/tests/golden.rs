//! Golden tests: the generated code for a handful of hard types, in the three languages, compared
//! with the checked-in files under `tests/golden/<language>/`. After an intended change (or a
//! schema refresh), regenerate them with
//!
//! ```text
//! ENGINE_CODEGEN_UPDATE_GOLDEN=1 cargo test -p engine-codegen --test golden
//! ```
//! and review the diff.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use engine_codegen::{GeneratedFile, Language, Model, ModelOptions, Options, generate};

/// Types chosen for what they exercise: S3 Bucket (many nested types, enums, write-only and
/// create-only paths), EC2 VPC (acronyms, a small resource), ECS TaskDefinition (deep arrays of
/// objects, maps), WAFv2 WebACL (recursive statements), API Gateway Method (no list handler,
/// nested integration responses with maps).
const GOLDEN_TYPES: &[&str] =
    &["AWS::ApiGateway::Method", "AWS::EC2::VPC", "AWS::ECS::TaskDefinition", "AWS::S3::Bucket", "AWS::WAFv2::WebACL"];

const UPDATE: &str = "ENGINE_CODEGEN_UPDATE_GOLDEN";

fn model() -> Model {
    let options = ModelOptions { services: None, types: Some(GOLDEN_TYPES.iter().map(|t| (*t).to_owned()).collect()) };
    Model::from_registry(engine_schema::Registry::global(), &options).expect("model of the golden types")
}

fn golden_dir(language: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(language)
}

fn files_under(dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                out.insert(relative.to_path_buf());
            }
        }
    }
    out
}

fn check(language_dir: &str, files: &[GeneratedFile]) {
    let dir = golden_dir(language_dir);
    let update = std::env::var_os(UPDATE).is_some();
    if update {
        let _ = std::fs::remove_dir_all(&dir);
        engine_codegen::write_files(&dir, files).expect("write golden files");
        return;
    }
    let mut problems = Vec::new();
    for file in files {
        let path = dir.join(&file.path);
        match std::fs::read_to_string(&path) {
            Ok(expected) if expected == file.contents => {}
            Ok(expected) => {
                let line = expected
                    .lines()
                    .zip(file.contents.lines())
                    .position(|(a, b)| a != b)
                    .map_or_else(|| expected.lines().count().min(file.contents.lines().count()) + 1, |i| i + 1);
                problems.push(format!("{} differs from line {line}", file.path.display()));
            }
            Err(_) => problems.push(format!("{} is not in the golden files", file.path.display())),
        }
    }
    let generated: BTreeSet<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    for stale in files_under(&dir).difference(&generated) {
        problems.push(format!("{} is golden but no longer generated", stale.display()));
    }
    assert!(
        problems.is_empty(),
        "generated {language_dir} code differs from tests/golden/{language_dir} (run with {UPDATE}=1 to accept, then review the diff):\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn rust_golden() {
    let options = Options { rust_sdk_path: "crate".to_owned(), ..Options::default() };
    check("rust", &generate(&model(), Language::Rust, &options));
}

#[test]
fn python_golden() {
    check("python", &generate(&model(), Language::Python, &Options::default()));
}

#[test]
fn node_golden() {
    check("node", &generate(&model(), Language::Node, &Options::default()));
}
