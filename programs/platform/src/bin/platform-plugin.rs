//! The platform package as a component plugin: the engine starts it when a Python or
//! TypeScript program uses one of its components, and asks it to construct them.

fn main() -> std::process::ExitCode {
    eprintln!("platform-plugin: not ready yet");
    std::process::ExitCode::FAILURE
}
