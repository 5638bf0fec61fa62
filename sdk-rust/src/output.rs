//! `Output<T>`: a value that becomes known later (a resource's property after registration), may
//! stay *unknown* (in preview), may be *secret*, and remembers which resources it came from.
//!
//! An output resolves once; its clones share the result. Combinators (`map`, `apply`, `all`,
//! `zip`, ...) are eager: they run as soon as their inputs resolve, whether or not anyone awaits
//! the result, and an `apply` callback's failure is reported as the program's error even when
//! its result is never used. Rules, implemented once here for every language:
//!
//! - **unknown**: a callback never runs on an unknown value; the result is unknown.
//! - **secret**: the result of any combinator over a secret is secret.
//! - **dependencies**: the result depends on the union of its inputs' resources (and, for a
//!   callback that returns an output, on that output's resources too).
//! - **errors**: a failed input fails the result with the same error.

use std::cell::RefCell;
use std::collections::{BTreeSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context as TaskContext, Poll, Waker};

use futures::FutureExt;

use crate::tracker::{Tracker, default_tracker};
use crate::{Error, Result};

/// The set of resource URNs a value depends on.
pub type Urns = BTreeSet<String>;

/// What an output resolved to.
#[derive(Clone, PartialEq, Eq)]
pub struct Resolved<T> {
    /// `None`: unknown (only in preview).
    pub value: Option<T>,
    pub secret: bool,
    /// URNs of the resources the value came from.
    pub dependencies: Urns,
}

impl<T> Resolved<T> {
    /// A known, non-secret value without dependencies.
    pub fn known(value: T) -> Self {
        Resolved { value: Some(value), secret: false, dependencies: Urns::new() }
    }

    /// An unknown value.
    #[must_use]
    pub fn unknown() -> Self {
        Resolved { value: None, secret: false, dependencies: Urns::new() }
    }

    #[must_use]
    pub fn is_known(&self) -> bool {
        self.value.is_some()
    }

    fn with_value<U>(&self, value: Option<U>) -> Resolved<U> {
        Resolved { value, secret: self.secret, dependencies: self.dependencies.clone() }
    }
}

impl<T: fmt::Debug> fmt::Debug for Resolved<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Resolved");
        match (&self.value, self.secret) {
            (None, _) => s.field("value", &"<unknown>"),
            (Some(_), true) => s.field("value", &"<secret>"),
            (Some(value), false) => s.field("value", value),
        };
        s.field("secret", &self.secret).field("dependencies", &self.dependencies).finish()
    }
}

/// Types an output can carry.
pub trait OutputValue: Clone + Send + Sync + 'static {}
impl<T: Clone + Send + Sync + 'static> OutputValue for T {}

pub(crate) type Settled<T> = Result<Arc<Resolved<T>>, Error>;
type Continuation<T> = Box<dyn FnOnce(&Settled<T>) + Send>;

struct Cell<T> {
    state: Mutex<State<T>>,
    /// Where failures of callbacks derived from this output are reported, and what waits for
    /// their `apply` tasks.
    tracker: Option<Tracker>,
}

enum State<T> {
    Pending { continuations: Vec<Continuation<T>>, wakers: Vec<Waker> },
    Done(Settled<T>),
}

impl<T> Cell<T> {
    fn new(tracker: Option<Tracker>) -> Self {
        Cell { state: Mutex::new(State::Pending { continuations: Vec::new(), wakers: Vec::new() }), tracker }
    }

