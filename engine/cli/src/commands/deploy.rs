//! `engine up`, `preview`, `destroy`, `refresh`.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Args;
use engine_deploy::{CancelSignal, Operation, RunOptions, RunOutcome, Session};

use super::context::{self, Failure, StackContext};
use crate::GlobalArgs;
use crate::views::{self, ViewOptions};

/// Exit status of a preview (or refresh) with `--expect-no-changes` that found changes.
pub(crate) const EXIT_CHANGES: u8 = 2;

#[derive(Debug, Args)]
pub(crate) struct UpArgs {
    /// Do not ask for confirmation.
    #[arg(short, long)]
    yes: bool,
    /// Show property-level changes.
    #[arg(long)]
    diff: bool,
    /// One JSON event per line on stdout (see engine_deploy::events).
    #[arg(long)]
    json: bool,
    /// How many cloud operations may be in flight at once.
    #[arg(long, short = 'p', value_name = "N", env = "ENGINE_PARALLEL")]
    parallel: Option<usize>,
    /// Change only this resource: its URN or its logical name (repeatable).
    #[arg(long = "target", value_name = "URN|NAME")]
    targets: Vec<String>,
    /// Read every resource back from the cloud first.
    #[arg(long)]
    refresh: bool,
    /// Do not run a preview before updating.
    #[arg(long)]
    skip_preview: bool,
}

#[derive(Debug, Args)]
pub(crate) struct PreviewArgs {
    /// Show property-level changes and the reason for each replacement.
    #[arg(long)]
    diff: bool,
    /// One JSON event per line on stdout.
    #[arg(long)]
    json: bool,
    /// Exit with status 2 when changes are present (1 on error, 0 otherwise).
    #[arg(long)]
    expect_no_changes: bool,
    #[arg(long, short = 'p', value_name = "N", env = "ENGINE_PARALLEL")]
    parallel: Option<usize>,
    #[arg(long = "target", value_name = "URN|NAME")]
    targets: Vec<String>,
    /// Read every resource back from the cloud first (nothing is written).
    #[arg(long)]
    refresh: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DestroyArgs {
    /// Do not ask for confirmation.
    #[arg(short, long)]
    yes: bool,
    #[arg(long)]
    json: bool,
    #[arg(long, short = 'p', value_name = "N", env = "ENGINE_PARALLEL")]
    parallel: Option<usize>,
    #[arg(long = "target", value_name = "URN|NAME")]
    targets: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct RefreshArgs {
    /// Record what was found without asking.
    #[arg(short, long)]
    yes: bool,
    #[arg(long)]
    diff: bool,
    #[arg(long)]
    json: bool,
    /// Only look: exit with status 2 when the cloud drifted (nothing is written).
    #[arg(long)]
    expect_no_changes: bool,
    #[arg(long, short = 'p', value_name = "N", env = "ENGINE_PARALLEL")]
    parallel: Option<usize>,
    #[arg(long = "target", value_name = "URN|NAME")]
    targets: Vec<String>,
}

/// First Ctrl-C: finish what is in flight and save; second: stop at once.
fn install_interrupt(cancel: &CancelSignal) {
    let cancel = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        eprintln!("\nInterrupted: finishing what is in flight and saving state (Ctrl-C again to stop at once)...");
        cancel.cancel();
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\nStopped. The next run resolves the interrupted operations.");
            std::process::exit(130);
        }
    });
}

async fn one_run(session: &mut Session<'_>, options: RunOptions, view: ViewOptions) -> Result<RunOutcome, Failure> {
    let view = views::make(view);
    let sink: std::sync::Arc<dyn engine_deploy::EventSink> = view.clone();
    let result = session.run(options, sink).await;
    view.close();
    Ok(result?)
}

/// Open the stack (locked when `lock` names the command), run `body`, close the session.
async fn with_session<F>(ctx: &StackContext, lock: Option<&str>, body: F) -> Result<ExitCode, Failure>
where
    F: for<'s> AsyncFnOnce(&'s mut Session<'_>) -> Result<ExitCode, Failure>,
{
    let mut session = Session::open(&ctx.project, &ctx.stack, &ctx.crypter, lock).await?;
    let result = body(&mut session).await;
    let closed = session.close().await;
    let code = result?;
    closed?;
    Ok(code)
}

fn options(
    operation: Operation,
    dry_run: bool,
    parallel: Option<usize>,
    targets: Vec<String>,
    cancel: &CancelSignal,
) -> RunOptions {
    let mut options = RunOptions::new(operation);
    options.dry_run = dry_run;
    if let Some(p) = parallel.filter(|p| *p > 0) {
        options.parallel = p;
    }
    options.targets = targets;
    options.cancel = cancel.clone();
    options
}

fn status(outcome: &RunOutcome) -> ExitCode {
    if outcome.ok { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

fn require_confirmation(what: &str) -> Result<bool, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure(format!("{what} needs confirmation: pass --yes (no terminal to ask on)")));
    }
    Ok(context::confirm(&format!("Do you want to perform this {what}?")))
}

