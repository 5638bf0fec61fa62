//! Generates the typed AWS resources of the enabled `aws-<service>` features into `OUT_DIR/aws/`
//! (engine-codegen, from the vendored CloudFormation schemas; see engine/codegen/RUNTIME.md).

fn main() {
    #[cfg(feature = "aws")]
    if let Err(error) = engine_codegen::build::rust_sdk() {
        eprintln!("error: generating the typed AWS resources failed: {error}");
        std::process::exit(1);
    }
}