    fn done(settled: Settled<T>) -> Self {
        Cell { state: Mutex::new(State::Done(settled)), tracker: None }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn settle(&self, settled: Settled<T>)
    where
        T: OutputValue,
    {
        let (continuations, wakers) = {
            let mut state = self.lock();
            match &mut *state {
                State::Done(_) => return,
                State::Pending { continuations, wakers } => {
                    let taken = (std::mem::take(continuations), std::mem::take(wakers));
                    *state = State::Done(settled.clone());
                    taken
                }
            }
        };
        for waker in wakers {
            waker.wake();
        }
        for continuation in continuations {
            let settled = settled.clone();
            run_job(Box::new(move || continuation(&settled)));
        }
    }

    fn on_settled(&self, continuation: Continuation<T>)
    where
        T: OutputValue,
    {
        let settled = {
            let mut state = self.lock();
            match &mut *state {
                State::Pending { continuations, .. } => {
                    continuations.push(continuation);
                    return;
                }
                State::Done(settled) => settled.clone(),
            }
        };
        run_job(Box::new(move || continuation(&settled)));
    }

    fn peek(&self) -> Option<Settled<T>> {
        match &*self.lock() {
            State::Done(settled) => Some(settled.clone()),
            State::Pending { .. } => None,
        }
    }
}

// Continuations run through a per-thread queue: resolving an output inside another output's
// continuation queues its own continuations instead of recursing, so long chains never grow
// the stack.
type Job = Box<dyn FnOnce()>;

thread_local! {
    static QUEUE: RefCell<Option<VecDeque<Job>>> = const { RefCell::new(None) };
}

fn run_job(job: Job) {
    let run_now = QUEUE.with(|queue| {
        let mut queue = queue.borrow_mut();
        match queue.as_mut() {
            Some(pending) => {
                pending.push_back(job);
                None
            }
            None => {
                *queue = Some(VecDeque::new());
                Some(job)
            }
        }
    });
    let Some(first) = run_now else { return };
    // Jobs never panic: user callbacks are run under catch_unwind by the combinators.
    first();
    loop {
        let next = QUEUE.with(|queue| queue.borrow_mut().as_mut().and_then(VecDeque::pop_front));
        match next {
            Some(job) => job(),
            None => break,
        }
    }
    QUEUE.with(|queue| *queue.borrow_mut() = None);
}

pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "(no message)".to_owned()
    }
}

fn report(tracker: Option<&Tracker>, error: &Error) {
    if let Some(tracker) = tracker {
        tracker.record(error);
    }
}

/// A value that becomes known later (a resource's property after registration): it resolves
/// once to a value or *unknown* (preview), a secret flag, and the URNs of the resources it came
/// from. Combinators run eagerly; callbacks never run on unknowns; secrets and dependencies
/// propagate through every combinator; a failed input fails the result with the same error.
pub struct Output<T> {
    cell: Arc<Cell<T>>,
}

impl<T> Clone for Output<T> {
    fn clone(&self) -> Self {
        Output { cell: Arc::clone(&self.cell) }
    }
}

/// Resolves the [`Output`] made by [`Output::pending`]. Dropping it unresolved fails the output
/// (so nothing waits forever).
pub struct OutputResolver<T: OutputValue> {
    cell: Option<Arc<Cell<T>>>,
}

impl<T: OutputValue> OutputResolver<T> {
    /// Resolve with a value, unknown-ness, secret flag and dependencies.
    pub fn resolve(mut self, resolved: Resolved<T>) {
        if let Some(cell) = self.cell.take() {
            cell.settle(Ok(Arc::new(resolved)));
        }
    }

    /// Resolve with a known value.
    pub fn resolve_value(self, value: T) {
        self.resolve(Resolved::known(value));
    }

    /// Fail the output.
    pub fn reject(mut self, error: Error) {
        if let Some(cell) = self.cell.take() {
            cell.settle(Err(error));
        }
    }

    fn settle(mut self, settled: Settled<T>) {
        if let Some(cell) = self.cell.take() {
            cell.settle(settled);
        }
    }
}

impl<T: OutputValue> Drop for OutputResolver<T> {
    fn drop(&mut self) {
        if let Some(cell) = self.cell.take() {
            cell.settle(Err(Error::Callback("an output was dropped before it was resolved".to_owned())));
        }
    }
}

impl<T: OutputValue> Output<T> {
    /// A known value.
    pub fn new(value: T) -> Self {
        Self::from_resolved(Resolved::known(value))
    }

    /// A known secret value.
    pub fn secret(value: T) -> Self {
        Self::from_resolved(Resolved { value: Some(value), secret: true, dependencies: Urns::new() })
    }

    /// An unknown value (preview).
    #[must_use]
    pub fn unknown() -> Self {
        Self::from_resolved(Resolved::unknown())
    }

    /// An output already resolved.
    pub fn from_resolved(resolved: Resolved<T>) -> Self {
        Output { cell: Arc::new(Cell::done(Ok(Arc::new(resolved)))) }
    }

    /// A failed output.
    #[must_use]
    pub fn error(error: Error) -> Self {
        Output { cell: Arc::new(Cell::done(Err(error))) }
    }

    /// An output resolved later through the returned resolver (for bindings and the core).
    #[must_use]
    pub fn pending() -> (Self, OutputResolver<T>) {
        Self::pending_with(default_tracker())
    }

    pub(crate) fn pending_with(tracker: Option<Tracker>) -> (Self, OutputResolver<T>) {
        let cell = Arc::new(Cell::new(tracker));
        (Output { cell: Arc::clone(&cell) }, OutputResolver { cell: Some(cell) })
    }

