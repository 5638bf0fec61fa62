use std::process::ExitCode;

pub(crate) fn run() -> ExitCode {
    let registry = engine_schema::Registry::global();
    println!(
        "engine {} (protocol {}, schemas: {}, {})",
        env!("CARGO_PKG_VERSION"),
        engine_proto::PROTOCOL_VERSION,
        registry.source(),
        registry.schema_date()
    );
    ExitCode::SUCCESS
}
