//! The SDK's process-wide tokio runtime, safe across `fork()`.
//!
//! Everything the SDK does in the background (registrations, `apply` callbacks, the connection's
//! own worker) runs on this one multi-thread runtime, whatever runtime (or none) the host uses:
//! a Rust program (`engine_sdk::run` blocks on it), the Python binding (block on it with the GIL
//! released), the Node binding (await the SDK's futures from napi's runtime: they are
//! runtime-agnostic).
//!
//! Tokio's worker threads do not survive `fork()`. The runtime remembers the process id it was
//! built in; in a forked child, the first use builds a fresh runtime (the parent's is leaked:
//! its threads do not exist in the child). A [`crate::Context`] made before the fork refuses to
//! work in the child ([`crate::Error::Forked`]); the child makes its own.

use std::future::Future;
use std::sync::Mutex;

use tokio::runtime::{Builder, Handle, Runtime};
use tokio::task::JoinHandle;

static RUNTIME: Mutex<Option<(u32, &'static Runtime)>> = Mutex::new(None);

/// A handle to the SDK's runtime for this process (built on first use, rebuilt after a fork).
///
/// # Panics
/// If the operating system refuses to start the runtime's threads: nothing in the SDK can run
/// without them.
#[must_use]
pub fn handle() -> Handle {
    let pid = std::process::id();
    let mut slot = RUNTIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((owner, runtime)) = *slot
        && owner == pid
    {
        return runtime.handle().clone();
    }
    #[expect(clippy::expect_used, reason = "no thread, no SDK: there is nothing to fall back to")]
    let runtime = Builder::new_multi_thread()
        .enable_all()
        .thread_name("engine-sdk")
        .build()
        .expect("engine-sdk: cannot start the tokio runtime's threads");
    // Leaked on purpose: dropping a runtime inherited through fork() would join threads that do
    // not exist in this process.
    let runtime: &'static Runtime = Box::leak(Box::new(runtime));
    *slot = Some((pid, runtime));
    runtime.handle().clone()
}

/// Run a future to completion on the SDK's runtime, blocking the calling thread.
///
/// For bindings (the Python binding calls it with the GIL released) and for `run`. Must not be
/// called from inside an async context (tokio panics on nested `block_on`).
pub fn block_on<F: Future>(future: F) -> F::Output {
    handle().block_on(future)
}

/// Spawn a task on the SDK's runtime.
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    handle().spawn(future)
}

/// Fail with [`crate::Error::Forked`] when called in another process than `created_in`.
pub(crate) fn check_pid(created_in: u32) -> crate::Result<()> {
    let current = std::process::id();
    if current == created_in {
        Ok(())
    } else {
        Err(crate::Error::Forked { created: created_in, current })
    }
}