    pub(crate) fn tracker(&self) -> Option<Tracker> {
        self.cell.tracker.clone().or_else(default_tracker)
    }

    /// A new pending output whose resolution is driven by a continuation on this one.
    pub(crate) fn derive<U: OutputValue>(
        &self,
        f: impl FnOnce(&Settled<T>, OutputResolver<U>) + Send + 'static,
    ) -> Output<U> {
        let (output, resolver) = Output::pending_with(self.tracker());
        self.cell.on_settled(Box::new(move |settled| f(settled, resolver)));
        output
    }

    /// Transform the value (skipped when unknown; secret and dependencies carried over).
    pub fn map<U: OutputValue>(&self, f: impl FnOnce(T) -> U + Send + 'static) -> Output<U> {
        self.try_map(move |value| Ok(f(value)))
    }

    /// Transform the value with a callback that may fail; the failure fails the output and is
    /// reported as the program's error.
    pub fn try_map<U: OutputValue>(&self, f: impl FnOnce(T) -> Result<U> + Send + 'static) -> Output<U> {
        let tracker = self.tracker();
        self.derive(move |settled, resolver| {
            let resolved = match settled {
                Err(error) => return resolver.reject(error.clone()),
                Ok(resolved) => resolved,
            };
            let Some(value) = resolved.value.clone() else {
                return resolver.resolve(resolved.with_value(None));
            };
            match catch_unwind(AssertUnwindSafe(move || f(value))) {
                Ok(Ok(mapped)) => resolver.resolve(resolved.with_value(Some(mapped))),
                Ok(Err(error)) => {
                    report(tracker.as_ref(), &error);
                    resolver.reject(error);
                }
                Err(panic) => {
                    let error = Error::Callback(format!("a map callback panicked: {}", panic_message(&*panic)));
                    report(tracker.as_ref(), &error);
                    resolver.reject(error);
                }
            }
        })
    }

    /// Transform the value with a callback returning another output (flattened: the result
    /// depends on both, and is secret if either is).
    pub fn flat_map<U: OutputValue>(&self, f: impl FnOnce(T) -> Output<U> + Send + 'static) -> Output<U> {
        let tracker = self.tracker();
        self.derive(move |settled, resolver| {
            let resolved = match settled {
                Err(error) => return resolver.reject(error.clone()),
                Ok(resolved) => Arc::clone(resolved),
            };
            let Some(value) = resolved.value.clone() else {
                return resolver.resolve(resolved.with_value(None));
            };
            match catch_unwind(AssertUnwindSafe(move || f(value))) {
                Ok(inner) => {
                    inner.cell.on_settled(Box::new(move |inner_settled| {
                        resolver.settle(merge_into(&resolved, inner_settled));
                    }));
                }
                Err(panic) => {
                    let error = Error::Callback(format!("a map callback panicked: {}", panic_message(&*panic)));
                    report(tracker.as_ref(), &error);
                    resolver.reject(error);
                }
            }
        })
    }

    /// Run an async callback on the value once known (skipped when unknown). The callback runs
    /// on the SDK runtime; the program's end waits for it, and its failure is the program's.
    pub fn apply<U, F, Fut>(&self, f: F) -> Output<U>
    where
        U: OutputValue,
        F: FnOnce(T) -> Fut + Send + 'static,
        Fut: Future<Output = Result<U>> + Send + 'static,
    {
        self.apply_output(move |value| {
            let future = f(value);
            async move { future.await.map(Output::new) }
        })
    }

    /// Like [`Output::apply`], for a callback that returns an output (flattened).
    pub fn apply_output<U, F, Fut>(&self, f: F) -> Output<U>
    where
        U: OutputValue,
        F: FnOnce(T) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Output<U>>> + Send + 'static,
    {
        let tracker = self.tracker();
        self.derive(move |settled, resolver| {
            let resolved = match settled {
                Err(error) => return resolver.reject(error.clone()),
                Ok(resolved) => Arc::clone(resolved),
            };
            let Some(value) = resolved.value.clone() else {
                return resolver.resolve(resolved.with_value(None));
            };
            let task_tracker = tracker.clone();
            let task = async move {
                let outcome = AssertUnwindSafe(async move { f(value).await }).catch_unwind().await;
                match outcome {
                    Ok(Ok(inner)) => {
                        let inner_settled = inner.settled().await;
                        resolver.settle(merge_into(&resolved, &inner_settled));
                    }
                    Ok(Err(error)) => {
                        report(task_tracker.as_ref(), &error);
                        resolver.reject(error);
                    }
                    Err(panic) => {
                        let error =
                            Error::Callback(format!("an apply callback panicked: {}", panic_message(&*panic)));
                        report(task_tracker.as_ref(), &error);
                        resolver.reject(error);
                    }
                }
            };
            match &tracker {
                Some(tracker) => tracker.spawn(task),
                None => {
                    crate::runtime::spawn(task);
                }
            }
        })
    }

