//! The state writer: a dedicated thread that appends journal records with group commit (records
//! arriving while a write + fsync is in progress go out together in the next one), keeps the
//! folded state in memory, and compacts it into a snapshot when the journal grows.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use engine_config::Crypter;
use serde_json::{Map, Value};
use tokio::sync::oneshot;

use crate::backend::{Backend, Condition, JournalSink};
use crate::crypt::{encrypt_operation, encrypt_outputs, encrypt_resource};
use crate::error::{Result, StateError};
use crate::journal::{Entry, Folded, encode_line};
use crate::lock::StackLock;
use crate::model::{BegunOperation, BeginOperation, PendingOperation, ResourceState};
use crate::snapshot::{SNAPSHOT_FORMAT, SNAPSHOT_VERSION, Snapshot, client_token};
use crate::time;

/// Tuning of a [`StateWriter`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterOptions {
    /// Compact once the journal is larger than this (default 8 MiB).
    pub compact_after_bytes: u64,
    /// At most this many records per write + fsync (default 4096).
    pub max_batch: usize,
}

impl Default for WriterOptions {
    fn default() -> Self {
        Self { compact_after_bytes: 8 << 20, max_batch: 4096 }
    }
}

/// Counters of a writer (for benchmarks and diagnostics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Records written.
    pub records: u64,
    /// Journal writes, each followed by one fsync (records / batches = the group-commit factor).
    pub batches: u64,
    /// Journal bytes written.
    pub bytes: u64,
    pub compactions: u64,
}

#[derive(Default)]
struct Counters {
    records: AtomicU64,
    batches: AtomicU64,
    bytes: AtomicU64,
    compactions: AtomicU64,
}

type Reply = oneshot::Sender<Result<()>>;

enum Message {
    Record { entry: Entry, json: Vec<u8>, reply: Option<Reply> },
    Compact(Reply),
    Close(Reply),
    /// The last handle was dropped: write what is queued, release the lock, end (no compaction).
    Shutdown,
}

pub(crate) struct WriterSetup {
    pub backend: Arc<dyn Backend>,
    pub sink: Box<dyn JournalSink>,
    pub state_key: String,
    pub project: String,
    pub stack: String,
    pub instance: String,
    pub folded: Folded,
    pub lock: StackLock,
    pub crypter: Crypter,
    pub options: WriterOptions,
}

/// Records state changes durably. Cheap to clone; use it from any number of tasks at once.
///
/// Every method that returns a future resolves once the record is on disk (written and
/// fsynced). Records from concurrent callers share writes (group commit). After an I/O failure,
/// or when the stack lock was broken by someone else, every later call fails: stop the deployment.
///
/// Call [`StateWriter::close`] at the end: it compacts the journal into the snapshot and releases
/// the lock. (Dropping the last clone also stops the writer: it writes what is queued, releases
/// the lock and ends before the drop returns, without compacting; the journal is replayed on the
/// next load.)
#[derive(Clone)]
pub struct StateWriter {
    inner: Arc<Handle>,
}

struct Handle {
    tx: Sender<Message>,
    stack: String,
    instance: String,
    crypter: Crypter,
    next_op: AtomicU64,
    counters: Arc<Counters>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        let _ = self.tx.send(Message::Shutdown);
        let thread = self.thread.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(thread) = thread {
            // The thread only finishes queued writes; waiting makes "dropped" mean "released".
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for StateWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateWriter").field("stack", &self.inner.stack).finish_non_exhaustive()
    }
}

impl StateWriter {
    pub(crate) fn start(setup: WriterSetup) -> Result<Self> {
        let (tx, rx) = std::sync::mpsc::channel();
        let counters = Arc::new(Counters::default());
        let next_op = setup.folded.next_op;
        let stack = setup.stack.clone();
        let instance = setup.instance.clone();
        let crypter = setup.crypter.clone();
        let mut thread_state = WriterThread {
            backend: setup.backend,
            sink: setup.sink,
            state_key: setup.state_key,
            project: setup.project,
            stack: setup.stack,
            instance: setup.instance,
            folded: setup.folded,
            lock: Some(setup.lock),
            stopped: None,
            options: setup.options,
            counters: counters.clone(),
        };
        let thread = std::thread::Builder::new()
            .name(format!("engine-state-{stack}"))
            .spawn(move || thread_state.run(&rx))
            .map_err(|e| StateError::io("starting the state writer", e))?;
        Ok(Self {
            inner: Arc::new(Handle {
                tx,
                stack,
                instance,
                crypter,
                next_op: AtomicU64::new(next_op),
                counters,
                thread: Mutex::new(Some(thread)),
            }),
        })
    }

