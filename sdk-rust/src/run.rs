//! The program's entry point.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::process::ExitCode;

use futures::FutureExt;

use crate::context::Context;
use crate::output::panic_message;
use crate::{Error, runtime};

/// Run a program: connect to the engine (from the environment), run `program`, wait for every
/// registration and callback, send the stack outputs, report the outcome to the engine
/// (`Finish`, with the first error and the resource it concerns), and return the exit code
/// (non-zero on any error). `#[engine_sdk::main]` expands to a call of this.
///
/// ```no_run
/// use engine_sdk::prelude::*;
///
/// fn main() -> std::process::ExitCode {
///     engine_sdk::run(|ctx: Context| async move {
///         ctx.export("greeting", "hello");
///         Ok::<(), Error>(())
///     })
/// }
/// ```
pub fn run<F, Fut, E>(program: F) -> ExitCode
where
    F: FnOnce(Context) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    runtime::block_on(async move {
        let ctx = match Context::from_env().await {
            Ok(ctx) => ctx,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        };
        let outcome = match AssertUnwindSafe(program(ctx.clone())).catch_unwind().await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(Error::from(error.into())),
            Err(panic) => Err(Error::Other(format!("the program panicked: {}", panic_message(&*panic)))),
        };
        match ctx.finish(outcome).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                // The engine shows the error it received with Finish; say it here too for
                // whoever reads the program's own output.
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        }
    })
}
