//! A stack's state in a backend: loading (snapshot + journal replay), locking, opening a writer.

use std::sync::Arc;

use engine_config::Crypter;

use crate::backend::Backend;
use crate::crypt::{decrypt_operation, decrypt_outputs, decrypt_resource_owned};
use crate::error::{Result, StateError};
use crate::journal::{Folded, parse_journal};
use crate::lock::{LockInfo, LockOptions, StackLock, break_lock, read_lock};
use crate::model::{PendingOperation, State};
use crate::snapshot::{SNAPSHOT_FORMAT, SNAPSHOT_VERSION, Snapshot};
use crate::time;
use crate::writer::{StateWriter, WriterOptions, WriterSetup};

/// File names inside a stack's folder of the backend.
pub const SNAPSHOT_FILE: &str = "state.json";
pub const JOURNAL_FILE: &str = "journal.log";
pub const LOCK_FILE: &str = "lock.json";

/// A loaded state.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedState {
    pub state: State,
    /// Operations begun and never finished: resolve them before planning (see
    /// [`PendingOperation`]).
    pub in_flight: Vec<PendingOperation>,
    pub info: LoadInfo,
}

/// Facts about a load.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadInfo {
    /// `false`: the stack has no state yet (an empty state was returned).
    pub exists: bool,
    /// The state instance (`None` before the first writer created it).
    pub instance: Option<String>,
    /// When the snapshot was written (RFC 3339).
    pub snapshot_written: Option<String>,
    /// Journal records replayed on top of the snapshot.
    pub journal_records: usize,
    /// Bytes of a torn journal tail (a crash during a write) that were ignored.
    pub torn_tail_bytes: u64,
}

/// One stack's state in a backend, at `stacks/<project>/<stack>/`.
#[derive(Debug, Clone)]
pub struct StateStore {
    backend: Arc<dyn Backend>,
    project: String,
    stack: String,
}

struct Stored {
    folded: Folded,
    snapshot: Option<Snapshot>,
    info: LoadInfo,
    valid_journal_len: u64,
}

impl StateStore {
    #[must_use]
    pub fn new(backend: Arc<dyn Backend>, project: &str, stack: &str) -> Self {
        Self { backend, project: project.to_owned(), stack: stack.to_owned() }
    }

    #[must_use]
    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    #[must_use]
    pub fn stack(&self) -> &str {
        &self.stack
    }

    #[must_use]
    pub fn project(&self) -> &str {
        &self.project
    }

    fn key(&self, file: &str) -> String {
        format!("stacks/{}/{}/{file}", self.project, self.stack)
    }

    fn location(&self, file: &str) -> String {
        format!("{}/{}", self.backend.url(), self.key(file))
    }

    /// The stacks of `project` that have state in `backend`.
    ///
    /// # Errors
    /// I/O errors.
    pub fn stacks_with_state(backend: &dyn Backend, project: &str) -> Result<Vec<String>> {
        let prefix = format!("stacks/{project}/");
        let mut stacks: Vec<String> = backend
            .list(&prefix)?
            .iter()
            .filter_map(|key| {
                let rest = key.strip_prefix(&prefix)?;
                let (stack, file) = rest.split_once('/')?;
                (file == SNAPSHOT_FILE || file == JOURNAL_FILE).then(|| stack.to_owned())
            })
            .collect();
        stacks.dedup();
        Ok(stacks)
    }

    /// Whether the stack has any state.
    ///
    /// # Errors
    /// I/O errors.
    pub fn exists(&self) -> Result<bool> {
        Ok(self.backend.get(&self.key(SNAPSHOT_FILE))?.is_some()
            || !self.backend.read_journal(&self.key(JOURNAL_FILE))?.is_empty())
    }

