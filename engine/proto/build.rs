//! Builds the gRPC stubs from `proto/engine/v1/*.proto` with a vendored `protoc` (no system
//! install needed); an explicit `PROTOC` in the environment wins.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var_os("PROTOC").is_none() {
        let protoc = protoc_bin_vendored::protoc_bin_path()?;
        // SAFETY: build scripts are single-threaded at this point.
        #[expect(unsafe_code, reason = "edition 2024 makes set_var unsafe; the build script has one thread")]
        unsafe {
            std::env::set_var("PROTOC", protoc);
        }
    }
    let proto_root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    let file = proto_root.join("engine/v1/monitor.proto");
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_protos(&[file.clone()], &[proto_root])?;
    println!("cargo:rerun-if-changed={}", file.display());
    Ok(())
}