    /// The stack's state instance (part of every client token).
    #[must_use]
    pub fn instance(&self) -> &str {
        &self.inner.instance
    }

    /// Record that an operation is about to be sent; returns its number and the `ClientToken`
    /// to send it with. Durable when it returns: only then send the request.
    ///
    /// # Errors
    /// The writer is stopped; a secret cannot be encrypted.
    pub async fn begin(&self, operation: BeginOperation) -> Result<BegunOperation> {
        let number = self.inner.next_op.fetch_add(1, Ordering::SeqCst);
        let token = client_token(&self.inner.instance, &operation.urn, operation.kind, number);
        let now = time::now_rfc3339();
        let pending = PendingOperation {
            op: number,
            kind: operation.kind,
            urn: operation.urn,
            type_name: operation.type_name,
            region: operation.region,
            id: operation.id,
            client_token: token.clone(),
            request_token: None,
            desired: operation.desired.map(|resource| stamp(resource, &now, true)),
            patch: operation.patch,
            started: now,
        };
        let stored = encrypt_operation(&pending, &self.inner.crypter)?;
        self.submit(Entry::Begin { operation: Box::new(stored) }).await?;
        Ok(BegunOperation { op: number, client_token: token })
    }

    /// Record the cloud's `RequestToken` for an operation. Not awaited: it is written with the
    /// next batch (it only lets recovery poll instead of re-sending with the same client token).
    ///
    /// # Errors
    /// The writer is stopped.
    pub fn request_sent(&self, op: u64, request_token: &str) -> Result<()> {
        let entry = Entry::Sent { op, request_token: request_token.to_owned() };
        let json = serde_json::to_vec(&entry).map_err(|e| StateError::Invalid(e.to_string()))?;
        self.inner.tx.send(Message::Record { entry, json, reply: None }).map_err(|_| self.stopped())
    }

    /// Record that an operation succeeded. For a create or update, `resource` is the record to
    /// store (`None`: the desired record given to `begin`); for a delete it is ignored. Sets
    /// `modified` (and `created` when empty: keep the old record's `created` on updates).
    ///
    /// # Errors
    /// [`StateError::UnknownOperation`] when `op` is not in flight; the writer is stopped.
    pub async fn done(&self, op: u64, resource: Option<ResourceState>) -> Result<()> {
        let resource = self.prepare(resource, true)?;
        self.submit(Entry::Done { op, resource }).await
    }

    /// Record that an operation failed. A resource it left behind (a create that produced an
    /// identifier, then failed) is stored when given (set its `init_errors`).
    ///
    /// # Errors
    /// As [`StateWriter::done`].
    pub async fn failed(&self, op: u64, message: &str, resource: Option<ResourceState>) -> Result<()> {
        let resource = self.prepare(resource, true)?;
        self.submit(Entry::Failed { op, message: message.to_owned(), resource }).await
    }

    /// Resolve an operation without effect: it never reached the cloud, or it is forgotten on
    /// purpose (`reason` is kept in the journal).
    ///
    /// # Errors
    /// As [`StateWriter::done`].
    pub async fn abandon(&self, op: u64, reason: &str) -> Result<()> {
        self.submit(Entry::Abandoned { op, reason: reason.to_owned() }).await
    }

    /// Store a record without a cloud operation (a component, a read, an import, a refresh, a
    /// same step whose record changed). Replaces the record with the same URN (and, for a
    /// `pending_delete` one, the same id). `created`/`modified` are set only when empty.
    ///
    /// # Errors
    /// The writer is stopped; a secret cannot be encrypted.
    pub async fn put(&self, resource: ResourceState) -> Result<()> {
        let resource = self.prepare(Some(resource), false)?.ok_or_else(|| StateError::Invalid("no resource".to_owned()))?;
        self.submit(Entry::Put { resource }).await
    }

    /// Forget the record with this URN and identifier (a `pending_delete` one first; an empty `id`
    /// matches the live record). The cloud resource is not touched.
    ///
    /// # Errors
    /// The writer is stopped.
    pub async fn remove(&self, urn: &str, id: &str) -> Result<()> {
        self.submit(Entry::Remove { urn: urn.to_owned(), id: id.to_owned() }).await
    }

    /// Replace the stack outputs.
    ///
    /// # Errors
    /// The writer is stopped; a secret cannot be encrypted.
    pub async fn set_outputs(&self, outputs: Map<String, Value>) -> Result<()> {
        let outputs = encrypt_outputs(&outputs, &self.inner.crypter)?;
        self.submit(Entry::Outputs { outputs }).await
    }

