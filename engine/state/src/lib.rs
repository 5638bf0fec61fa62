//! `engine-state`: a stack's state, kept safe.
//!
//! - **Model** ([`ResourceState`], [`State`]): per resource its URN, type, custom/component,
//!   region, identifier, inputs as sent, outputs as read, parent, dependencies, per-property
//!   dependencies, options, external, init errors, created/modified; plus the stack outputs.
//!   Values carry `engine_proto::value` markers. In memory secrets are
//!   `{"__engine":"secret","value":V}`; on disk `{"__engine":"secret","ciphertext":"v1:..."}`
//!   (encrypted with the stack's [`engine_config::Crypter`] on write, decrypted on load).
//! - **Format**: a snapshot `state.json` plus an append-only journal `journal.log` of
//!   checksummed records, per stack under `stacks/<project>/<stack>/` in the backend; see
//!   `engine/state/FORMAT.md`. A newer version or a damaged file is refused and left untouched;
//!   a torn journal tail (kill -9 during a write) is detected and ignored.
//! - **Writer** ([`StateWriter`]): records are fsynced before the call returns, and concurrent
//!   records share a write + fsync (group commit). The journal is compacted into a new snapshot
//!   (temp file, fsync, rename, folder fsync, then the journal is emptied) when it grows and on
//!   close; never a full rewrite per step.
//! - **Crash recovery**: every cloud operation is journalled with its deterministic
//!   [`client_token`] before it is sent ([`StateWriter::begin`]); a load returns the operations
//!   still in flight ([`PendingOperation`]), to be resolved by the deploy engine and closed with
//!   [`StateWriter::done`] / [`StateWriter::failed`] / [`StateWriter::abandon`].
//! - **Lock** ([`StackLock`]): one writer per stack; holder identity, heartbeat, stale-lock
//!   takeover, [`StateStore::break_lock`] for `engine cancel`, and a refusal that says who holds
//!   it and how to break it.
//! - **Backends** ([`Backend`]): `file://PATH` (default: the project's `.engine/`, or
//!   `ENGINE_BACKEND_URL`); the trait uses S3's primitives so `s3://` can follow.
//!
//! # Use (deploy engine)
//!
//! ```no_run
//! # async fn run(project: &engine_config::Project, stack: &engine_config::Stack) -> Result<(), Box<dyn std::error::Error>> {
//! use engine_state::*;
//! let backend = open_backend(std::env::var(BACKEND_URL_ENV).ok().as_deref(), &project.dir)?;
//! let store = StateStore::new(backend, &project.name, stack.name());
//! let crypter = stack.crypter(&engine_config::PassphraseSource::from_env());
//! // preview: store.load(&crypter)? — no lock needed.
//! let lock = store.lock(&LockOptions { command: "engine up".into(), ..LockOptions::default() })?;
//! let (writer, loaded) = store.open_writer(lock, crypter, WriterOptions::default())?;
//! for pending in &loaded.in_flight { /* poll / re-send with pending.client_token / adopt / abandon */ }
//! let urn = "urn:engine:dev::events::AWS::S3::Bucket::logs";
//! let desired = ResourceState { urn: urn.into(), type_name: "AWS::S3::Bucket".into(), custom: true, ..Default::default() };
//! let mut begin = BeginOperation::new(OpKind::Create, urn, "AWS::S3::Bucket");
//! begin.desired = Some(desired.clone());
//! let begun = writer.begin(begin).await?;                 // durable; now send with begun.client_token
//! writer.request_sent(begun.op, "request-token")?;         // not awaited
//! writer.done(begun.op, Some(ResourceState { id: "logs-123".into(), ..desired })).await?;
//! writer.close().await?;                                  // compact + release the lock
//! # Ok(()) }
//! ```

mod backend;
mod crypt;
mod error;
mod journal;
mod lock;
mod model;
mod snapshot;
mod store;
mod time;
mod writer;

pub use backend::{BACKEND_URL_ENV, Backend, Condition, FileBackend, JournalSink, Object, open_backend};
pub use crypt::{CIPHERTEXT_KEY, contains_secret, decrypt_value, encrypt_value};
pub use error::{Result, StateError};
pub use journal::JOURNAL_VERSION;
pub use lock::{LOCK_VERSION, LockInfo, LockOptions, STALE_AFTER_BEATS, StackLock};
pub use model::{
    BeginOperation, BegunOperation, CustomTimeouts, OpKind, PendingOperation, ResourceOptions, ResourceState, State,
};
pub use snapshot::{SNAPSHOT_FORMAT, SNAPSHOT_VERSION, client_token};
pub use store::{JOURNAL_FILE, LOCK_FILE, LoadInfo, LoadedState, SNAPSHOT_FILE, StateStore};
pub use time::{format_ms as format_time, now_rfc3339};
pub use writer::{StateWriter, WriterOptions, WriterStats};
