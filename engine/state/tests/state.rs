//! engine-state through its public API, on real files.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use engine_config::{Crypter, KdfParams, PassphraseSource, new_passphrase_settings};
use engine_proto::value::secret;
use engine_state::*;
use serde_json::{Map, Value, json};

const PROJECT: &str = "events";
const STACK: &str = "dev";

fn crypter() -> Crypter {
    Crypter::from_key([9; 32], "the test key")
}

fn store_in(dir: &Path) -> (FileBackend, StateStore) {
    let backend = FileBackend::new(dir);
    let store = StateStore::new(Arc::new(backend.clone()), PROJECT, STACK);
    (backend, store)
}

fn urn(name: &str) -> String {
    format!("urn:engine:{STACK}::{PROJECT}::AWS::S3::Bucket::{name}")
}

fn bucket(name: &str, id: &str) -> ResourceState {
    ResourceState {
        urn: urn(name),
        type_name: "AWS::S3::Bucket".to_owned(),
        custom: true,
        id: id.to_owned(),
        region: "us-east-1".to_owned(),
        inputs: json!({"BucketName": name}).as_object().cloned().unwrap_or_default(),
        outputs: json!({"BucketName": name, "Arn": format!("arn:aws:s3:::{name}")}).as_object().cloned().unwrap_or_default(),
        ..ResourceState::default()
    }
}

fn open(store: &StateStore) -> (StateWriter, LoadedState) {
    let lock = store.lock(&LockOptions { command: "engine up".to_owned(), ..LockOptions::default() }).unwrap();
    store.open_writer(lock, crypter(), WriterOptions::default()).unwrap()
}

/// Create `name` through a begin/done pair.
async fn create(writer: &StateWriter, name: &str, id: &str) -> BegunOperation {
    let mut begin = BeginOperation::new(OpKind::Create, urn(name), "AWS::S3::Bucket");
    begin.region = "us-east-1".to_owned();
    begin.desired = Some(bucket(name, ""));
    let begun = writer.begin(begin).await.unwrap();
    writer.done(begun.op, Some(bucket(name, id))).await.unwrap();
    begun
}

/// Resources without their timestamps, for comparisons.
fn without_times(state: &State) -> Vec<ResourceState> {
    state.resources.iter().map(|r| ResourceState { created: String::new(), modified: String::new(), ..r.clone() }).collect()
}

fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn journal_round_trip_and_compaction() {
    let dir = tempfile::tempdir().unwrap();
    let (_, store) = store_in(dir.path());
    assert!(!store.exists().unwrap());
    let empty = store.load(&crypter()).unwrap();
    assert!(!empty.info.exists && empty.state.resources.is_empty());

    let (writer, loaded) = open(&store);
    assert!(loaded.info.exists && loaded.in_flight.is_empty());
    let component = ResourceState {
        urn: format!("urn:engine:{STACK}::{PROJECT}::app:index:Site::site"),
        type_name: "app:index:Site".to_owned(),
        ..ResourceState::default()
    };
    writer.put(component.clone()).await.unwrap();
    create(&writer, "logs", "logs-1").await;
    create(&writer, "data", "data-1").await;
    // An update keeps the record's place.
    let mut begin = BeginOperation::new(OpKind::Update, urn("logs"), "AWS::S3::Bucket");
    begin.id = "logs-1".to_owned();
    begin.patch = Some(json!([{"op": "add", "path": "/Tags", "value": [{"Key": "a", "Value": "b"}]}]));
    let begun = writer.begin(begin).await.unwrap();
    let mut updated = bucket("logs", "logs-1");
    updated.inputs.insert("Tags".to_owned(), json!([{"Key": "a", "Value": "b"}]));
    writer.done(begun.op, Some(updated.clone())).await.unwrap();
    writer.set_outputs(json!({"bucket": "logs-1"}).as_object().cloned().unwrap()).await.unwrap();

    // Before any compaction, a reader replays the journal.
    let live = store.load(&crypter()).unwrap();
    assert_eq!(live.info.journal_records, 8);
    let expected = vec![component.clone(), updated.clone(), bucket("data", "data-1")];
    assert_eq!(without_times(&live.state), expected);
    assert!(live.state.resources.iter().all(|r| !r.created.is_empty() && !r.modified.is_empty()));
    assert_eq!(live.state.outputs, json!({"bucket": "logs-1"}).as_object().cloned().unwrap());

    let stats = writer.stats();
    assert_eq!(stats.records, 8);
    assert!(stats.batches >= 1 && stats.batches <= 8);
    writer.close().await.unwrap();
    assert!(matches!(writer.put(component.clone()).await.unwrap_err(), StateError::WriterStopped { .. }));

    // After close: one snapshot, an empty journal, no lock.
    let journal = dir.path().join(format!("stacks/{PROJECT}/{STACK}/{JOURNAL_FILE}"));
    assert_eq!(std::fs::metadata(&journal).unwrap().len(), 0);
    assert!(store.lock_holder().unwrap().is_none());
    let reloaded = store.load(&crypter()).unwrap();
    assert_eq!(reloaded.info.journal_records, 0);
    assert_eq!(reloaded.state, live.state);
    assert_eq!(store.resource_count().unwrap(), 2);
    assert_eq!(StateStore::stacks_with_state(store.backend().as_ref(), PROJECT).unwrap(), [STACK]);

    // Deletes and forgets.
    let (writer, _) = open(&store);
    let mut delete = BeginOperation::new(OpKind::Delete, urn("data"), "AWS::S3::Bucket");
    delete.id = "data-1".to_owned();
    let begun = writer.begin(delete).await.unwrap();
    writer.done(begun.op, None).await.unwrap();
    writer.remove(&component.urn, "").await.unwrap();
    writer.close().await.unwrap();
    let after = store.load(&crypter()).unwrap();
    assert_eq!(without_times(&after.state), vec![updated]);
}

#[tokio::test]
async fn replacement_keeps_both_halves_until_the_old_one_is_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let (_, store) = store_in(dir.path());
    let (writer, _) = open(&store);
    create(&writer, "b", "old-id").await;
    let mut replace = BeginOperation::new(OpKind::CreateReplacement, urn("b"), "AWS::S3::Bucket");
    replace.desired = Some(bucket("b", ""));
    let begun = writer.begin(replace).await.unwrap();
    writer.done(begun.op, Some(bucket("b", "new-id"))).await.unwrap();
    let mid = store.load(&crypter()).unwrap();
    assert_eq!(mid.state.get(&urn("b")).unwrap().id, "new-id");
    let pending: Vec<_> = mid.state.pending_deletes().map(|r| r.id.clone()).collect();
    assert_eq!(pending, ["old-id"]);
    assert_eq!(store.resource_count().unwrap(), 2);
    let mut delete = BeginOperation::new(OpKind::Delete, urn("b"), "AWS::S3::Bucket");
    delete.id = "old-id".to_owned();
    let begun = writer.begin(delete).await.unwrap();
    writer.done(begun.op, None).await.unwrap();
    writer.close().await.unwrap();
    let after = store.load(&crypter()).unwrap();
    assert_eq!(after.state.resources.len(), 1);
    assert_eq!(after.state.resources[0].id, "new-id");
    assert!(!after.state.resources[0].pending_delete);
}

