//! `engine config [list]|set|get|rm`.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use engine_config::{StoredValue, ValueKind, parse_value};

use super::context::{self, Failure};
use crate::GlobalArgs;

#[derive(Debug, Args)]
pub(crate) struct ConfigArgs {
    #[command(subcommand)]
    command: Option<ConfigCommand>,
    /// (list) show secret values in clear.
    #[arg(long)]
    show_secrets: bool,
    /// (list) as a JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Set a value (bare keys are in the project's namespace).
    Set {
        key: String,
        #[arg(allow_hyphen_values = true)]
        value: String,
        /// Encrypt the value (it is masked in every display).
        #[arg(long)]
        secret: bool,
        /// string, number, bool or json (default: inferred).
        #[arg(long = "type", value_name = "TYPE")]
        kind: Option<String>,
    },
    /// Print a value (secrets decrypted).
    Get {
        key: String,
        #[arg(long)]
        json: bool,
    },
    /// Remove a value.
    Rm { key: String },
    /// List every value (secrets masked unless --show-secrets).
    List {
        #[arg(long)]
        show_secrets: bool,
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn run(global: &GlobalArgs, args: ConfigArgs) -> ExitCode {
    context::exit((|| {
        let mut ctx = context::stack(global)?;
        match args.command {
            None => list(&ctx, args.show_secrets, args.json),
            Some(ConfigCommand::List { show_secrets, json }) => {
                list(&ctx, show_secrets || args.show_secrets, json || args.json)
            }
            Some(ConfigCommand::Set { key, value, secret, kind }) => {
                let kind = match kind {
                    Some(flag) => ValueKind::from_flag(&flag)
                        .ok_or_else(|| Failure(format!("--type {flag}: expected string, number, bool or json")))?,
                    None => ValueKind::Auto,
                };
                let parsed = parse_value(&key, &value, kind)?;
                let full = if secret {
                    ctx.stack.set_secret_config(&key, &parsed, &ctx.crypter)?
                } else {
                    ctx.stack.set_config(&key, parsed)?
                };
                ctx.stack.save()?;
                eprintln!(
                    "Set {}{} in stack {}.",
                    full.full(),
                    if secret { " (secret)" } else { "" },
                    ctx.stack.name()
                );
                Ok(ExitCode::SUCCESS)
            }
            Some(ConfigCommand::Get { key, json }) => {
                let Some(value) = ctx.stack.get_config(&key, &ctx.crypter)? else {
                    return Err(Failure(format!("stack {} has no config value {key}", ctx.stack.name())));
                };
                if json {
                    println!("{}", value.value);
                } else {
                    match &value.value {
                        serde_json::Value::String(s) => println!("{s}"),
                        other => println!("{other}"),
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            Some(ConfigCommand::Rm { key }) => {
                if !ctx.stack.remove_config(&key)? {
                    return Err(Failure(format!("stack {} has no config value {key}", ctx.stack.name())));
                }
                ctx.stack.save()?;
                eprintln!("Removed {key} from stack {}.", ctx.stack.name());
                Ok(ExitCode::SUCCESS)
            }
        }
    })())
}

fn list(ctx: &context::StackContext, show_secrets: bool, json: bool) -> Result<ExitCode, Failure> {
    let mut rows: Vec<(String, serde_json::Value, bool)> = Vec::new();
    for entry in ctx.stack.config_entries() {
        let (value, secret) = match &entry.value {
            StoredValue::Plain(v) => (v.clone(), false),
            StoredValue::Secret { ciphertext } => {
                if show_secrets {
                    (ctx.crypter.decrypt_value(ciphertext)?, true)
                } else {
                    (serde_json::Value::String(engine_config::MASK.to_owned()), true)
                }
            }
        };
        rows.push((entry.key.full(), value, secret));
    }
    if json {
        let map: serde_json::Map<String, serde_json::Value> = rows.into_iter().map(|(k, v, _)| (k, v)).collect();
        println!("{}", serde_json::to_string_pretty(&serde_json::Value::Object(map)).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        println!("Stack {} has no config.", ctx.stack.name());
        return Ok(ExitCode::SUCCESS);
    }
    let width = rows.iter().map(|(k, _, _)| k.len()).max().unwrap_or(0);
    for (key, value, secret) in rows {
        let text = match &value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        println!("{key:<width$}  {text}{}", if secret && show_secrets { "  (secret)" } else { "" });
    }
    Ok(ExitCode::SUCCESS)
}