    /// The same value, marked secret.
    #[must_use]
    pub fn as_secret(&self) -> Output<T> {
        self.map_resolved(|resolved| Resolved { secret: true, ..resolved.clone() })
    }

    /// The same value, no longer secret (use with care).
    #[must_use]
    pub fn unsecret(&self) -> Output<T> {
        self.map_resolved(|resolved| Resolved { secret: false, ..resolved.clone() })
    }

    /// The same value, depending on more resources.
    #[must_use]
    pub fn with_dependencies(&self, urns: impl IntoIterator<Item = String>) -> Output<T> {
        let extra: Urns = urns.into_iter().collect();
        self.map_resolved(move |resolved| {
            let mut out = resolved.clone();
            out.dependencies.extend(extra);
            out
        })
    }

    /// Transform the whole resolution (value, unknown-ness, secret, dependencies). Runs even on
    /// unknown values: for the core and bindings, not for program code.
    pub fn map_resolved<U: OutputValue>(
        &self,
        f: impl FnOnce(&Resolved<T>) -> Resolved<U> + Send + 'static,
    ) -> Output<U> {
        self.derive(move |settled, resolver| match settled {
            Err(error) => resolver.reject(error.clone()),
            Ok(resolved) => resolver.resolve(f(resolved)),
        })
    }

    /// Combine with another output (unknown if either is; secret if either is; depends on both).
    pub fn zip<U: OutputValue>(&self, other: &Output<U>) -> Output<(T, U)> {
        let tracker = self.cell.tracker.clone().or_else(|| other.cell.tracker.clone()).or_else(default_tracker);
        let (result, resolver) = Output::pending_with(tracker);
        let state = Arc::new(Mutex::new(ZipState { left: None, right: None, resolver: Some(resolver) }));
        let left_state = Arc::clone(&state);
        self.cell.on_settled(Box::new(move |settled| {
            ZipState::offer(&left_state, |state| match settled {
                Ok(resolved) => {
                    state.left = Some(Arc::clone(resolved));
                    Ok(())
                }
                Err(error) => Err(error.clone()),
            });
        }));
        other.cell.on_settled(Box::new(move |settled| {
            ZipState::offer(&state, |state| match settled {
                Ok(resolved) => {
                    state.right = Some(Arc::clone(resolved));
                    Ok(())
                }
                Err(error) => Err(error.clone()),
            });
        }));
        result
    }

    /// All the outputs' values, in order (unknown if any is unknown; secret if any is secret;
    /// depends on all of them; fails with the first failure).
    pub fn all(outputs: impl IntoIterator<Item = Output<T>>) -> Output<Vec<T>> {
        let outputs: Vec<Output<T>> = outputs.into_iter().collect();
        if outputs.is_empty() {
            return Output::new(Vec::new());
        }
        let tracker = outputs.iter().find_map(|output| output.cell.tracker.clone()).or_else(default_tracker);
        let (result, resolver) = Output::pending_with(tracker);
        let state = Arc::new(Mutex::new(AllState {
            slots: vec![None; outputs.len()],
            remaining: outputs.len(),
            resolver: Some(resolver),
        }));
        for (index, output) in outputs.iter().enumerate() {
            let state = Arc::clone(&state);
            output.cell.on_settled(Box::new(move |settled| {
                let finished = {
                    let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
                    if state.resolver.is_none() {
                        return;
                    }
                    match settled {
                        Err(error) => state.resolver.take().map(|resolver| (resolver, Err(error.clone()))),
                        Ok(resolved) => {
                            state.slots[index] = Some(Arc::clone(resolved));
                            state.remaining -= 1;
                            if state.remaining == 0 {
                                let combined = combine(&state.slots);
                                state.resolver.take().map(|resolver| (resolver, Ok(Arc::new(combined))))
                            } else {
                                None
                            }
                        }
                    }
                };
                if let Some((resolver, settled)) = finished {
                    resolver.settle(settled);
                }
            }));
        }
        result
    }