#[tokio::test]
async fn recovery_lists_operations_in_flight_with_what_is_needed_to_resolve_them() {
    let dir = tempfile::tempdir().unwrap();
    let (_, store) = store_in(dir.path());
    let (writer, _) = open(&store);
    let instance = writer.instance().to_owned();
    create(&writer, "done", "done-1").await;

    let mut desired = bucket("pending", "");
    desired.inputs.insert("Password".to_owned(), secret(json!("pa55-in-flight")));
    let mut begin = BeginOperation::new(OpKind::Create, urn("pending"), "AWS::S3::Bucket");
    begin.region = "eu-west-1".to_owned();
    begin.desired = Some(desired.clone());
    let sent = writer.begin(begin).await.unwrap();
    writer.request_sent(sent.op, "req-123").unwrap();

    let mut update = BeginOperation::new(OpKind::Update, urn("done"), "AWS::S3::Bucket");
    update.id = "done-1".to_owned();
    update.region = "us-east-1".to_owned();
    update.desired = Some(bucket("done", "done-1"));
    update.patch = Some(json!([{"op": "replace", "path": "/Secret", "value": secret(json!("patch-secret"))}]));
    let unsent = writer.begin(update).await.unwrap();
    assert_ne!(sent.client_token, unsent.client_token);
    // The process dies here (no close, no done): dropping the writer stops it without compacting.
    drop(writer);

    let loaded = store.load(&crypter()).unwrap();
    assert_eq!(loaded.in_flight.len(), 2);
    let first = &loaded.in_flight[0];
    assert_eq!((first.op, first.kind, first.urn.as_str()), (sent.op, OpKind::Create, urn("pending").as_str()));
    assert_eq!((first.region.as_str(), first.type_name.as_str(), first.id.as_str()), ("eu-west-1", "AWS::S3::Bucket", ""));
    assert_eq!(first.client_token, sent.client_token);
    assert_eq!(first.client_token, client_token(&instance, &urn("pending"), OpKind::Create, sent.op));
    assert_eq!(first.request_token.as_deref(), Some("req-123"));
    let recovered = first.desired.as_ref().unwrap();
    assert_eq!(recovered.inputs["Password"], secret(json!("pa55-in-flight")));
    let second = &loaded.in_flight[1];
    assert_eq!((second.kind, second.id.as_str(), second.request_token.as_deref()), (OpKind::Update, "done-1", None));
    assert_eq!(second.patch.as_ref().unwrap()[0]["value"], secret(json!("patch-secret")));

    // The next run resolves them on the same operation numbers: adopt one, forget the other.
    let (writer, loaded) = open(&store);
    assert_eq!(loaded.in_flight.len(), 2);
    writer.done(sent.op, Some(ResourceState { id: "pending-1".to_owned(), ..desired })).await.unwrap();
    writer.abandon(unsent.op, "never reached the cloud").await.unwrap();
    let error = writer.done(unsent.op, None).await.unwrap_err();
    assert!(matches!(error, StateError::UnknownOperation { .. }), "{error}");
    // New operations never reuse a number (so never a client token).
    let next = writer.begin(BeginOperation::new(OpKind::Delete, urn("done"), "AWS::S3::Bucket")).await.unwrap();
    assert!(next.op > unsent.op);
    writer.abandon(next.op, "test").await.unwrap();
    writer.close().await.unwrap();
    let after = store.load(&crypter()).unwrap();
    assert!(after.in_flight.is_empty());
    assert_eq!(after.state.get(&urn("pending")).unwrap().id, "pending-1");
}

#[tokio::test]
async fn pending_operations_survive_compaction() {
    let dir = tempfile::tempdir().unwrap();
    let (_, store) = store_in(dir.path());
    let (writer, _) = open(&store);
    let begun = writer.begin(BeginOperation::new(OpKind::Create, urn("x"), "AWS::S3::Bucket")).await.unwrap();
    writer.compact().await.unwrap();
    drop(writer);
    let loaded = store.load(&crypter()).unwrap();
    assert_eq!(loaded.info.journal_records, 0, "compacted");
    assert_eq!(loaded.in_flight.len(), 1);
    assert_eq!(loaded.in_flight[0].client_token, begun.client_token);
}

