//! The `engine` command: argument parsing and dispatch only. Each subcommand lives in
//! `commands/<name>.rs` (or in the crate that owns it, such as `engine-local-cloud`); what a
//! run shows is in `views/`.

mod commands;
mod views;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// mimalloc, not the system allocator: a 10,000-resource run allocates heavily from many threads,
/// where glibc's per-thread arenas held ~1.6× the live heap and its allocation was 20-30% of
/// the profile (engine-bench: no-op preview at 10,000 from ~1.9 s to ~1.5 s).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Infrastructure as code for polyglot teams, on the AWS Cloud Control API.
#[derive(Debug, Parser)]
#[command(name = "engine", version, about)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Run as if started in DIR (the program's folder, or any folder below it).
    #[arg(short = 'C', long = "cwd", global = true, value_name = "DIR")]
    pub cwd: Option<PathBuf>,
    /// The stack to use (default: the selected one, or the only one).
    #[arg(long, short = 's', global = true, env = "ENGINE_STACK", value_name = "NAME")]
    pub stack: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print version information about the engine and its vendored schemas.
    Version,
    /// Run the program and bring the stack's resources in line with it.
    Up(commands::deploy::UpArgs),
    /// Show what `up` would change, without changing anything.
    Preview(commands::deploy::PreviewArgs),
    /// Delete every resource of the stack.
    Destroy(commands::deploy::DestroyArgs),
    /// Print the program's resources and their dependencies as a graph (Mermaid or DOT).
    Graph(commands::graph::GraphArgs),
    /// Read every resource back from the cloud and record what changed outside the engine.
    Refresh(commands::deploy::RefreshArgs),
    /// Break the stack's lock (after a killed run); the next run recovers automatically.
    Cancel,
    /// Manage stacks.
    #[command(subcommand)]
    Stack(commands::stack::StackCommand),
    /// Manage the stack's config values (`engine config` lists them).
    Config(commands::config::ConfigArgs),
    /// Run a local Cloud Control server (`--listen`, `--data`), or list / reset its data.
    LocalCloud(engine_local_cloud::cli::Args),
    /// Generate the typed SDK sources of one language (`--lang rust|python|node --out DIR`).
    GenSdk(engine_codegen::cli::Args),
    /// Component packages: use one from another language (`add`), generate a binding
    /// (`gen-sdk`), show one's interface (`show`).
    #[command(subcommand)]
    Package(commands::package::PackageCommand),
}

fn main() -> ExitCode {
    commands::logging::init();
    let cli = Cli::parse();
    let global = cli.global;
    match cli.command {
        Command::Version => commands::version::run(),
        Command::Up(args) => commands::deploy::up(&global, args),
        Command::Preview(args) => commands::deploy::preview(&global, args),
        Command::Destroy(args) => commands::deploy::destroy(&global, args),
        Command::Graph(args) => commands::graph::run(&global, args),
        Command::Refresh(args) => commands::deploy::refresh(&global, args),
        Command::Cancel => commands::cancel::run(&global),
        Command::Stack(command) => commands::stack::run(&global, command),
        Command::Config(args) => commands::config::run(&global, args),
        Command::LocalCloud(args) => engine_local_cloud::cli::run(args),
        Command::GenSdk(args) => engine_codegen::cli::run(args),
        Command::Package(command) => commands::package::run(&global, command),
    }
}