pub(crate) fn up(global: &GlobalArgs, args: UpArgs) -> ExitCode {
    context::exit((|| {
        let ctx = context::stack(global)?;
        let runtime = context::runtime()?;
        runtime.block_on(async {
            let cancel = CancelSignal::new();
            install_interrupt(&cancel);
            let view = ViewOptions { json: args.json, diff: args.diff };
            with_session(&ctx, Some("engine up"), async |session| {
                if !args.skip_preview {
                    let mut preview = options(Operation::Up, true, args.parallel, args.targets.clone(), &cancel);
                    preview.refresh = args.refresh;
                    let outcome = one_run(session, preview, view).await?;
                    if !outcome.ok {
                        return Ok(status(&outcome));
                    }
                    if !outcome.changes && !args.refresh {
                        return Ok(ExitCode::SUCCESS);
                    }
                }
                if !args.yes && !require_confirmation("update")? {
                    eprintln!("Cancelled: nothing was changed.");
                    return Ok(ExitCode::from(1));
                }
                if cancel.is_cancelled() {
                    return Ok(ExitCode::from(1));
                }
                let mut run = options(Operation::Up, false, args.parallel, args.targets.clone(), &cancel);
                run.refresh = args.refresh;
                let outcome = one_run(session, run, view).await?;
                Ok(status(&outcome))
            })
            .await
        })
    })())
}

pub(crate) fn preview(global: &GlobalArgs, args: PreviewArgs) -> ExitCode {
    context::exit((|| {
        let ctx = context::stack(global)?;
        let runtime = context::runtime()?;
        runtime.block_on(async {
            let cancel = CancelSignal::new();
            install_interrupt(&cancel);
            with_session(&ctx, None, async |session| {
                let mut run = options(Operation::Preview, true, args.parallel, args.targets.clone(), &cancel);
                run.refresh = args.refresh;
                let outcome = one_run(session, run, ViewOptions { json: args.json, diff: args.diff }).await?;
                if !outcome.ok {
                    return Ok(ExitCode::from(1));
                }
                if args.expect_no_changes && outcome.changes {
                    if !args.json {
                        eprintln!("error: changes are present (--expect-no-changes)");
                    }
                    return Ok(ExitCode::from(EXIT_CHANGES));
                }
                Ok(ExitCode::SUCCESS)
            })
            .await
        })
    })())
}

pub(crate) fn destroy(global: &GlobalArgs, args: DestroyArgs) -> ExitCode {
    context::exit((|| {
        let ctx = context::stack(global)?;
        let runtime = context::runtime()?;
        runtime.block_on(async {
            let cancel = CancelSignal::new();
            install_interrupt(&cancel);
            let view = ViewOptions { json: args.json, diff: false };
            with_session(&ctx, Some("engine destroy"), async |session| {
                if !args.yes {
                    let plan = options(Operation::Destroy, true, args.parallel, args.targets.clone(), &cancel);
                    let outcome = one_run(session, plan, view).await?;
                    if !outcome.ok {
                        return Ok(status(&outcome));
                    }
                    if !outcome.changes {
                        return Ok(ExitCode::SUCCESS);
                    }
                    if !require_confirmation("destroy")? {
                        eprintln!("Cancelled: nothing was deleted.");
                        return Ok(ExitCode::from(1));
                    }
                }
                let run = options(Operation::Destroy, false, args.parallel, args.targets.clone(), &cancel);
                let outcome = one_run(session, run, view).await?;
                Ok(status(&outcome))
            })
            .await
        })
    })())
}

pub(crate) fn refresh(global: &GlobalArgs, args: RefreshArgs) -> ExitCode {
    context::exit((|| {
        let ctx = context::stack(global)?;
        let runtime = context::runtime()?;
        runtime.block_on(async {
            let cancel = CancelSignal::new();
            install_interrupt(&cancel);
            let view = ViewOptions { json: args.json, diff: args.diff || !args.json };
            let lock = (!args.expect_no_changes).then_some("engine refresh");
            with_session(&ctx, lock, async |session| {
                let dry = args.expect_no_changes || !args.yes;
                let look = options(Operation::Refresh, dry, args.parallel, args.targets.clone(), &cancel);
                let outcome = one_run(session, look, view).await?;
                if !outcome.ok {
                    return Ok(ExitCode::from(1));
                }
                if args.expect_no_changes {
                    return Ok(if outcome.changes { ExitCode::from(EXIT_CHANGES) } else { ExitCode::SUCCESS });
                }
                if args.yes || !outcome.changes {
                    return Ok(ExitCode::SUCCESS);
                }
                if !require_confirmation("refresh")? {
                    eprintln!("Cancelled: nothing was recorded.");
                    return Ok(ExitCode::from(1));
                }
                let record = options(Operation::Refresh, false, args.parallel, args.targets.clone(), &cancel);
                let outcome = one_run(session, record, view).await?;
                Ok(status(&outcome))
            })
            .await
        })
    })())
}
