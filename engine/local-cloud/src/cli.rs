//! `engine local-cloud`: run a local cloud in the foreground, list or reset its data directory.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args as ClapArgs, Subcommand};

use crate::{Config, FailRule, Latency, LocalCloud};

/// Arguments of `engine local-cloud`.
#[derive(Debug, ClapArgs)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every resource in a data directory (region, type, identifier).
    Ls {
        /// The data directory.
        #[arg(long)]
        data: PathBuf,
        /// One JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Empty a data directory (resources, objects, request records).
    Reset {
        /// The data directory.
        #[arg(long)]
        data: PathBuf,
    },
}

/// Serve a local cloud in the foreground.
#[derive(Debug, ClapArgs)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:4510")]
    pub listen: String,
    /// Data directory (created if missing).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Time until mutations are terminal: milliseconds, `realistic` or `realistic:FACTOR`
    /// (per-type durations close to AWS's, multiplied by FACTOR; 0.01 = 100x faster).
    #[arg(long, default_value = "0")]
    pub latency: String,
    /// Requests per second per account and region before ThrottlingException.
    #[arg(long)]
    pub throttle_rps: Option<f64>,
    /// Probability that a mutation fails with a retriable error (Throttling, ServiceInternalError,
    /// NotStabilized).
    #[arg(long, default_value_t = 0.0)]
    pub fail_rate: f64,
    /// Seed of the injected failures and generated ids.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Targeted failure `TYPE[:NAME_GLOB]=ErrorCode` (repeatable).
    #[arg(long = "fail")]
    pub fail: Vec<String>,
}

fn config(args: &ServeArgs) -> Result<Config, crate::Error> {
    let Some(data) = &args.data else {
        return Err(crate::Error::Config("--data DIR is required".to_owned()));
    };
    let mut config = Config::new(data).listen(args.listen.clone()).latency(Latency::parse(&args.latency)?);
    config.throttle_rps = args.throttle_rps;
    config.fail_rate = args.fail_rate;
    config.seed = args.seed;
    for rule in &args.fail {
        config.fail_rules.push(FailRule::parse(rule)?);
    }
    config.check()?;
    Ok(config)
}

/// Run the command; errors are printed to stderr.
#[must_use]
pub fn run(args: Args) -> ExitCode {
    match run_inner(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run_inner(args: Args) -> Result<(), crate::Error> {
    match args.command {
        Some(Command::Ls { data, json }) => {
            let listing = crate::list_resources(&data)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&listing).unwrap_or_else(|_| "[]".into()));
            } else if listing.is_empty() {
                println!("no resources in {}", data.display());
            } else {
                let width_region = listing.iter().map(|l| l.region.len()).max().unwrap_or(6).max(6);
                let width_type = listing.iter().map(|l| l.type_name.len()).max().unwrap_or(4).max(4);
                println!("{:width_region$}  {:width_type$}  IDENTIFIER", "REGION", "TYPE");
                for l in &listing {
                    println!("{:width_region$}  {:width_type$}  {}", l.region, l.type_name, l.identifier);
                }
            }
            Ok(())
        }
        Some(Command::Reset { data }) => {
            crate::reset(&data)?;
            println!("emptied {}", data.display());
            Ok(())
        }
        None => {
            let config = config(&args.serve)?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| crate::Error::io(&config.data_dir, e))?;
            runtime.block_on(async move {
                let running = LocalCloud::start(config).await?;
                println!("listening on {}", running.endpoint());
                use std::io::Write as _;
                let _ = std::io::stdout().flush();
                wait_for_signal().await;
                eprintln!("shutting down");
                running.shutdown().await
            })
        }
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