#[tokio::test]
async fn a_torn_tail_is_ignored_then_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let (_, store) = store_in(dir.path());
    let (writer, _) = open(&store);
    create(&writer, "a", "a-1").await;
    drop(writer);
    let journal = dir.path().join(format!("stacks/{PROJECT}/{STACK}/{JOURNAL_FILE}"));
    let intact = std::fs::read(&journal).unwrap();
    let mut torn = intact.clone();
    torn.extend_from_slice(b"1f2e3d4c {\"v\":1,\"seq\":3,\"e\":{\"t\":\"put\",\"resou");
    std::fs::write(&journal, &torn).unwrap();

    let loaded = store.load(&crypter()).unwrap();
    assert_eq!(loaded.info.torn_tail_bytes, (torn.len() - intact.len()) as u64);
    assert_eq!(without_times(&loaded.state), vec![bucket("a", "a-1")]);
    assert_eq!(std::fs::read(&journal).unwrap(), torn, "loading never writes");

    // The writer cuts the tail before appending, so new records are not lost behind garbage.
    let (writer, _) = open(&store);
    create(&writer, "b", "b-1").await;
    drop(writer);
    let loaded = store.load(&crypter()).unwrap();
    assert_eq!(loaded.info.torn_tail_bytes, 0);
    assert_eq!(without_times(&loaded.state), vec![bucket("a", "a-1"), bucket("b", "b-1")]);
}

#[tokio::test]
async fn a_crash_at_every_step_of_compaction_loses_nothing() {
    let mut step = 0;
    loop {
        let dir = tempfile::tempdir().unwrap();
        let (backend, store) = store_in(dir.path());
        let (writer, _) = open(&store);
        create(&writer, "a", "a-1").await;
        writer.compact().await.unwrap();
        create(&writer, "b", "b-1").await;
        let in_flight = writer.begin(BeginOperation::new(OpKind::Create, urn("c"), "AWS::S3::Bucket")).await.unwrap();
        let expected = store.load(&crypter()).unwrap();

        backend.simulate_crash_after(step);
        let outcome = writer.compact().await;
        drop(writer);
        backend.simulate_crash_after(i64::MAX);
        // The "dead" process's lock may be left behind (its release failed in the crash).
        store.break_lock().unwrap();

        let after = store.load(&crypter()).unwrap();
        assert_eq!(after.state, expected.state, "crash before step {step}");
        assert_eq!(after.in_flight, expected.in_flight, "crash before step {step}");
        // And the stack goes on working from there.
        let (writer, reopened) = open(&store);
        assert_eq!(reopened.state, expected.state);
        writer.done(in_flight.op, Some(bucket("c", "c-1"))).await.unwrap();
        writer.close().await.unwrap();
        let last = store.load(&crypter()).unwrap();
        assert_eq!(last.state.resources.len(), 3, "crash before step {step}");
        assert!(last.in_flight.is_empty());
        if outcome.is_ok() {
            assert!(step >= 6, "compaction has 6 durable steps, it finished after {step}");
            break;
        }
        step += 1;
    }
}

#[tokio::test]
async fn newer_or_corrupt_files_are_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let (_, store) = store_in(dir.path());
    let (writer, _) = open(&store);
    create(&writer, "a", "a-1").await;
    writer.close().await.unwrap();
    let (journal_writer, _) = open(&store);
    create(&journal_writer, "b", "b-1").await;
    drop(journal_writer); // leaves a journal beside the snapshot
    let snapshot = dir.path().join(format!("stacks/{PROJECT}/{STACK}/{SNAPSHOT_FILE}"));
    let journal = dir.path().join(format!("stacks/{PROJECT}/{STACK}/{JOURNAL_FILE}"));
    let good_snapshot = std::fs::read(&snapshot).unwrap();
    let good_journal = std::fs::read(&journal).unwrap();

    let check = |expect: &str| {
        let before = files_under(dir.path());
        let error = store.load(&crypter()).unwrap_err();
        let message = error.to_string();
        assert!(message.contains(expect) && message.contains("left untouched"), "{message}");
        let lock = store.lock(&LockOptions::default()).unwrap();
        let error = store.open_writer(lock, crypter(), WriterOptions::default()).unwrap_err();
        assert!(error.to_string().contains(expect), "{error}");
        assert_eq!(files_under(dir.path()), before, "nothing was written");
    };

    let mut newer: Value = serde_json::from_slice(&good_snapshot).unwrap();
    newer["version"] = json!(2);
    std::fs::write(&snapshot, serde_json::to_vec(&newer).unwrap()).unwrap();
    check("newer engine (state format version 2; this engine reads up to 1)");

    std::fs::write(&snapshot, &good_snapshot[..good_snapshot.len() / 2]).unwrap();
    check("is corrupt: not valid JSON");

    std::fs::write(&snapshot, &good_snapshot).unwrap();
    let mut damaged = good_journal.clone();
    damaged[12] ^= 0x20;
    damaged.extend_from_slice(&good_journal);
    std::fs::write(&journal, &damaged).unwrap();
    check("line 1 (byte 0) is damaged, but intact records follow it");

    std::fs::write(&journal, &good_journal).unwrap();
    assert_eq!(store.load(&crypter()).unwrap().state.resources.len(), 2);
}