    /// Fold the journal into a new snapshot now (it also happens by itself when the journal grows
    /// past [`WriterOptions::compact_after_bytes`], and on close).
    ///
    /// # Errors
    /// The writer is stopped; I/O errors.
    pub async fn compact(&self) -> Result<()> {
        let (reply, wait) = oneshot::channel();
        self.inner.tx.send(Message::Compact(reply)).map_err(|_| self.stopped())?;
        wait.await.map_err(|_| self.stopped())?
    }

    /// Compact, release the lock and stop the writer (its clones fail from now on).
    ///
    /// # Errors
    /// The writer was already stopped by an error; I/O errors compacting.
    pub async fn close(&self) -> Result<()> {
        let (reply, wait) = oneshot::channel();
        self.inner.tx.send(Message::Close(reply)).map_err(|_| self.stopped())?;
        let result = wait.await.map_err(|_| self.stopped())?;
        let thread = self.inner.thread.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
        result
    }

    /// Counters so far.
    #[must_use]
    pub fn stats(&self) -> WriterStats {
        let c = &self.inner.counters;
        WriterStats {
            records: c.records.load(Ordering::Relaxed),
            batches: c.batches.load(Ordering::Relaxed),
            bytes: c.bytes.load(Ordering::Relaxed),
            compactions: c.compactions.load(Ordering::Relaxed),
        }
    }

    fn prepare(&self, resource: Option<ResourceState>, modified: bool) -> Result<Option<Box<ResourceState>>> {
        resource
            .map(|resource| {
                let now = time::now_rfc3339();
                encrypt_resource(&stamp(resource, &now, modified), &self.inner.crypter).map(Box::new)
            })
            .transpose()
    }

    async fn submit(&self, entry: Entry) -> Result<()> {
        let json = serde_json::to_vec(&entry).map_err(|e| StateError::Invalid(e.to_string()))?;
        let (reply, wait) = oneshot::channel();
        self.inner.tx.send(Message::Record { entry, json, reply: Some(reply) }).map_err(|_| self.stopped())?;
        wait.await.map_err(|_| self.stopped())?
    }

    fn stopped(&self) -> StateError {
        StateError::WriterStopped { stack: self.inner.stack.clone(), reason: "it was closed or failed".to_owned() }
    }
}

fn stamp(mut resource: ResourceState, now: &str, modified: bool) -> ResourceState {
    if resource.created.is_empty() {
        resource.created = now.to_owned();
    }
    if modified || resource.modified.is_empty() {
        resource.modified = now.to_owned();
    }
    resource
}

struct WriterThread {
    backend: Arc<dyn Backend>,
    sink: Box<dyn JournalSink>,
    state_key: String,
    project: String,
    stack: String,
    instance: String,
    folded: Folded,
    lock: Option<StackLock>,
    /// Why the writer stopped (after which nothing more is written).
    stopped: Option<Stop>,
    options: WriterOptions,
    counters: Arc<Counters>,
}

#[derive(Clone)]
enum Stop {
    LockLost,
    Failed(String),
    Closed,
}

impl WriterThread {
    fn run(&mut self, rx: &Receiver<Message>) {
        while let Ok(first) = rx.recv() {
            let mut batch = vec![first];
            while batch.len() < self.options.max_batch {
                match rx.try_recv() {
                    Ok(message) => batch.push(message),
                    Err(_) => break,
                }
            }
            let mut records = Vec::new();
            let mut closed = false;
            for message in batch {
                match message {
                    Message::Record { entry, json, reply } => records.push((entry, json, reply)),
                    Message::Compact(reply) => {
                        self.flush(std::mem::take(&mut records));
                        let _ = reply.send(self.compact());
                    }
                    Message::Close(reply) => {
                        self.flush(std::mem::take(&mut records));
                        let result = self.compact();
                        if !matches!(self.stopped, Some(Stop::Failed(_) | Stop::LockLost)) {
                            self.stopped = Some(Stop::Closed);
                        }
                        let released = self.lock.take().map_or(Ok(()), StackLock::release);
                        let _ = reply.send(result.and(released));
                        closed = true;
                    }
                    Message::Shutdown => {
                        self.flush(std::mem::take(&mut records));
                        if let Some(lock) = self.lock.take() {
                            let _ = lock.release();
                        }
                        if self.stopped.is_none() {
                            self.stopped = Some(Stop::Closed);
                        }
                        closed = true;
                    }
                }
            }
            self.flush(records);
            if closed {
                // Later messages get an error (the writer is stopped); the thread ends, and senders
                // see a closed channel from now on.
                while let Ok(message) = rx.try_recv() {
                    let reply = match message {
                        Message::Record { reply, .. } => reply,
                        Message::Compact(reply) | Message::Close(reply) => Some(reply),
                        Message::Shutdown => None,
                    };
                    if let Some(reply) = reply {
                        let _ = reply.send(Err(self.failed_error()));
                    }
                }
                return;
            }
            if self.sink.len() > self.options.compact_after_bytes && self.stopped.is_none() {
                let _ = self.compact();
            }
        }
    }