    fn load_stored(&self) -> Result<Stored> {
        let snapshot_location = self.location(SNAPSHOT_FILE);
        let journal_location = self.location(JOURNAL_FILE);
        // A writer may compact while we read: the snapshot and journal read must be a pair, so
        // read the snapshot, then the journal, and check the snapshot did not change meanwhile
        // (the journal is only emptied after a new snapshot is in place).
        let mut attempts = 0;
        let (snapshot_object, journal_bytes) = loop {
            let first = self.backend.get(&self.key(SNAPSHOT_FILE))?;
            let journal = self.backend.read_journal(&self.key(JOURNAL_FILE))?;
            let again = self.backend.get(&self.key(SNAPSHOT_FILE))?;
            attempts += 1;
            if first.as_ref().map(|o| &o.version) == again.as_ref().map(|o| &o.version) || attempts >= 20 {
                break (first, journal);
            }
        };
        let mut snapshot = match snapshot_object {
            Some(object) => Some(Snapshot::parse(&object.data, &snapshot_location)?),
            None => None,
        };
        if let Some(snapshot) = &snapshot
            && (snapshot.project != self.project || snapshot.stack != self.stack)
        {
            return Err(StateError::corrupt(
                &snapshot_location,
                format!("it holds stack `{}` of project `{}`", snapshot.stack, snapshot.project),
            ));
        }
        let journal = parse_journal(&journal_bytes, &journal_location)?;
        if snapshot.is_none() && !journal.records.is_empty() {
            return Err(StateError::corrupt(&journal_location, format!("there is a journal but no {SNAPSHOT_FILE}")));
        }
        let mut folded = match &mut snapshot {
            Some(s) => {
                // Moved, not copied: only the snapshot's header is used after this.
                let mut folded = Folded::new(
                    std::mem::take(&mut s.resources),
                    std::mem::take(&mut s.outputs),
                    std::mem::take(&mut s.pending_operations),
                );
                folded.last_seq = s.last_seq;
                folded.next_op = folded.next_op.max(s.next_op);
                folded
            }
            None => Folded::new(Vec::new(), serde_json::Map::new(), Vec::new()),
        };
        let mut replayed = 0;
        for (seq, entry) in journal.records {
            if seq <= folded.last_seq {
                continue; // already in the snapshot (a crash between compaction's rename and truncate)
            }
            folded.apply(seq, entry).map_err(|op| {
                StateError::corrupt(&journal_location, format!("record {seq} finishes operation {op}, which is not in flight"))
            })?;
            replayed += 1;
        }
        let info = LoadInfo {
            exists: snapshot.is_some(),
            instance: snapshot.as_ref().map(|s| s.instance.clone()),
            snapshot_written: snapshot.as_ref().map(|s| s.written.clone()),
            journal_records: replayed,
            torn_tail_bytes: journal.torn_bytes,
        };
        Ok(Stored { folded, snapshot, info, valid_journal_len: journal.valid_len })
    }

    /// Load the state (no lock needed; read-only). Secrets are decrypted with `crypter`, which is
    /// only asked for its key if there is a secret.
    ///
    /// # Errors
    /// [`StateError::NewerVersion`], [`StateError::Corrupt`] (files left untouched),
    /// [`StateError::Secret`] (naming the resource and property), I/O errors.
    pub fn load(&self, crypter: &Crypter) -> Result<LoadedState> {
        let stored = self.load_stored()?;
        decrypt_state(stored.folded.into_state(), stored.info, crypter)
    }

    /// Load without decrypting: secrets stay `{"__engine":"secret","ciphertext":..}` (for
    /// counting, listing, exporting).
    ///
    /// # Errors
    /// As [`StateStore::load`], without the secret errors.
    pub fn load_encrypted(&self) -> Result<LoadedState> {
        let stored = self.load_stored()?;
        let (state, in_flight) = stored.folded.into_state();
        Ok(LoadedState { state, in_flight, info: stored.info })
    }

    /// How many cloud resources the stack still manages, counting pending deletes and operations
    /// in flight (for `stack rm`): no key is needed.
    ///
    /// # Errors
    /// As [`StateStore::load_encrypted`].
    pub fn resource_count(&self) -> Result<usize> {
        let loaded = self.load_encrypted()?;
        Ok(loaded.state.managed_count() + loaded.in_flight.len())
    }

    /// Take the stack's lock (see [`StackLock`]).
    ///
    /// # Errors
    /// [`StateError::Locked`] naming the holder; I/O errors.
    pub fn lock(&self, options: &LockOptions) -> Result<StackLock> {
        StackLock::acquire(self.backend.clone(), &self.key(LOCK_FILE), &self.stack, options)
    }

    /// Who holds the lock, if anyone.
    ///
    /// # Errors
    /// I/O errors.
    pub fn lock_holder(&self) -> Result<Option<LockInfo>> {
        read_lock(self.backend.as_ref(), &self.key(LOCK_FILE))
    }

    /// `engine cancel`: delete the lock whoever holds it; returns who did. The holder notices at
    /// its next heartbeat and stops writing.
    ///
    /// # Errors
    /// I/O errors.
    pub fn break_lock(&self) -> Result<Option<LockInfo>> {
        break_lock(self.backend.as_ref(), &self.key(LOCK_FILE))
    }

