//! The `engine` command: argument parsing and dispatch only. Each subcommand lives in
//! `commands/<name>.rs` (or in the crate that owns it, such as `engine-local-cloud`).

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Infrastructure as code for polyglot teams, on the AWS Cloud Control API.
#[derive(Debug, Parser)]
#[command(name = "engine", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print version information about the engine and its vendored schemas.
    Version,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Version => commands::version::run(),
    }
}
