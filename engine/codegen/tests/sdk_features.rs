//! `sdk-rust/Cargo.toml` declares exactly one `aws-<service>` feature per service of the schemas
//! (the block is generated: `cargo run -p engine-codegen --example sdk_features -- --write`).

use engine_codegen::{Model, ModelOptions, build};

#[test]
fn sdk_manifest_declares_every_service_feature() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sdk-rust/Cargo.toml");
    let manifest = std::fs::read_to_string(&path).expect("sdk-rust/Cargo.toml");
    let model = Model::from_registry(engine_schema::Registry::global(), &ModelOptions::default()).expect("model");
    let block = build::cargo_features(&model);
    let start = manifest.find(build::BEGIN).expect("the generated feature block's first marker");
    let end = manifest.find(build::END).expect("the generated feature block's last marker") + build::END.len() + 1;
    assert!(
        manifest[start..end] == block,
        "sdk-rust/Cargo.toml's AWS features are out of date with the schemas: run \
         `cargo run -p engine-codegen --example sdk_features -- --write`"
    );
    assert_eq!(block.lines().filter(|l| l.starts_with("aws-") && l.ends_with("= [\"aws\"]")).count(), model.services.len());
}