#[tokio::test]
async fn secrets_are_never_in_plaintext_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let (_, store) = store_in(dir.path());
    let (writer, _) = open(&store);
    let plaintexts = ["INPUT-s3cr3t", "OUTPUT-s3cr3t", "EXTRA-s3cr3t", "STACK-s3cr3t", "DESIRED-s3cr3t", "PATCH-s3cr3t"];
    let mut resource = bucket("db", "db-1");
    resource.inputs.insert("MasterUserPassword".to_owned(), secret(json!(plaintexts[0])));
    resource.outputs.insert("Nested".to_owned(), json!({"list": [1, secret(json!({"deep": plaintexts[1]}))]}));
    resource.outputs.insert("ConnectionString".to_owned(), json!(plaintexts[2]));
    resource.options.additional_secret_outputs = vec!["ConnectionString".to_owned()];
    writer.put(resource.clone()).await.unwrap();
    writer.set_outputs(json!({"password": secret(json!(plaintexts[3]))}).as_object().cloned().unwrap()).await.unwrap();
    let mut begin = BeginOperation::new(OpKind::Update, urn("db"), "AWS::S3::Bucket");
    let mut desired = resource.clone();
    desired.inputs.insert("Token".to_owned(), secret(json!(plaintexts[4])));
    begin.desired = Some(desired);
    begin.patch = Some(json!([{"op": "add", "path": "/Token", "value": secret(json!(plaintexts[5]))}]));
    writer.begin(begin).await.unwrap();

    let grep = |when: &str| {
        let files = files_under(dir.path());
        assert!(files.iter().any(|(name, _)| name.ends_with(JOURNAL_FILE)));
        for (name, bytes) in files {
            let text = String::from_utf8_lossy(&bytes);
            for plaintext in plaintexts {
                assert!(!text.contains(plaintext), "{when}: `{plaintext}` in plaintext in {name}");
            }
        }
    };
    grep("in the journal");
    writer.close().await.unwrap();
    grep("in the snapshot");
    let snapshot = std::fs::read_to_string(dir.path().join(format!("stacks/{PROJECT}/{STACK}/{SNAPSHOT_FILE}"))).unwrap();
    assert!(snapshot.contains("\"ciphertext\": \"v1:"), "{snapshot}");

    let loaded = store.load(&crypter()).unwrap();
    let db = loaded.state.get(&urn("db")).unwrap();
    assert_eq!(db.inputs["MasterUserPassword"], secret(json!(plaintexts[0])));
    assert_eq!(db.outputs["Nested"], json!({"list": [1, secret(json!({"deep": plaintexts[1]}))]}));
    assert_eq!(db.outputs["ConnectionString"], secret(json!(plaintexts[2])), "additionalSecretOutputs are secret");
    assert_eq!(loaded.state.outputs["password"], secret(json!(plaintexts[3])));
    assert_eq!(loaded.in_flight[0].patch.as_ref().unwrap()[0]["value"], secret(json!(plaintexts[5])));
    // Encrypted view (no key needed): ciphertext markers only.
    let encrypted = store.load_encrypted().unwrap();
    assert!(encrypted.state.get(&urn("db")).unwrap().inputs["MasterUserPassword"]["ciphertext"].is_string());
}