    /// Wait for the output and return its resolution.
    pub fn resolve(&self) -> impl Future<Output = Result<Resolved<T>>> + Send + 'static {
        let future = self.settled();
        async move { future.await.map(|resolved| (*resolved).clone()) }
    }

    /// Wait for the output and return its value (`None` when unknown).
    pub fn value(&self) -> impl Future<Output = Result<Option<T>>> + Send + 'static {
        let future = self.settled();
        async move { future.await.map(|resolved| resolved.value.clone()) }
    }

    /// The resolution if already known, without waiting.
    #[must_use]
    pub fn peek(&self) -> Option<Result<Resolved<T>>> {
        self.cell.peek().map(|settled| settled.map(|resolved| (*resolved).clone()))
    }

    pub(crate) fn settled(&self) -> SettledFuture<T> {
        SettledFuture { cell: Arc::clone(&self.cell) }
    }
}

struct ZipState<T: OutputValue, U: OutputValue> {
    left: Option<Arc<Resolved<T>>>,
    right: Option<Arc<Resolved<U>>>,
    resolver: Option<OutputResolver<(T, U)>>,
}

impl<T: OutputValue, U: OutputValue> ZipState<T, U> {
    fn offer(state: &Mutex<Self>, fill: impl FnOnce(&mut Self) -> Result<()>) {
        let finished = {
            let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
            if state.resolver.is_none() {
                return;
            }
            match fill(&mut state) {
                Err(error) => state.resolver.take().map(|resolver| (resolver, Err(error))),
                Ok(()) => match (&state.left, &state.right) {
                    (Some(left), Some(right)) => {
                        let mut dependencies = left.dependencies.clone();
                        dependencies.extend(right.dependencies.iter().cloned());
                        let value = match (&left.value, &right.value) {
                            (Some(a), Some(b)) => Some((a.clone(), b.clone())),
                            _ => None,
                        };
                        let combined = Resolved { value, secret: left.secret || right.secret, dependencies };
                        state.resolver.take().map(|resolver| (resolver, Ok(Arc::new(combined))))
                    }
                    _ => None,
                },
            }
        };
        if let Some((resolver, settled)) = finished {
            resolver.settle(settled);
        }
    }
}

struct AllState<T: OutputValue> {
    slots: Vec<Option<Arc<Resolved<T>>>>,
    remaining: usize,
    resolver: Option<OutputResolver<Vec<T>>>,
}

fn combine<T: Clone>(slots: &[Option<Arc<Resolved<T>>>]) -> Resolved<Vec<T>> {
    let mut secret = false;
    let mut dependencies = Urns::new();
    let mut values = Some(Vec::with_capacity(slots.len()));
    for slot in slots.iter().flatten() {
        secret |= slot.secret;
        dependencies.extend(slot.dependencies.iter().cloned());
        match (&mut values, &slot.value) {
            (Some(list), Some(value)) => list.push(value.clone()),
            _ => values = None,
        }
    }
    Resolved { value: values, secret, dependencies }
}

/// The outer resolution's secret flag and dependencies merged into the inner result.
fn merge_into<T: Clone, U: Clone>(outer: &Resolved<T>, inner: &Settled<U>) -> Settled<U> {
    let inner = inner.clone()?;
    let mut dependencies = outer.dependencies.clone();
    dependencies.extend(inner.dependencies.iter().cloned());
    Ok(Arc::new(Resolved { value: inner.value.clone(), secret: outer.secret || inner.secret, dependencies }))
}

/// Waits for an output's resolution.
pub(crate) struct SettledFuture<T> {
    cell: Arc<Cell<T>>,
}

impl<T> Future for SettledFuture<T> {
    type Output = Settled<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let mut state = self.cell.lock();
        match &mut *state {
            State::Done(settled) => Poll::Ready(settled.clone()),
            State::Pending { wakers, .. } => {
                if !wakers.iter().any(|waker| waker.will_wake(cx.waker())) {
                    wakers.push(cx.waker().clone());
                }
                Poll::Pending
            }
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Output<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.cell.peek() {
            None => write!(f, "Output(<pending>)"),
            Some(Err(error)) => write!(f, "Output(<failed: {error}>)"),
            Some(Ok(resolved)) => write!(f, "Output({resolved:?})"),
        }
    }
}

impl<T: OutputValue> From<T> for Output<T> {
    fn from(value: T) -> Self {
        Output::new(value)
    }
}