    /// Open the writer (taking ownership of `lock`) and return it with the loaded state. A torn
    /// journal tail is cut off first; a stack without state gets its snapshot (and instance) now.
    ///
    /// # Errors
    /// As [`StateStore::load`]; [`StateError::Invalid`] when `lock` is another stack's.
    pub fn open_writer(&self, lock: StackLock, crypter: Crypter, options: WriterOptions) -> Result<(StateWriter, LoadedState)> {
        if lock.key() != self.key(LOCK_FILE) {
            return Err(StateError::Invalid(format!("the lock is for stack `{}`, not `{}`", lock.stack(), self.stack)));
        }
        if lock.is_lost() {
            return Err(StateError::LockLost { stack: self.stack.clone() });
        }
        let stored = self.load_stored()?;
        let mut info = stored.info;
        // Decrypt first: a wrong key is refused before anything is written.
        let loaded = decrypt_loaded(&stored.folded, info.clone(), &crypter)?;
        let instance = match &stored.snapshot {
            Some(snapshot) => snapshot.instance.clone(),
            None => {
                let instance = uuid::Uuid::new_v4().to_string();
                let snapshot = Snapshot {
                    format: SNAPSHOT_FORMAT.to_owned(),
                    version: SNAPSHOT_VERSION,
                    project: self.project.clone(),
                    stack: self.stack.clone(),
                    instance: instance.clone(),
                    last_seq: 0,
                    next_op: 1,
                    written: time::now_rfc3339(),
                    outputs: serde_json::Map::new(),
                    resources: Vec::new(),
                    pending_operations: Vec::new(),
                };
                let data = serde_json::to_vec_pretty(&snapshot).map_err(|e| StateError::Invalid(e.to_string()))?;
                self.backend.put(&self.key(SNAPSHOT_FILE), &data, crate::backend::Condition::Always)?;
                info.exists = true;
                info.instance = Some(instance.clone());
                instance
            }
        };
        let mut sink = self.backend.open_journal(&self.key(JOURNAL_FILE))?;
        if sink.len() > stored.valid_journal_len {
            sink.truncate(stored.valid_journal_len)?;
        }
        let writer = StateWriter::start(WriterSetup {
            backend: self.backend.clone(),
            sink,
            state_key: self.key(SNAPSHOT_FILE),
            project: self.project.clone(),
            stack: self.stack.clone(),
            instance,
            folded: stored.folded,
            lock,
            crypter,
            options,
        })?;
        Ok((writer, LoadedState { info, ..loaded }))
    }

    /// Delete the stack's state (snapshot, journal) and then its lock (`stack rm`).
    ///
    /// # Errors
    /// I/O errors.
    pub fn remove(&self, lock: StackLock) -> Result<()> {
        for file in [JOURNAL_FILE, SNAPSHOT_FILE] {
            self.backend.delete(&self.key(file), crate::backend::Condition::Always)?;
        }
        lock.release()
    }

    /// The folded state as one snapshot document (secrets stay encrypted), for `stack export`.
    ///
    /// # Errors
    /// As [`StateStore::load_encrypted`].
    pub fn export(&self) -> Result<serde_json::Value> {
        let stored = self.load_stored()?;
        let (state, pending) = stored.folded.to_state();
        let snapshot = Snapshot {
            format: SNAPSHOT_FORMAT.to_owned(),
            version: SNAPSHOT_VERSION,
            project: self.project.clone(),
            stack: self.stack.clone(),
            instance: stored.info.instance.unwrap_or_default(),
            last_seq: stored.folded.last_seq,
            next_op: stored.folded.next_op,
            written: time::now_rfc3339(),
            outputs: state.outputs,
            resources: state.resources,
            pending_operations: pending,
        };
        serde_json::to_value(snapshot).map_err(|e| StateError::Invalid(e.to_string()))
    }
}

fn decrypt_loaded(folded: &Folded, info: LoadInfo, crypter: &Crypter) -> Result<LoadedState> {
    decrypt_state(folded.to_state(), info, crypter)
}

fn decrypt_state(
    (state, in_flight): (State, Vec<PendingOperation>),
    info: LoadInfo,
    crypter: &Crypter,
) -> Result<LoadedState> {
    // Decrypted in place: a resource without secrets is not copied again.
    let resources =
        state.resources.into_iter().map(|r| decrypt_resource_owned(r, crypter)).collect::<Result<Vec<_>>>()?;
    let in_flight = in_flight.iter().map(|o| decrypt_operation(o, crypter)).collect::<Result<Vec<_>>>()?;
    let outputs = decrypt_outputs(&state.outputs, crypter)?;
    Ok(LoadedState { state: State { resources, outputs }, in_flight, info })
}