#[tokio::test]
async fn a_wrong_passphrase_is_refused_before_anything_is_written() {
    let cheap = KdfParams { memory_kib: 64, iterations: 1, parallelism: 1 };
    let settings = new_passphrase_settings(STACK, &PassphraseSource::given("right"), cheap).unwrap();
    let file = Path::new("Engine.dev.toml");
    let right = Crypter::from_passphrase(STACK, file, settings.clone(), PassphraseSource::given("right"));
    let wrong = Crypter::from_passphrase(STACK, file, settings, PassphraseSource::given("wrong"));
    let dir = tempfile::tempdir().unwrap();
    let (_, store) = store_in(dir.path());
    let lock = store.lock(&LockOptions::default()).unwrap();
    let (writer, _) = store.open_writer(lock, right.clone(), WriterOptions::default()).unwrap();
    let mut resource = bucket("db", "db-1");
    resource.inputs.insert("Password".to_owned(), secret(json!("hunter22")));
    writer.put(resource).await.unwrap();
    writer.close().await.unwrap();

    let error = store.load(&wrong).unwrap_err();
    let message = error.to_string();
    assert!(matches!(&error, StateError::Secret { source: engine_config::ConfigError::WrongPassphrase { .. }, .. }), "{message}");
    assert!(message.contains(&urn("db")) && message.contains("inputs.Password") && message.contains("incorrect passphrase"), "{message}");
    let before = files_under(dir.path());
    let lock = store.lock(&LockOptions::default()).unwrap();
    assert!(store.open_writer(lock, wrong, WriterOptions::default()).is_err());
    assert_eq!(files_under(dir.path()), before);
    assert_eq!(store.load(&right).unwrap().state.resources[0].inputs["Password"], secret(json!("hunter22")));
    // A state without secrets needs no key at all.
    let dir = tempfile::tempdir().unwrap();
    let (_, store) = store_in(dir.path());
    let (writer, _) = open(&store);
    create(&writer, "plain", "p-1").await;
    writer.close().await.unwrap();
    let no_key = Crypter::from_passphrase(STACK, file, new_passphrase_settings(STACK, &PassphraseSource::given("x"), cheap).unwrap(), PassphraseSource::none());
    assert_eq!(store.load(&no_key).unwrap().state.resources.len(), 1);
}

