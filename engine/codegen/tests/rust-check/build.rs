//! Generate the Rust SDK modules (golden types and whole services) into OUT_DIR, with the SDK
//! seen from outside (`::engine_sdk`).

use engine_codegen::{Language, Model, ModelOptions, Options, generate, write_files};

/// Whole services compiled by default (they cover the golden types too).
const SERVICES: &[&str] = &["s3", "ecs", "wafv2", "apigateway", "dynamodb", "lambda", "iam"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    // ENGINE_CODEGEN_CHECK_SERVICES=s3,ec2 picks the services (build-time experiments).
    let chosen = std::env::var("ENGINE_CODEGEN_CHECK_SERVICES").ok().filter(|s| !s.is_empty());
    let services = if std::env::var_os("CARGO_FEATURE_ALL_SERVICES").is_some() {
        None
    } else if let Some(chosen) = &chosen {
        Some(chosen.split(',').map(str::to_owned).collect())
    } else {
        Some(SERVICES.iter().map(|s| (*s).to_owned()).collect())
    };
    let mut model = Model::from_registry(engine_schema::Registry::global(), &ModelOptions { services, types: None })?;
    if std::env::var_os("CARGO_FEATURE_ALL_SERVICES").is_none() && chosen.is_none() {
        // EC2 is large: only its VPC.
        let vpc = Model::from_registry(
            engine_schema::Registry::global(),
            &ModelOptions { services: None, types: Some(vec!["AWS::EC2::VPC".to_owned()]) },
        )?;
        model.services.extend(vpc.services);
        model.services.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let docs = std::env::var_os("ENGINE_CODEGEN_NO_DOCS").is_none();
    println!("cargo:rerun-if-env-changed=ENGINE_CODEGEN_NO_DOCS");
    let options = Options { rust_sdk_path: "::engine_sdk".to_owned(), rust_features: false, docs, ..Options::default() };
    write_files(&out, &generate(&model, Language::Rust, &options))?;
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=ENGINE_CODEGEN_CHECK_SERVICES");
    Ok(())
}
