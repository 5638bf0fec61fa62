//! `engine stack init|ls|select|rm|output`.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use engine_config::{Cloud, SecretsProvider, StackInit};
use serde_json::{Map, Value};

use super::context::{self, Failure};
use crate::GlobalArgs;

#[derive(Debug, Subcommand)]
pub(crate) enum StackCommand {
    /// Create a stack (Engine.<NAME>.toml) and select it.
    Init(InitArgs),
    /// List the project's stacks.
    Ls,
    /// Make a stack the default for later commands.
    Select { name: String },
    /// Delete a stack's file and state (refused while it has resources, unless --force).
    Rm {
        name: String,
        /// Remove even if the stack still has resources (they are left in the cloud, untracked).
        #[arg(long)]
        force: bool,
    },
    /// Show the stack's outputs (one by NAME).
    Output(OutputArgs),
}

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    name: String,
    /// local (the embedded local cloud) or aws.
    #[arg(long, default_value = "local")]
    cloud: String,
    /// Default region of the stack's resources.
    #[arg(long)]
    region: Option<String>,
    /// local-key or passphrase (default: local-key on local, passphrase on aws).
    #[arg(long)]
    secrets: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct OutputArgs {
    /// Only this output.
    name: Option<String>,
    #[arg(long)]
    json: bool,
    /// Show secret values in clear.
    #[arg(long)]
    show_secrets: bool,
}

pub(crate) fn run(global: &GlobalArgs, command: StackCommand) -> ExitCode {
    context::exit(match command {
        StackCommand::Init(args) => init(global, args),
        StackCommand::Ls => ls(global),
        StackCommand::Select { name } => select(global, &name),
        StackCommand::Rm { name, force } => rm(global, &name, force),
        StackCommand::Output(args) => output(global, args),
    })
}

fn init(global: &GlobalArgs, args: InitArgs) -> Result<ExitCode, Failure> {
    let project = context::project(global)?;
    let cloud =
        Cloud::parse(&args.cloud).ok_or_else(|| Failure(format!("--cloud {}: expected local or aws", args.cloud)))?;
    let mut init = StackInit::new(cloud);
    init.region = args.region;
    if let Some(secrets) = args.secrets {
        init.secrets = Some(
            SecretsProvider::parse(&secrets)
                .ok_or_else(|| Failure(format!("--secrets {secrets}: expected local-key or passphrase")))?,
        );
    }
    let stack = project.init_stack(&args.name, &init, &context::passphrase_source())?;
    project.select_stack(&args.name)?;
    println!(
        "Created stack {} ({} cloud, {}) in {}; it is now selected.",
        args.name,
        stack.cloud(),
        stack.region(),
        stack.file().display()
    );
    Ok(ExitCode::SUCCESS)
}

fn ls(global: &GlobalArgs) -> Result<ExitCode, Failure> {
    let project = context::project(global)?;
    let selected = project.selected_stack()?;
    let names = project.stack_names()?;
    if names.is_empty() {
        println!("No stacks yet: create one with `engine stack init dev`.");
        return Ok(ExitCode::SUCCESS);
    }
    println!("{:<2}{:<20} {:<6} {:<16} RESOURCES", "", "NAME", "CLOUD", "REGION");
    for name in names {
        let marker = if selected.as_deref() == Some(name.as_str()) { "*" } else { "" };
        let (cloud, region) = match project.load_stack(&name) {
            Ok(stack) => (stack.cloud().to_string(), stack.region().to_owned()),
            Err(_) => ("?".to_owned(), "?".to_owned()),
        };
        let count = context::store(&project, &name)
            .and_then(|s| s.resource_count().map_err(Failure::from))
            .map_or_else(|e| format!("? ({})", e.0), |n| n.to_string());
        println!("{marker:<2}{name:<20} {cloud:<6} {region:<16} {count}");
    }
    Ok(ExitCode::SUCCESS)
}

fn select(global: &GlobalArgs, name: &str) -> Result<ExitCode, Failure> {
    let project = context::project(global)?;
    project.select_stack(name)?;
    println!("Selected stack {name}.");
    Ok(ExitCode::SUCCESS)
}

fn rm(global: &GlobalArgs, name: &str, force: bool) -> Result<ExitCode, Failure> {
    let project = context::project(global)?;
    let store = context::store(&project, name)?;
    let lock = store.lock(&engine_state::LockOptions { command: "engine stack rm".into(), ..Default::default() })?;
    let mut count = |_: &str| store.resource_count().map_err(|e| e.to_string());
    project.remove_stack(name, force, &mut count)?;
    store.remove(lock)?;
    println!("Removed stack {name}.");
    Ok(ExitCode::SUCCESS)
}

/// An output value for display: plain text for strings, JSON otherwise.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn output(global: &GlobalArgs, args: OutputArgs) -> Result<ExitCode, Failure> {
    let ctx = context::stack(global)?;
    let store = context::store(&ctx.project, ctx.stack.name())?;
    let outputs: Map<String, Value> = if args.show_secrets {
        let loaded = store.load(&ctx.crypter)?;
        loaded.state.outputs.iter().map(|(k, v)| (k.clone(), engine_proto::value::unwrap_secrets(v).0)).collect()
    } else {
        let loaded = store.load_encrypted()?;
        loaded.state.outputs.iter().map(|(k, v)| (k.clone(), engine_config::mask_value(v))).collect()
    };
    if let Some(name) = &args.name {
        let Some(value) = outputs.get(name) else {
            let known: Vec<&String> = outputs.keys().collect();
            return Err(Failure(format!(
                "stack {} has no output {name:?} (outputs: {})",
                ctx.stack.name(),
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
                }
            )));
        };
        if args.json {
            println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
        } else {
            println!("{}", text(value));
        }
        return Ok(ExitCode::SUCCESS);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&Value::Object(outputs)).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    if outputs.is_empty() {
        println!("Stack {} has no outputs.", ctx.stack.name());
        return Ok(ExitCode::SUCCESS);
    }
    let width = outputs.keys().map(String::len).max().unwrap_or(0);
    for (k, v) in &outputs {
        println!("{k:<width$}  {}", text(v));
    }
    Ok(ExitCode::SUCCESS)
}
