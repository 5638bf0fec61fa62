//! Diagnostics for engine developers: `ENGINE_LOG=debug` (or any `tracing` filter, such as
//! `engine_provider=debug`) prints the engine's internal log to stderr. Off by default.

pub(crate) fn init() {
    let Some(filter) = std::env::var("ENGINE_LOG").ok().filter(|f| !f.trim().is_empty()) else { return };
    let filter = tracing_subscriber::EnvFilter::try_new(&filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