#[tokio::test]
async fn the_lock_is_exclusive_stale_locks_are_taken_over_and_cancel_breaks_it() {
    let dir = tempfile::tempdir().unwrap();
    let (_, store) = store_in(dir.path());
    let held = store.lock(&LockOptions { command: "engine up".to_owned(), ..LockOptions::default() }).unwrap();
    let error = store.lock(&LockOptions::default()).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, StateError::Locked { .. }));
    assert!(message.contains(&format!("pid {}", std::process::id())) && message.contains("`engine up`"), "{message}");
    assert!(message.contains("engine cancel --stack dev"), "{message}");
    // Waiting gives up after the wait.
    let started = std::time::Instant::now();
    let waited = LockOptions { wait: Duration::from_millis(300), ..LockOptions::default() };
    assert!(store.lock(&waited).is_err());
    assert!(started.elapsed() >= Duration::from_millis(300));
    held.release().unwrap();
    assert!(store.lock_holder().unwrap().is_none());

    // A lock left by a process of this host that is gone is taken over.
    let key_path = dir.path().join(format!("stacks/{PROJECT}/{STACK}/{LOCK_FILE}"));
    let lock = store.lock(&LockOptions::default()).unwrap();
    let mut info = lock.info();
    std::mem::forget(lock); // as if killed: the lock file stays
    info.pid = 0x3fff_fff0;
    info.process_start = None;
    std::fs::write(&key_path, serde_json::to_vec(&info).unwrap()).unwrap();
    let taken = store.lock(&LockOptions::default()).unwrap();
    let (old, reason) = taken.replaced_stale().unwrap();
    assert_eq!(old.pid, 0x3fff_fff0);
    assert!(reason.contains("is gone"), "{reason}");
    taken.release().unwrap();

    // Another host's lock: live while its heartbeat is fresh, stale once it is old.
    info.host = "ci-runner-7".to_owned();
    info.heartbeat = now_rfc3339();
    std::fs::write(&key_path, serde_json::to_vec(&info).unwrap()).unwrap();
    let refused = store.lock(&LockOptions::default()).unwrap_err().to_string();
    assert!(refused.contains("host ci-runner-7"), "{refused}");
    info.heartbeat = format_time(engine_state_now_ms() - 10 * 60 * 1000);
    std::fs::write(&key_path, serde_json::to_vec(&info).unwrap()).unwrap();
    let taken = store.lock(&LockOptions::default()).unwrap();
    assert!(taken.replaced_stale().unwrap().1.contains("heartbeat"));

    // engine cancel: break it; the holder notices at its next heartbeat and stops writing.
    drop(taken);
    let lock = store
        .lock(&LockOptions { heartbeat_interval: Duration::from_millis(50), ..LockOptions::default() })
        .unwrap();
    let (writer, _) = store.open_writer(lock, crypter(), WriterOptions::default()).unwrap();
    create(&writer, "a", "a-1").await;
    let holder = store.break_lock().unwrap().unwrap();
    assert_eq!(holder.pid, std::process::id());
    let other = store.lock(&LockOptions::default()).unwrap();
    tokio::time::sleep(Duration::from_millis(250)).await;
    let error = writer.put(bucket("b", "b-1")).await.unwrap_err();
    assert!(matches!(error, StateError::LockLost { .. }), "{error}");
    drop(writer);
    assert_eq!(store.lock_holder().unwrap().unwrap().id, other.info().id, "the old holder did not delete the new lock");
}

fn engine_state_now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64
}

/// A backend whose journal writes are slow (like a networked disk), to observe group commit.
#[derive(Debug)]
struct SlowJournal(FileBackend);

#[derive(Debug)]
struct SlowSink(Box<dyn JournalSink>);

impl JournalSink for SlowSink {
    fn append(&mut self, data: &[u8]) -> Result<()> {
        std::thread::sleep(Duration::from_millis(5));
        self.0.append(data)
    }
    fn truncate(&mut self, len: u64) -> Result<()> {
        self.0.truncate(len)
    }
    fn len(&self) -> u64 {
        self.0.len()
    }
}

