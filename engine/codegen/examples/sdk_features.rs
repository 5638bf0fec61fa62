//! Print (or, with `--write`, rewrite in `sdk-rust/Cargo.toml`) the block of AWS service features.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let model = engine_codegen::Model::from_registry(engine_schema::Registry::global(), &engine_codegen::ModelOptions::default())?;
    let block = engine_codegen::build::cargo_features(&model);
    if std::env::args().any(|a| a == "--write") {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sdk-rust/Cargo.toml");
        let manifest = std::fs::read_to_string(&path)?;
        let updated = engine_codegen::build::replace_block(&manifest, &block)
            .ok_or("sdk-rust/Cargo.toml has no generated feature block (markers missing)")?;
        std::fs::write(&path, updated)?;
    } else {
        print!("{block}");
    }
    Ok(())
}
