//! Outstanding work: the program's end waits until every registration, `apply` callback, log
//! line and output registration is done, and reports the first error.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;

use crate::Error;

/// Counts work in flight and keeps the first error (clones share one tracker).
#[derive(Clone, Default)]
pub(crate) struct Tracker {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    pending: AtomicUsize,
    idle: Notify,
    first_error: Mutex<Option<Error>>,
}

/// One unit of work; the tracker counts it until the guard is dropped.
pub(crate) struct WorkGuard {
    inner: Arc<Inner>,
}

impl Drop for WorkGuard {
    fn drop(&mut self) {
        if self.inner.pending.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.inner.idle.notify_waiters();
        }
    }
}

impl Tracker {
    /// Start counting one unit of work.
    pub(crate) fn begin(&self) -> WorkGuard {
        self.inner.pending.fetch_add(1, Ordering::AcqRel);
        WorkGuard { inner: Arc::clone(&self.inner) }
    }

    /// Spawn a task on the SDK runtime, counted until it ends.
    pub(crate) fn spawn<F>(&self, future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let guard = self.begin();
        // Boxed: registration futures are large, and tokio would copy the whole state machine
        // into each task (measured: 9% of a registration burst in memmove).
        let future = Box::pin(future);
        crate::runtime::spawn(async move {
            future.await;
            drop(guard);
        });
    }

    /// Remember an error if it is the first.
    pub(crate) fn record(&self, error: &Error) {
        let mut first = self.inner.first_error.lock().unwrap_or_else(PoisonError::into_inner);
        if first.is_none() {
            *first = Some(error.clone());
        }
    }

    pub(crate) fn first_error(&self) -> Option<Error> {
        self.inner.first_error.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Wait until no work is in flight.
    pub(crate) async fn wait_idle(&self) {
        loop {
            let notified = self.inner.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.inner.pending.load(Ordering::Acquire) == 0 {
                return;
            }
            notified.await;
        }
    }
}

static DEFAULT: Mutex<Option<Tracker>> = Mutex::new(None);

/// The tracker of the process's current program (set by `run` / `Context::from_env`), used by
/// outputs that were not derived from any resource (`Output::new(..).apply(..)`).
pub(crate) fn default_tracker() -> Option<Tracker> {
    DEFAULT.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

pub(crate) fn set_default_tracker(tracker: &Tracker) {
    *DEFAULT.lock().unwrap_or_else(PoisonError::into_inner) = Some(tracker.clone());
}