impl Backend for SlowJournal {
    fn url(&self) -> String {
        self.0.url()
    }
    fn get(&self, key: &str) -> Result<Option<Object>> {
        self.0.get(key)
    }
    fn put(&self, key: &str, data: &[u8], condition: Condition) -> Result<String> {
        self.0.put(key, data, condition)
    }
    fn delete(&self, key: &str, condition: Condition) -> Result<bool> {
        self.0.delete(key, condition)
    }
    fn list(&self, prefix: &str) -> Result<Vec<String>> {
        self.0.list(prefix)
    }
    fn read_journal(&self, key: &str) -> Result<Vec<u8>> {
        self.0.read_journal(key)
    }
    fn open_journal(&self, key: &str) -> Result<Box<dyn JournalSink>> {
        Ok(Box::new(SlowSink(self.0.open_journal(key)?)))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_records_share_writes() {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::new(Arc::new(SlowJournal(FileBackend::new(dir.path()))), PROJECT, STACK);
    let (writer, _) = open(&store);
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let writer = writer.clone();
            tokio::spawn(async move { create(&writer, &format!("b{i}"), &format!("id-{i}")).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let stats = writer.stats();
    assert_eq!(stats.records, 400);
    // 400 records at 5 ms per write would take 2 s one by one; group commit needs far fewer writes.
    assert!(stats.batches * 4 <= stats.records, "{stats:?}");
    writer.close().await.unwrap();
    assert_eq!(store.load(&crypter()).unwrap().state.resources.len(), 200);
}

#[tokio::test]
async fn automatic_compaction_when_the_journal_grows() {
    let dir = tempfile::tempdir().unwrap();
    let (_, store) = store_in(dir.path());
    let lock = store.lock(&LockOptions::default()).unwrap();
    let options = WriterOptions { compact_after_bytes: 4096, ..WriterOptions::default() };
    let (writer, _) = store.open_writer(lock, crypter(), options).unwrap();
    for i in 0..40 {
        create(&writer, &format!("b{i}"), &format!("id-{i}")).await;
    }
    assert!(writer.stats().compactions >= 3, "{:?}", writer.stats());
    drop(writer);
    let loaded = store.load(&crypter()).unwrap();
    assert_eq!(loaded.state.resources.len(), 40);
    assert!(loaded.info.journal_records < 20);
}

#[test]
fn outputs_map_helpers() {
    // Stored-form helpers are public for tools (export, inspection).
    let c = crypter();
    let value = json!({"a": secret(json!([1, "x"])), "b": 2});
    let stored = encrypt_value(&value, &c).unwrap();
    assert!(contains_secret(&stored));
    assert!(stored["a"][CIPHERTEXT_KEY].as_str().unwrap().starts_with("v1:"));
    assert_eq!(decrypt_value(&stored, &c).unwrap(), value);
    let _: Map<String, Value> = Map::new();
}

/// A backend that runs a hook (once) just before a journal read: a compaction racing a reader.
struct RacingBackend {
    inner: FileBackend,
    hook: std::sync::Mutex<Option<Box<dyn FnOnce() + Send>>>,
}

impl std::fmt::Debug for RacingBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RacingBackend").field("inner", &self.inner).finish_non_exhaustive()
    }
}

impl Backend for RacingBackend {
    fn url(&self) -> String {
        self.inner.url()
    }
    fn get(&self, key: &str) -> Result<Option<Object>> {
        self.inner.get(key)
    }
    fn put(&self, key: &str, data: &[u8], condition: Condition) -> Result<String> {
        self.inner.put(key, data, condition)
    }
    fn delete(&self, key: &str, condition: Condition) -> Result<bool> {
        self.inner.delete(key, condition)
    }
    fn list(&self, prefix: &str) -> Result<Vec<String>> {
        self.inner.list(prefix)
    }
    fn read_journal(&self, key: &str) -> Result<Vec<u8>> {
        let hook = self.hook.lock().unwrap().take();
        if let Some(hook) = hook {
            hook();
        }
        self.inner.read_journal(key)
    }
    fn open_journal(&self, key: &str) -> Result<Box<dyn JournalSink>> {
        self.inner.open_journal(key)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_racing_a_compaction_sees_a_consistent_state() {
    let dir = tempfile::tempdir().unwrap();
    let (_, store) = store_in(dir.path());
    let (writer, _) = open(&store);
    for i in 0..5 {
        create(&writer, &format!("b{i}"), &format!("id-{i}")).await;
    }
    // The reader has read the old (empty) snapshot when the writer compacts and empties the journal.
    let compacting = writer.clone();
    let runtime = tokio::runtime::Handle::current();
    let racing = RacingBackend {
        inner: FileBackend::new(dir.path()),
        hook: std::sync::Mutex::new(Some(Box::new(move || runtime.block_on(compacting.compact()).unwrap()))),
    };
    let reader = StateStore::new(Arc::new(racing), PROJECT, STACK);
    let loaded = tokio::task::spawn_blocking(move || reader.load(&crypter()).unwrap()).await.unwrap();
    assert_eq!(loaded.state.resources.len(), 5, "the reader must not pair the old snapshot with the emptied journal");
    assert_eq!(writer.stats().compactions, 1);
    writer.close().await.unwrap();
}
