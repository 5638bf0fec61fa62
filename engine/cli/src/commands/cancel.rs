//! `engine cancel`: break the stack's lock (a crashed or killed run, or one to stop). The next
//! run resolves whatever the interrupted one left in flight.

use std::process::ExitCode;

use super::context::{self, Failure};
use crate::GlobalArgs;

pub(crate) fn run(global: &GlobalArgs) -> ExitCode {
    context::exit((|| {
        let project = context::project(global)?;
        let name = project.resolve_stack(global.stack.as_deref())?;
        let store = context::store(&project, &name)?;
        match store.break_lock()? {
            Some(holder) => {
                println!(
                    "Broke the lock of stack {name} held by {}@{} (pid {}, `{}`, since {}). \
                     The next run resolves what it left in flight.",
                    holder.owner, holder.host, holder.pid, holder.command, holder.started
                );
            }
            None => println!("Stack {name} is not locked."),
        }
        Ok::<_, Failure>(ExitCode::SUCCESS)
    })())
}
