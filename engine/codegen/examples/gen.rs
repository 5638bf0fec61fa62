//! Generate one language into a folder: `cargo run -p engine-codegen --example gen -- python /tmp/out [s3,ec2]`.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let language: engine_codegen::Language = args[1].parse()?;
    let services = args.get(3).map(|s| s.split(',').map(str::to_owned).collect());
    let start = std::time::Instant::now();
    let model = engine_codegen::Model::from_registry(
        engine_schema::Registry::global(),
        &engine_codegen::ModelOptions { services, types: None },
    )?;
    let modelled = start.elapsed();
    let mut options = engine_codegen::Options::default();
    if let Ok(path) = std::env::var("GEN_SDK_PATH") {
        options.rust_sdk_path = path;
    }
    options.rust_features = std::env::var_os("GEN_NO_FEATURES").is_none();
    options.docs = std::env::var_os("GEN_NO_DOCS").is_none();
    let files = engine_codegen::generate(&model, language, &options);
    let bytes: usize = files.iter().map(|f| f.contents.len()).sum();
    engine_codegen::write_files(std::path::Path::new(&args[2]), &files)?;
    eprintln!("{} resources, {} files, {bytes} bytes; model {modelled:?}, total {:?}", model.resource_count(), files.len(), start.elapsed());
    Ok(())
}