    fn stop_error(&self) -> Option<StateError> {
        if self.stopped.is_none() && self.lock.as_ref().is_some_and(StackLock::is_lost) {
            return Some(StateError::LockLost { stack: self.stack.clone() });
        }
        self.stopped.as_ref().map(|stop| match stop {
            Stop::LockLost => StateError::LockLost { stack: self.stack.clone() },
            Stop::Failed(reason) => StateError::WriterStopped { stack: self.stack.clone(), reason: reason.clone() },
            Stop::Closed => StateError::WriterStopped { stack: self.stack.clone(), reason: "it was closed".to_owned() },
        })
    }

    fn flush(&mut self, records: Vec<(Entry, Vec<u8>, Option<Reply>)>) {
        if records.is_empty() {
            return;
        }
        if let Some(error) = self.stop_error() {
            if matches!(error, StateError::LockLost { .. }) {
                self.stopped = Some(Stop::LockLost);
            }
            for (_, _, reply) in records {
                if let Some(reply) = reply {
                    let _ = reply.send(Err(self.stop_error().unwrap_or_else(|| self.failed_error())));
                }
            }
            return;
        }
        let mut buffer = Vec::new();
        let mut accepted = Vec::with_capacity(records.len());
        for (entry, json, reply) in records {
            let seq = self.folded.last_seq + 1;
            match self.folded.apply(seq, entry) {
                Ok(()) => {
                    encode_line(seq, &json, &mut buffer);
                    accepted.push(reply);
                }
                Err(op) => {
                    if let Some(reply) = reply {
                        let _ = reply.send(Err(StateError::UnknownOperation { stack: self.stack.clone(), op }));
                    }
                }
            }
        }
        if accepted.is_empty() {
            return;
        }
        match self.sink.append(&buffer) {
            Ok(()) => {
                self.counters.records.fetch_add(accepted.len() as u64, Ordering::Relaxed);
                self.counters.batches.fetch_add(1, Ordering::Relaxed);
                self.counters.bytes.fetch_add(buffer.len() as u64, Ordering::Relaxed);
                for reply in accepted.into_iter().flatten() {
                    let _ = reply.send(Ok(()));
                }
            }
            Err(error) => {
                self.stopped = Some(Stop::Failed(format!("writing the journal failed: {error}")));
                for reply in accepted.into_iter().flatten() {
                    let _ = reply.send(Err(self.failed_error()));
                }
            }
        }
    }

    fn failed_error(&self) -> StateError {
        StateError::WriterStopped {
            stack: self.stack.clone(),
            reason: match &self.stopped {
                Some(Stop::Failed(reason)) => reason.clone(),
                _ => "it stopped".to_owned(),
            },
        }
    }

    /// Write the folded state as the new snapshot (temp file, fsync, rename, fsync folder), then
    /// empty the journal. A crash at any point leaves either the old snapshot and the whole
    /// journal, or the new snapshot and a journal whose records it already contains (skipped on
    /// replay by sequence number).
    fn compact(&mut self) -> Result<()> {
        if let Some(error) = self.stop_error() {
            return Err(error);
        }
        let started = Instant::now();
        let (state, pending) = self.folded.to_state();
        let snapshot = Snapshot {
            format: SNAPSHOT_FORMAT.to_owned(),
            version: SNAPSHOT_VERSION,
            project: self.project.clone(),
            stack: self.stack.clone(),
            instance: self.instance.clone(),
            last_seq: self.folded.last_seq,
            next_op: self.folded.next_op,
            written: time::now_rfc3339(),
            outputs: state.outputs,
            resources: state.resources,
            pending_operations: pending,
        };
        let outcome = serde_json::to_vec_pretty(&snapshot)
            .map_err(|e| StateError::Invalid(e.to_string()))
            .and_then(|data| self.backend.put(&self.state_key, &data, Condition::Always))
            .and_then(|_| self.sink.truncate(0));
        match outcome {
            Ok(()) => {
                self.counters.compactions.fetch_add(1, Ordering::Relaxed);
                let _ = started;
                Ok(())
            }
            Err(error) => {
                self.stopped = Some(Stop::Failed(format!("compacting the state failed: {error}")));
                Err(error)
            }
        }
    }
}
